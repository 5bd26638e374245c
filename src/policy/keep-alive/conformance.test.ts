import { createKeepAlivePolicy } from './create.js';
import { describeKeepAliveConformance } from './test-support/conformance.js';

describeKeepAliveConformance('fixed 10 min', () => createKeepAlivePolicy({ policy: 'fixed' }));
describeKeepAliveConformance('fixed, never unload', () => createKeepAlivePolicy({ policy: 'fixed', keepAliveMs: Infinity }), { mayKeepForever: true });
describeKeepAliveConformance('hybrid histogram', () => createKeepAlivePolicy({ policy: 'hybrid-histogram' }));
describeKeepAliveConformance('hybrid histogram, short range (exercises out-of-bounds)', () =>
  createKeepAlivePolicy({ policy: 'hybrid-histogram', rangeMs: 30 * 60_000 }),
);
describeKeepAliveConformance('hybrid histogram, fixed out-of-bounds fallback', () =>
  createKeepAlivePolicy({ policy: 'hybrid-histogram', rangeMs: 30 * 60_000, oobFallback: 'fixed' }),
);
describeKeepAliveConformance('forecast pre-warm', () =>
  createKeepAlivePolicy({ policy: 'forecast', historyBuckets: 120, horizonMs: 30 * 60_000 }),
);
