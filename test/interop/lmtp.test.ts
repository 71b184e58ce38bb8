/**
 * LMTP to dovecot with three recipients — a normal one, one over quota, one unknown — gives three
 * per-recipient outcomes (RFC 2033: one reply per accepted recipient after the data), the verdict
 * "partial", and exit status 8 from the CLI.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RecipientOutcome, SessionRecord } from '../../shared/session-record.js';
import { EXIT } from '../../electron/cli/exit-codes.js';
import { ALICE, OVER_QUOTA, UNKNOWN_ADDRESS } from './fixtures.js';
import {
  cli,
  cliConnection,
  connection,
  describeInterop,
  engineSend,
  expectStoredAsSent,
  uniqueId,
  waitForDelivery,
  type Endpoint,
} from './support.js';

/** Bigger than the over-quota user's 1 KiB, so dovecot refuses it after the data. */
function message(messageId: string): Buffer {
  const lines = [
    'From: sender@example.net',
    `To: ${ALICE.address}, ${OVER_QUOTA.address}, ${UNKNOWN_ADDRESS}`,
    'Subject: three recipients, three outcomes',
    'Date: Sun, 22 Nov 2026 10:00:00 +0000',
    `Message-ID: ${messageId}`,
    '',
    ...Array.from({ length: 64 }, (_, i) => `line ${i}: ${'lorem ipsum '.repeat(5)}`),
    '.',
    '',
  ];
  return Buffer.from(lines.join('\r\n'));
}

const RECIPIENTS = [ALICE.address, OVER_QUOTA.address, UNKNOWN_ADDRESS];

function expectThreeOutcomes(record: SessionRecord): void {
  expect(record.helloVerb).toBe('LHLO');
  expect(record.result.ok).toBe(false);
  expect(record.result.verdict).toBe('partial');
  expect(record.result.error?.code).toBe('some-recipients-refused');
  const [normal, overQuota, unknown] = record.recipients as [RecipientOutcome, RecipientOutcome, RecipientOutcome];
  expect(record.recipients).toHaveLength(3);
  expect(normal).toMatchObject({ address: ALICE.address, accepted: true, delivered: true, rcpt: { code: 250 }, data: { code: 250 } });
  expect(normal.failure).toBeUndefined();
  // Accepted at RCPT, refused after the data: a full mailbox is permanent (quota_full_tempfail = no).
  expect(overQuota).toMatchObject({
    address: OVER_QUOTA.address,
    accepted: true,
    delivered: false,
    failure: 'permanent',
    rcpt: { code: 250 },
    data: { code: 552, enhancedCode: '5.2.2' },
  });
  expect(overQuota.data?.text).toMatch(/quota/i);
  // Refused at RCPT: no reply after the data for it.
  expect(unknown).toMatchObject({
    address: UNKNOWN_ADDRESS,
    accepted: false,
    delivered: false,
    failure: 'permanent',
    rcpt: { code: 550, enhancedCode: '5.1.1' },
  });
  expect(unknown.data).toBeUndefined();
}

describeInterop('LMTP: per-recipient outcomes', (env) => {
  const aliceMaildir = join(env.dovecot.mailRoot, ALICE.address, 'Maildir');

  for (const which of ['dovecot-lmtp-unix', 'dovecot-lmtp-tcp'] as Endpoint[]) {
    describe(which, () => {
      for (const bdat of ['off', 'on'] as const) {
        it(`engine, ${bdat === 'on' ? 'BDAT' : 'DATA'}: normal, over quota, unknown → delivered, 552 5.2.2, 550 5.1.1; partial`, async () => {
          const id = uniqueId(`lmtp-${bdat}`);
          const { record, bytes } = await engineSend(
            connection(env, which),
            { message: { raw: message(id) }, envelope: { to: RECIPIENTS } },
            { bdat },
          );
          expectThreeOutcomes(record);
          expect(record.message?.method).toBe(bdat === 'on' ? 'BDAT' : 'DATA');
          expectStoredAsSent(await waitForDelivery(aliceMaildir, id), bytes);
        });
      }
    });
  }

  it('the CLI over the Unix socket: the same three outcomes, exit 8', async () => {
    const id = uniqueId('lmtp-cli');
    const dir = await mkdtemp(join(env.root, 'lmtp-'));
    try {
      const file = join(dir, 'message.eml');
      await writeFile(file, message(id));
      const args = [
        'send',
        ...cliConnection(env, 'dovecot-lmtp-unix'),
        '--message-file',
        file,
        ...RECIPIENTS.flatMap((to) => ['--envelope-to', to]),
      ];
      const run = await cli(args);
      expect(run.code, run.stderr).toBe(EXIT.someRecipientsRefused);
      expectThreeOutcomes(run.record);
      await waitForDelivery(aliceMaildir, id);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('only the over-quota recipient: verdict none, data-refused (exit 9 in the CLI)', async () => {
    const { record } = await engineSend(connection(env, 'dovecot-lmtp-unix'), {
      message: { raw: message(uniqueId('quota-only')) },
      envelope: { to: [OVER_QUOTA.address] },
    });
    expect(record.result.verdict).toBe('none');
    expect(record.result.error?.code).toBe('data-refused');
    expect(record.result.error?.replyCode).toBe(552);
  });

  it('only the unknown recipient, BDAT: recipients-refused, no body sent', async () => {
    const { record } = await engineSend(connection(env, 'dovecot-lmtp-unix'), {
      message: { raw: message(uniqueId('unknown-only')) },
      envelope: { to: [UNKNOWN_ADDRESS] },
    });
    expect(record.result.error?.code).toBe('recipients-refused');
    expect(record.result.error?.replyCode).toBe(550);
    expect(record.events.filter((e) => e.dir === 'send' && /^(DATA|BDAT)/.test(e.text))).toEqual([]);
  });

  it('only the unknown recipient, pipelined DATA: dovecot refuses the DATA, the session stays usable', async () => {
    const { record } = await engineSend(
      connection(env, 'dovecot-lmtp-unix'),
      { message: { raw: message(uniqueId('unknown-only-data')) }, envelope: { to: [UNKNOWN_ADDRESS] } },
      { bdat: 'off' },
    );
    expect(record.result.error?.code).toBe('recipients-refused');
    // MAIL, RCPT and DATA went in one write; DATA's refusal was read, then RSET and QUIT were answered.
    const sent = record.events.filter((e) => e.dir === 'send').map((e) => e.text.split(' ')[0]);
    expect(sent).toEqual(['LHLO', 'MAIL', 'RCPT', 'DATA', 'RSET', 'QUIT']);
    const received = record.events.filter((e) => e.dir === 'recv').map((e) => e.text.slice(0, 3));
    expect(received.slice(-2)).toEqual(['250', '221']);
  });
});
