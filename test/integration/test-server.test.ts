import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, lstatSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReceivedMessage, TestServerListener, TestServerStatus } from '../../shared/ipc/contract.js';
import type { SessionRecord } from '../../shared/session-record.js';
import {
  MAX_MESSAGES,
  MAX_RAW_BYTES,
  MAX_SOCKET_PATH_BYTES,
  TestServer,
  type TestServerConfig,
} from '../../electron/app/services/test-server.js';
import { SmtpError } from '../../electron/smtp/errors.js';
import { probe, send, type AuthRequest } from '../../electron/smtp/operations.js';
import { Capabilities } from '../../electron/smtp/protocol/capabilities.js';
import type { SessionOptions } from '../../electron/smtp/session.js';

/**
 * The built-in test server, driven end to end by the engine: every listener, TLS verification with the
 * generated certificate, AUTH with the shown account, the refuse/tempfail/overquota rules, message
 * capture, change events, and clean stop/start.
 */

const MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5'];

let root: string;
let dataDir: string;
let server: TestServer;
let status: TestServerStatus;
const logs: string[] = [];
const changes: TestServerStatus[] = [];
/** Extra servers a test started; stopped after it. */
const extra: TestServer[] = [];

const collect: TestServerConfig['log'] = (message) => {
  logs.push(message);
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'smtp-lens-ts-'));
  dataDir = join(root, 'data');
  server = new TestServer({ dataDir, log: collect });
  server.onChange((s) => changes.push(s));
  status = await server.start({ plain: true, starttls: true, implicitTls: true, lmtpSocket: true });
});

afterAll(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

afterEach(async () => {
  await Promise.all(extra.splice(0).map((s) => s.stop()));
});

function listener(kind: TestServerListener['kind'], s: TestServerStatus = status): TestServerListener {
  const found = s.listeners.find((l) => l.kind === kind);
  if (!found) throw new Error(`no ${kind} listener`);
  return found;
}

/** Session options reaching a listener, TLS as the listener speaks it. */
function at(l: TestServerListener, extra: SessionOptions = {}): SessionOptions {
  return {
    ...(l.socketPath ? { socketPath: l.socketPath } : { host: l.host!, port: l.port! }),
    protocol: l.protocol,
    tls: l.tls,
    ehloName: 'client.example.test',
    timeouts: 10_000,
    ...extra,
  };
}

const trusted = (s: TestServerStatus = status): SessionOptions => ({ tlsOptions: { ca: s.certificatePem! } });

const account = (s: TestServerStatus = status, mechanism = 'auto'): AuthRequest => ({
  user: s.account!.user,
  password: s.account!.password,
  mechanism,
});

const names = (record: SessionRecord): string[] => record.capabilities.map((c) => c.name);

function message(subject: string, body = 'hello from the test\r\n'): Buffer {
  return Buffer.from(
    `From: sender@example.test\r\nTo: someone@example.test\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}`,
  );
}

const lastMessage = (s: TestServer = server): ReceivedMessage => {
  const all = s.messages();
  const last = all.at(-1);
  if (!last) throw new Error('no message captured');
  return last;
};

/** Whether a TCP connect to the port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A raw client that waits for reply lines. */
function rawClient(socket: net.Socket): (pattern: RegExp) => Promise<string> {
  let buffer = '';
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  return async (pattern) => {
    const deadline = Date.now() + 5000;
    while (!pattern.test(buffer)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; got ${JSON.stringify(buffer)}`);
      await sleep(5);
    }
    const seen = buffer;
    buffer = '';
    return seen;
  };
}

describe('status', () => {
  it('runs four listeners with the account, the certificate and its fingerprint', async () => {
    expect(status.running).toBe(true);
    expect(status.listeners.map((l) => l.kind)).toEqual(['plain', 'starttls', 'implicit', 'lmtp']);
    for (const kind of ['plain', 'starttls', 'implicit'] as const) {
      const l = listener(kind);
      expect(l.protocol).toBe('smtp');
      expect(l.host).toBe('127.0.0.1');
      expect(l.port).toBeGreaterThan(0);
    }
    expect(listener('plain').tls).toBe('off');
    expect(listener('starttls').tls).toBe('starttls');
    expect(listener('implicit').tls).toBe('implicit');
    expect(new Set(status.listeners.map((l) => l.port).filter(Boolean)).size).toBe(3);
    expect(listener('lmtp')).toEqual({ kind: 'lmtp', protocol: 'lmtp', tls: 'off', socketPath: join(dataDir, 'lmtp.sock') });
    expect(lstatSync(join(dataDir, 'lmtp.sock')).isSocket()).toBe(true);

    expect(status.account?.user).toBe('tester');
    expect(status.account?.password).toMatch(/^[A-Za-z0-9]{12}$/);

    const cert = new X509Certificate(status.certificatePem!);
    expect(status.fingerprint256).toBe(cert.fingerprint256);
    expect(status.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toContain('IP Address:0:0:0:0:0:0:0:1');
    expect(cert.publicKey.asymmetricKeyType).toBe('ec');
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(days).toBeCloseTo(365, 0);
    expect(Date.parse(cert.validFrom)).toBeLessThanOrEqual(Date.now());
    // The certificate is also written next to the socket, for other tools.
    expect(await readFile(join(dataDir, 'test-server-cert.pem'), 'utf8')).toBe(status.certificatePem);

    expect(server.status()).toEqual(status);
    expect(changes[0]).toMatchObject({ running: true });
  });
});

describe('probe each listener', () => {
  it('plain: the capability table, AUTH PLAIN LOGIN CRAM-MD5, no STARTTLS, the banner', async () => {
    const record = await probe({ connection: at(listener('plain')) });
    expect(record.result).toEqual({ ok: true });
    expect(record.greeting?.code).toBe(220);
    expect(record.greeting?.text).toMatch(/SMTP Lens test server/);
    expect(record.helloVerb).toBe('EHLO');
    expect(names(record)).toEqual(expect.arrayContaining(['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'SIZE', 'AUTH']));
    expect(names(record)).not.toContain('STARTTLS');
    const caps = Capabilities.fromList(record.capabilities);
    expect(caps.size).toBe(50 * 1024 * 1024);
    expect(caps.authMechanisms).toEqual(MECHANISMS);
    expect(record.tls).toBeUndefined();
  });

  it('starttls: STARTTLS offered, verified with the status certificate as CA, AUTH afterwards', async () => {
    const record = await probe({ connection: at(listener('starttls'), trusted()) });
    expect(record.result).toEqual({ ok: true });
    expect(record.capabilitiesBeforeTls?.map((c) => c.name)).toContain('STARTTLS');
    expect(names(record)).not.toContain('STARTTLS');
    expect(Capabilities.fromList(record.capabilities).authMechanisms).toEqual(MECHANISMS);
    expect(names(record)).toEqual(expect.arrayContaining(['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'SIZE']));
    expect(record.tls?.via).toBe('starttls');
    expect(record.tls?.authorized).toBe(true);
    expect(record.tls?.authorizationError).toBeUndefined();
    expect(record.tls?.peerCertificate[0]?.fingerprint256).toBe(status.fingerprint256);
  });

  it('starttls: without the certificate verification fails (self-signed), and the certificate is still shown', async () => {
    const record = await probe({ connection: at(listener('starttls')) });
    expect(record.result.ok).toBe(false);
    expect(record.result.error?.code).toBe('tls-failed');
    expect(record.tls?.authorized).toBe(false);
    expect(record.tls?.authorizationError).toMatch(/SELF_SIGNED/);
    expect(record.tls?.peerCertificate[0]?.fingerprint256).toBe(status.fingerprint256);
  });

  it('implicit: TLS before the greeting, verified with the status certificate', async () => {
    const record = await probe({ connection: at(listener('implicit'), trusted()) });
    expect(record.result).toEqual({ ok: true });
    expect(record.tls?.via).toBe('implicit');
    expect(record.tls?.authorized).toBe(true);
    expect(record.tls?.peerCertificate[0]?.fingerprint256).toBe(status.fingerprint256);
    expect(record.events.find((e) => e.dir === 'recv')?.tls).toBe(true);
    expect(names(record)).not.toContain('STARTTLS');
    expect(Capabilities.fromList(record.capabilities).authMechanisms).toEqual(MECHANISMS);
  });

  it('implicit: without the certificate verification fails', async () => {
    const record = await probe({ connection: at(listener('implicit')) });
    expect(record.result.error?.code).toBe('tls-failed');
    expect(record.tls?.authorized).toBe(false);
    expect(record.tls?.peerCertificate[0]?.fingerprint256).toBe(status.fingerprint256);
    expect(record.greeting).toBeUndefined();
  });

  it('a certificate that is not the server one does not verify', async () => {
    const other = new TestServer({ log: collect });
    extra.push(other);
    const otherStatus = await other.start({ plain: false, starttls: false, implicitTls: true, lmtpSocket: false });
    expect(otherStatus.fingerprint256).not.toBe(status.fingerprint256);
    const record = await probe({ connection: at(listener('implicit'), trusted(otherStatus)) });
    expect(record.result.error?.code).toBe('tls-failed');
  });

  it('lmtp: LHLO over the Unix socket, no AUTH and no STARTTLS', async () => {
    const record = await probe({ connection: at(listener('lmtp')) });
    expect(record.result).toEqual({ ok: true });
    expect(record.target.socketPath).toBe(join(dataDir, 'lmtp.sock'));
    expect(record.helloVerb).toBe('LHLO');
    expect(record.greeting?.text).toMatch(/LMTP SMTP Lens test server/);
    expect(names(record)).toEqual(expect.arrayContaining(['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'SIZE']));
    expect(names(record)).not.toContain('AUTH');
    expect(names(record)).not.toContain('STARTTLS');
  });
});

describe('AUTH with the shown account', () => {
  for (const mechanism of MECHANISMS) {
    it(`${mechanism} succeeds on the plain listener (loopback) and fails 535 with a wrong password`, async () => {
      const good = await probe({ connection: at(listener('plain')), auth: account(status, mechanism) });
      expect(good.result).toEqual({ ok: true });
      expect(good.auth).toMatchObject({ mechanism, ok: true, code: 235 });

      const bad = await probe({
        connection: at(listener('plain')),
        auth: { ...account(status, mechanism), password: 'not-the-password' },
      });
      expect(bad.result.ok).toBe(false);
      expect(bad.result.error?.code).toBe('auth-failed');
      expect(bad.result.error?.replyCode).toBe(535);
      expect(bad.auth).toMatchObject({ mechanism, ok: false, code: 535, enhancedCode: '5.7.8' });
    });
  }

  it('a wrong user fails 535 too', async () => {
    const record = await probe({
      connection: at(listener('plain')),
      auth: { user: 'someone-else', password: status.account!.password, mechanism: 'PLAIN' },
    });
    expect(record.auth).toMatchObject({ ok: false, code: 535 });
  });

  it('works after STARTTLS and over implicit TLS', async () => {
    const starttls = await probe({ connection: at(listener('starttls'), trusted()), auth: account() });
    expect(starttls.result).toEqual({ ok: true });
    expect(starttls.auth?.ok).toBe(true);
    const implicit = await probe({ connection: at(listener('implicit'), trusted()), auth: account(status, 'PLAIN') });
    expect(implicit.result).toEqual({ ok: true });
    expect(implicit.auth?.code).toBe(235);
  });

  it('the STARTTLS listener refuses AUTH before STARTTLS (538)', async () => {
    const record = await probe({ connection: at(listener('starttls'), { tls: 'off' }), auth: account(status, 'PLAIN') });
    expect(record.result.ok).toBe(false);
    expect(record.auth?.ok).toBe(false);
    expect(record.auth?.code).toBe(538);
  });
});

describe('messages', () => {
  it('captures a sent message byte-exact with its envelope, and fires onChange', async () => {
    const seen: TestServerStatus[] = [];
    const unsubscribe = server.onChange((s) => seen.push(s));
    const before = server.status().messageCount;
    const raw = message('captured', 'line one\r\n.leading dot survives\r\nÜmlaut and 日本語\r\n');
    const record = await send({
      connection: at(listener('plain')),
      message: { raw },
      envelope: { from: 'sender@example.test', to: ['alice@example.test', 'bob@example.test'] },
    });
    expect(record.result).toEqual({ ok: true, verdict: 'delivered' });
    const m = lastMessage();
    expect(Buffer.from(m.raw, 'utf8').equals(raw)).toBe(true);
    expect(m).toMatchObject({
      listener: 'plain',
      envelopeFrom: 'sender@example.test',
      envelopeTo: ['alice@example.test', 'bob@example.test'],
      size: raw.length,
      truncated: false,
      secure: false,
    });
    expect(m.user).toBeUndefined();
    expect(m.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Math.abs(Date.parse(m.receivedAt) - Date.now())).toBeLessThan(10_000);
    // The final reply names the captured message.
    expect(record.recipients?.[0]?.data?.text).toContain(m.id);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ running: true, messageCount: before + 1 });
    unsubscribe();
    await send({ connection: at(listener('plain')), message: { raw: message('after unsubscribe') } });
    expect(seen).toHaveLength(1);
  });

  it('records TLS and the authenticated user', async () => {
    const raw = message('over tls');
    const record = await send({ connection: at(listener('starttls'), trusted()), auth: account(), message: { raw } });
    expect(record.result.ok).toBe(true);
    const m = lastMessage();
    expect(m).toMatchObject({ listener: 'starttls', secure: true, user: 'tester', size: raw.length });
    expect(Buffer.from(m.raw).equals(raw)).toBe(true);

    const implicit = await send({ connection: at(listener('implicit'), trusted()), message: { raw } });
    expect(implicit.result.ok).toBe(true);
    expect(lastMessage()).toMatchObject({ listener: 'implicit', secure: true });
    expect(lastMessage().user).toBeUndefined();
  });

  it('refuse gets 550 5.1.1 and tempfail 451 4.3.0 at RCPT, the others are accepted', async () => {
    const record = await send({
      connection: at(listener('plain')),
      message: { raw: message('rules') },
      envelope: { from: 'sender@example.test', to: ['ok@example.test', 'refuse@example.test', 'TempFail@example.test'] },
    });
    const [ok, refuse, tempfail] = record.recipients!;
    expect(ok).toMatchObject({ address: 'ok@example.test', accepted: true, delivered: true });
    expect(refuse).toMatchObject({ accepted: false, failure: 'permanent', rcpt: { code: 550, enhancedCode: '5.1.1' } });
    expect(refuse!.rcpt.text).toContain('mailbox unavailable');
    expect(tempfail).toMatchObject({ accepted: false, failure: 'temporary', rcpt: { code: 451, enhancedCode: '4.3.0' } });
    expect(tempfail!.rcpt.text).toContain('try again later');
    expect(record.result.verdict).toBe('partial');
    expect(lastMessage().envelopeTo).toEqual(['ok@example.test']);
  });

  it('a message for refused recipients only is not captured', async () => {
    const before = server.status().messageCount;
    const record = await send({
      connection: at(listener('plain')),
      message: { raw: message('nobody') },
      envelope: { from: 'sender@example.test', to: ['refuse@example.test'] },
    });
    expect(record.result.ok).toBe(false);
    expect(server.status().messageCount).toBe(before);
  });

  it('LMTP: one outcome per recipient (normal 250, overquota 552 5.2.2 after DATA, refuse 550 at RCPT)', async () => {
    const raw = message('lmtp');
    const record = await send({
      connection: at(listener('lmtp')),
      message: { raw },
      envelope: { from: 'sender@example.test', to: ['alice@example.test', 'overquota@example.test', 'refuse@example.test'] },
    });
    expect(record.helloVerb).toBe('LHLO');
    const byAddress = Object.fromEntries(record.recipients!.map((r) => [r.address, r]));
    expect(byAddress['alice@example.test']).toMatchObject({ accepted: true, delivered: true, data: { code: 250 } });
    expect(byAddress['overquota@example.test']).toMatchObject({
      accepted: true,
      delivered: false,
      failure: 'permanent',
      data: { code: 552, enhancedCode: '5.2.2' },
    });
    expect(byAddress['overquota@example.test']!.data!.text).toContain('mailbox full');
    expect(byAddress['refuse@example.test']).toMatchObject({
      accepted: false,
      delivered: false,
      failure: 'permanent',
      rcpt: { code: 550, enhancedCode: '5.1.1' },
    });
    expect(byAddress['refuse@example.test']!.data).toBeUndefined();
    expect(record.result.verdict).toBe('partial');
    const m = lastMessage();
    expect(m).toMatchObject({ listener: 'lmtp', envelopeTo: ['alice@example.test', 'overquota@example.test'], secure: false });
    expect(Buffer.from(m.raw).equals(raw)).toBe(true);
  });

  it('keeps the first 1 MiB of a big message (on a character boundary), its true size and truncated', async () => {
    // Three-byte characters so that the cut falls inside one.
    const body = ('€'.repeat(100) + '\r\n').repeat(4000);
    const raw = message('big', body);
    expect(raw.length).toBeGreaterThan(MAX_RAW_BYTES);
    const record = await send({ connection: at(listener('plain')), message: { raw } });
    expect(record.result.ok).toBe(true);
    const m = lastMessage();
    expect(m.size).toBe(raw.length);
    expect(m.truncated).toBe(true);
    const kept = Buffer.from(m.raw, 'utf8');
    expect(kept.length).toBeLessThanOrEqual(MAX_RAW_BYTES);
    expect(kept.length).toBeGreaterThan(MAX_RAW_BYTES - 4);
    expect(m.raw).not.toContain('\uFFFD');
    expect(raw.subarray(0, kept.length).equals(kept)).toBe(true);
  });

  it(`keeps only the last ${MAX_MESSAGES} messages`, async () => {
    const own = new TestServer({ log: collect });
    extra.push(own);
    const s = await own.start({ plain: true, starttls: false, implicitTls: false, lmtpSocket: false });
    // Many transactions over a few connections, written raw for speed.
    const total = MAX_MESSAGES + 5;
    const socket = net.connect(listener('plain', s).port!, '127.0.0.1');
    const read = rawClient(socket);
    await read(/^220 /m);
    socket.write('EHLO client.example.test\r\n');
    await read(/^250 /m);
    for (let i = 0; i < total; i++) {
      socket.write(`MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n`);
      await read(/^354 /m);
      socket.write(`Subject: n${i}\r\n\r\nmessage ${i}\r\n.\r\n`);
      await read(/^250 2\.6\.0 /m);
    }
    socket.end('QUIT\r\n');
    const kept = own.messages();
    expect(kept).toHaveLength(MAX_MESSAGES);
    expect(own.status().messageCount).toBe(MAX_MESSAGES);
    expect(kept[0]!.raw).toContain(`message ${total - MAX_MESSAGES}\r\n`);
    expect(kept.at(-1)!.raw).toContain(`message ${total - 1}\r\n`);
  });
});

describe('robustness', () => {
  it('survives clients that misbehave: plaintext to the TLS port, a dropped handshake, a reset mid-DATA', async () => {
    const before = logs.length;
    // Plaintext to the implicit TLS port.
    const a = net.connect(listener('implicit').port!, '127.0.0.1');
    a.on('error', () => {});
    a.write('EHLO garbage\r\n');
    // A TLS handshake given up half-way.
    const b = tls.connect({ host: '127.0.0.1', port: listener('implicit').port!, rejectUnauthorized: false });
    b.on('error', () => {});
    b.once('secureConnect', () => b.destroy());
    // STARTTLS then garbage instead of a handshake.
    const c = net.connect(listener('starttls').port!, '127.0.0.1');
    const readC = rawClient(c);
    await readC(/^220 /m);
    c.write('EHLO x.example\r\n');
    await readC(/^250 /m);
    c.write('STARTTLS\r\n');
    await readC(/^220 /m);
    c.write('this is not a TLS record\r\n\r\n');
    // A reset in the middle of a message.
    const d = net.connect(listener('plain').port!, '127.0.0.1');
    const readD = rawClient(d);
    await readD(/^220 /m);
    d.write('EHLO x.example\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n');
    await readD(/^354 /m);
    d.write('Subject: cut\r\n\r\npartial');
    await sleep(50);
    d.resetAndDestroy();
    // An LMTP client that hangs up at once.
    const e = net.connect(listener('lmtp').socketPath!);
    e.on('error', () => {});
    e.once('connect', () => e.destroy());
    await sleep(300);
    for (const s of [a, b, c, d, e]) s.destroy();

    // Still serving, and the failures were logged, not thrown.
    expect(server.status().running).toBe(true);
    const record = await probe({ connection: at(listener('implicit'), trusted()) });
    expect(record.result).toEqual({ ok: true });
    expect(logs.length).toBeGreaterThan(before);
    expect(lastMessage().raw).not.toContain('partial');
  });

  it('a throwing onChange listener does not break the server or the other listeners', async () => {
    const own = new TestServer({ log: collect });
    extra.push(own);
    const seen: boolean[] = [];
    own.onChange(() => {
      throw new Error('listener bug');
    });
    own.onChange((s) => seen.push(s.running));
    await own.start({ plain: true, starttls: false, implicitTls: false, lmtpSocket: false });
    await own.stop();
    expect(seen).toEqual([true, false]);
    expect(logs.some((l) => l.includes('change listener threw'))).toBe(true);
  });

  it('refuses to start with no listener chosen', async () => {
    const own = new TestServer({ log: collect });
    const error = await own.start({ plain: false, starttls: false, implicitTls: false, lmtpSocket: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmtpError);
    expect((error as SmtpError).code).toBe('invalid-input');
    expect(own.status().running).toBe(false);
  });
});

describe('the LMTP socket path', () => {
  it('replaces a stale socket file left by a dead process', async () => {
    const dir = join(root, 'stale');
    await mkdir(dir);
    const socketPath = join(dir, 'lmtp.sock');
    // A process that listens on the path and is killed, leaving the socket file behind.
    const child = spawn(
      process.execPath,
      ['-e', `require('node:net').createServer().listen(${JSON.stringify(socketPath)}, () => console.log('up'))`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(lstatSync(socketPath).isSocket()).toBe(true);

    const own = new TestServer({ dataDir: dir, log: collect });
    extra.push(own);
    const s = await own.start({ plain: false, starttls: false, implicitTls: false, lmtpSocket: true });
    expect(listener('lmtp', s).socketPath).toBe(socketPath);
    expect((await probe({ connection: at(listener('lmtp', s)) })).result).toEqual({ ok: true });
  });

  it('does not take over a socket another server is listening on', async () => {
    const dir = join(root, 'live');
    await mkdir(dir);
    const socketPath = join(dir, 'lmtp.sock');
    const first = new TestServer({ dataDir: dir, log: collect });
    const second = new TestServer({ dataDir: dir, log: collect });
    extra.push(first, second);
    const one = await first.start({ plain: false, starttls: false, implicitTls: false, lmtpSocket: true });
    const two = await second.start({ plain: false, starttls: false, implicitTls: false, lmtpSocket: true });
    expect(listener('lmtp', one).socketPath).toBe(socketPath);
    expect(listener('lmtp', two).socketPath).not.toBe(socketPath);
    expect((await probe({ connection: at(listener('lmtp', one)) })).result.ok).toBe(true);
    expect((await probe({ connection: at(listener('lmtp', two)) })).result.ok).toBe(true);
  });

  it(`falls back to a short temp dir when <dataDir>/lmtp.sock would exceed ${MAX_SOCKET_PATH_BYTES} bytes`, async () => {
    const deep = join(root, 'a-rather-long-directory-name-'.repeat(4));
    expect(Buffer.byteLength(join(deep, 'lmtp.sock'))).toBeGreaterThan(MAX_SOCKET_PATH_BYTES);
    const own = new TestServer({ dataDir: deep, log: collect });
    extra.push(own);
    const s = await own.start({ plain: false, starttls: false, implicitTls: false, lmtpSocket: true });
    const socketPath = listener('lmtp', s).socketPath!;
    expect(socketPath.startsWith(deep)).toBe(false);
    expect(Buffer.byteLength(socketPath)).toBeLessThanOrEqual(MAX_SOCKET_PATH_BYTES);
    expect((await probe({ connection: at(listener('lmtp', s)) })).result.ok).toBe(true);
    await own.stop();
    expect(existsSync(socketPath)).toBe(false);
  });
});

describe('start and stop', () => {
  it('start while running with the same options returns the current status; other options restart (one change event)', async () => {
    const own = new TestServer({ log: collect });
    extra.push(own);
    const events: TestServerStatus[] = [];
    own.onChange((s) => events.push(s));
    const first = await own.start({ plain: true, starttls: true, implicitTls: false, lmtpSocket: false });
    const again = await own.start({ plain: true, starttls: true, implicitTls: false, lmtpSocket: false });
    expect(again).toEqual(first);
    expect(events).toHaveLength(1);
    const changed = await own.start({ plain: true, starttls: false, implicitTls: false, lmtpSocket: false });
    expect(changed.listeners.map((l) => l.kind)).toEqual(['plain']);
    expect(changed.certificatePem).toBeUndefined();
    expect(events.map((e) => e.listeners.length)).toEqual([2, 1]);
    expect(await refused(listener('starttls', first).port!)).toBe(true);
    expect((await probe({ connection: at(listener('plain', changed)) })).result.ok).toBe(true);
  });

  it('concurrent start calls end with one running server', async () => {
    const own = new TestServer({ log: collect });
    extra.push(own);
    const options = { plain: true, starttls: false, implicitTls: false, lmtpSocket: false };
    const [a, b] = await Promise.all([own.start(options), own.start(options)]);
    expect(b).toEqual(a);
  });

  it('stop frees the ports and removes the socket, fires onChange; start again works with a new account', async () => {
    const dir = join(root, 'cycle');
    const own = new TestServer({ dataDir: dir, log: collect });
    extra.push(own);
    const events: TestServerStatus[] = [];
    own.onChange((s) => events.push(s));
    const first = await own.start({ plain: true, starttls: true, implicitTls: true, lmtpSocket: true });
    const socketPath = listener('lmtp', first).socketPath!;
    await send({ connection: at(listener('plain', first)), message: { raw: message('kept across restarts') } });

    const stopped = await own.stop();
    expect(stopped).toEqual({ running: false, listeners: [], messageCount: 1 });
    expect(own.status()).toEqual(stopped);
    expect(events.map((e) => e.running)).toEqual([true, true, false]);
    for (const kind of ['plain', 'starttls', 'implicit'] as const) {
      const port = listener(kind, first).port!;
      expect(await refused(port)).toBe(true);
      const record = await probe({ connection: at(listener(kind, first), { timeouts: 3000 }) });
      expect(record.result.error?.code).toBe('connect-failed');
    }
    expect(existsSync(socketPath)).toBe(false);
    expect((await probe({ connection: at(listener('lmtp', first), { timeouts: 3000 }) })).result.error?.code).toBe('connect-failed');
    // Stopping again is harmless.
    expect(await own.stop()).toEqual(stopped);

    const second = await own.start({ plain: true, starttls: true, implicitTls: true, lmtpSocket: true });
    expect(second.running).toBe(true);
    expect(second.account?.password).not.toBe(first.account?.password);
    expect(second.fingerprint256).not.toBe(first.fingerprint256);
    expect(listener('lmtp', second).socketPath).toBe(socketPath);
    expect(second.messageCount).toBe(1);
    for (const l of second.listeners) {
      const record = await probe({ connection: at(l, trusted(second)), ...(l.kind === 'lmtp' ? {} : { auth: account(second) }) });
      expect(record.result, l.kind).toEqual({ ok: true });
    }
  });

  it('stop does not wait more than about 2 s for clients that stay connected', async () => {
    const own = new TestServer({ log: collect });
    extra.push(own);
    const s = await own.start({ plain: true, starttls: false, implicitTls: true, lmtpSocket: true });
    // Clients that ignore the server closing its side.
    const a = net.connect({ port: listener('plain', s).port!, host: '127.0.0.1', allowHalfOpen: true });
    const readA = rawClient(a);
    const b = tls.connect({
      port: listener('implicit', s).port!,
      host: '127.0.0.1',
      ca: s.certificatePem!,
      allowHalfOpen: true,
    } as tls.ConnectionOptions);
    const readB = rawClient(b);
    const c = net.connect({ path: listener('lmtp', s).socketPath!, allowHalfOpen: true });
    const readC = rawClient(c);
    await Promise.all([readA(/^220 /m), readB(/^220 /m), readC(/^220 /m)]);
    const started = Date.now();
    await own.stop();
    const took = Date.now() - started;
    expect(took).toBeLessThan(3000);
    expect(await refused(listener('plain', s).port!)).toBe(true);
    expect(await refused(listener('implicit', s).port!)).toBe(true);
    expect(existsSync(listener('lmtp', s).socketPath!)).toBe(false);
    for (const socket of [a, b, c]) socket.destroy();
  });
});
