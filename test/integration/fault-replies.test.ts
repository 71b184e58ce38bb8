import { describe, expect, it } from 'vitest';
import { probe, send } from '../../electron/smtp/operations.js';
import {
  expectLine,
  fakeServer,
  greetAndEhlo,
  quit,
  scriptsOk,
  sleep,
  tcp,
  unix,
  useFakeServers,
  wire,
  type FakeConnection,
} from '../helpers/support.js';

useFakeServers();

const message = (to = 'b@example.org'): { raw: Buffer } => ({
  raw: Buffer.from(`From: a@example.org\r\nTo: ${to}\r\nSubject: t\r\n\r\nhello\r\n`),
});

/** Write the same bytes again and again until the client hangs up; returns how many bytes went out. */
async function flood(conn: FakeConnection, bytes: string, everyMs = 2): Promise<number> {
  let written = 0;
  while (!conn.closed && written < 10_000_000) {
    conn.write(bytes);
    written += bytes.length;
    await sleep(everyMs);
  }
  return written;
}

describe('malformed replies', () => {
  const cases: [string, string, RegExp, string][] = [
    [
      'mixed codes in a multi-line greeting',
      '220-fake.test hello\r\n250 oops\r\n',
      /code changed within a multi-line reply, 220 then 250/,
      '250 oops\\r\\n',
    ],
    ['a missing separator after the code', '220xfake.test\r\n', /missing separator/, '220xfake.test\\r\\n'],
    ['a non-numeric code', '2X0 fake.test\r\n', /code is not three digits/, '2X0 fake.test\\r\\n'],
    ['a code outside 2-5', '620 fake.test\r\n', /start with 2 to 5/, '620 fake.test\\r\\n'],
    // 1yz answers no SMTP command: a "154" greeting is a protocol error, not a refusal (exit 10, not 12).
    ['a 1yz greeting', '154 wait for it\r\n', /start with 2 to 5/, '154 wait for it\\r\\n'],
    ['a control byte in a short line', '2\x00\r\n', /three digits/, '2\\x00\\r\\n'],
  ];
  for (const [name, bytes, message, raw] of cases) {
    it(`${name} → protocol-error with the raw bytes`, async () => {
      const server = await fakeServer(async (conn) => {
        conn.write(bytes);
        await conn.waitClosed();
      });
      const started = performance.now();
      const record = await probe({ connection: tcp(server) });
      expect(performance.now() - started).toBeLessThan(1500);
      expect(record.result.error).toMatchObject({ code: 'protocol-error', raw });
      expect(record.result.error?.message).toMatch(message);
      // A broken peer gets nothing more: no EHLO, not even QUIT.
      await scriptsOk(server);
      expect(wire(server.connections[0])).toBe('');
    });
  }

  it('mixed codes inside the EHLO reply → protocol-error, nothing sent after EHLO', async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('220 fake.test ESMTP');
      await expectLine(conn, 'EHLO client.test');
      conn.write('250-fake.test\r\n250-PIPELINING\r\n554 no\r\n');
      await conn.waitClosed();
    });
    const record = await probe({ connection: tcp(server) });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'protocol-error', raw: '554 no\\r\\n' });
    expect(record.greeting?.code).toBe(220);
    expect(wire(server.connections[0])).toBe('EHLO client.test\r\n');
  });

  it('an endless line (no newline) fails at maxLineLength, not by timeout', async () => {
    let written = 0;
    const server = await fakeServer(async (conn) => {
      written = await flood(conn, '220 ' + 'A'.repeat(60));
    });
    const started = performance.now();
    const record = await probe({ connection: tcp(server, { maxLineLength: 512, timeouts: { greeting: 10_000 } }) });
    const elapsed = performance.now() - started;
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('protocol-error');
    expect(record.result.error?.message).toMatch(/longer than 512 bytes/);
    expect(record.result.error?.raw).toMatch(/^220 AAAA/);
    expect(elapsed).toBeLessThan(3000);
    // The client gave up soon after the cap, not after megabytes.
    expect(written).toBeGreaterThanOrEqual(512);
    expect(written).toBeLessThan(64 * 1024);
  });

  it('an endless line under the default cap (8192) also fails', async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('220 fake.test');
      await expectLine(conn, 'EHLO client.test');
      await flood(conn, '250-' + 'B'.repeat(1020));
    });
    const record = await probe({ connection: tcp(server, { timeouts: { ehlo: 10_000 } }) });
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('protocol-error');
    expect(record.result.error?.message).toMatch(/longer than 8192 bytes/);
  });

  it('an endless multi-line reply fails at maxLinesPerReply', async () => {
    let written = 0;
    const server = await fakeServer(async (conn) => {
      conn.reply('220 fake.test');
      await expectLine(conn, 'EHLO client.test');
      written = await flood(conn, '250-X-EXTENSION\r\n');
    });
    const record = await probe({ connection: tcp(server, { maxLinesPerReply: 40, timeouts: { ehlo: 10_000 } }) });
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('protocol-error');
    expect(record.result.error?.message).toMatch(/more than 40 lines/);
    expect(record.result.error?.raw).toBe('250-X-EXTENSION\\r\\n');
    expect(written).toBeLessThan(64 * 1024);
  });

  it('an endless multi-line greeting fails at the default line cap (512)', async () => {
    const server = await fakeServer(async (conn) => {
      await flood(conn, '220-still greeting\r\n'.repeat(20));
    });
    const record = await probe({ connection: tcp(server, { timeouts: { greeting: 10_000 } }) });
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('protocol-error');
    expect(record.result.error?.message).toMatch(/more than 512 lines/);
  });

  it('accepts bare-LF replies and flags them in the transcript', async () => {
    const server = await fakeServer(async (conn) => {
      conn.write('220 fake.test ready\n');
      await expectLine(conn, 'EHLO client.test');
      conn.write('250-fake.test\r\n250-PIPELINING\n250 SIZE 100\r\n');
      await expectLine(conn, 'QUIT');
      conn.write('221 bye\n');
      await conn.waitClosed();
    });
    const record = await probe({ connection: tcp(server) });
    await scriptsOk(server);
    expect(record.result).toEqual({ ok: true });
    expect(record.capabilities.map((c) => c.name)).toEqual(['PIPELINING', 'SIZE']);
    const recv = record.events.filter((e) => e.dir === 'recv').map((e) => [e.text, e.bareLf === true]);
    expect(recv).toEqual([
      ['220 fake.test ready', true],
      ['250-fake.test', false],
      ['250-PIPELINING', true],
      ['250 SIZE 100', false],
      ['221 bye', true],
    ]);
  });

  for (const last of ['250', '250 ']) {
    it(`accepts ${JSON.stringify(last)} as the empty last line of EHLO (smtp-sink style)`, async () => {
      const server = await fakeServer(async (conn) => {
        conn.reply('220 fake.test');
        await expectLine(conn, 'EHLO client.test');
        conn.write(`250-fake.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n${last}\r\n`);
        await quit(conn);
      });
      const record = await probe({ connection: tcp(server) });
      await scriptsOk(server);
      expect(record.result).toEqual({ ok: true });
      expect(record.capabilities).toEqual([
        { name: 'PIPELINING', params: [] },
        { name: '8BITMIME', params: [] },
      ]);
    });
  }
});

describe('greeting and EHLO', () => {
  it('falls back to HELO when EHLO is refused with 502; capabilities are empty', async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('220 old.test SMTP');
      await expectLine(conn, 'EHLO client.test');
      conn.reply('502 5.5.2 command not recognized');
      await expectLine(conn, 'HELO client.test');
      conn.reply('250 old.test');
      // No PIPELINING: commands one at a time.
      await expectLine(conn, 'MAIL FROM:<a@example.org>');
      conn.reply('250 ok');
      await expectLine(conn, 'RCPT TO:<b@example.org>');
      conn.reply('250 ok');
      await expectLine(conn, 'DATA');
      conn.reply('354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply('250 queued');
      await quit(conn);
    });
    const record = await send({ connection: tcp(server), message: message() });
    await scriptsOk(server);
    expect(record.result).toEqual({ ok: true, verdict: 'delivered' });
    expect(record.helloVerb).toBe('HELO');
    expect(record.capabilities).toEqual([]);
  });

  for (const code of [421, 451]) {
    it(`EHLO refused with ${code} → helo-refused, no HELO fallback`, async () => {
      const server = await fakeServer(async (conn) => {
        conn.reply('220 fake.test');
        await expectLine(conn, 'EHLO client.test');
        conn.reply(`${code} 4.3.2 try later`);
        if (code === 421) {
          conn.end();
          await conn.waitClosed();
        } else {
          await quit(conn);
        }
      });
      const record = await probe({ connection: tcp(server) });
      await scriptsOk(server);
      expect(record.result.error).toMatchObject({ code: 'helo-refused', replyCode: code, command: 'EHLO' });
      expect(wire(server.connections[0])).not.toContain('HELO client.test');
      expect(record.helloVerb).toBeUndefined();
    });
  }

  it('EHLO and HELO both refused → helo-refused naming HELO', async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('220 fake.test');
      await expectLine(conn, 'EHLO client.test');
      conn.reply('500 5.5.1 what');
      await expectLine(conn, 'HELO client.test');
      conn.reply('550 5.7.1 go away');
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server) });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'helo-refused', replyCode: 550, command: 'HELO' });
  });

  it('a 554 greeting → greeting-refused, and the client still says QUIT', async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('554 5.7.1 no SMTP service here');
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server) });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'greeting-refused', replyCode: 554, enhancedCode: '5.7.1' });
    expect(record.greeting).toEqual({ code: 554, enhancedCode: '5.7.1', text: '5.7.1 no SMTP service here' });
    expect(wire(server.connections[0])).toBe('QUIT\r\n');
  });

  it('a 421 greeting followed by a close → greeting-refused with 421', async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('421 4.3.2 too busy');
      conn.end();
      await conn.waitClosed();
    });
    const record = await probe({ connection: tcp(server) });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'greeting-refused', replyCode: 421 });
    expect(wire(server.connections[0])).not.toContain('EHLO');
  });

  it('LMTP greets with LHLO, never EHLO or HELO', async () => {
    const server = await fakeServer(
      async (conn) => {
        conn.reply('220 lmtp.test LMTP');
        await expectLine(conn, 'LHLO client.test');
        conn.reply('250-lmtp.test', '250-PIPELINING', '250 ENHANCEDSTATUSCODES');
        await quit(conn);
      },
      { unix: true },
    );
    const record = await probe({ connection: unix(server, { protocol: 'lmtp' }) });
    await scriptsOk(server);
    expect(record.result).toEqual({ ok: true });
    expect(record.helloVerb).toBe('LHLO');
    expect(wire(server.connections[0])).toBe('LHLO client.test\r\nQUIT\r\n');
  });

  it('LMTP with LHLO refused → helo-refused, no HELO fallback', async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('220 lmtp.test LMTP');
      await expectLine(conn, 'LHLO client.test');
      conn.reply('500 5.5.1 unknown');
      await quit(conn);
    });
    const record = await probe({ connection: tcp(server, { protocol: 'lmtp' }) });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'helo-refused', replyCode: 500, command: 'LHLO' });
    expect(wire(server.connections[0])).toBe('LHLO client.test\r\nQUIT\r\n');
  });
});

describe('dropped connections', () => {
  it('the server closing right after the greeting → server-disconnected', async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('220 fake.test');
      conn.end();
      await conn.waitClosed();
    });
    const record = await probe({ connection: tcp(server) });
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('server-disconnected');
    expect(record.greeting?.code).toBe(220);
  });

  it('the server dropping the socket mid-DATA → server-disconnected; the record keeps the recipients', async () => {
    const body = Buffer.alloc(2 * 1024 * 1024, 'x\r\n'.repeat(40) + 'line of body text\r\n');
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING', '8BITMIME']);
      await conn.readUntil('DATA\r\n');
      conn.reply('250 2.1.0 ok', '250 2.1.5 ok', '250 2.1.5 ok', '354 go');
      await conn.readBytes(4096);
      conn.destroy();
    });
    const raw = Buffer.concat([Buffer.from('From: a@example.org\r\nTo: b@example.org, c@example.org\r\n\r\n'), body]);
    const started = performance.now();
    const record = await send({ connection: tcp(server), message: { raw } });
    await scriptsOk(server);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(record.result.error?.code).toBe('server-disconnected');
    expect(record.result.verdict).toBe('none');
    expect(record.recipients?.map((r) => [r.address, r.accepted, r.delivered])).toEqual([
      ['b@example.org', true, false],
      ['c@example.org', true, false],
    ]);
    expect(record.message?.method).toBe('DATA');
  });

  it('the server dropping the socket while the client waits for the final reply → unknown, never "refused"', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await conn.readUntil('DATA\r\n');
      conn.reply('250 ok', '250 ok', '354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.destroy();
    });
    const record = await send({ connection: tcp(server), message: message() });
    await scriptsOk(server);
    // The whole message went out: the server may have stored it.
    expect(record.result.error?.code).toBe('delivery-unknown');
    expect(record.result.error?.message).toMatch(/may have accepted the message/);
    expect(record.result.verdict).toBe('unknown');
    expect(record.recipients?.[0]).toMatchObject({ address: 'b@example.org', accepted: true, delivered: false, failure: 'unknown' });
  });

  it('421 to MAIL and a close → sender-refused with 421 (not masked by the RSET that cannot go out)', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, []);
      await expectLine(conn, 'MAIL FROM:<a@example.org>');
      conn.reply('421 4.3.2 shutting down');
      conn.end();
      await conn.waitClosed();
    });
    const record = await send({ connection: tcp(server), message: message() });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'sender-refused', replyCode: 421, enhancedCode: '4.3.2' });
  });

  it('421 to RCPT and a close → recipients-refused with 421 and a temporary failure', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, []);
      await expectLine(conn, 'MAIL FROM:<a@example.org>');
      conn.reply('250 ok');
      await expectLine(conn, 'RCPT TO:<b@example.org>');
      conn.reply('421 4.4.5 too many connections');
      conn.end();
      await conn.waitClosed();
    });
    const record = await send({ connection: tcp(server), message: message() });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'recipients-refused', replyCode: 421 });
    expect(record.recipients?.[0]).toMatchObject({ accepted: false, failure: 'temporary' });
  });

  it('421 to DATA and a close → data-refused with 421', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, []);
      await expectLine(conn, 'MAIL FROM:<a@example.org>');
      conn.reply('250 ok');
      await expectLine(conn, 'RCPT TO:<b@example.org>');
      conn.reply('250 ok');
      await expectLine(conn, 'DATA');
      conn.reply('421 4.3.0 going down');
      conn.end();
      await conn.waitClosed();
    });
    const record = await send({ connection: tcp(server), message: message() });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'data-refused', replyCode: 421 });
    expect(record.recipients?.[0]).toMatchObject({ accepted: true, delivered: false });
  });
});
