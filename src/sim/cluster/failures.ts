import { TesseraError, parseDurationMs } from '../../core/index.js';
import { FAILURE_KINDS, type FailureSpec } from './options.js';

/**
 * Reads a `--fail` value, `<target>@<time>[:<kind>]`: a replica id (`ocr-det/0@30s`) or a service
 * name (`ocr-det@2m`, every replica of it), the virtual time (a duration, or a number of ms) and
 * optionally the kind, `crash` (the default) or `faulty` (`ocr-det/0@30s:faulty`: it keeps serving
 * errors until restarted). Malformed values are TESSERA_ERR_SIM_OPTION.
 */
export function parseFailureFlag(text: string): FailureSpec {
  const at = text.lastIndexOf('@');
  const target = at < 0 ? '' : text.slice(0, at).trim();
  const rest = at < 0 ? '' : text.slice(at + 1).trim();
  const colon = rest.indexOf(':');
  const when = (colon < 0 ? rest : rest.slice(0, colon)).trim();
  const kindText = colon < 0 ? undefined : rest.slice(colon + 1).trim();
  if (target === '' || when === '') throw new TesseraError('TESSERA_ERR_SIM_OPTION', `--fail '${text}' is not <replica>@<time>[:crash|faulty]; write it like ocr-det/0@30s (a replica) or ocr-det@30s (every replica of a service)`);
  const kind = FAILURE_KINDS.find((k) => k === kindText);
  if (kindText !== undefined && kind === undefined) throw new TesseraError('TESSERA_ERR_SIM_OPTION', `--fail '${text}': '${kindText}' is not a failure kind; use ${FAILURE_KINDS.join(' or ')} (ocr-det/0@30s:faulty)`);
  let atMs: number;
  try {
    atMs = parseDurationMs(when);
  } catch (cause) {
    throw new TesseraError('TESSERA_ERR_SIM_OPTION', `--fail '${text}': cannot read '${when}' as a time; write it like 250ms, 30s, 5m or 1h`, { cause });
  }
  const where = target.includes('/') ? { replica: target } : { service: target };
  return kind === undefined || kind === 'crash' ? { atMs, ...where } : { atMs, ...where, kind };
}

/** Checks a failure's time (finite, ≥ 0) and that it names something (TESSERA_ERR_SIM_OPTION). */
export function checkFailure(f: FailureSpec, index: number): void {
  if (!(Number.isFinite(f.atMs) && f.atMs >= 0)) throw new TesseraError('TESSERA_ERR_SIM_OPTION', `failures[${index}].atMs must be a finite time ≥ 0 ms (got ${f.atMs})`);
  if (f.replica === undefined && f.service === undefined) throw new TesseraError('TESSERA_ERR_SIM_OPTION', `failures[${index}] names neither a replica nor a service`);
  if (f.kind !== undefined && !FAILURE_KINDS.includes(f.kind)) throw new TesseraError('TESSERA_ERR_SIM_OPTION', `failures[${index}].kind '${String(f.kind)}' is not one of ${FAILURE_KINDS.join(', ')}`);
}
