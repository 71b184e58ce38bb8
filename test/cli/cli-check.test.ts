import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, cli } from '../helpers/cli.js';
import { testPki } from '../helpers/certs.js';
import { scriptedServers } from '../helpers/fake-server.js';
import { startLibraryServer, type LibraryServer } from '../helpers/library-server.js';

/** `smtp-lens check`: Nagios/Icinga plugin output and exit codes for each threshold, and Prometheus text a real parser reads. */

let s: LibraryServer;
let caFile: string;
const scripted = scriptedServers();

beforeAll(async () => {
  assertCliBuilt();
  const dir = await mkdtemp(join(tmpdir(), 'smtp-lens-check-'));
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, (await testPki()).caCert);
  s = await startLibraryServer({ tls: 'starttls' });
});
afterAll(async () => {
  await s.close();
  await scripted.closeAll();
});

const target = (): string[] => ['--host', 'localhost', '--port', String(s.port), '--tls', 'starttls', '--ca', caFile];

describe('--format nagios', () => {
  it('OK: one line, the perfdata after "|", exit 0', async () => {
    const run = await cli(['check', ...target()]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^SMTP OK - smtp:\/\/localhost:\d+ .*220, TLSv1\.[23], certificate \d+ days left, in \d+\.\d{3}s\|time=\d+\.\d{6}s;;;0 /,
    );
    expect(lines[0]).toMatch(/ greeting=\d+\.\d{6}s;;;0 /);
    expect(lines[0]).toMatch(/ cert_days=\d+;;$/);
  });

  it.each([
    [['--warning', '0'], 1, /^SMTP WARNING - took \d+\.\d{3}s \(warning 0s\)/, /time=\S+s;0;;0/],
    [['--critical', '0'], 2, /^SMTP CRITICAL - took \d+\.\d{3}s \(critical 0s\)/, /time=\S+s;;0;0/],
    [['--cert-warning', '100000'], 1, /^SMTP WARNING - the certificate expires in \d+ days \(warning 100000\)/, /cert_days=\d+;100000;$/],
    [
      ['--cert-critical', '100000'],
      2,
      /^SMTP CRITICAL - the certificate expires in \d+ days \(critical 100000\)/,
      /cert_days=\d+;;100000$/,
    ],
  ])('%j → exit %i', async (extra, code, line, perf) => {
    const run = await cli(['check', ...target(), ...extra]);
    expect(run.code).toBe(code);
    expect(run.stdout).toMatch(line);
    expect(run.stdout.trimEnd()).toMatch(perf);
  });

  it('nothing listening: CRITICAL, exit 2', async () => {
    const run = await cli(['check', '--host', '127.0.0.1', '--port', '1']);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^SMTP CRITICAL - connect-failed: /);
  });

  it('a usage error is UNKNOWN, exit 3', async () => {
    const run = await cli(['check', '--host', 'h', '--warning', '5', '--critical', '1']);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/^SMTP UNKNOWN - check: --warning must not be above --critical/);
  });

  it('server text cannot add a line or fake perfdata', async () => {
    const { args } = await scripted.start(async (conn) => {
      conn.reply('554 go away | fake=1\r\n554 x');
    });
    const run = await cli(['check', ...args]);
    expect(run.code).toBe(2);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stdout.split('|')).toHaveLength(2);
  });
});

describe('--format prometheus', () => {
  it('is read by a Prometheus text-format parser: up, stage durations, certificate expiry, TLS info, findings', async () => {
    const run = await cli(['check', ...target(), '--format', 'prometheus']);
    expect(run.code).toBe(0);
    const families = new Map(parsePrometheusTextFormat(run.stdout).map((f) => [f.name, f]));
    expect(families.get('smtp_lens_up')).toMatchObject({
      type: 'GAUGE',
      metrics: [{ value: '1', labels: { target: expect.stringMatching(/^smtp:\/\/localhost:/) } }],
    });
    const stages = families.get('smtp_lens_stage_duration_seconds')!.metrics.map((m) => m.labels!.stage);
    expect(stages).toEqual(expect.arrayContaining(['connect', 'greeting', 'ehlo', 'starttls']));
    const expiry = Number(families.get('smtp_lens_certificate_expiry_timestamp_seconds')!.metrics[0]!.value);
    expect(expiry).toBeGreaterThan(Date.now() / 1000);
    expect(families.get('smtp_lens_tls_info')!.metrics[0]!.labels!.version).toMatch(/^TLSv1\.[23]$/);
    expect(families.get('smtp_lens_findings')!.metrics.map((m) => m.labels!.severity)).toEqual(['info', 'warning', 'error']);
  });

  it('a failed probe: up 0, exit 2', async () => {
    const run = await cli(['check', '--host', '127.0.0.1', '--port', '1', '--format', 'prometheus']);
    expect(run.code).toBe(2);
    const up = parsePrometheusTextFormat(run.stdout).find((f) => f.name === 'smtp_lens_up')!;
    expect(up.metrics[0]!.value).toBe('0');
  });
});
