import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../shared/session-record.js';
import { EXIT } from '../../electron/cli/exit-codes.js';
import { assertCliBuilt, cli, type Run } from '../helpers/cli.js';
import { greetAndEhlo, scriptedServers, type FakeConnection, type FakeServer, type ScriptedServer } from '../helpers/fake-server.js';

/**
 * raw and verify tell the truth (a refused command is exit 13; input is checked before connecting; verify takes
 * several addresses on one connection), and --helo greets as smtplib's helo() does. Scripted servers answer exactly.
 */

beforeAll(() => assertCliBuilt());
afterEach(async () => {
  await scriptedServer.closeAll();
});

const scriptedServer = scriptedServers();
/** A scripted server; the lines each connection sent are kept. */
const scripted = (script: (conn: FakeConnection) => Promise<void>): Promise<ScriptedServer> =>
  scriptedServer.start(script, ['--ehlo', 'client.test']);

/** Answer each command line from a table (by its first word), QUIT with 221 and close. */
function answering(table: Record<string, string>): (conn: FakeConnection) => Promise<void> {
  return async (conn) => {
    await greetAndEhlo(conn);
    for (;;) {
      const line = await conn.readLine();
      if (line === 'QUIT') {
        conn.reply('221 bye');
        conn.end();
        return;
      }
      conn.reply(table[line] ?? table[line.split(' ')[0]!] ?? '500 5.5.2 what?');
    }
  };
}

const lines = (server: FakeServer): string[] => server.connections[0]!.received.toString('latin1').split('\r\n').filter(Boolean);
const record = (run: Run): SessionRecord => JSON.parse(run.stdout) as SessionRecord;

describe('raw', () => {
  it('every reply 2xx/3xx → exit 0', async () => {
    const { args } = await scripted(answering({ NOOP: '250 2.0.0 ok', HELP: '214 2.0.0 see RFC 5321' }));
    const run = await cli(['raw', ...args, '--command', 'NOOP', '--command', 'HELP']);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/^Command:\s+HELP -> 214 2\.0\.0 see RFC 5321$/m);
  });

  it('a 5xx to one command → exit 13; the later commands are still sent and answered', async () => {
    const { args, server } = await scripted(answering({ NOOP: '250 2.0.0 ok', 'VRFY x': '550 5.1.1 no such user' }));
    const run = await cli(['raw', ...args, '--command', 'VRFY x', '--command', 'NOOP', '--json']);
    expect(run.code).toBe(EXIT.commandFailed);
    expect(lines(server)).toEqual(['EHLO client.test', 'VRFY x', 'NOOP', 'QUIT']);
    const r = record(run);
    expect(r.commands?.map((c) => c.reply.code)).toEqual([550, 250]);
    expect(r.result.error).toMatchObject({ code: 'command-failed', command: 'VRFY x' });
    expect(r.result.error?.message).toBe('1 of 2 raw commands answered 4xx/5xx; first: VRFY x -> 550 5.1.1 no such user');
  });

  it('a 4xx counts too → exit 13', async () => {
    const { args } = await scripted(answering({ ETRN: '458 4.0.0 unable to queue messages' }));
    const run = await cli(['raw', ...args, '--command', 'ETRN example.org']);
    expect(run.code).toBe(EXIT.commandFailed);
    expect(run.stderr).toMatch(/ETRN example\.org -> 458/);
  });

  it('a command with CR/LF is refused before connecting (exit 2): the server sees no connection at all', async () => {
    const { args, server } = await scripted(answering({}));
    const run = await cli(['raw', ...args, '--command', 'NOOP', '--command', 'NOOP\r\nRSET']);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/raw command/);
    await new Promise((r) => setTimeout(r, 50));
    expect(server.connections).toHaveLength(0);
  });
});

describe('verify', () => {
  it('several addresses on one connection: each asked; one refused → exit 13 naming it', async () => {
    const { args, server } = await scripted(
      answering({
        'VRFY alice': '250 2.1.5 Alice <alice@example.org>',
        'VRFY bob': '550 5.1.1 bob: unknown',
        'VRFY list': '252 2.0.0 try it',
      }),
    );
    const run = await cli(['verify', ...args, 'alice', 'bob', 'list', '--json']);
    expect(run.code).toBe(EXIT.commandFailed);
    expect(server.connections).toHaveLength(1);
    expect(lines(server)).toEqual(['EHLO client.test', 'VRFY alice', 'VRFY bob', 'VRFY list', 'QUIT']);
    const r = record(run);
    expect(r.commands?.map((c) => [c.command, c.reply.code])).toEqual([
      ['VRFY alice', 250],
      ['VRFY bob', 550],
      ['VRFY list', 252],
    ]);
    expect(r.result.error?.message).toMatch(/^VRFY: 1 of 3 addresses not verified \(bob\); first: VRFY answered 550/);
  });

  it('every address verified → exit 0', async () => {
    const { args } = await scripted(answering({ VRFY: '252 2.0.0 cannot VRFY, but will accept' }));
    const run = await cli(['verify', ...args, 'a', 'b']);
    expect(run.code).toBe(EXIT.ok);
  });

  it('EXPN with --expn', async () => {
    const { args, server } = await scripted(answering({ 'EXPN staff': '250 2.1.5 <a@example.org>' }));
    const run = await cli(['verify', ...args, '--expn', 'staff']);
    expect(run.code).toBe(EXIT.ok);
    expect(lines(server)).toContain('EXPN staff');
  });
});

describe('--helo', () => {
  it('greets with HELO (no EHLO at all) and records it', async () => {
    const { args, server } = await scripted(async (conn) => {
      conn.reply('220 old.test SMTP');
      const hello = await conn.readLine();
      conn.reply(hello.startsWith('HELO ') ? '250 old.test' : '502 5.5.1 no');
      await conn.readLine();
      conn.reply('221 bye');
      conn.end();
    });
    const run = await cli(['probe', ...args, '--helo', '--json']);
    expect(run.code).toBe(EXIT.ok);
    expect(lines(server)).toEqual(['HELO client.test', 'QUIT']);
    const r = record(run);
    expect(r.helloVerb).toBe('HELO');
    expect(r.capabilities).toEqual([]);
    // Chosen, not fallen back to: no helo-fallback finding.
    expect(r.findings?.map((f) => f.id)).not.toContain('helo-fallback');
  });

  it.each([
    [['--tls', 'starttls'], /--helo gets no extension list/],
    [['--protocol', 'lmtp'], /--helo does not apply to LMTP/],
  ])('%j with --helo is a usage error', async (extra, message) => {
    const run = await cli(['probe', '--host', '127.0.0.1', '--helo', ...extra]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(message);
  });
});
