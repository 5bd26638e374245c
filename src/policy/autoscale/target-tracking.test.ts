import { describe, expect, test } from 'vitest';
import { TesseraError } from '../../core/errors/index.js';
import { createTargetTrackingScaler, type TargetTrackingState } from './target-tracking.js';

const MIN = 60_000;

describe('target-tracking autoscaler', () => {
  test('desired replicas = ceil(load / target per replica), within [min, max]', () => {
    const scaler = createTargetTrackingScaler({ targetPerReplica: 100, minReplicas: 1, maxReplicas: 8, scaleDownStabilizationMs: 0 });
    const at = (load: number) => scaler.decide(scaler.initialState(), { nowMs: 0, currentReplicas: 2, load }).decision.desiredReplicas;
    expect(at(250)).toBe(3);
    expect(at(0)).toBe(1);
    expect(at(10_000)).toBe(8);
  });

  test('scales up at once but down only after the load stayed low for the stabilisation window', () => {
    const scaler = createTargetTrackingScaler({ targetPerReplica: 100, maxReplicas: 10, scaleDownStabilizationMs: 5 * MIN });
    let state: TargetTrackingState = scaler.initialState();
    let replicas = 1;
    const step = (nowMs: number, load: number) => {
      const r = scaler.decide(state, { nowMs, currentReplicas: replicas, load });
      state = r.state;
      replicas = r.decision.desiredReplicas;
      return r.decision;
    };
    expect(step(0, 600)).toMatchObject({ desiredReplicas: 6, reason: 'scale-up' });
    expect(step(1 * MIN, 150)).toMatchObject({ desiredReplicas: 6, reason: 'hold', recommendedReplicas: 2 });
    expect(step(4 * MIN, 150).desiredReplicas).toBe(6);
    expect(step(5 * MIN + 1, 150)).toMatchObject({ desiredReplicas: 2, reason: 'scale-down' });
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  test('from zero replicas any load brings one up immediately; a forecast can lead the observed load', () => {
    const scaler = createTargetTrackingScaler({ targetPerReplica: 10, minReplicas: 0, maxReplicas: 4, scaleUpStabilizationMs: MIN });
    expect(scaler.decide(scaler.initialState(), { nowMs: 0, currentReplicas: 0, load: 0.1 }).decision).toMatchObject({ desiredReplicas: 1, reason: 'from-zero' });
    expect(scaler.decide(scaler.initialState(), { nowMs: 0, currentReplicas: 1, load: 5, predictedLoad: 35 }).decision.desiredReplicas).toBe(4);
  });

  test('bad bounds are a coded error listing every problem', () => {
    let caught: unknown;
    try {
      createTargetTrackingScaler({ targetPerReplica: 0, minReplicas: 3, maxReplicas: 2 });
    } catch (err) {
      caught = err;
    }
    expect(caught instanceof TesseraError && caught.code).toBe('TESSERA_ERR_POLICY_CONFIG');
    expect((caught as TesseraError).details?.['problems']).toHaveLength(2);
  });
});
