/**
 * Profiles a list of models (all of a fleet spec, or one file named on the command line) through
 * the store: a stored profile with the same key is reused unless forced; a model that fails is
 * reported and the rest go on.
 */
import type { Clock, Fleet, ModelSource } from '../core/index.js';
import { toTesseraError, type TesseraError } from '../core/index.js';
import { cpuDevice } from './device.js';
import { batchSizesUpTo, type InputSpecLike } from './inputs.js';
import { resolveModelFile, sha256File } from './model-source.js';
import { onnxruntimeVersion, type ExecutionProvider } from './ort-session.js';
import { profileModel, type ProfileProgress } from './profiler.js';
import type { ModelProfile } from './profile-types.js';
import type { StabilityRule } from './stats.js';
import { inputsKey, type ProfileStore } from './store.js';

export interface ProfileTarget {
  readonly name: string;
  readonly source: ModelSource;
  readonly input?: Readonly<Record<string, InputSpecLike>>;
  readonly maxBatchSize: number;
}

export interface ProfileRunOptions {
  /** Folder relative model paths resolve against (the spec's folder, or the working directory). */
  readonly baseDir: string;
  /** Where generated models are written (default `.tessera/models`). */
  readonly cacheDir?: string;
  /** Omit to measure without reading or writing the store. */
  readonly store?: ProfileStore;
  /** Measure even when the store has the profile. */
  readonly force?: boolean;
  readonly threads: number;
  readonly batchLimit?: number;
  readonly rule?: Partial<StabilityRule>;
  readonly executionProvider?: ExecutionProvider;
  readonly seed?: number;
  readonly clock?: Clock;
  readonly onProgress?: (event: ProfileProgress & { readonly index: number; readonly count: number }) => void;
}

export type ProfileOutcome =
  | { readonly model: string; readonly status: 'measured' | 'reused'; readonly profile: ModelProfile; readonly storeFile?: string }
  | { readonly model: string; readonly status: 'failed'; readonly error: TesseraError };

/** The models of a fleet that have an ONNX file to measure, and the names of those that do not. */
export function targetsFromFleet(fleet: Readonly<Fleet>): { targets: ProfileTarget[]; withoutSource: string[] } {
  const targets: ProfileTarget[] = [];
  const withoutSource: string[] = [];
  for (const m of fleet.models) {
    if (m.source === undefined) withoutSource.push(m.name);
    else targets.push({ name: m.name, source: m.source, maxBatchSize: m.maxBatchSize, ...(m.input === undefined ? {} : { input: m.input }) });
  }
  return { targets, withoutSource };
}

export async function profileTargets(targets: readonly ProfileTarget[], options: ProfileRunOptions): Promise<ProfileOutcome[]> {
  const outcomes: ProfileOutcome[] = [];
  for (const [index, target] of targets.entries()) {
    try {
      outcomes.push(await profileTarget(target, options, index, targets.length));
    } catch (err) {
      outcomes.push({ model: target.name, status: 'failed', error: toTesseraError(err) });
    }
  }
  return outcomes;
}

async function profileTarget(target: ProfileTarget, options: ProfileRunOptions, index: number, count: number): Promise<ProfileOutcome> {
  const modelPath = resolveModelFile(target.source, { baseDir: options.baseDir, ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }) });
  const modelSha256 = sha256File(modelPath);
  const ep = options.executionProvider ?? 'cpu';
  const wanted = batchSizesUpTo(Math.min(target.maxBatchSize, options.batchLimit ?? target.maxBatchSize));
  if (options.store && !options.force && ep === 'cpu') {
    const stored = options.store.get({
      modelSha256,
      deviceFingerprint: cpuDevice(options.threads).fingerprint,
      runtimeVersion: onnxruntimeVersion(),
      inputsKey: inputsKey(target.input),
    });
    const have = new Set(stored?.points.map((p) => p.batchSize));
    if (stored && wanted.every((b) => have.has(b))) {
      const keep = new Set(wanted);
      return { model: target.name, status: 'reused', profile: { ...stored, model: target.name, points: stored.points.filter((p) => keep.has(p.batchSize)) } };
    }
  }
  const profile = await profileModel({
    name: target.name,
    modelPath,
    modelSha256,
    maxBatchSize: target.maxBatchSize,
    threads: options.threads,
    ...(target.input === undefined ? {} : { input: target.input }),
    ...(options.batchLimit === undefined ? {} : { batchLimit: options.batchLimit }),
    ...(options.rule === undefined ? {} : { rule: options.rule }),
    ...(options.executionProvider === undefined ? {} : { executionProvider: options.executionProvider }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.onProgress === undefined ? {} : { onProgress: (e: ProfileProgress) => options.onProgress?.({ ...e, index, count }) }),
  });
  const storeFile = options.store?.put(profile);
  return storeFile === undefined ? { model: target.name, status: 'measured', profile } : { model: target.name, status: 'measured', profile, storeFile };
}
