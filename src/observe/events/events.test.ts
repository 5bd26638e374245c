import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { isTesseraError } from '../../core/errors/index.js';
import { JsonlEventLog, parseEventLine, readEventLog } from './jsonl-log.js';
import { MemoryEventLog } from './memory-log.js';
import type { TesseraEvent } from './types.js';

const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-events-'));
  dirs.push(dir);
  return path.join(dir, 'logs', 'events.jsonl');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ev = (i: number, kind = 'remediation.restart', subject = 'service/ocr'): TesseraEvent => ({
  timeMs: 1_700_000_000_000 + i * 1000,
  kind,
  subject,
  reason: `worker crashed ${i} times`,
  details: { i },
});

describe('JsonlEventLog', () => {
  test('writes one JSON line per event with an ISO time, creating the folder', async () => {
    const file = tempFile();
    const log = new JsonlEventLog(file);
    log.append(ev(1));
    await log.flush();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({ time: '2023-11-14T22:13:21.000Z', timeMs: 1_700_000_001_000, kind: 'remediation.restart', subject: 'service/ocr', reason: 'worker crashed 1 times', details: { i: 1 } });
  });

  test('appends from many concurrent callers all land, whole and in order', async () => {
    const file = tempFile();
    const log = new JsonlEventLog(file);
    await Promise.all(Array.from({ length: 500 }, (_, i) => Promise.resolve().then(() => log.append(ev(i)))));
    await log.flush();
    const { events, skippedLines } = await readEventLog(file);
    expect(skippedLines).toBe(0);
    expect(events.map((e) => (e.details as { i: number }).i)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(log.stats()).toMatchObject({ appended: 500, written: 500, dropped: 0 });
  });

  test('rotates by size, keeps maxFiles, and the reader stitches the files back in order', async () => {
    const file = tempFile();
    const log = new JsonlEventLog(file, { maxBytes: 1000, maxFiles: 3 });
    for (let i = 0; i < 60; i++) {
      log.append(ev(i));
      if (i % 5 === 4) await log.flush();
    }
    await log.flush();
    const names = readdirSync(path.dirname(file)).sort();
    expect(names).toEqual(['events.jsonl', 'events.jsonl.1', 'events.jsonl.2', 'events.jsonl.3']);
    const { events } = await readEventLog(file);
    const ids = events.map((e) => (e.details as { i: number }).i);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids[ids.length - 1]).toBe(59);
    expect(log.stats().rotations).toBeGreaterThan(3);
  });

  test('an event that is not JSON is dropped and counted; append never throws', async () => {
    const errors: string[] = [];
    const log = new JsonlEventLog(tempFile(), { onError: (e) => errors.push(e.code) });
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(() => log.append({ timeMs: 0, kind: 'x', subject: 'y', reason: 'z', details: circular })).not.toThrow();
    log.append({ timeMs: 0, kind: 'x', subject: 'y', reason: 'z', details: { big: 10n as unknown as number } });
    await log.flush();
    expect(log.stats()).toMatchObject({ dropped: 2, errors: 2 });
    expect(errors).toEqual(['TESSERA_ERR_OBSERVE_EVENT_LOG', 'TESSERA_ERR_OBSERVE_EVENT_LOG']);
  });

  test('a write failure is counted, not thrown', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tessera-events-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'blocker'), 'a file where a folder should be');
    const log = new JsonlEventLog(path.join(dir, 'blocker', 'events.jsonl'));
    log.append(ev(1));
    await log.flush();
    expect(log.stats()).toMatchObject({ written: 0, dropped: 1, errors: 1 });
  });

  test('uses the time in the event: virtual-clock events log as they are', async () => {
    const file = tempFile();
    const log = new JsonlEventLog(file);
    log.append({ timeMs: 90_000, kind: 'prewarm.load', subject: 'service/vad', reason: 'peak forecast in 5m' });
    await log.flush();
    expect((await readEventLog(file)).events).toEqual([{ timeMs: 90_000, kind: 'prewarm.load', subject: 'service/vad', reason: 'peak forecast in 5m' }]);
  });
});

describe('reading the log', () => {
  test('filters by time, kind (exact or prefix*) and subject, and keeps the newest N', async () => {
    const file = tempFile();
    const log = new JsonlEventLog(file);
    log.append(ev(1, 'remediation.restart', 'service/ocr'));
    log.append(ev(2, 'prewarm.load', 'service/vad'));
    log.append(ev(3, 'remediation.shed', 'service/ocr/replica-0'));
    log.append(ev(4, 'anomaly.detected', 'service/fraud'));
    await log.flush();
    const kinds = async (q: Parameters<typeof readEventLog>[1]) => (await readEventLog(file, q)).events.map((e) => e.kind);
    expect(await kinds({ kinds: ['remediation.*'] })).toEqual(['remediation.restart', 'remediation.shed']);
    expect(await kinds({ subject: 'service/ocr' })).toEqual(['remediation.restart', 'remediation.shed']);
    expect(await kinds({ sinceMs: ev(3).timeMs })).toEqual(['remediation.shed', 'anomaly.detected']);
    expect(await kinds({ kinds: ['prewarm.load', 'anomaly.detected'], limit: 1 })).toEqual(['anomaly.detected']);
  });

  test('skips and counts a torn last line instead of failing', async () => {
    const file = tempFile();
    const log = new JsonlEventLog(file);
    log.append(ev(1));
    await log.flush();
    writeFileSync(file, `${readFileSync(file, 'utf8')}{"timeMs":17000000`, { flag: 'w' });
    const { events, skippedLines } = await readEventLog(file);
    expect(events).toHaveLength(1);
    expect(skippedLines).toBe(1);
    expect(parseEventLine('{"kind":"x"}')).toBeUndefined();
  });

  test('a missing log is a coded not-found error', async () => {
    let caught: unknown;
    try {
      await readEventLog(path.join(tmpdir(), 'no-such-dir-tessera', 'events.jsonl'));
    } catch (err) {
      caught = err;
    }
    expect(isTesseraError(caught) && caught.code).toBe('TESSERA_ERR_INPUT_FILE_NOT_FOUND');
  });
});

describe('MemoryEventLog', () => {
  test('answers the same queries and bounds its memory', () => {
    const log = new MemoryEventLog(3);
    for (let i = 0; i < 5; i++) log.append(ev(i, i % 2 ? 'prewarm.load' : 'remediation.restart'));
    expect(log.events().map((e) => (e.details as { i: number }).i)).toEqual([2, 3, 4]);
    expect(log.events({ kinds: ['prewarm.*'] })).toHaveLength(1);
    expect(log.droppedCount).toBe(2);
  });
});
