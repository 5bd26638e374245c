/** The OIP endpoints, as a closed set so metrics labels stay bounded. */
export type RouteKind = 'health_live' | 'health_ready' | 'server_metadata' | 'model_metadata' | 'model_ready' | 'infer' | 'metrics';

interface ModelRoute<K extends RouteKind> {
  readonly kind: K;
  readonly model: string;
  readonly version?: string;
}

export type Route =
  | { readonly kind: 'health_live' }
  | { readonly kind: 'health_ready' }
  | { readonly kind: 'server_metadata' }
  | { readonly kind: 'metrics' }
  | ModelRoute<'model_metadata'>
  | ModelRoute<'model_ready'>
  | ModelRoute<'infer'>;

export type RouteMatch =
  | { readonly ok: true; readonly route: Route }
  | { readonly ok: false; readonly status: 404 }
  | { readonly ok: false; readonly status: 405; readonly allow: string }
  | { readonly ok: false; readonly status: 400; readonly message: string };

function methodFor(kind: RouteKind): 'GET' | 'POST' {
  return kind === 'infer' ? 'POST' : 'GET';
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * Matches `/v2…` paths (a trailing slash is allowed: the OpenAPI file writes `/v2/`). HEAD is
 * answered like GET, without a body, so load balancers can probe with it.
 */
export function matchRoute(method: string, rawUrl: string): RouteMatch {
  const q = rawUrl.indexOf('?');
  const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const parts = path.split('/');
  if (parts[0] !== '') return { ok: false, status: 404 };
  parts.shift();
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  const route = routeOf(parts);
  if (route === undefined) return { ok: false, status: 404 };
  if ('message' in route) return { ok: false, status: 400, message: route.message };
  const want = methodFor(route.kind);
  const m = method === 'HEAD' ? 'GET' : method;
  if (m !== want) return { ok: false, status: 405, allow: want === 'GET' ? 'GET, HEAD' : 'POST' };
  return { ok: true, route };
}

function routeOf(p: readonly string[]): Route | { message: string } | undefined {
  if (p.length === 1 && p[0] === 'metrics') return { kind: 'metrics' };
  if (p[0] !== 'v2') return undefined;
  if (p.length === 1 || (p.length === 2 && p[1] === '')) return { kind: 'server_metadata' };
  if (p.length === 3 && p[1] === 'health') {
    if (p[2] === 'live') return { kind: 'health_live' };
    if (p[2] === 'ready') return { kind: 'health_ready' };
    return undefined;
  }
  if (p[1] !== 'models' || p.length < 3 || p[2] === '') return undefined;
  const model = decode(p[2] as string);
  if (model === undefined) return { message: 'the model name in the path is not valid percent-encoding' };
  let rest = p.slice(3);
  let version: string | undefined;
  if (rest[0] === 'versions') {
    if (rest.length < 2 || rest[1] === '') return undefined;
    version = decode(rest[1] as string);
    if (version === undefined) return { message: 'the model version in the path is not valid percent-encoding' };
    rest = rest.slice(2);
  }
  const v = version === undefined ? {} : { version };
  if (rest.length === 0) return { kind: 'model_metadata', model, ...v };
  if (rest.length === 1 && rest[0] === 'ready') return { kind: 'model_ready', model, ...v };
  if (rest.length === 1 && rest[0] === 'infer') return { kind: 'infer', model, ...v };
  return undefined;
}
