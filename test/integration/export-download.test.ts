import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionRecord, TranscriptEvent } from '../../shared/session-record.js';
import { AppError } from '../../electron/app/services/app-error.js';
import { exportRecord } from '../../electron/app/services/session-export.js';
import type { SessionRecordStream } from '../../electron/app/services/types.js';
import { downloadPath, parseDownloadPath, serveExportDownload } from '../../electron/web/export-download.js';
import { sampleRecord } from '../unit/storage/log-fixtures.js';

/**
 * The web host's export download on its own (server.ts adds the Host, token and origin checks, tested in
 * web-host.test.ts): paths checked by the request schema, the file made only as fast as the client takes it, and a
 * failure after the status cut the response short rather than end it as if the file were whole.
 */

const ID = '20260101T000000000Z-dl0a1b2c3d4e';
const PAGE = 5_000;
const event = (i: number): TranscriptEvent => ({
  t: i * 1000,
  wall: 1767225600000 + i,
  dir: i % 2 ? 'recv' : 'send',
  tls: false,
  text: `line ${i} ${'x'.repeat(60)}`,
});

/** A synthetic source of `total` events in pages; counts the pages taken, and can fail after `failAfter` of them. */
function source(total: number, failAfter?: number) {
  const taken = { pages: 0 };
  const head: SessionRecord = { ...sampleRecord({ result: { ok: true } }), events: [] };
  const stream: SessionRecordStream = {
    head,
    async *events() {
      for (let from = 0; from < total; from += PAGE) {
        if (failAfter !== undefined && taken.pages >= failAfter)
          throw new AppError('not-found', `the session log ${ID} was deleted while it was being read`);
        taken.pages++;
        yield Array.from({ length: Math.min(PAGE, total - from) }, (_, k) => event(from + k));
      }
    },
  };
  const whole = (format: 'json' | 'txt' | 'html') =>
    exportRecord({ ...head, events: Array.from({ length: total }, (_, i) => event(i)) }, format).content;
  return { stream, taken, whole };
}

let server: http.Server | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(stream: SessionRecordStream): Promise<number> {
  server = http.createServer((req, res) => void serveExportDownload(req, res, { stream: async () => stream }, req.url ?? '/'));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** GET `path`; resolves when the response ends or is cut short, with what arrived. */
function get(
  port: number,
  path: string,
  onResponse?: (res: http.IncomingMessage) => void,
): Promise<{ status: number; body: string; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      const done = (complete: boolean) => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), complete });
      res.on('end', () => done(res.complete));
      res.on('aborted', () => done(false));
      res.on('error', () => done(false));
      onResponse?.(res);
    });
    req.on('error', reject);
  });
}

describe('export download paths', () => {
  it('name a session and a format, nothing else', () => {
    expect(downloadPath(ID, 'html')).toBe(`/export/${ID}.html`);
    expect(parseDownloadPath(`/export/${ID}.json`)).toEqual({ id: ID, format: 'json' });
    for (const path of [
      `/export/${ID}`,
      `/export/${ID}.pdf`,
      `/export/${ID}.json.txt`,
      `/export/../${ID}.json`,
      `/export/%2e%2e.json`,
      `/export/.json`,
      `/exports/${ID}.json`,
    ]) {
      expect(parseDownloadPath(path), path).toBeUndefined();
    }
  });
});

describe('serveExportDownload', () => {
  it('makes the file only as fast as the client reads it (backpressure), and all of it once it does', async () => {
    const total = 200_000; // about 40 pages, some 30 MB of JSON
    const { stream, taken, whole } = source(total);
    const port = await serve(stream);
    let pagesWhilePaused = -1;
    const result = await get(port, `/export/${ID}.json`, (res) => {
      res.pause();
      setTimeout(() => {
        pagesWhilePaused = taken.pages;
        res.resume();
      }, 300);
    });
    // While the client read nothing, the server stopped once the socket buffers were full.
    expect(pagesWhilePaused).toBeGreaterThan(0);
    expect(pagesWhilePaused).toBeLessThan(total / PAGE / 2);
    expect(result.status).toBe(200);
    expect(result.complete).toBe(true);
    expect(result.body === whole('json')).toBe(true);
  });

  it('a failure before the first piece is an error status', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { stream } = source(20_000, 0);
    const port = await serve(stream);
    // HTML counts the events first: the failure comes before anything is sent.
    const result = await get(port, `/export/${ID}.html`);
    expect(result.status).toBe(404);
    expect(result.body).toMatch(/^not-found: the session log .* was deleted while it was being read/);
  });

  it('a failure part-way cuts the response short: the browser sees a failed download, not a whole file', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { stream, whole } = source(20_000, 2);
    const port = await serve(stream);
    const result = await get(port, `/export/${ID}.txt`);
    expect(result.status).toBe(200);
    expect(result.complete).toBe(false);
    expect(result.body.length).toBeGreaterThan(0);
    expect(whole('txt').startsWith(result.body)).toBe(true);
    expect(result.body).not.toContain('# result:');
    expect(warn.mock.calls.join(' ')).toMatch(/the export of .* stopped: .*deleted while it was being read/);
  });

  it('a client that goes away stops the export', async () => {
    const { stream, taken } = source(400_000);
    const port = await serve(stream);
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: `/export/${ID}.json`, agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.on('close', () => undefined);
      setTimeout(() => reject(new Error('no data')), 5000);
    });
    await new Promise((r) => setTimeout(r, 300));
    const after = taken.pages;
    await new Promise((r) => setTimeout(r, 300));
    expect(taken.pages).toBe(after);
    expect(after).toBeLessThan(400_000 / PAGE);
  });
});
