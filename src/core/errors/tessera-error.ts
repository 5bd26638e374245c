import { errorCodeInfo, type ErrorCode } from './registry.js';

export interface TesseraErrorOptions {
  cause?: unknown;
  /** Structured context for logs and `--json` output (paths, line numbers, limits). */
  details?: Readonly<Record<string, unknown>>;
}

/**
 * The one error type Tessera throws across module boundaries. The code is stable and listed in
 * docs/errors.md; the message says what to do about it.
 */
export class TesseraError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: TesseraErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TesseraError';
    this.code = code;
    this.httpStatus = errorCodeInfo(code).httpStatus;
    this.details = options.details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Readonly<Record<string, unknown>> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isTesseraError(err: unknown): err is TesseraError {
  return err instanceof TesseraError;
}

/** Wraps anything thrown into a TesseraError, keeping coded errors as they are. */
export function toTesseraError(err: unknown, fallback: ErrorCode = 'TESSERA_ERR_CORE_INTERNAL'): TesseraError {
  if (err instanceof TesseraError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TesseraError(fallback, message, { cause: err });
}
