import { z } from 'zod';
import type { ModelProfile } from './profile-types.js';

/**
 * Runtime check of profile JSON (the store's files and imported JSON) against `ModelProfile`.
 * Unknown fields are dropped rather than rejected: a newer Tessera may add optional fields, and an
 * older one should still read the figures it knows.
 */
const latency = z.object({ p50: z.number().nonnegative(), p90: z.number().nonnegative(), p99: z.number().nonnegative(), mean: z.number().nonnegative() });

const point = z.object({
  batchSize: z.number().int().min(1),
  concurrency: z.number().int().min(1),
  latencyMs: latency,
  throughputPerS: z.number().nonnegative(),
  samples: z.number().int().min(0),
  memoryAddedBytes: z.number().optional(),
  stable: z.boolean().optional(),
});

export const modelProfileSchema = z.object({
  schemaVersion: z.literal(1),
  model: z.string().min(1),
  modelSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  origin: z.enum(['measured', 'imported']),
  source: z.string().optional(),
  device: z.object({
    kind: z.enum(['cpu', 'gpu', 'mig']),
    name: z.string(),
    gpuType: z.string().optional(),
    slice: z.string().optional(),
    computeSlices: z.number().int().min(1).max(7).optional(),
    threads: z.number().int().min(1).optional(),
    fingerprint: z.string().min(1),
  }),
  runtime: z.object({ name: z.string(), version: z.string(), executionProvider: z.string().optional() }),
  loadMs: z.number().nonnegative().optional(),
  firstInferenceMs: z.number().nonnegative().optional(),
  frameworkInitMs: z.number().nonnegative().optional(),
  memoryBytes: z.number().optional(),
  arenaBytes: z.number().optional(),
  inputs: z.record(z.string(), z.object({ shape: z.array(z.number().int().min(0)), dtype: z.string(), batchAxis: z.number().int().min(0).nullable() })).optional(),
  inputsKey: z.string().optional(),
  points: z.array(point),
  measuredAt: z.string(),
  latencyFromMean: z.boolean().optional(),
});

// Compile-time guard: what the schema accepts must be a ModelProfile.
type Parsed = z.infer<typeof modelProfileSchema>;
const _assignable = (p: Parsed): ModelProfile => p;
void _assignable;

export type ProfileParseResult = { ok: true; profiles: ModelProfile[] } | { ok: false; problems: string[] };

/** Validates a ModelProfile or an array of them; problems carry their JSON path. */
export function parseProfilesJson(data: unknown): ProfileParseResult {
  const schema = Array.isArray(data) ? z.array(modelProfileSchema) : modelProfileSchema;
  const parsed = schema.safeParse(data);
  if (parsed.success) return { ok: true, profiles: Array.isArray(parsed.data) ? parsed.data : [parsed.data] };
  return {
    ok: false,
    problems: parsed.error.issues.map((i) => `${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') || '(root)'}: ${i.message}`),
  };
}
