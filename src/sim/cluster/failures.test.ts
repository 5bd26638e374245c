import { describe, expect, test } from 'vitest';
import { ClusterSimulation } from './cluster-simulation.js';
import { parseFailureFlag } from './failures.js';
import { simulatePlan } from './simulate-plan.js';
import { fixtureOptions, type FixtureService } from './test-support/cluster-fixture.js';

/** One hot replica, 100 ms batches of one, restart = 500 ms load + 100 ms warm-up. */
const svc = (arrivals: readonly number[], extra: Partial<FixtureService> = {}): FixtureService => ({ name: 's', batchMs: 100, loadMs: 500, firstInferenceMs: 100, arrivals, ...extra });

describe('injected failures', () => {
  test('a crash at t fails the in-flight batch (status error) and the replica serves again after its load time', () => {
    // Batches: [0, 100) for the request at 0, [100, 200) for the one at 50 — crashed at 150.
    const o = fixtureOptions({ services: [svc([0, 50, 160, 300])] }, { durationMs: 2000, failures: [{ atMs: 150, replica: 's/0' }] });
    const sim = new ClusterSimulation(o);
    sim.runUntil(150);
    expect(sim.replicas('s')).toEqual([{ id: 's/0', service: 's', slice: 'local/cpu@0', node: 'local', gpu: undefined, ready: false }]);
    expect(sim.counters('s')[0]?.requests).toEqual({ ok: 1, dropped: 0, error: 1 });
    sim.runUntil(749);
    expect(sim.replicas('s')[0]?.ready).toBe(false);
    expect(sim.counters('s')[0]?.queueDepth).toBe(2);
    sim.runUntil(750);
    expect(sim.replicas('s')[0]?.ready).toBe(true);
    sim.runUntil(2000);
    const r = sim.result().services[0]!;
    expect(r).toMatchObject({ requests: 4, completed: 3, failed: 1, dropped: 0, restarts: 1 });
    // The request at 160 waited for the restart (back at 750) and its batch: done at 850.
    expect(r.latencyCdf.at(-1)?.ms).toBeCloseTo(690, 0);
  });

  test('a failure naming a service crashes every replica of it', () => {
    const r = simulatePlan(fixtureOptions({ services: [svc([0, 10], { replicas: 2 })] }, { durationMs: 2000, failures: [{ atMs: 50, service: 's' }] }));
    expect(r.services[0]).toMatchObject({ failed: 2, completed: 0, restarts: 2 });
  });

  test('the batch that was running counts as busy time up to the crash', () => {
    const r = simulatePlan(fixtureOptions({ services: [svc([0])] }, { durationMs: 1000, failures: [{ atMs: 40, replica: 's/0' }] }));
    expect(r.slices[0]?.utilization).toBeCloseTo(40 / 1000, 9);
  });

  test('a failure for a replica or service the plan lacks, or at a bad time, is a coded error', () => {
    const base = { services: [svc([])] };
    expect(() => new ClusterSimulation(fixtureOptions(base, { durationMs: 10, failures: [{ atMs: 1, replica: 's/7' }] }))).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_SIM_UNKNOWN_TARGET' }) as Error);
    expect(() => new ClusterSimulation(fixtureOptions(base, { durationMs: 10, failures: [{ atMs: 1, service: 'ghost' }] }))).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_SIM_UNKNOWN_TARGET' }) as Error);
    expect(() => new ClusterSimulation(fixtureOptions(base, { durationMs: 10, failures: [{ atMs: -1, replica: 's/0' }] }))).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_SIM_OPTION' }) as Error);
  });
});

describe('parseFailureFlag (--fail)', () => {
  test('reads <replica>@<time> and <service>@<time>', () => {
    expect(parseFailureFlag('ocr-det/0@30s')).toEqual({ atMs: 30_000, replica: 'ocr-det/0' });
    expect(parseFailureFlag('ocr-det@1m30s')).toEqual({ atMs: 90_000, service: 'ocr-det' });
    expect(parseFailureFlag('a/1@250')).toEqual({ atMs: 250, replica: 'a/1' });
  });

  test.each(['ocr-det/0', '@30s', 'ocr-det/0@', 'ocr-det/0@soon'])('%s is TESSERA_ERR_SIM_OPTION', (text) => {
    expect(() => parseFailureFlag(text)).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_SIM_OPTION' }) as Error);
  });
});
