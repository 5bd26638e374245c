import type { ErrorCodeInfo } from './code-table.js';
import { INPUT_CODES } from './codes/input.js';
import { SPEC_CODES } from './codes/spec.js';
import { RUNTIME_CODES } from './codes/runtime.js';

/**
 * Every error code Tessera can emit, with its HTTP status. Each area keeps its codes in
 * `codes/<area>.ts`; add the table here. `docs/errors.md` lists the same codes (a test checks).
 */
export const ERROR_CODES = {
  ...INPUT_CODES,
  ...SPEC_CODES,
  ...RUNTIME_CODES,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export function errorCodeInfo(code: ErrorCode): ErrorCodeInfo {
  return ERROR_CODES[code];
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
