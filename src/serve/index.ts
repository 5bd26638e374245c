export { startServer, type StartServerOptions, type RunningServer } from './server.js';
export { localPlan, type LocalPlanOptions } from './local-plan.js';
export { ModelPools, type PooledModelSpec, type ModelPoolsOptions } from './model-pools.js';
export { RuntimeRepository, type ServedModel } from './runtime-repository.js';
export { readOnnxSignature, type OnnxSignature } from './onnx-signature.js';
export { ServiceRuntime, type ServiceRuntimeOptions, type ReplicaSpec, type WarmupTimings } from './runtime/service-runtime.js';
export { runOpenLoop, runClosedLoop, type InferTarget, type LoadResult, type OpenLoopOptions, type ClosedLoopOptions } from './loadgen/load-generator.js';
export { LatencyRecorder, type LatencySummary } from './loadgen/latency-recorder.js';
export { createGateway, type Gateway, type GatewayAddress } from './http/index.js';
