import type { CertificateCheck } from './certificate-verdict.js';
import { inertText } from './inert-text.js';
import type { Finding } from './session-record.js';

/** A domain name as the outside view takes it: letters, digits, '_', '-' and dots, not starting with a dot, a trailing dot allowed. */
export const DOMAIN_NAME = /^(?!\.)[A-Za-z0-9_.-]+\.?$/;

/**
 * What `smtp-lens mx DOMAIN` (and the app's Domain view) reports: the mail route, every MX host and address as a
 * sending MTA meets it, DANE, MTA-STS and TLS-RPT. Types and the text form only (pure): electron/dns/ fills them in,
 * the CLI prints them, main exports them and the renderer shows them.
 */

/**
 * Where a domain's mail goes (RFC 5321 §5.1): its MX hosts in preference order; none, when it publishes a null MX
 * (RFC 7505: "MX 0 ."); the domain itself when it has no MX but has addresses (the implicit MX); nothing at all when
 * it does not exist or has neither.
 */
export type MailRoute =
  | { kind: 'mx'; hosts: { preference: number; exchange: string }[]; authenticated: boolean }
  | { kind: 'null-mx'; authenticated: boolean }
  | { kind: 'implicit'; hosts: { preference: 0; exchange: string }[]; authenticated: boolean }
  | { kind: 'none'; reason: string; authenticated: boolean };

export interface TlsaRecord {
  usage: number;
  selector: number;
  matchingType: number;
  /** Hex of the association data. */
  data: string;
}

export type DaneVerdict = 'match' | 'mismatch' | 'no-tlsa' | 'unvalidated' | 'unusable';

export interface DaneResult {
  name: string;
  verdict: DaneVerdict;
  records: TlsaRecord[];
  authenticated: boolean;
  /** The record that matched, and at which depth of the chain (0: the server's own certificate). */
  matched?: { record: TlsaRecord; depth: number };
  reason: string;
}

export function describeTlsa(r: TlsaRecord): string {
  const usage = r.usage === 3 ? 'DANE-EE' : r.usage === 2 ? 'DANE-TA' : `usage ${r.usage}`;
  const selector = r.selector === 0 ? 'Cert' : r.selector === 1 ? 'SPKI' : `selector ${r.selector}`;
  const matching =
    r.matchingType === 0 ? 'Full' : r.matchingType === 1 ? 'SHA2-256' : r.matchingType === 2 ? 'SHA2-512' : `type ${r.matchingType}`;
  return `${r.usage} ${r.selector} ${r.matchingType} (${usage} ${selector} ${matching})`;
}

export interface StsRecord {
  id: string;
  raw: string;
}

export interface StsPolicy {
  version: string;
  mode: 'enforce' | 'testing' | 'none';
  mx: string[];
  maxAge: number;
}

export interface MtaSts {
  /** The TXT record, none, or why it does not count (several, malformed). */
  record?: StsRecord;
  recordProblem?: string;
  authenticated: boolean;
  url?: string;
  policy?: StsPolicy;
  /** Why the policy could not be fetched or parsed. */
  policyProblem?: string;
}

export interface TlsRpt {
  raw?: string;
  rua: string[];
  problem?: string;
}

export interface AddressCheck {
  address: string;
  family: 4 | 6;
  reachable: boolean;
  greeting?: { code: number; text: string };
  /** STARTTLS offered by the server, and whether TLS then came up. */
  starttls: 'used' | 'not-offered' | 'failed' | 'unknown';
  tls?: { protocol: string | null; cipher: string | null };
  certificate?: CertificateCheck;
  findings: Pick<Finding, 'id' | 'severity' | 'title'>[];
  /** DANE: the host's TLSA records against the chain this address presented (absent when TLS did not come up). */
  dane?: Omit<DaneResult, 'records' | 'name' | 'authenticated'>;
  error?: { code: string; message: string };
  durationMs: number;
}

export interface HostCheck {
  preference: number;
  exchange: string;
  /** The addresses' A/AAAA answers were validated by the resolver (DNSSEC). */
  authenticated: boolean;
  dnsErrors: string[];
  /** The TLSA records at _PORT._tcp.<host> (RFC 7672), or why they could not be looked up. */
  tlsa: { name: string; records: TlsaRecord[]; authenticated: boolean; error?: string };
  addresses: AddressCheck[];
}

export interface MxCheck {
  domain: string;
  resolver: string;
  route: MailRoute;
  hosts: HostCheck[];
  /** MTA-STS (RFC 8461): the record, the policy, and per MX host what an enforcing sender would decide. */
  mtaSts?: MtaSts & { hosts: { exchange: string; allowedBy?: string; certificatesValid: boolean; deliverable: boolean }[] };
  tlsRpt?: TlsRpt;
  /** Set when the deadline cut the check short: the addresses not reached say so. */
  deadlineReached?: true;
}

export function describeAddress(a: AddressCheck): string {
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
        `          TLSA ${h.tlsa.name} (${h.tlsa.authenticated ? 'validated' : 'NOT validated: ignored, RFC 7672'}): ${h.tlsa.records.map(describeTlsa).join('; ')}`,
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
