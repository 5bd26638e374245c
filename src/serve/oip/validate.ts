import { TesseraError } from '../../core/index.js';
import type { OipDatatype } from './datatypes.js';
import type { ModelMetadata } from './repository.js';

interface TensorHeader {
  readonly name: string;
  readonly datatype: OipDatatype;
  readonly shape: readonly number[];
}

function mismatch(message: string): TesseraError {
  return new TesseraError('TESSERA_ERR_SERVE_INPUT_MISMATCH', message);
}

function list(names: readonly string[]): string {
  return names.map((n) => `'${n}'`).join(', ') || 'none';
}

/**
 * Checks a request's tensors against the model before any data is converted: every input known
 * and (unless optional) present, datatypes equal, rank equal and fixed dims equal (`-1` is free),
 * requested outputs known.
 */
export function validateAgainstModel(model: ModelMetadata, inputs: readonly TensorHeader[], outputs: readonly { name: string }[] | undefined): void {
  const byName = new Map(model.inputs.map((i) => [i.name, i]));
  for (const input of inputs) {
    const meta = byName.get(input.name);
    if (meta === undefined) throw mismatch(`model '${model.name}' has no input '${input.name}'; its inputs are ${list(model.inputs.map((i) => i.name))}`);
    if (meta.datatype !== input.datatype) throw mismatch(`input '${input.name}' of model '${model.name}' is ${meta.datatype}, not ${input.datatype}`);
    const fits = meta.shape.length === input.shape.length && meta.shape.every((d, k) => d < 0 || d === input.shape[k]);
    if (!fits) {
      throw mismatch(`input '${input.name}' of model '${model.name}' takes shape [${meta.shape.join(',')}] (-1 = any), not [${input.shape.join(',')}]`);
    }
  }
  const sent = new Set(inputs.map((i) => i.name));
  const missing = model.inputs.filter((m) => m.optional !== true && !sent.has(m.name)).map((m) => m.name);
  if (missing.length > 0) throw mismatch(`model '${model.name}' needs input(s) ${list(missing)}, which the request does not have`);
  if (outputs !== undefined) {
    const known = new Set(model.outputs.map((o) => o.name));
    for (const o of outputs) {
      if (!known.has(o.name)) throw mismatch(`model '${model.name}' has no output '${o.name}'; its outputs are ${list(model.outputs.map((x) => x.name))}`);
    }
  }
}
