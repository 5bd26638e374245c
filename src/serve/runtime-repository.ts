import { TesseraError, type TensorDtype } from '../core/index.js';
import { oipToOrtType, toOipDatatype } from './oip/datatypes.js';
import type { InferenceRequest, InferenceResult, InferOptions, ModelMetadata, ModelRepository, TensorMetadata } from './oip/repository.js';
import type { OipTensor } from './oip/tensor.js';
import type { ModelPools } from './model-pools.js';
import type { HostTensor } from './runtime/host-tensor.js';
import type { TensorMetadata as OrtMetadata } from './runtime/worker-protocol.js';

const VERSION = '1';

export interface ServedModel {
  /** The service name: what clients call. */
  name: string;
  pool: 'hot' | 'cold';
  /** The model's signature (from the ONNX file, before any session exists). */
  inputs: readonly OrtMetadata[];
  outputs: readonly OrtMetadata[];
  /** Batch axis per input from the fleet spec (null: not batched); absent means axis 0. */
  batchAxes: Readonly<Record<string, number | null>>;
  /**
   * Per-item shapes the spec plans for (and warm-up ran). Reported as the metadata's fixed dims,
   * as Triton reports its config dims, so the gateway refuses shapes this deployment does not run.
   */
  itemShapes?: Readonly<Record<string, readonly number[]>>;
}

/**
 * The OIP gateway's view of the embedded runtime: each service is a model named after the
 * service, version `1`, platform `onnxruntime_onnx`. Hot models are ready once warmed; cold models
 * are ready to be asked for (the first request loads them). Tensors pass by reference: the typed
 * arrays the gateway decoded are the ones concatenated into the batch.
 */
export class RuntimeRepository implements ModelRepository {
  private readonly models = new Map<string, { served: ServedModel; metadata: ModelMetadata }>();
  private draining = false;

  constructor(served: readonly ServedModel[], private readonly pools: ModelPools) {
    for (const s of served) {
      this.models.set(s.name, {
        served: s,
        metadata: {
          name: s.name,
          versions: [VERSION],
          platform: 'onnxruntime_onnx',
          inputs: s.inputs.map((m) => toOipMetadata(m, s.batchAxes[m.name] === undefined ? 0 : (s.batchAxes[m.name] as number | null), s.itemShapes?.[m.name])),
          outputs: s.outputs.map((m) => toOipMetadata(m, null)),
        },
      });
    }
  }

  /** Readiness goes false at once on drain, so load balancers stop sending while accepted work finishes. */
  setDraining(): void {
    this.draining = true;
  }

  listModels(): readonly string[] {
    return [...this.models.keys()];
  }

  modelMetadata(name: string, version?: string): ModelMetadata | undefined {
    if (version !== undefined && version !== VERSION) return undefined;
    return this.models.get(name)?.metadata;
  }

  isModelReady(name: string, version?: string): boolean {
    if (this.draining || (version !== undefined && version !== VERSION)) return false;
    const m = this.models.get(name);
    if (!m) return false;
    return m.served.pool === 'cold' || this.pools.isResident(name);
  }

  isServerReady(): boolean {
    return !this.draining && [...this.models.keys()].every((n) => this.isModelReady(n));
  }

  async infer(name: string, _version: string | undefined, request: InferenceRequest, options: InferOptions): Promise<InferenceResult> {
    if (this.draining) throw new TesseraError('TESSERA_ERR_RUNTIME_CLOSED', 'the server is draining', { details: { retryAfterS: 1 } });
    const feeds: Record<string, HostTensor> = {};
    for (const [inputName, t] of Object.entries(request.inputs)) {
      if (t.datatype === 'BYTES') throw new TesseraError('TESSERA_ERR_RUNTIME_BAD_REQUEST', `input '${inputName}': BYTES tensors are not supported by this model`);
      feeds[inputName] = { dtype: oipToOrtType(t.datatype) as TensorDtype, dims: [...t.shape], data: t.data as HostTensor['data'] };
    }
    const svc = await this.pools.acquire(name);
    const outputs = await svc.infer(feeds, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
    const result: Record<string, OipTensor> = {};
    for (const [outName, t] of Object.entries(outputs)) {
      if (request.outputNames && !request.outputNames.includes(outName)) continue;
      const datatype = toOipDatatype(t.dtype);
      if (!datatype) throw new TesseraError('TESSERA_ERR_RUNTIME_RUN_FAILED', `output '${outName}' has type ${t.dtype}, which OIP cannot carry`);
      result[outName] = { datatype, shape: t.dims, data: t.data } as OipTensor;
    }
    return { outputs: result, modelVersion: VERSION };
  }
}

function toOipMetadata(m: OrtMetadata, batchAxis: number | null, itemShape?: readonly number[]): TensorMetadata {
  const datatype = (m.type && toOipDatatype(m.type)) || 'FP32';
  let shape = (m.shape ?? []).map((d) => (typeof d === 'number' && d >= 0 ? d : -1));
  if (itemShape) shape = batchAxis === null ? [...itemShape] : [...itemShape.slice(0, batchAxis), -1, ...itemShape.slice(batchAxis)];
  else if (batchAxis !== null && shape.length > batchAxis) shape[batchAxis] = -1;
  return { name: m.name, datatype, shape };
}
