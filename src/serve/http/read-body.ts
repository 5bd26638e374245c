import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import { TesseraError } from '../../core/index.js';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

/** The client went away mid-body: there is nobody to answer. */
export class ClientGoneError extends Error {
  constructor() {
    super('the client closed the connection before the request body was complete');
    this.name = 'ClientGoneError';
  }
}

function tooLarge(limit: number, what: string): TesseraError {
  return new TesseraError('TESSERA_ERR_SERVE_BODY_TOO_LARGE', `the request body ${what} the ${limit}-byte limit`, { details: { bodyLimitBytes: limit } });
}

/** Refuses up front what `Content-Length` and `Content-Encoding` already say is unacceptable. */
export function precheckBody(req: IncomingMessage, limitBytes: number): void {
  const enc = contentEncoding(req);
  if (enc !== 'identity' && enc !== 'gzip' && enc !== 'deflate') {
    throw new TesseraError('TESSERA_ERR_SERVE_UNSUPPORTED_ENCODING', `Content-Encoding '${enc}' is not supported; send identity, gzip or deflate`);
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes, `(${declared} bytes) is over`);
}

function contentEncoding(req: IncomingMessage): string {
  return (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase() || 'identity';
}

/**
 * Reads the whole body, at most `limitBytes` on the wire and (for gzip/deflate, which Triton's
 * clients send when asked to compress) at most `limitBytes` once inflated.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  precheckBody(req, limitBytes);
  const enc = contentEncoding(req);
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const finish = (err: Error | undefined, body?: Buffer): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err) reject(err);
      else resolve(body as Buffer);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.byteLength;
      if (total > limitBytes) {
        // Stop buffering; the caller answers 413 and closes the connection.
        req.pause();
        finish(tooLarge(limitBytes, 'is over'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
      if (enc === 'identity') {
        finish(undefined, raw);
        return;
      }
      const inflateBody = enc === 'gzip' ? gunzipAsync : inflateAsync;
      inflateBody(raw, { maxOutputLength: limitBytes }).then(
        (out) => finish(undefined, out),
        (err: unknown) => {
          const code = (err as { code?: unknown }).code;
          if (err instanceof RangeError || code === 'ERR_BUFFER_TOO_LARGE') finish(tooLarge(limitBytes, 'inflates past'));
          else finish(new TesseraError('TESSERA_ERR_SERVE_BAD_REQUEST', `the body is not valid ${enc} data (Content-Encoding: ${enc})`, { cause: err }));
        },
      );
    };
    const onError = (): void => finish(new ClientGoneError());
    const onClose = (): void => {
      if (!req.complete) finish(new ClientGoneError());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
