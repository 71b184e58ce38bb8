import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exit-codes.js';
import type { SessionDiff } from '../../shared/session-diff.js';
import { assertCliBuilt, cli } from '../helpers/cli.js';
import { serverCertificate, testPki } from '../helpers/certs.js';
import { startLibraryServer, type LibraryServer } from '../helpers/library-server.js';

/** `smtp-lens diff`: two real probe records (two servers: another certificate, other AUTH mechanisms) compared. */

let dir: string;
let a: string;
let b: string;
let same: string;
const servers: LibraryServer[] = [];

beforeAll(async () => {
  assertCliBuilt();
  dir = await mkdtemp(join(tmpdir(), 'smtp-lens-diff-'));
  const pki = await testPki();
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, pki.caCert);
  const before = await startLibraryServer({ tls: 'starttls', auth: { user: 'u', password: 'p', methods: ['PLAIN', 'LOGIN'] } });
  const after = await startLibraryServer({
    tls: 'starttls',
    credentials: await serverCertificate(pki, ['localhost', 'mail.example.test']),
    auth: { user: 'u', password: 'p', methods: ['PLAIN', 'CRAM-MD5'] },
    size: 1024,
  });
  servers.push(before, after);
  const probe = async (s: LibraryServer, file: string) => {
    const run = await cli([
      'probe',
      '--host',
      'localhost',
      '--port',
      String(s.port),
      '--tls',
      'starttls',
      '--ca',
      caFile,
      '--export',
      file,
      '--quiet',
    ]);
    expect(run.code, run.stderr).toBe(EXIT.ok);
  };
  a = join(dir, 'a.json');
  b = join(dir, 'b.json');
  same = join(dir, 'a-again.json');
  await probe(before, a);
  await probe(after, b);
  await probe(before, same);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('smtp-lens diff', () => {
  it('another certificate and other mechanisms: each change named, exit 1', async () => {
    const run = await cli(['diff', a, b, '--json']);
    expect(run.code).toBe(1);
    const d = JSON.parse(run.stdout) as SessionDiff;
    expect(d.differs).toBe(true);
    expect(d.tls.certificate?.fingerprint256?.a).not.toBe(d.tls.certificate?.fingerprint256?.b);
    expect(d.tls.certificate?.namesAdded).toEqual(['DNS:mail.example.test']);
    expect(d.authMechanisms).toEqual({ added: ['CRAM-MD5'], removed: ['LOGIN'] });
    expect([...d.capabilities.added, ...d.capabilities.changed]).toContain('SIZE');
    expect(d.timings.map((t) => t.stage)).toContain('greeting');
    const text = await cli(['diff', a, b]);
    expect(text.stdout).toMatch(/^Certificate: +SHA-256 \S+ → \S+$/m);
    expect(text.stdout).toMatch(/^AUTH: +\+ CRAM-MD5 +- LOGIN$/m);
    expect(text.stdout).toMatch(/^Timings \(ms\):/m);
  });

  it('the same server twice: no difference but the timings, exit 0', async () => {
    const run = await cli(['diff', a, same]);
    expect(run.code, run.stdout).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/No difference but the timings\./);
  });

  it('a file that is not a record is a usage error', async () => {
    const junk = join(dir, 'junk.json');
    await writeFile(junk, '{"hello": 1}');
    const run = await cli(['diff', a, junk]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/is not a session record/);
  });
});
