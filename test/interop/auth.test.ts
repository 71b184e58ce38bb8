/**
 * Every SASL mechanism each server offers: postfix relays dovecot's (PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-1,
 * SCRAM-SHA-256) on its submission and SMTPS ports; exim has its own PLAIN, LOGIN and CRAM-MD5.
 * The right password succeeds (235), a wrong one fails with 535 and `auth-failed`. Credentials are not
 * sent over plaintext to a host that is not loopback (a test host in a network namespace) unless allowed.
 */
import { expect, it } from 'vitest';
import { probe } from '../../electron/smtp/operations.js';
import { EXIT } from '../../electron/cli/exit-codes.js';
import type { SessionOptions } from '../../electron/smtp/session.js';
import { ALICE, EXIM_AUTH } from './fixtures.js';
import { cli, cliConnection, connection, describeInterop, EHLO_NAME, type Endpoint } from './support.js';

const DOVECOT_MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'SCRAM-SHA-1', 'SCRAM-SHA-256'];
const EXIM_MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5'];

const SERVERS: { which: Endpoint; user: { address: string; password: string }; mechanisms: string[] }[] = [
  { which: 'postfix-submission', user: ALICE, mechanisms: DOVECOT_MECHANISMS },
  { which: 'postfix-smtps', user: ALICE, mechanisms: DOVECOT_MECHANISMS },
  { which: 'postfix-plain-auth', user: ALICE, mechanisms: DOVECOT_MECHANISMS },
  { which: 'exim-smtp', user: EXIM_AUTH, mechanisms: EXIM_MECHANISMS },
  { which: 'exim-smtps', user: EXIM_AUTH, mechanisms: EXIM_MECHANISMS },
];

describeInterop('authentication', (env) => {
  for (const { which, user, mechanisms } of SERVERS) {
    it(`${which} offers exactly ${mechanisms.join(' ')}`, async () => {
      const record = await probe({ connection: connection(env, which) });
      expect(record.result.ok).toBe(true);
      expect(record.capabilities.find((c) => c.name === 'AUTH')?.params).toEqual(mechanisms);
    });

    for (const mechanism of mechanisms) {
      it(`${which} ${mechanism}: the right password succeeds, a wrong one is refused with 535`, async () => {
        const good = await probe({
          connection: connection(env, which),
          auth: { user: user.address, password: user.password, mechanism },
        });
        expect(good.result, JSON.stringify(good.result)).toEqual({ ok: true });
        expect(good.auth).toMatchObject({ mechanism, ok: true, code: 235 });
        if (mechanism.startsWith('SCRAM')) expect(good.auth?.serverSignatureVerified).toBe(true);

        const bad = await probe({
          connection: connection(env, which),
          auth: { user: user.address, password: `${user.password}-wrong`, mechanism },
        });
        expect(bad.result.ok).toBe(false);
        expect(bad.result.error?.code).toBe('auth-failed');
        expect(bad.result.error?.replyCode).toBe(535);
        expect(bad.auth).toMatchObject({ mechanism, ok: false, code: 535 });
        // The secret never reaches the record.
        expect(JSON.stringify([good, bad])).not.toContain(user.password);
      });
    }
  }

  it('without an initial response (PLAIN after a 334), postfix/dovecot and exim both accept', async () => {
    for (const [which, user] of [
      ['postfix-submission', ALICE],
      ['exim-smtp', EXIM_AUTH],
    ] as const) {
      const record = await probe({
        connection: connection(env, which),
        auth: { user: user.address, password: user.password, mechanism: 'PLAIN', initialResponse: false },
      });
      expect(record.result, JSON.stringify(record.result)).toEqual({ ok: true });
      expect(record.auth?.steps.length).toBe(2);
    }
  });

  it('auto picks the strongest offered: SCRAM-SHA-256 at postfix, CRAM-MD5 at exim', async () => {
    const postfix = await probe({
      connection: connection(env, 'postfix-submission'),
      auth: { user: ALICE.address, password: ALICE.password, mechanism: 'auto' },
    });
    expect(postfix.auth).toMatchObject({ mechanism: 'SCRAM-SHA-256', ok: true });
    const exim = await probe({
      connection: connection(env, 'exim-smtp'),
      auth: { user: EXIM_AUTH.address, password: EXIM_AUTH.password, mechanism: 'auto' },
    });
    expect(exim.auth).toMatchObject({ mechanism: 'CRAM-MD5', ok: true });
  });

  it('the CLI agrees: exit 0 with the right password, 5 with a wrong one', async () => {
    for (const mechanism of ['scram-sha-256', 'plain']) {
      const args = [
        'probe',
        ...cliConnection(env, 'postfix-submission'),
        '--auth',
        mechanism,
        '--user',
        ALICE.address,
        '--password-env',
        'INTEROP_PASS',
      ];
      const good = await cli(args, { INTEROP_PASS: ALICE.password });
      expect(good.code, good.stderr).toBe(EXIT.ok);
      expect(good.record.auth?.code).toBe(235);
      const bad = await cli(args, { INTEROP_PASS: 'nope' });
      expect(bad.code).toBe(EXIT.auth);
      expect(bad.record.result.error?.code).toBe('auth-failed');
      expect(bad.record.auth?.code).toBe(535);
    }
  });

  // ----- credentials over plaintext --------------------------------------------------------------

  it('plaintext AUTH to loopback is allowed by default (nothing leaves the machine)', async () => {
    const record = await probe({
      connection: connection(env, 'postfix-plain-auth'),
      auth: { user: ALICE.address, password: ALICE.password, mechanism: 'PLAIN' },
    });
    expect(record.tls).toBeUndefined();
    expect(record.result).toEqual({ ok: true });
  });

  const ns = env.netns.ok ? env.netns : undefined;
  const netnsReason = env.netns.ok ? '' : ` (skipped: no network namespace: ${env.netns.reason})`;
  const nsIt = ns ? it : it.skip;

  /** The plain-auth port on the address facing the namespace: not loopback. */
  const nonLoopback = (extra: Partial<SessionOptions> = {}): SessionOptions => ({
    host: ns?.serverAddress,
    port: env.postfix.plainAuth,
    ehloName: EHLO_NAME,
    timeouts: 30_000,
    ...extra,
  });

  nsIt(`plaintext AUTH to a non-loopback address is refused before anything is sent${netnsReason}`, async () => {
    for (const mechanism of ['PLAIN', 'LOGIN', 'CRAM-MD5', 'SCRAM-SHA-256', 'auto']) {
      const record = await probe({ connection: nonLoopback(), auth: { user: ALICE.address, password: ALICE.password, mechanism } });
      expect(record.target.remoteAddress).toBe(ns!.serverAddress);
      expect(record.result.error?.code, mechanism).toBe('auth-not-allowed');
      expect(record.events.filter((e) => e.dir === 'send' && /^AUTH/i.test(e.text))).toEqual([]);
    }
    const allowed = await probe({
      connection: nonLoopback({ allowPlaintextAuth: true }),
      auth: { user: ALICE.address, password: ALICE.password, mechanism: 'PLAIN' },
    });
    expect(allowed.result).toEqual({ ok: true });
    expect(allowed.auth?.code).toBe(235);
  });

  nsIt(`the CLI on the test host in the namespace: exit 5 over plaintext, 0 with --allow-plaintext-auth${netnsReason}`, async () => {
    const args = [
      'probe',
      '--host',
      ns!.serverAddress,
      '--port',
      String(env.postfix.plainAuth),
      '--ehlo',
      EHLO_NAME,
      '--auth',
      'plain',
      '--user',
      ALICE.address,
      '--password-env',
      'INTEROP_PASS',
    ];
    const refused = await cli(args, { INTEROP_PASS: ALICE.password }, ns!.name);
    expect(refused.record.target.localAddress, JSON.stringify(refused.record.result)).toBe(ns!.clientAddress);
    expect(refused.code, refused.stderr).toBe(EXIT.auth);
    expect(refused.record.result.error?.code).toBe('auth-not-allowed');
    expect(refused.record.events.filter((e) => e.dir === 'send' && /^AUTH/i.test(e.text))).toEqual([]);

    const allowed = await cli([...args, '--allow-plaintext-auth'], { INTEROP_PASS: ALICE.password }, ns!.name);
    expect(allowed.code, allowed.stderr).toBe(EXIT.ok);
    expect(allowed.record.auth?.code).toBe(235);
    expect(allowed.stdout).not.toContain(ALICE.password);
  });
});
