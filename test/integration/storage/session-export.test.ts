import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExportFormat } from '../../../shared/ipc/schemas.js';
import type { SessionRecord, TranscriptEvent } from '../../../shared/session-record.js';
import { createAppServices } from '../../../electron/app/api/create-app.js';
import { exportToFile, type ChooseSavePath } from '../../../electron/app/api/export-to-file.js';
import { noSecretStore } from '../../../electron/app/services/secret-store.js';
import { exportChunks, exportRecord } from '../../../electron/app/services/session-export.js';
import { SessionLogStore } from '../../../electron/app/services/session-log-store.js';
import type { SessionRecordStream } from '../../../electron/app/services/types.js';
import { events as someEvents, sampleRecord } from '../../unit/storage/log-fixtures.js';
import { ensureBuilt, IS_ROOT, NOBODY, runAsNobody } from '../../helpers/child-node.js';

/**
 * Exports streamed from a session log (`SessionLogStore.stream` → `exportChunks` → `writeStreamAtomic`, as
 * `sessions.exportToFile` does) against the exporter that makes the whole text at once (`exportRecord` of the rebuilt
 * record, what `sessions.export` answers): the same bytes, for short and multi-page logs and odd ones; main's event
 * loop never stalled long while a large one is written; and a cancelled dialog, a full disk, a read-only folder, a
 * refused rename, a log deleted meanwhile or the app quitting leave nothing at the chosen path.
 */

const FORMATS: ExportFormat[] = ['json', 'txt', 'html'];

let dir: string;
let out: string;
let store: SessionLogStore;

beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'smtp-lens-export-'));
  out = join(dir, 'exports');
  await fs.mkdir(out);
  store = new SessionLogStore(dir);
});

afterEach(async () => {
  vi.restoreAllMocks();
  await fs.chmod(out, 0o700).catch(() => undefined);
  await store.flushAll().catch(() => undefined);
  await fs.rm(dir, { recursive: true, force: true });
});

/** A record with every section the exporters show (redacted AUTH included). */
const richRecord = (overrides: Partial<SessionRecord> = {}): SessionRecord =>
  sampleRecord({
    greeting: { code: 220, text: 'mail.example.test ESMTP <ready> & "quoted"' },
    helloVerb: 'EHLO',
    capabilities: [
      { name: 'AUTH', params: ['PLAIN', 'LOGIN'] },
      { name: 'PIPELINING', params: [] },
    ],
    capabilitiesBeforeTls: [{ name: 'STARTTLS', params: [] }],
    tls: {
      via: 'starttls',
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_256_GCM_SHA384',
      authorized: true,
      verificationRequired: true,
      peerCertificate: [],
    },
    auth: {
      mechanism: 'PLAIN',
      ok: true,
      code: 235,
      text: 'ok',
      steps: [{ sent: 'AUTH PLAIN <redacted 20 bytes>', reply: { code: 235, text: 'ok' } }],
      durationMs: 2,
    },
    ...overrides,
  });

/** Events of every direction, with and without TLS, some with characters of 2, 3 and 4 bytes and markup. */
function eventsOf(from: number, count: number): TranscriptEvent[] {
  return someEvents(from, count, { multiByte: true }).map((e, i) => {
    const n = from + i;
    const dir = (['send', 'recv', 'info', 'error'] as const)[n % 4]!;
    return {
      ...e,
      dir,
      tls: n % 3 === 0,
      text: n % 7 === 0 ? `${e.text} <b>'&'</b> "q"` : e.text,
      ...(n % 11 === 0 ? { redacted: true } : {}),
    };
  });
}

/** A log as the app writes it: start, events flushed in batches, a snapshot, the end. */
async function writeLog(
  total: number,
  batch: number,
  final: SessionRecord = richRecord({ result: { ok: true, verdict: 'delivered' } }),
): Promise<string> {
  const writer = store.create(richRecord());
  for (let i = 0; i < total; i += batch) {
    writer.appendEvents(eventsOf(i, Math.min(batch, total - i)));
    await writer.flush();
    if (i === 0) writer.snapshot(richRecord({ greeting: { code: 220, text: 'middle' } }));
  }
  await writer.close({ ...final, events: [] });
  return writer.id;
}

/** A log of `total` events written directly (quicker for large ones), 1000 events a line. */
function writeLargeLog(id: string, total: number): string {
  const { events: _none, ...record } = richRecord();
  const lines = [JSON.stringify({ type: 'start', version: 1, id, record })];
  for (let i = 0; i < total; i += 1000) lines.push(JSON.stringify({ type: 'events', events: eventsOf(i, Math.min(1000, total - i)) }));
  lines.push(JSON.stringify({ type: 'end', eventCount: total, record: { ...record, result: { ok: true } } }));
  writeFileSync(join(dir, 'sessions', `${id}.jsonl`), lines.join('\n') + '\n');
  return id;
}

async function collect(chunks: AsyncIterable<string>): Promise<{ text: string; sizes: number[] }> {
  const parts: string[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return { text: parts.join(''), sizes: parts.map((p) => p.length) };
}

/** What `sessions.export` gives for the log: the rebuilt record, exported whole. */
async function whole(id: string, format: ExportFormat): Promise<string> {
  return exportRecord(await store.open(id), format).content;
}

const pick = (path: string) => async () => path;

describe('a streamed export is byte for byte the exporter’s output', () => {
  it.each([
    ['a short session', 7, 3],
    ['a session of 60,000 events (several pages of the log)', 60_000, 700],
  ])('%s, in JSON, text and HTML', async (_name, total, batch) => {
    const id = await writeLog(total, batch);
    for (const format of FORMATS) {
      const expected = await whole(id, format);
      const { text, sizes } = await collect(exportChunks(await store.stream(id), format));
      expect(text.length, format).toBe(expected.length);
      expect(text === expected, `${format} differs`).toBe(true);
      // Made piece by piece, never as one string.
      expect(Math.max(...sizes)).toBeLessThan(600 * 1024);
      if (total > 10_000) expect(sizes.length).toBeGreaterThan(total / 1000);

      const path = join(out, `export.${format}`);
      expect(await exportToFile({ logs: store, id, format, chooseSavePath: pick(path) })).toEqual({ saved: path });
      expect((await fs.readFile(path)).equals(Buffer.from(expected, 'utf8')), `${format} file differs`).toBe(true);
    }
    const record = JSON.parse(await fs.readFile(join(out, 'export.json'), 'utf8')) as SessionRecord;
    expect(record.events).toHaveLength(total);
    expect(record.greeting?.text).toBe('mail.example.test ESMTP <ready> & "quoted"');
    expect(record.result).toEqual({ ok: true, verdict: 'delivered' });
    // Nothing but the files asked for: no temporary file left behind.
    expect((await fs.readdir(out)).sort()).toEqual(['export.html', 'export.json', 'export.txt']);
  });

  it('for logs that are not tidy: no end line, damaged and cut lines, no events, an unreadable first line, odd field order', async () => {
    const sessions = join(dir, 'sessions');
    const start = (id: string, record: unknown) => JSON.stringify({ type: 'start', version: 1, id, record });
    const eventsLine = (from: number, count: number) => JSON.stringify({ type: 'events', events: eventsOf(from, count) });
    const { events: _none, ...head } = richRecord();
    const logs: Record<string, string[]> = {
      // Killed mid-session: no end line, the last line cut short.
      killed: [
        start('killed', head),
        eventsLine(0, 40),
        JSON.stringify({ type: 'snapshot', record: { ...head, greeting: { code: 220, text: 'snap' } } }),
        eventsLine(40, 30),
        '{"type":"events","events":[{"t":1',
      ],
      // A garbled line in the middle and a blank one.
      damaged: [
        start('damaged', head),
        eventsLine(0, 10),
        '{not json',
        '',
        eventsLine(10, 10),
        JSON.stringify({
          type: 'end',
          eventCount: 20,
          record: { ...head, result: { ok: false, error: { code: 'timeout', message: 'slow' } } },
        }),
      ],
      empty: [start('empty', head), JSON.stringify({ type: 'end', eventCount: 0, record: { ...head, result: { ok: true } } })],
      // The first line unreadable: the log is read whole, as `open` does.
      headless: [
        'garbage',
        start('headless', head),
        eventsLine(0, 25),
        JSON.stringify({ type: 'end', eventCount: 25, record: { ...head, result: { ok: true } } }),
      ],
      // A record that has `events` among its other fields (a hand-made log): JSON keeps it in that place.
      order: [
        JSON.stringify({ type: 'start', version: 1, id: 'order', record: Object.assign({ version: 1, events: [] }, head) }),
        eventsLine(0, 5),
      ],
    };
    for (const [id, lines] of Object.entries(logs))
      await fs.writeFile(join(sessions, `${id}.jsonl`), lines.join('\n') + (id === 'killed' ? '' : '\n'));

    for (const id of Object.keys(logs)) {
      for (const format of FORMATS) {
        const expected = await whole(id, format);
        const { text } = await collect(exportChunks(await store.stream(id), format));
        expect(text === expected, `${id} as ${format} differs`).toBe(true);
      }
    }
    expect((await whole('order', 'json')).indexOf('"events"')).toBeLessThan((await whole('order', 'json')).indexOf('"tool"'));
    expect(JSON.parse(await whole('empty', 'json')).events).toEqual([]);
  });
});

describe('exporting a large session keeps main responsive', () => {
  it('200,000 events in each format: the event loop never stalls for 200 ms, the file is complete', async () => {
    const id = writeLargeLog('20260101T000000000Z-large200k', 200_000);
    for (const format of FORMATS) {
      const path = join(out, `large.${format}`);
      const delay = monitorEventLoopDelay({ resolution: 10 });
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 5);
      delay.enable();
      const started = performance.now();
      const answer = await exportToFile({ logs: store, id, format, chooseSavePath: pick(path) });
      const elapsed = performance.now() - started;
      delay.disable();
      clearInterval(ticker);
      expect(answer).toEqual({ saved: path });
      const stallMs = delay.max / 1e6;
      expect(stallMs, `${format}: longest stall of the event loop`).toBeLessThan(200);
      // Timers kept running throughout (a blocked loop would have let few of them fire).
      expect(ticks, `${format}: timer ticks in ${Math.round(elapsed)} ms`).toBeGreaterThan(elapsed / 5 / 4);
      if (format === 'json') {
        const digest = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
        expect(digest(await fs.readFile(path))).toBe(digest(await whole(id, 'json')));
      } else if (format === 'txt') {
        const text = await fs.readFile(path, 'utf8');
        expect(text.split('\n')).toHaveLength(200_000 + 3 + 1);
        expect(text.endsWith('# result: OK\n')).toBe(true);
      } else {
        const html = await fs.readFile(path, 'utf8');
        expect(html).toContain('<p class="muted">200000 lines;');
        expect(html.match(/<tr class="dir-/g)).toHaveLength(200_000);
        expect(html.endsWith('</body></html>\n')).toBe(true);
      }
    }
  });
});

describe('exportToFile: cancelled or failed, nothing is left at the chosen path', () => {
  it('cancelled in the dialog: nothing written; the dialog offered the usual file name', async () => {
    const id = await writeLog(20, 10);
    const chooseSavePath = vi.fn(async (_name: string): Promise<string | undefined> => undefined);
    expect(await exportToFile({ logs: store, id, format: 'html', chooseSavePath })).toEqual({ cancelled: true });
    expect(chooseSavePath).toHaveBeenCalledWith('smtp-lens-send-mail.example.test-2024-05-01T120000Z.html');
    expect(await fs.readdir(out)).toEqual([]);
  });

  it('a log that does not exist: not-found, and no dialog', async () => {
    const chooseSavePath = vi.fn(pick(join(out, 'x.json')));
    await expect(exportToFile({ logs: store, id: '20260101T000000000Z-missing00', format: 'json', chooseSavePath })).rejects.toMatchObject({
      code: 'not-found',
    });
    expect(chooseSavePath).not.toHaveBeenCalled();
    expect(await fs.readdir(out)).toEqual([]);
  });

  // Root ignores a folder's permissions: as root the export is made by a child running as nobody, who owns the logs
  // but not the export folder (root's, 0755); otherwise in this process, with the folder made read-only.
  it.skipIf(process.platform === 'win32')(
    'a read-only folder: storage-failed, the file already there untouched',
    async () => {
      const id = await writeLog(50, 10);
      const path = join(out, 'export.json');
      await fs.writeFile(path, 'old');
      if (IS_ROOT) {
        ensureBuilt(['electron/app/api/export-to-file.ts', 'electron/app/services/session-log-store.ts']);
        await store.flushAll();
        for (const entry of await fs.readdir(dir, { recursive: true })) {
          if (!String(entry).startsWith('exports')) await fs.chown(join(dir, String(entry)), NOBODY.uid, NOBODY.gid);
        }
        await fs.chown(dir, NOBODY.uid, NOBODY.gid);
        await fs.chmod(out, 0o755);
        const result = await runAsNobody(`
        const { SessionLogStore } = await import(process.env.ROOT + '/out/node/electron/app/services/session-log-store.js');
        const { exportToFile } = await import(process.env.ROOT + '/out/node/electron/app/api/export-to-file.js');
        const logs = new SessionLogStore(${JSON.stringify(dir)});
        try {
          const done = await exportToFile({ logs, id: ${JSON.stringify(id)}, format: 'json', chooseSavePath: async () => ${JSON.stringify(path)} });
          console.log(JSON.stringify(done));
        } catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message })); }
      `);
        expect(result).toMatchObject({ code: 'storage-failed', message: expect.stringContaining(`could not write ${path}`) });
      } else {
        await fs.chmod(out, 0o500);
        await expect(exportToFile({ logs: store, id, format: 'json', chooseSavePath: pick(path) })).rejects.toMatchObject({
          code: 'storage-failed',
          message: expect.stringContaining(`could not write ${path}`),
        });
        await fs.chmod(out, 0o700);
      }
      expect(await fs.readdir(out)).toEqual(['export.json']);
      expect(await fs.readFile(path, 'utf8')).toBe('old');
    },
    120_000,
  );

  it('the disk full part-way: storage-failed, no partial file, the file already there untouched', async () => {
    const id = await writeLog(6_000, 500);
    const path = join(out, 'export.txt');
    await fs.writeFile(path, 'old');
    const open = fs.open.bind(fs);
    let written = 0;
    vi.spyOn(fs, 'open').mockImplementation(async (...args: Parameters<typeof fs.open>) => {
      const handle = await open(...args);
      const write = handle.write.bind(handle) as (...a: unknown[]) => Promise<{ bytesWritten: number }>;
      // The first pieces go to disk; then the disk is full.
      (handle as unknown as { write: unknown }).write = async (...a: unknown[]) => {
        if (++written > 3) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        return write(...a);
      };
      return handle;
    });
    await expect(exportToFile({ logs: store, id, format: 'txt', chooseSavePath: pick(path) })).rejects.toMatchObject({
      code: 'storage-failed',
      message: expect.stringMatching(/could not write .*export\.txt: ENOSPC/),
    });
    expect(written).toBeGreaterThan(3);
    expect(await fs.readdir(out)).toEqual(['export.txt']);
    expect(await fs.readFile(path, 'utf8')).toBe('old');
  });

  it('the rename refused (a folder of that name): storage-failed, the temporary file removed', async () => {
    const id = await writeLog(50, 10);
    const path = join(out, 'taken.json');
    await fs.mkdir(path);
    await fs.writeFile(join(path, 'inside'), 'x');
    await expect(exportToFile({ logs: store, id, format: 'json', chooseSavePath: pick(path) })).rejects.toMatchObject({
      code: 'storage-failed',
    });
    expect(await fs.readdir(out)).toEqual(['taken.json']);
  });

  it('the log deleted while the dialog is open: not-found, nothing written', async () => {
    const id = await writeLog(50, 10);
    const path = join(out, 'export.json');
    const chooseSavePath = async () => {
      await store.delete(id);
      return path;
    };
    await expect(exportToFile({ logs: store, id, format: 'json', chooseSavePath })).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringContaining('deleted while it was being read'),
    });
    expect(await fs.readdir(out)).toEqual([]);
  });

  it('the log deleted part-way through the export: not-found, no partial file', async () => {
    const id = writeLargeLog('20260101T000000000Z-deleted01', 80_000);
    // The export's own reading of the log; the log is deleted once its first page has been taken.
    let pages = 0;
    const logs = {
      stream: async (sid: string): Promise<SessionRecordStream> => {
        const source = await store.stream(sid);
        return {
          head: source.head,
          async *events() {
            for await (const page of source.events()) {
              yield page;
              if (++pages === 1) await store.delete(sid);
            }
          },
        };
      },
    };
    const path = join(out, 'export.json');
    await expect(exportToFile({ logs, id, format: 'json', chooseSavePath: pick(path) })).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringContaining('deleted while it was being read'),
    });
    expect(pages).toBeGreaterThanOrEqual(1);
    expect(await fs.readdir(out)).toEqual([]);
  });
});

describe('sessions.exportToFile through the dispatcher', () => {
  it('is validated like every request: the renderer names the session and the format, never a path', async () => {
    const chooseSavePath = vi.fn<ChooseSavePath>(pick(join(out, 'never.json')));
    const services = await createAppServices({
      dataDir: dir,
      secrets: noSecretStore('tests'),
      emit: () => {},
      host: 'electron',
      version: '0',
      chooseSavePath,
    });
    try {
      const id = await writeLog(5, 5);
      for (const request of [{ id, format: 'pdf' }, { id, format: 'json', path: '/etc/passwd' }, { id: '../x', format: 'json' }, {}]) {
        expect(await services.dispatch('sessions.exportToFile', request)).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
      }
      expect(chooseSavePath).not.toHaveBeenCalled();
      const path = join(out, 'ok.txt');
      chooseSavePath.mockImplementation(pick(path));
      expect(await services.dispatch('sessions.exportToFile', { id, format: 'txt' })).toEqual({ ok: true, value: { saved: path } });
      expect(await fs.readFile(path, 'utf8')).toBe(await whole(id, 'txt'));
      chooseSavePath.mockImplementation(async () => undefined);
      expect(await services.dispatch('sessions.exportToFile', { id, format: 'txt' })).toEqual({ ok: true, value: { cancelled: true } });
    } finally {
      await services.shutdown(1000);
    }
  });

  it('quitting stops an export under way and removes its temporary file', async () => {
    writeLargeLog('20260101T000000000Z-quitting1', 200_000);
    const path = join(out, 'export.html');
    const services = await createAppServices({
      dataDir: dir,
      secrets: noSecretStore('tests'),
      emit: () => {},
      host: 'electron',
      version: '0',
      chooseSavePath: pick(path),
    });
    const answer = services.dispatch('sessions.exportToFile', { id: '20260101T000000000Z-quitting1', format: 'html' });
    // Wait until the temporary file exists (the HTML count is done and writing has begun).
    for (let i = 0; (await fs.readdir(out)).length === 0; i++) {
      if (i > 2000) throw new Error('the export never began');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect((await fs.readdir(out))[0]).toMatch(/^\.export\.html\.\d+\.[0-9a-f]+\.tmp$/);
    await services.shutdown(1000);
    expect(await answer).toMatchObject({ ok: false, error: { code: 'storage-failed', message: expect.stringContaining('quitting') } });
    expect(await fs.readdir(out)).toEqual([]);
  });
});
