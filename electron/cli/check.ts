import { certificateCheck } from '../../shared/certificate-verdict.js';
import type { SessionRecord } from '../../shared/session-record.js';
import { describeTarget } from '../../shared/transcript-format.js';
import { TIMING_STAGES } from '../../shared/timings.js';
import { UsageError } from './usage-error.js';

/**
 * `smtp-lens check`: a probe for monitoring. --format nagios follows the Nagios/Icinga plugin guidelines (one line
 * "SMTP OK|WARNING|CRITICAL|UNKNOWN - …|perfdata", exit 0/1/2/3); --format prometheus writes the text exposition
 * format (for node_exporter's textfile collector or a scrape wrapper); --format json the record and its state.
 */

export type CheckFormat = 'nagios' | 'prometheus' | 'json';
export const STATE = { ok: 0, warning: 1, critical: 2, unknown: 3 } as const;
export type State = (typeof STATE)[keyof typeof STATE];
export const STATE_NAMES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

export interface CheckOptions {
  format: CheckFormat;
  /** Seconds for the whole session. */
  warning?: number;
  critical?: number;
  /** Days left on the server's certificate. */
  certWarning?: number;
  certCritical?: number;
}

const VALUED = new Set(['--format', '--warning', '--critical', '--cert-warning', '--cert-critical']);

/** Take check's own options out of argv; the rest are probe's. */
export function splitCheckArgs(argv: string[]): { options: CheckOptions; rest: string[] } {
  const rest: string[] = [];
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (VALUED.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`check: ${name} needs a value`);
      given.set(name, value);
    } else rest.push(a);
  }
  const format = (given.get('--format') ?? 'nagios') as CheckFormat;
  if (!['nagios', 'prometheus', 'json'].includes(format)) throw new UsageError('check: --format must be one of nagios, prometheus, json');
  const number = (name: string): number | undefined => {
    const v = given.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`check: ${name} takes a number of at least 0 (got "${v}")`);
    return n;
  };
  const options: CheckOptions = { format };
  for (const [flag, key] of [
    ['--warning', 'warning'],
    ['--critical', 'critical'],
    ['--cert-warning', 'certWarning'],
    ['--cert-critical', 'certCritical'],
  ] as const) {
    const n = number(flag);
    if (n !== undefined) options[key] = n;
  }
  if (options.warning !== undefined && options.critical !== undefined && options.warning > options.critical) {
    throw new UsageError('check: --warning must not be above --critical');
  }
  if (options.certWarning !== undefined && options.certCritical !== undefined && options.certWarning < options.certCritical) {
    throw new UsageError('check: --cert-warning must not be below --cert-critical (they count days left)');
  }
  return { options, rest };
}

export function certificateDaysLeft(record: SessionRecord): number | undefined {
  return record.tls ? certificateCheck(record.tls).daysLeft : undefined;
}

/** The state of one probe and why, in a few words each. */
export function evaluate(record: SessionRecord, options: CheckOptions): { state: State; reasons: string[] } {
  const reasons: string[] = [];
  let state: State = STATE.ok;
  const raise = (to: State, why: string): void => {
    if (to > state) state = to;
    reasons.push(why);
  };
  const error = record.result.error;
  if (error) raise(STATE.critical, `${error.code}: ${error.message}`);
  const seconds = record.durationMs / 1000;
  if (options.critical !== undefined && seconds >= options.critical)
    raise(STATE.critical, `took ${seconds.toFixed(3)}s (critical ${options.critical}s)`);
  else if (options.warning !== undefined && seconds >= options.warning)
    raise(STATE.warning, `took ${seconds.toFixed(3)}s (warning ${options.warning}s)`);
  const days = certificateDaysLeft(record);
  if (days !== undefined) {
    if (days < 0) raise(STATE.critical, `the certificate expired ${-days} days ago`);
    else if (options.certCritical !== undefined && days <= options.certCritical)
      raise(STATE.critical, `the certificate expires in ${days} days (critical ${options.certCritical})`);
    else if (options.certWarning !== undefined && days <= options.certWarning)
      raise(STATE.warning, `the certificate expires in ${days} days (warning ${options.certWarning})`);
  }
  const serious = (record.findings ?? []).filter((f) => f.severity === 'error');
  if (serious.length) raise(STATE.warning, `findings: ${serious.map((f) => f.id).join(', ')}`);
  return { state, reasons };
}

// Nagios output is one line; '|' separates the perfdata: neither may come from server text.
export const nagiosText = (s: string): string => s.replace(/[\r\n|]+/g, ' ').replace(/[\x00-\x1f\x7f]/g, '?');

export function formatNagios(record: SessionRecord, options: CheckOptions, evaluated: { state: State; reasons: string[] }): string {
  const seconds = (record.durationMs / 1000).toFixed(6);
  const parts = [describeTarget(record)];
  if (record.greeting) parts.push(`${record.greeting.code}`);
  if (record.tls) parts.push(`${record.tls.protocol ?? 'TLS'}`);
  const days = certificateDaysLeft(record);
  if (days !== undefined) parts.push(`certificate ${days} days left`);
  parts.push(`in ${Number(seconds).toFixed(3)}s`);
  const text = evaluated.reasons.length ? `${evaluated.reasons.join('; ')} (${parts.join(', ')})` : parts.join(', ');
  const threshold = (v: number | undefined): string => (v === undefined ? '' : String(v));
  const perf = [`time=${seconds}s;${threshold(options.warning)};${threshold(options.critical)};0`];
  for (const stage of TIMING_STAGES) {
    const ms = record.timings?.[stage];
    if (ms !== undefined) perf.push(`${stage}=${(ms / 1000).toFixed(6)}s;;;0`);
  }
  if (days !== undefined) perf.push(`cert_days=${days};${threshold(options.certWarning)};${threshold(options.certCritical)}`);
  return `SMTP ${STATE_NAMES[evaluated.state]} - ${nagiosText(text)}|${perf.join(' ')}\n`;
}

/** A label value in the text exposition format: backslash, double quote and line feed escaped. */
export const label = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Metrics for one or more probes (one target each), in the Prometheus text exposition format (version 0.0.4). */
export function formatPrometheus(records: SessionRecord[]): string {
  const families: { name: string; help: string; type: 'gauge'; samples: string[] }[] = [
    { name: 'smtp_lens_up', help: 'Whether the session succeeded (1) or failed (0).', type: 'gauge', samples: [] },
    { name: 'smtp_lens_duration_seconds', help: 'How long the whole session took.', type: 'gauge', samples: [] },
    { name: 'smtp_lens_stage_duration_seconds', help: 'How long each stage of the session took.', type: 'gauge', samples: [] },
    {
      name: 'smtp_lens_certificate_expiry_timestamp_seconds',
      help: "When the server's certificate expires (Unix time).",
      type: 'gauge',
      samples: [],
    },
    { name: 'smtp_lens_tls_info', help: 'The TLS version and cipher negotiated (always 1).', type: 'gauge', samples: [] },
    { name: 'smtp_lens_findings', help: 'Findings of the session, by severity.', type: 'gauge', samples: [] },
  ];
  const [up, duration, stage, expiry, tlsInfo, findings] = families;
  for (const r of records) {
    const target = `target="${label(describeTarget(r))}"`;
    up!.samples.push(`smtp_lens_up{${target}} ${r.result.ok ? 1 : 0}`);
    duration!.samples.push(`smtp_lens_duration_seconds{${target}} ${r.durationMs / 1000}`);
    for (const s of TIMING_STAGES) {
      const ms = r.timings?.[s];
      if (ms !== undefined) stage!.samples.push(`smtp_lens_stage_duration_seconds{${target},stage="${s}"} ${ms / 1000}`);
    }
    const leaf = r.tls?.peerCertificate[0];
    if (leaf)
      expiry!.samples.push(`smtp_lens_certificate_expiry_timestamp_seconds{${target}} ${Math.floor(Date.parse(leaf.validTo) / 1000)}`);
    if (r.tls)
      tlsInfo!.samples.push(
        `smtp_lens_tls_info{${target},version="${label(r.tls.protocol ?? '')}",cipher="${label(r.tls.cipher ?? '')}"} 1`,
      );
    for (const severity of ['info', 'warning', 'error'] as const) {
      findings!.samples.push(
        `smtp_lens_findings{${target},severity="${severity}"} ${(r.findings ?? []).filter((f) => f.severity === severity).length}`,
      );
    }
  }
  return (
    families
      .filter((f) => f.samples.length)
      .map((f) => [`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.samples].join('\n'))
      .join('\n') + '\n'
  );
}
