import type { ErrorCodeInfo } from './code-table.js';
import { INPUT_CODES } from './codes/input.js';
import { SPEC_CODES } from './codes/spec.js';
import { RUNTIME_CODES } from './codes/runtime.js';
import { OBSERVE_CODES } from './codes/observe.js';
import { POLICY_CODES } from './codes/policy.js';
import { PROFILE_CODES } from './codes/profile.js';
import { SERVE_CODES } from './codes/serve.js';
import { PLAN_CODES } from './codes/plan.js';
import { HARDWARE_CODES } from './codes/hardware.js';
import { K8S_CODES } from './codes/k8s.js';
import { SIM_CODES } from './codes/sim.js';
import { SIM_CLUSTER_CODES } from './codes/sim-cluster.js';
import { ADAPT_CODES } from './codes/adapt.js';

/**
 * Every error code Tessera can emit, with its HTTP status. Each area keeps its codes in
 * `codes/<area>.ts`; add the table here. `docs/errors.md` lists the same codes (a test checks).
 */
export const ERROR_CODES = {
  ...INPUT_CODES,
  ...SPEC_CODES,
  ...RUNTIME_CODES,
  ...OBSERVE_CODES,
  ...POLICY_CODES,
  ...PROFILE_CODES,
  ...SERVE_CODES,
  ...PLAN_CODES,
  ...HARDWARE_CODES,
  ...K8S_CODES,
  ...SIM_CODES,
  ...SIM_CLUSTER_CODES,
  ...ADAPT_CODES,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export function errorCodeInfo(code: ErrorCode): ErrorCodeInfo {
  return ERROR_CODES[code];
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
