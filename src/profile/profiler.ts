/**
 * Measures one model on one device: session create, first inference, then latency, throughput
 * and memory for each batch size (docs/profiles.md says what each figure means and how long
 * each batch size is timed).
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { createRng, RealClock, TesseraError, type Clock } from '../core/index.js';
import { cpuDevice } from './device.js';
import { batchSizesFor, buildBatch, inputSignature, planInputs, type InputPlan, type InputSpecLike } from './inputs.js';
import { inputMetadataOf, loadRuntime, openModelSession, toOrtFeeds, type ExecutionProvider, type OrtModule } from './ort-session.js';
import type { ModelProfile, ProfileDevice, ProfilePoint } from './profile-types.js';
import { DEFAULT_STABILITY_RULE, stopDecision, summarize, type StabilityRule, type StopDecision } from './stats.js';
import { inputsKey } from './store.js';
import { sha256File } from './model-source.js';

export interface ProfileProgress {
  readonly model: string;
  readonly stage: 'load' | 'first-inference' | 'batch' | 'done';
  readonly batchSize?: number;
  /** Steps finished so far, of `steps` (load, first inference, one per batch size). */
  readonly step: number;
  readonly steps: number;
}

export interface ProfileModelOptions {
  readonly name: string;
  readonly modelPath: string;
  readonly input?: Readonly<Record<string, InputSpecLike>>;
  /** The model's `maxBatchSize` (spec). */
  readonly maxBatchSize: number;
  /** Measure batch sizes only up to this (`--max-batch`). */
  readonly batchLimit?: number;
  /** Intra-op threads; part of the device fingerprint. */
  readonly threads: number;
  readonly executionProvider?: ExecutionProvider;
  readonly deviceId?: number;
  readonly rule?: Partial<StabilityRule>;
  /** Seed for the generated inputs. */
  readonly seed?: number;
  readonly clock?: Clock;
  /** Resident-set sampler; injectable so tests need not depend on the process's memory. */
  readonly rss?: () => number;
  readonly onProgress?: (event: ProfileProgress) => void;
  /** Known sha256 of the file (saves hashing it twice). */
  readonly modelSha256?: string;
}

function deviceFor(options: ProfileModelOptions): ProfileDevice {
  if ((options.executionProvider ?? 'cpu') === 'cuda') {
    // A real GPU identity (name, UUID class, MIG profile) comes from hardware discovery once it
    // exists; until then the fingerprint says only which CUDA device ordinal ran it.
    const id = options.deviceId ?? 0;
    return { kind: 'gpu', name: `cuda:${id}`, fingerprint: `cuda/${id}` };
  }
  return cpuDevice(options.threads);
}

export async function profileModel(options: ProfileModelOptions): Promise<ModelProfile> {
  const clock = options.clock ?? new RealClock();
  const rss = options.rss ?? (() => process.memoryUsage.rss());
  const rule: StabilityRule = { ...DEFAULT_STABILITY_RULE, ...options.rule };
  const rng = createRng(options.seed ?? 1);
  const runtime = await loadRuntime(clock);
  const modelSha256 = options.modelSha256 ?? sha256File(options.modelPath);

  const rssBefore = rss();
  const { session, createMs } = await openModelSession(
    options.modelPath,
    { intraOpNumThreads: options.threads, ...(options.executionProvider ? { executionProvider: options.executionProvider } : {}), ...(options.deviceId === undefined ? {} : { deviceId: options.deviceId }) },
    clock,
  );
  try {
    const memoryBytes = Math.max(0, rss() - rssBefore);
    const plan = planInputs(options.name, inputMetadataOf(session), options.input, { maxBatchSize: options.maxBatchSize });
    const sizes = batchSizesFor(plan, options.batchLimit ?? plan.maxBatchSize);
    const steps = sizes.length * Math.max(1, rule.rounds) + 2;
    const progress = (stage: ProfileProgress['stage'], step: number, batchSize?: number): void =>
      options.onProgress?.({ model: options.name, stage, step, steps, ...(batchSize === undefined ? {} : { batchSize }) });
    progress('load', 1);

    const first = toOrtFeeds(runtime.ort, buildBatch(plan, 1, rng));
    const t0 = clock.nowMs();
    await runOnce(session, first, plan, 1, undefined);
    const firstInferenceMs = clock.nowMs() - t0;
    progress('first-inference', 2);

    const baseline = rss();
    const points = await measureSizes(session, runtime.ort, plan, sizes, { rule, clock, rss, baseline, rng }, (batchSize, slicesDone) =>
      progress('batch', Math.min(steps, 2 + slicesDone), batchSize),
    );
    progress('done', steps);
    return {
      schemaVersion: 1,
      model: options.name,
      modelSha256,
      origin: 'measured',
      source: options.modelPath,
      device: deviceFor(options),
      runtime: { name: 'onnxruntime-node', version: runtime.version, executionProvider: options.executionProvider ?? 'cpu' },
      loadMs: createMs,
      firstInferenceMs,
      frameworkInitMs: runtime.frameworkInitMs,
      memoryBytes,
      inputs: inputSignature(plan),
      inputsKey: inputsKey(options.input),
      points,
      measuredAt: new Date(clock.nowMs()).toISOString(),
    };
  } finally {
    await session.release();
  }
}

interface MeasureContext {
  readonly rule: StabilityRule;
  readonly clock: Clock;
  readonly rss: () => number;
  readonly baseline: number;
  readonly rng: ReturnType<typeof createRng>;
}

interface SizeState {
  readonly batchSize: number;
  feeds: Record<string, Tensor> | undefined;
  readonly samples: number[];
  elapsedMs: number;
  slices: number;
  peak: number;
  decision: StopDecision;
}

/**
 * Times every batch size in `rule.rounds` interleaved slices (1, 2, 4, …, then 1, 2, 4, … again)
 * rather than one size after the other, so a burst of load from another process lands on a
 * fraction of every size's samples instead of on all samples of one size: the medians stay put.
 * Sizes still drifting after the planned rounds get further slices until stable or capped.
 */
async function measureSizes(
  session: InferenceSession,
  ort: OrtModule,
  plan: InputPlan,
  sizes: readonly number[],
  ctx: MeasureContext,
  onSlice: (batchSize: number, slicesDone: number) => void,
): Promise<ProfilePoint[]> {
  const { rule, clock } = ctx;
  const rounds = Math.max(1, rule.rounds);
  const sliceMinRuns = Math.max(1, Math.ceil(rule.minRuns / rounds));
  const sliceMinMs = rule.minTimeMs / rounds;
  const states: SizeState[] = sizes.map((batchSize) => ({ batchSize, feeds: undefined, samples: [], elapsedMs: 0, slices: 0, peak: ctx.rss(), decision: 'continue' }));
  let slicesDone = 0;
  let lastGood: number | undefined;
  while (states.some((st) => st.decision === 'continue')) {
    for (const st of states) {
      if (st.decision !== 'continue') continue;
      if (st.feeds === undefined) {
        st.feeds = toOrtFeeds(ort, buildBatch(plan, st.batchSize, ctx.rng));
        for (let i = 0; i < Math.max(1, rule.warmupRuns); i++) await runOnce(session, st.feeds, plan, st.batchSize, lastGood);
        lastGood = st.batchSize;
      } else {
        // One untimed run re-warms caches that the other sizes' slices evicted.
        await session.run(st.feeds);
      }
      const start = clock.nowMs();
      let runs = 0;
      for (;;) {
        const t0 = clock.nowMs();
        await session.run(st.feeds);
        const t1 = clock.nowMs();
        st.samples.push(t1 - t0);
        st.peak = Math.max(st.peak, ctx.rss());
        runs++;
        const capped = st.samples.length >= rule.maxRuns || st.elapsedMs + (t1 - start) >= rule.maxTimeMs;
        if (capped || (runs >= sliceMinRuns && t1 - start >= sliceMinMs)) break;
      }
      st.elapsedMs += clock.nowMs() - start;
      st.slices++;
      const n = st.samples.length;
      const atCap = n >= rule.floorRuns && (n >= rule.maxRuns || st.elapsedMs >= rule.maxTimeMs);
      if (atCap || st.slices >= rounds) {
        const decision = stopDecision(st.samples, st.elapsedMs, rule);
        if (decision !== 'continue') {
          st.decision = decision;
          st.feeds = undefined;
        }
      }
      onSlice(st.batchSize, ++slicesDone);
    }
  }
  return states.map((st) => {
    const latencyMs = summarize(st.samples);
    return {
      batchSize: st.batchSize,
      concurrency: 1,
      latencyMs,
      throughputPerS: latencyMs.mean > 0 ? (st.batchSize * 1000) / latencyMs.mean : 0,
      samples: st.samples.length,
      memoryAddedBytes: Math.max(0, st.peak - ctx.baseline),
      stable: st.decision === 'stable',
    };
  });
}

/** One run whose failure is turned into a coded error that says which batch sizes work. */
async function runOnce(session: InferenceSession, feeds: Record<string, Tensor>, plan: InputPlan, batchSize: number, lastGood: number | undefined): Promise<void> {
  try {
    await session.run(feeds);
  } catch (cause) {
    const reason = (cause instanceof Error ? cause.message : String(cause)).trim().replace(/\.+$/, '');
    if (batchSize > 1 && lastGood !== undefined) {
      throw new TesseraError(
        'TESSERA_ERR_PROFILE_BATCH_REJECTED',
        `model '${plan.model}' ran batch ${lastGood} but onnxruntime rejected batch ${batchSize}: ${reason}. Set maxBatchSize: ${lastGood} for this model (or --max-batch ${lastGood})`,
        { cause, details: { model: plan.model, batchSize, lastGood } },
      );
    }
    throw new TesseraError('TESSERA_ERR_PROFILE_RUN_FAILED', `onnxruntime failed to run model '${plan.model}' on generated inputs (batch ${batchSize}): ${reason}. Check the input shapes, or set value/range on inputs that take only some values`, {
      cause,
      details: { model: plan.model, batchSize },
    });
  }
}
