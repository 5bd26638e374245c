import http from 'node:http';
import { TesseraError, createRng, type ModelInputSpec } from '../../core/index.js';
import { buildBatch, planInputs, type InputMetadataLike } from '../../profile/index.js';
import { oipToOrtType, type OipDatatype } from '../oip/datatypes.js';

export interface BuiltBody {
  body: Buffer;
  headers: Record<string, string>;
}

interface RemoteMetadata {
  inputs: Array<{ name: string; datatype: OipDatatype; shape: number[] }>;
}

/** GET /v2/models/{m}: the model's inputs as the server reports them. */
export function fetchModelMetadata(url: string, model: string, authToken?: string): Promise<RemoteMetadata> {
  return new Promise((resolve, reject) => {
    const req = http.get(new URL(`/v2/models/${encodeURIComponent(model)}`, url), { headers: authToken ? { authorization: `Bearer ${authToken}` } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) {
          reject(new TesseraError('TESSERA_ERR_INPUT_FLAG', `GET ${url}/v2/models/${model} answered ${res.statusCode}: ${text.slice(0, 200)}`));
          return;
        }
        resolve(JSON.parse(text) as RemoteMetadata);
      });
    });
    req.on('error', (cause) => reject(new TesseraError('TESSERA_ERR_INPUT_FLAG', `cannot reach ${url}: ${cause.message}`, { cause })));
  });
}

/**
 * One request body of `items` items with random but valid data, built once and sent many times:
 * the server's metadata gives names and types; the spec's (or --input's) per-item shapes, constants
 * and ranges fill in what metadata leaves dynamic.
 */
export function buildRequestBody(meta: RemoteMetadata, inputSpec: Readonly<Record<string, ModelInputSpec>> | undefined, items: number, binary: boolean, seed = 1): BuiltBody {
  const metadata: InputMetadataLike[] = meta.inputs.map((i) => ({ name: i.name, isTensor: true, type: oipToOrtType(i.datatype), shape: i.shape }));
  const plan = planInputs('bench', metadata, inputSpec, { maxBatchSize: Math.max(items, 1) });
  const feeds = buildBatch(plan, items, createRng(seed));
  const dtypeOf = new Map(meta.inputs.map((i) => [i.name, i.datatype]));
  if (!binary) {
    const inputs = Object.entries(feeds).map(([name, t]) => ({
      name,
      shape: t.dims,
      datatype: dtypeOf.get(name),
      data: Array.from(t.data as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? Number(v) : v)),
    }));
    return { body: Buffer.from(JSON.stringify({ inputs })), headers: { 'content-type': 'application/json' } };
  }
  const inputs = Object.entries(feeds).map(([name, t]) => ({ name, shape: t.dims, datatype: dtypeOf.get(name), parameters: { binary_data_size: t.data.byteLength } }));
  const header = Buffer.from(JSON.stringify({ inputs, parameters: { binary_data_output: true } }));
  const parts = [header, ...Object.values(feeds).map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))];
  return { body: Buffer.concat(parts), headers: { 'inference-header-content-length': String(header.length), 'content-type': 'application/octet-stream' } };
}

/** Poisson (or evenly spaced) arrival times at `ratePerS`, ms from the start, as a lazy stream. */
export function* rateArrivals(ratePerS: number, process: 'poisson' | 'constant', seed = 1): Generator<number> {
  const rng = createRng(seed);
  let t = 0;
  for (;;) {
    t += process === 'constant' ? 1000 / ratePerS : rng.exponential(ratePerS / 1000);
    yield t;
  }
}
