/**
 * The one place profile code touches onnxruntime-node. It is imported lazily, so modules that
 * only read profiles (the planner via `loadProfilesForFleet`) never load the native runtime.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as OrtNamespace from 'onnxruntime-node';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { RealClock, TesseraError, type Clock } from '../core/index.js';
import type { InputMetadataLike } from './inputs.js';
import type { InputTensor } from './tensor.js';

export type OrtModule = typeof OrtNamespace;

/**
 * `cpu` is what this machine has. `cuda` is where a GPU plugs in: the session gets the CUDA
 * execution provider on `deviceId` (onnxruntime-node ships it on linux-x64 when installed
 * with its CUDA binaries; `listSupportedBackends()` says whether it is bundled).
 */
export type ExecutionProvider = 'cpu' | 'cuda';

export interface SessionSettings {
  /** onnxruntime intra-op threads: the CPU budget of one model instance. */
  readonly intraOpNumThreads: number;
  readonly executionProvider?: ExecutionProvider;
  readonly deviceId?: number;
}

export interface LoadedRuntime {
  readonly ort: OrtModule;
  /** Time to import and initialise the runtime; paid once per process, so later calls report the first figure. */
  readonly frameworkInitMs: number;
  readonly version: string;
}

let runtime: Promise<LoadedRuntime> | undefined;

export function loadRuntime(clock: Clock = new RealClock()): Promise<LoadedRuntime> {
  runtime ??= (async () => {
    const t0 = clock.nowMs();
    const ort = await import('onnxruntime-node');
    ort.env.logLevel = 'error';
    return { ort, frameworkInitMs: clock.nowMs() - t0, version: onnxruntimeVersion() };
  })();
  return runtime;
}

let version: string | undefined;

/** The installed onnxruntime-node version, from its package.json (part of the profile store key). */
export function onnxruntimeVersion(): string {
  if (version === undefined) {
    const require = createRequire(import.meta.url);
    const pkg = JSON.parse(readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8')) as { version?: unknown };
    version = typeof pkg.version === 'string' ? pkg.version : 'unknown';
  }
  return version;
}

export function cudaAvailable(ort: OrtModule): boolean {
  return ort.listSupportedBackends().some((b) => b.name === 'cuda' && b.bundled);
}

export interface OpenedSession {
  readonly session: InferenceSession;
  /** Session create time: reading the file, graph optimisation, kernel setup. */
  readonly createMs: number;
}

/**
 * Opens a session with the settings the serving workers use (sequential execution, one inter-op
 * thread, full graph optimisation), so profiled figures match served ones.
 */
export async function openModelSession(modelPath: string, settings: SessionSettings, clock: Clock = new RealClock()): Promise<OpenedSession> {
  if (!existsSync(modelPath) || !statSync(modelPath).isFile()) {
    throw new TesseraError('TESSERA_ERR_PROFILE_MODEL_NOT_FOUND', `model file '${modelPath}' does not exist; check the path`, { details: { path: modelPath } });
  }
  const { ort } = await loadRuntime(clock);
  const ep = settings.executionProvider ?? 'cpu';
  const options: InferenceSession.SessionOptions = {
    intraOpNumThreads: settings.intraOpNumThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Failures reach the caller as coded errors carrying onnxruntime's message; its own log line
    // on stderr would only repeat it (and break a progress bar).
    logSeverityLevel: 4,
    executionProviders: ep === 'cuda' ? [{ name: 'cuda', deviceId: settings.deviceId ?? 0 }] : ['cpu'],
  };
  const t0 = clock.nowMs();
  try {
    const session = await ort.InferenceSession.create(modelPath, options);
    return { session, createMs: clock.nowMs() - t0 };
  } catch (cause) {
    const reason = (cause instanceof Error ? cause.message : String(cause)).trim().replace(/\.+$/, '');
    throw new TesseraError('TESSERA_ERR_PROFILE_MODEL_NOT_ONNX', `onnxruntime could not load '${modelPath}' as an ONNX model: ${reason}. Check that the file is a complete .onnx export`, {
      cause,
      details: { path: modelPath },
    });
  }
}

/** The model's inputs as plain data (for `planInputs`, and to send across threads). */
export function inputMetadataOf(session: InferenceSession): InputMetadataLike[] {
  return session.inputMetadata.map((m) =>
    m.isTensor ? { name: m.name, isTensor: true, type: m.type, shape: [...m.shape] } : { name: m.name, isTensor: false },
  );
}

/** Opens the model just long enough to read its input signature. */
export async function readModelInputs(modelPath: string): Promise<InputMetadataLike[]> {
  const { session } = await openModelSession(modelPath, { intraOpNumThreads: 1 });
  try {
    return inputMetadataOf(session);
  } finally {
    await session.release();
  }
}

export function toOrtFeeds(ort: OrtModule, feeds: Readonly<Record<string, InputTensor>>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) out[name] = new ort.Tensor(t.dtype, t.data, t.dims);
  return out;
}
