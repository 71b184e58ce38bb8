/**
 * PRDR against exim (prdr_enable, an acl_smtp_data_prdr that lets bob refuse a message whose Subject says
 * "prdr-refuse"): one reply per recipient after the data, each recipient's outcome its own — delivered to both, or to
 * alice only — through the engine and the CLI, and read back from the Maildirs.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { InteropEnv } from './servers.js';
import { EXIM_ALICE, EXIM_BOB } from './fixtures.js';
import { cli, cliConnection, connection, describeInterop, engineSend, findDeliveries, uniqueId, waitForDelivery } from './support.js';

const maildir = (env: InteropEnv, user: 'alice' | 'bob'): string => join(env.exim.mailRoot, user, 'Maildir');

function message(messageId: string, subject: string): Buffer {
  return Buffer.from(
    [
      'From: <sender@example.net>',
      `To: <${EXIM_ALICE}>, <${EXIM_BOB}>`,
      `Subject: ${subject}`,
      'Date: Mon, 30 Nov 2026 10:00:00 +0000',
      `Message-ID: ${messageId}`,
      '',
      'per-recipient data responses',
      '',
    ].join('\r\n'),
  );
}

describeInterop('PRDR with exim', (env) => {
  it('asked with --prdr: 353, a 250 for each recipient and a final 250; delivered to both', async () => {
    const id = uniqueId('prdr-both');
    const { record } = await engineSend(connection(env, 'exim-smtp'), { message: { raw: message(id, 'prdr to both') } }, { prdr: true });
    expect(record.result, JSON.stringify(record.result)).toMatchObject({ ok: true, verdict: 'delivered' });
    expect(record.message?.mailParams).toContain('PRDR');
    expect(record.message?.prdr?.intro.code).toBe(353);
    expect(record.message?.prdr?.final?.code).toBe(250);
    expect(record.recipients?.map((r) => [r.address, r.delivered, r.data?.code])).toEqual([
      [EXIM_ALICE, true, 250],
      [EXIM_BOB, true, 250],
    ]);
    await waitForDelivery(maildir(env, 'alice'), id);
    await waitForDelivery(maildir(env, 'bob'), id);
  });

  it('bob refuses after the data: delivered to alice only — partial, exit 8 — and only alice has it', async () => {
    const id = uniqueId('prdr-one');
    const { record } = await engineSend(
      connection(env, 'exim-smtp'),
      { message: { raw: message(id, 'prdr-refuse please') } },
      { prdr: true },
    );
    expect(record.result).toMatchObject({ ok: false, verdict: 'partial', error: { code: 'some-recipients-refused' } });
    const [alice, bob] = record.recipients!;
    expect(alice).toMatchObject({ address: EXIM_ALICE, delivered: true, data: { code: 250 } });
    expect(bob).toMatchObject({ address: EXIM_BOB, delivered: false, failure: 'permanent', data: { code: 550 } });
    expect(bob?.data?.text).toMatch(/bob does not take this one/);
    await waitForDelivery(maildir(env, 'alice'), id);
    // exim has finished the delivery to alice; bob's Maildir never gets it.
    expect(await findDeliveries(maildir(env, 'bob'), id)).toEqual([]);

    // The same through the CLI, with PRDR given as a MAIL parameter.
    const again = uniqueId('prdr-cli');
    const dir = await mkdtemp(join(tmpdir(), 'smtp-lens-prdr-'));
    try {
      const file = join(dir, 'prdr.eml');
      await writeFile(file, message(again, 'prdr-refuse by the CLI'));
      const run = await cli(['send', ...cliConnection(env, 'exim-smtp'), '--message-file', file, '--mail-param', 'PRDR']);
      expect(run.code, run.stderr).toBe(8);
      expect(run.record.result.verdict).toBe('partial');
      expect(run.record.recipients?.map((r) => r.delivered)).toEqual([true, false]);
      await waitForDelivery(maildir(env, 'alice'), again);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
