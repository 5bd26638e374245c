import { Counter, Histogram, Registry } from 'prom-client';

/** Step durations: a tick should take milliseconds; a slow Prometheus shows up in the top buckets. */
const STEP_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The controller's own metrics (docs/adapt.md); registered on the registry the caller passes. */
export class ControllerMetrics {
  readonly registry: Registry;
  readonly stepDuration: Histogram<'step'>;
  readonly stepErrors: Counter<'step'>;
  readonly actions: Counter<'action' | 'dry_run'>;
  readonly suppressed: Counter<'action' | 'reason'>;
  readonly anomalies: Counter<'kind'>;

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    this.stepDuration = new Histogram({ name: 'tessera_adapt_step_duration_seconds', help: 'Time each controller step took per tick.', labelNames: ['step'], buckets: STEP_BUCKETS_S, registers });
    this.stepErrors = new Counter({ name: 'tessera_adapt_step_errors_total', help: 'Controller steps that failed (caught, logged; the loop went on).', labelNames: ['step'], registers });
    this.actions = new Counter({ name: 'tessera_adapt_actions_total', help: 'Remediation and pre-scale actions taken (dry_run="true": logged only).', labelNames: ['action', 'dry_run'], registers });
    this.suppressed = new Counter({ name: 'tessera_adapt_actions_suppressed_total', help: 'Actions a rule asked for but its cooldown or rate limit held back.', labelNames: ['action', 'reason'], registers });
    this.anomalies = new Counter({ name: 'tessera_adapt_anomalies_total', help: 'Anomalies detected (counted at onset).', labelNames: ['kind'], registers });
  }
}
