/**
 * TLS options the user can set: version bounds, a cipher list, a client certificate, SNI.
 * Implicit-TLS servers made with node:tls on loopback, so each option's effect is visible on the peer.
 */
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { probe } from '../../electron/smtp/operations.js';
import { clientCertificate, testPki, type TestPki } from '../helpers/certs.js';

interface Seen {
  protocol?: string | null;
  cipher?: string;
  servername?: string | false;
  peerSubject?: string;
  authorized?: boolean;
}

const servers: tls.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** An SMTPS server that greets, answers EHLO and QUIT, and records what the handshake gave it. */
async function smtps(pki: TestPki, options: tls.TlsOptions = {}): Promise<{ port: number; seen: Seen }> {
  const seen: Seen = {};
  const server = tls.createServer({ key: pki.key, cert: pki.cert, ...options }, (socket) => {
    seen.protocol = socket.getProtocol();
    seen.cipher = socket.getCipher().standardName;
    seen.servername = (socket as tls.TLSSocket & { servername?: string | false }).servername;
    seen.authorized = socket.authorized;
    const peer = socket.getPeerCertificate();
    if (peer && peer.subject) seen.peerSubject = peer.subject.CN as string;
    socket.write('220 tls.test ESMTP\r\n');
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      let at: number;
      while ((at = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        if (/^EHLO /i.test(line)) socket.write('250-tls.test\r\n250 PIPELINING\r\n');
        else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
        else socket.write('502 no\r\n');
      }
    });
    socket.on('error', () => {});
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, seen };
}

const connection = (port: number, pki: TestPki, tlsOptions: Record<string, unknown> = {}) => ({
  host: '127.0.0.1',
  port,
  tls: 'implicit' as const,
  ehloName: 'client.test',
  timeouts: 3000,
  tlsOptions: { ca: pki.caCert, ...tlsOptions },
});

describe('TLS options', () => {
  it('maxVersion TLSv1.2 is what the handshake negotiates, and the record says so', async () => {
    const pki = await testPki();
    const { port, seen } = await smtps(pki);
    const record = await probe({ connection: connection(port, pki, { maxVersion: 'TLSv1.2' }) });
    expect(record.result.ok).toBe(true);
    expect(seen.protocol).toBe('TLSv1.2');
    expect(record.tls?.protocol).toBe('TLSv1.2');
  });

  it('minVersion TLSv1.3 against a TLSv1.2-only server fails with tls-failed, nothing in plaintext', async () => {
    const pki = await testPki();
    const { port } = await smtps(pki, { maxVersion: 'TLSv1.2' });
    const record = await probe({ connection: connection(port, pki, { minVersion: 'TLSv1.3' }) });
    expect(record.result.error?.code).toBe('tls-failed');
    expect(record.events.some((e) => e.dir === 'send')).toBe(false);
  });

  it('a cipher list restricts the negotiated cipher (TLSv1.2)', async () => {
    const pki = await testPki();
    const { port, seen } = await smtps(pki);
    const record = await probe({
      connection: connection(port, pki, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' }),
    });
    expect(record.result.ok).toBe(true);
    expect(seen.cipher).toBe('TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256');
    expect(record.tls?.cipher).toBe('TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256');
  });

  it('a client certificate is presented and verified by a server that requires one', async () => {
    const pki = await testPki();
    const client = await clientCertificate(pki, 'smtp-lens-client');
    const { port, seen } = await smtps(pki, { requestCert: true, rejectUnauthorized: true, ca: pki.caCert });
    const withCert = await probe({ connection: connection(port, pki, { cert: client.cert, key: client.key }) });
    expect(withCert.result.ok).toBe(true);
    expect(seen.authorized).toBe(true);
    expect(seen.peerSubject).toBe('smtp-lens-client');

    const without = await probe({ connection: connection(port, pki) });
    expect(without.result.ok).toBe(false);
    expect(['tls-failed', 'server-disconnected']).toContain(without.result.error?.code);
  });

  it('SNI carries the host name typed (or the override), never an IP literal', async () => {
    const pki = await testPki();
    const { port, seen } = await smtps(pki);
    await probe({ connection: { ...connection(port, pki), host: 'localhost' } });
    expect(seen.servername).toBe('localhost');

    const byIp = await smtps(pki);
    const record = await probe({ connection: connection(byIp.port, pki) });
    expect(record.result.ok).toBe(true); // verified against the 127.0.0.1 SAN
    expect(byIp.seen.servername).toBeFalsy();

    const override = await smtps(pki);
    const overridden = await probe({ connection: connection(override.port, pki, { servername: 'localhost' }) });
    expect(overridden.result.ok).toBe(true);
    expect(override.seen.servername).toBe('localhost');
    expect(overridden.tls?.servername).toBe('localhost');
  });
});
