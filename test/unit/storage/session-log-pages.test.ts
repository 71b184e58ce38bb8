import fs from 'node:fs/promises';
import { appendFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionEventsPage } from '../../../shared/ipc/contract.js';
import type { SessionRecord, TranscriptEvent } from '../../../shared/session-record.js';
import { events as someEvents, sampleRecord as baseRecord } from './log-fixtures.js';
import { rebuild, SessionLogStore } from '../../../electron/app/services/session-log-store.js';
import { readLatestRecordLine, readLines, type LogLine } from '../../../electron/app/services/session-log-reader.js';

/**
 * Opening a saved session page by page (`openPaged`, `readEvents`) and the streaming reader under it: pages in order
 * without gaps or repeats wherever they end, counts, damaged and truncated lines, logs without an end line, and
 * readings that are abandoned, or whose log is deleted, replaced or cut short meanwhile.
 */

let dir: string;
let store: SessionLogStore;

beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'smtp-lens-pages-'));
  store = new SessionLogStore(dir);
});

afterEach(async () => {
  await store.flushAll().catch(() => undefined);
  await fs.rm(dir, { recursive: true, force: true });
});

const sampleRecord = (overrides: Partial<SessionRecord> = {}): SessionRecord =>
  baseRecord({ target: { protocol: 'smtp', tls: 'off', host: 'mail.example.test', port: 25, ehloName: 'client.test' }, ...overrides });
const events = (from: number, count: number): TranscriptEvent[] => someEvents(from, count, { multiByte: true });
const pathOf = (id: string): string => join(dir, 'sessions', `${id}.jsonl`);

async function writeLog(
  total: number,
  batch: number,
  final = sampleRecord({ result: { ok: true }, greeting: { code: 220, text: 'end' } }),
): Promise<string> {
  const writer = store.create(sampleRecord());
  for (let i = 0; i < total; i += batch) {
    writer.appendEvents(events(i, Math.min(batch, total - i)));
    await writer.flush();
    if (i === 0) writer.snapshot(sampleRecord({ greeting: { code: 220, text: 'middle' } }));
  }
  await writer.close({ ...final, events: events(0, total) });
  return writer.id;
}

/** Every page of a log opened with `openPaged(limit)`, read with pages of `limit`. */
async function readAll(id: string, first: number, limit: number) {
  const opened = await store.openPaged(id, first);
  const pages: SessionEventsPage[] = [];
  const all = [...opened.record.events];
  const more = opened.more;
  for (let from = more?.next; more && from !== undefined;) {
    const page = await store.readEvents(id, more.loadId, from, limit);
    pages.push(page);
    all.push(...page.events);
    if (page.done) break;
    from = page.next;
  }
  return { opened, pages, all };
}

describe('openPaged / readEvents: pages', () => {
  it('gives every event once, in order, wherever pages end (inside a line, at its end, past the end)', async () => {
    const total = 2_345;
    const id = await writeLog(total, 100);
    const expected = events(0, total);
    for (const [first, limit] of [
      [1, 1],
      [7, 13],
      [100, 100],
      [150, 250],
      [1000, 999],
      [total - 1, 5],
    ] as const) {
      const { opened, pages, all } = await readAll(id, first, limit);
      expect(all).toEqual(expected);
      expect(opened.record.events).toHaveLength(first);
      expect(opened.more).toMatchObject({ next: first, expectedEvents: total });
      // Every page but the last is full; `next` counts what was given; only the last says done.
      pages.forEach((page, i) => {
        const last = i === pages.length - 1;
        expect(page.done).toBe(last);
        if (!last) expect(page.events).toHaveLength(limit);
        expect(page.next).toBe(first + pages.slice(0, i + 1).reduce((n, p) => n + p.events.length, 0));
        expect(page.bytesRead).toBeLessThanOrEqual(page.bytes);
      });
      expect(pages.at(-1)?.bytesRead).toBe(pages.at(-1)?.bytes);
    }
  });

  it('answers a short log whole, as before: no reading to continue', async () => {
    const id = await writeLog(40, 7);
    const opened = await store.openPaged(id, 40);
    expect(opened.more).toBeUndefined();
    expect(opened).toMatchObject({ status: 'ok', damagedLines: 0 });
    expect(opened.record).toEqual(await store.open(id));
  });

  it('gives the record as the log ends (the end line), not as it started', async () => {
    const id = await writeLog(500, 50);
    const opened = await store.openPaged(id, 10);
    expect(opened.status).toBe('ok');
    expect(opened.record.greeting).toEqual({ code: 220, text: 'end' });
    const whole = await store.open(id);
    expect({ ...opened.record, events: [] }).toEqual({ ...whole, events: [] });
  });

  it('reads the same page again, and an earlier one, when asked (a retry)', async () => {
    const id = await writeLog(1_000, 64);
    const opened = await store.openPaged(id, 100);
    const loadId = opened.more!.loadId;
    const a = await store.readEvents(id, loadId, 100, 300);
    const again = await store.readEvents(id, loadId, 100, 300);
    expect(again.events).toEqual(a.events);
    const back = await store.readEvents(id, loadId, 37, 10);
    expect(back.events).toEqual(events(37, 10));
    const past = await store.readEvents(id, loadId, 5_000, 10);
    expect(past).toMatchObject({ events: [], done: true });
  });

  it('serves pages asked for at the same time (two in flight) correctly', async () => {
    const id = await writeLog(3_000, 128);
    const opened = await store.openPaged(id, 500);
    const loadId = opened.more!.loadId;
    const [a, b, c] = await Promise.all([
      store.readEvents(id, loadId, 500, 1000),
      store.readEvents(id, loadId, 1500, 1000),
      store.readEvents(id, loadId, 2500, 1000),
    ]);
    expect([...opened.record.events, ...a.events, ...b.events, ...c.events]).toEqual(events(0, 3_000));
    expect([a.done, b.done, c.done]).toEqual([false, false, true]);
  });

  it('refuses a load id of another session, or one it never gave', async () => {
    const id = await writeLog(300, 50);
    const other = await writeLog(300, 50);
    const opened = await store.openPaged(id, 10);
    await expect(store.readEvents(other, opened.more!.loadId, 10, 10)).rejects.toMatchObject({ code: 'not-found' });
    await expect(store.readEvents(id, 'nonexistent0', 10, 10)).rejects.toMatchObject({ code: 'not-found' });
  });
});

describe('openPaged / readEvents: damaged and unfinished logs', () => {
  it('skips a garbled middle line and a truncated last line, counting each once; no end line and no writer: status interrupted', async () => {
    const writer = store.create(sampleRecord());
    writer.appendEvents(events(0, 30));
    await writer.flush();
    writer.snapshot(sampleRecord({ greeting: { code: 220, text: 'snap 1' } }));
    appendFileSync(pathOf(writer.id), '\u0000\u0000garbage\n');
    writer.appendEvents(events(30, 30));
    await writer.flush();
    writer.snapshot(sampleRecord({ greeting: { code: 220, text: 'snap 2' } }));
    writer.appendEvents(events(60, 30));
    await writer.flush();
    appendFileSync(pathOf(writer.id), '{"type":"events","events":[{"t":1,"wall":2,"dir":"se');
    // What a kill leaves: the writer never closes this log.
    (writer as unknown as { closeFd(): void }).closeFd();

    const whole = await store.read(writer.id);
    expect(whole).toMatchObject({ status: 'interrupted', damagedLines: 2 });
    expect(whole.record.result).toMatchObject({ ok: false, interrupted: true });
    expect(whole.record.events).toEqual(events(0, 90));

    const opened = await store.openPaged(writer.id, 20);
    expect(opened.status).toBe('interrupted');
    expect(opened.record.greeting).toEqual({ code: 220, text: 'snap 2' });
    // Without an end line the count is not known before one full reading.
    expect(opened.more?.expectedEvents).toBeUndefined();
    const loadId = opened.more!.loadId;
    const first = await store.readEvents(writer.id, loadId, 20, 25);
    expect(first.damagedLines).toBe(1);
    // Read again across the garbled line: it is not counted twice.
    const again = await store.readEvents(writer.id, loadId, 20, 25);
    expect(again.damagedLines).toBe(1);
    const rest = await store.readEvents(writer.id, loadId, 45, 1000);
    expect(rest).toMatchObject({ done: true, damagedLines: 2, next: 90 });
    expect([...opened.record.events, ...first.events, ...rest.events]).toEqual(events(0, 90));

    // Now the count is known (and the listing shows it).
    expect((await store.openPaged(writer.id, 20)).more?.expectedEvents).toBe(90);
    expect((await store.list())[0]).toMatchObject({ status: 'interrupted', events: 90 });
  });

  it('keeps the record of the last readable snapshot when the end line is cut short', async () => {
    const id = await writeLog(200, 50);
    const text = await fs.readFile(pathOf(id), 'utf8');
    await fs.writeFile(pathOf(id), text.slice(0, text.lastIndexOf('{"type":"end"') + 30));
    const opened = await store.openPaged(id, 20);
    const whole = rebuild(id, text.slice(0, text.lastIndexOf('{"type":"end"') + 30));
    expect(opened.status).toBe('interrupted');
    expect(whole.status).toBe('interrupted');
    expect(opened.record.greeting).toEqual(whole.record.greeting);
    expect(opened.record.greeting).toEqual({ code: 220, text: 'middle' });
    const { all, pages } = await readAll(id, 20, 70);
    expect(all).toEqual(events(0, 200));
    expect(pages.at(-1)?.damagedLines).toBe(1);
  });

  it('reads a log whose first line is unreadable whole, as before', async () => {
    const id = await writeLog(50, 10);
    const text = await fs.readFile(pathOf(id), 'utf8');
    const start = text.slice(0, text.indexOf('\n'));
    await fs.writeFile(pathOf(id), `garbage\n${text}`);
    const opened = await store.openPaged(id, 5);
    expect(opened.more).toBeUndefined();
    expect(opened.damagedLines).toBe(1);
    expect(opened.record.events).toEqual(events(0, 50));
    expect(start).toMatch(/^\{"type":"start"/);
  });

  it('reads a live log up to where it was when opened', async () => {
    const writer = store.create(sampleRecord());
    writer.appendEvents(events(0, 100));
    const opened = await store.openPaged(writer.id, 10);
    expect(opened.status).toBe('open');
    expect(opened.more?.expectedEvents).toBe(100);
    writer.appendEvents(events(100, 50));
    await writer.flush();
    const rest = await store.readEvents(writer.id, opened.more!.loadId, 10, 1000);
    expect(rest).toMatchObject({ done: true, next: 100 });
    expect(rest.events).toEqual(events(10, 90));
    await writer.close(sampleRecord());
  });
});

describe('openPaged / readEvents: readings that end early', () => {
  it('reports a log deleted between pages as not-found, after the pages already given', async () => {
    const id = await writeLog(1_000, 100);
    const opened = await store.openPaged(id, 100);
    const page = await store.readEvents(id, opened.more!.loadId, 100, 100);
    expect(page.events).toEqual(events(100, 100));
    await store.delete(id);
    await expect(store.readEvents(id, opened.more!.loadId, 200, 100)).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringMatching(/deleted while it was being read/),
    });
  });

  it('reports a log replaced or cut short between pages', async () => {
    const id = await writeLog(1_000, 100);
    const opened = await store.openPaged(id, 100);
    const text = await fs.readFile(pathOf(id), 'utf8');
    await fs.writeFile(pathOf(id), text.slice(0, text.length / 2));
    await expect(store.readEvents(id, opened.more!.loadId, 100, 100)).rejects.toMatchObject({
      code: 'storage-failed',
      message: expect.stringMatching(/shorter/),
    });

    const id2 = await writeLog(1_000, 100);
    const opened2 = await store.openPaged(id2, 100);
    // Another file (written while the log still exists, so it cannot reuse its inode) moved into its place.
    writeFileSync(`${pathOf(id2)}.new`, await fs.readFile(pathOf(id2)));
    await fs.rename(`${pathOf(id2)}.new`, pathOf(id2));
    await expect(store.readEvents(id2, opened2.more!.loadId, 100, 100)).rejects.toMatchObject({
      code: 'storage-failed',
      message: expect.stringMatching(/replaced/),
    });
  });

  it('forgets readings nobody continues once enough others were opened', async () => {
    const id = await writeLog(300, 50);
    const loads = [];
    for (let i = 0; i < 9; i++) loads.push((await store.openPaged(id, 10)).more!.loadId);
    // The oldest is gone; the newest still reads.
    await expect(store.readEvents(id, loads[0]!, 10, 10)).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringMatching(/open it again/),
    });
    expect((await store.readEvents(id, loads[8]!, 10, 10)).events).toEqual(events(10, 10));
  });

  it('exports (open) still rebuild the whole record, streamed', async () => {
    const id = await writeLog(5_000, 333);
    const whole = await store.open(id);
    expect(whole.events).toEqual(events(0, 5_000));
    expect(whole).toEqual(rebuild(id, await fs.readFile(pathOf(id), 'utf8')).record);
  });
});

describe('the streaming reader', () => {
  async function lines(text: string | Buffer, chunk: number, from = 0): Promise<LogLine[]> {
    const path = join(dir, 'lines.txt');
    await fs.writeFile(path, text);
    const handle = await fs.open(path, 'r');
    try {
      const out: LogLine[] = [];
      for await (const line of readLines(handle, from, (await handle.stat()).size, chunk)) out.push(line);
      return out;
    } finally {
      await handle.close();
    }
  }

  it('splits lines across chunk edges (inside multi-byte characters too), with their offsets', async () => {
    const text = 'first é€😀\n\nthird line\nlast without newline 😀';
    const bytes = Buffer.from(text);
    for (const chunk of [1, 2, 3, 5, 7, 64, 4096]) {
      const got = await lines(text, chunk);
      expect(got.map((l) => l.text)).toEqual(text.split('\n'));
      for (const line of got) expect(bytes.subarray(line.offset, line.end).toString()).toMatch(new RegExp(`^${line.text}\\n?$`));
      expect(got.at(-1)?.end).toBe(bytes.length);
    }
    // From the start of a later line.
    const second = Buffer.from('first é€😀\n\n').length;
    expect((await lines(text, 3, second)).map((l) => l.text)).toEqual(['third line', 'last without newline 😀']);
  });

  it('finds the last readable snapshot or end line from the end, skipping events lines and a cut-short tail', async () => {
    const record = (text: string) => ({ ...sampleRecord(), events: undefined, greeting: { code: 220, text } });
    const big = JSON.stringify({ type: 'events', events: events(0, 200) });
    const body = [
      JSON.stringify({ type: 'start', version: 1, id: 'x', record: record('start') }),
      big,
      JSON.stringify({ type: 'snapshot', record: record('snap') }),
      big,
      big,
      '{"type":"snapshot","record":{"gree',
    ].join('\n');
    const path = join(dir, 'log.jsonl');
    await fs.writeFile(path, body);
    const handle = await fs.open(path, 'r');
    try {
      for (const chunk of [5, 333, 1 << 20]) {
        const found = await readLatestRecordLine(handle, Buffer.byteLength(body), chunk);
        expect(found).toMatchObject({ type: 'snapshot', record: { greeting: { text: 'snap' } } });
      }
      // Only the start line before the snapshot: none.
      const head = Buffer.byteLength(body.slice(0, body.indexOf('{"type":"snapshot"')));
      expect(await readLatestRecordLine(handle, head, 7)).toBeUndefined();
    } finally {
      await handle.close();
    }
  });
});
