import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { TesseraError } from '../../core/index.js';
import type { Plan } from '../../plan/index.js';

/*
 * Reading a Plan (src/plan/plan-types.ts) from JSON for the Kubernetes renderer and extender.
 * The schema is typed `z.ZodType<Plan>`, so a change to the Plan type that this reader does not
 * follow fails to compile instead of rendering wrong manifests. Checking is structural plus the
 * cross-references the renderer follows (replica → slice → GPU); every problem is reported at once.
 */

const batching = z.object({
  policy: z.enum(['triton', 'adaptive', 'aimd', 'slo-aware', 'none']),
  maxBatchSize: z.number().int().min(1),
  maxQueueDelayMs: z.number().min(0),
  preferredBatchSizes: z.array(z.number().int().min(1)).optional(),
});

const slice = z.object({
  id: z.string().min(1),
  node: z.string().min(1),
  gpu: z.string().optional(),
  kind: z.enum(['mig', 'gpu', 'gpu-share', 'cpu']),
  profile: z.string().min(1),
  start: z.number().int().min(0).optional(),
  computeSlices: z.number().optional(),
  memoryBytes: z.number().min(0),
  cores: z.number().optional(),
});

const gpu = z.object({
  id: z.string().min(1),
  node: z.string().min(1),
  type: z.string().min(1),
  layout: z.array(z.string()),
  slices: z.array(z.string()),
});

const replica = z.object({
  slice: z.string().min(1),
  gpu: z.string().optional(),
  sliceProfile: z.string().min(1),
  node: z.string().min(1),
  batching,
  instances: z.number().int().min(0),
  predictedP99Ms: z.number().min(0),
  capacityRps: z.number().min(0),
  utilization: z.number().min(0),
  estimated: z.boolean(),
  loadRps: z.number().optional(),
  maxCapacityRps: z.number().optional(),
  threads: z.number().optional(),
  basis: z.string().optional(),
});

const service = z.object({
  name: z.string().min(1),
  model: z.string().min(1),
  sloP99Ms: z.number().positive(),
  demandRps: z.number().min(0),
  pool: z.enum(['hot', 'cold']),
  poolReason: z.string(),
  replicas: z.array(replica),
  predictedP99Ms: z.number().optional(),
  capacityRps: z.number().optional(),
  estimated: z.boolean().optional(),
});

const coldPool = z.object({
  slice: z.string().min(1),
  services: z.array(z.string()),
  memoryBytes: z.number().min(0),
  sliceProfile: z.string().optional(),
  node: z.string().optional(),
  gpu: z.string().optional(),
  residentModels: z.number().optional(),
  expectedMissRate: z.number().optional(),
});

const summary = z.object({
  gpus: z.number(),
  cpuCores: z.number(),
  costPerHour: z.number(),
  costPer1kInferences: z.number(),
  meanUtilization: z.number(),
  solver: z.string(),
  optimalityGap: z.number().nullable(),
  objective: z.number(),
  solveMs: z.number(),
  lowerBoundGpus: z.number().optional(),
  status: z.string().optional(),
  reconfiguration: z.object({ repartitionedGpus: z.number(), movedReplicas: z.number() }).optional(),
  estimatedReplicas: z.number().optional(),
  demandRps: z.number().optional(),
});

export const planSchema: z.ZodType<Plan> = z.object({
  apiVersion: z.literal('tessera.dev/v1alpha1'),
  kind: z.literal('Plan'),
  fleet: z.string(),
  summary,
  gpus: z.array(gpu),
  slices: z.array(slice),
  services: z.array(service),
  coldPools: z.array(coldPool),
  infeasible: z.array(z.object({ service: z.string(), reason: z.string(), fix: z.string() })),
  explain: z.array(z.string()),
});

export interface PlanProblem {
  path: string;
  message: string;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/** Problems the renderer would trip over after the shape is right: dangling references and duplicates. */
function referenceProblems(plan: Plan): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const slices = new Map(plan.slices.map((s) => [s.id, s]));
  const gpus = new Set(plan.gpus.map((g) => g.id));
  const seen = new Set<string>();
  plan.slices.forEach((s, i) => {
    if (seen.has(s.id)) problems.push({ path: `slices[${i}].id`, message: `duplicate slice id '${s.id}'` });
    seen.add(s.id);
    if (s.kind !== 'cpu' && (s.gpu === undefined || !gpus.has(s.gpu))) problems.push({ path: `slices[${i}].gpu`, message: `GPU slice '${s.id}' names no GPU of gpus[]` });
  });
  const names = new Set<string>();
  plan.services.forEach((svc, i) => {
    if (names.has(svc.name)) problems.push({ path: `services[${i}].name`, message: `duplicate service '${svc.name}'` });
    names.add(svc.name);
    svc.replicas.forEach((r, j) => {
      if (!slices.has(r.slice)) problems.push({ path: `services[${i}].replicas[${j}].slice`, message: `slice '${r.slice}' is not in slices[]` });
    });
  });
  plan.coldPools.forEach((p, i) => {
    if (!slices.has(p.slice)) problems.push({ path: `coldPools[${i}].slice`, message: `slice '${p.slice}' is not in slices[]` });
    p.services.forEach((s, j) => {
      if (!names.has(s)) problems.push({ path: `coldPools[${i}].services[${j}]`, message: `service '${s}' is not in services[]` });
    });
  });
  return problems;
}

/** Checks a parsed JSON value is a Plan; throws `TESSERA_ERR_K8S_PLAN_INVALID` listing every problem. */
export function parsePlan(value: unknown, source = 'plan'): Plan {
  const parsed = planSchema.safeParse(value);
  const problems: PlanProblem[] = parsed.success ? referenceProblems(parsed.data) : parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
  if (problems.length > 0) {
    const list = problems.map((p) => `  ${p.path || '(root)'}: ${p.message}`).join('\n');
    throw new TesseraError('TESSERA_ERR_K8S_PLAN_INVALID', `${source} is not a plan this renderer can use (write one with \`tessera plan --json\`):\n${list}`, { details: { source, problems } });
  }
  // The original object, not zod's copy: fields this version does not know about are kept for the runtime.
  return value as Plan;
}

/** Reads and checks a plan file written by `tessera plan --json`. */
export function loadPlanFile(file: string): Plan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new TesseraError('TESSERA_ERR_INPUT_FILE_NOT_FOUND', `cannot read plan '${file}'; check the path given with --plan`, { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new TesseraError('TESSERA_ERR_K8S_PLAN_INVALID', `plan '${file}' is not JSON: ${(cause as Error).message}; write it with \`tessera plan --json > plan.json\``, { cause, details: { source: file } });
  }
  return parsePlan(value, `plan '${file}'`);
}
