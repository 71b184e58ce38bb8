/**
 * The same scenarios through the engine API (probe/send/verify/raw) and through the `smtp-lens` binary:
 * the same outcome (result, verdict, error code, reply codes, per-recipient outcomes), and the CLI's
 * exit status is the documented one for the engine's error code. Includes VRFY on postfix.
 */
import { mkdtempSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SessionRecord } from '../../shared/session-record.js';
import { EXIT, exitCodeFor } from '../../electron/cli/exit-codes.js';
import { probe, raw, send, verify } from '../../electron/smtp/operations.js';
import { ALICE, BOB, EXIM_ALICE, EXIM_AUTH, OVER_QUOTA, UNKNOWN_ADDRESS } from './fixtures.js';
import { cli, cliConnection, connection, describeInterop, outcome } from './support.js';

interface Scenario {
  name: string;
  engine: () => Promise<SessionRecord>;
  cli: string[];
  secret?: string;
  /** The exit status the README documents for it. */
  exit: number;
  check?: (record: SessionRecord) => void;
}

describeInterop('engine API and CLI agree', (env) => {
  // Paths are fixed now, while the scenarios are listed; the files are written before the tests run.
  const dir = mkdtempSync(join(env.root, 'parity-'));
  const lmtpFile = join(dir, 'lmtp.eml');
  const eximFile = join(dir, 'exim.eml');
  const postfixFile = join(dir, 'postfix.eml');

  const rawMessage = (to: string, subject: string, lines = 4): Buffer =>
    Buffer.from(
      [
        'From: sender@example.net',
        `To: ${to}`,
        `Subject: ${subject}`,
        'Date: Sun, 22 Nov 2026 10:00:00 +0000',
        `Message-ID: <${subject.replace(/\W+/g, '-')}.${Date.now()}@smtp-lens.test>`,
        '',
        ...Array.from({ length: lines }, (_, i) => `${i % 2 ? '.' : ''}line ${i} ${'abcdefghij'.repeat(6)}`),
        '',
      ].join('\r\n'),
    );

  beforeAll(async () => {
    await writeFile(lmtpFile, rawMessage(ALICE.address, 'parity lmtp', 40));
    await writeFile(eximFile, rawMessage(EXIM_ALICE, 'parity exim'));
    await writeFile(postfixFile, rawMessage(BOB.address, 'parity postfix'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const auth = (user: { address: string; password: string }, mechanism: string, password = user.password) => ({
    user: user.address,
    password,
    mechanism,
  });
  const authArgs = (user: { address: string }, mechanism: string) => [
    '--auth',
    mechanism,
    '--user',
    user.address,
    '--password-env',
    'INTEROP_PASS',
  ];

  const scenarios = (): Scenario[] => [
    {
      name: 'postfix submission: STARTTLS + AUTH SCRAM-SHA-256',
      engine: () => probe({ connection: connection(env, 'postfix-submission'), auth: auth(ALICE, 'SCRAM-SHA-256') }),
      cli: ['probe', ...cliConnection(env, 'postfix-submission'), ...authArgs(ALICE, 'scram-sha-256')],
      secret: ALICE.password,
      exit: EXIT.ok,
    },
    {
      name: 'postfix submission: a wrong password (CRAM-MD5)',
      engine: () => probe({ connection: connection(env, 'postfix-submission'), auth: auth(ALICE, 'CRAM-MD5', 'wrong') }),
      cli: ['probe', ...cliConnection(env, 'postfix-submission'), ...authArgs(ALICE, 'cram-md5')],
      secret: 'wrong',
      exit: EXIT.auth,
    },
    {
      name: 'exim STARTTLS without the CA',
      engine: () => probe({ connection: connection(env, 'exim-smtp', { ca: false }) }),
      cli: ['probe', ...cliConnection(env, 'exim-smtp', { ca: false })],
      exit: EXIT.tls,
    },
    {
      name: 'exim SMTPS: AUTH LOGIN',
      engine: () => probe({ connection: connection(env, 'exim-smtps'), auth: auth(EXIM_AUTH, 'LOGIN') }),
      cli: ['probe', ...cliConnection(env, 'exim-smtps'), ...authArgs(EXIM_AUTH, 'login')],
      secret: EXIM_AUTH.password,
      exit: EXIT.ok,
    },
    {
      name: 'LMTP over the Unix socket: normal, over quota, unknown → partial',
      engine: () =>
        send({
          connection: connection(env, 'dovecot-lmtp-unix'),
          message: { raw: { path: lmtpFile } },
          envelope: { to: [ALICE.address, OVER_QUOTA.address, UNKNOWN_ADDRESS] },
        }),
      cli: [
        'send',
        ...cliConnection(env, 'dovecot-lmtp-unix'),
        '--message-file',
        lmtpFile,
        '--envelope-to',
        ALICE.address,
        '--envelope-to',
        OVER_QUOTA.address,
        '--envelope-to',
        UNKNOWN_ADDRESS,
      ],
      exit: EXIT.someRecipientsRefused,
    },
    {
      name: 'LMTP over TCP: only the over-quota recipient → data refused',
      engine: () =>
        send({
          connection: connection(env, 'dovecot-lmtp-tcp'),
          message: { raw: { path: lmtpFile } },
          envelope: { to: [OVER_QUOTA.address] },
        }),
      cli: ['send', ...cliConnection(env, 'dovecot-lmtp-tcp'), '--message-file', lmtpFile, '--envelope-to', OVER_QUOTA.address],
      exit: EXIT.dataRefused,
    },
    {
      name: 'LMTP: only an unknown recipient → all refused',
      engine: () =>
        send({
          connection: connection(env, 'dovecot-lmtp-unix'),
          message: { raw: { path: lmtpFile } },
          envelope: { to: [UNKNOWN_ADDRESS] },
        }),
      cli: ['send', ...cliConnection(env, 'dovecot-lmtp-unix'), '--message-file', lmtpFile, '--envelope-to', UNKNOWN_ADDRESS],
      exit: EXIT.recipientsRefused,
    },
    {
      name: 'exim: a message with BDAT',
      engine: () => send({ connection: connection(env, 'exim-smtp'), message: { raw: { path: eximFile } }, options: { bdat: 'on' } }),
      cli: ['send', ...cliConnection(env, 'exim-smtp'), '--message-file', eximFile, '--bdat', 'on'],
      exit: EXIT.ok,
      check: (record) => expect(record.message?.method).toBe('BDAT'),
    },
    {
      name: 'postfix SMTPS with AUTH PLAIN: a message with DATA, on to dovecot',
      engine: () =>
        send({
          connection: connection(env, 'postfix-smtps'),
          auth: auth(ALICE, 'PLAIN'),
          message: { raw: { path: postfixFile } },
          options: { bdat: 'off' },
        }),
      cli: ['send', ...cliConnection(env, 'postfix-smtps'), ...authArgs(ALICE, 'plain'), '--message-file', postfixFile, '--bdat', 'off'],
      secret: ALICE.password,
      exit: EXIT.ok,
      check: (record) => expect(record.message?.method).toBe('DATA'),
    },
    {
      name: 'exim: an unknown recipient among two → partial',
      engine: () =>
        send({
          connection: connection(env, 'exim-smtp'),
          message: { raw: { path: eximFile } },
          envelope: { to: [EXIM_ALICE, `nobody-here@${EXIM_ALICE.split('@')[1]}`] },
        }),
      cli: [
        'send',
        ...cliConnection(env, 'exim-smtp'),
        '--message-file',
        eximFile,
        '--envelope-to',
        EXIM_ALICE,
        '--envelope-to',
        `nobody-here@${EXIM_ALICE.split('@')[1]}`,
      ],
      exit: EXIT.someRecipientsRefused,
    },
    {
      name: 'postfix VRFY (enabled on the plain port): a known address → 252',
      engine: () => verify({ connection: connection(env, 'postfix-smtp'), addresses: [ALICE.address] }),
      cli: ['verify', ...cliConnection(env, 'postfix-smtp'), ALICE.address],
      exit: EXIT.ok,
      check: (record) => expect(record.commands?.[0]?.reply.code).toBe(252),
    },
    {
      name: 'postfix VRFY: an unknown address → 550',
      engine: () => verify({ connection: connection(env, 'postfix-smtp'), addresses: [UNKNOWN_ADDRESS] }),
      cli: ['verify', ...cliConnection(env, 'postfix-smtp'), UNKNOWN_ADDRESS],
      exit: EXIT.commandFailed,
      check: (record) => expect(record.commands?.[0]?.reply).toMatchObject({ code: 550, enhancedCode: '5.1.1' }),
    },
    {
      name: 'postfix VRFY on submission, where it is disabled → 502',
      engine: () => verify({ connection: connection(env, 'postfix-submission'), addresses: [ALICE.address] }),
      cli: ['verify', ...cliConnection(env, 'postfix-submission'), ALICE.address],
      exit: EXIT.commandFailed,
      check: (record) => expect(record.commands?.[0]?.reply.code).toBe(502),
    },
    {
      name: 'raw commands at exim: NOOP, HELP, RSET',
      engine: () => raw({ connection: connection(env, 'exim-smtp'), commands: ['NOOP', 'HELP', 'RSET'] }),
      cli: ['raw', ...cliConnection(env, 'exim-smtp'), '--command', 'NOOP', '--command', 'HELP', '--command', 'RSET'],
      exit: EXIT.ok,
      check: (record) => expect(record.commands?.map((c) => c.reply.code)).toEqual([250, 214, 250]),
    },
  ];

  for (const scenario of scenarios()) {
    it(scenario.name, async () => {
      const viaEngine = await scenario.engine();
      const viaCli = await cli(scenario.cli, scenario.secret ? { INTEROP_PASS: scenario.secret } : {});
      expect(outcome(viaCli.record), JSON.stringify(viaCli.record.result)).toEqual(outcome(viaEngine));
      expect(exitCodeFor(viaEngine.result.error?.code)).toBe(scenario.exit);
      expect(viaCli.code, viaCli.stderr).toBe(scenario.exit);
      scenario.check?.(viaEngine);
      scenario.check?.(viaCli.record);
      if (scenario.secret) expect(viaCli.stdout + viaCli.stderr).not.toContain(scenario.secret);
    });
  }
});
