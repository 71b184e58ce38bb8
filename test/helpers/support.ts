/**
 * Shared plumbing for the byte-level integration tests: fake servers that are closed after each
 * test, fast session options, and small readers for the bytes the client wrote.
 */
import { afterEach, expect } from 'vitest';
import { startFakeServer, type FakeConnection, type FakeServer, type FakeServerOptions } from './fake-server.js';
import { SmtpSession, type SessionOptions } from '../../electron/smtp/session.js';
import type { StageTimeouts } from '../../electron/smtp/timeouts.js';

export { greetAndEhlo, type FakeConnection, type FakeServer } from './fake-server.js';

const servers: FakeServer[] = [];

/** Close every fake server a test started; call once at the top of each test file. */
export function useFakeServers(): void {
  afterEach(async () => {
    const open = servers.splice(0);
    await Promise.all(open.map((s) => s.close()));
  });
}

/** Start a fake server that is closed after the test. */
export async function fakeServer(
  script: (conn: FakeConnection, index: number) => Promise<void>,
  options: FakeServerOptions = {},
): Promise<FakeServer> {
  const server = await startFakeServer(script, options);
  servers.push(server);
  return server;
}

/** Stage timeouts short enough that a hang fails fast, long enough for a loaded CI machine. */
export const FAST: Partial<StageTimeouts> = {
  connect: 2000,
  tlsHandshake: 2000,
  greeting: 2000,
  ehlo: 2000,
  starttls: 2000,
  auth: 2000,
  mail: 2000,
  rcpt: 2000,
  dataInit: 2000,
  dataBlock: 2000,
  dataEnd: 2000,
  command: 2000,
  quit: 1000,
};

/** Connection options for a loopback fake server. */
export function tcp(server: FakeServer, extra: Partial<SessionOptions> = {}): SessionOptions {
  const { timeouts, ...rest } = extra;
  return {
    host: '127.0.0.1',
    port: server.port,
    ehloName: 'client.test',
    ...rest,
    timeouts: { ...FAST, ...(typeof timeouts === 'number' ? {} : timeouts) },
  };
}

/** Connection options for a Unix-socket fake server. */
export function unix(server: FakeServer, extra: Partial<SessionOptions> = {}): SessionOptions {
  const { timeouts, ...rest } = extra;
  return {
    socketPath: server.path!,
    ehloName: 'client.test',
    ...rest,
    timeouts: { ...FAST, ...(typeof timeouts === 'number' ? {} : timeouts) },
  };
}

/** Read the next client line and check it. */
export async function expectLine(conn: FakeConnection, expected: string | RegExp): Promise<string> {
  const line = await conn.readLine(3000);
  if (typeof expected === 'string') expect(line).toBe(expected);
  else expect(line).toMatch(expected);
  return line;
}

/** Read QUIT, answer 221 and wait for the client to close. */
export async function quit(conn: FakeConnection): Promise<void> {
  await expectLine(conn, 'QUIT');
  conn.reply('221 2.0.0 bye');
  await conn.waitClosed();
}

/** Everything the client sent on a connection, as text (latin1 keeps bytes 1:1). */
export function wire(conn: FakeConnection | undefined): string {
  return conn ? conn.received.toString('latin1') : '';
}

/** The command lines the client sent (split on CRLF; a trailing empty piece dropped). */
export function wireLines(conn: FakeConnection | undefined): string[] {
  const lines = wire(conn).split('\r\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Wait until the condition holds (polling), or fail after `ms`. */
export async function until(condition: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Assert the script of each connection finished without throwing. */
export async function scriptsOk(server: FakeServer): Promise<void> {
  for (let i = 0; i < server.connections.length; i++) await server.done(i);
  expect(server.scriptErrors.map((e) => e.message)).toEqual([]);
}

/** Catch the rejection of a promise and return it (fails the test if it resolves). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever the rejection carries (code, stage, reply …)
export async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

export const b64 = (text: string | Buffer): string => Buffer.from(text as string).toString('base64');
export const unb64 = (text: string): string => Buffer.from(text, 'base64').toString('utf8');

/** A session opened (greeting and EHLO done) on a fake server, for driving the engine's parts directly. */
export async function openSession(server: FakeServer, extra: Partial<SessionOptions> = {}): Promise<SmtpSession> {
  const session = new SmtpSession(tcp(server, extra));
  await session.open();
  return session;
}
