import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolverLookup } from '../../electron/dns/mta-sts.js';
import { Resolver } from '../../electron/dns/resolver.js';
import { EXIT } from '../../electron/cli/exit-codes.js';
import type { MxCheck } from '../../electron/dns/mx-check.js';
import { assertCliBuilt, cli } from '../helpers/cli.js';
import { serverCertificate, testPki } from '../helpers/certs.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { startLibraryServer, type LibraryServer } from '../helpers/library-server.js';

/**
 * `smtp-lens mx DOMAIN` against a DNS server and SMTP servers on loopback the test starts: every MX host and address,
 * STARTTLS and the certificate checked against the MX name, and the exit status that sums it up.
 */

let dns: DnsServer;
let policyServer: https.Server;
let policyBase: string;
let good: LibraryServer;
let plain: LibraryServer;
let caFile: string;
const servers: LibraryServer[] = [];

beforeAll(async () => {
  assertCliBuilt();
  const pki = await testPki();
  const dir = await mkdtemp(join(tmpdir(), 'smtp-lens-mx-'));
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, pki.caCert);
  // One server whose certificate names mx1.two.test (and mx.one.test), one without STARTTLS. Both on 127.0.0.1, one port each.
  const credentials = await serverCertificate(pki, ['mx1.two.test', 'mx.one.test']);
  good = await startLibraryServer({ tls: 'starttls', credentials });
  // DANE-EE SPKI SHA-256 of that certificate (RFC 7672 "3 1 1").
  const spki = new X509Certificate(credentials.cert).publicKey.export({ type: 'spki', format: 'der' });
  const tlsa = (data: Buffer) => ({ type: 'TLSA' as const, name: '', data: { usage: 3, selector: 1, matchingType: 1, certificate: data } });
  const right = createHash('sha256').update(spki).digest();
  const wrong = createHash('sha256').update('another key').digest();
  plain = await startLibraryServer({ tls: 'none' });
  servers.push(good, plain);
  // MTA-STS policies over HTTPS with the test PKI (a certificate for localhost).
  const policies: Record<string, (res: http.ServerResponse) => void> = {
    '/enforce-mx1': (res) => text(res, 'version: STSv1\r\nmode: enforce\r\nmx: mx1.two.test\r\nmax_age: 86400\r\n'),
    '/enforce-wild': (res) => text(res, 'version: STSv1\nmode: enforce\nmx: *.one.test\nmax_age: 604800\n'),
    '/enforce-other': (res) => text(res, 'version: STSv1\nmode: enforce\nmx: mail.elsewhere.test\nmax_age: 604800\n'),
    '/big': (res) => text(res, 'version: STSv1\nmode: enforce\nmx: mx.one.test\nmax_age: 1\n' + '#'.repeat(70 * 1024)),
    '/slow': (res) => setTimeout(() => text(res, 'version: STSv1\nmode: none\nmax_age: 1\n'), 4000),
    '/redirect': (res) => {
      res.writeHead(301, { location: '/enforce-wild' });
      res.end();
    },
  };
  function text(res: http.ServerResponse, body: string): void {
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(body);
  }
  policyServer = https.createServer({ key: pki.key, cert: pki.cert }, (req, res) =>
    (policies[req.url ?? ''] ?? ((r) => r.writeHead(404).end()))(res),
  );
  await new Promise<void>((resolve) => policyServer.listen(0, '127.0.0.1', resolve));
  policyBase = `https://localhost:${(policyServer.address() as { port: number }).port}`;
  const mx = (preference: number, exchange: string) => ({ type: 'MX' as const, name: '', data: { preference, exchange } });
  const a = (data: string) => ({ type: 'A' as const, name: '', data });
  dns = await startDnsServer({
    'two.test': { records: [mx(20, 'mx2.two.test'), mx(10, 'mx1.two.test')], authenticated: true },
    '_mta-sts.two.test': { records: [{ type: 'TXT', name: '', data: 'v=STSv1; id=20261203' }] },
    '_smtp._tls.two.test': { records: [{ type: 'TXT', name: '', data: 'v=TLSRPTv1; rua=mailto:tls-reports@two.test' }] },
    'mx1.two.test': { records: [a('127.0.0.1')], authenticated: true },
    // Nothing listens on 127.0.0.3: this MX is down.
    'mx2.two.test': { records: [a('127.0.0.3')], authenticated: true },
    'one.test': { records: [mx(10, 'mx.one.test')] },
    'mx.one.test': { records: [a('127.0.0.1')] },
    'wrongname.test': { records: [mx(10, 'mail.wrongname.test')] },
    'mail.wrongname.test': { records: [a('127.0.0.1')] },
    'null.test': { records: [mx(0, '.')] },
    'bare.test': { records: [a('127.0.0.1')] },
    'dane.test': { records: [mx(10, 'mx.dane.test')], authenticated: true },
    'mx.dane.test': { records: [a('127.0.0.1')], authenticated: true },
    [`_${good.port}._tcp.mx.dane.test`]: { records: [tlsa(right)], authenticated: true },
    'badtlsa.test': { records: [mx(10, 'mx.badtlsa.test')], authenticated: true },
    'mx.badtlsa.test': { records: [a('127.0.0.1')], authenticated: true },
    [`_${good.port}._tcp.mx.badtlsa.test`]: { records: [tlsa(wrong)], authenticated: true },
    'insecure.test': { records: [mx(10, 'mx.insecure.test')] },
    'mx.insecure.test': { records: [a('127.0.0.1')] },
    [`_${good.port}._tcp.mx.insecure.test`]: { records: [tlsa(right)], authenticated: false },
  });
});
afterAll(async () => {
  await new Promise<void>((resolve) => policyServer.close(() => resolve()));
  await dns.close();
  await Promise.all(servers.map((s) => s.close()));
});

/** The test's resolver, the SMTP port every MX address is probed on, the test CA, short timeouts. */
const local = (port: number): string[] => [
  '--resolver',
  `${dns.address.host}:${dns.address.port}`,
  '--port',
  String(port),
  '--ca',
  caFile,
  '--timeout',
  '3',
];
const mx = (domain: string, port: number, ...extra: string[]) => cli(['mx', domain, ...local(port), ...extra]);

describe('smtp-lens mx', () => {
  it('two MX hosts, one down: in preference order, the good one with STARTTLS and a valid certificate; exit 3', async () => {
    const run = await mx('two.test', good.port, '--json');
    expect(run.code, run.stderr).toBe(EXIT.connection);
    const check = JSON.parse(run.stdout) as MxCheck;
    expect(check.route).toMatchObject({ kind: 'mx', authenticated: true });
    expect(check.hosts.map((h) => [h.preference, h.exchange])).toEqual([
      [10, 'mx1.two.test'],
      [20, 'mx2.two.test'],
    ]);
    const [first, second] = check.hosts.map((h) => h.addresses[0]!);
    expect(first).toMatchObject({ address: '127.0.0.1', reachable: true, greeting: { code: 220 }, starttls: 'used' });
    expect(first!.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(first!.certificate).toMatchObject({ verdict: 'valid' });
    expect(first!.certificate!.daysLeft).toBeGreaterThan(0);
    expect(second).toMatchObject({ address: '127.0.0.3', reachable: false, error: { code: 'connect-failed' } });
  });

  it('every address good: exit 0, and the text says so per address', async () => {
    const run = await mx('one.test', good.port);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/DNSSEC: not validated/);
    expect(run.stdout).toMatch(/^ +10 mx\.one\.test {3}\(addresses not validated\)$/m);
    expect(run.stdout).toMatch(/127\.0\.0\.1 +220 {3}STARTTLS TLSv1\.\d \S+ {3}certificate valid, \d+ days left/);
  });

  it('a certificate not valid for the MX name: name-mismatch, exit 4', async () => {
    const run = await mx('wrongname.test', good.port, '--json');
    expect(run.code).toBe(EXIT.tls);
    const check = JSON.parse(run.stdout) as MxCheck;
    expect(check.hosts[0]!.addresses[0]!.certificate).toMatchObject({
      verdict: 'name-mismatch',
      reason: 'not valid for mail.wrongname.test',
    });
  });

  it('a chain no trusted CA signed (the test CA not given): untrusted, with the reason, exit 4', async () => {
    const run = await cli([
      'mx',
      'one.test',
      '--resolver',
      `${dns.address.host}:${dns.address.port}`,
      '--port',
      String(good.port),
      '--json',
    ]);
    expect(run.code).toBe(EXIT.tls);
    const check = JSON.parse(run.stdout) as MxCheck;
    expect(check.hosts[0]!.addresses[0]!.certificate).toMatchObject({ verdict: 'untrusted', reason: expect.stringMatching(/\S/) });
  });

  it('no STARTTLS: exit 4', async () => {
    const run = await mx('one.test', plain.port);
    expect(run.code).toBe(EXIT.tls);
    expect(run.stdout).toMatch(/127\.0\.0\.1 +220 {3}no STARTTLS/);
  });

  it('a null MX: the domain takes no mail, exit 0, nothing probed', async () => {
    const run = await mx('null.test', good.port);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/publishes a null MX \(RFC 7505\) and takes no mail/);
  });

  it('no MX but an address: the domain itself is probed (RFC 5321 §5.1)', async () => {
    const run = await mx('bare.test', plain.port, '--json');
    const check = JSON.parse(run.stdout) as MxCheck;
    expect(check.route.kind).toBe('implicit');
    expect(check.hosts[0]).toMatchObject({ preference: 0, exchange: 'bare.test', addresses: [{ address: '127.0.0.1', reachable: true }] });
  });

  it('a domain that does not exist: exit 3, said plainly', async () => {
    const run = await mx('nowhere.test', good.port);
    expect(run.code).toBe(EXIT.connection);
    expect(run.stdout).toMatch(/Mail: +none: nowhere\.test does not exist \(NXDOMAIN\)/);
  });

  it('DANE: a validated TLSA 3 1 1 that matches the presented key is a match (the name does not matter then), exit 0', async () => {
    const run = await mx('dane.test', good.port, '--json');
    expect(run.code, run.stdout).toBe(EXIT.ok);
    const check = JSON.parse(run.stdout) as MxCheck;
    expect(check.hosts[0]!.tlsa).toMatchObject({ name: `_${good.port}._tcp.mx.dane.test`, authenticated: true });
    expect(check.hosts[0]!.addresses[0]!.dane).toMatchObject({ verdict: 'match', matched: { depth: 0 } });
  });

  it('DANE: a validated TLSA that matches nothing is a mismatch, exit 4', async () => {
    const run = await mx('badtlsa.test', good.port);
    expect(run.code).toBe(EXIT.tls);
    expect(run.stdout).toMatch(/DANE mismatch/);
  });

  it('DANE: a TLSA the resolver did not validate is ignored ("unvalidated"), however well it matches', async () => {
    const run = await mx('insecure.test', good.port, '--json');
    const check = JSON.parse(run.stdout) as MxCheck;
    expect(check.hosts[0]!.addresses[0]!.dane).toMatchObject({ verdict: 'unvalidated' });
  });

  it('no TLSA: "no-tlsa"', async () => {
    const run = await mx('one.test', good.port, '--json');
    const check = JSON.parse(run.stdout) as MxCheck;
    expect(check.hosts[0]!.addresses[0]!.dane).toMatchObject({ verdict: 'no-tlsa' });
  });

  it('MTA-STS enforce with an MX outside the patterns: that host is not deliverable; TLS-RPT is read', async () => {
    const run = await mx('two.test', good.port, '--json', '--mta-sts-url', `${policyBase}/enforce-mx1`);
    const check = JSON.parse(run.stdout) as MxCheck;
    expect(check.mtaSts).toMatchObject({ record: { id: '20261203' }, policy: { mode: 'enforce', mx: ['mx1.two.test'], maxAge: 86400 } });
    expect(check.mtaSts!.hosts).toEqual([
      { exchange: 'mx1.two.test', allowedBy: 'mx1.two.test', certificatesValid: true, deliverable: true },
      { exchange: 'mx2.two.test', certificatesValid: false, deliverable: false },
    ]);
    expect(check.tlsRpt).toMatchObject({ rua: ['mailto:tls-reports@two.test'] });
  });

  it('MTA-STS: "*.one.test" allows mx.one.test (one label): exit 0; a policy naming another host: exit 4', async () => {
    const ok = await mx('one.test', good.port, '--mta-sts-url', `${policyBase}/enforce-wild`);
    expect(ok.code, ok.stdout).toBe(EXIT.ok);
    expect(ok.stdout).toMatch(/mx\.one\.test: allowed by \*\.one\.test: deliverable/);
    const other = await mx('one.test', good.port, '--mta-sts-url', `${policyBase}/enforce-other`);
    expect(other.code).toBe(EXIT.tls);
    expect(other.stdout).toMatch(/mx\.one\.test: not in the mx: patterns: an enforcing sender will NOT deliver there/);
  });

  it.each([
    ['/big', /larger than 64 KB/],
    ['/slow', /no whole policy within 2000 ms/],
    ['/redirect', /redirects \(HTTP 301\): RFC 8461 §3\.3 says not to follow it/],
  ])('an MTA-STS policy at %s is refused, and said why', async (path, reason) => {
    const run = await cli([
      'mx',
      'one.test',
      '--resolver',
      `${dns.address.host}:${dns.address.port}`,
      '--port',
      String(good.port),
      '--ca',
      caFile,
      '--timeout',
      '2',
      '--json',
      '--mta-sts-url',
      `${policyBase}${path}`,
    ]);
    const check = JSON.parse(run.stdout) as MxCheck;
    expect(check.mtaSts?.policyProblem).toMatch(reason);
    expect(check.mtaSts?.policy).toBeUndefined();
  });

  it('a resolver that does not answer: a DNS error, exit 3', async () => {
    const run = await cli(['mx', 'two.test', '--resolver', '127.0.0.1:9', '--timeout', '1']);
    expect(run.code).toBe(EXIT.connection);
    expect(run.stderr).toMatch(/smtp-lens mx: DNS: /);
  });
});

describe("the MTA-STS policy host is looked up with the chosen resolver, never the system's", () => {
  it('resolverLookup answers from the test DNS server (one address, and all of them)', async () => {
    const lookup = resolverLookup(new Resolver({ address: dns.address }));
    const one = await new Promise<[string, number]>((resolve, reject) =>
      lookup('mx1.two.test', {}, (error, address, family) => (error ? reject(error) : resolve([address as string, family!]))),
    );
    expect(one).toEqual(['127.0.0.1', 4]);
    const all = await new Promise<unknown>((resolve, reject) =>
      lookup('mx1.two.test', { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
    );
    expect(all).toEqual([{ address: '127.0.0.1', family: 4 }]);
    const missing = await new Promise<Error>((resolve) => lookup('mta-sts.two.test', {}, (error) => resolve(error!)));
    expect(missing).toMatchObject({ code: 'ENOTFOUND' });
  });

  it('two.test publishes an MTA-STS record, and its policy host is not in the test zone: the problem says so', async () => {
    const run = await mx('two.test', good.port, '--json');
    const check = JSON.parse(run.stdout) as MxCheck;
    expect(check.mtaSts?.url).toBe('https://mta-sts.two.test/.well-known/mta-sts.txt');
    expect(check.mtaSts?.policyProblem).toMatch(/mta-sts\.two\.test has no address/);
  });
});

const checkDomain = (domain: string, port: number, ...extra: string[]) => cli(['check', '--domain', domain, ...local(port), ...extra]);

describe('smtp-lens check --domain', () => {
  it('every MX address good: OK, exit 0, perfdata per address', async () => {
    const run = await checkDomain('one.test', good.port);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^SMTP OK - one\.test: 1 MX host\(s\), 1 of 1 address\(es\) answered\|/);
    expect(run.stdout).toMatch(/'mx\.one\.test\[127\.0\.0\.1\]_time'=\d+\.\d{6}s;;;0 /);
    expect(run.stdout).toMatch(/'mx\.one\.test\[127\.0\.0\.1\]_cert_days'=\d+;; /);
    expect(run.stdout.trimEnd()).toMatch(/ addresses=1;;;0 answered=1;;;0$/);
  });

  it('one MX of two down: WARNING (mail goes on through the other), exit 1', async () => {
    const run = await checkDomain('two.test', good.port);
    expect(run.code, run.stdout).toBe(1);
    expect(run.stdout).toMatch(/^SMTP WARNING - mx2\.two\.test \[127\.0\.0\.3\]: connect-failed: /);
    expect(run.stdout).toMatch(/1 of 2 address\(es\) answered/);
  });

  it('one MX of two down and an enforcing MTA-STS policy that rules the other out: CRITICAL, exit 2', async () => {
    const run = await checkDomain('two.test', good.port, '--mta-sts-url', `${policyBase}/enforce-other`);
    expect(run.code, run.stdout).toBe(2);
    expect(run.stdout).toMatch(/mx1\.two\.test: an enforcing MTA-STS sender would not deliver here/);
  });

  it('every address down: CRITICAL, exit 2', async () => {
    const run = await checkDomain('one.test', 1);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^SMTP CRITICAL - mx\.one\.test \[127\.0\.0\.1\]: connect-failed/);
  });

  it('a validated TLSA that matches nothing: CRITICAL', async () => {
    const run = await checkDomain('badtlsa.test', good.port);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/the validated TLSA records do not match \(DANE\)/);
  });

  it('no STARTTLS on the only MX: WARNING', async () => {
    const run = await checkDomain('bare.test', plain.port);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/bare\.test \[127\.0\.0\.1\]: no STARTTLS/);
  });

  it('a null MX is OK (the domain says it takes no mail); a domain with no mail server is CRITICAL', async () => {
    const nul = await checkDomain('null.test', good.port);
    expect(nul.code).toBe(0);
    expect(nul.stdout).toMatch(/^SMTP OK - null MX: the domain accepts no mail \(RFC 7505\)/);
    const none = await checkDomain('nowhere.test', good.port);
    expect(none.code).toBe(2);
    expect(none.stdout).toMatch(/no mail server/);
  });

  it('--cert-critical applies to each address', async () => {
    const run = await checkDomain('one.test', good.port, '--cert-critical', '100000');
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/mx\.one\.test \[127\.0\.0\.1\]: the certificate expires in \d+ days \(critical 100000\)/);
  });

  it('--format prometheus: per-address metrics and the domain state, read by a real parser', async () => {
    const run = await checkDomain('two.test', good.port, '--format', 'prometheus');
    expect(run.code).toBe(1);
    const families = parsePrometheusTextFormat(run.stdout);
    const byName = new Map(families.map((f) => [f.name, f]));
    expect(byName.get('smtp_lens_domain_state')!.metrics).toEqual([{ labels: { domain: 'two.test' }, value: '1' }]);
    expect(
      byName
        .get('smtp_lens_up')!
        .metrics.map((m) => [m.labels!.target, m.value])
        .sort(),
    ).toEqual([
      [`smtp://127.0.0.1:${good.port} (tls: starttls-optional)`, '1'],
      [`smtp://127.0.0.3:${good.port} (tls: starttls-optional)`, '0'],
    ]);
    expect(byName.get('smtp_lens_domain_addresses')!.metrics).toEqual([
      { labels: { domain: 'two.test', answered: 'false' }, value: '1' },
      { labels: { domain: 'two.test', answered: 'true' }, value: '1' },
    ]);
  });

  it('--format json: the state, the reasons and the whole mx check', async () => {
    const run = await checkDomain('two.test', good.port, '--format', 'json');
    const out = JSON.parse(run.stdout) as { state: number; reasons: string[]; check: MxCheck };
    expect(out.state).toBe(1);
    expect(out.check.hosts).toHaveLength(2);
  });

  it('a usage or DNS error is UNKNOWN, exit 3', async () => {
    const bad = await cli(['check', '--domain', 'not a domain']);
    expect(bad.code).toBe(3);
    expect(bad.stdout).toMatch(/^SMTP UNKNOWN - check --domain: "not a domain" is not a domain name/);
    const dead = await cli(['check', '--domain', 'one.test', '--resolver', '127.0.0.1:9', '--timeout', '1']);
    expect(dead.code).toBe(3);
    expect(dead.stdout).toMatch(/^SMTP UNKNOWN - DNS: /);
  });
});
