import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, cli } from '../helpers/cli.js';
import { scriptedServers, type FakeConnection } from '../helpers/fake-server.js';

/** `smtp-lens relay-test` against scripted servers: which tricks were accepted, and that DATA is never sent. */

const scripted = scriptedServers();
beforeAll(() => assertCliBuilt());
afterAll(() => scripted.closeAll());

/** A server named mx.example.test that answers MAIL and RCPT as `mail` and `rcpt` decide. */
function relayServer(rcpt: (to: string) => string, mail: (from: string) => string = () => '250 2.1.0 Ok') {
  return async (conn: FakeConnection): Promise<void> => {
    conn.reply('220 mx.example.test ESMTP scripted');
    for (;;) {
      const line = await conn.readLine();
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') conn.reply('250-mx.example.test', '250 8BITMIME');
      else if (verb === 'MAIL') conn.reply(mail(/<(.*)>/.exec(line)?.[1] ?? ''));
      else if (verb === 'RCPT') conn.reply(rcpt(/<(.*)>/.exec(line)?.[1] ?? ''));
      else if (verb === 'RSET') conn.reply('250 2.0.0 Ok');
      else if (verb === 'QUIT') {
        conn.reply('221 2.0.0 Bye');
        conn.end();
        return;
      } else conn.reply('502 5.5.2 not in this script');
    }
  };
}

const sentCommands = (bytes: Buffer): string[] => bytes.toString('latin1').split('\r\n').filter(Boolean);

describe('relay-test', () => {
  it('a server that accepts the %-hack: that trick ACCEPTED, the others refused, exit 16, never DATA', async () => {
    const { args, seen } = await scripted.start(relayServer((to) => (to.includes('%') ? '250 2.1.5 Ok' : '554 5.7.1 Relay access denied')));
    const run = await cli(['relay-test', ...args, '--to', 'victim@external.example']);
    expect(run.code).toBe(16);
    expect(run.stdout).toMatch(/taken as mx\.example\.test/);
    expect(run.stdout).toMatch(
      /ACCEPTED\s+the %-hack: MAIL FROM:<smtp-lens@relay-test\.invalid> RCPT TO:<victim%external\.example@mx\.example\.test>/,
    );
    expect(run.stdout).toMatch(/refused\s+an external recipient: .*RCPT TO:<victim@external\.example>/);
    expect(run.stdout).toMatch(/Result: +1 trick\(s\) accepted: percent-hack/);
    const sent = sentCommands(await seen());
    expect(sent.some((l) => /^DATA/i.test(l))).toBe(false);
    expect(sent.filter((l) => l.startsWith('RCPT TO:'))).toEqual([
      'RCPT TO:<victim@external.example>',
      'RCPT TO:<victim%external.example@mx.example.test>',
      'RCPT TO:<"victim@external.example"@mx.example.test>',
      'RCPT TO:<@mx.example.test:victim@external.example>',
      'RCPT TO:<external.example!victim@mx.example.test>',
      'RCPT TO:<victim@external.example>',
      'RCPT TO:<victim@external.example>',
    ]);
    expect(sent).toContain('MAIL FROM:<>');
    expect(sent).toContain('MAIL FROM:<postmaster@mx.example.test>');
    // Each trick is its own transaction.
    expect(sent.filter((l) => l === 'RSET')).toHaveLength(7);
  });

  it('every trick refused: exit 0; --json carries each outcome with its replies', async () => {
    const { args } = await scripted.start(relayServer(() => '554 5.7.1 Relay access denied'));
    const run = await cli(['relay-test', ...args, '--local-domain', 'example.test', '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      localDomain: string;
      outcomes: { trick: { id: string; rcptTo: string }; verdict: string; rcpt?: { code: number } }[];
    };
    expect(out.localDomain).toBe('example.test');
    expect(out.outcomes.map((o) => o.trick.id)).toEqual([
      'plain',
      'percent-hack',
      'quoted',
      'source-route',
      'bang-path',
      'null-sender',
      'own-domain-sender',
    ]);
    expect(out.outcomes.every((o) => o.verdict === 'refused' && o.rcpt?.code === 554)).toBe(true);
    expect(out.outcomes[1]!.trick.rcptTo).toBe('nobody%relay-test.invalid@example.test');
  });

  it('a refused sender is no verdict on relaying: exit 15, RCPT not tried for it', async () => {
    const { args, seen } = await scripted.start(
      relayServer(
        () => '550 5.7.1 Relay access denied',
        (from) => (from === '' ? '550 5.7.1 no bounces here' : '250 2.1.0 Ok'),
      ),
    );
    const run = await cli(['relay-test', ...args]);
    expect(run.code).toBe(15);
    expect(run.stdout).toMatch(/sender refused\s+the null sender/);
    expect(run.stdout).toMatch(/none accepted, but 1 could not be judged: null-sender/);
    const sent = sentCommands(await seen());
    expect(sent.filter((l) => l.startsWith('RCPT TO:'))).toHaveLength(6);
  });

  it('a 4xx to RCPT is "deferred", not refused: exit 15', async () => {
    const { args } = await scripted.start(relayServer((to) => (to.includes('!') ? '451 4.3.0 try later' : '554 5.7.1 denied')));
    const run = await cli(['relay-test', ...args]);
    expect(run.code).toBe(15);
    expect(run.stdout).toMatch(/deferred\s+a !-path/);
  });

  it('the server hangs up mid-test: the rest are "not tried" with the reason, exit 15', async () => {
    const { args } = await scripted.start(async (conn) => {
      conn.reply('220 mx.example.test ESMTP');
      await conn.readLine();
      conn.reply('250 mx.example.test');
      await conn.readLine();
      conn.reply('250 ok');
      await conn.readLine();
      conn.reply('554 denied');
      await conn.readLine();
      conn.reply('250 ok');
      await conn.readLine();
      conn.destroy();
    });
    const run = await cli(['relay-test', ...args]);
    expect(run.code).toBe(15);
    expect(run.stdout).toMatch(/refused\s+an external recipient/);
    expect(run.stdout).toMatch(/not tried\s+the %-hack/);
    expect(run.stdout).toMatch(/not tried\s+the own|not tried\s+the server's own domain as sender/);
  });

  it('nothing listening: every trick not tried, exit 15 (no verdict is invented)', async () => {
    const run = await cli(['relay-test', '--host', '127.0.0.1', '--port', '1', '--timeout', '5']);
    expect(run.code).toBe(15);
    expect(run.stdout.match(/not tried/g)).toHaveLength(7);
  });

  it('usage errors: --to without a domain, CR/LF in --from', async () => {
    expect((await cli(['relay-test', '--host', 'h', '--to', 'nobody'])).code).toBe(2);
    const crlf = await cli(['relay-test', '--host', 'h', '--from', 'a@b\r\nDATA']);
    expect(crlf.code).toBe(2);
    expect(crlf.stderr).toMatch(/--from must be an address/);
  });
});
