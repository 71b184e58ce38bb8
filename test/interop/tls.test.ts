/**
 * STARTTLS and implicit TLS against postfix (OpenSSL) and exim (GnuTLS): the negotiated protocol and
 * cipher and the run's certificate are reported; without the CA verification fails with a clear reason,
 * with the CA (--ca) it succeeds.
 */
import { expect, it } from 'vitest';
import { probe } from '../../electron/smtp/operations.js';
import { EXIT } from '../../electron/cli/exit-codes.js';
import { cli, cliConnection, connection, describeInterop, type Endpoint } from './support.js';

const TLS_ENDPOINTS: { which: Endpoint; via: 'starttls' | 'implicit' }[] = [
  { which: 'postfix-smtp', via: 'starttls' },
  { which: 'postfix-submission', via: 'starttls' },
  { which: 'postfix-smtps', via: 'implicit' },
  { which: 'exim-smtp', via: 'starttls' },
  { which: 'exim-smtps', via: 'implicit' },
];

describeInterop('TLS', (env) => {
  for (const { which, via } of TLS_ENDPOINTS) {
    it(`${which}: ${via} with the CA is verified and reports protocol, cipher and the certificate`, async () => {
      const record = await probe({ connection: connection(env, which) });
      expect(record.result, JSON.stringify(record.result)).toEqual({ ok: true });
      const tls = record.tls!;
      expect(tls.via).toBe(via);
      expect(tls.authorized).toBe(true);
      expect(tls.authorizationError).toBeUndefined();
      expect(tls.verificationRequired).toBe(true);
      expect(tls.servername).toBe('127.0.0.1');
      expect(tls.protocol).toMatch(/^TLSv1\.[23]$/);
      expect(tls.cipher).toMatch(/^[A-Z0-9_-]+$/);
      expect(tls.peerCertificate[0]!.fingerprint256).toBe(env.fingerprint256);
      expect(tls.peerCertificate[0]!.subject).toContain('localhost');
      console.log(`${which}: ${tls.via} ${tls.protocol} ${tls.cipher}, leaf ${tls.peerCertificate[0]!.fingerprint256}`);
    });

    it(`${which}: ${via} without the CA fails verification and says why`, async () => {
      const record = await probe({ connection: connection(env, which, { ca: false }) });
      expect(record.result.ok).toBe(false);
      expect(record.result.error?.code).toBe('tls-failed');
      // The leaf is signed by a CA the machine does not trust.
      expect(record.tls?.authorized).toBe(false);
      expect(record.tls?.authorizationError).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      expect(record.result.error?.message).toMatch(/certificate verification failed: UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
      // What was learnt is still reported: the certificate the server presented.
      expect(record.tls?.peerCertificate[0]?.fingerprint256).toBe(env.fingerprint256);
      // Nothing was sent inside the unverified link.
      const sentInTls = record.events.filter((e) => e.dir === 'send' && e.tls);
      expect(sentInTls).toEqual([]);
    });
  }

  it('--insecure connects without verifying, and the record says the peer was not verified', async () => {
    const record = await probe({ connection: connection(env, 'postfix-smtps', { ca: false, tlsOptions: { verify: false } }) });
    expect(record.result.ok).toBe(true);
    expect(record.tls?.authorized).toBe(false);
    expect(record.tls?.verificationRequired).toBe(false);
    expect(record.tls?.authorizationError).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('TLS 1.2 only, when asked for, is what postfix and exim negotiate', async () => {
    for (const which of ['postfix-submission', 'exim-smtps'] as const) {
      const record = await probe({ connection: connection(env, which, { tlsOptions: { ca: env.caPem, maxVersion: 'TLSv1.2' } }) });
      expect(record.result, JSON.stringify(record.result)).toEqual({ ok: true });
      expect(record.tls?.protocol).toBe('TLSv1.2');
    }
  });

  it('the CLI: exit 4 without --ca, 0 with it, on STARTTLS and implicit TLS', async () => {
    for (const which of ['postfix-submission', 'exim-smtp', 'postfix-smtps', 'exim-smtps'] as const) {
      const without = await cli(['probe', ...cliConnection(env, which, { ca: false })]);
      expect(without.code, without.stderr).toBe(EXIT.tls);
      expect(without.record.tls?.authorizationError).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      const withCa = await cli(['probe', ...cliConnection(env, which)]);
      expect(withCa.code, withCa.stderr).toBe(EXIT.ok);
      expect(withCa.record.tls?.authorized).toBe(true);
      expect(withCa.record.tls?.peerCertificate[0]?.fingerprint256).toBe(env.fingerprint256);
    }
  });

  it('STARTTLS required but not offered (the plaintext-only port) fails without continuing in plaintext', async () => {
    const record = await probe({ connection: connection(env, 'postfix-plain-auth', { tls: 'starttls' }) });
    expect(record.result.error?.code).toBe('tls-not-offered');
    const optional = await probe({ connection: connection(env, 'postfix-plain-auth', { tls: 'starttls-optional' }) });
    expect(optional.result.ok).toBe(true);
    expect(optional.tlsSkipped).toMatch(/does not advertise STARTTLS/);
  });
});
