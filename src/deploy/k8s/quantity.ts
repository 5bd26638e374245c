/**
 * Kubernetes resource quantities (`resource.Quantity`: `7`, `1500m`, `16Gi`, `1e3`) as numbers.
 * The extender reads `status.allocatable` and container requests with it; node objects arrive as
 * kube-scheduler encodes them, so every form the API server writes must read back.
 */

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

const MULTIPLIERS: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** The value of a quantity, or undefined when it is not one. Numbers (as some clients send) pass through. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = QUANTITY.exec(value.trim());
  if (m === null) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  const base = Number(m[2]);
  const exponent = m[3] === undefined ? 1 : 10 ** Number(m[3].slice(1));
  const suffix = m[4] === undefined ? 1 : (MULTIPLIERS[m[4]] ?? 1);
  const out = sign * base * exponent * suffix;
  return Number.isFinite(out) ? out : undefined;
}
