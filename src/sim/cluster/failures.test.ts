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

  test('a faulty replica stays ready but fails every batch it finishes, until a restart replaces its worker', () => {
    // Batches of 100 ms: requests at 0 … 900 ms; faulty from 250 ms, restarted at 550 ms (back at 1150).
    const arrivals = Array.from({ length: 10 }, (_, i) => i * 100);
    const sim = new ClusterSimulation(fixtureOptions({ services: [svc(arrivals)] }, { durationMs: 3000, failures: [{ atMs: 250, replica: 's/0', kind: 'faulty' }] }));
    sim.runUntil(500);
    // The batches ending at 100 and 200 were served; those ending at 300, 400, 500 failed.
    expect(sim.counters('s')[0]?.requests).toEqual({ ok: 2, dropped: 0, error: 3 });
    expect(sim.replicas('s')[0]?.ready).toBe(true);
    sim.runUntil(550);
    sim.restartReplica('s/0');
    sim.runUntil(3000);
    const r = sim.result().services[0]!;
    // The restart fails the batch it cut short (the request at 500), then everything is served.
    expect(r).toMatchObject({ requests: 10, completed: 6, failed: 4, dropped: 0, restarts: 1 });
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

  test('an optional :kind after the time: faulty, or crash (the default)', () => {
    expect(parseFailureFlag('ocr-det/0@30s:faulty')).toEqual({ atMs: 30_000, replica: 'ocr-det/0', kind: 'faulty' });
    expect(parseFailureFlag('ocr-det@1m:crash')).toEqual({ atMs: 60_000, service: 'ocr-det' });
  });

  test.each(['ocr-det/0', '@30s', 'ocr-det/0@', 'ocr-det/0@soon', 'ocr-det/0@30s:flaky', 'ocr-det/0@:faulty'])('%s is TESSERA_ERR_SIM_OPTION', (text) => {
    expect(() => parseFailureFlag(text)).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_SIM_OPTION' }) as Error);
  });
});
