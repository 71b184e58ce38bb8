import type { CertificateInfo, TlsInfo } from '../session-record.js';

/**
 * TLS in plain words: why a certificate did not verify (Node's and OpenSSL's reason codes), the overall verdict of
 * a session's TLS, and whether a certificate is (still) valid at a given moment. Pure: "now" is always passed in.
 */

export interface VerifyErrorExplanation {
  code: string;
  known: boolean;
  /** A few words: "Self-signed certificate". */
  title: string;
  /** What it means. */
  text: string;
  /** What to do about it. */
  hint?: string;
}

const TRUST_HINT =
  'Trust the issuing CA with a CA file (TLS options in the app, --ca on the command line), or, for a test server only, turn verification off.';

const VERIFY_ERRORS: Record<string, Omit<VerifyErrorExplanation, 'code' | 'known'>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: {
    title: 'Self-signed certificate',
    text: 'The server’s certificate is signed by itself, not by a certificate authority this machine trusts.',
    hint: 'Trust that certificate explicitly with a CA file (TLS options in the app, --ca on the command line), or replace it with one from a public CA.',
  },
  SELF_SIGNED_CERT_IN_CHAIN: {
    title: 'Untrusted root in the chain',
    text: 'The chain ends in a self-signed root certificate that is not trusted here (a private or corporate CA).',
    hint: TRUST_HINT,
  },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: {
    title: 'Issuer unknown or chain incomplete',
    text: 'The issuer of the server’s certificate could not be found: the server probably does not send its intermediate certificates, or the issuer is a private CA.',
    hint: 'Configure the server to send the full chain (leaf and intermediates), or trust the issuer with a CA file.',
  },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: {
    title: 'Issuer not trusted here',
    text: 'The certificate of the issuer is not in this machine’s trust store: a missing intermediate certificate, or a private CA.',
    hint: 'Configure the server to send the full chain, or trust the issuer with a CA file.',
  },
  UNABLE_TO_GET_ISSUER_CERT: {
    title: 'Issuer certificate not found',
    text: 'The certificate of an issuer in the chain could not be found.',
    hint: 'Configure the server to send the full chain, or trust the issuer with a CA file.',
  },
  CERT_HAS_EXPIRED: {
    title: 'Certificate expired',
    text: 'A certificate in the chain is past its “valid to” date.',
    hint: 'Renew the server’s certificate (and check that automatic renewal reloads the mail server).',
  },
  CERT_NOT_YET_VALID: {
    title: 'Certificate not yet valid',
    text: 'A certificate in the chain is not valid until a later date: it was issued for the future, or a clock is wrong.',
    hint: 'Check the clocks of the server and of this machine.',
  },
  ERR_TLS_CERT_ALTNAME_INVALID: {
    title: 'Certificate does not match the host name',
    text: 'The certificate is not issued for the name you connected to: none of its names (SANs) matches it.',
    hint: 'Connect with a name the certificate lists (see Subject alternative names), set the server name to check, or fix the certificate.',
  },
  HOSTNAME_MISMATCH: {
    title: 'Certificate does not match the host name',
    text: 'The certificate is not issued for the name you connected to.',
    hint: 'Connect with a name the certificate lists, or fix the certificate.',
  },
  CERT_REVOKED: {
    title: 'Certificate revoked',
    text: 'The certificate has been revoked by its issuer and must not be trusted.',
    hint: 'Install a new certificate on the server.',
  },
  CERT_SIGNATURE_FAILURE: {
    title: 'Bad certificate signature',
    text: 'A certificate’s signature does not verify: the chain is corrupt or has been tampered with.',
  },
  CERT_UNTRUSTED: {
    title: 'Certificate not trusted',
    text: 'The root certificate is not trusted for this purpose.',
    hint: TRUST_HINT,
  },
  CERT_REJECTED: {
    title: 'Certificate rejected',
    text: 'The root certificate is marked to reject this purpose.',
  },
  CERT_CHAIN_TOO_LONG: {
    title: 'Chain too long',
    text: 'The certificate chain is longer than the verification allows.',
  },
  INVALID_CA: {
    title: 'Invalid CA certificate',
    text: 'A certificate in the chain acts as a CA but is not allowed to (it is not a CA certificate).',
  },
  PATH_LENGTH_EXCEEDED: {
    title: 'Path length exceeded',
    text: 'The chain has more intermediate CAs than an issuer allows.',
  },
  INVALID_PURPOSE: {
    title: 'Wrong certificate purpose',
    text: 'The certificate is not meant for a TLS server (its key usage does not allow it).',
  },
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: {
    title: 'Unreadable certificate signature',
    text: 'The signature of a certificate could not be decrypted.',
  },
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: {
    title: 'Unreadable issuer key',
    text: 'The public key of an issuer could not be read.',
  },
  ERROR_IN_CERT_NOT_BEFORE_FIELD: {
    title: 'Malformed validity date',
    text: 'The certificate’s “valid from” date is malformed.',
  },
  ERROR_IN_CERT_NOT_AFTER_FIELD: {
    title: 'Malformed validity date',
    text: 'The certificate’s “valid to” date is malformed.',
  },
  UNABLE_TO_GET_CRL: {
    title: 'Revocation list unavailable',
    text: 'The certificate revocation list needed to check the certificate could not be found.',
  },
  CRL_HAS_EXPIRED: {
    title: 'Revocation list expired',
    text: 'The certificate revocation list used to check the certificate is out of date.',
  },
};

/** Explain a reason code from Node's TLS verification (or show an unknown one as it is). */
export function explainVerifyError(code: string | undefined): VerifyErrorExplanation {
  const key = (code ?? '').trim();
  const info = VERIFY_ERRORS[key];
  if (info) return { code: key, known: true, ...info };
  return {
    code: key,
    known: false,
    title: key ? 'Verification failed' : 'Verification failed for an unknown reason',
    text: key ? `The certificate did not verify: ${key}.` : 'The TLS library gave no reason.',
  };
}

/** Every reason code with its own explanation (for tests and documentation). */
export const VERIFY_ERROR_CODES: readonly string[] = Object.keys(VERIFY_ERRORS);

export type TlsVerdictStatus = 'verified' | 'failed' | 'unverified-ok' | 'unverified';

export interface TlsVerdict {
  status: TlsVerdictStatus;
  /** One short sentence. */
  headline: string;
  /** Why, in plain words. */
  detail?: string;
  hint?: string;
  /** Verification was turned off (insecure), whatever its outcome. */
  insecure: boolean;
  reason?: VerifyErrorExplanation;
}

/** What the certificate check came to, and whether it mattered. */
export function tlsVerdict(tls: TlsInfo): TlsVerdict {
  const name = tls.servername ? ` for ${tls.servername}` : '';
  if (tls.authorized) {
    return tls.verificationRequired
      ? {
          status: 'verified',
          headline: `Certificate verified${name}`,
          detail: 'The chain leads to a trusted CA and the certificate names this host.',
          insecure: false,
        }
      : {
          status: 'unverified-ok',
          headline: 'Verification was off (insecure), but the certificate is valid',
          detail: `The chain leads to a trusted CA and the certificate names this host${name ? ` (${tls.servername})` : ''}; verification would have passed.`,
          insecure: true,
        };
  }
  const reason = explainVerifyError(tls.authorizationError);
  if (tls.verificationRequired) {
    return {
      status: 'failed',
      headline: `Certificate verification failed: ${reason.title.toLowerCase()}`,
      detail: `${reason.text} The session was stopped before anything else was sent.`,
      ...(reason.hint ? { hint: reason.hint } : {}),
      insecure: false,
      reason,
    };
  }
  return {
    status: 'unverified',
    headline: `Not verified (verification was off): ${reason.title.toLowerCase()}`,
    detail: `${reason.text} The session went on because verification was turned off: the connection is encrypted, but you cannot be sure who is at the other end.`,
    ...(reason.hint ? { hint: reason.hint } : {}),
    insecure: true,
    reason,
  };
}

// --- Certificate validity ----------------------------------------------------------------------------------------

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Warn when a certificate expires within this many days. */
export const EXPIRY_WARNING_DAYS = 30;

export type ValidityStatus = 'valid' | 'expiring' | 'expired' | 'not-yet-valid' | 'unknown';

export interface CertificateValidity {
  status: ValidityStatus;
  /** Whole days until expiry (negative once expired); undefined when the dates are unknown. */
  daysLeft?: number;
  text: string;
}

const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;

/**
 * Whether a certificate is valid at `now`, warning when it expires within `warnDays` (30) days: 29 and 30 days
 * left warn, 31 do not.
 */
export function certificateValidity(
  cert: Pick<CertificateInfo, 'validFrom' | 'validTo'>,
  now: Date | number,
  warnDays = EXPIRY_WARNING_DAYS,
): CertificateValidity {
  const at = typeof now === 'number' ? now : now.getTime();
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  if (Number.isNaN(from) || Number.isNaN(to)) return { status: 'unknown', text: 'Validity dates unknown' };
  if (at < from) {
    const days = Math.ceil((from - at) / DAY_MS);
    return {
      status: 'not-yet-valid',
      daysLeft: Math.floor((to - at) / DAY_MS),
      text: `Not valid yet: valid from ${formatCertDate(cert.validFrom)} (in ${plural(days, 'day')})`,
    };
  }
  const remaining = to - at;
  if (remaining < 0) {
    const days = Math.floor(-remaining / DAY_MS);
    return {
      status: 'expired',
      daysLeft: -Math.ceil(-remaining / DAY_MS),
      text: days === 0 ? 'Expired today' : `Expired ${plural(days, 'day')} ago`,
    };
  }
  const daysLeft = Math.floor(remaining / DAY_MS);
  if (remaining <= warnDays * DAY_MS) {
    return { status: 'expiring', daysLeft, text: daysLeft === 0 ? 'Expires within a day' : `Expires in ${plural(daysLeft, 'day')}` };
  }
  return { status: 'valid', daysLeft, text: `Valid for ${plural(daysLeft, 'more day')}` };
}

/** An ISO date as "2025-03-01 12:00 UTC" (the record keeps ISO strings). */
export function formatCertDate(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso || '—';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/:\d\d\.\d{3}Z$/, ' UTC');
}

/** Whether a certificate is its own issuer (a root, or a self-signed leaf). */
export function isSelfIssued(cert: Pick<CertificateInfo, 'subject' | 'issuer'>): boolean {
  return cert.subject !== '' && cert.subject === cert.issuer;
}

/** The names a certificate is valid for, from its subjectAltNames ("DNS:mx.example.net" → "mx.example.net"). */
export function certificateNames(cert: Pick<CertificateInfo, 'subjectAltNames'>): { type: string; value: string }[] {
  return cert.subjectAltNames.map((san) => {
    const colon = san.indexOf(':');
    return colon > 0 ? { type: san.slice(0, colon), value: san.slice(colon + 1) } : { type: '', value: san };
  });
}
