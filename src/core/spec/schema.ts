import { z } from 'zod';

/**
 * The fleet spec (apiVersion tessera.dev/v1alpha1, kind Fleet): what to deploy and onto what.
 * Every field is documented, with its default and unit, in docs/spec.md; keep the two in step.
 * Objects are strict so a misspelt key is reported instead of silently ignored.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const name = z
  .string()
  .min(1)
  .max(63)
  .regex(DNS_LABEL, 'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit');

export const TENSOR_DTYPES = ['float32', 'float16', 'float64', 'int8', 'uint8', 'int16', 'int32', 'int64', 'bool'] as const;
export const tensorDtype = z.enum(TENSOR_DTYPES);
export type TensorDtype = z.infer<typeof tensorDtype>;

export const modelInputSchema = z.strictObject({
  /** Per-item shape: the tensor's shape with the batch axis left out; every dynamic dim fixed. */
  shape: z.array(z.number().int().min(0)),
  dtype: tensorDtype,
  /** Where the batch axis sits in the full tensor shape; `null` for an input that is not batched (e.g. a sample rate). */
  batchAxis: z.number().int().min(0).nullable().default(0),
  /** Fill the input with this constant instead of random data (e.g. Silero VAD's `sr: 16000`). */
  value: z.number().optional(),
  /** Random data range for generated inputs, [low, high). */
  range: z.tuple([z.number(), z.number()]).optional(),
});
export type ModelInputSpec = z.infer<typeof modelInputSchema>;

export const modelSourceSchema = z.union([
  z.strictObject({ package: z.string().min(1), file: z.string().min(1) }),
  z.strictObject({ path: z.string().min(1) }),
  z.strictObject({ generated: z.enum(['fraud-mlp']) }),
]);
export type ModelSource = z.infer<typeof modelSourceSchema>;

export const modelSchema = z.strictObject({
  name,
  /** Where the ONNX file comes from. May be left out when `profiles` describe the model. */
  source: modelSourceSchema.optional(),
  /** Inputs by name. Required to profile or serve an ONNX model with dynamic dims. */
  input: z.record(z.string().min(1), modelInputSchema).optional(),
  /** Largest batch the model (or its export) accepts. */
  maxBatchSize: z.number().int().min(1).max(4096).default(32),
  /** Imported measurements: a file or a folder (see docs/profiles.md). */
  profiles: z.string().min(1).optional(),
  /** Resident memory of one loaded instance, when no profile measures it. */
  memoryBytes: z.number().int().positive().optional(),
});
export type ModelSpec = z.infer<typeof modelSchema>;

export const TRACE_FORMATS = ['azure-functions', 'azure-llm', 'qps-series'] as const;

export const traceSchema = z.strictObject({
  file: z.string().min(1),
  format: z.enum(TRACE_FORMATS),
  /** Which row/column drives this service: a function hash (azure-functions) or a column name (qps-series). */
  column: z.string().optional(),
  /** Multiply every rate by this. */
  scale: z.number().positive().default(1),
  /** Compress (>1) or stretch (<1) time. */
  timeScale: z.number().positive().default(1),
});
export type TraceSpec = z.infer<typeof traceSchema>;

export const trafficSchema = z.union([
  z.strictObject({
    /** Mean arrival rate, requests per second. */
    rps: z.number().positive(),
    /** Peak rate the plan must carry; defaults to `rps`. */
    peakRps: z.number().positive().optional(),
    arrival: z.enum(['poisson', 'constant', 'bursty']).default('poisson'),
    /** Coefficient of variation of inter-arrival times for `bursty` (Gamma). */
    cv: z.number().positive().default(2),
  }),
  z.strictObject({ trace: traceSchema, peakRps: z.number().positive().optional() }),
]);
export type TrafficSpec = z.infer<typeof trafficSchema>;

export const BATCH_POLICIES = ['triton', 'adaptive', 'aimd', 'slo-aware', 'none'] as const;

export const batchingSchema = z.strictObject({
  policy: z.enum(BATCH_POLICIES).default('triton'),
  maxBatchSize: z.number().int().min(1).optional(),
  maxQueueDelayMs: z.number().min(0).optional(),
  preferredBatchSizes: z.array(z.number().int().min(1)).optional(),
});
export type BatchingSpec = z.infer<typeof batchingSchema>;

const placementRef = z.strictObject({
  node: z.string().optional(),
  gpuType: z.string().optional(),
  /** A MIG profile (e.g. `3g.40gb`), `gpu` for a whole GPU, or `cpu`. */
  slice: z.string().optional(),
});

export const serviceSchema = z.strictObject({
  name,
  model: z.string().min(1),
  slo: z.strictObject({
    p99Ms: z.number().positive(),
  }),
  traffic: trafficSchema,
  minReplicas: z.number().int().min(0).default(1),
  maxReplicas: z.number().int().min(1).optional(),
  /** Spread replicas over distinct GPUs and nodes. */
  availability: z.boolean().default(false),
  /** `auto` lets the planner choose between a hot (always loaded) and a cold (load-on-demand) pool. */
  pool: z.enum(['auto', 'hot', 'cold']).default('auto'),
  batching: batchingSchema.optional(),
  placement: z
    .strictObject({
      pin: z.array(placementRef).optional(),
      forbid: z.array(placementRef).optional(),
    })
    .optional(),
});
export type ServiceSpec = z.infer<typeof serviceSchema>;

export const nodeSchema = z.strictObject({
  name,
  /** Identical nodes of this kind. */
  count: z.number().int().min(1).default(1),
  gpus: z
    .strictObject({
      type: z.string().min(1),
      count: z.number().int().min(1),
      /** NVIDIA driver major version; MIG rules depend on it (e.g. 4g+3g needs R510+). */
      driver: z.number().int().positive().optional(),
    })
    .optional(),
  cpu: z.strictObject({ cores: z.number().int().min(1) }).optional(),
  memoryBytes: z.number().int().positive().optional(),
  /** Price of one node of this kind, $/h. */
  pricePerHour: z.number().min(0).optional(),
  labels: z.record(z.string(), z.string()).optional(),
});
export type NodeSpec = z.infer<typeof nodeSchema>;

export const objectivesSchema = z.strictObject({
  weights: z
    .strictObject({
      latency: z.number().min(0).default(0.5),
      throughput: z.number().min(0).default(0.3),
      cost: z.number().min(0).default(0.2),
    })
    .default({ latency: 0.5, throughput: 0.3, cost: 0.2 }),
  /** Plan for peak demand × headroom. */
  headroom: z.number().min(1).default(1.2),
});
export type ObjectivesSpec = z.infer<typeof objectivesSchema>;

export const fleetSchema = z.strictObject({
  apiVersion: z.literal('tessera.dev/v1alpha1'),
  kind: z.literal('Fleet'),
  metadata: z.strictObject({ name, labels: z.record(z.string(), z.string()).optional() }),
  models: z.array(modelSchema).min(1),
  services: z.array(serviceSchema).min(1),
  inventory: z.strictObject({ nodes: z.array(nodeSchema).min(1) }),
  objectives: objectivesSchema.default({ weights: { latency: 0.5, throughput: 0.3, cost: 0.2 }, headroom: 1.2 }),
});

/** A validated fleet with every default filled in. */
export type Fleet = z.infer<typeof fleetSchema>;
/** What a user writes: defaults may be left out. */
export type FleetInput = z.input<typeof fleetSchema>;
