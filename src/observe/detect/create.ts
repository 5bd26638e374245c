import { TesseraError } from '../../core/errors/index.js';
import { CusumDetector, type CusumOptions } from './cusum.js';
import { EwmaMadDetector, type EwmaMadOptions } from './ewma-mad.js';
import { SeasonalDetector, type SeasonalOptions } from './seasonal.js';
import type { AnomalyDetector, DetectorName, DetectorOutput, DetectorPoint } from './types.js';

export const DETECTOR_NAMES: readonly DetectorName[] = ['ewma-mad', 'seasonal', 'cusum'];

export function isDetectorName(name: string): name is DetectorName {
  return (DETECTOR_NAMES as readonly string[]).includes(name);
}

export type DetectorOptions =
  | ({ readonly detector: 'ewma-mad' } & EwmaMadOptions)
  | ({ readonly detector: 'seasonal' } & SeasonalOptions)
  | ({ readonly detector: 'cusum' } & CusumOptions);

/** A fresh detector by name; options are checked and every problem reported at once. */
export function createDetector(options: DetectorOptions): AnomalyDetector {
  switch (options.detector) {
    case 'ewma-mad':
      return new EwmaMadDetector(options);
    case 'seasonal':
      return new SeasonalDetector(options);
    case 'cusum':
      return new CusumDetector(options);
    default: {
      const name: string = (options as { detector: string }).detector;
      throw new TesseraError('TESSERA_ERR_OBSERVE_UNKNOWN_METHOD', `there is no detector '${name}'; use one of ${DETECTOR_NAMES.join(', ')}`, {
        details: { name, known: DETECTOR_NAMES },
      });
    }
  }
}

/** Scores a whole series in order (what `tessera detect` and the evaluation do). */
export function runDetector(detector: AnomalyDetector, points: readonly DetectorPoint[]): DetectorOutput[] {
  return points.map((p) => detector.update(p));
}
