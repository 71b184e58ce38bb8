import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, cli } from '../helpers/cli.js';
import { scriptedServers, type FakeConnection } from '../helpers/fake-server.js';

/**
 * `smtp-lens smuggling-test` against scripted servers that end the data where a real one might: one takes <LF>.<LF>
 * as the end (as postfix did before CVE-2023-51764 was fixed), one only <CR><LF>.<CR><LF>, one refuses bare line
 * endings outright.
 */

const scripted = scriptedServers();
beforeAll(() => assertCliBuilt());
afterAll(() => scripted.closeAll());

const STANDARD_END = '\r\n.\r\n';

/**
 * A server reading the byte stream itself: `ends` are what it takes as the end of the data (the standard one always);
 * `refuse` answers a message it does not like. Each message it took is kept in `messages`.
 */
function dataServer(options: { ends?: string[]; refuse?: (message: string) => string | undefined }, messages: string[]) {
  const ends = [STANDARD_END, ...(options.ends ?? [])];
  return async (conn: FakeConnection): Promise<void> => {
    let pending = '';
    const pull = async (): Promise<void> => {
      pending += (await conn.readBytes(Math.max(1, conn.unread.length))).toString('latin1');
    };
    const line = async (): Promise<string> => {
      while (!pending.includes('\r\n')) await pull();
      const at = pending.indexOf('\r\n');
      const l = pending.slice(0, at);
      pending = pending.slice(at + 2);
      return l;
    };
    // The data starts right after DATA's CRLF, which the standard terminator's leading CRLF may be.
    const data = async (): Promise<string> => {
      pending = '\r\n' + pending;
      for (;;) {
        const found = ends
          .map((end) => ({ end, at: pending.indexOf(end) }))
          .filter((f) => f.at >= 0)
          .sort((a, b) => a.at - b.at)[0];
        if (found) {
          const message = pending.slice(2, found.at);
          pending = pending.slice(found.at + found.end.length);
          return message;
        }
        await pull();
      }
    };
    conn.reply('220 mx.example.test ESMTP scripted');
    for (;;) {
      const l = await line();
      const verb = l.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') conn.reply('250-mx.example.test', '250 PIPELINING');
      else if (verb === 'MAIL' || verb === 'RCPT' || verb === 'RSET') conn.reply('250 2.0.0 Ok');
      else if (verb === 'DATA') {
        conn.reply('354 End data with <CR><LF>.<CR><LF>');
        const message = await data();
        const refusal = options.refuse?.(message);
        if (refusal) conn.reply(refusal);
        else {
          messages.push(message);
          conn.reply(`250 2.0.0 Ok: queued as M${messages.length}`);
        }
      } else if (verb === 'QUIT') {
        conn.reply('221 2.0.0 Bye');
        conn.end();
        return;
      } else conn.reply('500 5.5.2 Error: command not recognized');
    }
  };
}

const own = ['--i-own-this-server', '--from', 'admin@example.test', '--to', 'admin@example.test'];

interface Outcome {
  variant: { id: string };
  verdict: string;
  end?: { code: number };
  smuggled: { code: number }[];
}

describe('smuggling-test', () => {
  it('a server that ends the data at <LF>.<LF>: SMUGGLED, the smuggled commands answered, exit 17', async () => {
    const messages: string[] = [];
    const { args } = await scripted.start(dataServer({ ends: ['\n.\n'] }, messages));
    const run = await cli(['smuggling-test', ...args, ...own, '--variant', 'lf-dot-lf']);
    expect(run.code, run.stdout + run.stderr).toBe(17);
    expect(run.stdout).toMatch(/SMUGGLED\s+<LF>\.<LF>\s+end of data: 250 2\.0\.0 Ok: queued as M1/);
    expect(run.stdout).toMatch(/answered inside the message: 250 2\.0\.0 Ok \| 250 2\.0\.0 Ok \| 354 .* \| 250 2\.0\.0 Ok: queued as M2/);
    expect(run.stdout).toMatch(/Result: +the server ended the data at <LF>\.<LF>/);
    // The server really took two messages: the second one was smuggled.
    expect(messages).toHaveLength(2);
    expect(messages[1]).toMatch(/Subject: SMTP Lens smuggled message/);
  });

  it('all variants against the same server: exactly those that hold <LF>.<LF> are smuggled (--json)', async () => {
    const messages: string[] = [];
    const { args } = await scripted.start(dataServer({ ends: ['\n.\n'] }, messages));
    const run = await cli(['smuggling-test', ...args, ...own, '--json']);
    expect(run.code).toBe(17);
    const { outcomes } = JSON.parse(run.stdout) as { outcomes: Outcome[] };
    expect(Object.fromEntries(outcomes.map((o) => [o.variant.id, o.verdict]))).toEqual({
      'lf-dot-lf': 'smuggled',
      'cr-dot-cr': 'not-smuggled',
      'lf-dot-crlf': 'not-smuggled',
      'crlf-dot-lf': 'smuggled',
      'cr-dot-crlf': 'not-smuggled',
      'crlf-dot-cr': 'not-smuggled',
      'lf-dot-cr': 'not-smuggled',
      'cr-dot-lf': 'not-smuggled',
    });
    expect(outcomes.find((o) => o.variant.id === 'lf-dot-lf')!.smuggled.map((r) => r.code)).toEqual([250, 250, 354, 250]);
    expect(outcomes.find((o) => o.variant.id === 'cr-dot-cr')!.smuggled).toEqual([]);
  });

  it('a server that only knows <CR><LF>.<CR><LF>: nothing smuggled, one message per variant, exit 0', async () => {
    const messages: string[] = [];
    const { args, seen } = await scripted.start(dataServer({}, messages));
    const run = await cli(['smuggling-test', ...args, ...own]);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout.match(/not smuggled/g)).toHaveLength(8);
    expect(run.stdout).toMatch(/Result: +no variant ended the data/);
    expect(messages).toHaveLength(8);
    // The variant and the would-be commands went out inside the one message, byte for byte.
    expect(messages[0]).toContain('second transaction.\n.\nMAIL FROM:<admin@example.test>\r\nRCPT TO:<admin@example.test>\r\nDATA\r\n');
    expect((await seen()).toString('latin1')).toContain('\r\n.\r\nQUIT\r\n');
  });

  it('a server that refuses bare line endings: every variant "refused", none smuggled, exit 0', async () => {
    const messages: string[] = [];
    const bare = /\r(?!\n)|(?<!\r)\n/;
    const { args } = await scripted.start(
      dataServer({ refuse: (m) => (bare.test(m) ? '550 5.5.2 bare <CR> or <LF> received' : undefined) }, messages),
    );
    const run = await cli(['smuggling-test', ...args, ...own, '--json']);
    expect(run.code, run.stdout).toBe(0);
    const { outcomes } = JSON.parse(run.stdout) as { outcomes: Outcome[] };
    expect(outcomes).toHaveLength(8);
    for (const o of outcomes) expect([o.variant.id, o.verdict, o.end?.code, o.smuggled]).toEqual([o.variant.id, 'refused', 550, []]);
    expect(messages).toHaveLength(0);
  });

  it('the server hangs up after the end of the data: "unknown", not a clean bill, exit 15', async () => {
    const { args } = await scripted.start(async (conn) => {
      conn.reply('220 mx.example.test ESMTP');
      await conn.readLine();
      conn.reply('250 mx.example.test');
      await conn.readLine();
      conn.reply('250 ok');
      await conn.readLine();
      conn.reply('250 ok');
      await conn.readLine();
      conn.reply('354 go on');
      await conn.readUntil(STANDARD_END);
      conn.reply('250 queued');
      conn.destroy();
    });
    const run = await cli(['smuggling-test', ...args, ...own, '--variant', 'lf-dot-lf']);
    expect(run.code).toBe(15);
    expect(run.stdout).toMatch(/unknown\s+<LF>\.<LF>/);
    expect(run.stdout).toMatch(/none smuggled, but 1 could not be judged/);
  });

  it('only with --i-own-this-server, --from and --to; an unknown variant is named', async () => {
    const none = await cli(['smuggling-test', '--host', '127.0.0.1', '--from', 'a@b.test', '--to', 'a@b.test']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/only against a server you run, and say so with --i-own-this-server/);
    expect((await cli(['smuggling-test', '--host', '127.0.0.1', '--i-own-this-server', '--to', 'a@b.test'])).code).toBe(2);
    const bad = await cli(['smuggling-test', '--host', '127.0.0.1', ...own, '--variant', 'lf-lf']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown --variant lf-lf \(one of lf-dot-lf, /);
  });

  it('every other path keeps refusing the sequences: send with them in the body is one message on that same server', async () => {
    const messages: string[] = [];
    const { args, seen } = await scripted.start(dataServer({ ends: ['\n.\n', '\r.\r'] }, messages));
    const body = 'a\n.\nMAIL FROM:<x@example.test>\r\nRCPT TO:<x@example.test>\r\nDATA\r\nb\r.\rc';
    const run = await cli(['send', ...args, '--from', 'a@example.test', '--to', 'a@example.test', '--body', body]);
    expect(run.code, run.stderr).toBe(0);
    expect(messages).toHaveLength(1);
    const wire = (await seen()).toString('latin1');
    expect(/\r(?!\n)|(?<!\r)\n/.test(wire)).toBe(false);
  });
});
