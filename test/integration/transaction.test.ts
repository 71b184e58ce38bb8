import { describe, expect, it } from 'vitest';
import { send } from '../../electron/smtp/operations.js';
import { bufferSource, partsSource } from '../../electron/smtp/message/message-source.js';
import { SmtpSession } from '../../electron/smtp/session.js';
import { MailTransaction, type SendOptions } from '../../electron/smtp/transaction.js';
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
  unix,
  until,
  useFakeServers,
  wire,
  type FakeConnection,
} from '../helpers/support.js';

useFakeServers();

const rawMessage = (to: string[] = ['b@example.org'], body = 'hello\r\n'): Buffer =>
  Buffer.from(`From: a@example.org\r\nTo: ${to.join(', ')}\r\nSubject: t\r\n\r\n${body}`);

/** smtplib's _fix_eols: CRLF, bare LF and bare CR all become CRLF. */
const normalise = (text: string): string => text.replace(/\r\n|\n|\r/g, '\r\n');

/** Accept one pipelined transaction: returns the command block (MAIL..DATA) and the body bytes as sent. */
async function acceptPipelined(conn: FakeConnection, rcpts: number): Promise<{ commands: string; data: string }> {
  const commands = (await conn.readUntil('DATA\r\n')).toString('latin1');
  conn.reply('250 2.1.0 ok', ...Array.from({ length: rcpts }, () => '250 2.1.5 ok'), '354 go ahead');
  const data = (await conn.readUntil('\r\n.\r\n')).toString('latin1');
  conn.reply('250 2.0.0 queued as X');
  return { commands, data };
}

/** Expect that the client has written nothing more within `ms` (it is waiting for our reply). */
async function expectQuiet(conn: FakeConnection, ms = 60): Promise<void> {
  await sleep(ms);
  expect(conn.unread.toString('latin1')).toBe('');
}

describe('pipelining', () => {
  it('PIPELINING advertised: MAIL, every RCPT and DATA arrive in one write before any reply', async () => {
    const chunks: string[] = [];
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING', '8BITMIME']);
      conn.socket.on('data', (chunk: Buffer) => chunks.push(chunk.toString('latin1')));
      await until(() => conn.unread.includes('DATA\r\n'), 3000, 'the pipelined block');
      // Nothing answered yet, and the whole group is here.
      expect(conn.unread.toString('latin1')).toBe(
        'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n',
      );
      await acceptPipelined(conn, 2);
      await quit(conn);
    });
    const record = await send({ connection: tcp(server), message: { raw: rawMessage(['b@example.org', 'c@example.org']) } });
    await scriptsOk(server);
    expect(record.result).toEqual({ ok: true, verdict: 'delivered' });
    expect(chunks[0]).toBe('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n');
  });

  it('PIPELINING not advertised: each command waits for its reply', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['8BITMIME']);
      await expectLine(conn, 'MAIL FROM:<a@example.org>');
      await expectQuiet(conn);
      conn.reply('250 ok');
      await expectLine(conn, 'RCPT TO:<b@example.org>');
      await expectQuiet(conn);
      conn.reply('250 ok');
      await expectLine(conn, 'RCPT TO:<c@example.org>');
      await expectQuiet(conn);
      conn.reply('250 ok');
      await expectLine(conn, 'DATA');
      await expectQuiet(conn);
      conn.reply('354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply('250 queued');
      await quit(conn);
    });
    const record = await send({ connection: tcp(server), message: { raw: rawMessage(['b@example.org', 'c@example.org']) } });
    await scriptsOk(server);
    expect(record.result).toEqual({ ok: true, verdict: 'delivered' });
  });

  it('pipelining: false in the options turns it off even when advertised', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await expectLine(conn, 'MAIL FROM:<a@example.org>');
      await expectQuiet(conn);
      conn.reply('250 ok');
      await expectLine(conn, 'RCPT TO:<b@example.org>');
      conn.reply('250 ok');
      await expectLine(conn, 'DATA');
      conn.reply('354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply('250 queued');
      await quit(conn);
    });
    const record = await send({ connection: tcp(server), message: { raw: rawMessage() }, options: { pipelining: false } });
    await scriptsOk(server);
    expect(record.result.ok).toBe(true);
  });
});

describe('refusals', () => {
  it('sender refused (pipelined) → sender-refused, RSET, and the same session sends a second message', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      expect((await conn.readUntil('DATA\r\n')).toString()).toBe('MAIL FROM:<bad@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n');
      conn.reply('550 5.7.1 sender rejected', '503 5.5.1 need MAIL first', '503 5.5.1 need RCPT first');
      await expectLine(conn, 'RSET');
      conn.reply('250 2.0.0 reset');
      const { commands, data } = await acceptPipelined(conn, 1);
      expect(commands).toBe('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n');
      expect(data).toBe('Subject: 2\r\n\r\ntwo\r\n.\r\n');
      await quit(conn);
    });
    const session = await openSession(server);
    const first = new MailTransaction(
      session,
      { from: 'bad@example.org', to: ['b@example.org'] },
      bufferSource('Subject: 1\r\n\r\none\r\n'),
    );
    const error = await rejection(first.run());
    expect(error).toMatchObject({ code: 'sender-refused', replyCode: 550, enhancedCode: '5.7.1', command: 'MAIL FROM:' });
    expect(first.verdict).toBe('none');
    expect(session.isConnected).toBe(true);

    const second = new MailTransaction(
      session,
      { from: 'a@example.org', to: ['b@example.org'] },
      bufferSource('Subject: 2\r\n\r\ntwo\r\n'),
    );
    await second.run();
    expect(second.verdict).toBe('delivered');
    expect(second.recipients[0]).toMatchObject({ delivered: true, data: { code: 250, text: '2.0.0 queued as X' } });
    await session.quit();
    await scriptsOk(server);
  });

  it('sender refused (not pipelined) → no RCPT at all, just RSET', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, []);
      await expectLine(conn, 'MAIL FROM:<bad@example.org>');
      conn.reply('553 5.1.8 bad sender domain');
      await expectLine(conn, 'RSET');
      conn.reply('250 ok');
      await expectLine(conn, 'MAIL FROM:<a@example.org>');
      conn.reply('250 ok');
      await expectLine(conn, 'RCPT TO:<b@example.org>');
      conn.reply('250 ok');
      await expectLine(conn, 'DATA');
      conn.reply('354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply('250 ok');
      await quit(conn);
    });
    const session = await openSession(server);
    const error = await rejection(
      new MailTransaction(session, { from: 'bad@example.org', to: ['b@example.org'] }, bufferSource('x\r\n')).run(),
    );
    expect(error).toMatchObject({ code: 'sender-refused', replyCode: 553 });
    const again = new MailTransaction(session, { from: 'a@example.org', to: ['b@example.org'] }, bufferSource('x\r\n'));
    await again.run();
    expect(again.verdict).toBe('delivered');
    await session.quit();
    await scriptsOk(server);
  });

  it('every recipient refused → recipients-refused, RSET, per-recipient failures', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await conn.readUntil('DATA\r\n');
      conn.reply('250 ok', '550 5.1.1 no such user', '450 4.2.1 try later', '554 5.5.1 no valid recipients');
      await expectLine(conn, 'RSET');
      conn.reply('250 ok');
      await quit(conn);
    });
    const record = await send({ connection: tcp(server), message: { raw: rawMessage(['b@example.org', 'c@example.org']) } });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'recipients-refused', replyCode: 550, command: 'RCPT TO:' });
    expect(record.result.verdict).toBe('none');
    expect(record.recipients).toEqual([
      {
        address: 'b@example.org',
        accepted: false,
        rcpt: { code: 550, enhancedCode: '5.1.1', text: '5.1.1 no such user' },
        delivered: false,
        failure: 'permanent',
      },
      {
        address: 'c@example.org',
        accepted: false,
        rcpt: { code: 450, enhancedCode: '4.2.1', text: '4.2.1 try later' },
        delivered: false,
        failure: 'temporary',
      },
    ]);
    // No body went out.
    expect(wire(server.connections[0])).toMatch(/DATA\r\nRSET\r\nQUIT\r\n$/);
  });

  it('pipelined DATA answered 354 although every RCPT was refused → a lone "." then RSET (RFC 2920)', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await conn.readUntil('DATA\r\n');
      conn.reply('250 ok', '550 5.1.1 unknown', '354 go ahead anyway');
      await expectLine(conn, '.');
      conn.reply('554 5.5.1 no valid recipients');
      await expectLine(conn, 'RSET');
      conn.reply('250 ok');
      await quit(conn);
    });
    const record = await send({ connection: tcp(server), message: { raw: rawMessage(['b@example.org'], 'secret body\r\n') } });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'recipients-refused', replyCode: 550 });
    const sent = wire(server.connections[0]);
    expect(sent).toMatch(/\r\nDATA\r\n\.\r\nRSET\r\nQUIT\r\n$/);
    expect(sent).not.toContain('secret body');
  });

  it('DATA refused (not pipelined) → data-refused, RSET, nothing delivered', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, []);
      await expectLine(conn, 'MAIL FROM:<a@example.org>');
      conn.reply('250 ok');
      await expectLine(conn, 'RCPT TO:<b@example.org>');
      conn.reply('250 ok');
      await expectLine(conn, 'DATA');
      conn.reply('554 5.3.0 no DATA today');
      await expectLine(conn, 'RSET');
      conn.reply('250 ok');
      await quit(conn);
    });
    const record = await send({ connection: tcp(server), message: { raw: rawMessage() } });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'data-refused', replyCode: 554, command: 'DATA' });
    expect(record.result.verdict).toBe('none');
    expect(record.recipients?.[0]).toMatchObject({ accepted: true, delivered: false });
  });

  it('pipelined DATA refused with 451 → data-refused, RSET', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await conn.readUntil('DATA\r\n');
      conn.reply('250 ok', '250 ok', '451 4.3.0 local error');
      await expectLine(conn, 'RSET');
      conn.reply('250 ok');
      await quit(conn);
    });
    const record = await send({ connection: tcp(server), message: { raw: rawMessage() } });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'data-refused', replyCode: 451 });
  });

  it('the final dot refused → data-refused, every recipient failed permanently', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await conn.readUntil('DATA\r\n');
      conn.reply('250 ok', '250 ok', '250 ok', '354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply('554 5.7.1 spam');
      await quit(conn);
    });
    const record = await send({ connection: tcp(server), message: { raw: rawMessage(['b@example.org', 'c@example.org']) } });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'data-refused', replyCode: 554, command: 'DATA' });
    expect(record.result.verdict).toBe('none');
    expect(record.recipients?.map((r) => [r.accepted, r.delivered, r.failure])).toEqual([
      [true, false, 'permanent'],
      [true, false, 'permanent'],
    ]);
  });

  it('one of three recipients refused → verdict partial, some-recipients-refused', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await conn.readUntil('DATA\r\n');
      conn.reply('250 ok', '250 ok', '550 5.1.1 nobody', '250 ok', '354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply('250 2.0.0 queued');
      await quit(conn);
    });
    const record = await send({
      connection: tcp(server),
      message: { raw: rawMessage(['b@example.org', 'c@example.org', 'd@example.org']) },
    });
    await scriptsOk(server);
    expect(record.result.ok).toBe(false);
    expect(record.result.verdict).toBe('partial');
    expect(record.result.error?.code).toBe('some-recipients-refused');
    expect(record.result.error?.message).toContain('c@example.org');
    expect(record.result.error?.message).not.toContain('b@example.org');
    expect(record.recipients?.map((r) => [r.address, r.delivered])).toEqual([
      ['b@example.org', true],
      ['c@example.org', false],
      ['d@example.org', true],
    ]);
  });
});

describe('LMTP', () => {
  it('one reply per accepted recipient after the dot; outcomes per recipient; verdict partial', async () => {
    const server = await fakeServer(
      async (conn) => {
        conn.reply('220 lmtp.test LMTP');
        await expectLine(conn, 'LHLO client.test');
        conn.reply('250-lmtp.test', '250-PIPELINING', '250 ENHANCEDSTATUSCODES');
        await conn.readUntil('DATA\r\n');
        conn.reply('250 2.1.0 ok', '250 2.1.5 ok', '550 5.1.1 unknown user', '250 2.1.5 ok', '354 go');
        await conn.readUntil('\r\n.\r\n');
        conn.reply('250 2.0.0 <b@example.org> delivered', '452 4.2.2 <d@example.org> mailbox full');
        // Exactly two replies were due: the client must go on to QUIT without waiting for a third.
        await quit(conn);
      },
      { unix: true },
    );
    const started = performance.now();
    const record = await send({
      connection: unix(server, { protocol: 'lmtp' }),
      message: { raw: rawMessage(['b@example.org', 'c@example.org', 'd@example.org']) },
    });
    await scriptsOk(server);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(record.result.verdict).toBe('partial');
    expect(record.result.error?.code).toBe('some-recipients-refused');
    expect(record.recipients).toEqual([
      {
        address: 'b@example.org',
        accepted: true,
        rcpt: { code: 250, enhancedCode: '2.1.5', text: '2.1.5 ok' },
        data: { code: 250, enhancedCode: '2.0.0', text: '2.0.0 <b@example.org> delivered' },
        delivered: true,
      },
      {
        address: 'c@example.org',
        accepted: false,
        rcpt: { code: 550, enhancedCode: '5.1.1', text: '5.1.1 unknown user' },
        delivered: false,
        failure: 'permanent',
      },
      {
        address: 'd@example.org',
        accepted: true,
        rcpt: { code: 250, enhancedCode: '2.1.5', text: '2.1.5 ok' },
        data: { code: 452, enhancedCode: '4.2.2', text: '4.2.2 <d@example.org> mailbox full' },
        delivered: false,
        failure: 'temporary',
      },
    ]);
  });

  it('every post-DATA reply failing → data-refused, verdict none', async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('220 lmtp.test LMTP');
      await expectLine(conn, 'LHLO client.test');
      conn.reply('250-lmtp.test', '250 PIPELINING');
      await conn.readUntil('DATA\r\n');
      conn.reply('250 ok', '250 ok', '250 ok', '354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply('552 5.2.2 quota exceeded', '451 4.3.0 temporary failure');
      await quit(conn);
    });
    const record = await send({
      connection: tcp(server, { protocol: 'lmtp' }),
      message: { raw: rawMessage(['b@example.org', 'c@example.org']) },
    });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'data-refused', replyCode: 552 });
    expect(record.result.verdict).toBe('none');
    expect(record.recipients?.map((r) => [r.delivered, r.failure])).toEqual([
      [false, 'permanent'],
      [false, 'temporary'],
    ]);
  });
});

describe('DATA body encoding on the wire', () => {
  /** Check a DATA body as the server saw it: one terminator, all stuffed, un-stuffed equal to `expected`. */
  function checkWireBody(data: string, expected: string): void {
    expect(data.endsWith('\r\n.\r\n')).toBe(true);
    // The only CRLF.CRLF is the terminator.
    expect(data.indexOf('\r\n.\r\n')).toBe(data.length - 5);
    // No bare CR or LF left for a lenient server to interpret.
    expect(/\r(?!\n)|(?<!\r)\n/.test(data)).toBe(false);
    const body = data.slice(0, -3);
    const lines = body.split('\r\n');
    for (const line of lines) if (line.startsWith('.')) expect(line.startsWith('..')).toBe(true);
    const unstuffed = lines.map((line) => (line.startsWith('.') ? line.slice(1) : line)).join('\r\n');
    expect(unstuffed).toBe(expected);
  }

  it('a body with smuggling attempts (\\n.\\n, \\r.\\r, \\r\\n.\\r\\n mid-body) has exactly one terminator on the wire', async () => {
    let data = '';
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      ({ data } = await acceptPipelined(conn, 1));
      await quit(conn);
    });
    const body =
      'line1\n.\nMAIL FROM:<evil@example.net>\r\n.\rRCPT TO:<victim@example.net>\r.\r' +
      'DATA\r\n.\r\nforged\r\n.line with a leading dot\r\n..two dots\n\n.\n' +
      'end\n.\r\nlast\r\n.';
    const raw = rawMessage(['b@example.org'], body);
    const record = await send({ connection: tcp(server), message: { raw } });
    await scriptsOk(server);
    expect(record.result).toEqual({ ok: true, verdict: 'delivered' });
    // The body does not end with a line break: the client adds one before the terminator.
    checkWireBody(data, normalise(raw.toString('latin1')) + '\r\n');
    // After the terminator, only QUIT.
    expect(wire(server.connections[0]).endsWith('\r\n.\r\nQUIT\r\n')).toBe(true);
    expect(record.message?.wireBytes).toBe(data.length);
  });

  it('line endings and dots split across source chunks are normalised and stuffed the same way', async () => {
    let data = '';
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      ({ data } = await acceptPipelined(conn, 1));
      await quit(conn);
    });
    const parts = ['Subject: split\r\n\r\na\r', '\n.', '\r', '\n.\r', '\n', '.', '\n', 'b\r', '.', '\r\n'];
    const session = await openSession(server);
    const tx = new MailTransaction(
      session,
      { from: 'a@example.org', to: ['b@example.org'] },
      partsSource(parts.map((p) => Buffer.from(p, 'latin1'))),
    );
    await tx.run();
    await session.quit();
    await scriptsOk(server);
    checkWireBody(data, normalise(parts.join('')));
    expect(tx.summary?.size).toBe(normalise(parts.join('')).length);
  });
});

describe('BDAT (CHUNKING)', () => {
  const body = 'Subject: chunks\n\nfirst line\n.dot line\r\nbare cr\rend without newline';

  /** Read BDAT chunks until LAST; reply to each (not pipelined) or to all at the end (pipelined). */
  async function readChunks(conn: FakeConnection, pipelined: boolean): Promise<{ sizes: number[]; bytes: string }> {
    const sizes: number[] = [];
    let bytes = '';
    for (;;) {
      const line = await conn.readLine();
      const m = /^BDAT (\d+)( LAST)?$/.exec(line);
      expect(m, `a BDAT command, not ${JSON.stringify(line)}`).not.toBeNull();
      const n = Number(m![1]);
      sizes.push(n);
      bytes += (await conn.readBytes(n)).toString('latin1');
      const last = m![2] !== undefined;
      if (!pipelined) {
        // The client must wait for this chunk's reply before sending anything else.
        await expectQuiet(conn, 40);
        conn.reply(last ? '250 2.0.0 queued' : `250 2.0.0 ${n} octets received`);
      }
      if (last) break;
    }
    if (pipelined) {
      // Every chunk arrived before we answered any.
      conn.reply(...sizes.slice(0, -1).map((n) => `250 2.0.0 ${n} octets`), '250 2.0.0 queued');
    }
    return { sizes, bytes };
  }

  for (const pipelined of [false, true]) {
    it(`exact byte counts per chunk, sum = normalised body (${pipelined ? 'with' : 'without'} PIPELINING)`, async () => {
      let got: { sizes: number[]; bytes: string } | undefined;
      const server = await fakeServer(async (conn) => {
        await greetAndEhlo(conn, pipelined ? ['PIPELINING', 'CHUNKING'] : ['CHUNKING']);
        if (pipelined) {
          expect((await conn.readUntil('RCPT TO:<b@example.org>\r\n')).toString()).toBe(
            'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n',
          );
          conn.reply('250 ok', '250 ok');
        } else {
          await expectLine(conn, 'MAIL FROM:<a@example.org>');
          conn.reply('250 ok');
          await expectLine(conn, 'RCPT TO:<b@example.org>');
          conn.reply('250 ok');
        }
        got = await readChunks(conn, pipelined);
        await quit(conn);
      });
      const session = await openSession(server);
      const tx = new MailTransaction(session, { from: 'a@example.org', to: ['b@example.org'] }, bufferSource(body), {
        bdatChunkSize: 16,
      });
      await tx.run();
      await session.quit();
      await scriptsOk(server);

      const expected = normalise(body) + '\r\n';
      expect(got!.bytes).toBe(expected);
      expect(got!.sizes.reduce((a, b) => a + b, 0)).toBe(expected.length);
      expect(got!.sizes.slice(0, -1).every((n) => n === 16)).toBe(true);
      expect(got!.sizes.length).toBe(Math.ceil(expected.length / 16));
      expect(tx.verdict).toBe('delivered');
      expect(tx.summary).toMatchObject({ method: 'BDAT', wireBytes: expected.length });
      // BDAT never dot-stuffs and never sends DATA.
      expect(wire(server.connections[0])).not.toMatch(/\r\nDATA\r\n/);
      expect(got!.bytes).toContain('\r\n.dot line\r\n');
    });
  }

  it('a refused chunk (not pipelined) → data-refused, no further chunk, RSET', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['CHUNKING']);
      await expectLine(conn, 'MAIL FROM:<a@example.org>');
      conn.reply('250 ok');
      await expectLine(conn, 'RCPT TO:<b@example.org>');
      conn.reply('250 ok');
      await expectLine(conn, 'BDAT 16');
      await conn.readBytes(16);
      conn.reply('552 5.3.4 message too big');
      await expectLine(conn, 'RSET');
      conn.reply('250 ok');
      await quit(conn);
    });
    const record = await send({
      connection: tcp(server),
      message: { raw: rawMessage(['b@example.org'], 'x'.repeat(100) + '\r\n') },
      options: { bdatChunkSize: 16 },
    });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'data-refused', replyCode: 552, command: 'BDAT' });
    expect(record.result.verdict).toBe('none');
  });

  it('a refused chunk (pipelined): every outstanding reply is read, RSET and later commands stay in step', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING', 'CHUNKING']);
      await conn.readUntil('RCPT TO:<b@example.org>\r\n');
      conn.reply('250 ok', '250 ok');
      const { sizes } = await (async () => {
        const sizes: number[] = [];
        for (;;) {
          const m = /^BDAT (\d+)( LAST)?$/.exec(await conn.readLine())!;
          sizes.push(Number(m[1]));
          await conn.readBytes(Number(m[1]));
          if (m[2]) break;
        }
        return { sizes };
      })();
      expect(sizes.length).toBe(3);
      conn.reply('552 5.3.4 too big', '503 5.5.1 previous chunk failed', '503 5.5.1 previous chunk failed');
      await expectLine(conn, 'RSET');
      conn.reply('250 2.0.0 reset-ok');
      await expectLine(conn, 'NOOP');
      conn.reply('250 2.0.0 noop-ok');
      await quit(conn);
    });
    const session = await openSession(server);
    const tx = new MailTransaction(session, { from: 'a@example.org', to: ['b@example.org'] }, bufferSource('y'.repeat(38)), {
      bdatChunkSize: 16,
    });
    const error = await rejection(tx.run());
    expect(error).toMatchObject({ code: 'data-refused', replyCode: 552 });
    // The next command must get its own reply, not a left-over one.
    const noop = await session.noop();
    expect(noop.text).toBe('2.0.0 noop-ok');
    await session.quit();
    await scriptsOk(server);
  });

  it('LMTP over BDAT: one reply per accepted recipient after BDAT LAST', async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('220 lmtp.test LMTP');
      await expectLine(conn, 'LHLO client.test');
      conn.reply('250-lmtp.test', '250-PIPELINING', '250 CHUNKING');
      await conn.readUntil('RCPT TO:<c@example.org>\r\n');
      conn.reply('250 ok', '250 ok', '250 ok');
      const m = /^BDAT (\d+) LAST$/.exec(await conn.readLine());
      expect(m).not.toBeNull();
      expect((await conn.readBytes(Number(m![1]))).toString()).toBe('Subject: x\r\n\r\nbody\r\n');
      conn.reply('250 2.0.0 b ok', '550 5.2.0 c rejected');
      await quit(conn);
    });
    const session = new SmtpSession(tcp(server, { protocol: 'lmtp' }));
    await session.open();
    const tx = new MailTransaction(
      session,
      { from: 'a@example.org', to: ['b@example.org', 'c@example.org'] },
      bufferSource('Subject: x\n\nbody\n'),
    );
    await tx.run();
    await session.quit();
    await scriptsOk(server);
    expect(tx.verdict).toBe('partial');
    expect(tx.recipients.map((r) => [r.delivered, r.data?.code, r.failure])).toEqual([
      [true, 250, undefined],
      [false, 550, 'permanent'],
    ]);
  });

  it("bdat: 'on' without CHUNKING advertised → not-supported, nothing sent", async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await quit(conn);
    });
    const record = await send({ connection: tcp(server), message: { raw: rawMessage() }, options: { bdat: 'on' } });
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('not-supported');
    expect(wire(server.connections[0])).toBe('EHLO client.test\r\nQUIT\r\n');
  });
});

describe('MAIL and RCPT parameters', () => {
  /** Run one send against a server advertising `extensions`; returns the MAIL..DATA block it saw. */
  async function commandsFor(
    extensions: string[],
    options: SendOptions,
    to: string[] = ['b@example.org'],
    from = 'a@example.org',
    raw?: Buffer,
  ): Promise<{ commands: string; record: Awaited<ReturnType<typeof send>> }> {
    let commands = '';
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING', ...extensions]);
      ({ commands } = await acceptPipelined(conn, to.length));
      await quit(conn);
    });
    const record = await send({
      connection: tcp(server),
      message: { raw: raw ?? rawMessage(to) },
      envelope: { from, to },
      options,
    });
    await scriptsOk(server);
    return { commands, record };
  }

  it('SIZE=n with the exact size when SIZE is advertised', async () => {
    const raw = rawMessage(['b@example.org'], 'a body\nwith a bare LF\r\n');
    const { commands, record } = await commandsFor(['SIZE 1000000'], {}, undefined, undefined, raw);
    const size = normalise(raw.toString('latin1')).length;
    expect(commands.split('\r\n')[0]).toBe(`MAIL FROM:<a@example.org> SIZE=${size}`);
    expect(record.message?.size).toBe(size);
  });

  it('no SIZE= when SIZE is not advertised, or when turned off', async () => {
    expect((await commandsFor([], {})).commands.split('\r\n')[0]).toBe('MAIL FROM:<a@example.org>');
    expect((await commandsFor(['SIZE'], { size: false })).commands.split('\r\n')[0]).toBe('MAIL FROM:<a@example.org>');
  });

  it('SMTPUTF8 for a UTF-8 address, the address in UTF-8 on the wire', async () => {
    // ASCII headers: only the envelope needs SMTPUTF8 (a UTF-8 header would add BODY=8BITMIME too).
    const { commands } = await commandsFor(['SMTPUTF8', '8BITMIME'], {}, ['bjørn@exämple.org'], 'jörg@exämple.org', rawMessage());
    const lines = Buffer.from(commands, 'latin1').toString('utf8').split('\r\n');
    expect(lines[0]).toBe('MAIL FROM:<jörg@exämple.org> SMTPUTF8');
    expect(lines[1]).toBe('RCPT TO:<bjørn@exämple.org>');
  });

  it('a UTF-8 address without SMTPUTF8 advertised → not-supported, no MAIL sent', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING', '8BITMIME']);
      await quit(conn);
    });
    const record = await send({
      connection: tcp(server),
      message: { raw: rawMessage() },
      envelope: { from: 'jörg@exämple.org', to: ['b@example.org'] },
    });
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('not-supported');
    expect(record.result.error?.message).toMatch(/SMTPUTF8/);
    expect(wire(server.connections[0])).toBe('EHLO client.test\r\nQUIT\r\n');
  });

  it('DSN: RET, ENVID (xtext), NOTIFY and ORCPT (xtext) when DSN is advertised', async () => {
    const to = ['user+tag=x@example.org', 'c@example.org'];
    const { commands } = await commandsFor(
      ['DSN'],
      { dsn: { ret: 'HDRS', envid: 'id+1=2 x', notify: ['SUCCESS', 'FAILURE'], orcpt: true } },
      to,
    );
    expect(commands.split('\r\n').slice(0, 3)).toEqual([
      'MAIL FROM:<a@example.org> RET=HDRS ENVID=id+2B1+3D2+20x',
      'RCPT TO:<user+tag=x@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;user+2Btag+3Dx@example.org',
      'RCPT TO:<c@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;c@example.org',
    ]);
  });

  const dsnCases: [string, NonNullable<SendOptions['dsn']>][] = [
    ['RET', { ret: 'FULL' }],
    ['ENVID', { envid: 'abc' }],
    ['NOTIFY', { notify: ['NEVER'] }],
    ['ORCPT', { orcpt: true }],
  ];
  for (const [name, dsn] of dsnCases) {
    it(`DSN ${name} asked but DSN not advertised → not-supported, nothing sent for MAIL`, async () => {
      const server = await fakeServer(async (conn) => {
        await greetAndEhlo(conn, ['PIPELINING']);
        await quit(conn);
      });
      const record = await send({ connection: tcp(server), message: { raw: rawMessage() }, options: { dsn } });
      await scriptsOk(server);
      expect(record.result.error?.code).toBe('not-supported');
      expect(record.result.error?.message).toContain('DSN');
      expect(wire(server.connections[0])).toBe('EHLO client.test\r\nQUIT\r\n');
    });
  }

  it('DSN not advertised but force: the parameters are sent anyway', async () => {
    const { commands } = await commandsFor([], { dsn: { ret: 'FULL', notify: ['DELAY'] }, force: true });
    expect(commands.split('\r\n').slice(0, 2)).toEqual(['MAIL FROM:<a@example.org> RET=FULL', 'RCPT TO:<b@example.org> NOTIFY=DELAY']);
  });

  it('extra MAIL/RCPT parameters need their extension unless forced', async () => {
    const { commands } = await commandsFor(['MT-PRIORITY'], { mailParams: ['MT-PRIORITY=3'], rcptParams: ['X-FOO=1'], force: true });
    expect(commands.split('\r\n').slice(0, 2)).toEqual(['MAIL FROM:<a@example.org> MT-PRIORITY=3', 'RCPT TO:<b@example.org> X-FOO=1']);
  });
});
