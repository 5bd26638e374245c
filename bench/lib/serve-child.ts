/**
 * A `tessera serve` process for the serving benchmark: the same `startServer` the CLI runs, with a
 * hand-written plan read from a file, in its own process so the benchmark can measure its RSS
 * alone and so the load generator does not share its event loop.
 *
 *     node --import tsx bench/lib/serve-child.ts <options.json>
 *
 * With `distDir` set, the server code is loaded from that compiled copy of src/ (what
 * `npm run build` makes), so session workers start as plain JavaScript, as in production, instead
 * of registering tsx and transpiling in every new worker thread.
 *
 * Prints one JSON line `{"url": …, "pid": …}` on stdout once every hot model is warm; drains and
 * exits on SIGTERM.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as CoreModule from '../../src/core/index.js';
import type { Plan } from '../../src/plan/plan-types.js';
import type * as ServeModule from '../../src/serve/index.js';
import type { ChildServerOptions } from './child-server.js';

const file = process.argv[2];
if (!file) throw new Error('usage: serve-child.ts <options.json>');
const o = JSON.parse(readFileSync(file, 'utf8')) as ChildServerOptions & { plan: Plan };
const from = (rel: string): string => (o.distDir ? pathToFileURL(path.join(o.distDir, rel)).href : new URL(`../../src/${rel.replace(/\.js$/, '.ts')}`, import.meta.url).href);
const { loadFleetFile, silentLogger } = (await import(from('core/index.js'))) as typeof CoreModule;
const { startServer } = (await import(from('serve/index.js'))) as typeof ServeModule;
const loaded = loadFleetFile(o.fleetFile);
const server = await startServer({
  loaded,
  plan: o.plan,
  logger: silentLogger(),
  port: 0,
  ...(o.coldBudgetBytes !== undefined ? { coldBudgetBytes: o.coldBudgetBytes } : {}),
  ...(o.keepAliveMs !== undefined ? { keepAlive: { policy: 'fixed', keepAliveMs: o.keepAliveMs } } : {}),
  ...(o.keepAliveTickMs !== undefined ? { keepAliveTickMs: o.keepAliveTickMs } : {}),
  ...(o.maxQueueItems !== undefined ? { maxQueueItems: o.maxQueueItems } : {}),
  ...(o.requestTimeoutMs !== undefined ? { requestTimeoutMs: o.requestTimeoutMs } : {}),
});
if (server.startFailures.length > 0) {
  process.stderr.write(`serve-child: failed to start ${server.startFailures.map((f) => `${f.name}: ${String(f.error)}`).join('; ')}\n`);
  process.exit(1);
}
process.stdout.write(`${JSON.stringify({ url: server.address.url, pid: process.pid })}\n`);
process.once('SIGTERM', () => {
  server.drain().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
