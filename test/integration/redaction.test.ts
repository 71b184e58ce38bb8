import { describe, expect, it } from 'vitest';
import { probe, raw } from '../../electron/smtp/operations.js';
import { SmtpSession } from '../../electron/smtp/session.js';
import { Transcript } from '../../electron/smtp/transcript.js';
import { formatTextTranscript } from '../../shared/transcript-format.js';
import type { SessionRecord } from '../../shared/session-record.js';
import { serveCramMd5, serveLogin, servePlain, serveScram, serveXoauth2 } from '../helpers/sasl-server.js';
import {
  b64,
  expectLine,
  fakeServer,
  greetAndEhlo,
  quit,
  rejection,
  scriptsOk,
  tcp,
  useFakeServers,
  type FakeConnection,
} from '../helpers/support.js';

useFakeServers();

const USER = 'canary-user@example.org';
const PASSWORD = 'Canary-Pa55-Zq9';
const TOKEN = 'ya29.Canary-Tok3n-Xq7';

/**
 * Every form in which a secret could leak: as is, and base64 at each of the three byte alignments
 * it can have inside a longer encoded message (the PLAIN or XOAUTH2 blob, say). For each alignment
 * only the base64 groups made of the secret's bytes alone are kept, so each form is what any
 * encoding of a message containing the secret must contain.
 */
function leakForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = [secret, bytes.toString('base64'), bytes.toString('hex')];
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k, 0x41), bytes]).toString('base64');
    forms.push(encoded.slice(k === 0 ? 0 : 4, Math.floor((k + bytes.length) / 3) * 4));
  }
  return forms;
}

const FORMS = [...leakForms(PASSWORD), ...leakForms(TOKEN)];

function expectNoSecrets(record: SessionRecord, ...more: (string | undefined)[]): void {
  const haystacks = {
    json: JSON.stringify(record),
    text: formatTextTranscript(record),
    message: record.result.error?.message ?? '',
    ...Object.fromEntries(more.map((m, i) => [`extra${i}`, m ?? ''])),
  };
  for (const [where, haystack] of Object.entries(haystacks)) {
    for (const form of FORMS) {
      expect(haystack.includes(form), `${JSON.stringify(form)} found in ${where}`).toBe(false);
    }
  }
}

type Script = (conn: FakeConnection) => Promise<unknown>;

const cases: { name: string; extensions: string; mechanism: string; ok: boolean; serve: Script; initialResponse?: boolean }[] = [
  { name: 'PLAIN accepted', extensions: 'AUTH PLAIN', mechanism: 'PLAIN', ok: true, serve: (c) => servePlain(c, true) },
  { name: 'PLAIN refused', extensions: 'AUTH PLAIN', mechanism: 'PLAIN', ok: false, serve: (c) => servePlain(c, false) },
  {
    name: 'PLAIN after an empty 334, refused',
    extensions: 'AUTH PLAIN',
    mechanism: 'PLAIN',
    ok: false,
    initialResponse: false,
    serve: (c) => servePlain(c, false),
  },
  { name: 'LOGIN accepted', extensions: 'AUTH LOGIN', mechanism: 'LOGIN', ok: true, serve: (c) => serveLogin(c, true) },
  { name: 'LOGIN refused', extensions: 'AUTH LOGIN', mechanism: 'LOGIN', ok: false, serve: (c) => serveLogin(c, false) },
  { name: 'CRAM-MD5 accepted', extensions: 'AUTH CRAM-MD5', mechanism: 'CRAM-MD5', ok: true, serve: (c) => serveCramMd5(c, PASSWORD) },
  {
    name: 'CRAM-MD5 refused',
    extensions: 'AUTH CRAM-MD5',
    mechanism: 'CRAM-MD5',
    ok: false,
    serve: (c) => serveCramMd5(c, PASSWORD, false),
  },
  {
    name: 'SCRAM-SHA-256 accepted',
    extensions: 'AUTH SCRAM-SHA-256',
    mechanism: 'SCRAM-SHA-256',
    ok: true,
    serve: (c) => serveScram(c, { user: USER, password: PASSWORD }),
  },
  {
    name: 'SCRAM-SHA-256 with a wrong server signature',
    extensions: 'AUTH SCRAM-SHA-256',
    mechanism: 'SCRAM-SHA-256',
    ok: false,
    serve: (c) => serveScram(c, { user: USER, password: PASSWORD, tamper: 'signature' }),
  },
  {
    name: 'SCRAM-SHA-256 refused (other password on the server)',
    extensions: 'AUTH SCRAM-SHA-256',
    mechanism: 'SCRAM-SHA-256',
    ok: false,
    serve: (c) => serveScram(c, { user: USER, password: 'not-the-canary' }),
  },
  {
    name: 'SCRAM-SHA-1 accepted',
    extensions: 'AUTH SCRAM-SHA-1',
    mechanism: 'SCRAM-SHA-1',
    ok: true,
    serve: (c) => serveScram(c, { user: USER, password: PASSWORD, hash: 'sha1' }),
  },
  { name: 'XOAUTH2 accepted', extensions: 'AUTH XOAUTH2', mechanism: 'XOAUTH2', ok: true, serve: (c) => serveXoauth2(c, true) },
  { name: 'XOAUTH2 refused', extensions: 'AUTH XOAUTH2', mechanism: 'XOAUTH2', ok: false, serve: (c) => serveXoauth2(c, false) },
];

describe('secrets never reach the record, the text transcript or error messages', () => {
  for (const c of cases) {
    it(`AUTH ${c.name}`, async () => {
      const server = await fakeServer(async (conn) => {
        await greetAndEhlo(conn, [c.extensions]);
        await c.serve(conn);
        await quit(conn);
      });
      const record = await probe({
        connection: tcp(server),
        auth: { user: USER, password: PASSWORD, token: TOKEN, mechanism: c.mechanism, initialResponse: c.initialResponse },
      });
      await scriptsOk(server);
      expect(record.result.ok).toBe(c.ok);
      expect(record.auth?.mechanism).toBe(c.mechanism);
      // The secret did travel (for the mechanisms that send it): the test would see a leak.
      const sent = server.connections[0]!.received.toString('latin1');
      if (c.mechanism === 'PLAIN' || c.mechanism === 'LOGIN' || c.mechanism === 'XOAUTH2') {
        expect(FORMS.some((f) => sent.includes(f))).toBe(true);
      }
      expectNoSecrets(record);
      // Every client step of the exchange is recorded redacted, except the protocol's fixed tokens.
      for (const step of record.auth?.steps ?? []) {
        expect(step.sent).toMatch(/^(AUTH [A-Z0-9-]+( <redacted \d+ bytes>)?|<redacted \d+ bytes>|\*|)$/);
      }
      expect(record.events.filter((e) => e.redacted).length).toBeGreaterThan(0);
    });
  }

  it('a timeout in the middle of AUTH keeps the secret out of the error', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH PLAIN']);
      await expectLine(conn, /^AUTH PLAIN \S+$/);
      await conn.waitClosed();
    });
    const record = await probe({
      connection: tcp(server, { timeouts: { auth: 200 } }),
      auth: { user: USER, password: PASSWORD },
    });
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('timeout');
    expectNoSecrets(record, record.result.error?.command, record.result.error?.stage);
  });

  it('the session API: thrown errors (message, stack, JSON) carry no secret', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH LOGIN']);
      await serveLogin(conn, false);
      await quit(conn);
    });
    const session = new SmtpSession(tcp(server));
    await session.open();
    const error = await rejection(session.authenticate({ user: USER, password: PASSWORD }, { mechanism: 'LOGIN' }));
    expect(error.code).toBe('auth-failed');
    await session.quit();
    await scriptsOk(server);
    const texts = [error.message, String(error.stack), JSON.stringify(error.toJSON()), JSON.stringify(session.authResult)];
    for (const text of texts) for (const form of FORMS) expect(text).not.toContain(form);
    for (const form of FORMS) expect(JSON.stringify(session.transcript.events)).not.toContain(form);
  });
});

describe('raw sessions: AUTH typed by hand is redacted too', () => {
  const plainBlob = b64(`\0${USER}\0${PASSWORD}`);
  const xoauthBlob = b64(`user=${USER}\x01auth=Bearer ${TOKEN}\x01\x01`);

  const rawCases: { name: string; commands: string[]; replies: string[] }[] = [
    { name: 'AUTH PLAIN <base64> accepted', commands: [`AUTH PLAIN ${plainBlob}`], replies: ['235 2.7.0 ok'] },
    { name: 'auth plain <base64> in lower case, refused', commands: [`auth plain ${plainBlob}`], replies: ['535 5.7.8 no'] },
    {
      name: 'AUTH PLAIN, then the blob after 334',
      commands: ['AUTH PLAIN', plainBlob, 'NOOP'],
      replies: ['334 ', '235 2.7.0 ok', '250 2.0.0 ok'],
    },
    {
      name: 'AUTH LOGIN, user and password after the prompts',
      commands: ['AUTH LOGIN', b64(USER), b64(PASSWORD)],
      replies: [`334 ${b64('Username:')}`, `334 ${b64('Password:')}`, '235 2.7.0 ok'],
    },
    {
      name: 'AUTH LOGIN refused after the password',
      commands: ['AUTH LOGIN', b64(USER), b64(PASSWORD), 'NOOP'],
      replies: [`334 ${b64('Username:')}`, `334 ${b64('Password:')}`, '535 5.7.8 no', '250 ok'],
    },
    {
      name: 'AUTH XOAUTH2 <base64>, error challenge, empty line',
      commands: [`AUTH XOAUTH2 ${xoauthBlob}`, ''],
      replies: [`334 ${b64('{"status":"401"}')}`, '535 5.7.8 no'],
    },
    {
      name: 'the password as a raw SASL line with a trailing space',
      commands: ['AUTH PLAIN', `${plainBlob} `],
      replies: ['334 ', '235 ok'],
    },
  ];

  // retain: false is the app's transcript: events stream out to the window and none stay to look back at.
  for (const [c, retain] of rawCases.flatMap((c) => [[c, true] as const, [c, false] as const])) {
    it(`${c.name}${retain ? '' : ' (a transcript that keeps no events, as in the app)'}`, async () => {
      const server = await fakeServer(async (conn) => {
        await greetAndEhlo(conn, ['AUTH PLAIN LOGIN XOAUTH2']);
        for (let i = 0; i < c.commands.length; i++) {
          await expectLine(conn, c.commands[i]!);
          conn.reply(c.replies[i]!);
        }
        await quit(conn);
      });
      const record = await raw({ connection: { ...tcp(server), transcript: new Transcript({ retain }) }, commands: c.commands });
      await scriptsOk(server);
      // A refused AUTH among them fails the result (command-failed), as any 4xx/5xx to a raw command does.
      const refused = c.replies.some((r) => Number(r.slice(0, 3)) >= 400);
      expect(record.result.ok).toBe(!refused);
      if (refused) expect(record.result.error?.code).toBe('command-failed');
      expectNoSecrets(record);
      expect(record.commands).toHaveLength(c.commands.length);
      // The secrets did go out on the wire, and stayed out of the record.
      const sent = server.connections[0]!.received.toString('latin1');
      expect(FORMS.some((f) => sent.includes(f))).toBe(true);
      expectNoSecrets(record);
      // A command after the exchange is shown as is again (redaction ends with the SASL exchange).
      if (c.commands.at(-1) === 'NOOP') expect(record.commands?.at(-1)?.command).toBe('NOOP');
    });
  }

  it('a SASL "*" cancel is shown as is, and a command after the exchange is not redacted', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['AUTH PLAIN']);
      await expectLine(conn, 'AUTH PLAIN');
      conn.reply('334 ');
      await expectLine(conn, '*');
      conn.reply('501 5.5.2 cancelled');
      await expectLine(conn, 'NOOP');
      conn.reply('250 ok');
      await quit(conn);
    });
    const record = await raw({ connection: tcp(server), commands: ['AUTH PLAIN', '*', 'NOOP'] });
    await scriptsOk(server);
    expect(record.commands?.map((c) => c.command)).toEqual(['AUTH PLAIN', '*', 'NOOP']);
  });
});
