import type { CodeTable } from '../code-table.js';

export const SPEC_CODES = {
  TESSERA_ERR_SPEC_INVALID: { httpStatus: 400, summary: 'The fleet spec has one or more problems; each is listed with its path and line.' },
  TESSERA_ERR_SPEC_SYNTAX: { httpStatus: 400, summary: 'The fleet spec is not valid YAML or JSON.' },
} as const satisfies CodeTable;
