import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Capability, SessionRecord } from '../../shared/session-record.js';
import { SmtpError } from '../../electron/smtp/errors.js';
import { composeMessage, type ComposeInput } from '../../electron/smtp/message/compose.js';
import { bufferSource, type MessageSource } from '../../electron/smtp/message/message-source.js';
import { probe, raw, send, verify, type AuthRequest } from '../../electron/smtp/operations.js';
import { Capabilities } from '../../electron/smtp/protocol/capabilities.js';
import { SmtpSession, type SessionOptions } from '../../electron/smtp/session.js';
import { MailTransaction } from '../../electron/smtp/transaction.js';
import { testPki, type TestPki } from '../helpers/certs.js';
import { ipv6LoopbackAvailable, startLibraryServer, type LibraryServer, type LibraryServerOptions } from '../helpers/library-server.js';

const USER = 'tester@example.test';
const PASSWORD = 'c0rrect-h0rse-battery';
const TOKEN = 'ya29.test-access-token';

const hasIpv6 = await ipv6LoopbackAvailable();
if (!hasIpv6) console.warn('IPv6 loopback (::1) is not available on this machine: the IPv6 test is skipped');

let pki: TestPki;
let dir: string;
const servers: LibraryServer[] = [];

beforeAll(async () => {
  pki = await testPki();
  dir = await mkdtemp(join(tmpdir(), 'smtp-lens-int-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(options: LibraryServerOptions = {}): Promise<LibraryServer> {
  const s = await startLibraryServer(options);
  servers.push(s);
  return s;
}

/** Where a session should connect to reach this server. */
function at(s: LibraryServer, extra: SessionOptions = {}): SessionOptions {
  return {
    ...(s.path ? { socketPath: s.path } : { host: s.host, port: s.port }),
    ehloName: 'client.example.test',
    timeouts: 10_000,
    ...extra,
  };
}

async function collect(source: MessageSource): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source.open()) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * The capability table as the raw transcript shows it: the received lines after the last EHLO/LHLO
 * sent, up to its final line, each after the first read as "KEYWORD params...".
 */
function capabilitiesFromTranscript(record: SessionRecord): Capability[] {
  const events = record.events;
  let start = -1;
  events.forEach((e, i) => {
    if (e.dir === 'send' && /^(EHLO|LHLO) /.test(e.text)) start = i;
  });
  expect(start).toBeGreaterThanOrEqual(0);
  const lines: string[] = [];
  for (const e of events.slice(start + 1)) {
    if (e.dir !== 'recv') continue;
    lines.push(e.text);
    if (/^\d{3}( |$)/.test(e.text)) break;
  }
  expect(lines[0]).toMatch(/^250[- ]/);
  const table = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    const [name, ...params] = line.slice(4).split(' ').filter(Boolean);
    if (!name) continue;
    const key = name.toUpperCase();
    table.set(key, key === 'AUTH' ? params.map((p) => p.toUpperCase()) : params);
  }
  return [...table].map(([name, params]) => ({ name, params }));
}

const authRequest = (mechanism: string, secret: string): AuthRequest =>
  mechanism === 'XOAUTH2' ? { user: USER, token: secret, mechanism } : { user: USER, password: secret, mechanism };

describe('probe against smtp-server', () => {
  it('records the capability table the server advertised, SIZE as a number and the AUTH mechanisms', async () => {
    const s = await server({ size: 20 * 1024 * 1024, auth: { user: USER, password: PASSWORD } });
    const record = await probe({ connection: at(s) });
    expect(record.result).toEqual({ ok: true });
    expect(record.operation).toBe('probe');
    expect(record.greeting?.code).toBe(220);
    expect(record.greeting?.text).toMatch(/library\.test ESMTP/);
    expect(record.helloVerb).toBe('EHLO');
    expect(record.capabilities).toEqual(capabilitiesFromTranscript(record));
    const names = record.capabilities.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'SIZE', 'AUTH']));
    expect(names).not.toContain('STARTTLS');
    const caps = Capabilities.fromList(record.capabilities);
    expect(caps.size).toBe(20 * 1024 * 1024);
    expect(typeof caps.size).toBe('number');
    expect(caps.authMechanisms).toEqual(['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2']);
    // The transcript holds the whole exchange, ending in QUIT.
    expect(record.events.some((e) => e.dir === 'send' && e.text === 'EHLO client.example.test')).toBe(true);
    expect(record.events.some((e) => e.dir === 'send' && e.text === 'QUIT')).toBe(true);
    expect(record.events.some((e) => e.dir === 'recv' && e.text.startsWith('221'))).toBe(true);
    expect(record.target).toMatchObject({ protocol: 'smtp', tls: 'off', host: '127.0.0.1', port: s.port, remoteAddress: '127.0.0.1' });
  });

  it('falls back to HELO when the server refuses EHLO, with an empty capability table', async () => {
    const s = await server({ disabledCommands: ['EHLO'] });
    const record = await probe({ connection: at(s) });
    expect(record.result).toEqual({ ok: true });
    expect(record.helloVerb).toBe('HELO');
    expect(record.capabilities).toEqual([]);
    expect(record.events.filter((e) => e.dir === 'send').map((e) => e.text)).toEqual([
      'EHLO client.example.test',
      'HELO client.example.test',
      'QUIT',
    ]);
    // And a message still goes through without any extension.
    const sent = await send({
      connection: at(s),
      message: { raw: Buffer.from('From: a@example.test\r\nTo: b@example.test\r\n\r\nplain old SMTP\r\n') },
    });
    expect(sent.result).toEqual({ ok: true, verdict: 'delivered' });
    expect(sent.message?.mailParams).toEqual([]);
    expect(s.messages).toHaveLength(1);
  });

  it('shows a custom banner in the greeting', async () => {
    const s = await server({ banner: 'Lens test banner' });
    const record = await probe({ connection: at(s) });
    expect(record.greeting?.text).toMatch(/Lens test banner$/);
  });

  it('connects over IPv4 loopback and binds the source address asked for', async () => {
    const s = await server();
    const record = await probe({ connection: at(s, { sourceAddress: '127.0.0.1' }) });
    expect(record.result.ok).toBe(true);
    expect(record.target.localAddress).toBe('127.0.0.1');
    expect(record.target.remoteAddress).toBe('127.0.0.1');
    expect(record.target.remotePort).toBe(s.port);
    expect(s.connections.at(-1)?.remoteAddress).toBe('127.0.0.1');
    expect(s.connections.at(-1)?.remotePort).toBe(record.target.localPort);
  });

  it.skipIf(!hasIpv6)('connects over IPv6 loopback (::1) (skipped when this machine has no ::1)', async () => {
    const s = await server({ host: '::1' });
    const record = await probe({ connection: at(s) });
    expect(record.result).toEqual({ ok: true });
    expect(record.target.host).toBe('::1');
    expect(record.target.remoteAddress).toBe('::1');
    expect(record.target.localAddress).toBe('::1');
    expect(s.connections.at(-1)?.remoteAddress).toBe('::1');
    // A bracketed literal, as users type it, works the same.
    const bracketed = await probe({ connection: { ...at(s), host: '[::1]' } });
    expect(bracketed.result.ok).toBe(true);
    expect(bracketed.target.remoteAddress).toBe('::1');
  });

  it('fails with connect-failed when nothing listens', async () => {
    const s = await server();
    const port = s.port;
    await s.close();
    servers.splice(servers.indexOf(s), 1);
    const record = await probe({ connection: { host: '127.0.0.1', port, timeouts: 5000 } });
    expect(record.result.ok).toBe(false);
    expect(record.result.error?.code).toBe('connect-failed');
    expect(record.greeting).toBeUndefined();
  });
});

describe('TLS', () => {
  it('STARTTLS required: records protocol, cipher, the leaf fingerprint and a verified chain with the CA', async () => {
    const s = await server({ tls: 'starttls' });
    const record = await probe({ connection: at(s, { tls: 'starttls', tlsOptions: { ca: pki.caCert } }) });
    expect(record.result).toEqual({ ok: true });
    const tls = record.tls!;
    expect(tls.via).toBe('starttls');
    expect(tls.protocol).toBe('TLSv1.3');
    expect(tls.cipher).toMatch(/^TLS_/);
    expect(tls.authorized).toBe(true);
    expect(tls.authorizationError).toBeUndefined();
    expect(tls.verificationRequired).toBe(true);
    expect(tls.servername).toBe('127.0.0.1');
    expect(tls.peerCertificate[0]?.fingerprint256).toBe(pki.fingerprint256);
    expect(tls.peerCertificate[0]?.subject).toMatch(/CN=localhost/);
    expect(tls.peerCertificate[0]?.subjectAltNames).toEqual(expect.arrayContaining(['DNS:localhost', 'IP Address:127.0.0.1']));
    // Before TLS STARTTLS was offered; afterwards only the new list counts, taken from the second EHLO.
    expect(record.capabilitiesBeforeTls?.map((c) => c.name)).toContain('STARTTLS');
    expect(record.capabilities.map((c) => c.name)).not.toContain('STARTTLS');
    expect(record.capabilities).toEqual(capabilitiesFromTranscript(record));
    const ehlos = record.events.filter((e) => e.dir === 'send' && e.text.startsWith('EHLO '));
    expect(ehlos.map((e) => e.tls)).toEqual([false, true]);
    expect(record.events.find((e) => e.dir === 'send' && e.text === 'QUIT')?.tls).toBe(true);
  });

  it('STARTTLS without the CA: tls-failed, and the record still shows the unverified certificate', async () => {
    const s = await server({ tls: 'starttls' });
    const record = await probe({ connection: at(s, { tls: 'starttls' }) });
    expect(record.result.ok).toBe(false);
    expect(record.result.error?.code).toBe('tls-failed');
    expect(record.tls).toBeDefined();
    expect(record.tls!.authorized).toBe(false);
    expect(record.tls!.authorizationError).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/);
    expect(record.tls!.peerCertificate[0]?.fingerprint256).toBe(pki.fingerprint256);
    // Nothing was sent inside the unverified session.
    expect(record.events.filter((e) => e.dir === 'send' && e.tls)).toEqual([]);
  });

  it('STARTTLS with verification off: succeeds, authorized false, verificationRequired false', async () => {
    const s = await server({ tls: 'starttls' });
    const record = await probe({ connection: at(s, { tls: 'starttls', tlsOptions: { verify: false } }) });
    expect(record.result.ok).toBe(true);
    expect(record.tls?.authorized).toBe(false);
    expect(record.tls?.verificationRequired).toBe(false);
    expect(record.tls?.peerCertificate[0]?.fingerprint256).toBe(pki.fingerprint256);
  });

  it('STARTTLS required but not offered: tls-not-offered, nothing sent in plaintext after EHLO', async () => {
    const s = await server();
    const record = await probe({ connection: at(s, { tls: 'starttls' }) });
    expect(record.result.error?.code).toBe('tls-not-offered');
    expect(record.events.filter((e) => e.dir === 'send').map((e) => e.text)).toEqual(['EHLO client.example.test', 'QUIT']);
  });

  it('STARTTLS optional on a server without it: plaintext, and the record says why', async () => {
    const s = await server();
    const record = await probe({ connection: at(s, { tls: 'starttls-optional' }) });
    expect(record.result).toEqual({ ok: true });
    expect(record.tls).toBeUndefined();
    expect(record.tlsSkipped).toMatch(/does not advertise STARTTLS/);
  });

  it('STARTTLS optional on a server with it: upgraded', async () => {
    const s = await server({ tls: 'starttls' });
    const record = await probe({ connection: at(s, { tls: 'starttls-optional', tlsOptions: { ca: pki.caCert } }) });
    expect(record.result).toEqual({ ok: true });
    expect(record.tls?.authorized).toBe(true);
    expect(record.tlsSkipped).toBeUndefined();
  });

  it('implicit TLS on its own port: TLS before the greeting, verified with the CA', async () => {
    const s = await server({ tls: 'implicit' });
    const record = await probe({ connection: at(s, { tls: 'implicit', tlsOptions: { ca: pki.caCert } }) });
    expect(record.result).toEqual({ ok: true });
    expect(record.tls?.via).toBe('implicit');
    expect(record.tls?.protocol).toBe('TLSv1.3');
    expect(record.tls?.authorized).toBe(true);
    expect(record.tls?.peerCertificate[0]?.fingerprint256).toBe(pki.fingerprint256);
    expect(record.events.find((e) => e.dir === 'recv')?.tls).toBe(true);
    expect(record.capabilities.map((c) => c.name)).not.toContain('STARTTLS');
  });

  it('implicit TLS without the CA: tls-failed with the certificate recorded', async () => {
    const s = await server({ tls: 'implicit' });
    const record = await probe({ connection: at(s, { tls: 'implicit' }) });
    expect(record.result.error?.code).toBe('tls-failed');
    expect(record.tls?.authorized).toBe(false);
    expect(record.tls?.peerCertificate[0]?.fingerprint256).toBe(pki.fingerprint256);
    expect(record.greeting).toBeUndefined();
  });

  it('sends a message over STARTTLS and the server sees it as secure', async () => {
    const s = await server({ tls: 'starttls' });
    const message = Buffer.from('From: a@example.test\r\nTo: b@example.test\r\nSubject: tls\r\n\r\nover TLS\r\n');
    const record = await send({ connection: at(s, { tls: 'starttls', tlsOptions: { ca: pki.caCert } }), message: { raw: message } });
    expect(record.result.ok).toBe(true);
    expect(s.messages).toHaveLength(1);
    expect(s.messages[0]!.secure).toBe(true);
    expect(s.messages[0]!.raw.equals(message)).toBe(true);
  });
});

describe('LMTP over a Unix socket', () => {
  it('greets with LHLO and reports one outcome per recipient, one refused after DATA', async () => {
    const s = await server({
      lmtp: true,
      unix: true,
      lmtpFailures: { 'bob@example.test': { code: 552, message: '<bob@example.test> mailbox full' } },
    });
    const message = Buffer.from(
      'From: a@example.test\r\nTo: alice@example.test, bob@example.test, carol@example.test\r\nSubject: lmtp\r\n\r\nhi\r\n',
    );
    const record = await send({ connection: at(s, { protocol: 'lmtp' }), message: { raw: message } });
    expect(record.target.socketPath).toBe(s.path);
    expect(record.target.protocol).toBe('lmtp');
    expect(record.helloVerb).toBe('LHLO');
    expect(record.events.some((e) => e.dir === 'send' && e.text === 'LHLO client.example.test')).toBe(true);
    expect(record.capabilities).toEqual(capabilitiesFromTranscript(record));
    expect(record.greeting?.text).toMatch(/LMTP/);

    const byAddress = Object.fromEntries(record.recipients!.map((r) => [r.address, r]));
    expect(Object.keys(byAddress)).toEqual(['alice@example.test', 'bob@example.test', 'carol@example.test']);
    for (const address of ['alice@example.test', 'carol@example.test']) {
      expect(byAddress[address]).toMatchObject({ accepted: true, delivered: true, rcpt: { code: 250 }, data: { code: 250 } });
      expect(byAddress[address]!.data!.text).toContain(`<${address}> delivered`);
    }
    expect(byAddress['bob@example.test']).toMatchObject({
      accepted: true,
      delivered: false,
      failure: 'permanent',
      data: { code: 552, enhancedCode: '5.2.2' },
    });
    expect(record.result.ok).toBe(false);
    expect(record.result.verdict).toBe('partial');
    expect(record.result.error?.code).toBe('some-recipients-refused');
    expect(record.result.error?.message).toContain('bob@example.test');
    expect(s.messages).toHaveLength(1);
    expect(s.messages[0]!.to).toEqual(['alice@example.test', 'bob@example.test', 'carol@example.test']);
    expect(s.messages[0]!.raw.equals(message)).toBe(true);
  });

  it('LMTP with a recipient refused at RCPT and another after DATA', async () => {
    const s = await server({
      lmtp: true,
      unix: true,
      refuseRecipients: ['nobody@example.test'],
      lmtpFailures: { 'bob@example.test': { code: 452, message: '<bob@example.test> over quota' } },
    });
    const record = await send({
      connection: at(s, { protocol: 'lmtp' }),
      message: { raw: Buffer.from('From: a@example.test\r\nSubject: x\r\n\r\nhi\r\n') },
      envelope: { to: ['alice@example.test', 'nobody@example.test', 'bob@example.test'] },
    });
    const [alice, nobody, bob] = record.recipients!;
    expect(alice).toMatchObject({ accepted: true, delivered: true });
    expect(nobody).toMatchObject({ accepted: false, delivered: false, failure: 'permanent', rcpt: { code: 550 } });
    expect(nobody!.data).toBeUndefined();
    expect(bob).toMatchObject({ accepted: true, delivered: false, failure: 'temporary', data: { code: 452 } });
    expect(record.result.verdict).toBe('partial');
    expect(s.messages[0]!.to).toEqual(['alice@example.test', 'bob@example.test']);
  });
});

describe('AUTH', () => {
  const MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'];

  it('the server offers exactly the mechanisms tested here', async () => {
    const s = await server({ auth: { user: USER, password: PASSWORD, token: TOKEN } });
    const record = await probe({ connection: at(s) });
    expect(Capabilities.fromList(record.capabilities).authMechanisms).toEqual(MECHANISMS);
  });

  for (const mechanism of MECHANISMS) {
    for (const initialResponse of [true, false]) {
      it(`${mechanism} (initial response ${initialResponse ? 'on' : 'off'}) succeeds with the right secret`, async () => {
        const s = await server({ auth: { user: USER, password: PASSWORD, token: TOKEN } });
        const secret = mechanism === 'XOAUTH2' ? TOKEN : PASSWORD;
        const record = await probe({ connection: at(s), auth: { ...authRequest(mechanism, secret), initialResponse } });
        expect(record.result).toEqual({ ok: true });
        const auth = record.auth!;
        expect(auth.mechanism).toBe(mechanism);
        expect(auth.ok).toBe(true);
        expect(auth.code).toBe(235);
        expect(auth.enhancedCode).toBe('2.7.0');
        expect(auth.steps.length).toBeGreaterThanOrEqual(1);
        expect(auth.steps[0]!.sent.startsWith(`AUTH ${mechanism}`)).toBe(true);
        expect(auth.steps.at(-1)!.reply.code).toBe(235);
        expect(typeof auth.durationMs).toBe('number');
        expect(auth.durationMs).toBeGreaterThan(0);
        // The secret never reaches the record.
        const json = JSON.stringify(record);
        expect(json).not.toContain(secret);
        expect(json).not.toContain(Buffer.from(secret).toString('base64'));
      });
    }

    it(`${mechanism} fails with 535 and auth-failed with a wrong secret`, async () => {
      const s = await server({ auth: { user: USER, password: PASSWORD, token: TOKEN } });
      const record = await probe({ connection: at(s), auth: authRequest(mechanism, 'wrong-secret') });
      expect(record.result.ok).toBe(false);
      expect(record.result.error?.code).toBe('auth-failed');
      expect(record.result.error?.replyCode).toBe(535);
      const auth = record.auth!;
      expect(auth).toMatchObject({ mechanism, ok: false, code: 535 });
      expect(auth.steps.length).toBeGreaterThanOrEqual(1);
      expect(auth.steps.at(-1)!.reply.code).toBe(535);
      expect(typeof auth.durationMs).toBe('number');
      if (mechanism === 'XOAUTH2') {
        // The JSON error challenge, then the empty acknowledgement, then 535.
        expect(auth.steps.some((step) => step.reply.code === 334)).toBe(true);
        expect(auth.steps.at(-1)!.sent).toBe('');
      }
    });
  }

  it('auto picks the strongest mechanism offered (CRAM-MD5 here) and the server sees the user', async () => {
    const s = await server({ auth: { user: USER, password: PASSWORD, required: true } });
    const record = await send({
      connection: at(s),
      auth: { user: USER, password: PASSWORD, mechanism: 'auto' },
      message: { raw: Buffer.from('From: a@example.test\r\nTo: b@example.test\r\n\r\nauthenticated\r\n') },
    });
    expect(record.result.ok).toBe(true);
    expect(record.auth?.mechanism).toBe('CRAM-MD5');
    expect(s.messages[0]?.user).toBe(USER);
  });
});

describe('send: compose and deliver', () => {
  const baseInput = (attachmentPath: string): ComposeInput => ({
    from: 'Alice Example <alice@example.test>',
    to: ['Bob <bob@example.test>'],
    cc: ['carol@example.test'],
    bcc: ['dave@example.test'],
    subject: 'Quarterly report – ünïcode subject',
    text: 'Hello Bob,\r\n\r\nthe report is attached.\r\n.\r\n..x\r\n',
    html: '<p>Hello <b>Bob</b>,</p><p>the report is attached.</p>',
    attachments: [{ path: attachmentPath, filename: 'report.csv' }],
    headers: [{ name: 'X-Lens-Test', value: 'compose-and-send' }],
    date: new Date('2024-05-06T07:08:09Z'),
    messageId: '<fixed.id@example.test>',
  });

  it('the server receives byte for byte what the composer produced (one source, sent by a transaction)', async () => {
    const s = await server();
    const attachment = join(dir, 'report.csv');
    await writeFile(attachment, 'a,b,c\n1,2,3\n');
    const composed = await composeMessage(baseInput(attachment));
    const bytes = await collect(composed.source);
    expect(bytes.subarray(-2).toString()).toBe('\r\n');

    const session = new SmtpSession(at(s));
    try {
      await session.open();
      const transaction = new MailTransaction(session, composed.envelope, composed.source, { messageId: composed.messageId });
      await transaction.run();
      expect(transaction.verdict).toBe('delivered');
      expect(transaction.summary?.size).toBe(bytes.length);
    } finally {
      await session.quit();
    }
    expect(s.messages).toHaveLength(1);
    const got = s.messages[0]!;
    expect(got.raw.equals(bytes)).toBe(true);
    expect(got.from).toBe('alice@example.test');
    expect(got.to).toEqual(['bob@example.test', 'carol@example.test', 'dave@example.test']);
    const head = got.raw.toString('utf8').split('\r\n\r\n')[0]!;
    expect(head).not.toMatch(/^bcc:/im);
    expect(got.raw.toString('latin1')).not.toContain('dave@example.test');
    expect(head).toMatch(/^From: Alice Example <alice@example\.test>$/m);
    expect(head).toMatch(/^To: Bob <bob@example\.test>$/m);
    expect(head).toMatch(/^Cc: carol@example\.test$/m);
    expect(head).toMatch(/^Subject: =\?UTF-8\?/m);
    expect(head).toMatch(/^X-Lens-Test: compose-and-send$/m);
    expect(head).toMatch(/^Message-ID: <fixed\.id@example\.test>$/m);
    const text = got.raw.toString('utf8');
    expect(text).toContain('Content-Type: text/plain');
    expect(text).toContain('Content-Type: text/html');
    expect(text).toMatch(/Content-Disposition: attachment; filename=report\.csv/);
  });

  it('send() delivers the composed message: identical to a fresh composition up to the random MIME boundary', async () => {
    const s = await server();
    const attachment = join(dir, 'report2.csv');
    await writeFile(attachment, 'x,y\n9,8\n');
    const input = baseInput(attachment);
    const record = await send({ connection: at(s), message: { compose: input } });
    expect(record.result).toEqual({ ok: true, verdict: 'delivered' });
    expect(record.message?.messageId).toBe('<fixed.id@example.test>');
    expect(record.message?.envelopeTo).toEqual(['bob@example.test', 'carol@example.test', 'dave@example.test']);
    expect(record.recipients?.map((r) => [r.address, r.delivered])).toEqual([
      ['bob@example.test', true],
      ['carol@example.test', true],
      ['dave@example.test', true],
    ]);

    const expected = await collect((await composeMessage(input)).source);
    const got = s.messages[0]!;
    const unBoundary = (b: Buffer): string => b.toString('latin1').replace(/-[0-9a-f]{16}-Part_/g, '-BOUNDARY-Part_');
    expect(got.raw.length).toBe(expected.length);
    expect(unBoundary(got.raw)).toBe(unBoundary(expected));
    expect(record.message?.size).toBe(expected.length);
    expect(got.to).toContain('dave@example.test');
    expect(got.raw.toString('latin1')).not.toMatch(/^bcc:/im);
  });

  it('dot-stuffed lines arrive un-stuffed, exactly as given', async () => {
    const s = await server();
    const message = Buffer.from(
      'From: a@example.test\r\nTo: b@example.test\r\nSubject: dots\r\n\r\n' +
        '.\r\n..x\r\n.leading dot\r\nmiddle . dot\r\n...\r\n.\r\n\r\n.\r\nend\r\n',
    );
    const record = await send({ connection: at(s, { captureData: true }), message: { raw: message } });
    expect(record.result.ok).toBe(true);
    expect(s.messages[0]!.raw.equals(message)).toBe(true);
    // On the wire every line that begins with a dot got one more: 6 such lines, plus ".\r\n" to end.
    expect(record.message?.size).toBe(message.length);
    expect(record.message?.wireBytes).toBe(message.length + 6 + 3);
    const sent = record.events.filter((e) => e.dir === 'send').map((e) => e.text);
    expect(sent).toEqual(expect.arrayContaining(['..', '...x', '..leading dot', '....']));
  });

  it('a composed text body with dot lines arrives with those lines intact', async () => {
    const s = await server();
    const text = 'first\r\n.\r\n..x\r\n.\r\nlast';
    const record = await send({
      connection: at(s),
      message: { compose: { from: 'a@example.test', to: ['b@example.test'], subject: 'dots', text } },
    });
    expect(record.result.ok).toBe(true);
    const body = s.messages[0]!.raw.toString('utf8').split('\r\n\r\n').slice(1).join('\r\n\r\n');
    expect(body).toBe(text + '\r\n');
  });

  it('a large message file full of dot lines arrives exactly, whatever falls on a read-chunk boundary', async () => {
    const s = await server();
    // Lines of varied length, many starting with one or more dots, so that dots and CRLFs land on
    // every position relative to the 64 KiB file chunks.
    const lines = ['From: a@example.test', 'To: b@example.test', 'Subject: many dots', ''];
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    let size = 0;
    while (size < 1_500_000) {
      const dots = '.'.repeat(next() % 4);
      const line = dots + 'x'.repeat(next() % 200);
      lines.push(line);
      size += line.length + 2;
    }
    const message = Buffer.from(lines.join('\r\n') + '\r\n');
    const path = join(dir, 'dots.eml');
    await writeFile(path, message);
    const record = await send({ connection: at(s), message: { raw: { path } } });
    expect(record.result).toEqual({ ok: true, verdict: 'delivered' });
    const got = s.messages[0]!.raw;
    expect(got.length).toBe(message.length);
    expect(got.equals(message)).toBe(true);
    const dotted = lines.filter((l) => l.startsWith('.')).length;
    expect(record.message?.wireBytes).toBe(message.length + dotted + 3);
  });

  it('a message file with bare LF line endings arrives with CRLF line endings', async () => {
    const s = await server();
    const path = join(dir, 'lf.eml');
    await writeFile(path, 'From: a@example.test\nTo: b@example.test\nSubject: lf\n\n.\nline two\n');
    const record = await send({ connection: at(s), message: { raw: { path } } });
    expect(record.result.ok).toBe(true);
    expect(s.messages[0]!.raw.toString()).toBe('From: a@example.test\r\nTo: b@example.test\r\nSubject: lf\r\n\r\n.\r\nline two\r\n');
    expect(record.message?.size).toBe(s.messages[0]!.raw.length);
  });

  it('an 8-bit body and a UTF-8 address go with BODY=8BITMIME and SMTPUTF8 and arrive unchanged', async () => {
    const s = await server();
    const message = Buffer.from('From: jöran@exämple.test\r\nTo: b@example.test\r\nSubject: Grüße\r\n\r\nGrüße aus Köln\r\n', 'utf8');
    const record = await send({ connection: at(s), message: { raw: message } });
    expect(record.result).toEqual({ ok: true, verdict: 'delivered' });
    expect(record.message?.mailParams).toEqual(expect.arrayContaining(['BODY=8BITMIME', 'SMTPUTF8']));
    expect(s.messages[0]!.from).toBe('jöran@exämple.test');
    expect(s.messages[0]!.raw.equals(message)).toBe(true);
  });

  it('a message over the advertised SIZE is refused before MAIL FROM (message-too-large); forced, the server decides', async () => {
    const s = await server({ size: 100 });
    const message = Buffer.from('From: a@example.test\r\nTo: b@example.test\r\n\r\n' + 'x'.repeat(200) + '\r\n');
    const record = await send({ connection: at(s), message: { raw: message } });
    expect(record.result.error).toMatchObject({ code: 'message-too-large' });
    expect(record.result.error?.message).toMatch(new RegExp(`${message.length} bytes, larger than the 100 bytes`));
    // Nothing of the transaction went out: no MAIL FROM at all.
    expect(record.events.filter((e) => e.dir === 'send').map((e) => e.text.split(' ')[0])).toEqual(['EHLO', 'QUIT']);
    expect(s.messages).toHaveLength(0);

    const forced = await send({ connection: at(s), message: { raw: message }, options: { force: true } });
    expect(forced.result.error?.code).toBe('sender-refused');
    expect(forced.result.error?.replyCode).toBe(552);
    expect(forced.message?.mailParams).toContain(`SIZE=${message.length}`);
    expect(s.messages).toHaveLength(0);
  });

  it('a message that cannot be composed is refused before connecting (invalid-input: nothing sent)', async () => {
    const s = await server();
    const cases: Parameters<typeof send>[0]['message'][] = [
      { compose: { from: 'a@example.test', to: ['b@example.test\r\nRCPT TO:<evil@example.test>'], text: 'x' } },
      { compose: { from: 'a@example.test', to: ['b@example.test'], text: 'x', attachments: [{ path: join(dir, 'missing.bin') }] } },
      { raw: { path: join(dir, 'missing.eml') } },
    ];
    for (const message of cases) {
      const record = await send({ connection: at(s), message });
      expect(record.result.error?.code).toBe('invalid-input');
      expect(record.greeting).toBeUndefined();
    }
    const badEnvelope = await send({
      connection: at(s),
      message: { raw: Buffer.from('From: a@example.test\r\n\r\nx\r\n') },
      envelope: { to: ['b@example.test\r\nDATA'] },
    });
    expect(badEnvelope.result.error?.code).toBe('invalid-input');
    const noRecipients = await send({ connection: at(s), message: { raw: Buffer.from('From: a@example.test\r\n\r\nx\r\n') } });
    expect(noRecipients.result.error).toMatchObject({ code: 'invalid-input', message: 'no recipients' });
    expect(s.connections).toHaveLength(0);
    expect(s.received.length).toBe(0);
  });

  it('a message without a final line break arrives with exactly one CRLF added', async () => {
    const s = await server();
    const message = Buffer.from('From: a@example.test\r\nTo: b@example.test\r\n\r\nno final newline');
    const record = await send({ connection: at(s), message: { raw: message } });
    expect(record.result.ok).toBe(true);
    expect(s.messages[0]!.raw.toString()).toBe(message.toString() + '\r\n');
  });

  it('a 10 MB attachment arrives intact', async () => {
    const s = await server({ size: 50 * 1024 * 1024 });
    const data = randomBytes(10 * 1024 * 1024);
    const path = join(dir, 'big.bin');
    await writeFile(path, data);
    const record = await send({
      connection: at(s),
      message: {
        compose: {
          from: 'a@example.test',
          to: ['b@example.test'],
          subject: 'big',
          text: 'see attachment',
          attachments: [{ path, filename: 'big.bin', contentType: 'application/octet-stream' }],
        },
      },
    });
    expect(record.result).toEqual({ ok: true, verdict: 'delivered' });
    expect(record.message?.mailParams).toContain(`SIZE=${record.message?.size}`);
    const got = s.messages[0]!.raw;
    expect(got.length).toBe(record.message?.size);
    const text = got.toString('latin1');
    const boundary = /boundary="([^"]+)"/.exec(text)![1]!;
    const part = text.split(`--${boundary}`).find((p) => p.includes('filename=big.bin'))!;
    expect(part).toMatch(/Content-Transfer-Encoding: base64/);
    const encoded = part.slice(part.indexOf('\r\n\r\n') + 4);
    const decoded = Buffer.from(encoded.replace(/\s+/g, ''), 'base64');
    expect(decoded.length).toBe(data.length);
    const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    expect(sha(decoded)).toBe(sha(data));
  });

  it('several messages over one connection (one session, two transactions)', async () => {
    const s = await server();
    const first = Buffer.from('From: a@example.test\r\nTo: b@example.test\r\nSubject: one\r\n\r\nfirst\r\n');
    const second = Buffer.from('From: c@example.test\r\nTo: d@example.test\r\nSubject: two\r\n\r\nsecond\r\n.\r\n');
    const session = new SmtpSession(at(s));
    try {
      await session.open();
      const t1 = new MailTransaction(session, { from: 'a@example.test', to: ['b@example.test'] }, bufferSource(first));
      await t1.run();
      const t2 = new MailTransaction(session, { from: 'c@example.test', to: ['d@example.test', 'e@example.test'] }, bufferSource(second));
      await t2.run();
      expect([t1.verdict, t2.verdict]).toEqual(['delivered', 'delivered']);
    } finally {
      await session.quit();
    }
    expect(s.connections).toHaveLength(1);
    expect(s.messages).toHaveLength(2);
    expect(s.messages[0]!.sessionId).toBe(s.messages[1]!.sessionId);
    expect(s.messages.map((m) => m.transaction)).toEqual([1, 2]);
    expect(s.messages[0]).toMatchObject({ from: 'a@example.test', to: ['b@example.test'] });
    expect(s.messages[1]).toMatchObject({ from: 'c@example.test', to: ['d@example.test', 'e@example.test'] });
    expect(s.messages[0]!.raw.equals(first)).toBe(true);
    expect(s.messages[1]!.raw.equals(second)).toBe(true);
  });

  for (const pipelining of [true, false]) {
    it(`a refused sender, then a successful message on the same session (pipelining ${pipelining ? 'on' : 'off'})`, async () => {
      const s = await server({ refuseSenders: { 'spammer@bad.test': { code: 553, message: 'sender blocked' } } });
      const message = Buffer.from('From: good@example.test\r\nTo: b@example.test\r\n\r\nok\r\n');
      const session = new SmtpSession(at(s));
      try {
        await session.open();
        const refused = new MailTransaction(session, { from: 'spammer@bad.test', to: ['b@example.test'] }, bufferSource(message), {
          pipelining,
        });
        const error = await refused.run().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(SmtpError);
        expect((error as SmtpError).code).toBe('sender-refused');
        expect((error as SmtpError).replyCode).toBe(553);
        expect((error as SmtpError).enhancedCode).toBe('5.1.3');
        expect(session.isConnected).toBe(true);
        const good = new MailTransaction(session, { from: 'good@example.test', to: ['b@example.test'] }, bufferSource(message), {
          pipelining,
        });
        await good.run();
        expect(good.verdict).toBe('delivered');
      } finally {
        await session.quit();
      }
      expect(s.messages).toHaveLength(1);
      expect(s.messages[0]).toMatchObject({ from: 'good@example.test', to: ['b@example.test'] });
      expect(s.messages[0]!.raw.equals(message)).toBe(true);
    });
  }

  it('send() reports a refused sender, every recipient refused, some refused, and a refused message', async () => {
    const s = await server({
      refuseSenders: ['bad@example.test'],
      refuseRecipients: ['nobody@example.test', 'ghost@example.test'],
    });
    const raw = Buffer.from('Subject: x\r\n\r\nbody\r\n');
    const sender = await send({ connection: at(s), message: { raw }, envelope: { from: 'bad@example.test', to: ['b@example.test'] } });
    expect(sender.result.error?.code).toBe('sender-refused');
    expect(sender.result.error?.replyCode).toBe(550);

    const none = await send({
      connection: at(s),
      message: { raw },
      envelope: { from: 'a@example.test', to: ['nobody@example.test', 'ghost@example.test'] },
    });
    expect(none.result.error?.code).toBe('recipients-refused');
    expect(none.recipients?.map((r) => r.accepted)).toEqual([false, false]);

    const some = await send({
      connection: at(s),
      message: { raw },
      envelope: { from: 'a@example.test', to: ['b@example.test', 'nobody@example.test'] },
    });
    expect(some.result.error?.code).toBe('some-recipients-refused');
    expect(some.result.verdict).toBe('partial');
    expect(some.recipients?.map((r) => [r.accepted, r.delivered])).toEqual([
      [true, true],
      [false, false],
    ]);
    expect(s.messages).toHaveLength(1);
    expect(s.messages[0]!.to).toEqual(['b@example.test']);

    const refusing = await server({ dataRefusal: { code: 554, message: 'content rejected' } });
    const data = await send({ connection: at(refusing), message: { raw }, envelope: { from: 'a@example.test', to: ['b@example.test'] } });
    expect(data.result.error?.code).toBe('data-refused');
    expect(data.result.error?.replyCode).toBe(554);
    expect(data.recipients?.[0]).toMatchObject({ accepted: true, delivered: false, data: { code: 554, enhancedCode: '5.6.0' } });
  });
});

describe('verify and raw', () => {
  it('VRFY: smtp-server answers 252, which counts as success', async () => {
    const s = await server();
    const record = await verify({ connection: at(s), addresses: ['someone@example.test'] });
    expect(record.result).toEqual({ ok: true });
    expect(record.commands).toEqual([
      { command: 'VRFY someone@example.test', reply: { code: 252, enhancedCode: '2.1.5', text: expect.any(String) } },
    ]);
  });

  it('EXPN: smtp-server does not know it, which is command-failed', async () => {
    const s = await server();
    const record = await verify({ connection: at(s), addresses: ['list'], expand: true });
    expect(record.result.ok).toBe(false);
    expect(record.result.error?.code).toBe('command-failed');
    expect(record.commands?.[0]?.command).toBe('EXPN list');
    expect(record.commands?.[0]?.reply.code).toBe(500);
  });

  it('raw commands: every reply is kept in order; a 5xx among them fails the result (command-failed)', async () => {
    const s = await server();
    const record = await raw({ connection: at(s), commands: ['NOOP', 'BOGUS', 'HELP', 'RSET'] });
    expect(record.commands?.map((c) => [c.command, c.reply.code])).toEqual([
      ['NOOP', 250],
      ['BOGUS', 500],
      ['HELP', 214],
      ['RSET', 250],
    ]);
    expect(record.result.ok).toBe(false);
    expect(record.result.error?.code).toBe('command-failed');
    expect(record.result.error?.message).toMatch(/^1 of 4 raw commands answered 4xx\/5xx; first: BOGUS -> 500 /);
  });

  it('raw commands all answered 2xx/3xx: the result is OK', async () => {
    const s = await server();
    const record = await raw({ connection: at(s), commands: ['NOOP', 'HELP', 'RSET'] });
    expect(record.result).toEqual({ ok: true });
  });
});
