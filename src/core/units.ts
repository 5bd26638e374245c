import { TesseraError } from './errors/tessera-error.js';

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses durations written `250ms`, `30s`, `5m`, `1h`, `1d`, `1w` (or compound `1h30m`) into
 * milliseconds. A bare number is read as milliseconds.
 */
export function parseDurationMs(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let consumed = 0;
  let match: RegExpExecArray | null;
  while ((match = re.exec(trimmed)) !== null) {
    total += Number(match[1]) * (DURATION_UNITS_MS[match[2] as string] as number);
    consumed = re.lastIndex;
  }
  if (consumed === 0 || consumed !== trimmed.length) {
    throw new TesseraError('TESSERA_ERR_INPUT_DURATION', `cannot read '${text}' as a duration; write it like 250ms, 30s, 5m, 1h or 1d`);
  }
  return total;
}

export function formatDurationMs(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(0)}µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)}m`;
  return `${(ms / 3_600_000).toFixed(1)}h`;
}

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** Parses `512MiB`, `16GB`, `1.5GiB` or a bare byte count. */
export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = (m?.[2] ?? '').toLowerCase() || 'b';
  const factor = BYTE_UNITS[unit];
  if (!m || factor === undefined) {
    throw new TesseraError('TESSERA_ERR_INPUT_BYTES', `cannot read '${text}' as a size; write it like 512MiB or 16GB`);
  }
  return Math.round(Number(m[1]) * factor);
}

export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs < 1024) return `${bytes} B`;
  if (abs < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (abs < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

export const MS_PER_S = 1000;
export const msToSeconds = (ms: number): number => ms / MS_PER_S;
export const secondsToMs = (s: number): number => s * MS_PER_S;
