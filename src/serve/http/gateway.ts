import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RealClock, TesseraError, isTesseraError, type Clock, type ErrorCode, type Logger } from '../../core/index.js';
import { decodeInferRequest, INFERENCE_HEADER_CONTENT_LENGTH, type DecodedInferRequest } from '../oip/request-codec.js';
import { encodeError, encodeInferResponse } from '../oip/response-codec.js';
import { modelMetadataJson } from '../oip/metadata.js';
import type { InferenceRequest, ModelMetadata, ModelRepository } from '../oip/repository.js';
import type { NamedTensor } from '../oip/tensor.js';
import { bearerChecker } from './auth.js';
import type { AdmissionHook, GatewayObserver, GatewayRequestEvent, MetricsEndpoint } from './hooks.js';
import { ClientGoneError, precheckBody, readBody } from './read-body.js';
import { matchRoute, type Route, type RouteKind } from './routes.js';

export interface GatewayOptions {
  readonly repository: ModelRepository;
  /** Largest accepted request body, bytes (after decompression too); larger gets 413. */
  readonly bodyLimitBytes: number;
  /** When set, every endpoint but the two health probes needs `Authorization: Bearer <token>`. */
  readonly authToken?: string;
  readonly logger: Logger;
  /** Default 127.0.0.1: serving on every interface is a choice the operator makes. */
  readonly host?: string;
  /** Default 8000, Triton's HTTP port. */
  readonly port?: number;
  readonly clock?: Clock;
  readonly serverName?: string;
  readonly serverVersion?: string;
  /** Extensions reported by `GET /v2` besides `binary_tensor_data`. */
  readonly extensions?: readonly string[];
  readonly admission?: AdmissionHook;
  readonly observer?: GatewayObserver;
  readonly metrics?: MetricsEndpoint;
  /** Idle keep-alive time, ms (default 65 s: longer than common load-balancer idle timeouts). */
  readonly keepAliveTimeoutMs?: number;
}

export interface GatewayAddress {
  readonly host: string;
  readonly port: number;
  /** `http://host:port`, ready for a client. */
  readonly url: string;
}

export interface Gateway {
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(port?: number, host?: string): Promise<GatewayAddress>;
  /**
   * Stops accepting connections and resolves once in-flight requests are answered. Keep-alive
   * connections are told to close with their next response.
   */
  close(): Promise<void>;
  readonly server: Server;
}

/** The seam's model lookup, distinguishing an unknown model from an unknown version of it. */
function lookup(repository: ModelRepository, model: string, version: string | undefined): ModelMetadata {
  const meta = repository.modelMetadata(model, version);
  if (meta !== undefined) return meta;
  if (version !== undefined && repository.modelMetadata(model) !== undefined) {
    throw new TesseraError('TESSERA_ERR_SERVE_VERSION_NOT_FOUND', `model '${model}' has no version '${version}'`);
  }
  throw new TesseraError('TESSERA_ERR_SERVE_MODEL_NOT_FOUND', `model '${model}' is not served here`);
}

function packageVersion(): string {
  try {
    // src/serve/http and dist/serve/http both sit three levels below the package root.
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function timeoutMsOf(parameters: Readonly<Record<string, unknown>>): number | undefined {
  const t = parameters['timeout'];
  // Triton's `timeout` request parameter is in microseconds.
  return typeof t === 'number' && Number.isFinite(t) && t > 0 ? t / 1000 : undefined;
}

/** Largest unread request body drained (rather than the connection closed) after an early answer. */
const UNREAD_BODY_DRAIN_BYTES = 64 * 1024;

interface Answer {
  status: number;
  headers: Record<string, string | number>;
  chunks: readonly Uint8Array[];
  byteLength: number;
  code?: ErrorCode;
  binary?: boolean;
}

function jsonAnswer(status: number, value: unknown): Answer {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  return { status, headers: { 'content-type': 'application/json' }, chunks: [body], byteLength: body.byteLength };
}

function errorAnswer(err: TesseraError): Answer {
  const body = encodeError(err.message);
  const headers: Record<string, string | number> = { 'content-type': 'application/json' };
  const retry = err.details?.['retryAfterS'];
  if (typeof retry === 'number' && Number.isFinite(retry) && retry >= 0) headers['retry-after'] = Math.ceil(retry);
  else if (err.code === 'TESSERA_ERR_SERVE_MODEL_NOT_READY') headers['retry-after'] = 1;
  if (err.code === 'TESSERA_ERR_SERVE_UNAUTHORIZED') headers['www-authenticate'] = 'Bearer';
  // After a 413 the rest of the body is still on the wire; closing is cheaper than draining it.
  if (err.code === 'TESSERA_ERR_SERVE_BODY_TOO_LARGE' || err.code === 'TESSERA_ERR_SERVE_UNSUPPORTED_ENCODING') headers['connection'] = 'close';
  return { status: err.httpStatus, headers, chunks: [body], byteLength: body.byteLength, code: err.code };
}

/**
 * The Open Inference Protocol (KServe v2) REST gateway on node:http: health, metadata, readiness
 * and infer (JSON and the binary tensor extension) over a `ModelRepository`.
 */
export function createGateway(options: GatewayOptions): Gateway {
  const { repository, logger } = options;
  if (!(Number.isSafeInteger(options.bodyLimitBytes) && options.bodyLimitBytes > 0)) throw new RangeError(`bodyLimitBytes must be a positive integer, got ${options.bodyLimitBytes}`);
  const clock = options.clock ?? new RealClock();
  const checkToken = options.authToken === undefined ? undefined : bearerChecker(options.authToken);
  const serverJson = {
    name: options.serverName ?? 'tessera',
    version: options.serverVersion ?? packageVersion(),
    extensions: ['binary_tensor_data', ...(options.extensions ?? [])],
  };
  let closing = false;

  function observe(event: GatewayRequestEvent): void {
    if (!options.observer) return;
    try {
      options.observer.onRequest(event);
    } catch (err) {
      logger.warn({ err }, 'gateway observer threw; ignored');
    }
  }

  async function handleInfer(route: Extract<Route, { kind: 'infer' }>, req: IncomingMessage, res: ServerResponse, receivedAtMs: number, timing: { inferMs?: number; requestBytes: number; binary: boolean }): Promise<Answer> {
    // Size first: a body that will be refused anyway should not be read, whatever the model.
    precheckBody(req, options.bodyLimitBytes);
    const meta = lookup(repository, route.model, route.version);
    if (!repository.isModelReady(route.model, route.version)) {
      throw new TesseraError('TESSERA_ERR_SERVE_MODEL_NOT_READY', `model '${route.model}' is loading or warming up and not ready yet`);
    }
    if (options.admission) {
      const declared = Number(req.headers['content-length']);
      const refusal = options.admission({ model: route.model, ...(route.version === undefined ? {} : { version: route.version }), ...(Number.isFinite(declared) ? { contentLength: declared } : {}) });
      if (refusal !== undefined) throw refusal;
    }
    const body = await readBody(req, options.bodyLimitBytes);
    timing.requestBytes = body.byteLength;
    const header = req.headers[INFERENCE_HEADER_CONTENT_LENGTH];
    const decoded: DecodedInferRequest = decodeInferRequest({ body, ...(typeof header === 'string' ? { headerLength: header } : {}) }, meta);
    timing.binary = decoded.binaryInputs;
    const inputs: Record<string, NamedTensor> = {};
    for (const t of decoded.inputs) inputs[t.name] = t;
    const request: InferenceRequest = {
      ...(decoded.id === undefined ? {} : { id: decoded.id }),
      inputs,
      ...(decoded.outputs === undefined ? {} : { outputNames: decoded.outputs.map((o) => o.name) }),
      parameters: decoded.parameters,
    };
    const abort = new AbortController();
    const onClose = (): void => {
      if (!res.writableFinished) abort.abort(new ClientGoneError());
    };
    res.once('close', onClose);
    const timeoutMs = timeoutMsOf(decoded.parameters);
    const t0 = clock.nowMs();
    let result;
    try {
      result = await repository.infer(route.model, route.version, request, { signal: abort.signal, receivedAtMs, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
    } finally {
      timing.inferMs = clock.nowMs() - t0;
    }
    const version = result.modelVersion ?? route.version ?? meta.versions[meta.versions.length - 1];
    const encoded = encodeInferResponse(decoded, result, meta, version);
    const headers: Record<string, string | number> = { 'content-type': encoded.contentType };
    if (encoded.headerLength !== undefined) {
      headers['inference-header-content-length'] = encoded.headerLength;
      timing.binary = true;
    }
    return { status: 200, headers, chunks: encoded.chunks, byteLength: encoded.byteLength };
  }

  async function answer(route: Route, req: IncomingMessage, res: ServerResponse, receivedAtMs: number, timing: { inferMs?: number; requestBytes: number; binary: boolean }): Promise<Answer> {
    switch (route.kind) {
      case 'health_live':
        return jsonAnswer(200, { live: true });
      case 'health_ready': {
        const ready = repository.isServerReady();
        return jsonAnswer(ready ? 200 : 503, { ready });
      }
      case 'server_metadata':
        return jsonAnswer(200, serverJson);
      case 'model_metadata':
        return jsonAnswer(200, modelMetadataJson(lookup(repository, route.model, route.version)));
      case 'model_ready': {
        const meta = lookup(repository, route.model, route.version);
        const ready = repository.isModelReady(route.model, route.version);
        return jsonAnswer(ready ? 200 : 503, { name: meta.name, ready });
      }
      case 'metrics': {
        if (!options.metrics) throw new TesseraError('TESSERA_ERR_SERVE_ROUTE_NOT_FOUND', 'this gateway exposes no /metrics');
        const text = Buffer.from(await options.metrics.metricsText(), 'utf8');
        return { status: 200, headers: { 'content-type': options.metrics.contentType }, chunks: [text], byteLength: text.byteLength };
      }
      case 'infer':
        return handleInfer(route, req, res, receivedAtMs, timing);
    }
  }

  function send(req: IncomingMessage, res: ServerResponse, a: Answer): void {
    if (res.destroyed || res.headersSent) return;
    const headers: Record<string, string | number> = { ...a.headers, 'content-length': a.byteLength };
    // Node drains an unread request body to keep the connection; for a large or unknown-size body
    // (an early refusal), closing is cheaper than reading it all.
    const chunked = req.headers['transfer-encoding'] !== undefined;
    const unread = !req.complete && (chunked || Number(req.headers['content-length']) > UNREAD_BODY_DRAIN_BYTES);
    if (closing || unread) headers['connection'] = 'close';
    res.writeHead(a.status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (a.chunks.length === 1) {
      res.end(a.chunks[0]);
      return;
    }
    res.cork();
    for (const c of a.chunks) res.write(c);
    res.end();
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAtMs = clock.nowMs();
    const timing: { inferMs?: number; requestBytes: number; binary: boolean } = { requestBytes: 0, binary: false };
    let kind: RouteKind | 'not_found' = 'not_found';
    let model: string | undefined;
    let a: Answer;
    try {
      const match = matchRoute(req.method ?? 'GET', req.url ?? '/');
      if (!match.ok) {
        if (match.status === 405) {
          a = errorAnswer(new TesseraError('TESSERA_ERR_SERVE_METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use ${match.allow}`));
          a.headers['allow'] = match.allow;
        } else if (match.status === 400) {
          a = errorAnswer(new TesseraError('TESSERA_ERR_SERVE_BAD_REQUEST', match.message));
        } else {
          a = errorAnswer(new TesseraError('TESSERA_ERR_SERVE_ROUTE_NOT_FOUND', `no endpoint ${req.method} ${(req.url ?? '').split('?')[0]}; the OIP endpoints are under /v2`));
        }
      } else {
        const route = match.route;
        kind = route.kind;
        if (checkToken && route.kind !== 'health_live' && route.kind !== 'health_ready' && !checkToken(req.headers.authorization)) {
          throw new TesseraError('TESSERA_ERR_SERVE_UNAUTHORIZED', 'a valid bearer token is required (Authorization: Bearer <token>)');
        }
        if ('model' in route && repository.modelMetadata(route.model) !== undefined) model = route.model;
        a = await answer(route, req, res, receivedAtMs, timing);
      }
    } catch (err) {
      if (err instanceof ClientGoneError) {
        logger.debug({ url: req.url }, 'client went away before the request was answered');
        return;
      }
      if (isTesseraError(err)) {
        a = errorAnswer(err);
        if (err.httpStatus >= 500) logger.warn({ code: err.code, model, msg: err.message }, 'request failed');
      } else {
        logger.error({ err, url: req.url }, 'unexpected failure while answering a request');
        a = errorAnswer(new TesseraError('TESSERA_ERR_CORE_INTERNAL', `internal error: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
      }
    }
    send(req, res, a);
    observe({
      route: kind,
      ...(model === undefined ? {} : { model }),
      status: a.status,
      ...(a.code === undefined ? {} : { code: a.code }),
      durationMs: clock.nowMs() - receivedAtMs,
      ...(timing.inferMs === undefined ? {} : { inferMs: timing.inferMs }),
      requestBytes: timing.requestBytes,
      responseBytes: a.byteLength,
      binary: timing.binary,
    });
  }

  const server = createServer((req, res) => {
    res.on('error', (err) => logger.debug({ err }, 'response stream error (client gone?)'));
    onRequest(req, res).catch((err: unknown) => {
      // onRequest catches everything it can answer; this is a last guard so nothing rejects unhandled.
      logger.error({ err }, 'gateway request handler failed');
      if (!res.headersSent && !res.destroyed) {
        const body = encodeError('internal error');
        res.writeHead(500, { 'content-type': 'application/json', 'content-length': body.byteLength });
        res.end(body);
      }
    });
  });
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 65_000;
  server.on('clientError', (err, socket) => {
    // Malformed HTTP never reaches the handler; answer 400 if the socket can still take it.
    if (socket.writable) {
      const code = (err as { code?: unknown }).code;
      const why = code === 'HPE_INVALID_EOF_STATE' ? 'the connection ended before the body was complete (truncated body?)' : `${err.message}${typeof code === 'string' ? ` (${code})` : ''}`;
      const body = encodeError(`bad HTTP request: ${why}`);
      socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${body.byteLength}\r\nconnection: close\r\n\r\n${body.toString('utf8')}`);
    } else {
      socket.destroy();
    }
  });

  return {
    server,
    listen(port = options.port ?? 8000, host = options.host ?? '127.0.0.1'): Promise<GatewayAddress> {
      return new Promise((resolve, reject) => {
        const onError = (err: Error): void => reject(err);
        server.once('error', onError);
        server.listen({ port, host }, () => {
          server.off('error', onError);
          const addr = server.address() as AddressInfo;
          const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          logger.info({ host: addr.address, port: addr.port }, 'OIP gateway listening');
          resolve({ host: addr.address, port: addr.port, url: `http://${h}:${addr.port}` });
        });
      });
    },
    close(): Promise<void> {
      closing = true;
      return new Promise((resolve, reject) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      });
    },
  };
}
