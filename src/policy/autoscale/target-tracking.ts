import { checkStateTag, ProblemList } from '../policy-errors.js';

/**
 * A pure target-tracking autoscaler — the rule KServe/Knative, Ray Serve and BentoCloud share:
 * desired = ceil(load / targetPerReplica), then HPA-style stabilisation (kubernetes
 * pkg/controller/podautoscaler `stabilizeRecommendationWithBehaviors`): scale-up takes the lowest
 * recommendation of the last scaleUpStabilizationMs, scale-down the highest of the last
 * scaleDownStabilizationMs, so one quiet sample does not drop replicas that a burst will need
 * again. Bounds are applied last; from zero replicas any load scales to at least one at once
 * (Ray Serve bypasses its delays there too, or the first request would wait out the window).
 */
export interface TargetTrackingOptions {
  /** Load one replica should carry, in the unit of `load` (requests/s, concurrent requests…). */
  targetPerReplica: number;
  /** @default 1 */
  minReplicas?: number;
  maxReplicas: number;
  /** @default 300000 (5 min, the Kubernetes HPA default) */
  scaleDownStabilizationMs?: number;
  /** @default 0 */
  scaleUpStabilizationMs?: number;
  /** Hold when |load / (target · current) − 1| ≤ tolerance (HPA uses 0.1). @default 0 */
  tolerance?: number;
}

export interface ResolvedTargetTrackingConfig {
  readonly targetPerReplica: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly scaleDownStabilizationMs: number;
  readonly scaleUpStabilizationMs: number;
  readonly tolerance: number;
}

export interface AutoscaleSnapshot {
  readonly nowMs: number;
  readonly currentReplicas: number;
  /** Observed load, same unit as targetPerReplica. */
  readonly load: number;
  /** Optional forecast of the load a new replica would meet once warm; the larger of the two is used. */
  readonly predictedLoad?: number | undefined;
}

export interface AutoscaleDecision {
  readonly desiredReplicas: number;
  /** The unstabilised, unbounded recommendation ceil(load / target). */
  readonly recommendedReplicas: number;
  readonly reason: 'scale-up' | 'scale-down' | 'hold' | 'from-zero';
}

export interface TargetTrackingState {
  readonly policy: 'target-tracking';
  /** Recent recommendations (time, replicas), oldest first, within the longer window. */
  readonly recommendations: readonly (readonly [number, number])[];
}

export class TargetTrackingScaler {
  readonly config: ResolvedTargetTrackingConfig;

  constructor(options: TargetTrackingOptions) {
    const config: ResolvedTargetTrackingConfig = {
      targetPerReplica: options.targetPerReplica,
      minReplicas: options.minReplicas ?? 1,
      maxReplicas: options.maxReplicas,
      scaleDownStabilizationMs: options.scaleDownStabilizationMs ?? 300_000,
      scaleUpStabilizationMs: options.scaleUpStabilizationMs ?? 0,
      tolerance: options.tolerance ?? 0,
    };
    const problems = new ProblemList();
    problems.number('targetPerReplica', config.targetPerReplica, 0, true);
    problems.integer('minReplicas', config.minReplicas, 0);
    if (problems.integer('maxReplicas', config.maxReplicas, 1) && config.maxReplicas < config.minReplicas) {
      problems.add('maxReplicas', `${config.maxReplicas} is below minReplicas ${config.minReplicas}`);
    }
    problems.number('scaleDownStabilizationMs', config.scaleDownStabilizationMs, 0);
    problems.number('scaleUpStabilizationMs', config.scaleUpStabilizationMs, 0);
    problems.number('tolerance', config.tolerance, 0);
    problems.throwIfAny('target-tracking');
    this.config = Object.freeze(config);
  }

  initialState(): TargetTrackingState {
    return { policy: 'target-tracking', recommendations: [] };
  }

  decide(state: TargetTrackingState, snapshot: AutoscaleSnapshot): { decision: AutoscaleDecision; state: TargetTrackingState } {
    checkStateTag(state, 'target-tracking');
    const c = this.config;
    const { nowMs, currentReplicas } = snapshot;
    const load = Math.max(0, snapshot.load, snapshot.predictedLoad ?? 0);
    let recommended = Math.ceil(load / c.targetPerReplica);
    if (currentReplicas > 0 && c.tolerance > 0 && Math.abs(load / (c.targetPerReplica * currentReplicas) - 1) <= c.tolerance) {
      recommended = currentReplicas;
    }
    const windowMs = Math.max(c.scaleDownStabilizationMs, c.scaleUpStabilizationMs);
    const recommendations = [...state.recommendations.filter(([t]) => t > nowMs - windowMs && t <= nowMs), [nowMs, recommended] as const];
    const next: TargetTrackingState = { policy: 'target-tracking', recommendations };
    const clamp = (n: number): number => Math.min(c.maxReplicas, Math.max(c.minReplicas, n));

    if (currentReplicas === 0 && load > 0) {
      return { decision: { desiredReplicas: clamp(Math.max(1, recommended)), recommendedReplicas: recommended, reason: 'from-zero' }, state: next };
    }
    let upFloor = Infinity;
    let downCeiling = -Infinity;
    for (const [t, r] of recommendations) {
      if (t > nowMs - c.scaleUpStabilizationMs || t === nowMs) upFloor = Math.min(upFloor, r);
      if (t > nowMs - c.scaleDownStabilizationMs || t === nowMs) downCeiling = Math.max(downCeiling, r);
    }
    let desired = currentReplicas;
    if (desired < upFloor) desired = upFloor;
    if (desired > downCeiling) desired = downCeiling;
    desired = clamp(desired);
    const reason = desired > currentReplicas ? 'scale-up' : desired < currentReplicas ? 'scale-down' : 'hold';
    return { decision: { desiredReplicas: desired, recommendedReplicas: recommended, reason }, state: next };
  }
}

export function createTargetTrackingScaler(options: TargetTrackingOptions): TargetTrackingScaler {
  return new TargetTrackingScaler(options);
}
