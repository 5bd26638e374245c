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
