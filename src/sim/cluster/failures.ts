import { TesseraError, parseDurationMs } from '../../core/index.js';
import type { FailureSpec } from './options.js';

/**
 * Reads a `--fail` value, `<target>@<time>`: a replica id (`ocr-det/0@30s`) or a service name
 * (`ocr-det@2m`, every replica of it) and the virtual time of the crash (a duration, or a number
 * of ms). Malformed values are TESSERA_ERR_SIM_OPTION.
 */
export function parseFailureFlag(text: string): FailureSpec {
  const at = text.lastIndexOf('@');
  const target = at < 0 ? '' : text.slice(0, at).trim();
  const when = at < 0 ? '' : text.slice(at + 1).trim();
  if (target === '' || when === '') throw new TesseraError('TESSERA_ERR_SIM_OPTION', `--fail '${text}' is not <replica>@<time>; write it like ocr-det/0@30s (a replica) or ocr-det@30s (every replica of a service)`);
  let atMs: number;
  try {
    atMs = parseDurationMs(when);
  } catch (cause) {
    throw new TesseraError('TESSERA_ERR_SIM_OPTION', `--fail '${text}': cannot read '${when}' as a time; write it like 250ms, 30s, 5m or 1h`, { cause });
  }
  return target.includes('/') ? { atMs, replica: target } : { atMs, service: target };
}

/** Checks a failure's time (finite, ≥ 0) and that it names something (TESSERA_ERR_SIM_OPTION). */
export function checkFailure(f: FailureSpec, index: number): void {
  if (!(Number.isFinite(f.atMs) && f.atMs >= 0)) throw new TesseraError('TESSERA_ERR_SIM_OPTION', `failures[${index}].atMs must be a finite time ≥ 0 ms (got ${f.atMs})`);
  if (f.replica === undefined && f.service === undefined) throw new TesseraError('TESSERA_ERR_SIM_OPTION', `failures[${index}] names neither a replica nor a service`);
}
