/**
 * Imported measurements: MIG tables (CSV) and the project's own profile JSON (one ModelProfile
 * or an array, e.g. a store file or the output of `tessera profile --json`), from a file or a
 * folder of them.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { TesseraError } from '../../core/index.js';
import { parseProfilesJson } from '../profile-schema.js';
import type { ModelProfile } from '../profile-types.js';
import { importMigCsv } from './mig-csv.js';
import { gpuTypeFromPath, MIG_GPU_TYPES, canonicalGpuType } from './mig-slices.js';

export interface ImportProfilesOptions {
  /** GPU the MIG tables were measured on; overrides what the path says. */
  readonly gpuType?: string;
  /** Used when neither `gpuType` nor the path names the GPU (a fleet with one GPU type passes it). */
  readonly fallbackGpuType?: string;
  /**
   * Keep only this model's profiles and name them so: in a folder, the CSV named after it (or
   * the only CSV) and JSON profiles whose `model` (or file name) is it.
   */
  readonly model?: string;
}

/** Reads profile JSON text; `file` names it in messages. */
export function parseProfileJsonFile(file: string): ModelProfile[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new TesseraError('TESSERA_ERR_PROFILE_IMPORT_FORMAT', `${file}: not readable JSON (${cause instanceof Error ? cause.message : String(cause)}); see docs/profiles.md`, { cause, details: { file } });
  }
  // `tessera profile --json` wraps profiles in results; accept that too, so its output imports as is.
  const unwrapped = isResultsWrapper(data) ? data.results.flatMap((r) => (isRecord(r) && r['profile'] !== undefined ? [r['profile']] : [])) : data;
  const parsed = parseProfilesJson(unwrapped);
  if (!parsed.ok) {
    const shown = parsed.problems.slice(0, 10).join('; ');
    throw new TesseraError('TESSERA_ERR_PROFILE_IMPORT_FORMAT', `${file} is not a ModelProfile or an array of them: ${shown}${parsed.problems.length > 10 ? ` (and ${parsed.problems.length - 10} more)` : ''}; see docs/profiles.md`, {
      details: { file, problems: parsed.problems },
    });
  }
  return parsed.profiles;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isResultsWrapper(v: unknown): v is { results: unknown[] } {
  return isRecord(v) && Array.isArray(v['results']);
}

function resolveGpu(file: string, options: ImportProfilesOptions): string {
  const named = options.gpuType ?? gpuTypeFromPath(path.resolve(file)) ?? options.fallbackGpuType;
  if (named === undefined) {
    throw new TesseraError(
      'TESSERA_ERR_PROFILE_IMPORT_GPU',
      `cannot tell which GPU '${file}' was measured on; pass --gpu (one of ${MIG_GPU_TYPES.join(', ')}) or name its folder after the GPU (e.g. a100-80gb-mig/)`,
      { details: { file } },
    );
  }
  const gpu = canonicalGpuType(named);
  if (gpu === undefined) {
    throw new TesseraError('TESSERA_ERR_PROFILE_IMPORT_GPU', `unknown MIG GPU '${named}'; use one of ${MIG_GPU_TYPES.join(', ')}`, { details: { file, gpuType: named } });
  }
  return gpu;
}

function importFile(file: string, options: ImportProfilesOptions, renameTo?: string): ModelProfile[] {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') {
    const model = renameTo ?? options.model;
    return importMigCsv(file, { gpuType: resolveGpu(file, options), ...(model === undefined ? {} : { model }) });
  }
  if (ext === '.json') {
    const profiles = parseProfileJsonFile(file);
    if (options.model === undefined) return profiles;
    const byFileName = path.basename(file, ext) === options.model;
    return profiles.filter((p) => byFileName || p.model === options.model).map((p) => ({ ...p, model: options.model as string }));
  }
  throw new TesseraError('TESSERA_ERR_PROFILE_IMPORT_FORMAT', `${file}: Tessera imports .csv MIG tables and .json profiles; see docs/profiles.md`, { details: { file } });
}

/** Profiles from a file or a folder (not recursive); `--json` output and store files import too. */
export function importProfiles(fileOrDir: string, options: ImportProfilesOptions = {}): ModelProfile[] {
  if (!existsSync(fileOrDir)) {
    throw new TesseraError('TESSERA_ERR_INPUT_FILE_NOT_FOUND', `profiles '${fileOrDir}' do not exist; check the path (spec paths are relative to the spec file)`, { details: { path: fileOrDir } });
  }
  if (!statSync(fileOrDir).isDirectory()) return importFile(fileOrDir, options);
  const files = readdirSync(fileOrDir)
    .filter((n) => /\.(csv|json)$/i.test(n))
    .sort()
    .map((n) => path.join(fileOrDir, n));
  const csvs = files.filter((f) => /\.csv$/i.test(f));
  const jsons = files.filter((f) => /\.json$/i.test(f));
  if (options.model === undefined) return files.flatMap((f) => importFile(f, options));
  const model = options.model;
  const named = csvs.filter((f) => path.basename(f).replace(/\.csv$/i, '') === model);
  const pickedCsvs = named.length > 0 ? named : csvs.length === 1 ? csvs : [];
  return [...pickedCsvs.flatMap((f) => importFile(f, options, model)), ...jsons.flatMap((f) => importFile(f, options))];
}
