import { describe, expect, test } from 'vitest';
import type { TickReport } from '../../adapt/index.js';
import { MemoryEventLog } from '../../observe/index.js';
import type { FailureSpec } from './options.js';
import type { SimulationResult } from './result-types.js';
import { simulateWithController } from './simulate-adapt.js';
import { simulatePlan } from './simulate-plan.js';
import { fixtureOptions, type FixtureService } from './test-support/cluster-fixture.js';

/**
 * One hot service, batches of one taking 10 ms (100 req/s per replica), a 100 ms SLO, and a new
 * replica (or a restart) serving after 2 s load + 0.2 s warm-up.
 */
const service = (extra: Partial<FixtureService> = {}): FixtureService => ({ name: 's', batchMs: 10, loadMs: 2000, firstInferenceMs: 200, maxBatchSize: 1, sloMs: 100, ...extra });
const FIVE_MIN = 300_000;
const stable = (r: SimulationResult): SimulationResult => ({ ...r, summary: { ...r.summary, wallMs: 0 } });

describe('simulateWithController: the adapt controller in the loop, on virtual time', () => {
  test('overload: 150 req/s against one 100 req/s replica — the controller scales out through the port and drops and SLO misses fall', async () => {
    const fx = { services: [service({ rps: 150, maxReplicas: 3 })] };
    const without = simulatePlan(fixtureOptions(fx, { durationMs: FIVE_MIN })).services[0]!;
    const events = new MemoryEventLog();
    const { result, adapt } = await simulateWithController({ ...fixtureOptions(fx, { durationMs: FIVE_MIN }), adapt: { events } });
    const withController = result.services[0]!;

    // Without it a third of the traffic is refused and almost nothing meets the SLO for the whole run.
    expect(without.dropped / without.requests).toBeGreaterThan(0.25);
    expect(without.sloAttainment).toBeLessThan(0.5);
    // With it the overload lasts until the first tick plus the new replica's start-up.
    expect(withController.requests).toBe(without.requests);
    expect(withController.dropped).toBeLessThan(without.dropped / 5);
    expect(withController.sloAttainment).toBeGreaterThan(0.9);

    const scaleOuts = adapt.actions.filter((a) => a.action === 'scale-out');
    expect(scaleOuts[0]).toMatchObject({ timeMs: 10_000, subject: 'service/s', dryRun: false });
    expect(scaleOuts[0]?.reason).toMatch(/scale s out from 1 to 2 replicas because/);
    // Never past the spec's maxReplicas, and the replicas it asked for are in the report.
    expect(adapt.replicas['s']).toMatchObject({ initial: 1 });
    expect(adapt.replicas['s']!.peak).toBeGreaterThanOrEqual(2);
    expect(adapt.replicas['s']!.peak).toBeLessThanOrEqual(3);
    expect(adapt.anomalies['latency-slo-breach']).toBeGreaterThanOrEqual(1);
    expect(adapt.ticks).toBe(29);
    expect(adapt.errorCount).toBe(0);
    // More replicas cost more replica-time: the replicas it added count from their start.
    expect(withController.residentMs).toBeGreaterThan(without.residentMs);
    expect(events.events({ kinds: ['remediation.scale-out'] }).map((e) => e.timeMs)).toEqual(scaleOuts.map((a) => a.timeMs));
  });

  test('a faulty replica (every batch fails) is seen as an error rate and restarted per the rule table', async () => {
    const failures: FailureSpec[] = [{ atMs: 60_000, replica: 's/0', kind: 'faulty' }];
    const fx = { services: [service({ rps: 50 })] };
    const without = simulatePlan(fixtureOptions(fx, { durationMs: FIVE_MIN, failures })).services[0]!;
    const events = new MemoryEventLog();
    const { result, adapt } = await simulateWithController({ ...fixtureOptions(fx, { durationMs: FIVE_MIN, failures }), adapt: { events } });
    const withController = result.services[0]!;

    // Left alone, the replica fails everything from 60 s to the end.
    expect(without.failed / without.requests).toBeGreaterThan(0.7);
    expect(without.restarts).toBe(0);
    // The first tick whose window shows the errors restarts it; the restart cures it.
    const restarts = adapt.actions.filter((a) => a.action === 'restart-worker');
    expect(restarts).toHaveLength(1);
    expect(restarts[0]?.timeMs).toBeGreaterThan(60_000);
    expect(restarts[0]?.timeMs).toBeLessThanOrEqual(80_000);
    expect(restarts[0]?.reason).toMatch(/restart replica s\/0 of s because .* failed/);
    expect(withController.restarts).toBe(1);
    expect(withController.failed).toBeLessThan(without.failed / 10);
    expect(adapt.anomalies['error-rate']).toBe(1);
    const kinds = events.events().map((e) => e.kind);
    expect(kinds).toContain('anomaly.detected');
    expect(kinds).toContain('remediation.restart-worker');
    expect(kinds).toContain('anomaly.cleared');
  });

  test('dry-run: the result is the run without a controller, and every action it would take is listed and logged', async () => {
    const failures: FailureSpec[] = [{ atMs: 60_000, replica: 's/0', kind: 'faulty' }];
    const fx = { services: [service({ rps: 150, maxReplicas: 3 })] };
    const without = simulatePlan(fixtureOptions(fx, { durationMs: FIVE_MIN, failures }));
    const events = new MemoryEventLog();
    const { result, adapt } = await simulateWithController({ ...fixtureOptions(fx, { durationMs: FIVE_MIN, failures }), adapt: { dryRun: true, events } });

    expect(stable(result)).toEqual(stable(without));
    expect(adapt.dryRun).toBe(true);
    expect(adapt.actions.length).toBeGreaterThan(0);
    expect(adapt.actions.every((a) => a.dryRun)).toBe(true);
    expect(adapt.actions.map((a) => a.action)).toEqual(expect.arrayContaining(['scale-out', 'restart-worker']));
    // Nothing was scaled, so the replica count it reports is the plan's throughout.
    expect(adapt.replicas['s']).toEqual({ initial: 1, final: 1, peak: 1 });
    const logged = events.events({ kinds: ['remediation.*'] });
    expect(logged).toHaveLength(adapt.actions.length);
    expect(logged.every((e) => e.reason.startsWith('dry run, not taken:') && e.details?.['dryRun'] === true)).toBe(true);
  });

  test('deterministic for a seed: the same actions at the same virtual times and the same result; another seed differs', async () => {
    // Poisson arrivals and log-normal batch times: noise the seed decides.
    const fx = { services: [service({ rps: 150, maxReplicas: 4, p99OverP50: 2, batchMs: (b: number) => 8 + b, maxBatchSize: 4, policy: 'triton', maxQueueDelayMs: 2 })] };
    const run = async (seed: number): Promise<unknown> => {
      const { result, adapt } = await simulateWithController({ ...fixtureOptions(fx, { durationMs: 120_000, seed, failures: [{ atMs: 40_000, replica: 's/0', kind: 'faulty' }] }), adapt: {} });
      return { result: stable(result), adapt };
    };
    const a = await run(3);
    expect(await run(3)).toEqual(a);
    expect(await run(4)).not.toEqual(a);
    expect((a as { adapt: { actions: unknown[] } }).adapt.actions.length).toBeGreaterThan(0);
  });

  test('the controller reads the simulation as the runtime’s series: rates and p99 from the counters, at tick instants', async () => {
    const ticks: TickReport[] = [];
    const { result } = await simulateWithController({ ...fixtureOptions({ services: [service({ rps: 50 })] }, { durationMs: 125_000 }), adapt: { intervalMs: 20_000, sampleIntervalMs: 5_000, onTick: (r) => ticks.push(r) } });
    expect(ticks.map((t) => t.nowMs)).toEqual([20_000, 40_000, 60_000, 80_000, 100_000, 120_000]);
    const late = ticks.at(-1)!.signals['s']!;
    // Poisson at 50 req/s over a 60 s window: within 15 %.
    expect(late.totalRps).toBeGreaterThan(50 * 0.85);
    expect(late.totalRps).toBeLessThan(50 * 1.15);
    expect(late.errorRate).toBe(0);
    // histogram_quantile over the serving buckets: near the simulation's own p99 (exact, from its
    // HDR histogram), within the SLO, and at least one batch time.
    const p99 = result.services[0]!.p99Ms;
    expect(late.p99Ms).toBeGreaterThan(10);
    expect(late.p99Ms).toBeLessThan(100);
    expect(late.p99Ms / p99).toBeGreaterThan(0.5);
    expect(late.p99Ms / p99).toBeLessThan(2);
    expect(ticks.every((t) => t.actions.length === 0)).toBe(true);
  });

  test('bad loop or controller options are refused together before anything runs (TESSERA_ERR_ADAPT_CONFIG)', async () => {
    const o = fixtureOptions({ services: [service()] }, { durationMs: 10_000 });
    const err = await simulateWithController({ ...o, adapt: { intervalMs: 0, sampleIntervalMs: Number.NaN, controller: { shedFactor: 2 } } }).then(
      () => undefined,
      (e: unknown) => e as { code: string; details: { problems: string[] } },
    );
    expect(err?.code).toBe('TESSERA_ERR_ADAPT_CONFIG');
    expect(err?.details.problems).toEqual([expect.stringMatching(/^intervalMs/), expect.stringMatching(/^sampleIntervalMs/), expect.stringMatching(/^controller\.shedFactor/)]);
  });
});
