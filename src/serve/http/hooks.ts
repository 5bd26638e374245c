import type { ErrorCode, TesseraError } from '../../core/index.js';
import type { RouteKind } from './routes.js';

export interface AdmissionContext {
  readonly model: string;
  readonly version?: string;
  /** The declared body size, when the client sent Content-Length. */
  readonly contentLength?: number;
}

/**
 * Gateway-level load shedding, asked before an infer body is read or decoded. Return a
 * `TesseraError` to refuse (its status is answered, e.g. `TESSERA_ERR_RUNTIME_QUEUE_FULL` → 429;
 * `details.retryAfterS` becomes `Retry-After`), or undefined to admit. Must be cheap and must not
 * throw; the runtime's own refusals inside `infer` are handled the same way.
 */
export type AdmissionHook = (ctx: AdmissionContext) => TesseraError | undefined;

/** One answered request, for metrics. Labels stay bounded: `model` is only set for served models. */
export interface GatewayRequestEvent {
  readonly route: RouteKind | 'not_found';
  readonly model?: string;
  readonly status: number;
  readonly code?: ErrorCode;
  /** Arrival to the last byte handed to the socket, on the gateway's clock. */
  readonly durationMs: number;
  /** Time inside `repository.infer` (infer route, when it was called). */
  readonly inferMs?: number;
  readonly requestBytes: number;
  readonly responseBytes: number;
  /** The request or the response used the binary tensor extension. */
  readonly binary: boolean;
}

export interface GatewayObserver {
  /** Called once per answered request; exceptions are caught and logged, never reach the client. */
  onRequest(event: GatewayRequestEvent): void;
}

/** Serves `GET /metrics` when given (prom-client's registry fits: `ServeMetrics` has both members). */
export interface MetricsEndpoint {
  metricsText(): Promise<string>;
  readonly contentType: string;
}
