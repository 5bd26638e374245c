/**
 * Tiny ONNX models built for tests that need a model to misbehave in one particular way.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export function tempDir(prefix = 'tessera-profile-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Input `x` is declared [batch, 4], but a Reshape to a constant [1, 4] inside means only batch 1
 * runs: the kind of export that advertises a dynamic batch it cannot take.
 */
export function writeBatchOneOnlyModel(dir: string): string {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'batch_one_only',
      node: [{ opType: 'Reshape', input: ['x', 'shape'], output: ['y'] }],
      initializer: [{ name: 'shape', dims: [2], dataType: onnx.TensorProto.DataType.INT64, int64Data: [1, 4] }],
      input: [{ name: 'x', type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 4 }] } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 1 }, { dimValue: 4 }] } } } }],
    },
  });
  const file = path.join(dir, 'batch-one-only.onnx');
  writeFileSync(file, onnx.ModelProto.encode(model).finish());
  return file;
}

/** Absolute path of the shared data folder (../shared/data next to the repository), if present. */
export function sharedDataDir(): string {
  return path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../../shared/data');
}
