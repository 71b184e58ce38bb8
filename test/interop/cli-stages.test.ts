/**
 * What swaks users run every day, against real postfix: --quit-after rcpt for a local and a non-local recipient (the
 * relay check, no DATA), XCLIENT on a port that authorizes loopback (postfix then takes the given client as the
 * real one: it shows in the Received header of the delivered message), and --auth-optional on a port without AUTH.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exit-codes.js';
import { ALICE } from './fixtures.js';
import { cli, cliConnection, describeInterop, uniqueId, waitForDelivery } from './support.js';

describeInterop('swaks-style stages, front ends and optional AUTH against postfix', (env) => {
  const aliceMaildir = join(env.dovecot.mailRoot, ALICE.address, 'Maildir');
  const frontEnd = (): string[] => cliConnection(env, 'postfix-front-end');

  it('--quit-after rcpt: a local recipient is accepted (exit 0), and no DATA goes out', async () => {
    const run = await cli([
      'send',
      ...frontEnd(),
      '--from',
      'check@example.net',
      '--to',
      ALICE.address,
      '--body',
      'x',
      '--quit-after',
      'rcpt',
    ]);
    expect(run.code).toBe(EXIT.ok);
    expect(run.record.stoppedAfter).toEqual({ stage: 'rcpt', quit: true });
    expect(run.record.recipients?.[0]).toMatchObject({ address: ALICE.address, accepted: true, delivered: false });
    const sent = run.record.events.filter((e) => e.dir === 'send').map((e) => e.text.split(/[ :]/)[0]);
    expect(sent).toEqual(['EHLO', 'MAIL', 'RCPT', 'QUIT']);
  });

  it('--quit-after rcpt: a non-local recipient is refused as a relay attempt (exit 7, 554 5.7.1)', async () => {
    const run = await cli([
      'send',
      ...frontEnd(),
      '--from',
      'check@example.net',
      '--to',
      'someone@elsewhere.invalid',
      '--body',
      'x',
      '--quit-after',
      'rcpt',
    ]);
    expect(run.code).toBe(EXIT.recipientsRefused);
    const r = run.record.recipients?.[0];
    expect(r?.accepted).toBe(false);
    expect(r?.rcpt.code).toBe(554);
    expect(r?.rcpt.text).toMatch(/Relay access denied/);
  });

  it('--quit-after rcpt with both: exit 8, the local one accepted, the other refused', async () => {
    const run = await cli([
      'send',
      ...frontEnd(),
      '--from',
      'check@example.net',
      '--to',
      ALICE.address,
      '--to',
      'someone@elsewhere.invalid',
      '--body',
      'x',
      '--quit-after',
      'rcpt',
    ]);
    expect(run.code).toBe(EXIT.someRecipientsRefused);
    expect(run.record.recipients?.map((r) => r.accepted)).toEqual([true, false]);
  });

  it('XCLIENT (smtpd_authorized_xclient_hosts for loopback): postfix takes the given client as the real one', async () => {
    const id = uniqueId('xclient');
    const run = await cli([
      'send',
      ...frontEnd(),
      '--xclient',
      'NAME=client.example.org',
      '--xclient',
      'ADDR=192.0.2.77',
      '--from',
      'check@example.net',
      '--to',
      ALICE.address,
      '--subject',
      'xclient',
      '--message-id',
      id,
      '--body',
      'through a front end',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(EXIT.ok);
    expect(run.record.xclient?.reply.code).toBe(220);
    // Only the capability list after XCLIENT counts: postfix now sees 192.0.2.77, not an authorized host, so no XCLIENT.
    expect(run.record.capabilities.some((c) => c.name === 'XCLIENT')).toBe(false);
    const stored = (await waitForDelivery(aliceMaildir, id)).toString('utf8');
    // Postfix's own Received line names the client XCLIENT gave (the EHLO name is the one sent after it).
    expect(stored).toMatch(/Received: from client\.example\.net \(client\.example\.org \[192\.0\.2\.77\]\)/);
  });

  it('--auth-optional on a port without AUTH: delivered without it, and the record says why', async () => {
    const id = uniqueId('auth-optional');
    const run = await cli(
      [
        'send',
        ...cliConnection(env, 'postfix-smtp', { tls: 'off' }),
        '--auth',
        'auto',
        '--user',
        ALICE.address,
        '--password-env',
        'INTEROP_PASS',
        '--auth-optional',
        '--from',
        'check@example.net',
        '--to',
        ALICE.address,
        '--message-id',
        id,
        '--body',
        'no auth here',
      ],
      { INTEROP_PASS: ALICE.password },
    );
    expect(run.code).toBe(EXIT.ok);
    expect(run.record.auth).toBeUndefined();
    expect(run.record.authSkipped).toMatch(/does not advertise AUTH/);
    expect(run.record.result.verdict).toBe('delivered');
    await waitForDelivery(aliceMaildir, id);
  });
});
