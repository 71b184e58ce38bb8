import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../shared/session-record.js';
import { EXIT } from '../../electron/cli/exit-codes.js';
import { assertCliBuilt, cli, type Run } from '../helpers/cli.js';
import { greetAndEhlo, startFakeServer, type FakeConnection, type FakeServer } from '../helpers/fake-server.js';
import { startLibraryServer, type LibraryServer, type LibraryServerOptions } from '../helpers/library-server.js';

/** --auth-optional (swaks -ao) against servers with and without AUTH, and OAUTHBEARER (RFC 7628) byte for byte. */

const USER = 'opt-user@example.test';
const SECRET = 'Opt-Secret-5d1e';
const TOKEN = 'bearer-token-Z9y8x7';
const servers: LibraryServer[] = [];
const fakes: FakeServer[] = [];
beforeAll(() => assertCliBuilt());
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(fakes.splice(0).map((s) => s.close()));
});

async function library(options: LibraryServerOptions = {}): Promise<{ args: string[]; s: LibraryServer }> {
  const s = await startLibraryServer(options);
  servers.push(s);
  return { args: ['--host', '127.0.0.1', '--port', String(s.port), '--timeout', '5'], s };
}
const record = (run: Run): SessionRecord => JSON.parse(run.stdout) as SessionRecord;
const MESSAGE = ['--from', 'a@example.org', '--to', 'b@example.org', '--body', 'hi'];
const AUTH = ['--auth', 'auto', '--user', USER, '--password-env', 'OPT_SECRET', '--auth-optional'];

describe('--auth-optional', () => {
  it('no AUTH offered: the message goes without it, and the record says why', async () => {
    const { args, s } = await library();
    const run = await cli(['send', ...args, ...MESSAGE, ...AUTH, '--json'], { OPT_SECRET: SECRET });
    expect(run.code).toBe(EXIT.ok);
    const r = record(run);
    expect(r.auth).toBeUndefined();
    expect(r.authSkipped).toMatch(/^the server does not advertise AUTH: the session went on without AUTH \(optional\)$/);
    expect(s.messages).toHaveLength(1);
    expect(s.messages[0]!.user).toBeUndefined();
    expect(s.received.toString('latin1')).not.toMatch(/AUTH/);
  });

  it('the summary shows it', async () => {
    const { args } = await library();
    const run = await cli(['probe', ...args, ...AUTH], { OPT_SECRET: SECRET });
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/^Auth:\s+NOT USED: the server does not advertise AUTH/m);
  });

  it('AUTH offered: it authenticates', async () => {
    const { args, s } = await library({ auth: { user: USER, password: SECRET } });
    const run = await cli(['send', ...args, ...MESSAGE, ...AUTH], { OPT_SECRET: SECRET });
    expect(run.code).toBe(EXIT.ok);
    expect(s.messages[0]!.user).toBe(USER);
  });

  it('AUTH offered and refused: still a failure (exit 5), nothing sent after it', async () => {
    const { args, s } = await library({ auth: { user: USER, password: SECRET } });
    const run = await cli(['send', ...args, ...MESSAGE, ...AUTH], { OPT_SECRET: 'wrong' });
    expect(run.code).toBe(EXIT.auth);
    expect(s.messages).toHaveLength(0);
    expect(s.received.toString('latin1')).not.toMatch(/MAIL FROM/);
  });

  it('the named mechanism not offered: goes on without', async () => {
    const { args, s } = await library({ auth: { user: USER, password: SECRET, methods: ['LOGIN'] } });
    const run = await cli(
      ['send', ...args, ...MESSAGE, '--auth', 'cram-md5', '--user', USER, '--password-env', 'OPT_SECRET', '--auth-optional', '--json'],
      {
        OPT_SECRET: SECRET,
      },
    );
    expect(run.code).toBe(EXIT.ok);
    expect(record(run).authSkipped).toMatch(/does not advertise CRAM-MD5/);
    expect(s.messages).toHaveLength(1);
  });

  it('without --auth/--user it is a usage error', async () => {
    const run = await cli(['probe', '--host', '127.0.0.1', '--auth-optional']);
    expect(run.code).toBe(EXIT.usage);
  });
});

describe('OAUTHBEARER', () => {
  /** A server that offers OAUTHBEARER; `answer` decides on the decoded initial response. */
  async function bearerServer(answer: (conn: FakeConnection, message: string) => Promise<void>): Promise<string[]> {
    const s = await startFakeServer(async (conn) => {
      try {
        await greetAndEhlo(conn, ['AUTH OAUTHBEARER XOAUTH2', 'PIPELINING']);
        const line = await conn.readLine();
        const [verb, mechanism, initial] = line.split(' ');
        if (verb !== 'AUTH' || mechanism !== 'OAUTHBEARER' || !initial) {
          conn.reply('504 5.5.4 unexpected');
          return;
        }
        await answer(conn, Buffer.from(initial, 'base64').toString('utf8'));
        const quit = await conn.readLine();
        if (quit === 'QUIT') conn.reply('221 bye');
        conn.end();
      } catch {
        // The client hung up.
      }
    });
    fakes.push(s);
    return ['--host', '127.0.0.1', '--port', String(s.port), '--timeout', '5'];
  }

  it('sends n,a=user, host, port and the token (RFC 7628 §3.1)', async () => {
    let seen = '';
    let port = 0;
    const args = await bearerServer(async (conn, message) => {
      seen = message;
      port = conn.socket.localPort!;
      conn.reply('235 2.7.0 ok');
    });
    const run = await cli(['probe', ...args, '--auth', 'oauthbearer', '--user', USER, '--password-env', 'TOKEN', '--json'], { TOKEN });
    expect(run.code).toBe(EXIT.ok);
    expect(seen).toBe(`n,a=${USER},\x01host=127.0.0.1\x01port=${port}\x01auth=Bearer ${TOKEN}\x01\x01`);
    expect(record(run).auth).toMatchObject({ mechanism: 'OAUTHBEARER', ok: true });
    expect(run.stdout).not.toContain(TOKEN);
  });

  it('a refusal: the JSON error is decoded, the ^A acknowledgement sent, exit 5, the token nowhere in the output', async () => {
    let ack = '';
    const args = await bearerServer(async (conn) => {
      const error = {
        status: 'invalid_token',
        scope: 'mail.send',
        'openid-configuration': 'https://idp.example/.well-known/openid-configuration',
      };
      conn.reply(`334 ${Buffer.from(JSON.stringify(error)).toString('base64')}`);
      ack = await conn.readLine();
      conn.reply('535 5.7.8 authentication failed');
    });
    const run = await cli(['probe', ...args, '--auth', 'oauthbearer', '--user', USER, '--password-env', 'TOKEN', '--json'], { TOKEN });
    expect(run.code).toBe(EXIT.auth);
    expect(ack).toBe('AQ==');
    const r = record(run);
    expect(r.auth?.serverError).toMatchObject({
      status: 'invalid_token',
      scope: 'mail.send',
      openidConfiguration: 'https://idp.example/.well-known/openid-configuration',
    });
    expect(r.result.error?.message).toMatch(
      /the server said: status invalid_token, scope mail\.send, openid-configuration https:\/\/idp\.example/,
    );
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });
});
