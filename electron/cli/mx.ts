import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { inertText } from '../../shared/inert-text.js';
import { checkMx, type AddressCheck, type MxCheck, type MxCheckOptions } from '../dns/mx-check.js';
import { DnsError, parseResolverAddress, Resolver } from '../dns/resolver.js';
import { describe } from '../dns/dane.js';
import { EXIT } from './exit-codes.js';
import { UsageError } from './usage-error.js';

/** `smtp-lens mx DOMAIN`: every MX host and address of a domain, as a sending MTA meets them (see dns/mx-check.ts). */

const MX_OPTIONS = {
  resolver: { type: 'string' },
  port: { type: 'string' },
  parallel: { type: 'string' },
  deadline: { type: 'string' },
  timeout: { type: 'string' },
  ehlo: { type: 'string' },
  ca: { type: 'string' },
  'mta-sts-url': { type: 'string' },
  json: { type: 'boolean' },
} as const;

export interface MxArgs extends MxCheckOptions {
  domain: string;
  resolver?: string;
  json: boolean;
}

const positive = (value: string | undefined, option: string, max: number): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > max)
    throw new UsageError(`mx: --${option} takes a number from above 0 to ${max} (got "${value}")`);
  return n;
};

function httpsUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`mx: --mta-sts-url: "${text}" is not a URL`);
  }
  if (url.protocol !== 'https:') throw new UsageError('mx: --mta-sts-url must be https: (RFC 8461 fetches the policy over HTTPS only)');
  return url.toString();
}

export function parseMx(argv: string[]): MxArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: MX_OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`mx: ${(error as Error).message}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError('mx takes one DOMAIN');
  const domain = positionals[0]!;
  if (!/^[A-Za-z0-9_.-]+\.?$/.test(domain) || domain.startsWith('.')) throw new UsageError(`mx: "${domain}" is not a domain name`);
  const port = positive(values.port, 'port', 65535);
  if (port !== undefined && !Number.isInteger(port)) throw new UsageError('mx: --port takes a whole number');
  let ca: string | undefined;
  if (values.ca !== undefined) {
    try {
      ca = readFileSync(values.ca, 'utf8');
    } catch (error) {
      throw new UsageError(`mx: --ca: cannot read ${values.ca}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  if (values.resolver !== undefined) {
    try {
      parseResolverAddress(values.resolver);
    } catch (error) {
      throw new UsageError(`mx: --resolver: ${(error as Error).message}`);
    }
  }
  const seconds = (v: number | undefined): number | undefined => (v === undefined ? undefined : Math.round(v * 1000));
  return {
    domain,
    json: values.json ?? false,
    ...(values.resolver !== undefined ? { resolver: values.resolver } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(values.parallel !== undefined ? { parallel: Math.floor(positive(values.parallel, 'parallel', 64)!) } : {}),
    ...(values.deadline !== undefined ? { deadlineMs: seconds(positive(values.deadline, 'deadline', 3600)) } : {}),
    ...(values.timeout !== undefined ? { timeoutMs: seconds(positive(values.timeout, 'timeout', 600)) } : {}),
    ...(values.ehlo !== undefined ? { ehloName: values.ehlo } : {}),
    ...(ca !== undefined ? { ca } : {}),
    ...(values['mta-sts-url'] !== undefined ? { mtaStsUrl: httpsUrl(values['mta-sts-url']) } : {}),
  };
}

function describeAddress(a: AddressCheck): string {
  if (!a.reachable) return `${a.address.padEnd(16)} unreachable: ${inertText(a.error?.message ?? 'no greeting')}`;
  const parts = [`${a.address.padEnd(16)} ${a.greeting?.code ?? '?'}`];
  if (a.starttls === 'used') parts.push(`STARTTLS ${a.tls?.protocol ?? '?'} ${a.tls?.cipher ?? ''}`.trim());
  else if (a.starttls === 'not-offered') parts.push('no STARTTLS');
  else parts.push(`STARTTLS ${a.starttls}${a.error ? `: ${inertText(a.error.message)}` : ''}`);
  const c = a.certificate;
  if (c) {
    const verdict = c.verdict === 'valid' ? 'certificate valid' : `certificate ${c.verdict}${c.reason ? ` (${inertText(c.reason)})` : ''}`;
    parts.push(c.daysLeft !== undefined ? `${verdict}, ${c.daysLeft} days left` : verdict);
  }
  if (a.dane && a.dane.verdict !== 'no-tlsa') parts.push(`DANE ${a.dane.verdict}`);
  if (a.findings.length) parts.push(`findings: ${a.findings.map((f) => f.id).join(', ')}`);
  return parts.join('   ');
}

export function formatMx(check: MxCheck): string {
  const r = check.route;
  const dnssec = r.authenticated ? 'validated (AD)' : 'not validated';
  const lines = [`Domain:    ${check.domain}   resolver ${check.resolver}   DNSSEC: ${dnssec}`];
  if (r.kind === 'null-mx') lines.push('Mail:      none: the domain publishes a null MX (RFC 7505) and takes no mail');
  else if (r.kind === 'none') lines.push(`Mail:      none: ${r.reason}`);
  else if (r.kind === 'implicit') lines.push('Mail:      no MX: the domain itself (RFC 5321 §5.1)');
  for (const h of check.hosts) {
    lines.push(`  ${String(h.preference).padStart(5)} ${h.exchange}${h.authenticated ? '' : '   (addresses not validated)'}`);
    for (const e of h.dnsErrors) lines.push(`          DNS: ${inertText(e)}`);
    if (h.tlsa.error !== undefined) lines.push(`          TLSA: ${inertText(h.tlsa.error)}`);
    else if (h.tlsa.records.length) {
      lines.push(
        `          TLSA ${h.tlsa.name} (${h.tlsa.authenticated ? 'validated' : 'NOT validated: ignored, RFC 7672'}): ${h.tlsa.records.map(describe).join('; ')}`,
      );
    }
    if (h.addresses.length === 0 && h.dnsErrors.length === 0) lines.push('          no address');
    for (const a of h.addresses) lines.push(`          ${describeAddress(a)}`);
  }
  const sts = check.mtaSts;
  if (sts) {
    if (sts.recordProblem) lines.push(`MTA-STS:   ${inertText(sts.recordProblem)}`);
    else if (sts.record) lines.push(`MTA-STS:   id=${inertText(sts.record.id)}${sts.authenticated ? '' : ' (record not validated)'}`);
    if (sts.policyProblem) lines.push(`           policy ${sts.url}: ${inertText(sts.policyProblem)}`);
    if (sts.policy) {
      const p = sts.policy;
      lines.push(`           policy ${sts.url}: mode ${p.mode}, max_age ${p.maxAge}, mx ${p.mx.map(inertText).join(', ')}`);
      for (const h of sts.hosts) {
        const why =
          h.allowedBy === undefined
            ? 'not in the mx: patterns'
            : !h.certificatesValid
              ? 'certificate not valid for its name'
              : `allowed by ${inertText(h.allowedBy)}`;
        const verdict = h.deliverable
          ? 'deliverable'
          : p.mode === 'enforce'
            ? 'an enforcing sender will NOT deliver there'
            : `would fail in enforce mode (${p.mode})`;
        lines.push(`           ${h.exchange}: ${why}: ${verdict}`);
      }
    }
  } else lines.push('MTA-STS:   no policy');
  const rpt = check.tlsRpt;
  if (rpt?.raw) lines.push(`TLS-RPT:   ${rpt.rua.map(inertText).join(', ')}${rpt.problem ? ` (${inertText(rpt.problem)})` : ''}`);
  else if (rpt?.problem) lines.push(`TLS-RPT:   ${inertText(rpt.problem)}`);
  else lines.push('TLS-RPT:   none');
  if (check.deadlineReached) lines.push('Deadline:  reached before every address was checked');
  return lines.join('\n') + '\n';
}

/** 0: every address reachable with STARTTLS and a valid certificate (or a null MX); 3: some unreachable, or no mail server; 4: TLS problems. */
export function mxExitCode(check: MxCheck): number {
  if (check.route.kind === 'null-mx') return EXIT.ok;
  const all = check.hosts.flatMap((h) => h.addresses);
  if (check.route.kind === 'none' || all.length === 0 || all.some((a) => !a.reachable)) return EXIT.connection;
  // An enforcing MTA-STS policy that an MX fails is mail an enforcing sender will not deliver.
  if (check.mtaSts?.policy?.mode === 'enforce' && check.mtaSts.hosts.some((h) => !h.deliverable)) return EXIT.tls;
  // A validated TLSA that does not match is what a DANE sender refuses to deliver to; with DANE a PKIX verdict matters less,
  // but an address without STARTTLS or with a bad certificate and no matching TLSA is a TLS problem either way.
  if (all.some((a) => a.dane?.verdict === 'mismatch')) return EXIT.tls;
  if (all.some((a) => a.starttls !== 'used' || (a.certificate?.verdict !== 'valid' && a.dane?.verdict !== 'match'))) return EXIT.tls;
  return EXIT.ok;
}

export async function runMx(args: MxArgs, out: { write: (t: string) => void }, err: { write: (t: string) => void }): Promise<number> {
  let check: MxCheck;
  try {
    const resolver = new Resolver(args.resolver !== undefined ? { address: parseResolverAddress(args.resolver) } : {});
    check = await checkMx(resolver, args.domain, args);
  } catch (error) {
    if (!(error instanceof DnsError)) throw error;
    err.write(`smtp-lens mx: DNS: ${inertText(error.message)}\n`);
    return EXIT.connection;
  }
  out.write(args.json ? JSON.stringify(check, null, 2) + '\n' : formatMx(check));
  return mxExitCode(check);
}
