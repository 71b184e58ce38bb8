import http from 'node:http';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SESSION_FIRST_PAGE, SESSION_PAGE, SESSION_PAGE_MAX } from '../../shared/ipc/channels.js';
import type {
  EventMap,
  OpenedSession,
  Result,
  SavedSessionSummary,
  SessionEventsPage,
  StartedSession,
  TestServerStatus,
} from '../../shared/ipc/contract.js';
import type { SessionRecord, TranscriptEvent } from '../../shared/session-record.js';
import { startWebHost, type WebHost } from '../../electron/web/server.js';
import { exportRecord } from '../../electron/app/services/session-export.js';
import { startFakeServer, type FakeConnection } from '../helpers/fake-server.js';

/**
 * The loopback web host over real HTTP and WebSocket connections: who may load the page and open the
 * API, and one full round trip against the built-in test server.
 */

let root: string;
let host: WebHost;
let origin: string;
let authority: string;

const INDEX =
  '<!DOCTYPE html><html><head><script type="module" src="/assets/app.js"></script></head><body>SMTP Lens test page</body></html>';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'smtp-lens-web-'));
  const rendererDir = join(root, 'renderer');
  await mkdir(join(rendererDir, 'assets'), { recursive: true });
  await writeFile(join(rendererDir, 'index.html'), INDEX);
  await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log("smtp lens");\n');
  await writeFile(join(rendererDir, 'assets', 'style.css'), 'body { color: red }\n');
  // Something outside assets/ that a traversal would like to reach.
  await writeFile(join(rendererDir, 'secret.txt'), 'do not serve me');
  await writeFile(join(root, 'package.json'), '{"name":"not served"}');
  host = await startWebHost({ port: 0, rendererDir, dataDir: join(root, 'data') });
  authority = `127.0.0.1:${host.port}`;
  origin = `http://${authority}`;
});

afterAll(async () => {
  await host?.close();
  await rm(root, { recursive: true, force: true });
});

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One raw HTTP request; the path is sent exactly as given (no normalisation). */
function request(
  path: string,
  options: { host?: string; method?: string; headers?: Record<string, string>; body?: Buffer; port?: number } = {},
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: options.port ?? host.port,
        path,
        method: options.method ?? 'GET',
        headers: { Host: options.host ?? authority, ...options.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Try to open the API; resolves to the open socket or the HTTP status that refused it. */
function connect(
  options: { token?: string | null; origin?: string | null; host?: string; path?: string } = {},
): Promise<WebSocket | number> {
  const token = options.token === undefined ? host.token : options.token;
  const path = options.path ?? '/api';
  const url = `ws://127.0.0.1:${host.port}${path}${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;
  const headers: Record<string, string> = {};
  if (options.host) headers.Host = options.host;
  const ws = new WebSocket(url, {
    ...(options.origin === null ? {} : { origin: options.origin ?? origin }),
    headers,
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (error) => reject(error));
  });
}

/** A client of the protocol: numbered requests, results by id, events collected. */
class Client {
  private nextId = 1;
  private readonly waiting = new Map<number, (result: Result<unknown>) => void>();
  readonly events: { event: keyof EventMap; payload: unknown }[] = [];
  readonly raw: string[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => {
      const text = String(data);
      this.raw.push(text);
      const message = JSON.parse(text) as { id?: number; result?: Result<unknown>; event?: keyof EventMap; payload?: unknown };
      if (typeof message.id === 'number') {
        this.waiting.get(message.id)?.(message.result!);
        this.waiting.delete(message.id);
      } else if (message.event) {
        this.events.push({ event: message.event, payload: message.payload });
      }
    });
  }

  call<T>(channel: string, request: unknown = {}): Promise<Result<T>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve as (result: Result<unknown>) => void);
      this.ws.send(JSON.stringify({ id, channel, request }));
    });
  }

  async value<T>(channel: string, request: unknown = {}): Promise<T> {
    const result = await this.call<T>(channel, request);
    if (!result.ok) throw new Error(`${channel} failed: ${JSON.stringify(result.error)}`);
    return result.value;
  }

  /** A session's end, as main tells it (`session-done`). */
  async done(sessionId: string): Promise<EventMap['session-done']> {
    const find = () =>
      this.events.find((e) => e.event === 'session-done' && (e.payload as EventMap['session-done']).sessionId === sessionId)?.payload as
        EventMap['session-done'] | undefined;
    await until(() => find() !== undefined, 20_000);
    return find()!;
  }
}

async function open(): Promise<Client> {
  const ws = await connect();
  if (typeof ws === 'number') throw new Error(`refused with ${ws}`);
  return new Client(ws);
}

const until = async (check: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('web host: the page', () => {
  it('prints a loopback URL with a 32-byte token', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
    expect(Buffer.from(host.token, 'base64url')).toHaveLength(32);
  });

  it('serves index.html only with the token, with a strict CSP and no caching', async () => {
    const good = await request(`/?token=${host.token}`);
    expect(good.status).toBe(200);
    expect(good.body).toBe(INDEX);
    expect(good.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(good.headers['cache-control']).toBe('no-store');
    expect(good.headers['x-content-type-options']).toBe('nosniff');
    const csp = String(good.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${host.port} ws://localhost:${host.port}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    // No CORS at all.
    expect(Object.keys(good.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);

    expect((await request('/')).status).toBe(403);
    expect((await request('/?token=wrong')).status).toBe(403);
    expect((await request(`/?token=${host.token}x`)).status).toBe(403);
    expect((await request(`/index.html?token=${host.token.slice(0, -1)}`)).status).toBe(403);
    expect((await request(`/index.html?token=${host.token}`)).status).toBe(200);
  });

  it('serves assets with their content types, and nothing outside assets/', async () => {
    const js = await request('/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    expect(js.body).toContain('smtp lens');
    expect((await request('/assets/style.css')).headers['content-type']).toBe('text/css; charset=utf-8');

    for (const path of [
      '/assets/../../package.json',
      '/assets/../secret.txt',
      '/assets/%2e%2e/secret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
      '/assets/..%5csecret.txt',
      '/assets/',
      '/assets/nothing.js',
      '/assets/app.js%00.png',
      '/secret.txt',
      '/package.json',
    ]) {
      const res = await request(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.body).not.toContain('do not serve me');
      expect(res.body).not.toContain('not served');
    }
  });

  it('refuses a Host that is not this loopback port (DNS rebinding)', async () => {
    for (const bad of ['evil.example', `evil.example:${host.port}`, `127.0.0.1:${host.port + 1}`, `localhost`]) {
      const res = await request(`/?token=${host.token}`, { host: bad });
      expect([403, 421], bad).toContain(res.status);
      expect(res.body).not.toContain('SMTP Lens test page');
      expect((await request('/assets/app.js', { host: bad })).status).toBeGreaterThanOrEqual(400);
    }
    expect((await request(`/?token=${host.token}`, { host: `localhost:${host.port}` })).status).toBe(200);
  });

  it('refuses other methods', async () => {
    expect((await request(`/?token=${host.token}`, { method: 'POST' })).status).toBe(405);
  });
});

describe('web host: the API socket', () => {
  it('needs the token', async () => {
    expect(await connect({ token: null })).toBe(403);
    expect(await connect({ token: 'wrong' })).toBe(403);
    expect(await connect({ token: `${host.token}A` })).toBe(403);
  });

  it('needs an Origin of this host', async () => {
    expect(await connect({ origin: null })).toBe(403);
    expect(await connect({ origin: 'http://evil.example' })).toBe(403);
    expect(await connect({ origin: `http://evil.example:${host.port}` })).toBe(403);
    expect(await connect({ origin: `https://127.0.0.1:${host.port}` })).toBe(403);
    expect(await connect({ origin: `http://127.0.0.1:${host.port + 1}` })).toBe(403);
    expect(await connect({ origin: 'null' })).toBe(403);
    const ok = await connect({ origin: `http://localhost:${host.port}` });
    expect(ok).toBeInstanceOf(WebSocket);
    (ok as WebSocket).close();
  });

  it('needs the Host of this server', async () => {
    expect(await connect({ host: 'evil.example' })).toBe(403);
    expect(await connect({ host: `evil.example:${host.port}` })).toBe(403);
  });

  it('is only at /api', async () => {
    expect(await connect({ path: '/' })).not.toBeInstanceOf(WebSocket);
    expect(await connect({ path: '/apix' })).not.toBeInstanceOf(WebSocket);
  });

  it('closes on malformed JSON and survives it', async () => {
    const ws = await connect();
    if (typeof ws === 'number') throw new Error('refused');
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('{not json');
    expect(await closed).toBe(1003);
    // The host still works.
    const client = await open();
    expect((await client.value<{ host: string }>('app.info')).host).toBe('web');
    client.ws.close();
  });

  it('answers an unknown channel and an invalid request with typed errors', async () => {
    const client = await open();
    const unknown = await client.call('session.explode', {});
    expect(unknown).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    const invalid = await client.call('session.open', { connection: { host: 'a\r\nb' } });
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    if (!invalid.ok) expect(invalid.error.issues?.[0]?.path).toBe('connection.host');
    client.ws.close();
  });

  it('refuses to listen on anything but loopback', async () => {
    await expect(
      startWebHost({ host: '0.0.0.0', port: 0, rendererDir: join(root, 'renderer'), dataDir: join(root, 'data2') }),
    ).rejects.toThrow(/loopback/);
    await expect(startWebHost({ host: '::', port: 0, rendererDir: join(root, 'renderer'), dataDir: join(root, 'data2') })).rejects.toThrow(
      /loopback/,
    );
    await expect(
      startWebHost({ host: '192.168.1.10', port: 0, rendererDir: join(root, 'renderer'), dataDir: join(root, 'data2') }),
    ).rejects.toThrow(/loopback/);
  });
});

describe('web host: a full round trip', () => {
  it('app.info, test server, probe, a live session streamed in batches, history and export without the password', async () => {
    const client = await open();
    const info = await client.value<{ host: string; version: string; secretStorage: { available: boolean } }>('app.info');
    expect(info.host).toBe('web');
    expect(info.secretStorage.available).toBe(false);

    const status = await client.value<TestServerStatus>('testServer.start', {
      options: { plain: true, starttls: false, implicitTls: false, lmtpSocket: false },
    });
    expect(status.running).toBe(true);
    const plain = status.listeners.find((l) => l.kind === 'plain');
    expect(plain?.port).toBeGreaterThan(0);
    const password = status.account!.password;
    const user = status.account!.user;
    expect(password.length).toBeGreaterThanOrEqual(8);
    await until(() => client.events.some((e) => e.event === 'test-server'));

    const connection = { host: '127.0.0.1', port: plain!.port, ehloName: 'client.test', timeoutSeconds: 5 };

    // A probe with AUTH, run by main: answered with the id, then its end told by that id to this tab only.
    const onlooker = await open();
    const run = await client.value<StartedSession>('session.run', {
      operation: 'probe',
      connection,
      auth: { user, secret: password, mechanism: 'plain' },
    });
    const probeEnd = await client.done(run.sessionId);
    const probe = probeEnd.record;
    expect(probeEnd.open).toBe(false);
    expect(probe.result).toMatchObject({ ok: true });
    expect(probe.operation).toBe('probe');
    expect(probe.capabilities.map((c) => c.name)).toContain('AUTH');
    expect(probe.capabilities.length).toBeGreaterThan(2);
    expect(probe.auth?.ok).toBe(true);
    expect(probe.events).toEqual([]);
    expect(probe.eventCount).toBeGreaterThan(5);
    expect(JSON.stringify(probe)).not.toContain(password);
    // The answer came before any event of the session.
    const answerAt = client.raw.findIndex((m) => m.includes(`"sessionId":"${run.sessionId}"`) && m.includes('"result"'));
    const firstEventAt = client.raw.findIndex((m) => m.includes(`"sessionId":"${run.sessionId}"`) && m.includes('"event"'));
    expect(answerAt).toBeGreaterThanOrEqual(0);
    expect(firstEventAt).toBeGreaterThan(answerAt);
    // The streamed lines are all the record counts.
    const probeLines = client.events.filter(
      (e) => e.event === 'transcript' && (e.payload as EventMap['transcript']).sessionId === run.sessionId,
    );
    expect(probeLines.flatMap((e) => (e.payload as EventMap['transcript']).events)).toHaveLength(probe.eventCount!);

    // A live session: open, authenticate, a raw command, close.
    const started = await client.value<StartedSession>('session.open', { connection });
    const { sessionId } = started;
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    const opened = await client.done(sessionId);
    expect(opened).toMatchObject({ open: true, record: { result: { ok: true }, greeting: { code: 220 } } });
    const authed = await client.value<SessionRecord>('session.authenticate', {
      sessionId,
      auth: { user, secret: password, mechanism: 'login' },
    });
    expect(authed.auth?.ok).toBe(true);
    const noop = await client.value<SessionRecord>('session.raw', { sessionId, command: 'NOOP' });
    expect(noop.commands?.at(-1)?.reply.code).toBe(250);
    const sent = await client.value<SessionRecord>('session.send', {
      sessionId,
      message: {
        from: 'Alice <alice@example.net>',
        to: ['bob@example.org'],
        subject: 'web host test',
        text: 'hello\n'.repeat(2000),
        attachments: [{ filename: 'note.txt', contentType: 'text/plain', contentBase64: Buffer.from('attached text').toString('base64') }],
        envelopeTo: ['carol@example.org'],
      },
    });
    expect(sent.result).toMatchObject({ ok: true, verdict: 'delivered' });
    expect(sent.recipients?.map((r) => r.address)).toEqual(['carol@example.org']);
    await until(() =>
      client.events.some((e) => {
        const p = e.payload as EventMap['progress'];
        return e.event === 'progress' && p.sessionId === sessionId && p.bytesSent === p.totalBytes;
      }),
    );
    const received = await client.value<{ envelopeTo: string[]; raw: string }[]>('testServer.messages');
    expect(received.at(-1)?.envelopeTo).toEqual(['carol@example.org']);
    expect(received.at(-1)?.raw).toContain('note.txt');
    const closed = await client.value<SessionRecord>('session.close', { sessionId });
    expect(closed.result.ok).toBe(true);

    // The transcript arrived as batched events, complete and in order, before the answers.
    const batches = client.events
      .filter((e) => e.event === 'transcript')
      .map((e) => e.payload as EventMap['transcript'])
      .filter((b) => b.sessionId === sessionId);
    const streamed: TranscriptEvent[] = batches.flatMap((b) => b.events);
    expect(streamed.length).toBeGreaterThan(5);
    expect(batches.length).toBeLessThan(streamed.length);
    // Streamed only: the answers carry no transcript (main keeps none for a live session).
    expect(closed.events).toEqual([]);
    const states = client.events
      .filter((e) => e.event === 'session-state')
      .map((e) => e.payload as EventMap['session-state'])
      .filter((s) => s.sessionId === sessionId)
      .map((s) => s.state);
    expect(states[0]).toBe('connecting');
    expect(states).toContain('ready');
    expect(states.at(-1)).toBe('closed');

    // The history lists it, complete.
    const list = await client.value<SavedSessionSummary[]>('sessions.list');
    const saved = list.find((s) => s.id === sessionId);
    expect(saved).toMatchObject({ operation: 'session', status: 'ok', target: `127.0.0.1:${plain!.port}` });
    expect(list.filter((s) => s.operation === 'probe')).toHaveLength(1);

    // A short session comes whole in the first answer (no reading page by page follows).
    const reopened = await client.value<OpenedSession>('sessions.open', { id: sessionId });
    expect(reopened).toMatchObject({ status: 'ok', damagedLines: 0 });
    expect(reopened.more).toBeUndefined();
    // The log has every event that was streamed, in order.
    expect(reopened.record.events).toEqual(streamed);
    expect(reopened.record.result).toEqual(closed.result);

    for (const format of ['txt', 'json', 'html'] as const) {
      // The exporter's whole text of the saved log, as the reference the download must equal.
      const file = exportRecord(await host.services.logs.open(sessionId), format);
      expect(file.filename).toMatch(new RegExp(`^smtp-lens-session-127.0.0.1-[0-9T-]+Z\\.${format}$`));
      expect(file.content).not.toContain(password);
      expect(file.content).not.toContain(Buffer.from(password).toString('base64'));
      if (format === 'txt') {
        expect(file.content).toContain("send: 'EHLO client.test\\r\\n'");
        expect(file.content).toContain("send: 'AUTH LOGIN\\r\\n'");
        expect(file.content).toContain('NOOP');
        expect(file.content).toContain('<redacted');
      }
      // What the app does: a link from main, then the file streamed over HTTP; the same bytes, no password either.
      const link = await client.value<{ download: { path: string; filename: string } }>('sessions.exportToFile', { id: sessionId, format });
      expect(link.download).toEqual({ path: `/export/${sessionId}.${format}`, filename: file.filename });
      const downloaded = await request(`${link.download.path}?token=${host.token}`);
      expect(downloaded.status).toBe(200);
      expect(downloaded.headers['content-disposition']).toBe(`attachment; filename="${file.filename}"`);
      expect(downloaded.body === file.content, `${format} download differs from sessions.export`).toBe(true);
      expect(downloaded.body).not.toContain(password);
      expect(downloaded.body).not.toContain(Buffer.from(password).toString('base64'));
    }

    // Nothing that crossed the socket about sessions carries the password (the test server's own
    // status shows its account by design; those messages are left out).
    const sessionTraffic = client.raw.filter((m) => !m.includes('"account"'));
    expect(sessionTraffic.length).toBeGreaterThan(5);
    for (const message of sessionTraffic) expect(message).not.toContain(password);

    const gone = await client.call('session.raw', { sessionId, command: 'NOOP' });
    expect(gone).toMatchObject({ ok: false, error: { code: 'not-found' } });

    // Another tab heard nothing of these sessions: their events went only to the tab that asked.
    const overheard = onlooker.events.filter((e) => e.event !== 'test-server');
    expect(overheard).toEqual([]);
    onlooker.ws.close();

    await client.value('testServer.stop');
    client.ws.close();
  });
});

describe('web host: a long saved session, page by page', () => {
  const id = '20260101T000000000Z-pages0a1b2c3d';
  const total = 60_000;
  const event = (i: number): TranscriptEvent => ({
    t: i * 1000,
    wall: 1767225600000 + i,
    dir: i % 2 ? 'recv' : 'send',
    tls: false,
    text: `line ${i} ${'x'.repeat(40)}`,
  });

  beforeAll(async () => {
    const record = {
      version: 1,
      tool: 'smtp-lens',
      operation: 'session',
      startedAt: '2026-01-01T00:00:00.000Z',
      durationMs: 1,
      target: { protocol: 'smtp', tls: 'off', host: '192.0.2.1', port: 25, ehloName: 'c' },
      capabilities: [],
      result: { ok: true },
    };
    const lines = [JSON.stringify({ type: 'start', version: 1, id, record })];
    for (let i = 0; i < total; i += 1000)
      lines.push(JSON.stringify({ type: 'events', events: Array.from({ length: 1000 }, (_, k) => event(i + k)) }));
    lines.push(JSON.stringify({ type: 'end', eventCount: total, record }));
    await mkdir(join(root, 'data', 'sessions'), { recursive: true });
    await writeFile(join(root, 'data', 'sessions', `${id}.jsonl`), lines.join('\n') + '\n');
  });

  it('answers the record with a first page, then the pages asked for, only to the client that asks', async () => {
    const client = await open();
    const bystander = await open();
    try {
      const opened = await client.value<OpenedSession>('sessions.open', { id });
      expect(opened).toMatchObject({ status: 'ok', damagedLines: 0, more: { next: SESSION_FIRST_PAGE, expectedEvents: total } });
      expect(opened.record.result).toEqual({ ok: true });
      const events = [...opened.record.events];
      for (let from = opened.more!.next; ;) {
        const page = await client.value<SessionEventsPage>('sessions.events', {
          id,
          loadId: opened.more!.loadId,
          from,
          limit: SESSION_PAGE,
        });
        events.push(...page.events);
        if (page.done) break;
        from = page.next;
      }
      expect(events).toHaveLength(total);
      expect(events.every((e, i) => e.text === event(i).text)).toBe(true);
      // No answer holds the whole transcript: the largest is about a page.
      const largest = Math.max(...client.raw.map((m) => m.length));
      expect(largest).toBeLessThan((SESSION_PAGE + 1000) * 120);
      expect(client.raw.length).toBe(1 + Math.ceil((total - SESSION_FIRST_PAGE) / SESSION_PAGE));
      // Pages are answers, not broadcasts: another window sees none of them.
      expect(bystander.raw.filter((m) => m.includes('line 1'))).toEqual([]);
    } finally {
      client.ws.close();
      bystander.ws.close();
    }
  });

  it('streams an export as a download, byte for byte what the exporter makes of the whole record, with the headers of an attachment', async () => {
    const client = await open();
    try {
      const types = { json: 'application/json', txt: 'text/plain; charset=utf-8', html: 'text/html; charset=utf-8' } as const;
      for (const format of ['json', 'txt', 'html'] as const) {
        const whole = exportRecord(await host.services.logs.open(id), format);
        expect(whole.filename).toBe(`smtp-lens-session-192.0.2.1-2026-01-01T000000Z.${format}`);
        const link = await client.value<{ download: { path: string; filename: string } }>('sessions.exportToFile', { id, format });
        expect(link).toEqual({ download: { path: `/export/${id}.${format}`, filename: whole.filename } });

        const res = await request(`/export/${id}.${format}?token=${host.token}`, { headers: { 'Sec-Fetch-Site': 'same-origin' } });
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toBe(types[format]);
        expect(whole.mimeType).toBe(types[format]);
        expect(res.headers['content-disposition']).toBe(`attachment; filename="${whole.filename}"`);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
        // Streamed: no length known up front.
        expect(res.headers['transfer-encoding']).toBe('chunked');
        expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
        expect(res.body.length).toBe(whole.content.length);
        expect(res.body === whole.content, `${format} download differs from sessions.export`).toBe(true);
      }
      const json = JSON.parse((await request(`/export/${id}.json?token=${host.token}`)).body) as SessionRecord;
      expect(json.events).toHaveLength(total);

      const head = await request(`/export/${id}.html?token=${host.token}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers['content-disposition']).toMatch(/^attachment; filename="smtp-lens-session-.*\.html"$/);
      expect(head.body).toBe('');
    } finally {
      client.ws.close();
    }
  });

  it('serves an export only with the token, to this host, and not to another site', async () => {
    const path = `/export/${id}.json`;
    const refused = [
      [path, {}, 403],
      [`${path}?token=wrong`, {}, 403],
      [`${path}?token=${host.token}x`, {}, 403],
      [`${path}?token=${host.token.slice(0, -1)}`, {}, 403],
      [`${path}?x=${host.token}`, {}, 403],
      [`${path}?token=${host.token}`, { host: `evil.example:${host.port}` }, 421],
      [`${path}?token=${host.token}`, { headers: { Origin: 'http://evil.example' } }, 403],
      [`${path}?token=${host.token}`, { headers: { Origin: 'null' } }, 403],
      [`${path}?token=${host.token}`, { headers: { 'Sec-Fetch-Site': 'cross-site' } }, 403],
      [`${path}?token=${host.token}`, { headers: { 'Sec-Fetch-Site': 'same-site' } }, 403],
      [`/export/${id}.pdf?token=${host.token}`, {}, 404],
      [`/export/${id}?token=${host.token}`, {}, 404],
      [`/export/..%2F${id}.json?token=${host.token}`, {}, 404],
      [`/export/../sessions/${id}.jsonl?token=${host.token}`, {}, 404],
      [`/export/20260101T000000000Z-n0thing00000.json?token=${host.token}`, {}, 404],
    ] as const;
    for (const [target, options, status] of refused) {
      const res = await request(target, options);
      expect(res.status, `${target} ${JSON.stringify(options)}`).toBe(status);
      expect(res.body).not.toContain('"events"');
      expect(res.headers['content-disposition']).toBeUndefined();
    }
    expect((await request(`/export/20260101T000000000Z-n0thing00000.json?token=${host.token}`)).body).toMatch(/^not-found: /);
    // The page's own origin, or a download the user started by hand, is fine.
    expect((await request(`${path}?token=${host.token}`, { headers: { Origin: origin, 'Sec-Fetch-Site': 'same-origin' } })).status).toBe(
      200,
    );
    expect((await request(`${path}?token=${host.token}`, { headers: { 'Sec-Fetch-Site': 'none' } })).status).toBe(200);
  });

  it('checks page requests like any other: unknown readings, sizes, extra fields', async () => {
    const client = await open();
    try {
      const opened = await client.value<OpenedSession>('sessions.open', { id });
      const loadId = opened.more!.loadId;
      expect(await client.call('sessions.events', { id: '20260101T000000000Z-0ther0000000', loadId, from: 0, limit: 10 })).toMatchObject({
        ok: false,
        error: { code: 'not-found' },
      });
      for (const bad of [
        { id, loadId, from: 0, limit: 0 },
        { id, loadId, from: 0, limit: SESSION_PAGE_MAX + 1 },
        { id, loadId, from: -1, limit: 10 },
        { id, loadId: '../x', from: 0, limit: 10 },
        { id, loadId, from: 0, limit: 10, extra: true },
      ]) {
        expect(await client.call('sessions.events', bad)).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
      }
    } finally {
      client.ws.close();
    }
  });
});

describe('web host: shutting down', () => {
  it('QUITs every open session and ends its log, within a bounded time even when a server hangs', async () => {
    const greet = async (conn: FakeConnection): Promise<void> => {
      conn.reply('220 fake ESMTP');
      await conn.readLine();
      conn.reply('250-fake', '250 PIPELINING');
    };
    const quitLines: string[] = [];
    const polite = await startFakeServer(async (conn) => {
      await greet(conn);
      quitLines.push(await conn.readLine(10_000));
      conn.reply('221 bye');
      conn.end();
    });
    // Reads NOOP and never answers anything again.
    const hanging = await startFakeServer(async (conn) => {
      await greet(conn);
      await conn.readLine(10_000);
      await conn.waitClosed(10_000);
    });
    const other = await startWebHost({ port: 0, rendererDir: join(root, 'renderer'), dataDir: join(root, 'data-shutdown') });
    try {
      const ws = await new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(`ws://127.0.0.1:${other.port}/api?token=${other.token}`, { origin: `http://127.0.0.1:${other.port}` });
        socket.once('open', () => resolve(socket));
        socket.once('error', reject);
      });
      const client = new Client(ws);
      const a = await client.value<StartedSession>('session.open', {
        connection: { host: '127.0.0.1', port: polite.port, timeoutSeconds: 30 },
      });
      const b = await client.value<StartedSession>('session.open', {
        connection: { host: '127.0.0.1', port: hanging.port, timeoutSeconds: 30 },
      });
      expect((await client.done(a.sessionId)).open && (await client.done(b.sessionId)).open).toBe(true);
      // A step that will never finish on its own.
      void client.call('session.raw', { sessionId: b.sessionId, command: 'NOOP' });
      await new Promise((r) => setTimeout(r, 100));

      const started = performance.now();
      await other.close();
      const took = performance.now() - started;
      expect(took).toBeLessThan(6000);
      expect(quitLines).toEqual(['QUIT']);
      const list = await other.services.logs.list();
      const byId = new Map(list.map((s) => [s.id, s]));
      expect(byId.get(a.sessionId)?.status).toBe('ok');
      expect(byId.get(b.sessionId)?.status).not.toBe('open');
    } finally {
      await other.close();
      await polite.close();
      await hanging.close();
    }
  });
});

describe('web host: attachments uploaded by the page', () => {
  it('streams a file to main (token and own origin only, bounded), and a send attaches it by id', async () => {
    const dataDir = join(root, 'data-uploads');
    const small = await startWebHost({ port: 0, rendererDir: join(root, 'renderer'), dataDir, maxUploadBytes: 1024 * 1024 });
    const own = `http://127.0.0.1:${small.port}`;
    const post = (query: string, body: Buffer, headers: Record<string, string> = { Origin: own }) =>
      request(`/upload${query}`, {
        method: 'POST',
        port: small.port,
        host: `127.0.0.1:${small.port}`,
        body,
        headers: { 'Content-Type': 'application/octet-stream', ...headers },
      });
    try {
      const content = Buffer.alloc(300_000, 7);
      expect((await post('', content)).status).toBe(403);
      expect((await post('?token=wrong-token-123456', content)).status).toBe(403);
      expect((await post(`?token=${small.token}`, content, { Origin: 'http://evil.example' })).status).toBe(403);
      expect((await post(`?token=${small.token}`, content, {})).status).toBe(403);
      expect((await post(`?token=${small.token}`, content, { Origin: own, 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
      const tooBig = await post(`?token=${small.token}`, Buffer.alloc(1024 * 1024 + 1, 1));
      expect(tooBig.status).toBe(413);
      expect(tooBig.body).toMatch(/at most 1 MiB/);
      expect(await readdir(join(dataDir, 'uploads'))).toEqual([]);

      const answer = await post(`?token=${small.token}`, content);
      expect(answer.status).toBe(200);
      const upload = JSON.parse(answer.body) as { id: string; size: number };
      expect(upload.size).toBe(content.length);
      expect(await readdir(join(dataDir, 'uploads'))).toEqual([upload.id]);

      const ws = new WebSocket(`ws://127.0.0.1:${small.port}/api?token=${small.token}`, { origin: own });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const client = new Client(ws);
      const status = await client.value<TestServerStatus>('testServer.start', {
        options: { plain: true, starttls: false, implicitTls: false, lmtpSocket: false },
      });
      const plain = status.listeners.find((l) => l.kind === 'plain')!;
      const run = await client.value<StartedSession>('session.run', {
        operation: 'send',
        connection: { host: '127.0.0.1', port: plain.port, timeoutSeconds: 10 },
        message: {
          from: 'a@example.org',
          to: ['b@example.org'],
          subject: 'upload',
          text: 'see attached',
          attachments: [{ upload: upload.id, filename: 'blob.bin' }],
        },
      });
      const end = await client.done(run.sessionId);
      expect(end.record.result).toMatchObject({ ok: true, verdict: 'delivered' });
      const received = await client.value<{ raw: string }[]>('testServer.messages');
      expect(received.at(-1)?.raw).toContain('blob.bin');
      expect(received.at(-1)?.raw.replace(/\r\n/g, '')).toContain(content.subarray(0, 3000).toString('base64'));
      // An id the host never answered is refused before any session exists.
      const unknown = await client.call('session.run', {
        operation: 'send',
        connection: { host: '127.0.0.1', port: plain.port },
        message: { from: 'a@example.org', to: ['b@example.org'], attachments: [{ upload: 'nosuchupload', filename: 'x' }] },
      });
      expect(unknown).toMatchObject({ ok: false, error: { code: 'not-found' } });
      await client.value('testServer.stop');
      ws.close();
    } finally {
      await small.close();
    }
    // The uploads go with the host.
    await expect(readdir(join(dataDir, 'uploads'))).rejects.toThrow(/ENOENT/);
  });
});
