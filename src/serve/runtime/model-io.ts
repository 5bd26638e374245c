import { TesseraError } from '../../core/index.js';
import { concatAlongAxis, copyTensor, outputBatchAxis, splitAlongAxis } from './batch-tensors.js';
import type { HostTensor } from './host-tensor.js';

/** How one model input is batched: along `batchAxis`, or (null) shared by every request in a batch. */
export interface InputBatching {
  name: string;
  batchAxis: number | null;
}

/** What the batch loop needs to know about a model's tensors to batch and unbatch requests. */
export interface ModelIo {
  inputs: readonly InputBatching[];
  /** Symbolic dims of each output as the session reports them (to find a named batch axis). */
  outputSymbolicDims?: Readonly<Record<string, readonly (string | number)[]>>;
  /** The symbolic name of the inputs' batch dim, when the model names it (e.g. `batch`). */
  batchDimName?: string;
}

export interface BatchKey {
  items: number;
  /** Requests with equal keys can share a batch: same non-batch dims and equal unbatched inputs. */
  shapeKey: string;
}

/**
 * Reads a request's item count and batching key. Every batched input must agree on the count;
 * unbatched inputs (a sample rate) become part of the key so requests with different values are
 * never mixed.
 */
export function batchKeyOf(io: ModelIo, feeds: Readonly<Record<string, HostTensor>>): BatchKey {
  let items: number | undefined;
  const parts: string[] = [];
  for (const input of io.inputs) {
    const t = feeds[input.name];
    if (!t) throw new TesseraError('TESSERA_ERR_RUNTIME_BAD_REQUEST', `input '${input.name}' is missing`);
    if (input.batchAxis === null) {
      parts.push(`${input.name}=${t.dims.join('x')}:${Array.from(t.data as ArrayLike<number | bigint>, String).join(',')}`);
      continue;
    }
    const n = t.dims[input.batchAxis];
    if (n === undefined) throw new TesseraError('TESSERA_ERR_RUNTIME_BAD_REQUEST', `input '${input.name}' has rank ${t.dims.length}; its batch axis is ${input.batchAxis}`);
    if (items !== undefined && n !== items) {
      throw new TesseraError('TESSERA_ERR_RUNTIME_BAD_REQUEST', `inputs disagree on the batch size (${items} vs ${n} in '${input.name}')`);
    }
    items = n;
    parts.push(`${input.name}:${t.dtype}:${t.dims.map((d, i) => (i === input.batchAxis ? '*' : d)).join('x')}`);
  }
  if (items === undefined || items < 1) throw new TesseraError('TESSERA_ERR_RUNTIME_BAD_REQUEST', 'a request must carry at least one item along the batch axis');
  return { items, shapeKey: parts.join('|') };
}

/**
 * Concatenates the requests' inputs into one batch (all share a shape key). The batch never shares
 * a buffer with a request — a one-request batch and an unbatched input are copied — so its
 * buffers can be transferred to a worker while the requests keep theirs: if the worker dies, the
 * pool builds the batch again from them for its one retry instead of copying every batch up front.
 */
export function buildBatchFeeds(io: ModelIo, requests: readonly { feeds: Readonly<Record<string, HostTensor>> }[]): Record<string, HostTensor> {
  const feeds: Record<string, HostTensor> = {};
  for (const input of io.inputs) {
    const parts = requests.map((r) => r.feeds[input.name] as HostTensor);
    feeds[input.name] = input.batchAxis === null || parts.length === 1 ? copyTensor(parts[0] as HostTensor) : concatAlongAxis(parts, input.batchAxis);
  }
  return feeds;
}

/** Splits a batch's outputs back into one set per request, in order. */
export function splitBatchOutputs(io: ModelIo, outputs: Readonly<Record<string, HostTensor>>, sizes: readonly number[]): Record<string, HostTensor>[] {
  if (sizes.length === 1) return [{ ...outputs }];
  const total = sizes.reduce((a, b) => a + b, 0);
  const perRequest: Record<string, HostTensor>[] = sizes.map(() => ({}));
  for (const [name, tensor] of Object.entries(outputs)) {
    const axis = outputBatchAxis(tensor.dims, total, io.outputSymbolicDims?.[name], io.batchDimName);
    const pieces = splitAlongAxis(tensor, axis, sizes);
    pieces.forEach((p, i) => {
      (perRequest[i] as Record<string, HostTensor>)[name] = p;
    });
  }
  return perRequest;
}
