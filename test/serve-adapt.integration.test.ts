import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TickReport } from '../src/adapt/index.js';
import { parseFleetText, silentLogger, type LoadedFleet } from '../src/core/index.js';
import { JsonlEventLog, readEventLog } from '../src/observe/index.js';
import { startServer, type RunningServer } from '../src/serve/index.js';
import { FRAUD_INFER_BODY, fraudFleet } from '../src/serve/test-support/fraud-fleet.js';
import { postJson } from './support/http.js';
import { sleep } from './support/wait.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// A 1 ms SLO on the fraud MLP: with a 2 ms batching delay every p99 breaches it, so the controller
// must act — first scale-out (1 → 2 replicas, what a 2-thread budget allows), then at the ceiling
// halve the batch cap; once the load stops the batch step raises the cap back to the plan's 64.
const { yaml: FLEET, plan: PLAN } = fraudFleet({ name: 'adapt-e2e', cores: 2, services: [{ name: 'fraud', sloP99Ms: 1, rps: 100, slice: 'local/cpu@0' }], utilization: 0.2 });

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const by = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > by) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

describe('tessera serve with the adapt controller (real runtime, in-process history, JSONL event log)', () => {
  let server: RunningServer;
  let tmp = '';
  let events: JsonlEventLog;
  const ticks: TickReport[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tessera-adapt-'));
    events = new JsonlEventLog(path.join(tmp, 'events.jsonl'));
    const loaded: LoadedFleet = { fleet: parseFleetText(FLEET), file: undefined, baseDir: ROOT };
    server = await startServer({
      loaded,
      plan: PLAN,
      logger: silentLogger(),
      port: 0,
      modelCacheDir: path.join(ROOT, '.tessera/models'),
      adapt: {
        intervalMs: 500,
        sampleIntervalMs: 200,
        threadBudget: 2,
        events,
        controller: { detection: { windowMs: 2000 }, batchRecovery: { calmTicks: 2, holdAfterLowerMs: 0, cooldownMs: 0 } },
        onTick: (r) => ticks.push(r),
      },
    });
  });
  afterAll(async () => {
    await server?.drain();
    if (tmp !== '') await rm(tmp, { recursive: true, force: true });
  });

  test('an SLO breach under load scales out, then lowers the batch cap at the ceiling; calm raises it back', async () => {
    const runtime = server.pools.peek('fraud');
    if (runtime === undefined) throw new Error('fraud is a hot model and should be resident');
    expect(runtime.replicas()).toHaveLength(1);
    const url = `${server.address.url}/v2/models/fraud/infer`;
    let sending = true;
    const statuses: number[] = [];
    const senders = Array.from({ length: 4 }, async () => {
      while (sending) {
        statuses.push(await postJson(url, FRAUD_INFER_BODY).catch(() => 0));
        await sleep(5);
      }
    });

    try {
      await until('a scale-out to 2 replicas and a lowered batch cap', () => runtime.replicas().length === 2 && runtime.batchSizeCap !== undefined, 30_000);
    } finally {
      sending = false;
      await Promise.all(senders);
    }
    // What the controller did is what the runtime now runs: 2 warmed replicas, batches capped at 32.
    expect(runtime.replicas().map((r) => [r.id, r.ready, r.maxBatchSize])).toEqual([
      ['fraud-0', true, 32],
      ['fraud-1', true, 32],
    ]);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    // No load: the service is calm (idle), so the batch step raises the cap back to the plan's.
    await until('the batch cap raised back to 64', () => runtime.batchSizeCap === undefined && runtime.replicas().every((r) => r.maxBatchSize === 64), 15_000);

    const actions = ticks.flatMap((t) => t.actions.map((a) => a.action));
    expect(actions.slice(0, 3)).toEqual(['scale-out', 'lower-batch-size', 'raise-batch-size']);
    expect(ticks.flatMap((t) => t.errors)).toEqual([]);
    const signals = ticks.find((t) => t.actions.some((a) => a.action === 'scale-out'))?.signals['fraud'];
    expect(signals?.p99Ms).toBeGreaterThan(1);
    expect(signals?.totalRps).toBeGreaterThan(10);

    // /metrics shows the controller's counters next to the serving ones.
    const text = await (await fetch(`${server.address.url}/metrics`)).text();
    expect(text).toContain('tessera_adapt_actions_total{action="scale-out",dry_run="false"} 1');
    expect(text).toContain('tessera_adapt_actions_total{action="lower-batch-size",dry_run="false"} 1');
    expect(text).toMatch(/tessera_adapt_actions_total\{action="raise-batch-size",dry_run="false"\} [1-9]/);
    expect(text).toMatch(/tessera_adapt_step_duration_seconds_count\{step="batch"\} [1-9]/);

    // The JSONL event log (what `tessera events` reads) has each action with its reason.
    await events.flush();
    const { events: logged } = await readEventLog(events.file, { kinds: ['remediation.*', 'batch.*'] });
    expect(logged.map((e) => e.kind).slice(0, 3)).toEqual(['remediation.scale-out', 'remediation.lower-batch-size', 'batch.raise-batch-size']);
    expect(logged[0]?.reason).toMatch(/^scale fraud out from 1 to 2 replicas because p99 [0-9.]+ ms against a 1 ms SLO/);
    expect(logged[1]?.reason).toMatch(/^halve fraud's batch size cap from 64 to 32 because p99/);
    expect(logged[2]?.reason).toMatch(/^raise fraud's batch size cap from 32 to 64 \(planned 64\): no requests for 2 ticks$/);
  });

  test('bad adapt options are refused before a port is bound or a model loaded, every problem at once', async () => {
    const loaded: LoadedFleet = { fleet: parseFleetText(FLEET), file: undefined, baseDir: ROOT };
    const started = startServer({ loaded, plan: PLAN, logger: silentLogger(), port: 0, adapt: { intervalMs: 0, threadBudget: 0.5, events, controller: { batchRecovery: { calmTicks: 0 } } } });
    await expect(started).rejects.toMatchObject({ code: 'TESSERA_ERR_ADAPT_CONFIG', message: expect.stringMatching(/3 problem.*intervalMs.*\n.*threadBudget.*\n.*controller\.batchRecovery\.calmTicks/s) as string });
  });
});
