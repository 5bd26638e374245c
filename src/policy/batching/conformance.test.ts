import { createBatchPolicy } from './create.js';
import { describeBatchPolicyConformance } from './test-support/conformance.js';

// Every batching policy, in the configurations the simulator and runtime will use, keeps the contract.
describeBatchPolicyConformance('none', () => createBatchPolicy({ policy: 'none', maxBatchSize: 8 }));
describeBatchPolicyConformance('triton, no delay', () => createBatchPolicy({ policy: 'triton', maxBatchSize: 8 }));
describeBatchPolicyConformance('triton, 5 ms delay, preferred 4 and 6', () =>
  createBatchPolicy({ policy: 'triton', maxBatchSize: 8, maxQueueDelayMs: 5, preferredBatchSizes: [4, 6] }),
);
describeBatchPolicyConformance('adaptive', () =>
  createBatchPolicy({ policy: 'adaptive', maxBatchSize: 8, maxQueueDelayMs: 4, adaptive: { targetThroughputPerS: 800, controlIntervalMs: 50 } }),
);
describeBatchPolicyConformance('aimd (Clipper code)', () => createBatchPolicy({ policy: 'aimd', maxBatchSize: 16, sloMs: 60, aimd: { seed: 7 } }));
describeBatchPolicyConformance('aimd (Clipper paper)', () =>
  createBatchPolicy({ policy: 'aimd', maxBatchSize: 16, sloMs: 60, maxQueueDelayMs: 3, aimd: { variant: 'paper' } }),
);
describeBatchPolicyConformance('slo-aware', () =>
  createBatchPolicy({ policy: 'slo-aware', maxBatchSize: 8, sloMs: 50, serviceTimePrior: { baseMs: 2, perItemMs: 0.5 } }),
);
describeBatchPolicyConformance('slo-aware with a wait cap', () =>
  createBatchPolicy({ policy: 'slo-aware', maxBatchSize: 8, sloMs: 50, maxQueueDelayMs: 6 }),
);
