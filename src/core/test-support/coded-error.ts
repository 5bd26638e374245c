import { isTesseraError, type TesseraError } from '../errors/index.js';

/** Runs `f` and returns the TesseraError it throws; anything else (or no throw) fails the test. */
export function codedError(f: () => unknown): TesseraError {
  try {
    f();
  } catch (err) {
    if (isTesseraError(err)) return err;
    throw err;
  }
  throw new Error('expected a coded error');
}

/** The code of the TesseraError `f` throws; `not coded: …` for any other error, undefined if it returns. */
export function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    return isTesseraError(err) ? err.code : `not coded: ${String(err)}`;
  }
  return undefined;
}

/** The code of the TesseraError `p` rejects with; `not coded: …` for any other error, `resolved` if it resolves. */
export async function rejectionCodeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return isTesseraError(err) ? err.code : `not coded: ${String(err)}`;
  }
  return 'resolved';
}
