/**
 * Many messages on one connection (MailBatch, LiveSession.sendMany): the end of one message pipelined
 * with the next one's commands, replies matched by position, per-message outcomes exact after refusals,
 * BDAT sent ahead in a window, and the single read timer of the connection.
 */
import { describe, expect, it } from 'vitest';
import { MailBatch, type BatchMessage, type MessageOutcome } from '../../electron/smtp/mail-batch.js';
import { LiveSession, prepareMessage } from '../../electron/smtp/live-session.js';
import { bufferSource } from '../../electron/smtp/message/message-source.js';
import { type SmtpSession } from '../../electron/smtp/session.js';
import {
  expectLine,
  fakeServer,
  openSession,
  greetAndEhlo,
  quit,
  rejection,
  scriptsOk,
  sleep,
  tcp,
  useFakeServers,
  wire,
  type FakeConnection,
} from '../helpers/support.js';

useFakeServers();

const message = (n: number, to: string[] = ['b@example.org']): BatchMessage => ({
  envelope: { from: 'a@example.org', to },
  source: bufferSource(`Subject: ${n}\r\n\r\nbody ${n}\r\n`),
});

const commandsFor = (to: string[] = ['b@example.org']): string =>
  ['MAIL FROM:<a@example.org>', ...to.map((t) => `RCPT TO:<${t}>`), 'DATA'].map((l) => l + '\r\n').join('');

/** Run a batch, collecting the outcomes as they are reported. */
async function runBatch(
  session: SmtpSession,
  messages: BatchMessage[],
  options: ConstructorParameters<typeof MailBatch>[1] = {},
): Promise<{ batch: MailBatch; outcomes: MessageOutcome[]; error?: unknown }> {
  const outcomes: MessageOutcome[] = [];
  const batch = new MailBatch(session, { ...options, onMessage: (o) => outcomes.push(o) });
  try {
    await batch.run(messages);
    return { batch, outcomes };
  } catch (error) {
    return { batch, outcomes, error };
  }
}

describe('DATA with PIPELINING: the end of one message travels with the next one', () => {
  it("message n's dot and message n+1's MAIL/RCPT/DATA arrive before the reply to n's dot", async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      expect((await conn.readUntil('DATA\r\n')).toString()).toBe(commandsFor());
      conn.reply('250 2.1.0 ok', '250 2.1.5 ok', '354 go');
      // Body 1, its dot and the whole command group of message 2, with nothing answered yet.
      expect((await conn.readUntil('DATA\r\n')).toString()).toBe('Subject: 1\r\n\r\nbody 1\r\n.\r\n' + commandsFor());
      conn.reply('250 2.0.0 queued 1', '250 2.1.0 ok', '250 2.1.5 ok', '354 go');
      expect((await conn.readUntil('DATA\r\n')).toString()).toBe('Subject: 2\r\n\r\nbody 2\r\n.\r\n' + commandsFor());
      conn.reply('250 2.0.0 queued 2', '250 2.1.0 ok', '250 2.1.5 ok', '354 go');
      // The last message has nothing to travel with: its end goes alone.
      expect((await conn.readUntil('\r\n.\r\n')).toString()).toBe('Subject: 3\r\n\r\nbody 3\r\n.\r\n');
      conn.reply('250 2.0.0 queued 3');
      await quit(conn);
    });
    const session = await openSession(server);
    const { batch, outcomes, error } = await runBatch(session, [message(1), message(2), message(3)]);
    await session.quit();
    await scriptsOk(server);
    expect(error).toBeUndefined();
    expect(outcomes.map((o) => [o.index, o.verdict, o.recipients[0]?.data?.text])).toEqual([
      [0, 'delivered', '2.0.0 queued 1'],
      [1, 'delivered', '2.0.0 queued 2'],
      [2, 'delivered', '2.0.0 queued 3'],
    ]);
    expect(batch.summary()).toMatchObject({ attempted: 3, delivered: 3, failed: 0, method: 'DATA', pipelined: true, failures: [] });
    expect(batch.verdict).toBe('delivered');
  });

  it('every line is in the transcript in wire order: body summary, ".", then the next MAIL, RCPT, DATA', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await conn.readUntil('DATA\r\n');
      conn.reply('250 ok', '250 ok', '354 go');
      await conn.readUntil('DATA\r\n');
      conn.reply('250 queued 1', '250 ok', '250 ok', '354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply('250 queued 2');
      await quit(conn);
    });
    const session = await openSession(server);
    const start = session.transcript.events.length;
    await runBatch(session, [message(1), message(2)]);
    await session.quit();
    await scriptsOk(server);
    const lines = session.transcript.events.slice(start).map((e) => `${e.dir} ${e.text}`);
    expect(lines.slice(0, 15)).toEqual([
      'send MAIL FROM:<a@example.org>',
      'send RCPT TO:<b@example.org>',
      'send DATA',
      'recv 250 ok',
      'recv 250 ok',
      'recv 354 go',
      'info message body: 22 bytes in 3 lines (25 bytes on the wire)',
      'send .',
      'send MAIL FROM:<a@example.org>',
      'send RCPT TO:<b@example.org>',
      'send DATA',
      'recv 250 queued 1',
      'recv 250 ok',
      'recv 250 ok',
      'recv 354 go',
    ]);
  });

  it("a refused final reply belongs to its own message; the next message's MAIL reply is not confused with it", async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await conn.readUntil('DATA\r\n');
      conn.reply('250 ok', '250 ok', '354 go');
      await conn.readUntil('DATA\r\n');
      // Message 1 refused after its data; message 2 accepted in the same breath.
      conn.reply('554 5.7.1 message 1 rejected', '250 2.1.0 ok', '250 2.1.5 ok', '354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply('250 2.0.0 queued 2');
      await quit(conn);
    });
    const session = await openSession(server);
    const { batch, outcomes, error } = await runBatch(session, [message(1), message(2)]);
    await session.quit();
    await scriptsOk(server);
    expect(error).toBeUndefined();
    expect(outcomes[0]).toMatchObject({ index: 0, verdict: 'none', error: { code: 'data-refused', replyCode: 554 } });
    expect(outcomes[0]!.recipients[0]).toMatchObject({ delivered: false, failure: 'permanent', data: { code: 554 } });
    expect(outcomes[1]).toMatchObject({ index: 1, verdict: 'delivered' });
    expect(outcomes[1]!.recipients[0]).toMatchObject({ delivered: true, data: { text: '2.0.0 queued 2' } });
    // The transaction ended with the final reply: no RSET was needed.
    expect(wire(server.connections[0])).not.toContain('RSET');
    expect(batch.summary()).toMatchObject({ attempted: 2, delivered: 1, failed: 1 });
    expect(batch.summary().failures).toEqual([
      expect.objectContaining({ index: 0, verdict: 'none', error: expect.objectContaining({ code: 'data-refused', replyCode: 554 }) }),
    ]);
    expect(batch.verdict).toBe('partial');
  });

  it('a refused MAIL of message n+1 after message n was delivered: RSET, no body, and message n+2 goes on', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await conn.readUntil('DATA\r\n');
      conn.reply('250 ok', '250 ok', '354 go');
      await conn.readUntil('DATA\r\n');
      conn.reply('250 2.0.0 queued 1', '451 4.3.0 sender deferred', '503 5.5.1 need MAIL', '503 5.5.1 need RCPT');
      await expectLine(conn, 'RSET');
      conn.reply('250 2.0.0 reset');
      expect((await conn.readUntil('DATA\r\n')).toString()).toBe(commandsFor());
      conn.reply('250 ok', '250 ok', '354 go');
      expect((await conn.readUntil('\r\n.\r\n')).toString()).toBe('Subject: 3\r\n\r\nbody 3\r\n.\r\n');
      conn.reply('250 2.0.0 queued 3');
      await quit(conn);
    });
    const session = await openSession(server);
    const { outcomes, error } = await runBatch(session, [message(1), message(2), message(3)]);
    await session.quit();
    await scriptsOk(server);
    expect(error).toBeUndefined();
    expect(outcomes.map((o) => [o.verdict, o.error?.code, o.error?.replyCode])).toEqual([
      ['delivered', undefined, undefined],
      ['none', 'sender-refused', 451],
      ['delivered', undefined, undefined],
    ]);
    expect(outcomes[0]!.recipients[0]!.data?.text).toBe('2.0.0 queued 1');
    expect(wire(server.connections[0])).not.toContain('body 2');
  });

  it('354 to a DATA whose recipients were all refused: a lone ".", RSET, the next message goes on', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await conn.readUntil('DATA\r\n');
      conn.reply('250 ok', '250 ok', '354 go');
      await conn.readUntil('DATA\r\n');
      conn.reply('250 queued 1', '250 ok', '550 5.1.1 no such user', '354 go anyway');
      await expectLine(conn, '.');
      conn.reply('554 5.5.1 no valid recipients');
      await expectLine(conn, 'RSET');
      conn.reply('250 ok');
      await conn.readUntil('DATA\r\n');
      conn.reply('250 ok', '250 ok', '354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply('250 queued 3');
      await quit(conn);
    });
    const session = await openSession(server);
    const { outcomes, error } = await runBatch(session, [message(1), message(2), message(3)]);
    await session.quit();
    await scriptsOk(server);
    expect(error).toBeUndefined();
    expect(outcomes.map((o) => o.verdict)).toEqual(['delivered', 'none', 'delivered']);
    expect(outcomes[1]).toMatchObject({ error: { code: 'recipients-refused', replyCode: 550 } });
    expect(outcomes[1]!.recipients).toEqual([
      expect.objectContaining({ address: 'b@example.org', accepted: false, delivered: false, failure: 'permanent' }),
    ]);
    expect(wire(server.connections[0])).not.toContain('body 2');
  });

  it("onFailure 'stop': the message already under way is finished, nothing new is started", async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await conn.readUntil('DATA\r\n');
      conn.reply('250 ok', '250 ok', '354 go');
      await conn.readUntil('DATA\r\n');
      conn.reply('552 5.3.4 too big', '250 ok', '250 ok', '354 go');
      // Message 2 was committed before the refusal was known: it is completed, never cut short.
      expect((await conn.readUntil('\r\n.\r\n')).toString()).toBe('Subject: 2\r\n\r\nbody 2\r\n.\r\n');
      conn.reply('250 queued 2');
      await quit(conn);
    });
    const session = await openSession(server);
    const { batch, outcomes, error } = await runBatch(session, [message(1), message(2), message(3), message(4)], { onFailure: 'stop' });
    await session.quit();
    await scriptsOk(server);
    expect(error).toBeUndefined();
    expect(outcomes.map((o) => o.verdict)).toEqual(['none', 'delivered']);
    expect(batch.summary()).toMatchObject({ attempted: 2, delivered: 1, failed: 1, stopped: true, onFailure: 'stop' });
    expect(wire(server.connections[0])).not.toContain('body 3');
  });

  it('the same message again is sent the same way; an envelope changed in place between messages is noticed', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING', 'SIZE 100000']);
      const groups: string[] = [];
      groups.push((await conn.readUntil('DATA\r\n')).toString());
      conn.reply('250 ok', '250 ok', '354 go');
      for (let i = 0; i < 2; i++) {
        groups.push((await conn.readUntil('DATA\r\n')).toString().replace(/^[^]*\r\n\.\r\n/, ''));
        conn.reply(`250 queued ${i + 1}`, '250 ok', '250 ok', '354 go');
      }
      await conn.readUntil('\r\n.\r\n');
      conn.reply('250 queued 3');
      expect(groups).toEqual([
        'MAIL FROM:<a@example.org> SIZE=22\r\nRCPT TO:<b@example.org>\r\nDATA\r\n',
        'MAIL FROM:<a@example.org> SIZE=22\r\nRCPT TO:<b@example.org>\r\nDATA\r\n',
        'MAIL FROM:<a@example.org> SIZE=22\r\nRCPT TO:<c@example.org>\r\nDATA\r\n',
      ]);
      await quit(conn);
    });
    const session = await openSession(server);
    const one = message(1);
    function* messages(): Generator<BatchMessage> {
      yield one;
      yield one;
      one.envelope.to[0] = 'c@example.org';
      yield one;
    }
    const outcomes: MessageOutcome[] = [];
    const batch = new MailBatch(session, { onMessage: (o) => outcomes.push(o) });
    await batch.run(messages());
    await session.quit();
    await scriptsOk(server);
    expect(outcomes.map((o) => [o.verdict, o.recipients[0]!.address, o.summary?.wireBytes])).toEqual([
      ['delivered', 'b@example.org', 25],
      ['delivered', 'b@example.org', 25],
      ['delivered', 'c@example.org', 25],
    ]);
  });

  it('the same source whose bytes were changed in place between messages: the new bytes are sent', async () => {
    const bodies: string[] = [];
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await conn.readUntil('DATA\r\n');
      conn.reply('250 ok', '250 ok', '354 go');
      for (let i = 0; i < 2; i++) {
        const block = (await conn.readUntil('DATA\r\n')).toString();
        bodies.push(block.slice(0, block.indexOf('\r\n.\r\n') + 5));
        conn.reply(`250 queued ${i + 1}`, '250 ok', '250 ok', '354 go');
      }
      bodies.push((await conn.readUntil('\r\n.\r\n')).toString());
      conn.reply('250 queued 3');
      await quit(conn);
    });
    const session = await openSession(server);
    const bytes = Buffer.from('Subject: x\r\n\r\nbody one\r\n');
    const one: BatchMessage = { envelope: { from: 'a@example.org', to: ['b@example.org'] }, source: bufferSource(bytes) };
    function* messages(): Generator<BatchMessage> {
      yield one;
      yield one;
      bytes.write('BODY', 'Subject: x\r\n\r\n'.length, 'latin1');
      yield one;
    }
    const batch = new MailBatch(session);
    await batch.run(messages());
    await session.quit();
    await scriptsOk(server);
    expect(batch.summary()).toMatchObject({ delivered: 3 });
    expect(bodies).toEqual([
      'Subject: x\r\n\r\nbody one\r\n.\r\n',
      'Subject: x\r\n\r\nbody one\r\n.\r\n',
      'Subject: x\r\n\r\nBODY one\r\n.\r\n',
    ]);
  });

  it('a message that cannot be prepared sends nothing and the batch goes on in order', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await conn.readUntil('DATA\r\n');
      conn.reply('250 ok', '250 ok', '354 go');
      // Message 2 is invalid: message 1's end goes alone, then message 3 starts afresh.
      expect((await conn.readUntil('\r\n.\r\n')).toString()).toBe('Subject: 1\r\n\r\nbody 1\r\n.\r\n');
      conn.reply('250 queued 1');
      expect((await conn.readUntil('DATA\r\n')).toString()).toBe(commandsFor());
      conn.reply('250 ok', '250 ok', '354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply('250 queued 3');
      await quit(conn);
    });
    const session = await openSession(server);
    const bad: BatchMessage = { envelope: { from: 'a@example.org', to: ['bad\r\nRSET@example.org'] }, source: bufferSource('x\r\n') };
    const { outcomes, error } = await runBatch(session, [message(1), bad, message(3)]);
    await session.quit();
    await scriptsOk(server);
    expect(error).toBeUndefined();
    expect(outcomes.map((o) => [o.index, o.verdict, o.error?.code])).toEqual([
      [0, 'delivered', undefined],
      [1, 'none', 'invalid-input'],
      [2, 'delivered', undefined],
    ]);
  });

  it("LMTP: one reply per accepted recipient after each dot, read before the next message's replies", async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('220 lmtp.test LMTP');
      await expectLine(conn, 'LHLO client.test');
      conn.reply('250-lmtp.test', '250 PIPELINING');
      await conn.readUntil('DATA\r\n');
      conn.reply('250 ok', '250 ok', '550 5.1.1 unknown c', '250 ok', '354 go');
      await conn.readUntil('DATA\r\n');
      // Message 1: b and d accepted, so two replies after its dot; then message 2's envelope.
      conn.reply('250 2.0.0 b ok', '452 4.2.2 d over quota', '250 ok', '250 ok', '250 ok', '250 ok', '354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply('250 2.0.0 b ok', '250 2.0.0 c ok', '250 2.0.0 d ok');
      await quit(conn);
    });
    const session = await openSession(server, { protocol: 'lmtp' });
    const to = ['b@example.org', 'c@example.org', 'd@example.org'];
    const { outcomes, error } = await runBatch(session, [message(1, to), message(2, to)]);
    await session.quit();
    await scriptsOk(server);
    expect(error).toBeUndefined();
    expect(outcomes[0]!.verdict).toBe('partial');
    expect(outcomes[0]!.recipients.map((r) => [r.address, r.delivered, r.failure ?? null, r.data?.code ?? null])).toEqual([
      ['b@example.org', true, null, 250],
      ['c@example.org', false, 'permanent', null],
      ['d@example.org', false, 'temporary', 452],
    ]);
    expect(outcomes[1]!.verdict).toBe('delivered');
    expect(outcomes[1]!.recipients.map((r) => r.data?.text)).toEqual(['2.0.0 b ok', '2.0.0 c ok', '2.0.0 d ok']);
  });

  it('without PIPELINING each message is a plain transaction: MAIL waits for nothing but its own turn', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['8BITMIME']);
      for (const n of [1, 2]) {
        await expectLine(conn, 'MAIL FROM:<a@example.org>');
        await sleep(30);
        expect(conn.unread.toString()).toBe('');
        conn.reply('250 ok');
        await expectLine(conn, 'RCPT TO:<b@example.org>');
        conn.reply('250 ok');
        await expectLine(conn, 'DATA');
        conn.reply('354 go');
        await conn.readUntil('\r\n.\r\n');
        await sleep(30);
        expect(conn.unread.toString()).toBe('');
        conn.reply(`250 queued ${n}`);
      }
      await quit(conn);
    });
    const session = await openSession(server);
    const { batch, error } = await runBatch(session, [message(1), message(2)]);
    await session.quit();
    await scriptsOk(server);
    expect(error).toBeUndefined();
    expect(batch.summary()).toMatchObject({ delivered: 2, pipelined: false });
  });

  it('the connection lost mid-batch: run() throws it; a message whose end was sent is unknown, the next one failed', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await conn.readUntil('DATA\r\n');
      conn.reply('250 ok', '250 ok', '354 go');
      await conn.readUntil('DATA\r\n');
      conn.destroy();
    });
    const session = await openSession(server);
    const { batch, outcomes, error } = await runBatch(session, [message(1), message(2), message(3)]);
    await scriptsOk(server);
    expect(error).toMatchObject({ code: 'server-disconnected' });
    // Message 1's end went out (with message 2's commands) before the drop: the server may have it.
    expect(outcomes.map((o) => [o.index, o.verdict, o.error?.code])).toEqual([
      [0, 'unknown', undefined],
      [1, 'none', 'server-disconnected'],
    ]);
    expect(outcomes[0]!.recipients.every((r) => r.failure === 'unknown')).toBe(true);
    expect(batch.summary()).toMatchObject({ attempted: 2, delivered: 0, failed: 1, unknown: 1 });
    expect(batch.verdict).toBe('unknown');
    session.close();
  });
});

describe('BDAT sent ahead (CHUNKING + PIPELINING, window > 1)', () => {
  /** Read one whole message as sent ahead: MAIL, RCPTs, BDAT n LAST and n bytes. */
  async function readAhead(conn: FakeConnection, rcpts: number): Promise<string> {
    let text = '';
    for (let i = 0; i < 1 + rcpts; i++) text += (await conn.readLine()) + '\n';
    const bdat = await conn.readLine();
    const m = /^BDAT (\d+) LAST$/.exec(bdat);
    expect(m, bdat).not.toBeNull();
    return text + bdat + '\n' + (await conn.readBytes(Number(m![1]))).toString();
  }

  it('whole messages go out before any reply; replies are matched in order', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING', 'CHUNKING']);
      const sent: string[] = [];
      for (let i = 0; i < 3; i++) sent.push(await readAhead(conn, 1));
      expect(sent[0]).toBe('MAIL FROM:<a@example.org>\nRCPT TO:<b@example.org>\nBDAT 22 LAST\nSubject: 1\r\n\r\nbody 1\r\n');
      conn.reply(
        '250 ok',
        '250 ok',
        '250 2.0.0 queued 1',
        '250 ok',
        '250 ok',
        '250 2.0.0 queued 2',
        '250 ok',
        '250 ok',
        '250 2.0.0 queued 3',
      );
      await quit(conn);
    });
    const session = await openSession(server);
    const { batch, outcomes, error } = await runBatch(session, [message(1), message(2), message(3)], { window: 3 });
    await session.quit();
    await scriptsOk(server);
    expect(error).toBeUndefined();
    expect(outcomes.map((o) => o.recipients[0]?.data?.text)).toEqual(['2.0.0 queued 1', '2.0.0 queued 2', '2.0.0 queued 3']);
    expect(batch.summary()).toMatchObject({ delivered: 3, method: 'BDAT', window: 3, pipelined: true });
    const events = session.transcript.events.map((e) => e.text);
    expect(events).toContain('BDAT 22 LAST');
    expect(events.filter((t) => t.startsWith('message body: '))).toHaveLength(3);
  });

  it('window 1 (the default): each message whole in one write, the next one only after its replies', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING', 'CHUNKING']);
      for (const n of [1, 2]) {
        expect(await readAhead(conn, 1)).toBe(
          `MAIL FROM:<a@example.org>\nRCPT TO:<b@example.org>\nBDAT 22 LAST\nSubject: ${n}\r\n\r\nbody ${n}\r\n`,
        );
        await sleep(30);
        expect(conn.unread.toString()).toBe('');
        conn.reply('250 ok', '250 ok', `250 2.0.0 queued ${n}`);
      }
      await quit(conn);
    });
    const session = await openSession(server);
    const { batch, outcomes, error } = await runBatch(session, [message(1), message(2)]);
    await session.quit();
    await scriptsOk(server);
    expect(error).toBeUndefined();
    expect(outcomes.map((o) => o.recipients[0]?.data?.text)).toEqual(['2.0.0 queued 1', '2.0.0 queued 2']);
    expect(batch.summary()).toMatchObject({ delivered: 2, method: 'BDAT', window: 1 });
  });

  it('a refusal in the window: the rest is read as the server answered, then RSET before anything new', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING', 'CHUNKING']);
      await readAhead(conn, 1);
      await readAhead(conn, 1);
      conn.reply(
        '250 ok',
        '550 5.1.1 unknown',
        '554 5.5.1 no valid recipients',
        '503 5.5.1 nested MAIL',
        '503 5.5.1 need MAIL',
        '503 5.5.1 need MAIL',
      );
      await expectLine(conn, 'RSET');
      conn.reply('250 reset');
      await readAhead(conn, 1);
      conn.reply('250 ok', '250 ok', '250 2.0.0 queued 3');
      await quit(conn);
    });
    const session = await openSession(server);
    const { outcomes, error } = await runBatch(session, [message(1), message(2), message(3)], { window: 2 });
    await session.quit();
    await scriptsOk(server);
    expect(error).toBeUndefined();
    expect(outcomes.map((o) => [o.verdict, o.error?.code, o.error?.replyCode])).toEqual([
      ['none', 'recipients-refused', 550],
      ['none', 'sender-refused', 503],
      ['delivered', undefined, undefined],
    ]);
  });

  it('LMTP: one reply per accepted recipient after BDAT LAST, one when none was accepted', async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('220 lmtp.test LMTP');
      await expectLine(conn, 'LHLO client.test');
      conn.reply('250-lmtp.test', '250-PIPELINING', '250 CHUNKING');
      await readAhead(conn, 2);
      await readAhead(conn, 2);
      conn.reply('250 ok', '250 ok', '550 no c', '250 b ok');
      conn.reply('250 ok', '550 no b', '550 no c', '503 5.5.1 no valid recipients');
      await expectLine(conn, 'RSET');
      conn.reply('250 reset');
      await quit(conn);
    });
    const session = await openSession(server, { protocol: 'lmtp' });
    const to = ['b@example.org', 'c@example.org'];
    const { outcomes, error } = await runBatch(session, [message(1, to), message(2, to)], { window: 2 });
    await session.quit();
    await scriptsOk(server);
    expect(error).toBeUndefined();
    expect(outcomes[0]!.verdict).toBe('partial');
    expect(outcomes[0]!.recipients.map((r) => r.delivered)).toEqual([true, false]);
    expect(outcomes[1]).toMatchObject({ verdict: 'none', error: { code: 'recipients-refused' } });
  });
});

describe('LiveSession.sendMany', () => {
  const prepared = (n: number) =>
    prepareMessage({ message: { raw: Buffer.from(`From: a@example.org\r\nTo: b@example.org\r\nSubject: ${n}\r\n\r\nbody\r\n`) } });

  it('the record carries the batch summary; all delivered is success', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await conn.readUntil('DATA\r\n');
      conn.reply('250 ok', '250 ok', '354 go');
      await conn.readUntil('DATA\r\n');
      conn.reply('250 queued 1', '250 ok', '250 ok', '354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply('250 queued 2');
      await quit(conn);
    });
    const live = new LiveSession(tcp(server), 'send');
    await live.open();
    const record = await live.sendMany([await prepared(1), await prepared(2)]);
    await live.close();
    await scriptsOk(server);
    expect(record.result).toEqual({ ok: true, verdict: 'delivered' });
    expect(record.batch).toMatchObject({ attempted: 2, delivered: 2, failed: 0, pipelined: true, method: 'DATA' });
    expect(record.batch!.messagesPerSecond).toBeGreaterThan(0);
    expect(record.message).toMatchObject({ envelopeFrom: 'a@example.org', method: 'DATA' });
  });

  it('some messages refused → not ok, some-recipients-refused, naming the first refusal; none delivered → that refusal', async () => {
    const server = await fakeServer(async (conn, index) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await conn.readUntil('DATA\r\n');
      conn.reply('250 ok', '250 ok', '354 go');
      await conn.readUntil('DATA\r\n');
      conn.reply(index === 0 ? '250 queued 1' : '554 5.7.1 no', '250 ok', '250 ok', '354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply('554 5.7.1 no');
      if (index === 1) {
        await expectLine(conn, 'NOOP');
        conn.reply('250 2.0.0 ok');
      }
      await quit(conn);
    });
    const some = new LiveSession(tcp(server), 'send');
    await some.open();
    const partial = await some.sendMany([await prepared(1), await prepared(2)]);
    await some.close();
    expect(partial.result).toMatchObject({ ok: false, verdict: 'partial', error: { code: 'some-recipients-refused' } });
    expect(partial.result.error?.message).toMatch(/^1 of 2 messages were not delivered.*554 5\.7\.1 no/);

    const none = new LiveSession(tcp(server), 'send');
    await none.open();
    const failed = await none.sendMany([await prepared(1), await prepared(2)]);
    // A later step of the same session is judged on its own.
    const after = await none.raw('NOOP');
    expect(after.result).toEqual({ ok: true });
    await none.close();
    await scriptsOk(server);
    expect(failed.result).toMatchObject({ ok: false, verdict: 'none', error: { code: 'data-refused', replyCode: 554 } });
    expect(failed.batch).toMatchObject({ attempted: 2, delivered: 0, failed: 2 });
  });
});

describe('the connection read timer (one timer for every read)', () => {
  it('a short stage timeout after a long one still fires on time', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await expectLine(conn, 'NOOP');
      conn.reply('250 ok');
      await expectLine(conn, 'NOOP');
      // Silence: the client must give up after its 150 ms, not after the earlier read's 60 s.
      await conn.waitClosed(3000);
    });
    // The same command under two stages' timeouts: 60 s, then 150 ms.
    const session = await openSession(server, { timeouts: { command: 60_000, rcpt: 150 } });
    expect((await session.command('NOOP', 'command')).code).toBe(250);
    const started = performance.now();
    const error = await rejection(session.command('NOOP', 'rcpt'));
    const waited = performance.now() - started;
    expect(error).toMatchObject({ code: 'timeout', stage: 'NOOP' });
    expect(error.message).toMatch(/no complete reply within 150ms/);
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(1500);
    await scriptsOk(server);
  });

  it('a long read after a short one is not cut short by the earlier, shorter timer', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await expectLine(conn, 'NOOP');
      conn.reply('250 one');
      await expectLine(conn, 'NOOP');
      // Longer than the first read's budget, well within the second's.
      await sleep(400);
      conn.reply('250 two');
      await quit(conn);
    });
    const session = await openSession(server, { timeouts: { rcpt: 200, command: 2000 } });
    expect((await session.command('NOOP', 'rcpt')).text).toBe('one');
    expect((await session.command('NOOP', 'command')).text).toBe('two');
    await session.quit();
    await scriptsOk(server);
  });

  it('a finished session leaves no read timer behind', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await quit(conn);
    });
    const session = await openSession(server, { timeouts: { greeting: 600_000, ehlo: 600_000 } });
    const conn = (session as unknown as { connection: { readTimer: unknown } }).connection;
    // Armed for the EHLO read (10 minutes) and left running after it, by design...
    expect(conn.readTimer).toBeDefined();
    await session.quit();
    await scriptsOk(server);
    // ...and cleared when the connection ends.
    expect(conn.readTimer).toBeUndefined();
  });
});
