import type { SessionRecord } from '../../shared/session-record.js';
import { checkMx, type MxCheck } from '../dns/mx-check.js';
import { DnsError, parseResolverAddress, Resolver } from '../dns/resolver.js';
import {
  certificateDaysLeft,
  evaluate,
  formatPrometheus,
  label,
  nagiosText,
  STATE,
  STATE_NAMES,
  type CheckOptions,
  type State,
} from './check.js';
import { parseMx } from './mx.js';
import { UsageError } from './usage-error.js';

/**
 * `smtp-lens check --domain D`: the check over every MX host and address of a domain (smtp-lens mx's probe of each),
 * summed up as one state. An address that fails is CRITICAL only when no address of the domain works — mail still
 * flows through the others, so then it is a WARNING; no mail server at all is CRITICAL, a null MX (RFC 7505) is a
 * deliberate "no mail here" and OK. A validated TLSA record that does not match, or an MX that an enforcing MTA-STS
 * policy rules out, is CRITICAL: those are mail a DANE or MTA-STS sender will not deliver.
 */

export interface DomainProbe {
  exchange: string;
  address: string;
  record: SessionRecord;
}

export interface DomainCheck {
  check: MxCheck;
  probes: DomainProbe[];
}

export async function runDomainCheck(argv: string[]): Promise<DomainCheck> {
  const args = parseMx(argv);
  const resolver = new Resolver(args.resolver !== undefined ? { address: parseResolverAddress(args.resolver) } : {});
  const probes: DomainProbe[] = [];
  const check = await checkMx(resolver, args.domain, {
    ...args,
    onRecord: (exchange, address, record) => probes.push({ exchange, address, record }),
  });
  return { check, probes };
}

export function evaluateDomain(domain: DomainCheck, options: CheckOptions): { state: State; reasons: string[] } {
  const { check, probes } = domain;
  const reasons: string[] = [];
  let state: State = STATE.ok;
  const raise = (to: State, why: string): void => {
    if (to > state) state = to;
    reasons.push(why);
  };
  if (check.route.kind === 'null-mx') return { state, reasons: ['null MX: the domain accepts no mail (RFC 7505)'] };
  if (check.route.kind === 'none' || probes.length === 0) {
    raise(STATE.critical, 'no mail server: no MX, and no address to fall back to');
    return { state, reasons };
  }
  const working = probes.filter((p) => p.record.result.ok).length;
  for (const p of probes) {
    const own = evaluate(p.record, options);
    const where = `${p.exchange} [${p.address}]`;
    // One address down while others work: a warning (mail goes on through them), not the domain's outage.
    const failedOnly = p.record.result.error !== undefined && working > 0;
    for (const why of own.reasons) raise(failedOnly && own.state === STATE.critical ? STATE.warning : own.state, `${where}: ${why}`);
  }
  for (const host of check.hosts) {
    for (const a of host.addresses) {
      if (!a?.reachable) continue;
      const where = `${host.exchange} [${a.address}]`;
      if (a.dane?.verdict === 'mismatch') raise(STATE.critical, `${where}: the validated TLSA records do not match (DANE)`);
      if (a.starttls === 'not-offered') raise(STATE.warning, `${where}: no STARTTLS`);
      else if (a.certificate && a.certificate.verdict !== 'valid' && a.certificate.verdict !== 'expired' && a.dane?.verdict !== 'match')
        raise(STATE.warning, `${where}: certificate ${a.certificate.verdict}`);
    }
  }
  if (check.mtaSts?.policy?.mode === 'enforce') {
    for (const h of check.mtaSts.hosts.filter((x) => !x.deliverable)) {
      raise(STATE.critical, `${h.exchange}: an enforcing MTA-STS sender would not deliver here`);
    }
  }
  if (check.deadlineReached) raise(STATE.warning, 'the deadline was reached before every address was checked');
  return { state, reasons };
}

// A perfdata label: quoted, without the quote and '=' that would end it.
const perfLabel = (s: string): string => `'${s.replace(/['=\s]/g, '_')}'`;

export function formatDomainNagios(domain: DomainCheck, options: CheckOptions, evaluated: { state: State; reasons: string[] }): string {
  const { check, probes } = domain;
  const working = probes.filter((p) => p.record.result.ok).length;
  const summary = `${check.domain}: ${check.hosts.length} MX host(s), ${working} of ${probes.length} address(es) answered`;
  const text = evaluated.reasons.length ? `${evaluated.reasons.join('; ')} (${summary})` : summary;
  const threshold = (v: number | undefined): string => (v === undefined ? '' : String(v));
  const perf: string[] = [];
  for (const p of probes) {
    const name = `${p.exchange}[${p.address}]`;
    perf.push(
      `${perfLabel(`${name}_time`)}=${(p.record.durationMs / 1000).toFixed(6)}s;${threshold(options.warning)};${threshold(options.critical)};0`,
    );
    const days = certificateDaysLeft(p.record);
    if (days !== undefined)
      perf.push(`${perfLabel(`${name}_cert_days`)}=${days};${threshold(options.certWarning)};${threshold(options.certCritical)}`);
  }
  perf.push(`addresses=${probes.length};;;0`, `answered=${working};;;0`);
  return `SMTP ${STATE_NAMES[evaluated.state]} - ${nagiosText(text)}|${perf.join(' ')}\n`;
}

/** Each address's metrics (target = its smtp:// URL), then the domain's own. */
export function formatDomainPrometheus(domain: DomainCheck, evaluated: { state: State }): string {
  const name = label(domain.check.domain);
  const perAddress = domain.probes.length ? formatPrometheus(domain.probes.map((p) => p.record)) : '';
  return (
    perAddress +
    [
      '# HELP smtp_lens_domain_state The check state of the whole domain: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.',
      '# TYPE smtp_lens_domain_state gauge',
      `smtp_lens_domain_state{domain="${name}"} ${evaluated.state}`,
      '# HELP smtp_lens_domain_addresses MX addresses probed, and how many answered.',
      '# TYPE smtp_lens_domain_addresses gauge',
      `smtp_lens_domain_addresses{domain="${name}",answered="false"} ${domain.probes.filter((p) => !p.record.result.ok).length}`,
      `smtp_lens_domain_addresses{domain="${name}",answered="true"} ${domain.probes.filter((p) => p.record.result.ok).length}`,
    ].join('\n') +
    '\n'
  );
}

/**
 * `check --domain D` after check's own options were taken out: `rest` holds --domain and smtp-lens mx's options.
 * Usage and DNS errors are UNKNOWN, as the plugin guidelines ask.
 */
export async function checkDomain(
  rest: string[],
  options: CheckOptions,
  stdout: { write: (t: string) => void },
  unknown: (message: string) => number,
): Promise<number> {
  const at = rest.findIndex((a) => a === '--domain' || a.startsWith('--domain='));
  const flag = rest[at]!;
  const name = flag.includes('=') ? flag.slice(flag.indexOf('=') + 1) : rest[at + 1];
  if (name === undefined || name.startsWith('-')) return unknown('check: --domain needs a domain name');
  const others = rest.filter((_, i) => i !== at && (flag.includes('=') || i !== at + 1));
  let domain: DomainCheck;
  try {
    domain = await runDomainCheck([name, ...others]);
  } catch (error) {
    if (error instanceof UsageError) return unknown(`check --domain: ${error.message.replace(/^mx: /, '')}`);
    if (error instanceof DnsError) return unknown(`DNS: ${error.message}`);
    throw error;
  }
  const evaluated = evaluateDomain(domain, options);
  if (options.format === 'nagios') stdout.write(formatDomainNagios(domain, options, evaluated));
  else if (options.format === 'prometheus') stdout.write(formatDomainPrometheus(domain, evaluated));
  else stdout.write(JSON.stringify({ state: evaluated.state, reasons: evaluated.reasons, check: domain.check }, null, 2) + '\n');
  return evaluated.state;
}
