import type { CodeTable } from '../code-table.js';

/** Generic input errors shared by every command (durations, sizes, files, flags). */
export const INPUT_CODES = {
  TESSERA_ERR_INPUT_DURATION: { httpStatus: 400, summary: 'A duration could not be read (write 250ms, 30s, 5m, 1h, 1d).' },
  TESSERA_ERR_INPUT_BYTES: { httpStatus: 400, summary: 'A size could not be read (write 512MiB, 16GB).' },
  TESSERA_ERR_INPUT_FILE_NOT_FOUND: { httpStatus: 400, summary: 'A file named on the command line or in a spec does not exist.' },
  TESSERA_ERR_INPUT_FILE_UNREADABLE: { httpStatus: 400, summary: 'A file exists but could not be read or parsed.' },
  TESSERA_ERR_INPUT_FLAG: { httpStatus: 400, summary: 'A command-line flag is missing, unknown or has a bad value.' },
  TESSERA_ERR_CORE_INTERNAL: { httpStatus: 500, summary: 'An unexpected failure inside Tessera; please report it with the log.' },
} as const satisfies CodeTable;
