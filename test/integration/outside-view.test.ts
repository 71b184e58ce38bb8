/**
 * The app's outside view through the contract, as the renderer calls it: `domain.check` (a DNS server on loopback that
 * the test runs, pointing MX hosts at the app's own test server), `matrix.run` on the test server's listeners,
 * `sessions.compare` of two saved sessions, `reports.export` of each report, and `testServer.authenticate` of a message
 * the test server received. Real sockets only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorDto, ExportedFile, Result, TestServerStatus } from '../../shared/ipc/contract.js';
import { formatMx } from '../../shared/domain-report.js';
import type { CompareReport, DomainReport, MatrixReport } from '../../shared/outside-report.js';
import type { SenderAuthentication } from '../../shared/sender-auth.js';
import { createAppServices, type AppServices } from '../../electron/app/api/create-app.js';
import { KEPT_REPORTS } from '../../electron/app/api/outside-reports.js';
import { APP_TEST_ZONE, startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { runSession, sessionEvents } from '../helpers/session-events.js';
import { fakeSecretStore } from '../unit/storage/fake-secrets.js';

let dir: string;
let app: AppServices;
let dns: DnsServer;
let status: TestServerStatus;
const events = sessionEvents();

const portOf = (kind: 'plain' | 'starttls' | 'implicit'): number => status.listeners.find((l) => l.kind === kind)!.port!;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smtp-lens-outside-'));
  app = await createAppServices({ dataDir: dir, secrets: fakeSecretStore(), emit: events.emit, host: 'web', version: '0.0.0-test' });
  status = await value<TestServerStatus>('testServer.start', { options: { lmtpSocket: false } });
  dns = await startDnsServer({
    ...APP_TEST_ZONE,
    'null.test': { records: [{ type: 'MX', name: '', data: { preference: 0, exchange: '.' } }] },
    'broken.test': { rcode: 'SERVFAIL' },
  });
});

afterAll(async () => {
  await app?.shutdown(1000);
  await dns?.close();
  await rm(dir, { recursive: true, force: true });
});

async function answer<T>(channel: string, request: unknown): Promise<Result<T>> {
  return (await app.dispatch(channel, request)) as Result<T>;
}

async function value<T>(channel: string, request: unknown): Promise<T> {
  const result = await answer<T>(channel, request);
  if (!result.ok) throw new Error(`${channel} failed: ${JSON.stringify(result.error)}`);
  return result.value;
}

async function failure(channel: string, request: unknown): Promise<ErrorDto> {
  const result = await answer(channel, request);
  if (result.ok) throw new Error(`${channel} answered ${JSON.stringify(result.value).slice(0, 200)}`);
  return result.error;
}

const resolver = () => `${dns.address.host}:${dns.address.port}`;

describe('domain.check', () => {
  let report: DomainReport;

  beforeAll(async () => {
    report = await value<DomainReport>('domain.check', {
      domain: 'app.test',
      resolver: resolver(),
      port: portOf('starttls'),
      timeoutSeconds: 5,
      deadlineSeconds: 20,
    });
  });

  it('checks every MX host in preference order through the chosen resolver: STARTTLS used on one, the other has no address', () => {
    expect(report.kind).toBe('domain');
    expect(report.check.resolver).toBe(resolver());
    expect(report.check.route).toMatchObject({ kind: 'mx' });
    expect(report.check.hosts.map((h) => h.exchange)).toEqual(['mx1.app.test', 'mx2.app.test']);
    const [first, second] = report.check.hosts;
    expect(first!.addresses).toHaveLength(1);
    expect(first!.addresses[0]).toMatchObject({ address: '127.0.0.1', reachable: true, starttls: 'used' });
    // The test server's certificate does not name mx1.app.test (and no CA was given): a sending MTA could not verify it.
    expect(first!.addresses[0]!.certificate?.verdict).not.toBe('valid');
    expect(second!.addresses).toEqual([]);
    expect(dns.asked).toContain('MX app.test');
  });

  it('is kept in main and exported as the CLI prints it (text, JSON) or as the app shows it (HTML)', async () => {
    const txt = await value<ExportedFile>('reports.export', { id: report.id, format: 'txt' });
    expect(txt.content).toBe(formatMx(report.check));
    expect(txt.filename).toMatch(/^smtp-lens-domain-app\.test-.*\.txt$/);
    const json = await value<ExportedFile>('reports.export', { id: report.id, format: 'json' });
    expect(json.mimeType).toBe('application/json');
    const parsed = JSON.parse(json.content) as { tool: string; kind: string; report: { domain: string } };
    expect(parsed).toMatchObject({ tool: 'SMTP Lens 0.0.0-test', kind: 'domain', report: { domain: 'app.test' } });
    const html = await value<ExportedFile>('reports.export', { id: report.id, format: 'html' });
    expect(html.content).toContain('mx1.app.test');
    expect(html.content).not.toMatch(/<script/i);
  });

  it('a null MX is a verdict, not a failure', async () => {
    const nullMx = await value<DomainReport>('domain.check', { domain: 'null.test', resolver: resolver() });
    expect(nullMx.check.route.kind).toBe('null-mx');
    expect(nullMx.check.hosts).toEqual([]);
  });

  it('a resolver that answers SERVFAIL is a DNS failure, not "no MX"', async () => {
    const error = await failure('domain.check', { domain: 'broken.test', resolver: resolver() });
    expect(error.code).toBe('dns-failed');
    expect(error.message).toMatch(/SERVFAIL/);
  });

  it('refuses a resolver that is not an IP address and a name that is not a domain, before asking anything', async () => {
    const before = dns.asked.length;
    expect((await failure('domain.check', { domain: 'app.test', resolver: 'dns.example' })).code).toBe('invalid-input');
    expect((await failure('domain.check', { domain: 'app.test', resolver: '999.1.1.1' })).code).toBe('invalid-input');
    expect((await failure('domain.check', { domain: 'a b.test', resolver: resolver() })).code).toBe('invalid-input');
    expect((await failure('domain.check', { domain: 'app.test', resolver: resolver(), deadlineSeconds: 601 })).code).toBe('invalid-input');
    expect(dns.asked.length).toBe(before);
  });
});

describe('matrix.run', () => {
  it('probes every port × mode of the test server and says which combinations answered', async () => {
    const report = await value<MatrixReport>('matrix.run', {
      connection: { host: '127.0.0.1', timeoutSeconds: 3 },
      ports: [portOf('plain'), portOf('implicit')],
      modes: ['off', 'implicit'],
    });
    expect(report.kind).toBe('matrix');
    const cell = (port: number, tls: string) => report.matrix.cells.find((c) => c.port === port && c.tls === tls)!;
    expect(report.matrix.cells).toHaveLength(4);
    expect(cell(portOf('plain'), 'off').greeting).toBeDefined();
    expect(cell(portOf('implicit'), 'implicit').greeting).toBeDefined();
    // Implicit TLS against a plaintext listener, and plaintext against a TLS one: neither greets.
    expect(cell(portOf('plain'), 'implicit').greeting).toBeUndefined();
    expect(cell(portOf('implicit'), 'off').greeting).toBeUndefined();
    const txt = await value<ExportedFile>('reports.export', { id: report.id, format: 'txt' });
    expect(txt.content).toContain(String(portOf('implicit')));
  });

  it('needs a host: a Unix socket is refused', async () => {
    const error = await failure('matrix.run', { connection: { socketPath: '/tmp/x.sock' }, ports: [25], modes: ['off'] });
    expect(error.code).toBe('invalid-input');
  });
});

describe('sessions.compare', () => {
  it('compares two saved sessions: plaintext before, STARTTLS after', async () => {
    const plain = await runSession((c, p) => app.dispatch(c, p), events, {
      operation: 'probe',
      connection: { host: '127.0.0.1', port: portOf('plain'), timeoutSeconds: 3 },
    });
    const secure = await runSession((c, p) => app.dispatch(c, p), events, {
      operation: 'probe',
      connection: { host: '127.0.0.1', port: portOf('starttls'), tls: 'starttls', caPem: status.certificatePem, timeoutSeconds: 3 },
    });
    const report = await value<CompareReport>('sessions.compare', { a: plain.sessionId, b: secure.sessionId });
    expect(report.a.id).toBe(plain.sessionId);
    expect(report.b.id).toBe(secure.sessionId);
    expect(report.diff.tls.protocol?.a ?? undefined).toBeUndefined();
    expect(report.diff.tls.protocol?.b).toMatch(/^TLSv1\.[23]$/);
    const txt = await value<ExportedFile>('reports.export', { id: report.id, format: 'txt' });
    expect(txt.content.startsWith(`A: session of ${plain.record.startedAt} (${plain.sessionId})\n`)).toBe(true);
  });

  it('a session that is not there is not-found', async () => {
    expect((await failure('sessions.compare', { a: 'nope', b: 'nada' })).code).toBe('not-found');
  });

  it(`keeps the last ${KEPT_REPORTS} reports only: an older one cannot be exported`, async () => {
    const sessions = await value<{ id: string }[]>('sessions.list', {});
    const [a, b] = [sessions[0]!.id, sessions[1]!.id];
    const first = await value<CompareReport>('sessions.compare', { a, b });
    for (let i = 0; i < KEPT_REPORTS; i++) await value<CompareReport>('sessions.compare', { a, b });
    expect((await failure('reports.export', { id: first.id, format: 'json' })).code).toBe('not-found');
    expect((await failure('reports.export', { id: 'no-such-report', format: 'json' })).code).toBe('not-found');
  });
});

describe('testServer.authenticate', () => {
  it('evaluates SPF, DKIM and DMARC of a received message against the chosen resolver', async () => {
    await runSession((c, p) => app.dispatch(c, p), events, {
      operation: 'send',
      connection: { host: '127.0.0.1', port: portOf('plain'), ehloName: 'client.app.test', timeoutSeconds: 3 },
      message: { from: 'someone@app.test', to: ['rcpt@example.test'], subject: 'auth', text: 'hello' },
    });
    const messages = await value<{ id: string; envelopeFrom: string }[]>('testServer.messages', {});
    const message = messages.find((m) => m.envelopeFrom === 'someone@app.test')!;
    const before = dns.asked.length;
    const result = await value<SenderAuthentication>('testServer.authenticate', { id: message.id, resolver: resolver() });
    expect(result.resolver).toBe(resolver());
    // The client is 127.0.0.1, which app.test's SPF record allows.
    expect(result.spf).toMatchObject({ result: 'pass', domain: 'app.test' });
    expect(result.dkim).toEqual([]);
    expect(result.dmarc.result).toBe('none');
    expect(dns.asked.slice(before)).toContain('TXT app.test');
  });

  it('a message the server no longer keeps is not-found', async () => {
    expect((await failure('testServer.authenticate', { id: 'gone', resolver: resolver() })).code).toBe('not-found');
  });
});
