/**
 * A tensor in host memory as it crosses the worker boundary (its buffer is transferred, not
 * copied). The same structure the profiler builds inputs in, so warm-up batches and decoded
 * requests pass through unchanged.
 */
export type { InputTensor as HostTensor, TensorData as HostTensorData } from '../../profile/index.js';
export { elementCount } from '../../profile/index.js';
