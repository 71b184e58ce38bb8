import type { TlsInfo } from './session-record.js';

/**
 * The verdict on the certificate a session saw, given by us rather than by the handshake (which ran without
 * verification so that the chain is on record whatever it is): expired, untrusted chain, name mismatch, or valid.
 */

export type CertificateVerdict = 'valid' | 'name-mismatch' | 'untrusted' | 'expired' | 'none';

export interface CertificateCheck {
  verdict: CertificateVerdict;
  subject?: string;
  daysLeft?: number;
  reason?: string;
}

const DAY = 24 * 60 * 60 * 1000;

export function certificateCheck(tls: TlsInfo, now = Date.now()): CertificateCheck {
  const leaf = tls.peerCertificate[0];
  if (!leaf) return { verdict: 'none' };
  const daysLeft = Math.floor((Date.parse(leaf.validTo) - now) / DAY);
  // Node counts a name mismatch as "not authorized" too: the chain is judged apart from the name.
  const chainTrusted = tls.authorized || /ALTNAME/i.test(tls.authorizationError ?? '');
  const verdict: CertificateVerdict =
    daysLeft < 0 ? 'expired' : !chainTrusted ? 'untrusted' : tls.nameMatches === false ? 'name-mismatch' : 'valid';
  return {
    verdict,
    subject: leaf.subject,
    daysLeft,
    ...(verdict === 'untrusted' && tls.authorizationError ? { reason: tls.authorizationError } : {}),
    ...(verdict === 'name-mismatch' ? { reason: `not valid for ${tls.servername}` } : {}),
  };
}
