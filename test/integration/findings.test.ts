import { generate } from 'selfsigned';
import { beforeAll, describe, expect, it } from 'vitest';
import { FINDING_IDS, FINDINGS, type FindingId } from '../../shared/findings.js';
import type { SessionRecord } from '../../shared/session-record.js';
import { probe, send } from '../../electron/smtp/operations.js';
import type { SessionOptions } from '../../electron/smtp/session.js';
import { testPki, type TestPki } from '../helpers/certs.js';
import {
  expectLine,
  fakeServer,
  greetAndEhlo,
  quit,
  scriptsOk,
  sleep,
  tcp,
  useFakeServers,
  type FakeConnection,
  type FakeServer,
} from '../helpers/support.js';

/**
 * Every finding id: a scripted server that produces it, and a server that behaves, on which it is absent. The last
 * test checks that each id of the catalog was seen both ways here.
 */

useFakeServers();

const produced = new Set<FindingId>();
const checkedAbsent = new Set<FindingId>();

/** The finding of `id` in the record (it must be there). */
function expectFinding(record: SessionRecord, id: FindingId): NonNullable<SessionRecord['findings']>[number] {
  const finding = record.findings?.find((f) => f.id === id);
  expect(finding, `${id} in ${JSON.stringify(record.findings?.map((f) => f.id))}`).toBeDefined();
  expect(finding).toMatchObject({ severity: FINDINGS[id].severity, title: FINDINGS[id].title });
  produced.add(id);
  return finding!;
}

/** None of `ids` is in the record. */
function expectAbsent(record: SessionRecord, ids: readonly FindingId[]): void {
  const seen = new Set((record.findings ?? []).map((f) => f.id));
  for (const id of ids) {
    expect(seen.has(id), `${id} should be absent: ${JSON.stringify(record.findings)}`).toBe(false);
    checkedAbsent.add(id);
  }
}

const message = (to: string[] = ['b@example.org']): { raw: Buffer } => ({
  raw: Buffer.from(`From: a@example.org\r\nTo: ${to.join(', ')}\r\nSubject: t\r\n\r\nhello\r\n`),
});

/** EHLO reply lines for a list of extensions. */
function ehloLines(extensions: readonly string[], name = 'fake.test'): string[] {
  const lines = [name, ...extensions];
  return lines.map((l, i) => `250${i === lines.length - 1 ? ' ' : '-'}${l}`);
}

/** A server that does everything right: enhanced codes everywhere, pipelined replies, one message delivered. */
async function wellBehaved(
  conn: FakeConnection,
  extensions = ['PIPELINING', 'ENHANCEDSTATUSCODES', 'SIZE 100000', '8BITMIME'],
): Promise<void> {
  conn.reply('220 good.test ESMTP ready');
  await expectLine(conn, 'EHLO client.test');
  conn.reply(...ehloLines(extensions, 'good.test'));
  const next = await conn.readLine();
  if (next === 'QUIT') {
    conn.reply('221 2.0.0 bye');
    await conn.waitClosed();
    return;
  }
  expect(next).toMatch(/^MAIL FROM:/);
  await expectLine(conn, /^RCPT TO:/);
  await expectLine(conn, 'DATA');
  conn.reply('250 2.1.0 sender ok', '250 2.1.5 recipient ok', '354 go ahead');
  await conn.readUntil('\r\n.\r\n');
  conn.reply('250 2.0.0 queued as 1');
  await quit(conn);
}

let pki: TestPki;
beforeAll(async () => {
  pki = await testPki();
});

/** A STARTTLS server: `before` advertised in plaintext, `after` inside TLS, with the given certificate. */
function tlsServer(options: {
  before: string[];
  after: string[];
  key?: string;
  cert?: string;
  tls?: { minVersion?: 'TLSv1' | 'TLSv1.1'; maxVersion?: 'TLSv1' | 'TLSv1.1'; ciphers?: string };
}): Promise<FakeServer> {
  return fakeServer(async (conn) => {
    conn.reply('220 tls.test ESMTP');
    await expectLine(conn, 'EHLO client.test');
    conn.reply(...ehloLines(options.before, 'tls.test'));
    await expectLine(conn, 'STARTTLS');
    conn.reply('220 2.0.0 ready for TLS');
    await conn.startTls({ key: options.key ?? pki.key, cert: options.cert ?? pki.cert, ...options.tls });
    const next = await conn.readLine().catch(() => 'gone');
    if (next === 'gone') return;
    expect(next).toBe('EHLO client.test');
    conn.reply(...ehloLines(options.after, 'tls.test'));
    await quit(conn);
  });
}

const verified = (server: FakeServer, extra: Partial<SessionOptions> = {}): SessionOptions =>
  tcp(server, { tls: 'starttls', tlsOptions: { ca: pki.caCert }, ...extra });

describe('findings on plain SMTP', () => {
  it('a server that behaves: none of the reply-level findings', async () => {
    const server = await fakeServer((conn) => wellBehaved(conn));
    const record = await send({ connection: tcp(server), message: message() });
    await scriptsOk(server);
    expect(record.result.ok).toBe(true);
    expect(record.findings).toEqual([]);
    expectAbsent(record, [
      'unsolicited-reply',
      'bare-lf-in-reply',
      'bare-cr-in-reply',
      'reply-line-too-long',
      'no-enhanced-status-codes',
      'enhanced-code-mismatch',
      'helo-fallback',
      'greeting-delay',
      'size-exceeded-accepted',
      'prdr-offered',
      'auth-before-tls',
      'pipelining-without-advertising',
    ]);
  });

  it('unsolicited-reply: a reply after the greeting that answers nothing', async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('220 fake.test ready', '250 surprise');
      await conn.waitClosed();
    });
    const record = await probe({ connection: tcp(server) });
    const finding = expectFinding(record, 'unsolicited-reply');
    expect(finding.detail).toMatch(/"250 surprise"/);
    // It points at the line in the transcript.
    expect(record.events[finding.events[0]!]?.text).toBe('250 surprise');
  });

  it('bare-lf-in-reply: EHLO lines ended in LF only', async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('220 fake.test ready');
      await expectLine(conn, 'EHLO client.test');
      conn.write('250-fake.test\n250 ENHANCEDSTATUSCODES\n');
      await expectLine(conn, 'QUIT');
      conn.write('221 2.0.0 bye\r\n');
      await conn.waitClosed();
    });
    const record = await probe({ connection: tcp(server) });
    await scriptsOk(server);
    expect(record.result.ok).toBe(true);
    expect(expectFinding(record, 'bare-lf-in-reply').events.length).toBeGreaterThan(0);
  });

  it('bare-cr-in-reply: a CR inside a line is not a line end, and PIPELINING is lost — said so', async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('220 fake.test ready');
      await expectLine(conn, 'EHLO client.test');
      conn.write('250-fake.test\r\n250-PIPELINING\r250-SIZE 1000\r\n250 ENHANCEDSTATUSCODES\r\n');
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server) });
    await scriptsOk(server);
    expect(record.capabilities.map((c) => c.name)).not.toContain('PIPELINING');
    expect(expectFinding(record, 'bare-cr-in-reply').detail).toMatch(/PIPELINING\\r250-SIZE/);
  });

  it('reply-line-too-long: a 600-octet EHLO line', async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('220 fake.test ready');
      await expectLine(conn, 'EHLO client.test');
      conn.reply('250-fake.test', `250-X-${'L'.repeat(600)}`, '250 ENHANCEDSTATUSCODES');
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server) });
    await scriptsOk(server);
    expect(record.result.ok).toBe(true);
    expect(expectFinding(record, 'reply-line-too-long').detail).toMatch(/608 octets long with its CRLF \(limit 512\)/);
  });

  it('no-enhanced-status-codes: not advertised (info), and advertised but missing from a reply', async () => {
    const notAdvertised = await fakeServer((conn) => wellBehaved(conn, ['PIPELINING']));
    const first = await probe({ connection: tcp(notAdvertised) });
    expect(expectFinding(first, 'no-enhanced-status-codes').detail).toBe('ENHANCEDSTATUSCODES is not advertised');
    const missing = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING', 'ENHANCEDSTATUSCODES']);
      await conn.readLine();
      await conn.readLine();
      await conn.readLine();
      conn.reply('250 2.1.0 ok', '250 recipient ok', '354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply('250 2.0.0 queued');
      await quit(conn);
    });
    const second = await send({ connection: tcp(missing), message: message() });
    expect(expectFinding(second, 'no-enhanced-status-codes').detail).toMatch(
      /advertised, yet the reply to RCPT TO: has none: "250 recipient ok"/,
    );
  });

  it('enhanced-code-mismatch: 250 with a 5.x.x code', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING', 'ENHANCEDSTATUSCODES']);
      await conn.readLine();
      await conn.readLine();
      await conn.readLine();
      conn.reply('250 2.1.0 ok', '250 5.1.1 recipient ok?', '354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply('250 2.0.0 queued');
      await quit(conn);
    });
    const record = await send({ connection: tcp(server), message: message() });
    await scriptsOk(server);
    expect(expectFinding(record, 'enhanced-code-mismatch').detail).toMatch(
      /reply 250 carries an enhanced code of another class: "250 5\.1\.1 recipient ok\?"/,
    );
    // Not also "missing": a code is there, of the wrong class.
    expectAbsent(record, ['no-enhanced-status-codes']);
  });

  it('helo-fallback: EHLO refused, HELO accepted', async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('220 old.test ready');
      await expectLine(conn, 'EHLO client.test');
      conn.reply('502 5.5.1 EHLO not implemented');
      await expectLine(conn, 'HELO client.test');
      conn.reply('250 old.test');
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server) });
    await scriptsOk(server);
    expect(record.helloVerb).toBe('HELO');
    expect(expectFinding(record, 'helo-fallback').detail).toMatch(/502 5\.5\.1 EHLO not implemented/);
  });

  it('greeting-delay: the greeting after 2.2 s', async () => {
    const server = await fakeServer(async (conn) => {
      await sleep(2200);
      await wellBehaved(conn);
    });
    const record = await probe({ connection: tcp(server, { timeouts: { greeting: 5000 } }) });
    await scriptsOk(server);
    expect(expectFinding(record, 'greeting-delay').detail).toMatch(/the greeting came 2\.\d s after the connection was made/);
  }, 10_000);

  it('size-exceeded-accepted: a message over SIZE, forced, and accepted', async () => {
    const server = await fakeServer((conn) => wellBehaved(conn, ['PIPELINING', 'ENHANCEDSTATUSCODES', 'SIZE 50']));
    const record = await send({ connection: tcp(server), message: message(), options: { force: true } });
    await scriptsOk(server);
    expect(expectFinding(record, 'size-exceeded-accepted').detail).toMatch(/accepted although the server advertises SIZE 50/);
  });

  it('prdr-offered: PRDR in the EHLO reply', async () => {
    const server = await fakeServer((conn) => wellBehaved(conn, ['PIPELINING', 'ENHANCEDSTATUSCODES', 'PRDR']));
    const record = await probe({ connection: tcp(server) });
    expectFinding(record, 'prdr-offered');
  });

  it('auth-before-tls: PLAIN and LOGIN offered on a plaintext link', async () => {
    const server = await fakeServer((conn) => wellBehaved(conn, ['PIPELINING', 'ENHANCEDSTATUSCODES', 'AUTH PLAIN LOGIN CRAM-MD5']));
    const record = await probe({ connection: tcp(server) });
    expect(expectFinding(record, 'auth-before-tls').detail).toBe('AUTH PLAIN LOGIN is offered on an unencrypted connection');
  });

  it('pipelining-without-advertising: a group pipelined anyway, and answered', async () => {
    const server = await fakeServer((conn) => wellBehaved(conn, ['ENHANCEDSTATUSCODES']));
    const record = await send({ connection: tcp(server), message: message(), options: { pipelining: 'force' } });
    await scriptsOk(server);
    expect(record.result.ok).toBe(true);
    expect(expectFinding(record, 'pipelining-without-advertising').detail).toMatch(
      /sent in one group and each was answered, although PIPELINING is not advertised/,
    );
    // Advertised, the same group is no finding.
    const advertised = await fakeServer((conn) => wellBehaved(conn));
    expectAbsent(await send({ connection: tcp(advertised), message: message(), options: { pipelining: 'force' } }), [
      'pipelining-without-advertising',
    ]);
  });
});

describe('findings on LMTP', () => {
  async function lmtpServer(finals: string[]): Promise<FakeServer> {
    return fakeServer(async (conn) => {
      conn.reply('220 lmtp.test LMTP');
      await expectLine(conn, 'LHLO client.test');
      conn.reply(...ehloLines(['PIPELINING', 'ENHANCEDSTATUSCODES'], 'lmtp.test'));
      for (let i = 0; i < 4; i++) await conn.readLine();
      conn.reply('250 2.1.0 ok', '250 2.1.5 ok', '250 2.1.5 ok', '354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply(...finals);
      const next = await conn.readLine().catch(() => 'gone');
      if (next === 'QUIT') {
        conn.reply('221 2.0.0 bye');
        await conn.waitClosed();
      }
    });
  }

  it('one reply per accepted recipient: no lmtp-reply-count', async () => {
    const server = await lmtpServer(['250 2.0.0 <b> saved', '250 2.0.0 <c> saved']);
    const record = await send({ connection: tcp(server, { protocol: 'lmtp' }), message: message(['b@example.org', 'c@example.org']) });
    await scriptsOk(server);
    expect(record.result).toMatchObject({ ok: true, verdict: 'delivered' });
    expect(record.findings).toEqual([]);
    expectAbsent(record, ['lmtp-reply-count', 'unsolicited-reply']);
  });

  it('lmtp-reply-count: three replies for two recipients (and the outcome in doubt)', async () => {
    const server = await lmtpServer(['250 2.0.0 <b> saved', '250 2.0.0 <c> saved', '250 2.0.0 one more']);
    const record = await send({ connection: tcp(server, { protocol: 'lmtp' }), message: message(['b@example.org', 'c@example.org']) });
    await scriptsOk(server);
    expect(expectFinding(record, 'lmtp-reply-count').detail).toMatch(/more replies after the data than the 2 owed/);
    expect(record.result.verdict).toBe('unknown');
  });
});

describe('findings on TLS', () => {
  it('a server that behaves: verified TLS 1.3, the same capabilities inside TLS, no TLS finding', async () => {
    const caps = ['PIPELINING', 'ENHANCEDSTATUSCODES', 'SIZE 1000'];
    const server = await tlsServer({ before: [...caps, 'STARTTLS'], after: caps });
    const record = await probe({ connection: verified(server) });
    await scriptsOk(server);
    expect(record.result.ok).toBe(true);
    expect(record.tls).toMatchObject({ protocol: 'TLSv1.3', authorized: true, nameMatches: true });
    expect(record.findings).toEqual([]);
    expectAbsent(record, [
      'plaintext-after-starttls',
      'starttls-offered-after-tls',
      'capabilities-changed-across-tls',
      'certificate-expires-soon',
      'certificate-name-mismatch',
      'weak-tls-version',
      'self-signed-certificate',
    ]);
  });

  it('capabilities-changed-across-tls: AUTH only inside TLS (and then no auth-before-tls)', async () => {
    const server = await tlsServer({
      before: ['PIPELINING', 'ENHANCEDSTATUSCODES', 'STARTTLS'],
      after: ['PIPELINING', 'ENHANCEDSTATUSCODES', 'AUTH PLAIN LOGIN'],
    });
    const record = await probe({ connection: verified(server) });
    await scriptsOk(server);
    expect(expectFinding(record, 'capabilities-changed-across-tls').detail).toBe('only after TLS: AUTH PLAIN LOGIN');
    expectAbsent(record, ['auth-before-tls']);
  });

  it('starttls-offered-after-tls: STARTTLS still listed inside TLS', async () => {
    const server = await tlsServer({ before: ['ENHANCEDSTATUSCODES', 'STARTTLS'], after: ['ENHANCEDSTATUSCODES', 'STARTTLS'] });
    const record = await probe({ connection: verified(server) });
    await scriptsOk(server);
    expectFinding(record, 'starttls-offered-after-tls');
  });

  it('plaintext-after-starttls: a reply right behind the 220 to STARTTLS', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['STARTTLS', 'ENHANCEDSTATUSCODES']);
      await expectLine(conn, 'STARTTLS');
      conn.reply('220 2.0.0 go', '250 injected');
      await conn.waitClosed();
    });
    const record = await probe({ connection: verified(server) });
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('tls-failed');
    expect(expectFinding(record, 'plaintext-after-starttls').detail).toMatch(/1 more replies arrived after "220" to STARTTLS/);
  });

  it('certificate-expires-soon: a leaf that ends in 10 days', async () => {
    const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      ca: { key: pki.caKey, cert: pki.caCert },
      notAfterDate: new Date(Date.now() + 10 * 24 * 3600 * 1000),
      extensions: [
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
          ],
        },
      ],
    });
    const server = await tlsServer({
      before: ['ENHANCEDSTATUSCODES', 'STARTTLS'],
      after: ['ENHANCEDSTATUSCODES'],
      key: leaf.private,
      cert: leaf.cert,
    });
    const record = await probe({ connection: verified(server) });
    await scriptsOk(server);
    expect(record.tls?.authorized).toBe(true);
    expect(expectFinding(record, 'certificate-expires-soon').detail).toMatch(/expires on .*, in (9|10) days/);
  });

  it('certificate-name-mismatch: a leaf for another name, also when verification is off', async () => {
    const leaf = await generate([{ name: 'commonName', value: 'other.example' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      ca: { key: pki.caKey, cert: pki.caCert },
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'other.example' }] }],
    });
    const server = await tlsServer({
      before: ['ENHANCEDSTATUSCODES', 'STARTTLS'],
      after: ['ENHANCEDSTATUSCODES'],
      key: leaf.private,
      cert: leaf.cert,
    });
    const strict = await probe({ connection: verified(server) });
    expect(strict.result.error?.code).toBe('tls-failed');
    expect(expectFinding(strict, 'certificate-name-mismatch').detail).toMatch(
      /does not name 127\.0\.0\.1 \(it names: DNS:other\.example\)/,
    );
    const insecureServer = await tlsServer({
      before: ['ENHANCEDSTATUSCODES', 'STARTTLS'],
      after: ['ENHANCEDSTATUSCODES'],
      key: leaf.private,
      cert: leaf.cert,
    });
    const insecure = await probe({ connection: tcp(insecureServer, { tls: 'starttls', tlsOptions: { verify: false } }) });
    expect(insecure.result.ok).toBe(true);
    expectFinding(insecure, 'certificate-name-mismatch');
  });

  it('self-signed-certificate and weak-tls-version: TLS 1.1 with a self-signed certificate', async () => {
    const self = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'rsa', keySize: 2048, algorithm: 'sha256' });
    const weak = { minVersion: 'TLSv1' as const, maxVersion: 'TLSv1.1' as const, ciphers: 'DEFAULT@SECLEVEL=0' };
    const server = await tlsServer({
      before: ['ENHANCEDSTATUSCODES', 'STARTTLS'],
      after: ['ENHANCEDSTATUSCODES'],
      key: self.private,
      cert: self.cert,
      tls: weak,
    });
    const record = await probe({
      connection: tcp(server, { tls: 'starttls', tlsOptions: { verify: false, minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' } }),
    });
    await scriptsOk(server);
    expect(record.result.ok).toBe(true);
    expect(expectFinding(record, 'weak-tls-version').detail).toBe('TLSv1.1 was negotiated');
    expect(expectFinding(record, 'self-signed-certificate').detail).toMatch(/issued by itself: CN=localhost/);
  });
});

describe('the catalog', () => {
  it('every finding id was produced by a test above, and shown absent on a server that behaves', () => {
    expect([...FINDING_IDS].filter((id) => !produced.has(id))).toEqual([]);
    expect([...FINDING_IDS].filter((id) => !checkedAbsent.has(id))).toEqual([]);
  });
});
