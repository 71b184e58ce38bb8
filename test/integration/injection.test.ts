import { describe, expect, it } from 'vitest';
import { probe, raw, send, verify } from '../../electron/smtp/operations.js';
import { bufferSource } from '../../electron/smtp/message/message-source.js';
import { SmtpSession } from '../../electron/smtp/session.js';
import { MailTransaction } from '../../electron/smtp/transaction.js';
import {
  expectLine,
  fakeServer,
  greetAndEhlo,
  quit,
  rejection,
  scriptsOk,
  sleep,
  tcp,
  useFakeServers,
  wire,
  type FakeServer,
} from '../helpers/support.js';

useFakeServers();

const EVIL = 'RCPT TO:<evil@example.net>';
const message = { raw: Buffer.from('From: a@example.org\r\nTo: b@example.org\r\n\r\nhello\r\n') };

/** A server that greets, answers EHLO and then only QUIT: anything else the client sends fails the script. */
async function quietServer(extensions = ['PIPELINING', 'AUTH PLAIN LOGIN XOAUTH2 SCRAM-SHA-256', 'DSN']) {
  return fakeServer(async (conn) => {
    await greetAndEhlo(conn, extensions);
    await quit(conn);
  });
}

/** The client must have sent EHLO and QUIT and nothing else, and certainly nothing of the injected tail. */
function expectOnlyEhloQuit(sent: string): void {
  expect(sent).toBe('EHLO client.test\r\nQUIT\r\n');
  expect(sent).not.toContain('evil');
}

/** Either refused before connecting at all, or after EHLO with nothing but QUIT: never a byte of the input. */
function expectNothingOfIt(server: FakeServer): void {
  if (server.connections.length === 0) return;
  expect(server.connections).toHaveLength(1);
  expectOnlyEhloQuit(wire(server.connections[0]));
}

describe('CR/LF/NUL injection is refused before anything is written', () => {
  for (const [name, separator] of [
    ['CRLF', '\r\n'],
    ['bare LF', '\n'],
    ['bare CR', '\r'],
    ['NUL', '\0'],
  ] as const) {
    it(`${name} in the MAIL FROM address → invalid-input, no MAIL sent`, async () => {
      const server = await quietServer();
      const record = await send({
        connection: tcp(server),
        message,
        envelope: { from: `a@example.org>${separator}${EVIL.slice(0, -1)}` },
      });
      await scriptsOk(server);
      expect(record.result.error?.code).toBe('invalid-input');
      expectNothingOfIt(server);
    });

    it(`${name} in a RCPT TO address → invalid-input, no MAIL or RCPT sent`, async () => {
      const server = await quietServer();
      const record = await send({
        connection: tcp(server),
        message,
        envelope: { to: ['b@example.org', `c@example.org>${separator}${EVIL.slice(0, -1)}`] },
      });
      await scriptsOk(server);
      expect(record.result.error?.code).toBe('invalid-input');
      expectNothingOfIt(server);
    });
  }

  it('CRLF in the EHLO name → invalid-input before connecting', async () => {
    const server = await quietServer();
    const record = await probe({ connection: tcp(server, { ehloName: `client.test\r\n${EVIL}` }) });
    expect(record.result.error?.code).toBe('invalid-input');
    await sleep(30);
    expect(server.connections).toHaveLength(0);
  });

  it('CRLF in a VRFY argument → invalid-input, no VRFY sent', async () => {
    const server = await quietServer();
    const record = await verify({ connection: tcp(server), addresses: ['ok@example.org', `postmaster\r\n${EVIL}`] });
    expect(record.result.error?.code).toBe('invalid-input');
    // Checked before connecting: not even the good address went out.
    await sleep(30);
    expect(server.connections).toHaveLength(0);
  });

  it('LF in an EXPN argument → invalid-input, no EXPN sent', async () => {
    const server = await quietServer();
    const record = await verify({ connection: tcp(server), addresses: [`staff\n${EVIL}`], expand: true });
    expect(record.result.error?.code).toBe('invalid-input');
    await sleep(30);
    expect(server.connections).toHaveLength(0);
  });

  it('CRLF inside a raw command → invalid-input before connecting: not even the commands before it go out', async () => {
    const server = await quietServer();
    const record = await raw({ connection: tcp(server), commands: ['NOOP', `NOOP\r\n${EVIL}`, 'HELP'] });
    expect(record.result.error?.code).toBe('invalid-input');
    expect(record.commands).toBeUndefined();
    await sleep(30);
    expect(server.connections).toHaveLength(0);
  });

  for (const mechanism of ['PLAIN', 'LOGIN', 'SCRAM-SHA-256', 'XOAUTH2']) {
    it(`CRLF in the AUTH user name (${mechanism}) → invalid-input, no AUTH sent`, async () => {
      const server = await quietServer();
      const record = await probe({
        connection: tcp(server),
        auth: { user: `user\r\n${EVIL}`, password: 'pw', token: 'tok', mechanism },
      });
      await scriptsOk(server);
      expect(record.result.error?.code).toBe('invalid-input');
      expectOnlyEhloQuit(wire(server.connections[0]));
    });
  }

  it('CRLF in the authorization identity → invalid-input, no AUTH sent', async () => {
    const server = await quietServer();
    const record = await probe({ connection: tcp(server), auth: { user: 'u', authzid: `admin\r\n${EVIL}`, password: 'pw' } });
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('invalid-input');
    expectOnlyEhloQuit(wire(server.connections[0]));
  });

  it('CRLF in an XOAUTH2 token → invalid-input, no AUTH sent', async () => {
    const server = await quietServer();
    const record = await probe({ connection: tcp(server), auth: { user: 'u', token: `tok\r\n${EVIL}`, mechanism: 'XOAUTH2' } });
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('invalid-input');
    expectOnlyEhloQuit(wire(server.connections[0]));
  });

  for (const where of ['mailParams', 'rcptParams'] as const) {
    for (const param of [`X-A=1\r\n${EVIL}`, 'X-A=1 X-B=2', 'X-A=1\0']) {
      it(`${where} ${JSON.stringify(param)} → invalid-input, nothing sent for MAIL`, async () => {
        const server = await quietServer();
        const record = await send({ connection: tcp(server), message, options: { [where]: [param], force: true } });
        await scriptsOk(server);
        expect(record.result.error?.code).toBe('invalid-input');
        expectOnlyEhloQuit(wire(server.connections[0]));
      });
    }
  }

  it('a CRLF in a DSN ENVID travels xtext-encoded, never as a line break', async () => {
    let commands = '';
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING', 'DSN']);
      commands = (await conn.readUntil('DATA\r\n')).toString('latin1');
      conn.reply('250 ok', '250 ok', '354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply('250 ok');
      await quit(conn);
    });
    const record = await send({ connection: tcp(server), message, options: { dsn: { envid: `id\r\n${EVIL}` } } });
    await scriptsOk(server);
    expect(record.result.ok).toBe(true);
    expect(commands.split('\r\n')).toEqual([
      'MAIL FROM:<a@example.org> ENVID=id+0D+0ARCPT+20TO:<evil@example.net>',
      'RCPT TO:<b@example.org>',
      'DATA',
      '',
    ]);
  });

  it('the session API refuses CR/LF in docmd, help, verify and expn; the link stays usable', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, []);
      await expectLine(conn, 'NOOP');
      conn.reply('250 2.0.0 still here');
      await quit(conn);
    });
    const session = new SmtpSession(tcp(server));
    await session.open();
    for (const attempt of [
      () => session.docmd(`HELP\n${EVIL}`),
      () => session.help(`topic\r${EVIL}`),
      () => session.verify(`a\r\n${EVIL}`),
      () => session.expn(`list\0${EVIL}`),
      () => session.command(`NOOP\r\n${EVIL}`, 'command'),
    ]) {
      expect((await rejection(attempt())).code).toBe('invalid-input');
    }
    expect((await session.noop()).text).toBe('2.0.0 still here');
    await session.quit();
    await scriptsOk(server);
    expect(wire(server.connections[0])).toBe('EHLO client.test\r\nNOOP\r\nQUIT\r\n');
  });

  it('MailTransaction refuses a bad recipient before writing anything', async () => {
    const server = await quietServer();
    const session = new SmtpSession(tcp(server));
    await session.open();
    const tx = new MailTransaction(
      session,
      { from: 'a@example.org', to: [`b@example.org>\r\n${EVIL.slice(0, -1)}`] },
      bufferSource('x\r\n'),
    );
    expect((await rejection(tx.run())).code).toBe('invalid-input');
    await session.quit();
    await scriptsOk(server);
    expectOnlyEhloQuit(wire(server.connections[0]));
  });
});
