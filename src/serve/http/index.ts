export { createGateway, type Gateway, type GatewayOptions, type GatewayAddress } from './gateway.js';
export type { AdmissionHook, AdmissionContext, GatewayObserver, GatewayRequestEvent, MetricsEndpoint } from './hooks.js';
export type { RouteKind } from './routes.js';
