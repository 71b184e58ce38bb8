import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { exportChunks } from '../../electron/app/services/session-export.js';
import { SessionLogStore } from '../../electron/app/services/session-log-store.js';
import { fakeServer, greetAndEhlo, useFakeServers } from '../helpers/support.js';

/**
 * The web host killed with SIGKILL while a session is in DATA: its log stays readable, and reads back as
 * interrupted — in the history, the record and every export — never as the last snapshot's "ok".
 */

useFakeServers();

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'out/node/electron/web/cli.js');

let root: string;
let child: ChildProcess | undefined;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`the web host is not built (${CLI} is missing): run "npm run build:node"`);
});

afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  if (root) await rm(root, { recursive: true, force: true });
});

/** Start the built web host on a free port; resolves with the URL it printed. */
async function startHost(dataDir: string, rendererDir: string): Promise<URL> {
  const host = spawn(process.execPath, [CLI, '--port', '0', '--data-dir', dataDir, '--renderer-dir', rendererDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = host;
  let out = '';
  let err = '';
  host.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise<URL>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`the web host did not start: ${err}`)), 10_000);
    host.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /Open: (\S+)/.exec(out)?.[1];
      if (url) {
        clearTimeout(timer);
        done(new URL(url));
      }
    });
  });
}

describe('a web-host session killed during DATA', () => {
  it('lists as interrupted, reads back as interrupted, and every export says so', async () => {
    root = await mkdtemp(join(tmpdir(), 'smtp-lens-web-kill-'));
    const dataDir = join(root, 'data');
    const rendererDir = join(root, 'renderer');
    await mkdir(rendererDir);
    await writeFile(join(rendererDir, 'index.html'), '<!DOCTYPE html><title>t</title>');

    let inData: () => void = () => {};
    const reachedData = new Promise<void>((r) => (inData = r));
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING', 'ENHANCEDSTATUSCODES']);
      for (let i = 0; i < 3; i++) await conn.readLine();
      conn.reply('250 2.1.0 ok', '250 2.1.5 ok', '354 go ahead');
      // Some of the body, then nothing: the session is in DATA when the host dies.
      await conn.readBytes(1024);
      inData();
      await conn.waitClosed(20_000).catch(() => undefined);
    });

    const url = await startHost(dataDir, rendererDir);
    const ws = new WebSocket(`ws://${url.host}/api?token=${encodeURIComponent(url.searchParams.get('token')!)}`, {
      origin: `http://${url.host}`,
    });
    await new Promise<void>((done, fail) => {
      ws.once('open', () => done());
      ws.once('error', fail);
    });
    let nextId = 1;
    const call = (channel: string, request: unknown): Promise<{ ok: boolean; value?: { sessionId?: string } }> => {
      const id = nextId++;
      return new Promise((done) => {
        ws.on('message', (data: WebSocket.RawData) => {
          const message = JSON.parse(String(data)) as { id?: number; result?: { ok: boolean; value?: { sessionId?: string } } };
          if (message.id === id) done(message.result!);
        });
        ws.send(JSON.stringify({ id, channel, request }));
      });
    };
    // One request: main connects, sends and would QUIT; the process dies while the body goes out.
    const started = await call('session.run', {
      operation: 'send',
      connection: { host: '127.0.0.1', port: server.port, timeoutSeconds: 30 },
      message: { from: 'a@example.org', to: ['b@example.org'], subject: 'killed', text: 'line of the body\n'.repeat(20_000) },
    });
    expect(started.ok).toBe(true);
    const sessionId = started.value!.sessionId!;
    await reachedData;
    // Past the log's 100 ms flush.
    await new Promise((r) => setTimeout(r, 300));
    child!.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    ws.terminate();

    const store = new SessionLogStore(dataDir);
    const [summary] = await store.list();
    expect(summary).toMatchObject({ id: sessionId, status: 'interrupted', verdict: 'unknown' });
    const opened = await store.openPaged(sessionId);
    expect(opened.status).toBe('interrupted');
    expect(opened.record.result).toMatchObject({ ok: false, interrupted: true, verdict: 'unknown', error: { code: 'interrupted' } });
    expect(opened.record.events.some((e) => e.dir === 'recv' && e.text === '354 go ahead')).toBe(true);

    const exported: Record<string, string> = {};
    for (const format of ['json', 'txt', 'html'] as const) {
      let text = '';
      for await (const piece of exportChunks(await store.stream(sessionId), format)) text += piece;
      exported[format] = text;
    }
    expect(JSON.parse(exported.json!).result).toMatchObject({ ok: false, interrupted: true });
    expect(exported.txt).toMatch(/^# result: Interrupted: the session log ends without its closing entry.*; delivery unknown$/m);
    expect(exported.txt).not.toMatch(/^# result: ok/m);
    expect(exported.html).toContain('<span class="neutral">Interrupted</span>');
  }, 30_000);
});
