import type { Capability, TlsInfo } from '../../shared/session-record.js';
import type { FindingLog } from './findings.js';
import type { Capabilities } from './protocol/capabilities.js';

/** Findings that are read off what a server advertised or negotiated, rather than off one reply. Pure. */

const DAY_MS = 24 * 60 * 60 * 1000;
/** A certificate that ends within this many days is flagged. */
export const EXPIRY_WARNING_DAYS = 30;
const WEAK_TLS = new Set(['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1']);
// Mechanisms that carry the password itself (readable after base64).
const PASSWORD_IN_CLEAR = ['PLAIN', 'LOGIN'];

/** What an EHLO/LHLO reply advertised says about the server, given whether the link is encrypted. */
export function noteCapabilities(findings: FindingLog, caps: Capabilities, encrypted: boolean, event: number): void {
  const events = [event];
  if (!encrypted) {
    const clear = caps.authMechanisms.filter((m) => PASSWORD_IN_CLEAR.includes(m));
    if (clear.length > 0) {
      findings.add('auth-before-tls', `AUTH ${clear.join(' ')} is offered on an unencrypted connection`, events, false);
    }
  } else if (caps.has('STARTTLS')) {
    findings.add('starttls-offered-after-tls', 'the EHLO reply inside TLS still lists STARTTLS', events, false);
  }
  if (!caps.has('ENHANCEDSTATUSCODES')) {
    findings.add('no-enhanced-status-codes', 'ENHANCEDSTATUSCODES is not advertised', events, false);
  }
  if (caps.has('PRDR')) findings.add('prdr-offered', 'PRDR is advertised', events, false);
}

/** What changed between the capability lists before and after STARTTLS (STARTTLS itself is meant to go). */
export function noteTlsCapabilityChange(
  findings: FindingLog,
  before: readonly Capability[],
  after: readonly Capability[],
  event: number,
): void {
  const key = (c: Capability): string => `${c.name} ${c.params.join(' ')}`.trim();
  const beforeKeys = new Set(before.filter((c) => c.name !== 'STARTTLS').map(key));
  const afterKeys = new Set(after.map(key));
  const added = [...afterKeys].filter((k) => !beforeKeys.has(k));
  const removed = [...beforeKeys].filter((k) => !afterKeys.has(k));
  if (added.length === 0 && removed.length === 0) return;
  const parts = [
    ...(added.length ? [`only after TLS: ${added.join('; ')}`] : []),
    ...(removed.length ? [`only before TLS: ${removed.join('; ')}`] : []),
  ];
  findings.add('capabilities-changed-across-tls', parts.join('. '), [event]);
}

/** Whether a certificate is its own issuer (the chain is one certificate whose subject is its issuer). */
function selfSigned(info: TlsInfo): boolean {
  if (info.authorizationError === 'DEPTH_ZERO_SELF_SIGNED_CERT') return true;
  const leaf = info.peerCertificate[0];
  return info.peerCertificate.length === 1 && !!leaf && leaf.subject !== '' && leaf.subject === leaf.issuer;
}

/** What a TLS handshake and the certificate it presented say about the server. */
export function noteTls(findings: FindingLog, info: TlsInfo, event: number, now = Date.now()): void {
  const events = [event];
  if (info.protocol && WEAK_TLS.has(info.protocol)) {
    findings.add('weak-tls-version', `${info.protocol} was negotiated`, events);
  }
  const leaf = info.peerCertificate[0];
  if (leaf?.validTo) {
    const ends = Date.parse(leaf.validTo);
    if (Number.isFinite(ends)) {
      const days = Math.floor((ends - now) / DAY_MS);
      if (ends <= now) findings.add('certificate-expires-soon', `the certificate expired on ${leaf.validTo} (${-days} days ago)`, events);
      else if (ends - now < EXPIRY_WARNING_DAYS * DAY_MS) {
        findings.add('certificate-expires-soon', `the certificate expires on ${leaf.validTo}, in ${days} days`, events);
      }
    }
  }
  if (info.nameMatches === false) {
    const names = leaf?.subjectAltNames.length ? leaf.subjectAltNames.join(', ') : (leaf?.subject ?? 'none');
    findings.add(
      'certificate-name-mismatch',
      `the certificate does not name ${info.servername ?? 'the host'} (it names: ${names})`,
      events,
    );
  }
  if (selfSigned(info)) {
    findings.add('self-signed-certificate', `the certificate is issued by itself: ${leaf?.subject ?? 'unknown subject'}`, events);
  }
}
