/**
 * The findings each real server produces, asserted exactly, each checked against that server's configuration
 * (test/interop/servers.ts): a finding a real server does not deserve is a bug, and so is one it deserves and did not
 * get. Probes of every endpoint in the TLS mode it is meant for, and a send through each kind of server.
 */
import { expect, it } from 'vitest';
import type { FindingId } from '../../shared/findings.js';
import type { SessionRecord } from '../../shared/session-record.js';
import { probe } from '../../electron/smtp/operations.js';
import { ALICE, EXIM_ALICE, EXIM_BOB } from './fixtures.js';
import { connection, describeInterop, engineSend, uniqueId, type Endpoint } from './support.js';

const ids = (record: SessionRecord): FindingId[] => (record.findings ?? []).map((f) => f.id).sort();

/** What each endpoint earns, and why (its configuration). */
const PROBES: { which: Endpoint; expect: FindingId[]; why: string }[] = [
  {
    which: 'postfix-smtp',
    expect: [],
    why: 'ENHANCEDSTATUSCODES, STARTTLS with a CA-signed certificate for 127.0.0.1, no AUTH on port 25',
  },
  {
    which: 'postfix-submission',
    expect: ['capabilities-changed-across-tls'],
    why: 'smtpd_tls_auth_only=yes: AUTH appears only after STARTTLS (info, and intended)',
  },
  { which: 'postfix-smtps', expect: [], why: 'implicit TLS, AUTH inside it, the same certificate' },
  { which: 'postfix-plain-auth', expect: ['auth-before-tls'], why: 'the port is configured without TLS and with AUTH PLAIN LOGIN' },
  { which: 'dovecot-lmtp-tcp', expect: [], why: 'LMTP with ENHANCEDSTATUSCODES, no AUTH, no TLS asked' },
  { which: 'dovecot-lmtp-unix', expect: [], why: 'the same over the Unix socket' },
  {
    which: 'exim-smtp',
    expect: ['auth-before-tls', 'no-enhanced-status-codes', 'prdr-offered'],
    why: 'auth_advertise_hosts = * (AUTH PLAIN LOGIN before STARTTLS), exim does not offer ENHANCEDSTATUSCODES, prdr_enable = true',
  },
  {
    which: 'exim-smtps',
    expect: ['no-enhanced-status-codes', 'prdr-offered'],
    why: 'implicit TLS (so AUTH is not before TLS); no ENHANCEDSTATUSCODES; prdr_enable = true',
  },
];

describeInterop('findings of the real servers', (env) => {
  for (const p of PROBES) {
    it(`probe ${p.which}: ${p.expect.length ? p.expect.join(', ') : 'none'} (${p.why})`, async () => {
      const record = await probe({ connection: connection(env, p.which) });
      expect(record.result, JSON.stringify(record.result)).toEqual({ ok: true });
      expect(ids(record), JSON.stringify(record.findings)).toEqual([...p.expect].sort());
    });
  }

  it('a send through postfix (STARTTLS): every reply has its enhanced code; no finding', async () => {
    const { record } = await engineSend(connection(env, 'postfix-smtp'), {
      message: {
        raw: Buffer.from(
          `From: <s@example.net>\r\nTo: <${ALICE.address}>\r\nSubject: findings\r\nMessage-ID: ${uniqueId('find-postfix')}\r\n\r\nbody\r\n`,
        ),
      },
    });
    expect(record.result).toMatchObject({ ok: true, verdict: 'delivered' });
    expect(ids(record)).toEqual([]);
  });

  it('a send to two recipients over dovecot LMTP: two replies after the data; no finding', async () => {
    const { record } = await engineSend(connection(env, 'dovecot-lmtp-unix'), {
      message: {
        raw: Buffer.from(
          `From: <s@example.net>\r\nTo: <${ALICE.address}>, <bob@example.test>\r\nSubject: findings\r\nMessage-ID: ${uniqueId('find-lmtp')}\r\n\r\nbody\r\n`,
        ),
      },
    });
    expect(record.result).toMatchObject({ ok: true, verdict: 'delivered' });
    expect(ids(record)).toEqual([]);
  });

  it('a send with PRDR through exim: only what its EHLO earned, nothing from the PRDR replies', async () => {
    const { record } = await engineSend(
      connection(env, 'exim-smtp'),
      {
        message: {
          raw: Buffer.from(
            `From: <s@example.net>\r\nTo: <${EXIM_ALICE}>, <${EXIM_BOB}>\r\nSubject: findings\r\nMessage-ID: ${uniqueId('find-exim')}\r\n\r\nbody\r\n`,
          ),
        },
      },
      { prdr: true },
    );
    expect(record.result).toMatchObject({ ok: true, verdict: 'delivered' });
    expect(ids(record)).toEqual(['auth-before-tls', 'no-enhanced-status-codes', 'prdr-offered']);
  });
});
