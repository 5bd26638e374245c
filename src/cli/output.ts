import { isTesseraError, toTesseraError, type TesseraError } from '../core/index.js';

/**
 * Exit codes scripts can trust (docs/cli.md):
 * 0 success; 1 the command ran and reports failures (a model that failed to profile, an
 * infeasible plan); 2 bad input (spec, flags, files); 3 an internal error.
 */
export const EXIT = { OK: 0, FAILED: 1, BAD_INPUT: 2, INTERNAL: 3 } as const;

export interface CommonOptions {
  json?: boolean;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function exitCodeFor(err: TesseraError): number {
  if (err.code === 'TESSERA_ERR_CORE_INTERNAL') return EXIT.INTERNAL;
  return err.httpStatus >= 500 ? EXIT.FAILED : EXIT.BAD_INPUT;
}

/** Runs a command body; a coded error becomes a message on stderr (or JSON on stdout) and an exit code. */
export async function runCommand(opts: CommonOptions, body: () => Promise<number | void>): Promise<void> {
  try {
    const code = await body();
    process.exitCode = code ?? EXIT.OK;
  } catch (raw) {
    const err = toTesseraError(raw);
    if (opts.json) printJson({ error: err.toJSON() });
    else process.stderr.write(`error ${err.code}: ${err.message}\n`);
    if (!isTesseraError(raw) && process.env['TESSERA_DEBUG']) process.stderr.write(`${String((raw as Error)?.stack)}\n`);
    process.exitCode = exitCodeFor(err);
  }
}
