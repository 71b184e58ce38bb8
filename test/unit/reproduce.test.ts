import { describe, expect, it } from 'vitest';
import { asSmtplib } from '../../shared/reproduce/smtplib.js';
import { heredocDelimiter, shellWord } from '../../shared/reproduce/shell.js';
import { NotReproducible, versionsBetween, type Reproduction } from '../../shared/reproduce/spec.js';
import { asSwaks, swaksRewrites } from '../../shared/reproduce/swaks.js';
import { reproductionFromRecord } from '../../shared/reproduce/from-record.js';
import type { SessionRecord } from '../../shared/session-record.js';

/** The pure parts of --as: quoting, the stop points, what is refused and what is noted. Running them is in cli-as. */

const base: Reproduction = {
  operation: 'probe',
  protocol: 'smtp',
  tls: 'off',
  host: 'mx.example.test',
  port: 25,
  tlsOptions: { verify: true },
};

describe('shell quoting', () => {
  it.each([
    ['plain.example', 'plain.example'],
    ['a b', "'a b'"],
    ["it's", "'it'\\''s'"],
    ['$HOME', "'$HOME'"],
    ['', "''"],
  ])('%j → %s', (value, quoted) => expect(shellWord(value)).toBe(quoted));

  it('a here-document delimiter is never a line of the message', () => {
    expect(heredocDelimiter('a\nSMTP_LENS_MESSAGE\nSMTP_LENS_MESSAGE_2\n')).toBe('SMTP_LENS_MESSAGE_3');
  });
});

describe('swaks', () => {
  it('a probe quits after AUTH, the secret only as a variable reference', () => {
    const made = asSwaks({ ...base, tls: 'starttls', auth: { mechanism: 'cram-md5', user: 'u', secretEnv: 'MY_PW' } });
    expect(made.text).toBe(
      'SWAKS_OPT_auth_password="$MY_PW" swaks --server mx.example.test --port 25 --tls --tls-verify --auth CRAM-MD5 --auth-user u --quit-after auth\n',
    );
  });

  it.each([
    [{ stage: 'greeting', quit: true }, '--quit-after banner'],
    [{ stage: 'ehlo', quit: false }, '--drop-after first-helo'],
    [{ stage: 'rcpt', quit: true }, '--quit-after rcpt'],
  ] as const)('stop %j → %s', (stopAfter, expected) => {
    expect(asSwaks({ ...base, stopAfter }).text).toContain(expected);
  });

  it('TLS versions become --tls-protocol; no verification means no --tls-verify', () => {
    const made = asSwaks({ ...base, tls: 'implicit', tlsOptions: { verify: false, minVersion: 'TLSv1.2' } });
    expect(made.text).toContain('--tls-on-connect --tls-protocol tlsv1_2,tlsv1_3');
    expect(made.text).not.toContain('--tls-verify');
  });

  it('notes what swaks would rewrite in DATA', () => {
    expect(swaksRewrites('Date: %DATE%\nliteral \\n here')).toEqual(['%DATE%', '\\n']);
    const made = asSwaks({
      ...base,
      operation: 'send',
      envelope: { from: 'a@b', to: ['c@d'] },
      message: { content: 'Subject: %BODY%\r\n\r\nx\r\n' },
    });
    expect(made.notes.join()).toMatch(/swaks rewrites %BODY%/);
  });

  it('a message with a bare CR is refused', () => {
    expect(() => asSwaks({ ...base, operation: 'send', envelope: { from: 'a@b', to: ['c@d'] }, message: { content: 'a\rb\r\n' } })).toThrow(
      NotReproducible,
    );
  });
});

describe('smtplib', () => {
  it('bytes outside ASCII are escaped in the message literal, one source line per message line', () => {
    const made = asSmtplib({
      ...base,
      operation: 'send',
      envelope: { from: 'a@b', to: ['c@d'] },
      message: { content: "Subject: é'\r\n\r\nx\r\n" },
    });
    expect(made.text).toContain("    b'Subject: \\xc3\\xa9\\'\\r\\n'\n    b'\\r\\n'\n    b'x\\r\\n'\n");
  });

  it('an unknown user is read from the environment too', () => {
    const made = asSmtplib({ ...base, auth: { mechanism: 'login', user: { env: 'LENS_USER' }, secretEnv: 'LENS_PW', optional: true } });
    expect(made.text).toContain("if client.has_extn('auth'):\n    user = os.environ['LENS_USER']\n    secret = os.environ['LENS_PW']");
  });

  it('an environment variable name that is not one is refused', () => {
    expect(() => asSmtplib({ ...base, auth: { mechanism: 'plain', user: 'u', secretEnv: 'X; rm -rf /' } })).toThrow(
      /not an environment variable name/,
    );
  });
});

it('TLS versions between two bounds', () => {
  expect(versionsBetween('TLSv1.1', 'TLSv1.2')).toEqual(['TLSv1.1', 'TLSv1.2']);
  expect(versionsBetween(undefined, undefined)).toBeUndefined();
  expect(() => versionsBetween('TLSv1.3', 'TLSv1.2')).toThrow(NotReproducible);
});

describe('from a saved record (the app)', () => {
  const record = (over: Partial<SessionRecord>): SessionRecord =>
    ({
      version: 1,
      tool: 'smtp-lens',
      operation: 'send',
      startedAt: '2026-12-03T10:00:00Z',
      durationMs: 10,
      target: { protocol: 'smtp', tls: 'starttls', host: 'mx.example.test', port: 587, ehloName: 'client.test' },
      capabilities: [],
      events: [],
      result: { ok: true },
      ...over,
    }) as SessionRecord;

  it('a send: target, verification, mechanism and envelope; the message from message.eml, the secret from the environment', () => {
    const { spec, notes } = reproductionFromRecord(
      record({
        tls: { verificationRequired: true } as SessionRecord['tls'],
        auth: { mechanism: 'LOGIN', ok: true, steps: [], durationMs: 1 },
        message: { envelopeFrom: 'a@example.test', envelopeTo: ['b@example.test'] } as SessionRecord['message'],
      }),
    );
    const text = asSwaks(spec).text;
    expect(text).toBe(
      `awk '1; END { print "." }' message.eml | SWAKS_OPT_auth_password="$SMTP_LENS_PASSWORD" swaks --server mx.example.test --port 587 --ehlo client.test --tls --tls-verify --auth LOGIN --auth-user "$SMTP_LENS_USER" --from a@example.test --to b@example.test --no-strip-from --data -\n`,
    );
    expect(notes.join('\n')).toMatch(/message\.eml/);
  });

  it('a verify session is not reproduced', () => {
    expect(() => reproductionFromRecord(record({ operation: 'verify' }))).toThrow(/only probe and send/);
  });
});
