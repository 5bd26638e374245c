import * as ort from 'onnxruntime-node';
import { TesseraError } from '../../../core/index.js';
import { oipToOrtType, toOipDatatype } from '../../oip/datatypes.js';
import { ONNX_PLATFORM, oipShape } from '../../oip/metadata.js';
import type { InferenceRequest, InferenceResult, InferOptions, ModelMetadata, ModelRepository, TensorMetadata } from '../../oip/repository.js';
import type { OipTensor, TensorData } from '../../oip/tensor.js';

/**
 * A TEST repository for the gateway's tests: one onnxruntime session per model, run one request
 * at a time, plus pure-JS echo models for datatypes no shipped model has (BYTES, BOOL, INT64…).
 * It is not the serving runtime — no queue, no batching, no workers — only enough to put real
 * tensors behind the protocol.
 */
export class OnnxTestRepository implements ModelRepository {
  private readonly models = new Map<string, TestModel>();
  private readonly notReady = new Set<string>();
  /** Every infer call, for assertions on what reached the seam. */
  readonly calls: { model: string; version: string | undefined; request: InferenceRequest; options: InferOptions }[] = [];

  /**
   * Adds an onnxruntime model. `shapeOverrides` fixes dynamic dims the way a plan does (the
   * classifier takes any H×W, but the service is planned for 48×192), so the gateway can refuse
   * shapes the deployment does not serve.
   */
  async addOnnxModel(o: { name: string; path: string; versions?: string[]; shapeOverrides?: Record<string, number[]>; maxBatchSize?: number }): Promise<void> {
    const session = await ort.InferenceSession.create(o.path, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const toMeta = (m: ort.InferenceSession.ValueMetadata): TensorMetadata => {
      if (!m.isTensor) throw new Error(`test repository: '${m.name}' is not a tensor`);
      const datatype = toOipDatatype(m.type);
      if (datatype === undefined) throw new Error(`test repository: '${m.name}' has type ${m.type}, which OIP cannot carry`);
      return { name: m.name, datatype, shape: o.shapeOverrides?.[m.name] ?? oipShape(m.shape) };
    };
    const metadata: ModelMetadata = {
      name: o.name,
      versions: o.versions ?? ['1'],
      platform: ONNX_PLATFORM,
      inputs: session.inputMetadata.map(toMeta),
      outputs: session.outputMetadata.map(toMeta),
    };
    this.models.set(o.name, { metadata, run: serialRunner(session, o.maxBatchSize ?? 8) });
  }

  /** Adds a model that returns each input as the output `<name>_out`, unchanged. */
  addEchoModel(name: string, inputs: readonly TensorMetadata[]): void {
    const metadata: ModelMetadata = {
      name,
      versions: ['1'],
      platform: 'tessera_test_echo',
      inputs,
      outputs: inputs.map((i) => ({ name: `${i.name}_out`, datatype: i.datatype, shape: i.shape })),
    };
    const run = async (request: InferenceRequest): Promise<Record<string, OipTensor>> => {
      for (const o of request.outputNames ?? []) {
        const from = o.slice(0, -'_out'.length);
        if (!Object.hasOwn(request.inputs, from)) throw new TesseraError('TESSERA_ERR_SERVE_INPUT_MISMATCH', `output '${o}' echoes input '${from}', which the request does not have`);
      }
      const out: Record<string, OipTensor> = {};
      for (const t of Object.values(request.inputs)) out[`${t.name}_out`] = { datatype: t.datatype, shape: t.shape, data: t.data };
      return out;
    };
    this.models.set(name, { metadata, run });
  }

  setReady(name: string, ready: boolean): void {
    if (ready) this.notReady.delete(name);
    else this.notReady.add(name);
  }

  listModels(): readonly string[] {
    return [...this.models.keys()];
  }

  modelMetadata(name: string, version?: string): ModelMetadata | undefined {
    const m = this.models.get(name)?.metadata;
    if (m === undefined || (version !== undefined && !m.versions.includes(version))) return undefined;
    return m;
  }

  isModelReady(name: string): boolean {
    return this.models.has(name) && !this.notReady.has(name);
  }

  isServerReady(): boolean {
    return this.notReady.size === 0;
  }

  async infer(name: string, version: string | undefined, request: InferenceRequest, options: InferOptions): Promise<InferenceResult> {
    this.calls.push({ model: name, version, request, options });
    const model = this.models.get(name);
    if (model === undefined) throw new TesseraError('TESSERA_ERR_SERVE_MODEL_NOT_FOUND', `model '${name}' is not served here`);
    const outputs = await model.run(request);
    return { outputs, modelVersion: version ?? model.metadata.versions[model.metadata.versions.length - 1] };
  }
}

interface TestModel {
  readonly metadata: ModelMetadata;
  run(request: InferenceRequest): Promise<Record<string, OipTensor>>;
}

const utf8 = new TextDecoder();

function toOrt(t: OipTensor): ort.Tensor {
  const type = oipToOrtType(t.datatype);
  const data = Array.isArray(t.data) ? t.data.map((v: Uint8Array | string) => (typeof v === 'string' ? v : utf8.decode(v))) : t.data;
  return new ort.Tensor(type, data as ort.Tensor.DataType, [...t.shape]);
}

function fromOrt(t: ort.Tensor): OipTensor {
  const datatype = toOipDatatype(t.type);
  if (datatype === undefined) throw new TesseraError('TESSERA_ERR_CORE_INTERNAL', `test repository: output type ${t.type} cannot be sent over OIP`);
  return { datatype, shape: [...t.dims], data: t.data as TensorData };
}

/** One run at a time per session, like a single model instance. */
function serialRunner(session: ort.InferenceSession, maxBatchSize: number): TestModel['run'] {
  let tail: Promise<unknown> = Promise.resolve();
  return (request) => {
    for (const t of Object.values(request.inputs)) {
      const n = t.shape[0] ?? 1;
      if (n < 1 || n > maxBatchSize) {
        return Promise.reject(new TesseraError('TESSERA_ERR_RUNTIME_BAD_REQUEST', `a request may carry 1 to ${maxBatchSize} items; '${t.name}' has ${n}`));
      }
    }
    const run = tail.then(async () => {
      const feeds: Record<string, ort.Tensor> = {};
      for (const t of Object.values(request.inputs)) feeds[t.name] = toOrt(t);
      const fetches = request.outputNames ?? session.outputNames;
      const out = await session.run(feeds, [...fetches]);
      const result: Record<string, OipTensor> = {};
      for (const [k, v] of Object.entries(out)) result[k] = fromOrt(v);
      return result;
    });
    tail = run.catch(() => undefined);
    return run;
  };
}
