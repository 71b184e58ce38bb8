/**
 * `smtp-lens smuggling-test` against real postfix 3.7 as Debian configures it by default (smtpd_forbid_bare_newline =
 * no): postfix takes a bare LF as a line end, so every variant holding <LF>.<LF> or <LF>.<CR><LF> ends its data —
 * the behaviour behind CVE-2023-51764 — and the smuggled message really lands in the mailbox. The same postfix with
 * the fix switched on (and not waived for mynetworks, as its default is) keeps every variant as message text.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exit-codes.js';
import { ALICE, EXIM_ALICE } from './fixtures.js';
import { cli, cliConnection, describeInterop, findDeliveries } from './support.js';

interface Outcome {
  variant: { id: string };
  verdict: string;
  end?: { code: number };
  smuggled: { code: number }[];
}

const smuggling = ['smuggling-test', '--i-own-this-server', '--to', ALICE.address];

describeInterop('smuggling-test against postfix', (env) => {
  const maildir = join(env.dovecot.mailRoot, ALICE.address, 'Maildir');

  it('default postfix 3.7: the LF variants end the data, exit 17; the CR-only ones do not', async () => {
    const run = await cli([...smuggling, ...cliConnection(env, 'postfix-front-end'), '--from', `smuggle-all@example.net`]);
    expect(run.code, run.stdout).toBe(EXIT.smuggled);
    const { outcomes } = run.record as unknown as { outcomes: Outcome[] };
    expect(Object.fromEntries(outcomes.map((o) => [o.variant.id, o.verdict]))).toEqual({
      'lf-dot-lf': 'smuggled',
      'cr-dot-cr': 'not-smuggled',
      'lf-dot-crlf': 'smuggled',
      'crlf-dot-lf': 'smuggled',
      'cr-dot-crlf': 'not-smuggled',
      'crlf-dot-cr': 'not-smuggled',
      'lf-dot-cr': 'not-smuggled',
      'cr-dot-lf': 'not-smuggled',
    });
    for (const o of outcomes.filter((x) => x.verdict === 'smuggled')) expect(o.smuggled.map((r) => r.code)).toEqual([250, 250, 354, 250]);
  });

  it('the smuggled message is delivered as a message of its own', async () => {
    const from = `smuggle-${Date.now()}@example.net`;
    const run = await cli([...smuggling, ...cliConnection(env, 'postfix-front-end'), '--from', from, '--variant', 'lf-dot-crlf']);
    expect(run.code).toBe(EXIT.smuggled);
    // Both messages, the test message and the one smuggled inside it, arrive on their own.
    const deadline = Date.now() + 30_000;
    let found = await findDeliveries(maildir, `From: <${from}>`);
    while (found.length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      found = await findDeliveries(maildir, `From: <${from}>`);
    }
    const subjects = found.map((m) => /^Subject: (.*)\r?$/m.exec(m.toString('latin1'))?.[1]).sort();
    expect(subjects).toEqual([
      'SMTP Lens smuggled message: the data ended at <LF>.<CR><LF>',
      'SMTP Lens smuggling self-test: <LF>.<CR><LF>',
    ]);
  });

  it('with smtpd_forbid_bare_newline = yes (not waived for loopback): no variant ends the data, exit 0', async () => {
    const run = await cli([...smuggling, ...cliConnection(env, 'postfix-bare-newline-forbidden'), '--from', 'smuggle-fixed@example.net']);
    expect(run.code, run.stdout).toBe(EXIT.ok);
    const { outcomes } = run.record as unknown as { outcomes: Outcome[] };
    expect(outcomes).toHaveLength(8);
    for (const o of outcomes) expect([o.variant.id, o.verdict, o.end?.code, o.smuggled]).toEqual([o.variant.id, 'not-smuggled', 250, []]);
  });

  it('exim as the interop suite runs it (the Debian package): no variant ends the data, exit 0', async () => {
    const run = await cli([
      'smuggling-test',
      '--i-own-this-server',
      '--to',
      EXIM_ALICE,
      '--from',
      'smuggle-exim@example.net',
      ...cliConnection(env, 'exim-smtp', { tls: 'off' }),
    ]);
    expect(run.code, run.stdout).toBe(EXIT.ok);
    const { outcomes } = run.record as unknown as { outcomes: Outcome[] };
    expect(outcomes).toHaveLength(8);
    for (const o of outcomes) expect([o.variant.id, o.verdict, o.smuggled]).toEqual([o.variant.id, 'not-smuggled', []]);
  });
});
