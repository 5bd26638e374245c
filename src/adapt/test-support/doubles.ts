import type { Cluster, RepackScope, ReplicaState, ServiceState } from '../cluster.js';
import type { MetricQuery, MetricSample, MetricSeries, MetricsSource, RangeWindow } from '../metrics-source.js';

export type ClusterCall =
  | { readonly method: 'restartReplica'; readonly replicaId: string }
  | { readonly method: 'scaleService'; readonly service: string; readonly replicas: number }
  | { readonly method: 'setBatchSizeCap'; readonly service: string; readonly maxBatchSize: number }
  | { readonly method: 'setAdmissionCap'; readonly service: string; readonly maxRps: number | undefined }
  | { readonly method: 'repack'; readonly scope: RepackScope };

/**
 * An in-memory Cluster DOUBLE for tests: it keeps service state, applies every action to it at
 * once and records each call, so a test can assert exactly what the controller did.
 */
export class MemoryClusterDouble implements Cluster {
  readonly calls: ClusterCall[] = [];
  readonly services = new Map<string, ServiceState>();
  replicas: ReplicaState[] = [];
  /** Set to make the next calls of a method throw (an executor failing). */
  failing = new Set<ClusterCall['method'] | 'listServices'>();

  constructor(services: readonly ServiceState[], replicas: readonly ReplicaState[] = []) {
    for (const s of services) this.services.set(s.name, s);
    this.replicas = [...replicas];
  }

  private guard(method: ClusterCall['method'] | 'listServices'): void {
    if (this.failing.has(method)) throw new Error(`${method} failed (double told to fail)`);
  }

  private update(name: string, patch: Partial<ServiceState>): void {
    const s = this.services.get(name);
    if (s === undefined) throw new Error(`no service ${name}`);
    this.services.set(name, { ...s, ...patch });
  }

  listServices(): Promise<readonly ServiceState[]> {
    this.guard('listServices');
    return Promise.resolve([...this.services.values()]);
  }
  listReplicas(service?: string): Promise<readonly ReplicaState[]> {
    return Promise.resolve(this.replicas.filter((r) => service === undefined || r.service === service));
  }
  restartReplica(replicaId: string): Promise<void> {
    this.guard('restartReplica');
    this.calls.push({ method: 'restartReplica', replicaId });
    return Promise.resolve();
  }
  scaleService(service: string, replicas: number): Promise<void> {
    this.guard('scaleService');
    this.calls.push({ method: 'scaleService', service, replicas });
    this.update(service, { replicas });
    return Promise.resolve();
  }
  setBatchSizeCap(service: string, maxBatchSize: number): Promise<void> {
    this.guard('setBatchSizeCap');
    this.calls.push({ method: 'setBatchSizeCap', service, maxBatchSize });
    this.update(service, { maxBatchSize });
    return Promise.resolve();
  }
  setAdmissionCap(service: string, maxRps: number | undefined): Promise<void> {
    this.guard('setAdmissionCap');
    this.calls.push({ method: 'setAdmissionCap', service, maxRps });
    this.update(service, { admissionCapRps: maxRps });
    return Promise.resolve();
  }
  repack(scope: RepackScope): Promise<void> {
    this.guard('repack');
    this.calls.push({ method: 'repack', scope });
    return Promise.resolve();
  }
}

export interface ScriptedValues {
  /** p99 latency, ms, per service. */
  p99Ms?: Record<string, number>;
  /** Request rate per service and status. */
  rps?: Record<string, Record<string, number>>;
  queueDepth?: Record<string, number>;
  /** Fragmentation per GPU label. */
  fragmentation?: Record<string, number>;
}

/**
 * A scripted MetricsSource double: the test sets what the "current" metrics are before each
 * tick; range queries return `rangeSeries`. `throwOnNext` makes the next call fail.
 */
export class ScriptedMetricsSource implements MetricsSource {
  values: ScriptedValues = {};
  rangeSeries: MetricSeries[] = [];
  throwOnNext = 0;
  readonly queries: MetricQuery[] = [];

  private maybeThrow(): void {
    if (this.throwOnNext > 0) {
      this.throwOnNext--;
      throw new Error('scripted metrics source failure');
    }
  }

  instant(query: MetricQuery, atMs = 0): Promise<readonly MetricSample[]> {
    this.queries.push(query);
    this.maybeThrow();
    const v = this.values;
    const out: MetricSample[] = [];
    switch (query.metric) {
      case 'tessera_serve_request_duration_seconds':
        for (const [model, ms] of Object.entries(v.p99Ms ?? {})) out.push({ labels: { model }, value: ms / 1000, timeMs: atMs });
        break;
      case 'tessera_serve_requests_total':
        for (const [model, byStatus] of Object.entries(v.rps ?? {})) for (const [status, r] of Object.entries(byStatus)) out.push({ labels: { model, status }, value: r, timeMs: atMs });
        break;
      case 'tessera_serve_queue_depth':
        for (const [model, d] of Object.entries(v.queueDepth ?? {})) out.push({ labels: { model }, value: d, timeMs: atMs });
        break;
      case 'tessera_gpu_memory_fragmentation_ratio':
        for (const [gpu, f] of Object.entries(v.fragmentation ?? {})) out.push({ labels: { gpu }, value: f, timeMs: atMs });
        break;
      default:
        break;
    }
    return Promise.resolve(out);
  }

  range(query: MetricQuery, window: RangeWindow): Promise<readonly MetricSeries[]> {
    void window;
    this.queries.push(query);
    this.maybeThrow();
    return Promise.resolve(this.rangeSeries);
  }
}
