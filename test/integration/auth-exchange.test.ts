import { describe, expect, it } from 'vitest';
import { probe } from '../../electron/smtp/operations.js';
import { SmtpSession } from '../../electron/smtp/session.js';
import { testPki } from '../helpers/certs.js';
import { serveCramMd5, serveLogin, servePlain, serveScram, serveXoauth2 } from '../helpers/sasl-server.js';
import {
  b64,
  expectLine,
  fakeServer,
  greetAndEhlo,
  quit,
  rejection,
  scriptsOk,
  tcp,
  unb64,
  unix,
  useFakeServers,
  wire,
  wireLines,
} from '../helpers/support.js';

useFakeServers();

const USER = 'user@example.org';
const PASSWORD = 'pencil-Pa55';

/** The session's connection (private): the test pretends the peer has another address. */
function linkOf(session: SmtpSession): object {
  return (session as unknown as { connection: object }).connection;
}

describe('AUTH exchanges against a scripted server', () => {
  it('PLAIN with an initial response', async () => {
    let decoded = '';
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH PLAIN LOGIN']);
      decoded = await servePlain(conn, true);
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server), auth: { user: USER, password: PASSWORD, mechanism: 'PLAIN' } });
    await scriptsOk(server);
    expect(decoded).toBe(`\0${USER}\0${PASSWORD}`);
    expect(wireLines(server.connections[0])[1]).toBe(`AUTH PLAIN ${b64(`\0${USER}\0${PASSWORD}`)}`);
    expect(record.result).toEqual({ ok: true });
    expect(record.auth).toMatchObject({ mechanism: 'PLAIN', ok: true, code: 235, enhancedCode: '2.7.0' });
    expect(record.auth?.steps).toEqual([
      {
        sent: `AUTH PLAIN <redacted ${b64(`\0${USER}\0${PASSWORD}`).length} bytes>`,
        reply: { code: 235, enhancedCode: '2.7.0', text: '2.7.0 authenticated' },
      },
    ]);
  });

  it('PLAIN with an authorization identity, and without an initial response (waits for 334)', async () => {
    let decoded = '';
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH PLAIN']);
      decoded = await servePlain(conn, true);
      await quit(conn);
    });
    const record = await probe({
      connection: tcp(server),
      auth: { user: USER, password: PASSWORD, authzid: 'admin', mechanism: 'plain', initialResponse: false },
    });
    await scriptsOk(server);
    expect(decoded).toBe(`admin\0${USER}\0${PASSWORD}`);
    expect(wireLines(server.connections[0])[1]).toBe('AUTH PLAIN');
    expect(record.auth?.steps.map((s) => s.sent)).toEqual(['AUTH PLAIN', expect.stringMatching(/^<redacted \d+ bytes>$/)]);
  });

  it('LOGIN: user name and password after the two prompts', async () => {
    let got = { user: '', password: '' };
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH LOGIN']);
      got = await serveLogin(conn, true);
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server), auth: { user: USER, password: PASSWORD } });
    await scriptsOk(server);
    expect(got).toEqual({ user: USER, password: PASSWORD });
    expect(record.auth?.mechanism).toBe('LOGIN');
    expect(record.auth?.steps).toHaveLength(3);
    expect(record.result.ok).toBe(true);
  });

  it('CRAM-MD5: the digest checks out server-side', async () => {
    let outcome = { user: '', digestValid: false };
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH CRAM-MD5 PLAIN']);
      outcome = await serveCramMd5(conn, PASSWORD);
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server), auth: { user: USER, password: PASSWORD, mechanism: 'CRAM-MD5' } });
    await scriptsOk(server);
    expect(outcome).toEqual({ user: USER, digestValid: true });
    expect(record.auth).toMatchObject({ mechanism: 'CRAM-MD5', ok: true });
    const lines = wireLines(server.connections[0]);
    expect(lines[1]).toBe('AUTH CRAM-MD5');
    // "user SP 32 lower-case hex digits" (RFC 2195), and the password itself never on the wire.
    expect(unb64(lines[2]!)).toMatch(new RegExp(`^${USER} [0-9a-f]{32}$`));
    expect(wire(server.connections[0])).not.toContain(b64(PASSWORD).slice(0, 12));
  });

  it('XOAUTH2 failure flow: 334 JSON, an empty line back, then 535 → auth-failed with the steps recorded', async () => {
    let got: { message: string; ack?: string } = { message: '' };
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH XOAUTH2 PLAIN']);
      got = await serveXoauth2(conn, false);
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server), auth: { user: USER, token: 'ya29.token-value' } });
    await scriptsOk(server);
    expect(got.message).toBe(`user=${USER}\x01auth=Bearer ya29.token-value\x01\x01`);
    expect(got.ack).toBe('');
    expect(record.result.error).toMatchObject({ code: 'auth-failed', replyCode: 535, enhancedCode: '5.7.8', command: 'AUTH XOAUTH2' });
    expect(record.auth).toMatchObject({ mechanism: 'XOAUTH2', ok: false, code: 535 });
    expect(record.auth?.steps).toHaveLength(2);
    expect(record.auth?.steps[0]?.sent).toMatch(/^AUTH XOAUTH2 <redacted \d+ bytes>$/);
    expect(record.auth?.steps[0]?.reply.code).toBe(334);
    expect(record.auth?.steps[1]).toMatchObject({ sent: '', reply: { code: 535 } });
    // After a failed AUTH, no second attempt: straight to QUIT.
    expect(wireLines(server.connections[0]).slice(3)).toEqual(['QUIT']);
  });

  for (const hash of ['sha256', 'sha1'] as const) {
    const mech = hash === 'sha256' ? 'SCRAM-SHA-256' : 'SCRAM-SHA-1';
    it(`${mech}: full exchange against a node:crypto server, server signature verified`, async () => {
      let outcome: Awaited<ReturnType<typeof serveScram>> | undefined;
      const server = await fakeServer(async (conn) => {
        await greetAndEhlo(conn, [`AUTH ${mech} PLAIN`]);
        outcome = await serveScram(conn, { user: USER, password: PASSWORD, hash });
        await quit(conn);
      });
      const record = await probe({ connection: tcp(server), auth: { user: USER, password: PASSWORD, mechanism: mech } });
      await scriptsOk(server);
      expect(outcome).toEqual({ proofValid: true, afterFinal: '' });
      expect(record.result).toEqual({ ok: true });
      expect(record.auth).toMatchObject({ mechanism: mech, ok: true, code: 235, serverSignatureVerified: true });
      expect(record.auth?.steps).toHaveLength(3);
    });
  }

  it('SCRAM-SHA-256 with the wrong password: the server rejects the proof', async () => {
    let outcome: Awaited<ReturnType<typeof serveScram>> | undefined;
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH SCRAM-SHA-256']);
      outcome = await serveScram(conn, { user: USER, password: 'the real one' });
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server), auth: { user: USER, password: PASSWORD } });
    await scriptsOk(server);
    expect(outcome?.proofValid).toBe(false);
    expect(record.result.error).toMatchObject({ code: 'auth-failed', replyCode: 535 });
    expect(record.auth?.serverSignatureVerified).toBe(false);
  });

  it('SCRAM-SHA-256 with a wrong server signature (v=) → auth-failed, and the client sends "*"', async () => {
    let outcome: Awaited<ReturnType<typeof serveScram>> | undefined;
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH SCRAM-SHA-256']);
      outcome = await serveScram(conn, { user: USER, password: PASSWORD, tamper: 'signature' });
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server), auth: { user: USER, password: PASSWORD } });
    await scriptsOk(server);
    expect(outcome).toEqual({ proofValid: true, afterFinal: '*' });
    expect(record.result.error?.code).toBe('auth-failed');
    expect(record.result.error?.message).toMatch(/server signature mismatch/);
    expect(record.auth).toMatchObject({ ok: false, serverSignatureVerified: false });
    expect(record.auth?.steps.at(-1)).toMatchObject({ sent: '*', reply: { code: 501 } });
  });

  it('SCRAM-SHA-256: a 235 without the server-final message is not trusted', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH SCRAM-SHA-256']);
      await serveScram(conn, { user: USER, password: PASSWORD, tamper: 'skip-final' });
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server), auth: { user: USER, password: PASSWORD } });
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('auth-failed');
    expect(record.result.error?.message).toMatch(/never proved/);
    expect(record.auth).toMatchObject({ ok: false, code: 235, serverSignatureVerified: false });
  });

  it('a malformed (non-base64) challenge is answered with "*"', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH LOGIN']);
      await expectLine(conn, 'AUTH LOGIN');
      conn.reply('334 Username:');
      await expectLine(conn, '*');
      conn.reply('501 5.5.2 cancelled');
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server), auth: { user: USER, password: PASSWORD } });
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('protocol-error');
    expect(record.result.error?.message).toMatch(/not valid base64/);
    expect(record.auth?.ok).toBe(false);
    expect(wireLines(server.connections[0])).toEqual(['EHLO client.test', 'AUTH LOGIN', '*', 'QUIT']);
  });

  it('a malformed SCRAM server-first message (nonce not extending ours) is answered with "*"', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH SCRAM-SHA-256']);
      await expectLine(conn, /^AUTH SCRAM-SHA-256 \S+$/);
      conn.reply(`334 ${b64('r=someone-elses-nonce,s=QSXCR+Q6sek8bf92,i=4096')}`);
      await expectLine(conn, '*');
      conn.reply('501 5.5.2 cancelled');
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server), auth: { user: USER, password: PASSWORD } });
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('protocol-error');
    expect(record.result.error?.message).toMatch(/nonce/);
  });

  for (const mechanism of ['LOGIN', 'auto']) {
    it(`a failed ${mechanism} mechanism is not followed by another AUTH attempt`, async () => {
      const server = await fakeServer(async (conn) => {
        await greetAndEhlo(conn, ['AUTH PLAIN LOGIN CRAM-MD5']);
        if (mechanism === 'LOGIN') await serveLogin(conn, false);
        else await serveCramMd5(conn, PASSWORD, false);
        await quit(conn);
      });
      const record = await probe({ connection: tcp(server), auth: { user: USER, password: PASSWORD, mechanism } });
      await scriptsOk(server);
      expect(record.result.error).toMatchObject({ code: 'auth-failed', replyCode: 535 });
      const auths = wireLines(server.connections[0]).filter((l) => l.startsWith('AUTH'));
      expect(auths).toEqual([mechanism === 'LOGIN' ? 'AUTH LOGIN' : 'AUTH CRAM-MD5']);
      expect(wireLines(server.connections[0]).at(-1)).toBe('QUIT');
    });
  }

  it('504 to AUTH → not-supported', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH PLAIN']);
      await expectLine(conn, /^AUTH PLAIN /);
      conn.reply('504 5.5.4 mechanism not available');
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server), auth: { user: USER, password: PASSWORD } });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'not-supported', replyCode: 504 });
  });

  it('a mechanism the server does not advertise → not-supported, nothing sent', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH PLAIN']);
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server), auth: { user: USER, password: PASSWORD, mechanism: 'CRAM-MD5' } });
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('not-supported');
    expect(wire(server.connections[0])).toBe('EHLO client.test\r\nQUIT\r\n');
  });

  it('auto picks SCRAM-SHA-256 over PLAIN, LOGIN and CRAM-MD5', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256']);
      await serveScram(conn, { user: USER, password: PASSWORD });
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server), auth: { user: USER, password: PASSWORD } });
    await scriptsOk(server);
    expect(wireLines(server.connections[0])[1]).toMatch(/^AUTH SCRAM-SHA-256 \S+$/);
    expect(record.auth).toMatchObject({ mechanism: 'SCRAM-SHA-256', ok: true, serverSignatureVerified: true });
  });

  it('auto with a token picks XOAUTH2', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH PLAIN XOAUTH2']);
      await serveXoauth2(conn, true);
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server), auth: { user: USER, token: 'tok' } });
    await scriptsOk(server);
    expect(record.auth).toMatchObject({ mechanism: 'XOAUTH2', ok: true });
  });
});

describe('where credentials may be sent in plaintext', () => {
  it('TCP to 127.0.0.1 (loopback) is allowed without TLS', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH PLAIN']);
      await servePlain(conn, true);
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server), auth: { user: USER, password: PASSWORD } });
    await scriptsOk(server);
    expect(record.target.remoteAddress).toBe('127.0.0.1');
    expect(record.auth?.ok).toBe(true);
  });

  it('a Unix socket is allowed without TLS', async () => {
    const server = await fakeServer(
      async (conn) => {
        await greetAndEhlo(conn, ['AUTH PLAIN']);
        await servePlain(conn, true);
        await quit(conn);
      },
      { unix: true },
    );
    const record = await probe({ connection: unix(server), auth: { user: USER, password: PASSWORD } });
    await scriptsOk(server);
    expect(record.auth?.ok).toBe(true);
  });

  /** A session whose link claims a non-loopback peer (the one thing a loopback test cannot produce). */
  async function sessionSeenAs(remote: string, extra: Parameters<typeof tcp>[1] = {}) {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH PLAIN']);
      const next = await conn.readLine();
      if (next.startsWith('AUTH PLAIN')) {
        conn.reply('235 2.7.0 ok');
        await quit(conn);
      } else {
        expect(next).toBe('QUIT');
        conn.reply('221 bye');
      }
    });
    const session = new SmtpSession(tcp(server, extra));
    await session.open();
    Object.defineProperty(linkOf(session), 'remoteAddress', { get: () => remote });
    return { server, session };
  }

  it('a non-loopback peer without TLS → auth-not-allowed and no AUTH on the wire (simulated peer address)', async () => {
    const { server, session } = await sessionSeenAs('192.0.2.25');
    const error = await rejection(session.authenticate({ user: USER, password: PASSWORD }));
    expect(error.code).toBe('auth-not-allowed');
    await session.quit();
    await scriptsOk(server);
    expect(wire(server.connections[0])).toBe('EHLO client.test\r\nQUIT\r\n');
  });

  it('the same non-loopback peer with allowPlaintextAuth → AUTH is sent', async () => {
    const { server, session } = await sessionSeenAs('192.0.2.25', { allowPlaintextAuth: true });
    const result = await session.authenticate({ user: USER, password: PASSWORD });
    expect(result.ok).toBe(true);
    await session.quit();
    await scriptsOk(server);
  });

  it('an IPv4-mapped loopback peer (::ffff:127.0.0.1) counts as loopback', async () => {
    const { server, session } = await sessionSeenAs('::ffff:127.0.0.1');
    const result = await session.authenticate({ user: USER, password: PASSWORD });
    expect(result.ok).toBe(true);
    await session.quit();
    await scriptsOk(server);
  });

  it('an IPv4-mapped non-loopback peer (::ffff:192.0.2.25) does not', async () => {
    const { server, session } = await sessionSeenAs('::ffff:192.0.2.25');
    expect((await rejection(session.authenticate({ user: USER, password: PASSWORD }))).code).toBe('auth-not-allowed');
    await session.quit();
    await scriptsOk(server);
  });

  it('a non-loopback peer inside STARTTLS is allowed', async () => {
    const pki = await testPki();
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['STARTTLS']);
      await expectLine(conn, 'STARTTLS');
      conn.reply('220 go');
      await conn.startTls({ key: pki.key, cert: pki.cert });
      await expectLine(conn, 'EHLO client.test');
      conn.reply('250-fake.test', '250 AUTH PLAIN');
      await servePlain(conn, true);
      await quit(conn);
    });
    const session = new SmtpSession(tcp(server, { tls: 'starttls', tlsOptions: { ca: pki.caCert } }));
    await session.open();
    Object.defineProperty(linkOf(session), 'remoteAddress', { get: () => '192.0.2.25' });
    expect((await session.authenticate({ user: USER, password: PASSWORD })).ok).toBe(true);
    await session.quit();
    await scriptsOk(server);
  });
});
