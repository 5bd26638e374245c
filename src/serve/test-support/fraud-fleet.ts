/**
 * The generated fraud MLP is the quickest real model to serve: a fleet of services on it, and the
 * hand-written plan that serves each with one CPU replica (Triton batching up to 64 within 2 ms),
 * so that serving tests do not wait for profiling.
 */
import type { Plan, PlanColdPool, PlanSlice } from '../../plan/plan-types.js';
import { cpuReplica, cpuSlice, handPlan } from '../../plan/test-support/hand-plan.js';

export interface FraudService {
  readonly name: string;
  readonly sloP99Ms: number;
  /** The fleet's traffic and the plan's demand, req/s. */
  readonly rps: number;
  /** @default 'hot' */
  readonly pool?: 'hot' | 'cold';
  /** The CPU slice (`local/cpu@N`) its one planned replica runs on. */
  readonly slice: string;
}

export interface FraudFleetOptions {
  /** The fleet's `metadata.name` (and the plan's `fleet`). */
  readonly name: string;
  /** Cores of node `local` in the fleet's inventory. */
  readonly cores: number;
  readonly services: readonly FraudService[];
  /** Memory of the cold pool on each slice that cold services run on. */
  readonly coldPoolBytes?: number;
  /** Planned utilization of every replica. @default 0.1 */
  readonly utilization?: number;
}

/** The fleet YAML (the model `fraud-mlp`, batches up to 64) and its plan. */
export function fraudFleet(o: FraudFleetOptions): { yaml: string; plan: Plan } {
  const yaml = `
apiVersion: tessera.dev/v1alpha1
kind: Fleet
metadata: { name: ${o.name} }
models:
  - name: fraud-mlp
    source: { generated: fraud-mlp }
    maxBatchSize: 64
services:
${o.services.map((s) => `  - { name: ${s.name}, model: fraud-mlp, slo: { p99Ms: ${s.sloP99Ms} }, traffic: { rps: ${s.rps} }${s.pool === 'cold' ? ', pool: cold' : ''} }`).join('\n')}
inventory:
  nodes: [{ name: local, cpu: { cores: ${o.cores} } }]
`;
  const slices: PlanSlice[] = [...new Set(o.services.map((s) => s.slice))].map((id) => cpuSlice(id));
  const coldPools: PlanColdPool[] = [];
  for (const s of o.services.filter((svc) => svc.pool === 'cold')) {
    const pool = coldPools.find((p) => p.slice === s.slice);
    if (pool !== undefined) pool.services.push(s.name);
    else if (o.coldPoolBytes === undefined) throw new Error(`cold service ${s.name} needs coldPoolBytes`);
    else coldPools.push({ slice: s.slice, services: [s.name], memoryBytes: o.coldPoolBytes });
  }
  const plan = handPlan({
    fleet: o.name,
    slices,
    services: o.services.map((s) => ({
      name: s.name,
      model: 'fraud-mlp',
      sloP99Ms: s.sloP99Ms,
      demandRps: s.rps,
      pool: s.pool ?? 'hot',
      replicas: [cpuReplica(s.slice, { maxBatchSize: 64, maxQueueDelayMs: 2, predictedP99Ms: 5, capacityRps: 500, utilization: o.utilization ?? 0.1 })],
    })),
    coldPools,
    meanUtilization: 0.1,
  });
  return { yaml, plan };
}

/** An OIP JSON infer request body for the fraud MLP: one row of 32 features. */
export const FRAUD_INFER_BODY = JSON.stringify({ inputs: [{ name: 'features', shape: [1, 32], datatype: 'FP32', data: new Array(32).fill(0.3) }] });
