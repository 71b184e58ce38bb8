import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../shared/session-record.js';
import { TIMING_STAGES } from '../../shared/timings.js';
import { EXIT } from '../../electron/cli/exit-codes.js';
import { clientCertificate, testPki, type TestPki } from '../helpers/certs.js';
import { assertCliBuilt, cli, type Run } from '../helpers/cli.js';
import { startLibraryServer, type LibraryServer, type LibraryServerOptions } from '../helpers/library-server.js';

/** What happened when: the record's timings and --timing, --hex (redacted as the transcript), the client certificate, --save-chain. */

const USER = 'timing-user@example.test';
const SECRET = 'Timing-Secret-8c2f';
const servers: LibraryServer[] = [];
let pki: TestPki;
let dir: string;
let caFile: string;
beforeAll(async () => {
  assertCliBuilt();
  pki = await testPki();
  dir = await mkdtemp(join(tmpdir(), 'smtp-lens-timing-'));
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, pki.caCert);
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function library(options: LibraryServerOptions = {}): Promise<string[]> {
  const s = await startLibraryServer(options);
  servers.push(s);
  return ['--host', '127.0.0.1', '--port', String(s.port), '--timeout', '5', '--servername', 'localhost'];
}
const record = (run: Run): SessionRecord => JSON.parse(run.stdout) as SessionRecord;
const MESSAGE = ['--from', 'a@example.org', '--to', 'b@example.org', '--to', 'c@example.org', '--body', 'hi'];

describe('timings', () => {
  it('a STARTTLS + AUTH send carries every stage it went through, each a non-negative number of ms', async () => {
    const at = await library({ tls: 'starttls', auth: { user: USER, password: SECRET } });
    const run = await cli(
      ['send', ...at, '--tls', 'starttls', '--ca', caFile, '--auth', 'plain', '--user', USER, '--password-env', 'S', ...MESSAGE, '--json'],
      {
        S: SECRET,
      },
    );
    expect(run.code).toBe(EXIT.ok);
    const t = record(run).timings!;
    expect(Object.keys(t).sort()).toEqual(['auth', 'connect', 'data', 'ehlo', 'endOfData', 'greeting', 'mail', 'rcpt', 'starttls'].sort());
    for (const v of Object.values(t)) expect(v).toBeGreaterThanOrEqual(0);
    // The stages are parts of the session: together no longer than it.
    const sum = Object.values(t).reduce((a, b) => a + b, 0);
    expect(sum).toBeLessThanOrEqual(record(run).durationMs);
  });

  it('implicit TLS: the handshake is its own stage; a probe has no MAIL', async () => {
    const at = await library({ tls: 'implicit' });
    const run = await cli(['probe', ...at, '--tls', 'implicit', '--ca', caFile, '--json']);
    expect(run.code).toBe(EXIT.ok);
    expect(Object.keys(record(run).timings!).sort()).toEqual(['connect', 'ehlo', 'greeting', 'tlsHandshake']);
  });

  it('without PIPELINING each stage is still timed, one command at a time', async () => {
    const at = await library({ hidePIPELINING: true });
    const run = await cli(['send', ...at, ...MESSAGE, '--json']);
    expect(Object.keys(record(run).timings!)).toEqual(expect.arrayContaining(['mail', 'rcpt', 'data', 'endOfData']));
  });

  it('--timing prints the table in stage order, ending with the total', async () => {
    const at = await library();
    const run = await cli(['send', ...at, ...MESSAGE, '--timing', '--quiet']);
    expect(run.code).toBe(EXIT.ok);
    const table = run.stdout.slice(run.stdout.indexOf('Timing (ms):'));
    const labels = table
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((l) => l.trim().replace(/\s+[\d.]+$/, ''));
    expect(labels).toEqual(['connect', 'greeting', 'EHLO', 'MAIL', 'RCPT', 'DATA', 'end of data', 'total (whole session)']);
    expect(TIMING_STAGES.indexOf('mail')).toBeLessThan(TIMING_STAGES.indexOf('rcpt'));
  });
});

describe('--hex', () => {
  it('dumps every write and read; an AUTH line in its redacted form, never the secret', async () => {
    const at = await library({ auth: { user: USER, password: SECRET } });
    const run = await cli(['probe', ...at, '--auth', 'plain', '--user', USER, '--password-env', 'S', '--hex'], { S: SECRET });
    expect(run.code).toBe(EXIT.ok);
    // "EHLO" in hex, with its ASCII column.
    expect(run.stdout).toMatch(/^ {2}C> \d+ bytes$/m);
    expect(run.stdout).toMatch(/^ {4}00000000 {2}45 48 4c 4f 20 .*\|EHLO /m);
    expect(run.stdout).toMatch(/^ {2}S< \d+ bytes$/m);
    const plain = Buffer.from(`\0${USER}\0${SECRET}`).toString('base64');
    const asHex = (text: string): string => [...Buffer.from(text.slice(0, 8))].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    expect(run.stdout).not.toContain(SECRET);
    expect(run.stdout).not.toContain(plain.slice(0, 16));
    expect(run.stdout).not.toContain(asHex(plain));
    expect(run.stdout).toMatch(/\|AUTH PLAIN <red/);
  });
});

describe('certificates', () => {
  it('--save-chain writes the chain the server presented as PEM; the record names the client certificate held', async () => {
    const client = await clientCertificate(pki, 'lens-client');
    const certFile = join(dir, 'client.pem');
    const keyFile = join(dir, 'client.key');
    await writeFile(certFile, client.cert);
    await writeFile(keyFile, client.key);
    const chainFile = join(dir, 'chain.pem');
    const at = await library({ tls: 'starttls' });
    const run = await cli([
      'probe',
      ...at,
      '--tls',
      'starttls',
      '--ca',
      caFile,
      '--client-cert',
      certFile,
      '--client-key',
      keyFile,
      '--save-chain',
      chainFile,
      '--json',
    ]);
    expect(run.code).toBe(EXIT.ok);
    const pem = await readFile(chainFile, 'utf8');
    const leaf = new X509Certificate(pem);
    expect(leaf.fingerprint256).toBe(pki.fingerprint256);
    const r = record(run);
    expect(r.tls?.peerCertificate[0]?.fingerprint256).toBe(leaf.fingerprint256);
    expect(r.tls?.clientCertificate?.subject).toBe('CN=lens-client');
    expect(r.tls?.clientCertificate?.fingerprint256).toBe(new X509Certificate(client.cert).fingerprint256);
    expect(run.stdout).not.toContain('PRIVATE KEY');
  });

  it('--save-chain without TLS says there is nothing to save', async () => {
    const at = await library();
    const run = await cli(['probe', ...at, '--save-chain', join(dir, 'none.pem')]);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stderr).toMatch(/no certificate chain to save/);
  });
});
