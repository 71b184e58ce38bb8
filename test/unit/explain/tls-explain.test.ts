import { describe, expect, it } from 'vitest';
import {
  certificateNames,
  certificateValidity,
  DAY_MS,
  explainVerifyError,
  formatCertDate,
  isSelfIssued,
  tlsVerdict,
  VERIFY_ERROR_CODES,
} from '../../../shared/explain/tls.js';
import type { TlsInfo } from '../../../shared/session-record.js';

/** TLS verdicts, verification reasons and certificate validity, with an injected "now". */

const NOW = Date.parse('2025-06-01T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const cert = (validFrom: number, validTo: number) => ({ validFrom: iso(validFrom), validTo: iso(validTo) });

describe('certificate validity', () => {
  const issued = NOW - 60 * DAY_MS;

  it('warns at 29 and 30 days left, not at 31', () => {
    expect(certificateValidity(cert(issued, NOW + 29 * DAY_MS), NOW)).toMatchObject({
      status: 'expiring',
      daysLeft: 29,
      text: 'Expires in 29 days',
    });
    expect(certificateValidity(cert(issued, NOW + 30 * DAY_MS), NOW)).toMatchObject({ status: 'expiring', daysLeft: 30 });
    expect(certificateValidity(cert(issued, NOW + 31 * DAY_MS), NOW)).toMatchObject({ status: 'valid', daysLeft: 31 });
    expect(certificateValidity(cert(issued, NOW + 30 * DAY_MS + 1), NOW).status).toBe('valid');
    expect(certificateValidity(cert(issued, NOW + 3 * 3600_000), NOW)).toMatchObject({
      status: 'expiring',
      daysLeft: 0,
      text: 'Expires within a day',
    });
  });

  it('accepts a Date as well as milliseconds, and another threshold', () => {
    expect(certificateValidity(cert(issued, NOW + 29 * DAY_MS), new Date(NOW)).status).toBe('expiring');
    expect(certificateValidity(cert(issued, NOW + 29 * DAY_MS), NOW, 14).status).toBe('valid');
  });

  it('says when a certificate has expired', () => {
    expect(certificateValidity(cert(issued, NOW - 1), NOW)).toMatchObject({ status: 'expired', text: 'Expired today' });
    expect(certificateValidity(cert(issued, NOW - 3 * DAY_MS), NOW)).toMatchObject({
      status: 'expired',
      daysLeft: -3,
      text: 'Expired 3 days ago',
    });
    expect(certificateValidity(cert(issued, NOW - DAY_MS), NOW).text).toBe('Expired 1 day ago');
  });

  it('says when a certificate is not valid yet', () => {
    const v = certificateValidity(cert(NOW + 2 * DAY_MS, NOW + 90 * DAY_MS), NOW);
    expect(v.status).toBe('not-yet-valid');
    expect(v.text).toMatch(/^Not valid yet: valid from 2025-06-03 12:00 UTC \(in 2 days\)$/);
  });

  it('the boundaries themselves are valid', () => {
    expect(certificateValidity(cert(NOW, NOW + 100 * DAY_MS), NOW).status).toBe('valid');
    expect(certificateValidity(cert(issued, NOW), NOW).status).toBe('expiring');
  });

  it('unknown dates are not guessed', () => {
    expect(certificateValidity({ validFrom: '', validTo: '' }, NOW)).toEqual({ status: 'unknown', text: 'Validity dates unknown' });
  });

  it('formats dates in UTC', () => {
    expect(formatCertDate('2025-03-01T12:34:56.000Z')).toBe('2025-03-01 12:34 UTC');
    expect(formatCertDate('')).toBe('—');
  });
});

describe('certificates', () => {
  it('splits subject alternative names and recognises self-issued certificates', () => {
    expect(certificateNames({ subjectAltNames: ['DNS:mx.example.net', 'IP Address:127.0.0.1', 'odd'] })).toEqual([
      { type: 'DNS', value: 'mx.example.net' },
      { type: 'IP Address', value: '127.0.0.1' },
      { type: '', value: 'odd' },
    ]);
    expect(isSelfIssued({ subject: 'CN=a', issuer: 'CN=a' })).toBe(true);
    expect(isSelfIssued({ subject: 'CN=a', issuer: 'CN=b' })).toBe(false);
    expect(isSelfIssued({ subject: '', issuer: '' })).toBe(false);
  });
});

describe('verification reasons', () => {
  it('explains the common Node codes in plain words', () => {
    for (const code of [
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'CERT_HAS_EXPIRED',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'CERT_NOT_YET_VALID',
    ]) {
      const e = explainVerifyError(code);
      expect(e.known, code).toBe(true);
      expect(e.text.length, code).toBeGreaterThan(20);
      expect(e.hint, code).toBeTruthy();
    }
    expect(explainVerifyError('DEPTH_ZERO_SELF_SIGNED_CERT').title).toBe('Self-signed certificate');
    expect(explainVerifyError('ERR_TLS_CERT_ALTNAME_INVALID').text).toMatch(/not issued for the name/);
    expect(VERIFY_ERROR_CODES.length).toBeGreaterThan(15);
  });

  it('shows an unknown reason as it is', () => {
    expect(explainVerifyError('SOMETHING_NEW')).toMatchObject({
      known: false,
      code: 'SOMETHING_NEW',
      text: 'The certificate did not verify: SOMETHING_NEW.',
    });
    expect(explainVerifyError(undefined)).toMatchObject({ known: false, title: 'Verification failed for an unknown reason' });
  });
});

describe('TLS verdict', () => {
  const base: TlsInfo = {
    via: 'starttls',
    protocol: 'TLSv1.3',
    cipher: 'TLS_AES_256_GCM_SHA384',
    authorized: true,
    verificationRequired: true,
    servername: 'mx.example.net',
    peerCertificate: [],
  };

  it('verified', () => {
    expect(tlsVerdict(base)).toMatchObject({ status: 'verified', insecure: false, headline: 'Certificate verified for mx.example.net' });
  });

  it('failed when verification was required', () => {
    const v = tlsVerdict({ ...base, authorized: false, authorizationError: 'CERT_HAS_EXPIRED' });
    expect(v).toMatchObject({ status: 'failed', insecure: false, headline: 'Certificate verification failed: certificate expired' });
    expect(v.hint).toMatch(/Renew/);
  });

  it('insecure when verification was off, saying what would have happened', () => {
    const v = tlsVerdict({ ...base, authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT', verificationRequired: false });
    expect(v).toMatchObject({ status: 'unverified', insecure: true });
    expect(v.headline).toMatch(/verification was off.*self-signed/);
    expect(tlsVerdict({ ...base, verificationRequired: false })).toMatchObject({ status: 'unverified-ok', insecure: true });
  });
});
