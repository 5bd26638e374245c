import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import type { TensorMetadata } from './runtime/worker-protocol.js';

const { onnx } = onnxProto;

const ELEM_TYPES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
};

export interface OnnxSignature {
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

/**
 * Reads a model's graph inputs and outputs from the ONNX protobuf without opening a session, so a
 * cold-pool model can be listed with its metadata (and requests for it validated) before it is
 * ever loaded. Initializers listed as inputs (old exporters) are left out, as onnxruntime does.
 */
export function readOnnxSignature(file: string): OnnxSignature {
  const model = onnx.ModelProto.decode(readFileSync(file));
  const graph = model.graph;
  if (!graph) return { inputs: [], outputs: [] };
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  const toMeta = (v: onnxProto.onnx.IValueInfoProto): TensorMetadata => {
    const tt = v.type?.tensorType;
    if (!tt) return { name: v.name ?? '', isTensor: false };
    // A dim is fixed (dimValue), named (dimParam, e.g. `batch`), or unnamed dynamic (-1).
    const shape = (tt.shape?.dim ?? []).map((d): number | string => (d.dimParam ? d.dimParam : d.dimValue != null ? Number(d.dimValue) : -1));
    return { name: v.name ?? '', isTensor: true, type: ELEM_TYPES[tt.elemType ?? 0] ?? 'unknown', shape };
  };
  return {
    inputs: (graph.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map(toMeta),
    outputs: (graph.output ?? []).map(toMeta),
  };
}
