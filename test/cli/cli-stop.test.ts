import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../shared/session-record.js';
import { EXIT } from '../../electron/cli/exit-codes.js';
import { assertCliBuilt, cli, type Run } from '../helpers/cli.js';
import { scriptedServers, startFakeServer, type FakeConnection, type FakeServer, type ScriptedServer } from '../helpers/fake-server.js';
import { startLibraryServer, type LibraryServer, type LibraryServerOptions } from '../helpers/library-server.js';
import { testPki } from '../helpers/certs.js';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * --quit-after / --drop-after (swaks' names): the session stops at the stage asked for, what the server received
 * says so byte for byte, and with rcpt the exit status is the recipients' verdict with no DATA ever sent.
 */

const USER = 'stop-user@example.test';
const SECRET = 'Stop-Secret-31b7';
const servers: LibraryServer[] = [];
const fakes: FakeServer[] = [];
let caFile: string;

beforeAll(async () => {
  assertCliBuilt();
  const dir = await mkdtemp(join(tmpdir(), 'smtp-lens-stop-'));
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, (await testPki()).caCert);
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(fakes.splice(0).map((s) => s.close()));
});

async function server(options: LibraryServerOptions = {}): Promise<string[]> {
  const s = await startLibraryServer(options);
  servers.push(s);
  return ['--host', '127.0.0.1', '--port', String(s.port), '--ehlo', 'client.test', '--timeout', '5'];
}
const lastServer = (): LibraryServer => servers.at(-1)!;
/** The command lines the server received in plaintext, in order. */
const received = (): string[] => lastServer().received.toString('latin1').split('\r\n').filter(Boolean);
const record = (run: Run): SessionRecord => JSON.parse(run.stdout) as SessionRecord;
const verbs = (): string[] => received().map((l) => l.split(/[ :]/)[0]!.toUpperCase());

const envelope = (...to: string[]): string[] => ['--from', 'sender@example.org', ...to.flatMap((t) => ['--to', t]), '--body', 'x'];

describe('--quit-after rcpt: the recipient check, no DATA', () => {
  it('every recipient accepted → exit 0, QUIT right after the RCPTs, nothing delivered', async () => {
    const at = await server();
    const run = await cli(['send', ...at, ...envelope('a@example.org', 'b@example.org'), '--quit-after', 'rcpt']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(EXIT.ok);
    expect(verbs()).toEqual(['EHLO', 'MAIL', 'RCPT', 'RCPT', 'QUIT']);
    expect(lastServer().messages).toHaveLength(0);
    expect(run.stdout).toMatch(/^Stopped:\s+after RCPT as asked: QUIT sent; no DATA, nothing delivered$/m);
    expect(run.stdout).toMatch(/^ {2}a@example\.org {2}accepted \(no data sent\) {2}rcpt 250/m);
    expect(run.stdout).not.toMatch(/^Message:/m);
  });

  it('one recipient refused → exit 8, the record says which, still no DATA', async () => {
    const at = await server({ refuseRecipients: ['b@example.org'] });
    const run = await cli(['send', ...at, ...envelope('a@example.org', 'b@example.org'), '--quit-after', 'rcpt', '--json']);
    expect(run.code).toBe(EXIT.someRecipientsRefused);
    expect(verbs()).not.toContain('DATA');
    expect(verbs().at(-1)).toBe('QUIT');
    const r = record(run);
    expect(r.stoppedAfter).toEqual({ stage: 'rcpt', quit: true });
    expect(r.result.error?.code).toBe('some-recipients-refused');
    expect(r.result.verdict).toBeUndefined();
    expect(r.recipients?.map((x) => [x.address, x.accepted, x.delivered])).toEqual([
      ['a@example.org', true, false],
      ['b@example.org', false, false],
    ]);
    expect(r.message).toBeUndefined();
  });

  it('every recipient refused → exit 7', async () => {
    const at = await server({ refuseRecipients: ['a@example.org', 'b@example.org'] });
    const run = await cli(['send', ...at, ...envelope('a@example.org', 'b@example.org'), '--quit-after', 'rcpt']);
    expect(run.code).toBe(EXIT.recipientsRefused);
    expect(verbs()).toEqual(['EHLO', 'MAIL', 'RCPT', 'RCPT', 'QUIT']);
    expect(run.stdout).toMatch(/^ {2}b@example\.org {2}REFUSED {2}rcpt 550/m);
  });

  it('without PIPELINING the RCPTs go one at a time, each after its answer', async () => {
    const at = await server({ hidePIPELINING: true });
    const run = await cli(['send', ...at, ...envelope('a@example.org', 'b@example.org'), '--quit-after', 'rcpt']);
    expect(run.code).toBe(EXIT.ok);
    expect(verbs()).toEqual(['EHLO', 'MAIL', 'RCPT', 'RCPT', 'QUIT']);
  });

  it('--drop-after rcpt closes the connection without QUIT', async () => {
    const at = await server();
    const run = await cli(['send', ...at, ...envelope('a@example.org'), '--drop-after', 'rcpt', '--json']);
    expect(run.code).toBe(EXIT.ok);
    expect(record(run).stoppedAfter).toEqual({ stage: 'rcpt', quit: false });
    // Let the server see the close before reading what it got.
    await new Promise((r) => setTimeout(r, 100));
    expect(verbs()).toEqual(['EHLO', 'MAIL', 'RCPT']);
  });
});

describe('--quit-after mail', () => {
  it('a refused sender → exit 6, no RCPT', async () => {
    const at = await server({ refuseSenders: ['sender@example.org'] });
    const run = await cli(['send', ...at, ...envelope('a@example.org'), '--quit-after', 'mail']);
    expect(run.code).toBe(EXIT.senderRefused);
    expect(verbs()).toEqual(['EHLO', 'MAIL', 'QUIT']);
  });

  it('an accepted sender → exit 0, QUIT after MAIL', async () => {
    const at = await server();
    const run = await cli(['send', ...at, ...envelope('a@example.org'), '--quit-after', 'mail']);
    expect(run.code).toBe(EXIT.ok);
    expect(verbs()).toEqual(['EHLO', 'MAIL', 'QUIT']);
  });
});

describe('stages before the envelope', () => {
  it('--quit-after ehlo with STARTTLS asked: QUIT before STARTTLS', async () => {
    const at = await server({ tls: 'starttls' });
    const run = await cli(['probe', ...at, '--tls', 'starttls', '--ca', caFile, '--quit-after', 'ehlo']);
    expect(run.code).toBe(EXIT.ok);
    expect(verbs()).toEqual(['EHLO', 'QUIT']);
  });

  it('--quit-after tls: STARTTLS and the second EHLO, then QUIT inside TLS', async () => {
    const at = await server({ tls: 'starttls' });
    const run = await cli([
      'send',
      ...at,
      ...envelope('a@example.org'),
      '--tls',
      'starttls',
      '--ca',
      caFile,
      '--quit-after',
      'tls',
      '--json',
    ]);
    expect(run.code).toBe(EXIT.ok);
    const r = record(run);
    expect(r.tls?.authorized).toBe(true);
    expect(r.stoppedAfter).toEqual({ stage: 'tls', quit: true });
    // Plaintext: EHLO and STARTTLS only; the rest went inside TLS, and no transaction was begun.
    expect(verbs()).toEqual(['EHLO', 'STARTTLS']);
    expect(r.events.filter((e) => e.dir === 'send').map((e) => e.text.split(' ')[0])).toEqual(['EHLO', 'STARTTLS', 'EHLO', 'QUIT']);
    expect(lastServer().messages).toHaveLength(0);
  });

  it('--quit-after auth: AUTH, then QUIT; no MAIL', async () => {
    const at = await server({ auth: { user: USER, password: SECRET } });
    const run = await cli(
      [
        'send',
        ...at,
        ...envelope('a@example.org'),
        '--auth',
        'plain',
        '--user',
        USER,
        '--password-env',
        'STOP_SECRET',
        '--quit-after',
        'auth',
      ],
      { STOP_SECRET: SECRET },
    );
    expect(run.code).toBe(EXIT.ok);
    expect(verbs()).toEqual(['EHLO', 'AUTH', 'QUIT']);
    expect(run.stdout).toMatch(/^Auth:\s+PLAIN succeeded/m);
  });

  it('--quit-after auth with a refused AUTH: it stopped there, exit 5', async () => {
    const at = await server({ auth: { user: USER, password: SECRET } });
    const run = await cli(
      [
        'send',
        ...at,
        ...envelope('a@example.org'),
        '--auth',
        'plain',
        '--user',
        USER,
        '--password-env',
        'STOP_SECRET',
        '--quit-after',
        'auth',
        '--json',
      ],
      { STOP_SECRET: 'wrong' },
    );
    expect(run.code).toBe(EXIT.auth);
    expect(record(run).stoppedAfter).toEqual({ stage: 'auth', quit: true });
    expect(verbs()).toEqual(['EHLO', 'AUTH', 'QUIT']);
  });

  it('--quit-after auth without credentials stops where AUTH would have been: before MAIL', async () => {
    const at = await server();
    const run = await cli(['send', ...at, ...envelope('a@example.org'), '--quit-after', 'auth']);
    expect(run.code).toBe(EXIT.ok);
    expect(verbs()).toEqual(['EHLO', 'QUIT']);
  });

  it('--quit-after tls with TLS off stops where STARTTLS would have been: after EHLO, before AUTH', async () => {
    const at = await server({ auth: { user: USER, password: SECRET } });
    const run = await cli(['probe', ...at, '--auth', 'plain', '--user', USER, '--password-env', 'STOP_SECRET', '--quit-after', 'tls'], {
      STOP_SECRET: SECRET,
    });
    expect(run.code).toBe(EXIT.ok);
    expect(verbs()).toEqual(['EHLO', 'QUIT']);
  });

  it('a stop after a failure is no stop: a refused greeting ends the session as usual', async () => {
    // smtp-server cannot refuse a greeting; a scripted server does.
    const fake = await startFakeServer(async (conn) => {
      conn.reply('554 go away');
      await conn.readLine().catch(() => '');
      conn.reply('221 bye');
      conn.end();
    });
    fakes.push(fake);
    const run = await cli([
      'probe',
      '--host',
      '127.0.0.1',
      '--port',
      String(fake.port),
      '--timeout',
      '5',
      '--drop-after',
      'ehlo',
      '--json',
    ]);
    expect(run.code).toBe(EXIT.sessionRefused);
    expect(record(run).stoppedAfter).toBeUndefined();
  });
});

describe('connect and greeting', () => {
  const scriptedServer = scriptedServers();
  afterEach(() => scriptedServer.closeAll());
  const scripted = (script: (conn: FakeConnection) => Promise<void>): Promise<ScriptedServer> => scriptedServer.start(script);

  it('--drop-after connect: closed at once, not one byte sent, the greeting never waited for', async () => {
    // The greeting comes late: a client that waited for it would take a second.
    const { args, seen } = await scripted(async (conn) => {
      await new Promise((r) => setTimeout(r, 1000));
      conn.reply('220 late');
    });
    const run = await cli(['probe', ...args, '--drop-after', 'connect', '--json']);
    expect(run.code).toBe(EXIT.ok);
    const r = record(run);
    expect(r.greeting).toBeUndefined();
    expect(r.stoppedAfter).toEqual({ stage: 'connect', quit: false });
    expect(r.events.filter((e) => e.dir === 'recv')).toEqual([]);
    expect((await seen()).length).toBe(0);
  });

  it('--quit-after connect waits for the greeting, then QUIT (nothing else)', async () => {
    const { args, seen } = await scripted(async (conn) => {
      conn.reply('220 fake.test ready');
      await conn.readLine();
      conn.reply('221 bye');
    });
    const run = await cli(['probe', ...args, '--quit-after', 'connect']);
    expect(run.code).toBe(EXIT.ok);
    expect((await seen()).toString()).toBe('QUIT\r\n');
    expect(run.stdout).toMatch(/^Greeting:\s+220 fake\.test ready$/m);
  });

  it('--drop-after greeting: the greeting read, nothing sent', async () => {
    const { args, seen } = await scripted(async (conn) => {
      conn.reply('220 fake.test ready');
    });
    const run = await cli(['probe', ...args, '--drop-after', 'greeting']);
    expect(run.code).toBe(EXIT.ok);
    expect((await seen()).length).toBe(0);
  });
});

describe('usage', () => {
  it.each([
    [['probe', '--host', 'h', '--quit-after', 'rcpt'], /--quit-after rcpt goes with send/],
    [['verify', 'x@y', '--host', 'h', '--drop-after', 'mail'], /--drop-after mail goes with send/],
    [['probe', '--host', 'h', '--quit-after', 'data'], /--quit-after must be one of connect, greeting, ehlo, tls, auth, mail, rcpt/],
    [['probe', '--host', 'h', '--quit-after', 'ehlo', '--drop-after', 'ehlo'], /either --quit-after or --drop-after/],
    [['send', '--dump', ...envelope('a@b.example'), '--quit-after', 'rcpt'], /--dump connects to nothing/],
    [['send', '--host', 'h', ...envelope('a@b.example'), '--quit-after', 'rcpt', '--count', '3'], /--count sends messages/],
  ])('%j is refused before connecting', async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(message);
  });
});
