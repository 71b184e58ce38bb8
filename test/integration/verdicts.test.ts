import { describe, expect, it } from 'vitest';
import { LiveSession, prepareMessage } from '../../electron/smtp/live-session.js';
import { probe, raw, send } from '../../electron/smtp/operations.js';
import { SmtpSession } from '../../electron/smtp/session.js';
import { testPki } from '../helpers/certs.js';
import {
  expectLine,
  fakeServer,
  greetAndEhlo,
  quit,
  scriptsOk,
  sleep,
  tcp,
  useFakeServers,
  wire,
  wireLines,
  type FakeConnection,
} from '../helpers/support.js';

/**
 * Honest verdicts against servers that misbehave in one exact way each (scripted on loopback): a reply is matched to
 * the command it answers or it is a protocol violation, and an outcome nobody can know is "unknown".
 */

useFakeServers();

const message = (to: string[] = ['b@example.org']): { raw: Buffer } => ({
  raw: Buffer.from(`From: a@example.org\r\nTo: ${to.join(', ')}\r\nSubject: t\r\n\r\nhello\r\n`),
});

/** A body of `size` bytes in 80-octet lines. */
function bodyOf(size: number, fill = 'b'): Buffer {
  const line = Buffer.from(fill.repeat(78) + '\r\n');
  const body = Buffer.alloc(size);
  for (let at = 0; at < size; at += line.length) line.copy(body, at);
  return body;
}

/** Read MAIL, the RCPTs and DATA sent as one pipelined group. */
async function readGroup(conn: FakeConnection, rcpts: number, data = true): Promise<string[]> {
  const lines: string[] = [];
  for (let i = 0; i < 1 + rcpts + (data ? 1 : 0); i++) lines.push(await conn.readLine());
  return lines;
}

describe('replies out of turn', () => {
  it('a 250 sent with the 354, before the body, ends the transaction as a protocol error — never "delivered"', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await readGroup(conn, 1);
      // One write: the 354 and a 250 that answers nothing arrive together.
      conn.reply('250 ok', '250 ok', '354 go ahead', '250 early');
      await conn.waitClosed();
    });
    const record = await send({ connection: tcp(server), message: message() });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'protocol-error', raw: '250 early\\r\\n' });
    expect(record.result.error?.message).toMatch(
      /answers no command: "250 early" \(it came after the reply to DATA, while the message was being sent\)/,
    );
    expect(record.result.verdict).toBe('none');
    expect(record.recipients?.[0]).toMatchObject({ accepted: true, delivered: false });
    expect(record.recipients?.[0]?.failure).toBeUndefined();
    // The end of the message never went out, and nothing was sent after the violation.
    expect(wire(server.connections[0])).not.toContain('\r\n.\r\n');
    expect(wire(server.connections[0])).not.toContain('QUIT');
    expect(record.findings?.map((f) => f.id)).toContain('unsolicited-reply');
  });

  it('the same without PIPELINING: the early 250 is seen before the final dot is sent', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, []);
      await expectLine(conn, 'MAIL FROM:<a@example.org>');
      conn.reply('250 ok');
      await expectLine(conn, 'RCPT TO:<b@example.org>');
      conn.reply('250 ok');
      await expectLine(conn, 'DATA');
      conn.reply('354 go ahead', '250 early');
      await conn.waitClosed();
    });
    const record = await send({ connection: tcp(server), message: message() });
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('protocol-error');
    expect(record.result.verdict).toBe('none');
    expect(wire(server.connections[0])).not.toContain('\r\n.\r\n');
  });

  it('the issue\'s server: 354, a 250 just after it (its own write), then 554 to the dot — never "delivered"', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await readGroup(conn, 1);
      conn.reply('250 ok', '250 ok', '354 go ahead');
      conn.reply('250 early');
      try {
        await conn.readUntil('\r\n.\r\n', 2000);
        conn.reply('554 5.6.0 no thanks');
        await conn.waitClosed();
      } catch {
        // The client saw the 250 before it sent the end, and hung up: also right.
      }
    });
    const record = await send({ connection: tcp(server), message: message() });
    await scriptsOk(server);
    // Which one depends on when the early 250 arrives: before the end went out (a protocol error), or after it (then
    // the 554 shows the replies out of step, and the outcome is unknown). Delivered, never.
    expect(['protocol-error', 'delivery-unknown']).toContain(record.result.error?.code);
    expect(record.result.ok).toBe(false);
    expect(record.result.verdict).not.toBe('delivered');
    expect(record.recipients?.[0]?.delivered).toBe(false);
  });

  it('a reply during a large body stops the body: the end of the message is never sent', async () => {
    const body = bodyOf(8 * 1024 * 1024, 'a');
    const raw = Buffer.concat([Buffer.from('From: a@example.org\r\nTo: b@example.org\r\n\r\n'), body]);
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await readGroup(conn, 1);
      conn.reply('250 ok', '250 ok', '354 go ahead');
      await conn.readBytes(256 * 1024);
      conn.reply('250 early');
      await conn.waitClosed(10_000);
    });
    const record = await send({ connection: tcp(server), message: { raw } });
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('protocol-error');
    expect(record.result.verdict).toBe('none');
    expect(wire(server.connections[0])).not.toContain('\r\n.\r\n');
  });

  it('a flood of replies right after the greeting is not taken as the EHLO reply', async () => {
    let sent = 0;
    const server = await fakeServer(async (conn) => {
      conn.reply('220 fake.test ready');
      // Until the client hangs up.
      while (!conn.closed && sent < 5_000_000) {
        conn.reply(...Array.from({ length: 500 }, () => '250 ok'));
        sent += 500;
        await sleep(1);
      }
    });
    const record = await probe({ connection: tcp(server) });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'protocol-error', raw: '250 ok\\r\\n' });
    expect(record.result.error?.message).toMatch(/answers no command/);
    expect(record.helloVerb).toBeUndefined();
    expect(wire(server.connections[0])).toBe('');
    // The session stopped at the first chunk that held an unsolicited reply: what it recorded is bounded by one read.
    expect(record.events.filter((e) => e.dir === 'recv').length).toBeLessThan(12_000);
  });

  it('a 354 to EHLO cannot answer it: protocol error with the raw bytes, not a refusal', async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('220 fake.test ready');
      await expectLine(conn, 'EHLO client.test');
      conn.reply('354 go ahead');
      await conn.waitClosed();
    });
    const record = await probe({ connection: tcp(server) });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'protocol-error', raw: '354 go ahead\\r\\n', command: 'EHLO' });
    expect(record.result.error?.message).toMatch(/cannot answer EHLO \(expected 250, or a refusal/);
  });

  it('a 554 to QUIT right after the final reply puts that reply in doubt: the verdict is unknown', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await readGroup(conn, 1);
      conn.reply('250 ok', '250 ok', '354 go ahead');
      await conn.readUntil('\r\n.\r\n');
      // "250 early" as if sent before the body arrived, then the real answer: the client cannot tell which is which.
      conn.reply('250 early');
      await expectLine(conn, 'QUIT');
      conn.reply('554 5.6.0 message refused');
      await conn.waitClosed();
    });
    const record = await send({ connection: tcp(server), message: message() });
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('delivery-unknown');
    expect(record.result.error?.message).toMatch(/out of step/);
    expect(record.result.verdict).toBe('unknown');
    expect(record.recipients?.[0]).toMatchObject({ delivered: false, failure: 'unknown', data: { code: 250, text: 'early' } });
  });
});

describe('the fourth outcome: unknown', () => {
  it('LMTP: the link lost after one of two replies → the first as answered, the second unknown', async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('220 lmtp.test LMTP');
      await expectLine(conn, 'LHLO client.test');
      conn.reply('250-lmtp.test', '250 PIPELINING');
      await readGroup(conn, 2);
      conn.reply('250 ok', '250 ok', '250 ok', '354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply('250 2.0.0 <b@example.org> saved');
      await sleep(20);
      conn.destroy();
    });
    const record = await send({ connection: tcp(server, { protocol: 'lmtp' }), message: message(['b@example.org', 'c@example.org']) });
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('delivery-unknown');
    expect(record.result.error?.message).toMatch(/delivered to 1, unknown for 1/);
    expect(record.result.verdict).toBe('unknown');
    expect(record.recipients?.map((r) => [r.address, r.delivered, r.failure])).toEqual([
      ['b@example.org', true, undefined],
      ['c@example.org', false, 'unknown'],
    ]);
    expect(record.findings?.find((f) => f.id === 'lmtp-reply-count')?.detail).toMatch(/^1 of the 2 replies owed after the data/);
  });

  it('a cancel while waiting for the final reply leaves the outcome unknown', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await readGroup(conn, 1);
      conn.reply('250 ok', '250 ok', '354 go ahead');
      await conn.readUntil('\r\n.\r\n');
      await conn.waitClosed();
    });
    const controller = new AbortController();
    const sending = send({ connection: tcp(server, { signal: controller.signal }), message: message() });
    await sleep(150);
    controller.abort();
    const record = await sending;
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('delivery-unknown');
    expect(record.result.verdict).toBe('unknown');
  });
});

describe('PRDR', () => {
  async function prdrServer(afterDot: (conn: FakeConnection) => Promise<void>, extensions = ['PIPELINING', 'PRDR']) {
    return fakeServer(async (conn) => {
      await greetAndEhlo(conn, extensions);
      const group = await readGroup(conn, 2);
      conn.reply('250 ok', '250 ok', '250 ok', '354 go ahead');
      await conn.readUntil('\r\n.\r\n');
      await afterDot(conn);
      (conn as FakeConnection & { group?: string[] }).group = group;
    });
  }

  it('353, one reply per recipient and a final one: one delivered, one refused → partial', async () => {
    const server = await prdrServer(async (conn) => {
      conn.reply('353 PRDR content analysis beginning', '250 2.0.0 ok for b', '550 5.7.1 c does not want it', '250 OK id=1');
      await quit(conn);
    });
    const record = await send({ connection: tcp(server), message: message(['b@example.org', 'c@example.org']), options: { prdr: true } });
    await scriptsOk(server);
    expect(wireLines(server.connections[0])[1]).toBe('MAIL FROM:<a@example.org> PRDR');
    expect(record.result).toMatchObject({ ok: false, verdict: 'partial', error: { code: 'some-recipients-refused' } });
    expect(record.recipients?.map((r) => [r.address, r.delivered, r.failure, r.data?.code])).toEqual([
      ['b@example.org', true, undefined, 250],
      ['c@example.org', false, 'permanent', 550],
    ]);
    expect(record.message?.prdr).toEqual({
      intro: { code: 353, text: 'PRDR content analysis beginning' },
      final: { code: 250, text: 'OK id=1' },
    });
  });

  it('a PRDR parameter given as --mail-param gets the same handling', async () => {
    const server = await prdrServer(async (conn) => {
      conn.reply('353 PRDR content analysis beginning', '250 ok', '250 ok', '250 OK id=2');
      await quit(conn);
    });
    const record = await send({
      connection: tcp(server),
      message: message(['b@example.org', 'c@example.org']),
      options: { mailParams: ['PRDR'] },
    });
    await scriptsOk(server);
    expect(record.result).toMatchObject({ ok: true, verdict: 'delivered' });
    expect(record.recipients?.every((r) => r.delivered && r.data?.code === 250)).toBe(true);
  });

  it('a failed final reply takes back every per-recipient yes', async () => {
    const server = await prdrServer(async (conn) => {
      conn.reply('353 PRDR content analysis beginning', '250 ok', '250 ok', '451 4.3.0 try again later');
      await quit(conn);
    });
    const record = await send({ connection: tcp(server), message: message(['b@example.org', 'c@example.org']), options: { prdr: true } });
    await scriptsOk(server);
    expect(record.result).toMatchObject({ verdict: 'none', error: { code: 'data-refused', replyCode: 451 } });
    expect(record.recipients?.map((r) => [r.delivered, r.failure])).toEqual([
      [false, 'temporary'],
      [false, 'temporary'],
    ]);
  });

  it('a server that answers the end without 353 did not do PRDR: one reply for everyone', async () => {
    const server = await prdrServer(async (conn) => {
      conn.reply('250 2.0.0 queued');
      await quit(conn);
    });
    const record = await send({ connection: tcp(server), message: message(['b@example.org', 'c@example.org']), options: { prdr: true } });
    await scriptsOk(server);
    expect(record.result).toMatchObject({ ok: true, verdict: 'delivered' });
    expect(record.message?.prdr).toBeUndefined();
  });

  it('the link lost before the final PRDR reply: the per-recipient yes is not enough, the outcome is unknown', async () => {
    const server = await prdrServer(async (conn) => {
      conn.reply('353 PRDR content analysis beginning', '250 ok', '550 no');
      await sleep(20);
      conn.destroy();
    });
    const record = await send({ connection: tcp(server), message: message(['b@example.org', 'c@example.org']), options: { prdr: true } });
    await scriptsOk(server);
    expect(record.result).toMatchObject({ verdict: 'unknown', error: { code: 'delivery-unknown' } });
    expect(record.recipients?.map((r) => [r.delivered, r.failure])).toEqual([
      [false, 'unknown'],
      [false, 'permanent'],
    ]);
  });

  it('asked for where it is not advertised: not sent, and the transcript says so', async () => {
    const server = await prdrServer(
      async (conn) => {
        conn.reply('250 2.0.0 queued');
        await quit(conn);
      },
      ['PIPELINING'],
    );
    const record = await send({ connection: tcp(server), message: message(['b@example.org', 'c@example.org']), options: { prdr: true } });
    await scriptsOk(server);
    expect(record.result.ok).toBe(true);
    expect(wireLines(server.connections[0])[1]).toBe('MAIL FROM:<a@example.org>');
    expect(record.events.some((e) => e.dir === 'info' && /PRDR was asked for, but the server does not advertise it/.test(e.text))).toBe(
      true,
    );
  });
});

describe('pipelined BDAT stops at the first refused chunk', () => {
  it('a 452 to chunk 1 of 30: no BDAT is written once the refusal has been read, then RSET', async () => {
    const chunk = 1024 * 1024;
    const size = 30 * chunk;
    let atRefusal = 0;
    let bytesAfterRefusal = 0;
    let chunksAfterRefusal = 0;
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING', 'CHUNKING']);
      await readGroup(conn, 1, false);
      conn.reply('250 ok', '250 ok');
      let first = true;
      for (;;) {
        const line = await conn.readLine(10_000);
        if (line === 'RSET') {
          bytesAfterRefusal = conn.received.length - conn.unread.length - atRefusal - 'RSET\r\n'.length;
          conn.reply('250 2.0.0 reset');
          break;
        }
        const [, count] = /^BDAT (\d+)/.exec(line)!;
        if (first) {
          // Refused as soon as its command is read, before its bytes.
          conn.reply('452 4.3.1 insufficient system storage');
          atRefusal = conn.received.length - conn.unread.length;
          first = false;
        } else {
          chunksAfterRefusal++;
        }
        await conn.readBytes(Number(count), 10_000);
        if (chunksAfterRefusal > 0) conn.reply('503 5.5.1 no transaction');
      }
      await quit(conn);
    });
    const body = bodyOf(size - 80);
    const raw = Buffer.concat([Buffer.from('From: a@example.org\r\nTo: b@example.org\r\nSubject: big\r\n\r\n'), body]);
    const record = await send({ connection: tcp(server, { timeouts: 10_000 }), message: { raw }, options: { bdat: 'on' } });
    await scriptsOk(server);
    expect(record.result).toMatchObject({ verdict: 'none', error: { code: 'data-refused', replyCode: 452 } });
    // Exact, from the client's own record: after the 452 was read, no BDAT went out.
    const refusedAt = record.events.findIndex((e) => e.dir === 'recv' && e.text.startsWith('452'));
    expect(refusedAt).toBeGreaterThan(0);
    expect(record.events.slice(refusedAt).filter((e) => e.dir === 'send' && e.text.startsWith('BDAT'))).toEqual([]);
    // And from the server's side: only what was already on its way when the refusal was read (the socket buffers of
    // loopback hold a few MiB; 3 chunks here), not the other 29 chunks as before.
    expect(chunksAfterRefusal).toBeLessThanOrEqual(8);
    expect(bytesAfterRefusal).toBeLessThanOrEqual(8 * chunk + 8 * 64);
    expect(record.events.some((e) => e.dir === 'send' && e.text === 'RSET')).toBe(true);
  }, 30_000);
});

describe('protocol strictness where it decides a verdict', () => {
  it('a message larger than SIZE 100 is refused before MAIL is sent', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING', 'SIZE 100']);
      await quit(conn);
    });
    const raw = Buffer.from(`From: a@example.org\r\nTo: b@example.org\r\nSubject: t\r\n\r\n${'x'.repeat(200)}\r\n`);
    const record = await send({ connection: tcp(server), message: { raw } });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'message-too-large' });
    expect(wireLines(server.connections[0])).toEqual(['EHLO client.test', 'QUIT']);
  });

  it('forced past SIZE and accepted: size-exceeded-accepted', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING', 'SIZE 100']);
      await readGroup(conn, 1);
      conn.reply('250 ok', '250 ok', '354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply('250 2.0.0 queued');
      await quit(conn);
    });
    const raw = Buffer.from(`From: a@example.org\r\nTo: b@example.org\r\nSubject: t\r\n\r\n${'x'.repeat(200)}\r\n`);
    const record = await send({ connection: tcp(server), message: { raw }, options: { force: true } });
    await scriptsOk(server);
    expect(record.result.ok).toBe(true);
    expect(record.findings?.find((f) => f.id === 'size-exceeded-accepted')?.detail).toMatch(
      /accepted although the server advertises SIZE 100/,
    );
  });

  it('AUTH inside a mail transaction is refused before it is sent, by the API and as a raw command', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH PLAIN']);
      await expectLine(conn, 'MAIL FROM:<a@example.org>');
      conn.reply('250 ok');
      await quit(conn);
    });
    const live = new LiveSession(tcp(server));
    await live.open();
    await live.raw('MAIL FROM:<a@example.org>');
    const viaApi = await live.authenticate({ user: 'u', password: 'p' });
    expect(viaApi.result.error).toMatchObject({ code: 'invalid-input' });
    expect(viaApi.result.error?.message).toMatch(/not allowed during a mail transaction \(RFC 4954 §4\)/);
    const viaRaw = await live.raw('AUTH PLAIN AHUAcA==');
    expect(viaRaw.result.error).toMatchObject({ code: 'invalid-input' });
    await live.close();
    await scriptsOk(server);
    expect(wire(server.connections[0])).not.toContain('AUTH');
  });

  it('a second AUTH after a successful one is refused before it is sent', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH PLAIN']);
      await expectLine(conn, /^AUTH PLAIN /);
      conn.reply('235 2.7.0 ok');
      await quit(conn);
    });
    const live = new LiveSession(tcp(server));
    await live.open();
    expect((await live.authenticate({ user: 'u', password: 'p', mechanism: 'plain' })).result.ok).toBe(true);
    expect((await live.authenticate({ user: 'u', password: 'p', mechanism: 'plain' })).result.error?.code).toBe('invalid-input');
    expect((await live.raw('AUTH PLAIN AHUAcA==')).result.error?.code).toBe('invalid-input');
    await live.close();
    await scriptsOk(server);
    expect(wire(server.connections[0]).match(/AUTH/g)).toHaveLength(1);
  });

  it('a raw DATA: the lines after 354 are the message, answered once at "."', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, []);
      await expectLine(conn, 'MAIL FROM:<a@example.org>');
      conn.reply('250 ok');
      await expectLine(conn, 'RCPT TO:<b@example.org>');
      conn.reply('250 ok');
      await expectLine(conn, 'DATA');
      conn.reply('354 go');
      expect(await conn.readUntil('\r\n.\r\n')).toEqual(Buffer.from('Subject: raw\r\n\r\n..dot\r\n.\r\n'));
      conn.reply('250 queued');
      await quit(conn);
    });
    const record = await raw({
      connection: tcp(server),
      commands: ['MAIL FROM:<a@example.org>', 'RCPT TO:<b@example.org>', 'DATA', 'Subject: raw', '', '.dot', '.'],
    });
    await scriptsOk(server);
    expect(record.result.ok).toBe(true);
    expect(record.commands?.map((c) => [c.command, c.reply.code])).toEqual([
      ['MAIL FROM:<a@example.org>', 250],
      ['RCPT TO:<b@example.org>', 250],
      ['DATA', 354],
      ['.', 250],
    ]);
  });

  it('a message file with a 2,000-octet line is refused unless long lines are allowed', async () => {
    const raw = Buffer.from(`From: a@example.org\r\nTo: b@example.org\r\n\r\n${'y'.repeat(2000)}\r\n`);
    await expect(prepareMessage({ message: { raw } })).rejects.toMatchObject({
      code: 'invalid-input',
      message: expect.stringMatching(/a line of 2000 octets/),
    });
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await readGroup(conn, 1);
      conn.reply('250 ok', '250 ok', '354 go');
      const body = await conn.readUntil('\r\n.\r\n');
      expect(body.toString()).toContain('y'.repeat(2000) + '\r\n');
      conn.reply('250 queued');
      await quit(conn);
    });
    const record = await send({ connection: tcp(server), message: { raw }, allowLongLines: true });
    await scriptsOk(server);
    expect(record.result.ok).toBe(true);
  });

  it('a URL with credentials as the host is refused, and the password is repeated nowhere', () => {
    const error = (() => {
      try {
        new SmtpSession({ host: 'smtp://alice:S3cret-Pass@mail.example.org' });
      } catch (caught) {
        return caught as Error & { code: string };
      }
      throw new Error('accepted');
    })();
    expect(error.code).toBe('invalid-input');
    expect(error.message).not.toContain('S3cret-Pass');
    const live = new LiveSession({ host: 'alice:S3cret-Pass@mail.example.org' });
    expect(JSON.stringify(live.record())).not.toContain('S3cret-Pass');
  });
});

describe('AUTH and TLS in plain words', () => {
  it("XOAUTH2's JSON error is decoded into the auth result", async () => {
    const json = '{"status":"401","schemes":"Bearer","scope":"https://mail.example/"}';
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH XOAUTH2']);
      await expectLine(conn, /^AUTH XOAUTH2 /);
      conn.reply(`334 ${Buffer.from(json).toString('base64')}`);
      await expectLine(conn, '');
      conn.reply('535 5.7.8 Username and Password not accepted');
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server), auth: { user: 'u@example.org', token: 'ya29.token', mechanism: 'xoauth2' } });
    await scriptsOk(server);
    expect(record.auth?.serverError).toEqual({ text: json, status: '401', schemes: 'Bearer', scope: 'https://mail.example/' });
    expect(record.result.error?.message).toMatch(/the server said: status 401, schemes Bearer, scope https:\/\/mail.example\//);
  });

  it('implicit TLS against a plaintext port: the error says so and suggests STARTTLS', async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('220 plain.test ESMTP');
      await conn.waitClosed();
    });
    const record = await probe({ connection: tcp(server, { tls: 'implicit' }) });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'tls-failed', suggestTls: 'starttls' });
    expect(record.result.error?.message).toMatch(/did not answer in TLS/);
    expect(record.result.error?.hint).toMatch(/speaks plaintext SMTP, not implicit TLS: try STARTTLS/);
  });

  it('a port that sends nothing: while waiting, and in the timeout, the hint says implicit TLS', async () => {
    const pki = await testPki();
    const server = await fakeServer(
      async (conn) => {
        await conn.waitClosed(5000);
      },
      { tls: { key: pki.key, cert: pki.cert } },
    );
    const started = performance.now();
    const record = await probe({ connection: tcp(server, { tls: 'starttls', timeouts: { greeting: 600 } }) });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(record.result.error).toMatchObject({ code: 'timeout', stage: 'greeting', suggestTls: 'implicit' });
    expect(record.result.error?.hint).toMatch(/may expect implicit TLS/);
    expect(record.events.some((e) => e.dir === 'info' && /no greeting after 0\.3 s: this port may expect implicit TLS/.test(e.text))).toBe(
      true,
    );
  });
});
