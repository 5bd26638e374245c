import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TesseraError, type Logger } from '../../../core/index.js';
import { parseQuantity } from '../quantity.js';
import type { PlanScheduler } from './plan-scheduler.js';
import { ExtenderArgsError, parseExtenderArgs, type ExtenderArgs, type ExtenderFilterResult } from './wire.js';

/*
 * The HTTP face of the scheduler extender (gpu-k8s.md §5): kube-scheduler POSTs JSON to
 * `<urlPrefix>/filter` and `<urlPrefix>/prioritize`; this server is the urlPrefix. A request that
 * is not ExtenderArgs never crashes the server: `/filter` answers 200 with `Error` set, which
 * kube-scheduler reports as the extender's failure for that pod; `/prioritize` has no error
 * field in its answer (HostPriorityList), so it answers 400 — kube-scheduler then skips this
 * extender's scores for the pod rather than failing it.
 */

export interface ExtenderServerOptions {
  readonly scheduler: PlanScheduler;
  readonly host?: string;
  readonly port?: number;
  /** Largest request body; a NodeList of a big cluster is several MB. @default 64 MiB */
  readonly bodyLimitBytes?: number;
  readonly logger?: Logger;
}

export interface ExtenderServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json';

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function emptyFilterResult(error: string): ExtenderFilterResult {
  return { Nodes: null, NodeNames: null, FailedNodes: {}, FailedAndUnresolvableNodes: {}, Error: error };
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new BodyTooLarge(`request body over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (err) => {
      if (!failed) reject(err);
    });
  });
}

/** Decodes one verb's request; an ExtenderArgsError says why it is not ExtenderArgs. */
function decode(text: string): ExtenderArgs {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new ExtenderArgsError(`request body is not JSON: ${(err as Error).message}`);
  }
  return parseExtenderArgs(body, parseQuantity);
}

export function handleExtenderRequest(o: ExtenderServerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = o.bodyLimitBytes ?? 64 * 1024 * 1024;
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const verb = path.replace(/\/+$/, '').split('/').pop() ?? '';
    if (path === '/healthz' && req.method === 'GET') {
      send(res, 200, { status: 'ok' });
      return;
    }
    if (verb !== 'filter' && verb !== 'prioritize') {
      send(res, 404, { Error: `no such verb '${path}'; kube-scheduler calls <urlPrefix>/filter and <urlPrefix>/prioritize` });
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, { Error: `${verb} takes POST` }, { allow: 'POST' });
      return;
    }
    readBody(req, limit).then(
      (text) => {
        try {
          const args = decode(text);
          if (verb === 'filter') send(res, 200, o.scheduler.filter(args));
          else send(res, 200, o.scheduler.prioritize(args));
        } catch (err) {
          const message = err instanceof ExtenderArgsError ? err.message : `internal error: ${(err as Error).message}`;
          if (!(err instanceof ExtenderArgsError)) o.logger?.error({ err, verb }, 'extender failed on a request');
          else o.logger?.warn({ verb, code: err.code, reason: message }, 'malformed extender request');
          if (verb === 'filter') send(res, 200, emptyFilterResult(message));
          else send(res, err instanceof ExtenderArgsError ? 400 : 500, { Error: message });
        }
      },
      (err: unknown) => {
        const tooLarge = err instanceof BodyTooLarge;
        const message = (err as Error).message;
        if (verb === 'filter' && tooLarge) send(res, 200, emptyFilterResult(message), { connection: 'close' });
        else send(res, tooLarge ? 413 : 400, { Error: message }, { connection: 'close' });
      },
    );
  };
}

/** Starts the extender; resolves once it listens. Throws `TESSERA_ERR_K8S_EXTENDER_LISTEN` when it cannot. */
export function startExtenderServer(o: ExtenderServerOptions): Promise<ExtenderServer> {
  const server = createServer(handleExtenderRequest(o));
  const host = o.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', (cause) => {
      reject(new TesseraError('TESSERA_ERR_K8S_EXTENDER_LISTEN', `cannot listen on ${host}:${o.port ?? 8888}: ${(cause as Error).message}`, { cause }));
    });
    server.listen(o.port ?? 8888, host, () => {
      const addr = server.address() as AddressInfo;
      const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      resolve({
        url: `http://${shown}:${addr.port}`,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
