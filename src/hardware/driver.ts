import { TesseraError } from '../core/index.js';

/**
 * Reads a driver version as its major number: `470`, `R510`, `r525`, `535.104.05` → 535.
 * Throws `TESSERA_ERR_HARDWARE_DRIVER` otherwise. MIG rules only ever name a major release.
 */
export function parseDriverVersion(text: string | number): number {
  const m = /^\s*[rR]?(\d{3,4})(?:\.\d+)*\s*$/.exec(String(text));
  if (m === null) {
    throw new TesseraError('TESSERA_ERR_HARDWARE_DRIVER', `cannot read '${String(text)}' as an NVIDIA driver version; write the major version (470), a branch (R510) or the full version (535.104.05)`, {
      details: { driver: String(text) },
    });
  }
  return Number(m[1]);
}

/** Whether a driver meets a minimum; an unknown (`undefined`) driver is taken as current. */
export function driverMeets(driver: number | undefined, minDriver: number | undefined): boolean {
  return minDriver === undefined || driver === undefined || driver >= minDriver;
}
