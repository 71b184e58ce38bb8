import fs from 'node:fs/promises';
import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionLogStore, findSecretKey, formatTarget, rebuild } from '../../../electron/app/services/session-log-store.js';
import type { SessionRecord } from '../../../shared/session-record.js';
import { events, sampleRecord } from './log-fixtures.js';

let dir: string;
let store: SessionLogStore;

beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'smtp-lens-sessions-'));
  store = new SessionLogStore(dir);
});

afterEach(async () => {
  await store.flushAll().catch(() => undefined);
  await fs.rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SessionLogStore: writing and reopening', () => {
  it('writes events and snapshots; reopening gives the same record', async () => {
    const writer = store.create(sampleRecord());
    writer.appendEvents(events(0, 3));
    writer.snapshot(sampleRecord({ greeting: { code: 220, text: 'ready' }, capabilities: [{ name: 'PIPELINING', params: [] }] }));
    writer.appendEvents(events(3, 2));
    const final = sampleRecord({
      durationMs: 1234,
      greeting: { code: 220, text: 'ready' },
      capabilities: [
        { name: 'PIPELINING', params: [] },
        { name: 'SIZE', params: ['1000'] },
      ],
      events: events(0, 5),
      result: { ok: true, verdict: 'delivered' },
    });
    await writer.close(final);
    expect(await store.open(writer.id)).toEqual(final);
    expect((await store.read(writer.id)).status).toBe('ok');

    const lines = (await fs.readFile(join(dir, 'sessions', `${writer.id}.jsonl`), 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).type)).toEqual(['start', 'events', 'snapshot', 'events', 'end']);
    expect(JSON.parse(lines[0]!)).toMatchObject({ type: 'start', id: writer.id });
    expect(JSON.parse(lines[0]!).record.events).toBeUndefined();
  });

  it('flushes buffered events by itself within about 100 ms', async () => {
    const writer = store.create(sampleRecord());
    writer.appendEvents(events(0, 2));
    const path = join(dir, 'sessions', `${writer.id}.jsonl`);
    expect((await fs.readFile(path, 'utf8')).split('\n').filter(Boolean)).toHaveLength(1);
    await sleep(250);
    expect(rebuild(writer.id, await fs.readFile(path, 'utf8')).record.events).toEqual(events(0, 2));
  });

  it('flushes at once when the buffer passes 256 KB', async () => {
    const writer = store.create(sampleRecord());
    const big = events(0, 300).map((e) => ({ ...e, text: 'x'.repeat(1000) }));
    writer.appendEvents(big);
    const text = await fs.readFile(join(dir, 'sessions', `${writer.id}.jsonl`), 'utf8');
    expect(rebuild(writer.id, text).record.events).toHaveLength(300);
  });

  it('keeps events the record already had when the log is created', async () => {
    const writer = store.create(sampleRecord({ events: events(0, 2) }));
    writer.appendEvents(events(2, 1));
    await writer.flush();
    expect((await store.open(writer.id)).events).toEqual(events(0, 3));
  });

  it('ignores appends and snapshots after close; close is idempotent', async () => {
    const writer = store.create(sampleRecord());
    await writer.close(sampleRecord({ result: { ok: true } }));
    writer.appendEvents(events(0, 1));
    writer.snapshot(sampleRecord());
    await writer.close(sampleRecord());
    expect((await store.open(writer.id)).events).toEqual([]);
  });

  it('uses a given id, and refuses to take over an existing log', async () => {
    const writer = store.create(sampleRecord(), { id: 'live-session_1' });
    expect(writer.id).toBe('live-session_1');
    expect(() => store.create(sampleRecord(), { id: 'live-session_1' })).toThrow(expect.objectContaining({ code: 'storage-failed' }));
    await writer.close(sampleRecord());
  });

  it('refuses records that carry secret, password or token fields', async () => {
    const leaky = {
      ...sampleRecord(),
      auth: { mechanism: 'PLAIN', ok: true, steps: [], durationMs: 1, Password: 'x' },
    } as unknown as SessionRecord;
    expect(() => store.create(leaky)).toThrow(expect.objectContaining({ code: 'storage-failed' }));
    expect(await fs.readdir(join(dir, 'sessions'))).toEqual([]);
    const writer = store.create(sampleRecord());
    const withToken = {
      ...sampleRecord(),
      commands: [{ command: 'X', reply: { code: 250, text: '' }, token: 't' }],
    } as unknown as SessionRecord;
    expect(() => writer.snapshot(withToken)).toThrow(expect.objectContaining({ code: 'storage-failed' }));
    expect(findSecretKey({ a: [{ b: { secret: 1 } }] })).toBe('a[0].b.secret');
    expect(findSecretKey(sampleRecord())).toBeUndefined();
    await writer.close(sampleRecord());
  });
});

describe('SessionLogStore: damaged logs', () => {
  it('tolerates a truncated last line and a missing end (status open)', async () => {
    const writer = store.create(sampleRecord());
    writer.appendEvents(events(0, 4));
    await writer.flush();
    writer.snapshot(sampleRecord({ greeting: { code: 220, text: 'hi' } }));
    const path = join(dir, 'sessions', `${writer.id}.jsonl`);
    appendFileSync(path, '{"type":"events","events":[{"t":1,"wall":2,"dir":"se');
    const opened = await store.read(writer.id);
    expect(opened.status).toBe('open');
    expect(opened.damagedLines).toBe(1);
    expect(opened.record.events).toEqual(events(0, 4));
    expect(opened.record.greeting).toEqual({ code: 220, text: 'hi' });
    const [summary] = await store.list();
    expect(summary).toMatchObject({ id: writer.id, status: 'open', events: 4 });
  });

  it('skips a garbled line in the middle', () => {
    const start = JSON.stringify({ type: 'start', id: 'x', record: { ...sampleRecord(), events: undefined } });
    const batch = (from: number) => JSON.stringify({ type: 'events', events: events(from, 1) });
    const text = [start, batch(0), '\u0000\u0000garbage', batch(1), ''].join('\n');
    const opened = rebuild('x', text);
    expect(opened.record.events).toEqual(events(0, 2));
    expect(opened.damagedLines).toBe(1);
  });

  it('reports a log without a readable start as storage-failed', async () => {
    await fs.writeFile(join(dir, 'sessions', 'broken.jsonl'), '{"type":"sta');
    await expect(store.open('broken')).rejects.toMatchObject({ code: 'storage-failed' });
    expect(await store.list()).toEqual([]); // not listable either
  });
});

describe('SessionLogStore: list, delete, ids', () => {
  it('lists newest first with summaries read from the first and last lines', async () => {
    const older = store.create(sampleRecord({ startedAt: '2024-05-01T10:00:00.000Z', operation: 'probe' }));
    older.appendEvents(events(0, 3));
    await older.close(sampleRecord({ startedAt: '2024-05-01T10:00:00.000Z', operation: 'probe', result: { ok: true } }));

    const failedRecord = sampleRecord({
      startedAt: '2024-05-02T10:00:00.000Z',
      target: { protocol: 'smtp', tls: 'implicit', host: '::1', port: 465, ehloName: 'c' },
    });
    const newer = store.create(failedRecord);
    newer.appendEvents(events(0, 5));
    await newer.close({ ...failedRecord, result: { ok: false, error: { code: 'tls-failed', message: 'handshake failed' } } });

    const live = store.create(
      sampleRecord({
        startedAt: '2024-05-01T11:00:00.000Z',
        target: { protocol: 'lmtp', tls: 'off', socketPath: '/run/lmtp.sock', ehloName: 'c' },
      }),
    );
    live.appendEvents(events(0, 2));

    const list = await store.list();
    expect(list.map((s) => s.id)).toEqual([newer.id, live.id, older.id]);
    expect(list[0]).toMatchObject({ status: 'failed', errorCode: 'tls-failed', target: '[::1]:465', events: 5, operation: 'send' });
    expect(list[1]).toMatchObject({ status: 'open', events: 2, target: '/run/lmtp.sock' });
    expect(list[2]).toMatchObject({ status: 'ok', events: 3, operation: 'probe', target: 'mail.example.test:587' });
    expect(list[2]!.errorCode).toBeUndefined();
    const size = (await fs.stat(join(dir, 'sessions', `${older.id}.jsonl`))).size;
    expect(list[2]!.bytes).toBe(size);
    await live.close(sampleRecord());
  });

  it('lists a log whose last line is longer than the tail it first reads', async () => {
    const writer = store.create(sampleRecord());
    const huge = sampleRecord({
      capabilities: Array.from({ length: 5000 }, (_, i) => ({ name: `X-EXT-${i}`, params: ['a', 'b'] })),
      result: { ok: true },
    });
    writer.appendEvents(events(0, 1));
    await writer.close(huge);
    const [summary] = await store.list();
    expect(summary).toMatchObject({ status: 'ok', events: 1 });
  });

  it('deletes logs, refuses a live one, reports a missing one as not-found', async () => {
    const writer = store.create(sampleRecord());
    await expect(store.delete(writer.id)).rejects.toMatchObject({ code: 'busy' });
    await writer.close(sampleRecord());
    await store.delete(writer.id);
    expect(await store.list()).toEqual([]);
    await expect(store.delete(writer.id)).rejects.toMatchObject({ code: 'not-found' });
    await expect(store.open(writer.id)).rejects.toMatchObject({ code: 'not-found' });
  });

  it('rejects ids that could leave the sessions folder', async () => {
    const outside = join(dir, 'outside.jsonl');
    await fs.writeFile(outside, 'keep me');
    for (const id of ['../outside', '..', 'a/b', 'a\\b', '', '.', 'x'.repeat(65), 'a\u0000b', '%2e%2e']) {
      await expect(store.open(id)).rejects.toMatchObject({ code: 'not-found' });
      await expect(store.delete(id)).rejects.toMatchObject({ code: 'not-found' });
      expect(() => store.create(sampleRecord(), { id })).toThrow(expect.objectContaining({ code: 'not-found' }));
    }
    expect(await fs.readFile(outside, 'utf8')).toBe('keep me');
  });

  it('makes ids that are valid and sort by time', async () => {
    const a = store.create(sampleRecord());
    expect(a.id).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]{12}$/);
    await a.close(sampleRecord());
  });

  it('formats targets', () => {
    expect(formatTarget({ protocol: 'smtp', tls: 'off', host: 'h', port: 25, ehloName: 'x' })).toBe('h:25');
    expect(formatTarget({ protocol: 'smtp', tls: 'off', host: '2001:db8::1', port: 25, ehloName: 'x' })).toBe('[2001:db8::1]:25');
  });
});
