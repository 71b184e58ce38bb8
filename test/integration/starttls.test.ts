import { describe, expect, it } from 'vitest';
import { probe, send } from '../../electron/smtp/operations.js';
import { testPki, type TestPki } from '../helpers/certs.js';
import {
  expectLine,
  fakeServer,
  greetAndEhlo,
  quit,
  scriptsOk,
  sleep,
  tcp,
  unix,
  useFakeServers,
  wire,
  type FakeConnection,
} from '../helpers/support.js';

useFakeServers();

/** Take the socket over with TLS; resolves false when the client drops it instead of finishing. */
async function tryStartTls(conn: FakeConnection, pki: TestPki, ms = 2000): Promise<boolean> {
  return Promise.race([
    conn.startTls({ key: pki.key, cert: pki.cert }).then(
      () => true,
      () => false,
    ),
    sleep(ms).then(() => false),
  ]);
}

/** The server side up to the client's STARTTLS, answered with 220. */
async function upToStartTls(conn: FakeConnection, extensions = ['PIPELINING', 'STARTTLS', 'SIZE 1000']): Promise<void> {
  await greetAndEhlo(conn, extensions);
  await expectLine(conn, 'STARTTLS');
}

describe('STARTTLS', () => {
  it('upgrades, re-sends EHLO inside TLS and keeps only the new capability list', async () => {
    const pki = await testPki();
    const server = await fakeServer(async (conn) => {
      await upToStartTls(conn);
      conn.reply('220 2.0.0 go ahead');
      expect(await tryStartTls(conn, pki)).toBe(true);
      await expectLine(conn, 'EHLO client.test');
      conn.reply('250-fake.test after tls', '250-AUTH PLAIN', '250 CHUNKING');
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server, { tls: 'starttls', tlsOptions: { ca: pki.caCert } }) });
    await scriptsOk(server);

    expect(record.result).toEqual({ ok: true });
    expect(record.tls).toMatchObject({
      via: 'starttls',
      protocol: 'TLSv1.3',
      authorized: true,
      verificationRequired: true,
      servername: '127.0.0.1',
    });
    expect(record.tls?.cipher).toMatch(/^TLS_/);
    expect(record.tls?.authorizationError).toBeUndefined();
    expect(record.tls?.peerCertificate[0]?.fingerprint256).toBe(pki.fingerprint256);
    expect(record.tls?.peerCertificate[0]?.subjectAltNames).toContain('IP Address:127.0.0.1');
    // Only the list advertised inside TLS counts; the plaintext one is kept apart.
    expect(record.capabilities.map((c) => c.name)).toEqual(['AUTH', 'CHUNKING']);
    expect(record.capabilitiesBeforeTls?.map((c) => c.name)).toEqual(['PIPELINING', 'STARTTLS', 'SIZE']);
    expect(record.helloVerb).toBe('EHLO');
    // Two EHLOs: one in plaintext, one in TLS; QUIT inside TLS too.
    const sends = record.events.filter((e) => e.dir === 'send').map((e) => [e.text, e.tls]);
    expect(sends).toEqual([
      ['EHLO client.test', false],
      ['STARTTLS', false],
      ['EHLO client.test', true],
      ['QUIT', true],
    ]);
    // The plaintext view on the server side: exactly those lines.
    expect(wire(server.connections[0])).toBe('EHLO client.test\r\nSTARTTLS\r\nEHLO client.test\r\nQUIT\r\n');
  });

  it('fails verification without the CA and sends nothing inside TLS', async () => {
    const pki = await testPki();
    const server = await fakeServer(async (conn) => {
      await upToStartTls(conn);
      conn.reply('220 go ahead');
      await tryStartTls(conn, pki, 300);
    });
    const record = await probe({ connection: tcp(server, { tls: 'starttls' }) });
    await scriptsOk(server);
    await sleep(50);

    expect(record.result.ok).toBe(false);
    expect(record.result.error).toMatchObject({ code: 'tls-failed', stage: 'tls-verify' });
    expect(record.result.error?.message).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER|DEPTH_ZERO/);
    expect(record.tls?.authorized).toBe(false);
    expect(record.tls?.authorizationError).toMatch(/^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/);
    // The peer chain is still reported, for diagnosis.
    expect(record.tls?.peerCertificate[0]?.fingerprint256).toBe(pki.fingerprint256);
    // Not a byte after the handshake: no EHLO, no QUIT inside TLS, no plaintext QUIT.
    expect(wire(server.connections[0])).toBe('EHLO client.test\r\nSTARTTLS\r\n');
    expect(record.events.filter((e) => e.dir === 'send').map((e) => e.text)).toEqual(['EHLO client.test', 'STARTTLS']);
  });

  it('insecure (verify: false) goes on with authorized=false and says why', async () => {
    const pki = await testPki();
    const server = await fakeServer(async (conn) => {
      await upToStartTls(conn);
      conn.reply('220 go ahead');
      expect(await tryStartTls(conn, pki)).toBe(true);
      await expectLine(conn, 'EHLO client.test');
      conn.reply('250 fake.test');
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server, { tls: 'starttls', tlsOptions: { verify: false } }) });
    await scriptsOk(server);

    expect(record.result).toEqual({ ok: true });
    expect(record.tls).toMatchObject({ authorized: false, verificationRequired: false });
    expect(record.tls?.authorizationError).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER/);
    expect(record.capabilities).toEqual([]);
  });

  it('fails on a certificate that does not name the host (servername override)', async () => {
    const pki = await testPki();
    const server = await fakeServer(async (conn) => {
      await upToStartTls(conn);
      conn.reply('220 go ahead');
      await tryStartTls(conn, pki, 300);
    });
    const record = await probe({
      connection: tcp(server, { tls: 'starttls', tlsOptions: { ca: pki.caCert, servername: 'wrong.example' } }),
    });
    await scriptsOk(server);
    await sleep(50);

    expect(record.result.error).toMatchObject({ code: 'tls-failed', stage: 'tls-verify' });
    expect(record.result.error?.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(record.tls).toMatchObject({ authorized: false, servername: 'wrong.example' });
    expect(record.tls?.authorizationError).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(wire(server.connections[0])).toBe('EHLO client.test\r\nSTARTTLS\r\n');
  });

  it('refuses a response injected after the 220 (same write) before any handshake byte', async () => {
    const server = await fakeServer(async (conn) => {
      await upToStartTls(conn);
      conn.write('220 go ahead\r\n250 injected\r\n');
      await conn.waitClosed();
    });
    const record = await probe({ connection: tcp(server, { tls: 'starttls' }) });
    await scriptsOk(server);

    expect(record.result.error).toMatchObject({ code: 'tls-failed', stage: 'starttls' });
    expect(record.result.error?.message).toMatch(/injection/);
    expect(record.tls).toBeUndefined();
    // No ClientHello (0x16 ...), no QUIT: the last thing the client wrote is the STARTTLS line.
    expect(wire(server.connections[0])).toBe('EHLO client.test\r\nSTARTTLS\r\n');
    // The injected line must not be taken as a reply to anything.
    expect(record.capabilities.map((c) => c.name)).toEqual(['PIPELINING', 'STARTTLS', 'SIZE']);
  });

  it('bytes injected just after the 220 (separate write) never count as a reply: the session fails, no EHLO', async () => {
    const server = await fakeServer(async (conn) => {
      await upToStartTls(conn);
      conn.write('220 go ahead\r\n');
      setImmediate(() => conn.write('250-injected\r\n250 AUTH PLAIN\r\n'));
      await conn.waitClosed();
    });
    const record = await probe({ connection: tcp(server, { tls: 'starttls', timeouts: { tlsHandshake: 500 } }) });
    await scriptsOk(server);
    // Either caught before the handshake (injection) or the handshake chokes on the plaintext.
    expect(record.result.error?.code).toBe('tls-failed');
    expect(record.capabilities.map((c) => c.name)).toEqual(['PIPELINING', 'STARTTLS', 'SIZE']);
    const sent = wire(server.connections[0]);
    expect(sent.startsWith('EHLO client.test\r\nSTARTTLS\r\n')).toBe(true);
    // Whatever followed is a TLS record (a ClientHello starts with 0x16), never plaintext SMTP.
    const rest = sent.slice('EHLO client.test\r\nSTARTTLS\r\n'.length);
    if (rest.length > 0) expect(rest.charCodeAt(0)).toBe(0x16);
    expect(rest).not.toContain('EHLO');
    expect(rest).not.toContain('QUIT');
  });

  it('a 220 to STARTTLS and then silence → timeout at the TLS handshake stage', async () => {
    const server = await fakeServer(async (conn) => {
      await upToStartTls(conn);
      conn.reply('220 go ahead');
      await conn.waitClosed();
    });
    const started = performance.now();
    const record = await probe({ connection: tcp(server, { tls: 'starttls', timeouts: { tlsHandshake: 300 } }) });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'timeout', stage: 'tls-handshake' });
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('implicit TLS against a plaintext server → tls-failed', async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('220 fake.test plaintext ESMTP');
      await conn.waitClosed();
    });
    const record = await probe({ connection: tcp(server, { tls: 'implicit', timeouts: { tlsHandshake: 1000 } }) });
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('tls-failed');
    expect(record.greeting).toBeUndefined();
  });

  it('refuses to go on when STARTTLS is not advertised (stripping): no AUTH, no MAIL', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING', 'AUTH PLAIN']);
      await quit(conn);
    });
    const record = await send({
      connection: tcp(server, { tls: 'starttls' }),
      auth: { user: 'u', password: 'p' },
      message: { raw: Buffer.from('From: a@example.org\r\nTo: b@example.org\r\n\r\nhi\r\n') },
    });
    await scriptsOk(server);

    expect(record.result.error).toMatchObject({ code: 'tls-not-offered', command: 'STARTTLS' });
    expect(record.tlsSkipped).toBeUndefined();
    expect(wire(server.connections[0])).toBe('EHLO client.test\r\nQUIT\r\n');
  });

  it('STARTTLS refused with 454 in starttls mode: tls-not-offered, nothing but QUIT after', async () => {
    const server = await fakeServer(async (conn) => {
      await upToStartTls(conn, ['STARTTLS', 'AUTH PLAIN']);
      conn.reply('454 4.7.0 TLS not available due to temporary reason');
      await quit(conn);
    });
    const record = await send({
      connection: tcp(server, { tls: 'starttls' }),
      auth: { user: 'u', password: 'p' },
      message: { raw: Buffer.from('From: a@example.org\r\nTo: b@example.org\r\n\r\nhi\r\n') },
    });
    await scriptsOk(server);

    expect(record.result.error).toMatchObject({ code: 'tls-not-offered', replyCode: 454, enhancedCode: '4.7.0' });
    expect(wire(server.connections[0])).toBe('EHLO client.test\r\nSTARTTLS\r\nQUIT\r\n');
  });

  it('STARTTLS refused with 454 in starttls-optional mode: continues in plaintext and says so', async () => {
    const server = await fakeServer(async (conn) => {
      await upToStartTls(conn, ['STARTTLS']);
      conn.reply('454 4.7.0 not now');
      await expectLine(conn, 'NOOP');
      conn.reply('250 2.0.0 ok');
      await quit(conn);
    });
    const { raw } = await import('../../electron/smtp/operations.js');
    const record = await raw({ connection: tcp(server, { tls: 'starttls-optional' }), commands: ['NOOP'] });
    await scriptsOk(server);

    expect(record.result).toEqual({ ok: true });
    expect(record.tls).toBeUndefined();
    expect(record.tlsSkipped).toMatch(/refused STARTTLS \(454 4\.7\.0 not now\)/);
    expect(record.tlsSkipped).toMatch(/plaintext/);
    expect(record.commands).toEqual([{ command: 'NOOP', reply: { code: 250, enhancedCode: '2.0.0', text: '2.0.0 ok' } }]);
  });

  it('starttls-optional without STARTTLS advertised records why TLS was skipped', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server, { tls: 'starttls-optional' }) });
    await scriptsOk(server);
    expect(record.result).toEqual({ ok: true });
    expect(record.tlsSkipped).toMatch(/does not advertise STARTTLS/);
    expect(wire(server.connections[0])).toBe('EHLO client.test\r\nQUIT\r\n');
  });

  it('implicit TLS: the greeting arrives inside TLS and the record says so', async () => {
    const pki = await testPki();
    const server = await fakeServer(
      async (conn) => {
        await greetAndEhlo(conn, ['AUTH PLAIN']);
        await quit(conn);
      },
      { tls: { key: pki.key, cert: pki.cert } },
    );
    const record = await probe({ connection: tcp(server, { tls: 'implicit', tlsOptions: { ca: pki.caCert } }) });
    await scriptsOk(server);

    expect(record.result).toEqual({ ok: true });
    expect(record.tls).toMatchObject({ via: 'implicit', authorized: true, protocol: 'TLSv1.3' });
    expect(record.tls?.peerCertificate[0]?.fingerprint256).toBe(pki.fingerprint256);
    expect(record.capabilitiesBeforeTls).toBeUndefined();
    expect(record.events.filter((e) => e.dir !== 'info').every((e) => e.tls)).toBe(true);
    expect(wire(server.connections[0])).toBe('EHLO client.test\r\nQUIT\r\n');
  });

  it('implicit TLS without the CA fails before anything is sent', async () => {
    const pki = await testPki();
    const server = await fakeServer(
      async (conn) => {
        conn.reply('220 fake.test ESMTP');
        await conn.waitClosed();
      },
      { tls: { key: pki.key, cert: pki.cert } },
    );
    const record = await probe({ connection: tcp(server, { tls: 'implicit' }) });
    expect(record.result.error).toMatchObject({ code: 'tls-failed', stage: 'tls-verify' });
    expect(record.greeting).toBeUndefined();
    expect(record.tls).toMatchObject({ via: 'implicit', authorized: false, verificationRequired: true });
    expect(record.tls?.authorizationError).toMatch(/^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/);
    await sleep(50);
    expect(wire(server.connections[0])).toBe('');
  });

  it('STARTTLS over a Unix socket verifies against the servername override', async () => {
    const pki = await testPki();
    const server = await fakeServer(
      async (conn) => {
        await upToStartTls(conn);
        conn.reply('220 go ahead');
        expect(await tryStartTls(conn, pki)).toBe(true);
        await expectLine(conn, 'EHLO client.test');
        conn.reply('250-fake.test', '250 AUTH PLAIN');
        await quit(conn);
      },
      { unix: true },
    );
    const record = await probe({
      connection: unix(server, { tls: 'starttls', tlsOptions: { ca: pki.caCert, servername: 'localhost' } }),
    });
    await scriptsOk(server);

    expect(record.result).toEqual({ ok: true });
    expect(record.target.socketPath).toBe(server.path);
    expect(record.tls).toMatchObject({ via: 'starttls', authorized: true, servername: 'localhost' });
    expect(record.capabilities.map((c) => c.name)).toEqual(['AUTH']);
  });

  it('implicit TLS over a Unix socket without any name to verify fails verification', async () => {
    const pki = await testPki();
    const server = await fakeServer(
      async (conn) => {
        conn.reply('220 fake.test ESMTP');
        await conn.waitClosed();
      },
      { unix: true, tls: { key: pki.key, cert: pki.cert } },
    );
    const record = await probe({ connection: unix(server, { tls: 'implicit', tlsOptions: { ca: pki.caCert } }) });
    expect(record.result.error).toMatchObject({ code: 'tls-failed', stage: 'tls-verify' });
    expect(record.tls?.authorizationError).toMatch(/no host name/);
  });

  it('implicit TLS over a Unix socket with servername localhost succeeds', async () => {
    const pki = await testPki();
    const server = await fakeServer(
      async (conn) => {
        await greetAndEhlo(conn, ['SIZE']);
        await quit(conn);
      },
      { unix: true, tls: { key: pki.key, cert: pki.cert } },
    );
    const record = await probe({
      connection: unix(server, { tls: 'implicit', tlsOptions: { ca: pki.caCert, servername: 'localhost' } }),
    });
    await scriptsOk(server);
    expect(record.result).toEqual({ ok: true });
    expect(record.tls).toMatchObject({ via: 'implicit', authorized: true, servername: 'localhost' });
  });
});
