import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventMap } from '../../shared/ipc/contract.js';
import type { SessionStage } from '../../shared/session-record.js';
import { REQUEST_SCHEMAS } from '../../shared/ipc/schemas.js';
import { SessionService } from '../../electron/app/api/session-service.js';
import { SessionLogStore } from '../../electron/app/services/session-log-store.js';
import { startFakeServer, greetAndEhlo, type FakeServer } from '../helpers/fake-server.js';
import { stubProfiles } from '../helpers/service-stubs.js';
import { sessionEvents, type SessionEvents } from '../helpers/session-events.js';

/**
 * The session runner in main (`SessionService.run`/`open`): the id is answered before anything connects, every event
 * of a session carries its id and goes to whoever started it, and a cancel ends the session cleanly at every stage it
 * can wait in — each against a real peer on loopback that waits exactly there.
 */

let dir: string;
let logs: SessionLogStore;
let events: SessionEvents;
let sessions: SessionService;
const servers: FakeServer[] = [];
const children: ChildProcess[] = [];
const sockets: net.Socket[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smtp-lens-runner-'));
  logs = await SessionLogStore.open(dir);
  events = sessionEvents();
  sessions = new SessionService({ profiles: stubProfiles('pw-secret-123'), logs, emit: events.emit, progressIntervalMs: 20 });
});

afterEach(async () => {
  await sessions.closeAll(2000);
  sessions.dispose();
  for (const s of sockets.splice(0)) s.destroy();
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const s of servers.splice(0)) await s.close();
  await rm(dir, { recursive: true, force: true });
});

const serve = async (script: Parameters<typeof startFakeServer>[0], options?: Parameters<typeof startFakeServer>[1]) => {
  const server = await startFakeServer(script, options);
  servers.push(server);
  return server;
};

const connectionTo = (port: number, extra: Record<string, unknown> = {}) => ({
  host: '127.0.0.1',
  port,
  allowPlaintextAuth: true,
  timeoutSeconds: 30,
  ...extra,
});

const message = (text = 'hello\n') => ({ from: 'a@example.org', to: ['b@example.org'], subject: 'runner', text });

/** Requests as the contract parses them (defaults filled in), as dispatch hands them to the service. */
const runRequest = (request: Record<string, unknown>) => REQUEST_SCHEMAS['session.run'].parse(request);
const openRequest = (request: Record<string, unknown>) => REQUEST_SCHEMAS['session.open'].parse(request);

/** Until main tells (by the session's id) that it waits in a stage matching `match`. */
async function stageReached(sessionId: string, match: (stage: SessionStage) => boolean, timeoutMs = 10_000): Promise<EventMap['progress']> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = events.of('progress', sessionId).find((p) => p.stage && match(p.stage));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`stage not reached; progress told: ${JSON.stringify(events.of('progress', sessionId))}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Cancel the session once it waits in the stage, then its end as told, checked for what every cancel must leave. */
async function cancelAt(sessionId: string, match: (stage: SessionStage) => boolean) {
  await stageReached(sessionId, match);
  await sessions.cancel({ sessionId });
  const done = await events.done(sessionId, 10_000);
  // Told once, by id; the session is let go and its log ended (not left "open").
  expect(events.of('session-done', sessionId)).toHaveLength(1);
  expect(sessions.openSessionIds).not.toContain(sessionId);
  await logs.flushAll();
  const summary = (await logs.list()).find((s) => s.id === sessionId);
  expect(summary?.status).toBe('failed');
  return { done, summary: summary! };
}

describe('the id comes first', () => {
  it('session.run answers with the id before anything connects, and no event of the session precedes the answer', async () => {
    let connectedAt: number | undefined;
    const server = await serve(async (conn) => {
      connectedAt = performance.now();
      await greetAndEhlo(conn);
      expect(await conn.readLine()).toBe('QUIT');
      conn.reply('221 bye');
    });
    const answer = await sessions.run(runRequest({ operation: 'probe', connection: connectionTo(server.port) }));
    const answeredAt = performance.now();
    expect(answer.sessionId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    // Nothing was told yet, and the server has seen no one.
    expect(events.all).toEqual([]);
    expect(connectedAt).toBeUndefined();
    const { record, open } = await events.done(answer.sessionId);
    expect(connectedAt).toBeGreaterThan(answeredAt);
    expect(open).toBe(false);
    expect(record.result.ok).toBe(true);
    // The id is the log's: the history finds it.
    expect((await logs.list()).map((s) => s.id)).toContain(answer.sessionId);
  });

  it('session.open answers with the id at once; the opening is told by session-done and the session stays for steps', async () => {
    const server = await serve(async (conn) => {
      await greetAndEhlo(conn);
      expect(await conn.readLine()).toBe('NOOP');
      conn.reply('250 ok');
      expect(await conn.readLine()).toBe('QUIT');
      conn.reply('221 bye');
    });
    const { sessionId } = await sessions.open(openRequest({ connection: connectionTo(server.port) }));
    expect(events.all).toEqual([]);
    const opened = await events.done(sessionId);
    expect(opened.open).toBe(true);
    expect(sessions.openSessionIds).toContain(sessionId);
    const noop = await sessions.raw({ sessionId, command: 'NOOP' });
    // Step answers carry no events, and say how many there are.
    expect(noop.events).toEqual([]);
    expect(noop.eventCount).toBe(events.transcript(sessionId).length);
    await sessions.close({ sessionId });
    expect(sessions.openSessionIds).toEqual([]);
  });
});

describe('events by id, to whoever asked', () => {
  it('two sessions at once: each event names its session and goes to its owner; the streamed lines are the log', async () => {
    const server = await serve(async (conn) => {
      await greetAndEhlo(conn);
      expect(await conn.readLine()).toBe('QUIT');
      conn.reply('221 bye');
    });
    const tabA = { name: 'tab A' };
    const tabB = { name: 'tab B' };
    const a = await sessions.run(runRequest({ operation: 'probe', connection: connectionTo(server.port) }), tabA);
    const b = await sessions.run(runRequest({ operation: 'probe', connection: connectionTo(server.port) }), tabB);
    await Promise.all([events.done(a.sessionId), events.done(b.sessionId)]);
    for (const event of events.all) {
      const id = (event.payload as { sessionId?: string }).sessionId;
      expect([a.sessionId, b.sessionId]).toContain(id);
      expect(event.to).toBe(id === a.sessionId ? tabA : tabB);
    }
    // Lines, the states, progress and the end: in that order for each.
    const channels = events.all.filter((e) => (e.payload as { sessionId: string }).sessionId === a.sessionId).map((e) => e.channel);
    expect(channels[0]).toBe('session-state');
    expect(channels.at(-1)).toBe('session-done');
    expect(channels).toContain('transcript');
    expect(channels).toContain('progress');
    const opened = await logs.open(a.sessionId);
    expect(opened.events).toEqual(events.transcript(a.sessionId));
  });

  it('a send in one request: progress tells the stages and the body bytes up to the total', async () => {
    const server = await serve(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING', '8BITMIME', 'SIZE 100000000']);
      await conn.readLine(); // MAIL
      conn.reply('250 ok');
      await conn.readLine(); // RCPT
      conn.reply('250 ok');
      await conn.readLine(); // DATA
      conn.reply('354 go');
      await conn.readUntil('\r\n.\r\n', 20_000);
      conn.reply('250 2.0.0 queued as R1');
      expect(await conn.readLine()).toBe('QUIT');
      conn.reply('221 bye');
    });
    const text = `${'y'.repeat(76)}\n`.repeat(40_000);
    const { sessionId } = await sessions.run(
      runRequest({ operation: 'send', connection: connectionTo(server.port), message: message(text) }),
    );
    const { record } = await events.done(sessionId);
    expect(record.result).toMatchObject({ ok: true, verdict: 'delivered' });
    const progress = events.of('progress', sessionId);
    // At most one every 20 ms here, with the latest: quick stages may be passed over, the last one never is.
    expect(progress.at(-1)?.stage).toMatchObject({ name: 'reply', command: 'QUIT' });
    const bodies = progress.filter((p) => p.bytesSent !== undefined);
    expect(bodies.length).toBeGreaterThan(0);
    expect(bodies.at(-1)!.bytesSent).toBe(bodies.at(-1)!.totalBytes);
    expect(bodies.at(-1)!.totalBytes).toBeGreaterThan(3_000_000);
  });
});

describe('cancel, at every stage', () => {
  it('before the session connected (right after the answer): nothing reaches the server', async () => {
    const server = await serve(async () => {});
    const { sessionId } = await sessions.run(runRequest({ operation: 'probe', connection: connectionTo(server.port) }));
    await sessions.cancel({ sessionId });
    const { record } = await events.done(sessionId);
    expect(record.result.error?.code).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 100));
    expect(server.connections).toHaveLength(0);
    expect(sessions.openSessionIds).toEqual([]);
  });

  it('while connecting (the listener never accepts: SYNs dropped)', async () => {
    // A listener with a full accept queue that never accepts: the next connect waits in SYN_SENT.
    const child = spawn('python3', [
      '-c',
      'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)',
    ]);
    children.push(child);
    const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
    for (let i = 0; i < 3; i++) sockets.push(net.connect(port, '127.0.0.1').on('error', () => {}));
    await new Promise((r) => setTimeout(r, 200));
    const { sessionId } = await sessions.run(runRequest({ operation: 'probe', connection: connectionTo(port) }));
    const { done, summary } = await cancelAt(sessionId, (s) => s.name === 'connect');
    expect(done.record.result.error?.code).toBe('cancelled');
    expect(done.record.greeting).toBeUndefined();
    expect(summary.errorCode).toBe('cancelled');
  });

  it('while waiting for the greeting', async () => {
    const server = await serve(async (conn) => {
      await conn.waitClosed(20_000);
    });
    const { sessionId } = await sessions.run(runRequest({ operation: 'probe', connection: connectionTo(server.port) }));
    const { done } = await cancelAt(sessionId, (s) => s.name === 'reply' && s.command === 'greeting');
    expect(done.record.result.error?.code).toBe('cancelled');
    await server.connections[0]!.waitClosed();
  });

  it('in the TLS handshake (implicit TLS against a port that never answers the hello)', async () => {
    const server = await serve(async (conn) => {
      await conn.waitClosed(20_000);
    });
    const { sessionId } = await sessions.run(
      runRequest({ operation: 'probe', connection: connectionTo(server.port, { tls: 'implicit' }) }),
    );
    const { done } = await cancelAt(sessionId, (s) => s.name === 'tls-handshake');
    expect(done.record.result.error?.code).toBe('cancelled');
    expect(done.record.tls).toBeUndefined();
  });

  it('while waiting for the answer to EHLO', async () => {
    const server = await serve(async (conn) => {
      conn.reply('220 fake.test ESMTP');
      await conn.readLine();
      await conn.waitClosed(20_000);
    });
    const { sessionId } = await sessions.run(runRequest({ operation: 'probe', connection: connectionTo(server.port) }));
    const { done } = await cancelAt(sessionId, (s) => s.name === 'reply' && /^EHLO/.test(s.command ?? ''));
    expect(done.record.result.error?.code).toBe('cancelled');
  });

  it('during AUTH: the secret never reaches the record, the events or the log', async () => {
    const server = await serve(async (conn) => {
      await greetAndEhlo(conn, ['AUTH PLAIN']);
      await conn.readLine();
      await conn.waitClosed(20_000);
    });
    const { sessionId } = await sessions.run(
      runRequest({
        operation: 'probe',
        connection: connectionTo(server.port),
        auth: { user: 'alice', secret: 'pw-secret-123', mechanism: 'plain' },
      }),
    );
    const { done } = await cancelAt(sessionId, (s) => s.name === 'reply' && /^AUTH/.test(s.command ?? ''));
    expect(done.record.result.error?.code).toBe('cancelled');
    const everything = JSON.stringify(events.all) + JSON.stringify(await logs.open(sessionId));
    expect(everything).not.toContain('pw-secret-123');
    expect(everything).not.toContain(Buffer.from('\0alice\0pw-secret-123').toString('base64'));
  });

  it('while the body is being sent (the server stopped reading): not delivered, and not "unknown"', async () => {
    const server = await serve(async (conn) => {
      await greetAndEhlo(conn);
      await conn.readLine();
      conn.reply('250 ok');
      await conn.readLine();
      conn.reply('250 ok');
      await conn.readLine();
      conn.reply('354 go');
      conn.socket.pause();
      await conn.waitClosed(20_000).catch(() => true);
    });
    const text = `${'z'.repeat(76)}\n`.repeat(400_000);
    const { sessionId } = await sessions.run(
      runRequest({ operation: 'send', connection: connectionTo(server.port), message: message(text) }),
    );
    const { done, summary } = await cancelAt(sessionId, (s) => s.name === 'body');
    expect(done.record.result.error?.code).toBe('cancelled');
    expect(done.record.result.verdict).not.toBe('delivered');
    expect(done.record.result.verdict).not.toBe('unknown');
    expect(summary.errorCode).toBe('cancelled');
  });

  it('after the whole message, waiting for its answer: the delivery is unknown (it may have been accepted)', async () => {
    const server = await serve(async (conn) => {
      await greetAndEhlo(conn);
      await conn.readLine();
      conn.reply('250 ok');
      await conn.readLine();
      conn.reply('250 ok');
      await conn.readLine();
      conn.reply('354 go');
      await conn.readUntil('\r\n.\r\n');
      await conn.waitClosed(20_000);
    });
    const { sessionId } = await sessions.run(runRequest({ operation: 'send', connection: connectionTo(server.port), message: message() }));
    const { done, summary } = await cancelAt(sessionId, (s) => s.name === 'reply' && s.command === 'final dot');
    expect(done.record.result.verdict).toBe('unknown');
    expect(summary.verdict).toBe('unknown');
  });

  it('while waiting for the answer to QUIT after a delivered message: still delivered', async () => {
    const server = await serve(async (conn) => {
      await greetAndEhlo(conn);
      await conn.readLine();
      conn.reply('250 ok');
      await conn.readLine();
      conn.reply('250 ok');
      await conn.readLine();
      conn.reply('354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply('250 2.0.0 queued');
      await conn.readLine(); // QUIT, never answered
      await conn.waitClosed(20_000);
    });
    const { sessionId } = await sessions.run(runRequest({ operation: 'send', connection: connectionTo(server.port), message: message() }));
    await stageReached(sessionId, (s) => s.name === 'reply' && s.command === 'QUIT');
    await sessions.cancel({ sessionId });
    const { record } = await events.done(sessionId);
    expect(record.result.verdict).toBe('delivered');
    expect(record.recipients?.[0]?.delivered).toBe(true);
    expect(sessions.openSessionIds).toEqual([]);
  });

  it('a step of an open session (VRFY never answered): the session ends, its log too', async () => {
    const server = await serve(async (conn) => {
      await greetAndEhlo(conn);
      await conn.readLine();
      await conn.waitClosed(20_000);
    });
    const { sessionId } = await sessions.open(openRequest({ connection: connectionTo(server.port) }));
    expect((await events.done(sessionId)).open).toBe(true);
    const step = sessions.verify({ sessionId, address: 'postmaster', expand: false });
    await stageReached(sessionId, (s) => s.name === 'reply' && /^VRFY/.test(s.command ?? ''));
    await sessions.cancel({ sessionId });
    const record = await step;
    expect(record.result.error?.code).toBe('cancelled');
    const closed = await sessions.close({ sessionId });
    expect(closed.result.error?.code).toBe('cancelled');
    expect(sessions.openSessionIds).toEqual([]);
    await logs.flushAll();
    expect((await logs.list()).find((s) => s.id === sessionId)?.status).toBe('failed');
  });
});
