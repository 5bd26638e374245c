import { elementCount, type HostTensor, type HostTensorData } from './host-tensor.js';

type TypedArrayCtor = { new (n: number): HostTensorData };

function ctorOf(data: HostTensorData): TypedArrayCtor {
  return data.constructor as TypedArrayCtor;
}

/**
 * Concatenates tensors along `axis`. All parts must agree on dtype, rank and every other dim —
 * the batcher groups requests by their non-batch shape first, so a mismatch here is a bug.
 */
export function concatAlongAxis(parts: readonly HostTensor[], axis: number): HostTensor {
  const first = parts[0];
  if (!first) throw new RangeError('concatAlongAxis needs at least one tensor');
  if (parts.length === 1) return first;
  const rank = first.dims.length;
  if (axis < 0 || axis >= rank) throw new RangeError(`axis ${axis} out of range for rank ${rank}`);
  let total = 0;
  for (const p of parts) {
    if (p.dtype !== first.dtype || p.dims.length !== rank) throw new RangeError('cannot concatenate tensors of different dtype or rank');
    for (let d = 0; d < rank; d++) {
      if (d !== axis && p.dims[d] !== first.dims[d]) throw new RangeError(`dim ${d} differs (${p.dims[d]} vs ${first.dims[d]})`);
    }
    total += p.dims[axis] as number;
  }
  const outer = elementCount(first.dims.slice(0, axis));
  const inner = elementCount(first.dims.slice(axis + 1));
  const dims = [...first.dims];
  dims[axis] = total;
  const out = new (ctorOf(first.data))(outer * total * inner);
  let offset = 0;
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const block = (p.dims[axis] as number) * inner;
      // Typed-array set() of a subarray is a memcpy; the union type hides that both sides match.
      (out as Float32Array).set((p.data as Float32Array).subarray(o * block, (o + 1) * block), offset);
      offset += block;
    }
  }
  return { dtype: first.dtype, dims, data: out };
}

/** A copy of a tensor in a buffer of its own (exactly its bytes), safe to transfer to a worker. */
export function copyTensor(t: HostTensor): HostTensor {
  return { dtype: t.dtype, dims: [...t.dims], data: t.data.slice() };
}

/**
 * Splits a tensor along `axis` into pieces of the given sizes (which must sum to that dim). When
 * every piece is one contiguous run of the data — the batch axis is the outermost non-1 axis, as
 * it is for most outputs — the pieces are views on the tensor's buffer, not copies: a batch's
 * outputs can be megabytes (a recogniser's per-step class scores), and copying them on the main
 * thread competes with the next batch's compute. Otherwise each piece is a copy.
 */
export function splitAlongAxis(tensor: HostTensor, axis: number, sizes: readonly number[]): HostTensor[] {
  const rank = tensor.dims.length;
  if (axis < 0 || axis >= rank) throw new RangeError(`axis ${axis} out of range for rank ${rank}`);
  const total = tensor.dims[axis] as number;
  const sum = sizes.reduce((a, b) => a + b, 0);
  if (sum !== total) throw new RangeError(`split sizes sum to ${sum}, but the axis has ${total}`);
  if (sizes.length === 1) return [tensor];
  const outer = elementCount(tensor.dims.slice(0, axis));
  const inner = elementCount(tensor.dims.slice(axis + 1));
  if (outer === 1) {
    let start = 0;
    return sizes.map((s) => {
      const dims = [...tensor.dims];
      dims[axis] = s;
      // subarray() of the same typed array type; the union type hides that.
      const data = (tensor.data as Float32Array).subarray(start * inner, (start + s) * inner) as HostTensor['data'];
      start += s;
      return { dtype: tensor.dtype, dims, data };
    });
  }
  const Ctor = ctorOf(tensor.data);
  const pieces = sizes.map((s) => {
    const dims = [...tensor.dims];
    dims[axis] = s;
    return { dtype: tensor.dtype, dims, data: new Ctor(outer * s * inner) } satisfies HostTensor;
  });
  const src = tensor.data as Float32Array;
  for (let o = 0; o < outer; o++) {
    let start = o * total * inner;
    sizes.forEach((s, i) => {
      const block = s * inner;
      ((pieces[i] as HostTensor).data as Float32Array).set(src.subarray(start, start + block), o * block);
      start += block;
    });
  }
  return pieces;
}

/**
 * Which axis of an output carries the batch. Prefer an axis whose symbolic name matches the
 * input batch dim's name (Silero VAD's `hn` is [2, batch, 64]); else axis 0 when it has the batch
 * size; else the only axis that has it.
 */
export function outputBatchAxis(dims: readonly number[], batch: number, symbolicDims?: readonly (string | number)[], batchDimName?: string): number {
  if (symbolicDims && batchDimName !== undefined) {
    const named = symbolicDims.indexOf(batchDimName);
    if (named >= 0 && dims[named] === batch) return named;
  }
  if (dims[0] === batch) return 0;
  const candidates = dims.flatMap((d, i) => (d === batch ? [i] : []));
  if (candidates.length === 1) return candidates[0] as number;
  throw new RangeError(`cannot tell the batch axis of an output with shape [${dims.join(', ')}] for batch ${batch}`);
}
