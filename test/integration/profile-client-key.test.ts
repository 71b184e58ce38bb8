/**
 * A profile's stored TLS client key is used by main when a session names the profile (`profileId`): the
 * renderer sends the client certificate but never holds the key. Real TLS on loopback against a server that
 * requires a client certificate.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProfileSummary, Result } from '../../shared/ipc/contract.js';
import type { SessionRecord } from '../../shared/session-record.js';
import { createAppServices, type AppServices } from '../../electron/app/api/create-app.js';
import { clientCertificate, testPki, type TestPki } from '../helpers/certs.js';
import { openSession, runSession, sessionEvents } from '../helpers/session-events.js';
import { fakeSecretStore } from '../unit/storage/fake-secrets.js';

let dir: string;
let app: AppServices;
let server: tls.Server;
let port: number;
let pki: TestPki;
let clientCert: string;
let clientKey: string;
const peers: (string | undefined)[] = [];
const events = sessionEvents();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smtp-lens-client-key-'));
  pki = await testPki();
  const client = await clientCertificate(pki, 'smtp-lens-profile-client');
  clientCert = client.cert;
  clientKey = client.key;
  // SMTPS that requires a client certificate signed by the test CA.
  server = tls.createServer({ key: pki.key, cert: pki.cert, ca: pki.caCert, requestCert: true, rejectUnauthorized: true }, (socket) => {
    const peer = socket.getPeerCertificate();
    peers.push(peer?.subject?.CN as string | undefined);
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
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
  app = await createAppServices({ dataDir: dir, secrets: fakeSecretStore(), emit: events.emit, host: 'web', version: '0.0.0-test' });
});

afterAll(async () => {
  await app?.shutdown(1000);
  await new Promise<void>((r) => server.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

const connection = () => ({
  host: '127.0.0.1',
  port,
  tls: 'implicit' as const,
  caPem: pki.caCert,
  clientCertPem: clientCert,
  ehloName: 'client.test',
  timeoutSeconds: 5,
});

async function value<T>(channel: string, request: unknown): Promise<T> {
  const result = (await app.dispatch(channel, request)) as Result<T>;
  if (!result.ok) throw new Error(`${channel} failed: ${JSON.stringify(result.error)}`);
  return result.value;
}

const run = (request: Record<string, unknown>) => runSession((c, p) => app.dispatch(c, p), events, { operation: 'probe', ...request });

describe('a profile stored client key', () => {
  it('is filled in by main for session.run and session.open, and never returned', async () => {
    const saved = await value<ProfileSummary>('profiles.save', {
      profile: { name: 'mutual TLS', connection: { ...connection(), clientKeyPem: clientKey } },
    });
    expect(saved.hasClientKey).toBe(true);
    const listed = await value<ProfileSummary[]>('profiles.list', {});
    expect(JSON.stringify(listed)).not.toContain(clientKey.split('\n')[1]!);

    const { record: probed } = await run({ connection: connection(), profileId: saved.id });
    expect(probed.result.ok).toBe(true);
    expect(peers.at(-1)).toBe('smtp-lens-profile-client');
    expect(JSON.stringify(probed)).not.toContain(clientKey.split('\n')[1]!);

    const opened = await openSession((c, p) => app.dispatch(c, p), events, { connection: connection(), profileId: saved.id });
    expect(opened).toMatchObject({ open: true, record: { result: { ok: true } } });
    const closed = await value<SessionRecord>('session.close', { sessionId: opened.sessionId });
    expect(closed.result.ok).toBe(true);
    expect(JSON.stringify(events.all)).not.toContain(clientKey.split('\n')[1]!);
  });

  it('a key given in the request wins over the stored one; without a key or profile the handshake fails', async () => {
    const saved = await value<ProfileSummary>('profiles.save', {
      profile: { name: 'second', connection: { ...connection(), clientKeyPem: clientKey } },
    });
    const { record: given } = await run({ connection: { ...connection(), clientKeyPem: clientKey }, profileId: saved.id });
    expect(given.result.ok).toBe(true);

    // A certificate without its key: refused by the TLS layer or the engine, never a success.
    const noProfile = await app.dispatch('session.run', { operation: 'probe', connection: connection() });
    if (noProfile.ok) expect((await events.done((noProfile.value as { sessionId: string }).sessionId)).record.result.ok).toBe(false);
  });

  it('a profile without a stored key says so in plain words, before connecting', async () => {
    const saved = await value<ProfileSummary>('profiles.save', { profile: { name: 'no key', connection: connection() } });
    expect(saved.hasClientKey).toBe(false);
    const before = peers.length;
    const opened = await openSession((c, p) => app.dispatch(c, p), events, { connection: connection(), profileId: saved.id });
    expect(opened).toMatchObject({
      open: false,
      record: { result: { ok: false, error: { code: 'invalid-input', message: expect.stringContaining('client key') } } },
    });
    const { record: unknown } = await run({ connection: connection(), profileId: 'nosuchprofile' });
    expect(unknown.result).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(peers.length).toBe(before);
  });
});
