/**
 * Sessions with the same TLS settings share one SecureContext (building one costs about as much as the
 * rest of a loopback handshake); settings that differ in anything that goes into it never share.
 */
import { describe, expect, it } from 'vitest';
import { generate } from 'selfsigned';
import { probe } from '../../electron/smtp/operations.js';
import { testPki } from '../helpers/certs.js';
import { expectLine, fakeServer, greetAndEhlo, quit, scriptsOk, sleep, tcp, useFakeServers } from '../helpers/support.js';

useFakeServers();

describe('SecureContext cache', () => {
  it('the same CA twice verifies twice; another CA for the same server is not mixed up with it', async () => {
    const pki = await testPki();
    const other = await generate([{ name: 'commonName', value: 'Some Other CA' }], { keyType: 'ec', algorithm: 'sha256' });
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['STARTTLS']);
      await expectLine(conn, 'STARTTLS');
      conn.reply('220 go ahead');
      // A client that rejects the certificate drops the socket, possibly before the server sees the
      // handshake finish: then neither 'secure' nor 'error' comes, hence the race.
      const secure = await Promise.race([
        conn.startTls({ key: pki.key, cert: pki.cert }).then(
          () => true,
          () => false,
        ),
        sleep(2000).then(() => false),
      ]);
      if (!secure) return;
      await expectLine(conn, 'EHLO client.test').catch(() => undefined);
      if (!conn.closed) {
        conn.reply('250 fake.test');
        await quit(conn);
      }
    });
    const withCa = (ca: string) => probe({ connection: tcp(server, { tls: 'starttls', tlsOptions: { ca } }) });
    const first = await withCa(pki.caCert);
    const second = await withCa(pki.caCert);
    const wrong = await withCa(other.cert);
    const third = await withCa(pki.caCert);
    await scriptsOk(server);
    expect([first, second, third].map((r) => [r.result.ok, r.tls?.authorized])).toEqual([
      [true, true],
      [true, true],
      [true, true],
    ]);
    expect(wrong.result.error?.code).toBe('tls-failed');
    expect(wrong.tls?.authorized).toBe(false);
  });

  it('settings Node refuses (an unknown cipher list) are a tls-failed error, not an internal one', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['STARTTLS']);
      await expectLine(conn, 'STARTTLS');
      conn.reply('220 go ahead');
      await conn.waitClosed();
    });
    const record = await probe({
      connection: tcp(server, { tls: 'starttls', tlsOptions: { ciphers: 'NO-SUCH-CIPHER', maxVersion: 'TLSv1.2' } }),
    });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'tls-failed' });
    expect(record.result.error?.message).toMatch(/TLS settings were refused/);
  });
});
