/**
 * Random but valid inputs for a model: the model's own signature (onnxruntime's input metadata)
 * completed by the spec's `input` map, checked once into an `InputPlan`, from which batches of
 * any allowed size are built. The profiler, serving warm-up and tests all build inputs here.
 */
import { TENSOR_DTYPES, TesseraError, type Rng, type TensorDtype } from '../core/index.js';
import type { ProfileInputSignature } from './profile-types.js';
import { allocate, elementCount, toFloat16Bits, type InputTensor } from './tensor.js';

/** The part of onnxruntime's `session.inputMetadata` this module reads (plain data, so it can cross threads). */
export interface InputMetadataLike {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  /** Fixed dims are numbers; dynamic ones are symbol names (or -1 / null when unnamed). */
  readonly shape?: readonly (number | string | null)[];
}

/** One input as written in the spec (`models[].input.<name>`) or with `--input`. */
export interface InputSpecLike {
  readonly shape: readonly number[];
  readonly dtype: TensorDtype;
  /** Default 0; `null` for an input that is not batched. */
  readonly batchAxis?: number | null;
  readonly value?: number;
  readonly range?: readonly [number, number];
}

export interface ResolvedInput {
  readonly name: string;
  readonly dtype: TensorDtype;
  /** Per-item shape: the full shape with the batch axis left out. */
  readonly itemShape: readonly number[];
  readonly batchAxis: number | null;
  readonly value?: number;
  readonly range?: readonly [number, number];
  /** As the model declares it, for messages. */
  readonly modelShape: readonly (number | string | null)[];
}

export interface InputPlan {
  readonly model: string;
  readonly inputs: readonly ResolvedInput[];
  /** The largest batch to build: the spec's maxBatchSize, or a batch dim the export fixes. */
  readonly maxBatchSize: number;
  /** Set when the export fixes the batch dim: the only batch size the model takes. */
  readonly fixedBatchSize?: number;
}

export interface PlanInputsOptions {
  /** Largest batch the model takes (spec `maxBatchSize`). */
  readonly maxBatchSize: number;
}

const DTYPES: ReadonlySet<string> = new Set(TENSOR_DTYPES);

function isFixed(dim: number | string | null | undefined): dim is number {
  return typeof dim === 'number' && dim >= 0;
}

function showShape(shape: readonly (number | string | null)[]): string {
  return `[${shape.map((d) => (isFixed(d) ? String(d) : typeof d === 'string' && d !== '' ? d : '?')).join(', ')}]`;
}

function fullShape(itemShape: readonly number[], batchAxis: number | null, batch: number): number[] {
  if (batchAxis === null) return [...itemShape];
  return [...itemShape.slice(0, batchAxis), batch, ...itemShape.slice(batchAxis)];
}

/**
 * Checks the spec's input descriptions against the model and fills in the inputs the spec
 * leaves out (possible when only the leading batch dim is dynamic). Throws a coded error that
 * says what to write for the first input that cannot be used.
 */
export function planInputs(
  model: string,
  metadata: readonly InputMetadataLike[],
  spec: Readonly<Record<string, InputSpecLike>> | undefined,
  options: PlanInputsOptions,
): InputPlan {
  const given = spec ?? {};
  const known = new Set(metadata.map((m) => m.name));
  const unknown = Object.keys(given).filter((n) => !known.has(n));
  if (unknown.length > 0) {
    const list = metadata.map((m) => `${m.name} ${showShape(m.shape ?? [])}`).join(', ');
    throw new TesseraError(
      'TESSERA_ERR_PROFILE_INPUT_UNKNOWN',
      `model '${model}' has no input${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')}; its inputs are: ${list}. Rename the entry under models[].input (or --input)`,
      { details: { model, unknown, inputs: metadata.map((m) => m.name) } },
    );
  }
  const inputs: ResolvedInput[] = [];
  let fixedBatchSize: number | undefined;
  for (const meta of metadata) {
    const resolved = resolveInput(model, meta, given[meta.name]);
    inputs.push(resolved);
    if (resolved.batchAxis !== null) {
      const dim = meta.shape?.[resolved.batchAxis];
      if (isFixed(dim)) fixedBatchSize = fixedBatchSize === undefined ? dim : Math.min(fixedBatchSize, dim);
    }
  }
  const maxBatchSize = fixedBatchSize === undefined ? options.maxBatchSize : Math.min(options.maxBatchSize, fixedBatchSize);
  return fixedBatchSize === undefined ? { model, inputs, maxBatchSize } : { model, inputs, maxBatchSize, fixedBatchSize };
}

function resolveInput(model: string, meta: InputMetadataLike, spec: InputSpecLike | undefined): ResolvedInput {
  const modelShape = meta.shape ?? [];
  const where = `input '${meta.name}' of model '${model}'`;
  if (!meta.isTensor || meta.type === undefined) {
    throw new TesseraError('TESSERA_ERR_PROFILE_INPUT_MISSING', `${where} is not a tensor (a sequence or map); Tessera can only generate tensor inputs`, {
      details: { model, input: meta.name },
    });
  }
  if (!DTYPES.has(meta.type)) {
    throw new TesseraError('TESSERA_ERR_PROFILE_INPUT_DTYPE', `${where} has dtype ${meta.type}, which Tessera cannot generate (supported: ${TENSOR_DTYPES.join(', ')})`, {
      details: { model, input: meta.name, modelDtype: meta.type },
    });
  }
  const modelDtype = meta.type as TensorDtype;
  if (spec === undefined) return inferInput(model, meta, modelDtype, modelShape);

  if (spec.dtype !== modelDtype) {
    throw new TesseraError('TESSERA_ERR_PROFILE_INPUT_DTYPE', `${where} is ${modelDtype}, but the input description says ${spec.dtype}; write dtype: ${modelDtype}`, {
      details: { model, input: meta.name, modelDtype, given: spec.dtype },
    });
  }
  const batchAxis = spec.batchAxis === undefined ? 0 : spec.batchAxis;
  const rank = spec.shape.length + (batchAxis === null ? 0 : 1);
  if (batchAxis !== null && batchAxis > spec.shape.length) {
    throw new TesseraError(
      'TESSERA_ERR_PROFILE_INPUT_SHAPE',
      `${where}: batchAxis ${batchAxis} is outside a tensor of rank ${rank} (per-item shape [${spec.shape.join(', ')}] plus the batch axis); use 0..${spec.shape.length}`,
      { details: { model, input: meta.name, batchAxis, shape: spec.shape } },
    );
  }
  // An empty metadata shape can also mean "unknown" (onnxruntime's convention), so only a
  // declared rank is held against the description.
  if (modelShape.length > 0 || rank === 0) {
    const full = fullShape(spec.shape, batchAxis, -1);
    const mismatch =
      modelShape.length !== rank ||
      full.some((d, i) => {
        const m = modelShape[i];
        return i !== batchAxis && isFixed(m) && m !== d;
      });
    if (mismatch) {
      const perItem = batchAxis === null ? modelShape : modelShape.filter((_, i) => i !== batchAxis);
      const hint =
        modelShape.length === rank
          ? `write shape: ${showShape(perItem)} with every dynamic dim fixed`
          : `the model's tensor has rank ${modelShape.length}; the per-item shape leaves out ${batchAxis === null ? 'nothing (batchAxis: null)' : 'only the batch axis'}, so it needs ${batchAxis === null ? modelShape.length : modelShape.length - 1} dims`;
      throw new TesseraError(
        'TESSERA_ERR_PROFILE_INPUT_SHAPE',
        `${where} has shape ${showShape(modelShape)}, which per-item shape [${spec.shape.join(', ')}] with batchAxis ${String(batchAxis)} does not fit; ${hint}`,
        { details: { model, input: meta.name, modelShape, shape: spec.shape, batchAxis } },
      );
    }
  }
  const r: ResolvedInput = { name: meta.name, dtype: modelDtype, itemShape: [...spec.shape], batchAxis, modelShape };
  return {
    ...r,
    ...(spec.value === undefined ? {} : { value: spec.value }),
    ...(spec.range === undefined ? {} : { range: [spec.range[0], spec.range[1]] as const }),
  };
}

function inferInput(model: string, meta: InputMetadataLike, dtype: TensorDtype, modelShape: readonly (number | string | null)[]): ResolvedInput {
  // Without a description we assume the common export: batch on axis 0, every other dim fixed.
  // A rank-0 input is a scalar that is not batched.
  if (modelShape.length === 0) return { name: meta.name, dtype, itemShape: [], batchAxis: null, modelShape };
  const rest = modelShape.slice(1);
  if (rest.every(isFixed)) return { name: meta.name, dtype, itemShape: rest, batchAxis: 0, modelShape };
  const example = rest.map((d) => (isFixed(d) ? String(d) : 'N')).join(', ');
  throw new TesseraError(
    'TESSERA_ERR_PROFILE_INPUT_MISSING',
    `${`input '${meta.name}' of model '${model}'`} has shape ${showShape(modelShape)} with dynamic dims besides the batch axis; fix them in the spec: ` +
      `input: { ${meta.name}: { shape: [${example}], dtype: ${dtype} } } (or --input ${meta.name}=${rest.map((d) => (isFixed(d) ? String(d) : 'N')).join('x')}:${dtype}), with each N a size`,
    { details: { model, input: meta.name, modelShape } },
  );
}

/** Throws when the plan cannot build a batch of `batchSize` items. */
export function checkBatchSize(plan: InputPlan, batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new TesseraError('TESSERA_ERR_PROFILE_BATCH_TOO_LARGE', `batch size ${batchSize} is not a whole number ≥ 1`, { details: { model: plan.model, batchSize } });
  }
  if (plan.fixedBatchSize !== undefined && batchSize !== plan.fixedBatchSize) {
    throw new TesseraError(
      'TESSERA_ERR_PROFILE_BATCH_TOO_LARGE',
      `model '${plan.model}' was exported with a fixed batch of ${plan.fixedBatchSize}, so it cannot take ${batchSize}; set maxBatchSize: ${plan.fixedBatchSize} (or re-export with a dynamic batch dim)`,
      { details: { model: plan.model, batchSize, fixedBatchSize: plan.fixedBatchSize } },
    );
  }
  if (batchSize > plan.maxBatchSize) {
    throw new TesseraError(
      'TESSERA_ERR_PROFILE_BATCH_TOO_LARGE',
      `batch ${batchSize} is above model '${plan.model}'s maxBatchSize ${plan.maxBatchSize}; use a batch ≤ ${plan.maxBatchSize} or raise maxBatchSize in the spec if the model takes it`,
      { details: { model: plan.model, batchSize, maxBatchSize: plan.maxBatchSize } },
    );
  }
}

/** Batch sizes to measure: 1, 2, 4, … up to the limit, and the limit itself when it is not a power of two. */
export function batchSizesFor(plan: InputPlan, limit = plan.maxBatchSize): number[] {
  if (plan.fixedBatchSize !== undefined) return [plan.fixedBatchSize];
  return batchSizesUpTo(Math.min(limit, plan.maxBatchSize));
}

/** 1, 2, 4, … ≤ max, then max itself if it is not a power of two. */
export function batchSizesUpTo(max: number): number[] {
  const top = Math.max(1, Math.floor(max));
  const sizes: number[] = [];
  for (let b = 1; b <= top; b *= 2) sizes.push(b);
  if (sizes[sizes.length - 1] !== top) sizes.push(top);
  return sizes;
}

function defaultRange(dtype: TensorDtype): readonly [number, number] {
  switch (dtype) {
    case 'int8':
      return [-128, 128];
    case 'uint8':
      return [0, 256];
    case 'bool':
      return [0, 2];
    case 'int16':
    case 'int32':
    case 'int64':
      // Integer inputs are usually ids or indices: small and non-negative is the safe guess.
      return [0, 100];
    default:
      return [0, 1];
  }
}

function fill(input: ResolvedInput, length: number, rng: Rng): InputTensor['data'] {
  const data = allocate(input.dtype, length);
  const isFloat = input.dtype === 'float32' || input.dtype === 'float64' || input.dtype === 'float16';
  const [lo, hi] = input.range ?? defaultRange(input.dtype);
  const draw =
    input.value !== undefined
      ? () => input.value as number
      : isFloat
        ? () => lo + rng.next() * (hi - lo)
        : // Integers are drawn from [lo, hi), like the floats; an empty range gives lo.
          () => (hi - lo >= 1 ? rng.int(Math.ceil(lo), Math.ceil(hi) - 1) : Math.trunc(lo));
  if (data instanceof BigInt64Array) {
    for (let i = 0; i < length; i++) data[i] = BigInt(Math.trunc(draw()));
  } else if (input.dtype === 'float16') {
    for (let i = 0; i < length; i++) data[i] = toFloat16Bits(draw());
  } else {
    for (let i = 0; i < length; i++) data[i] = draw();
  }
  return data;
}

/**
 * A batch of `batchSize` generated items: every batched input gets the batch dim at its
 * `batchAxis`; unbatched inputs (a sample rate) appear once. Deterministic for a given rng state.
 */
export function buildBatch(plan: InputPlan, batchSize: number, rng: Rng): Record<string, InputTensor> {
  checkBatchSize(plan, batchSize);
  const feeds: Record<string, InputTensor> = {};
  for (const input of plan.inputs) {
    const dims = fullShape(input.itemShape, input.batchAxis, batchSize);
    feeds[input.name] = { dtype: input.dtype, dims, data: fill(input, elementCount(dims), rng) };
  }
  return feeds;
}

/** What the profile records about its inputs. */
export function inputSignature(plan: InputPlan): Record<string, ProfileInputSignature> {
  const out: Record<string, ProfileInputSignature> = {};
  for (const i of plan.inputs) out[i.name] = { shape: [...i.itemShape], dtype: i.dtype, batchAxis: i.batchAxis };
  return out;
}
