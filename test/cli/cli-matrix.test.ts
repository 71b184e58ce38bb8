import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../../electron/app/services/test-server.js';
import type { TestServerStatus } from '../../shared/ipc/contract.js';
import type { Matrix, MatrixCell } from '../../shared/matrix.js';
import { assertCliBuilt, cli } from '../helpers/cli.js';

/**
 * `smtp-lens matrix` against the built-in test server's three SMTP listeners (plain with AUTH in plaintext, STARTTLS
 * with AUTH only after TLS, implicit TLS): every port × mode, with what each advertised and the findings.
 */

let server: TestServer;
let status: TestServerStatus;
let dir: string;
let caFile: string;
const port = (kind: 'plain' | 'starttls' | 'implicit'): number => status.listeners.find((l) => l.kind === kind)!.port!;

beforeAll(async () => {
  assertCliBuilt();
  dir = await mkdtemp(join(tmpdir(), 'smtp-lens-matrix-'));
  server = new TestServer({ dataDir: dir, log: () => undefined });
  status = await server.start({ plain: true, starttls: true, implicitTls: true, lmtpSocket: false });
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, status.certificatePem!);
});
afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

const cellOf = (m: Matrix, p: number, tls: string): MatrixCell => m.cells.find((c) => c.port === p && c.tls === tls)!;

describe('matrix on the test server', () => {
  let matrix: Matrix;
  let text: string;
  beforeAll(async () => {
    const ports = `${port('plain')},${port('starttls')},${port('implicit')}`;
    const args = ['matrix', '--host', '127.0.0.1', '--servername', 'localhost', '--ca', caFile, '--ports', ports, '--timeout', '2'];
    const [json, plain] = await Promise.all([cli([...args, '--json']), cli(args)]);
    expect(json.code, json.stderr).toBe(0);
    matrix = JSON.parse(json.stdout) as Matrix;
    text = plain.stdout;
  });

  it('nine cells, in port then mode order', () => {
    expect(matrix.cells.map((c) => `${c.port}/${c.tls}`)).toEqual(
      [port('plain'), port('starttls'), port('implicit')].flatMap((p) => [`${p}/off`, `${p}/starttls`, `${p}/implicit`]),
    );
  });

  it('the plain listener: AUTH in plaintext, no STARTTLS, no TLS at all', () => {
    const off = cellOf(matrix, port('plain'), 'off');
    expect(off.ok).toBe(true);
    expect(off.authPlaintext).toEqual(['PLAIN', 'LOGIN', 'CRAM-MD5']);
    expect(off.plaintextCapabilities).not.toContain('STARTTLS');
    const starttls = cellOf(matrix, port('plain'), 'starttls');
    expect(starttls).toMatchObject({ ok: false, error: { code: 'tls-not-offered' } });
    expect(starttls.authPlaintext).toEqual(['PLAIN', 'LOGIN', 'CRAM-MD5']);
    expect(cellOf(matrix, port('plain'), 'implicit').ok).toBe(false);
    const here = matrix.findings.filter((f) => f.port === port('plain')).map((f) => f.id);
    expect(here).toEqual(['auth-in-plaintext', 'starttls-missing', 'no-tls-on-port']);
  });

  it('the STARTTLS listener: STARTTLS offered, AUTH after TLS, the certificate recorded and valid for localhost', () => {
    const off = cellOf(matrix, port('starttls'), 'off');
    expect(off.ok).toBe(true);
    expect(off.plaintextCapabilities).toContain('STARTTLS');
    const starttls = cellOf(matrix, port('starttls'), 'starttls');
    expect(starttls.ok).toBe(true);
    expect(starttls.tlsVersion).toMatch(/^TLSv1\.[23]$/);
    expect(starttls.authTls).toEqual(['PLAIN', 'LOGIN', 'CRAM-MD5']);
    expect(starttls.tlsCapabilities).not.toContain('STARTTLS');
    expect(starttls.certificate).toMatchObject({ verdict: 'valid', fingerprint256: status.fingerprint256 });
    expect(starttls.certificate!.daysLeft).toBeGreaterThan(300);
    // smtp-server advertises AUTH before TLS too (and answers 538 to it): the matrix says what was offered.
    expect(starttls.authPlaintext).toEqual(['PLAIN', 'LOGIN', 'CRAM-MD5']);
    expect(matrix.findings.filter((f) => f.port === port('starttls')).map((f) => f.id)).toEqual(['auth-in-plaintext']);
  });

  it('the implicit listener: TLS from the first byte; plaintext there times out at the greeting', () => {
    const implicit = cellOf(matrix, port('implicit'), 'implicit');
    expect(implicit.ok).toBe(true);
    expect(implicit.plaintextCapabilities).toBeUndefined();
    expect(implicit.authTls).toEqual(['PLAIN', 'LOGIN', 'CRAM-MD5']);
    expect(implicit.certificate?.fingerprint256).toBe(status.fingerprint256);
    expect(cellOf(matrix, port('implicit'), 'off')).toMatchObject({ ok: false, error: { code: 'timeout' } });
    expect(cellOf(matrix, port('implicit'), 'off').greeting).toBeUndefined();
  });

  it('the table: one row per cell, and the findings in words', () => {
    const rows = text.split('\n').filter((l) => /^\d+ +(off|starttls|implicit) /.test(l));
    expect(rows).toHaveLength(9);
    expect(text).toMatch(
      new RegExp(`^${port('starttls')} +starttls +ok +TLSv1\\.[23] +PLAIN LOGIN CRAM-MD5 +PLAIN LOGIN CRAM-MD5 +valid \\(\\d+ d\\)$`, 'm'),
    );
    expect(text).toMatch(new RegExp(`warning auth-in-plaintext: AUTH offered in plaintext on ${port('plain')}: PLAIN LOGIN CRAM-MD5`));
    expect(text).toMatch(new RegExp(`starttls-missing: STARTTLS missing on ${port('plain')}`));
  });
});

describe('matrix: the certificate verdict is given even when the handshake would not verify', () => {
  it('without --ca: the cells still record the certificate, untrusted, with a finding', async () => {
    const run = await cli(['matrix', '--host', '127.0.0.1', '--ports', String(port('implicit')), '--tls', 'implicit', '--json']);
    const m = JSON.parse(run.stdout) as Matrix;
    expect(m.cells).toHaveLength(1);
    expect(m.cells[0]!.certificate).toMatchObject({ verdict: 'untrusted', fingerprint256: status.fingerprint256 });
    expect(m.findings.map((f) => f.id)).toContain('certificate-problem');
  });
});

describe('matrix: usage', () => {
  it.each([
    [['matrix', '--ports', '25'], /--host is needed/],
    [['matrix', '--host', 'h', '--ports', '25,x'], /--ports takes port numbers/],
    [['matrix', '--host', 'h', '--tls', 'off,tls'], /--tls takes off,starttls,implicit/],
    [['matrix', '--host', 'h', '--port', '25'], /--port is not a matrix option/],
    [['matrix', '--host', 'h', '--user', 'u'], /--user is not a matrix option/],
  ])('%j', async (argv, message) => {
    const run = await cli(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('nothing listening anywhere: exit 3', async () => {
    const run = await cli(['matrix', '--host', '127.0.0.1', '--ports', '1', '--tls', 'off']);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/^1 +off +connect-failed/m);
  });
});
