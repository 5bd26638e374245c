import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ServeMetrics } from './serve-metrics.js';

describe('ServeMetrics', () => {
  const m = new ServeMetrics({ defaultMetrics: false });
  const names = m.registry.getMetricsAsArray().map((x) => x.name);

  test('every metric follows tessera_<subsystem>_<what>_<unit> and counters end in _total', () => {
    for (const metric of m.registry.getMetricsAsArray()) {
      expect(metric.name).toMatch(/^tessera_serve_[a-z_]+$/);
      const type = (metric as unknown as { type: string }).type;
      if (type === 'counter') expect(metric.name).toMatch(/_total$/);
      if (/duration|seconds/.test(metric.name)) expect(metric.name).toMatch(/_seconds$/);
    }
  });

  test('docs/metrics.md lists every metric the runtime exports', () => {
    const doc = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
    for (const name of names) expect(doc, name).toContain(`\`${name}\``);
  });

  test('process metrics are exported under the tessera_ prefix', async () => {
    const withDefaults = new ServeMetrics();
    expect(await withDefaults.metricsText()).toContain('tessera_process_cpu_seconds_total');
  });
});
