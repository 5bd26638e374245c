/**
 * Per-slice GPU tables measured with MIG + MPS (the ParvaGPU artifact layout):
 * `Mig instance,Batch size,Workload Number,Throughput,Latency`, one CSV per model.
 *
 * Reading (checked on all 11 A100-80GB tables, docs/profiles.md): Throughput × Latency ≈ Batch
 * size on every non-empty row (ratio 0.8–1.3, the spread coming from Latency rounded to 1 ms),
 * so Throughput is ITEMS per second of one process, and Latency is seconds per batch of one
 * process. Rows of 0,0 are combinations that were not run or did not fit; they are skipped.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { TesseraError } from '../../core/index.js';
import type { ModelProfile, ProfilePoint } from '../profile-types.js';
import { migProfileName, MIG_GPU_TYPES } from './mig-slices.js';

export const MIG_CSV_HEADER = ['Mig instance', 'Batch size', 'Workload Number', 'Throughput', 'Latency'] as const;

export interface MigCsvRow {
  readonly computeSlices: number;
  readonly batchSize: number;
  /** Concurrent processes (MPS) of the model inside the instance. */
  readonly processes: number;
  /** Items per second of ONE process. */
  readonly throughputPerProcess: number;
  readonly latencySeconds: number;
  readonly line: number;
}

function formatError(file: string, line: number | undefined, message: string): TesseraError {
  const where = line === undefined ? file : `${file}:${line}`;
  return new TesseraError('TESSERA_ERR_PROFILE_IMPORT_FORMAT', `${where}: ${message} (expected a MIG table with header '${MIG_CSV_HEADER.join(',')}'; see docs/profiles.md)`, {
    details: { file, ...(line === undefined ? {} : { line }) },
  });
}

/** Parses the table; every malformed row is a coded error naming its line. */
export function parseMigCsv(text: string, file = '<csv>'): MigCsvRow[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  if (header.length !== MIG_CSV_HEADER.length || header.some((h, i) => h.toLowerCase() !== (MIG_CSV_HEADER[i] as string).toLowerCase())) {
    throw formatError(file, 1, `header is '${lines[0] ?? ''}'`);
  }
  const rows: MigCsvRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = (lines[i] as string).trim();
    if (raw === '') continue;
    const cells = raw.split(',').map((c) => c.trim());
    const nums = cells.map(Number);
    if (cells.length !== 5 || nums.some((n, j) => !Number.isFinite(n) || n < 0 || cells[j] === '')) {
      throw formatError(file, i + 1, `row '${raw}' is not five non-negative numbers`);
    }
    const [slices, batch, processes, throughput, latency] = nums as [number, number, number, number, number];
    if (!Number.isInteger(slices) || !Number.isInteger(batch) || batch < 1 || !Number.isInteger(processes) || processes < 1) {
      throw formatError(file, i + 1, `row '${raw}' needs whole numbers ≥ 1 for Mig instance, Batch size and Workload Number`);
    }
    rows.push({ computeSlices: slices, batchSize: batch, processes, throughputPerProcess: throughput, latencySeconds: latency, line: i + 1 });
  }
  return rows;
}

export interface MigImportOptions {
  /** The GPU the table was measured on (`A100-80GB`). */
  readonly gpuType: string;
  /** Model name; default the file name without `.csv`. */
  readonly model?: string;
  /** ISO time for `measuredAt`; default the file's modification time (the tables carry no date). */
  readonly measuredAt?: string;
}

/** One imported profile per MIG slice size in the table, points sorted by batch then processes. */
export function migRowsToProfiles(rows: readonly MigCsvRow[], options: Required<Pick<MigImportOptions, 'gpuType' | 'model' | 'measuredAt'>> & { source: string }): ModelProfile[] {
  const bySlice = new Map<number, ProfilePoint[]>();
  for (const row of rows) {
    if (row.throughputPerProcess === 0 || row.latencySeconds === 0) continue;
    const slice = migProfileName(options.gpuType, row.computeSlices);
    if (slice === undefined) {
      throw formatError(options.source, row.line, `Mig instance ${row.computeSlices} is not a MIG size of ${options.gpuType} (1, 2, 3, 4 or 7)`);
    }
    const latencyMs = row.latencySeconds * 1000;
    const points = bySlice.get(row.computeSlices) ?? [];
    points.push({
      batchSize: row.batchSize,
      concurrency: row.processes,
      latencyMs: { p50: latencyMs, p90: latencyMs, p99: latencyMs, mean: latencyMs },
      throughputPerS: row.throughputPerProcess * row.processes,
      samples: 0,
    });
    bySlice.set(row.computeSlices, points);
  }
  return [...bySlice.entries()]
    .sort(([a], [b]) => a - b)
    .map(([computeSlices, points]) => {
      const slice = migProfileName(options.gpuType, computeSlices) as string;
      return {
        schemaVersion: 1 as const,
        model: options.model,
        origin: 'imported' as const,
        source: options.source,
        device: { kind: 'mig' as const, name: `${options.gpuType} ${slice}`, gpuType: options.gpuType, slice, computeSlices, fingerprint: `mig/${options.gpuType}/${slice}` },
        runtime: { name: 'external', version: 'unknown' },
        points: points.sort((p, q) => p.batchSize - q.batchSize || p.concurrency - q.concurrency),
        measuredAt: options.measuredAt,
        latencyFromMean: true,
      };
    });
}

/** Reads one MIG CSV file into imported profiles (one per slice size). */
export function importMigCsv(file: string, options: MigImportOptions): ModelProfile[] {
  if (migProfileName(options.gpuType, 1) === undefined) {
    throw new TesseraError('TESSERA_ERR_PROFILE_IMPORT_GPU', `unknown MIG GPU '${options.gpuType}'; use one of ${MIG_GPU_TYPES.join(', ')}`, { details: { gpuType: options.gpuType } });
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new TesseraError('TESSERA_ERR_INPUT_FILE_NOT_FOUND', `cannot read profile table '${file}'; check the path`, { cause, details: { file } });
  }
  return migRowsToProfiles(parseMigCsv(text, file), {
    gpuType: options.gpuType,
    model: options.model ?? path.basename(file).replace(/\.csv$/i, ''),
    measuredAt: options.measuredAt ?? statSync(file).mtime.toISOString(),
    source: file,
  });
}
