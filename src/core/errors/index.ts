export { TesseraError, isTesseraError, toTesseraError, type TesseraErrorOptions } from './tessera-error.js';
export { ERROR_CODES, errorCodeInfo, isErrorCode, type ErrorCode } from './registry.js';
export type { ErrorCodeInfo, CodeTable } from './code-table.js';
