import { CusumDetector } from './cusum.js';
import { EwmaMadDetector } from './ewma-mad.js';
import { SeasonalDetector } from './seasonal.js';
import { describeDetectorConformance } from './test-support/conformance.js';

// Every detector, in the configurations `tessera detect` and the controller use, keeps the contract.
describeDetectorConformance('ewma-mad (defaults)', () => new EwmaMadDetector());
describeDetectorConformance('ewma-mad (fast baseline, short window)', () => new EwmaMadDetector({ alpha: 0.5, scaleWindow: 20 }));
describeDetectorConformance('seasonal (defaults: week, then day)', () => new SeasonalDetector());
describeDetectorConformance('seasonal (1 h season, known step)', () => new SeasonalDetector({ seasonsMs: [3_600_000], stepMs: 60_000 }));
describeDetectorConformance('cusum (defaults)', () => new CusumDetector());
describeDetectorConformance('cusum (with trend)', () => new CusumDetector({ beta: 0.1 }));
describeDetectorConformance('cusum (on 1 h seasonal residuals)', () => new CusumDetector({ seasonsMs: [3_600_000] }));
describeDetectorConformance('seasonal (adaptive level, ±1 step neighbours)', () => new SeasonalDetector({ adaptLevel: true, neighbourSteps: 1 }));
