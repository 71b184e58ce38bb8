import { describe, expect, it } from 'vitest';
import { SmtpError } from '../../electron/smtp/errors.js';
import { SUPPORTED_MECHANISMS, chooseMechanism, createSaslClient, type SaslClient } from '../../electron/smtp/auth/sasl.js';
import { saslPrep } from '../../electron/smtp/auth/scram.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');
const text = (buf: Buffer | null): string | null => (buf === null ? null : buf.toString('utf8'));

/** Run fn, assert it throws an SmtpError with the given code, and return it. */
function expectSmtpError(fn: () => unknown, code: string): SmtpError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SmtpError);
    expect((err as SmtpError).code).toBe(code);
    return err as SmtpError;
  }
  throw new Error(`expected SmtpError(${code}), nothing was thrown`);
}

// RFC 5802 §5
const SHA1 = {
  nonce: 'fyko+d2lbbFgONRv9qkxdawL',
  clientFirst: 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL',
  serverFirst: 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
  clientFinal: 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
  serverFinal: 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=',
};

// RFC 7677 §3
const SHA256 = {
  nonce: 'rOprNGfwEbeRWgbNEkqO',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

const RFC = { user: 'user', password: 'pencil' };

describe('SCRAM', () => {
  for (const [mech, v] of [
    ['SCRAM-SHA-1', SHA1],
    ['SCRAM-SHA-256', SHA256],
  ] as const) {
    it(`${mech} reproduces the RFC example exactly`, () => {
      const c = createSaslClient(mech, RFC, { nonce: v.nonce });
      expect(c.name).toBe(mech);
      expect(c.supportsInitialResponse).toBe(true);
      expect(c.serverVerified).toBe(false);
      expect(text(c.initialResponse())).toBe(v.clientFirst);
      expect(text(c.respond(b(v.serverFirst)))).toBe(v.clientFinal);
      expect(c.respond(b(v.serverFinal)).length).toBe(0);
      expect(c.serverVerified).toBe(true);
      expect(() => c.complete()).not.toThrow();
    });

    it(`${mech} sends client-first on an empty challenge when no initial response went out`, () => {
      const c = createSaslClient(mech, RFC, { nonce: v.nonce });
      expect(text(c.respond(Buffer.alloc(0)))).toBe(v.clientFirst);
      expect(text(c.respond(b(v.serverFirst)))).toBe(v.clientFinal);
    });

    it(`${mech} rejects a tampered server signature`, () => {
      const c = createSaslClient(mech, RFC, { nonce: v.nonce });
      c.initialResponse();
      c.respond(b(v.serverFirst));
      const sig = Buffer.from(v.serverFinal.slice(2), 'base64');
      sig[0]! ^= 1;
      const err = expectSmtpError(() => c.respond(b(`v=${sig.toString('base64')}`)), 'auth-failed');
      expect(err.message).toContain('server signature mismatch: the server could not prove it knows the password');
      expect(c.serverVerified).toBe(false);
      expectSmtpError(() => c.complete(), 'auth-failed');
    });
  }

  const started = (opts: { maxScramIterations?: number } = {}): SaslClient => {
    const c = createSaslClient('SCRAM-SHA-1', RFC, { nonce: SHA1.nonce, ...opts });
    c.initialResponse();
    return c;
  };
  const serverFirstWith = (iterations: string): string => `r=${SHA1.nonce}srv,s=QSXCR+Q6sek8bf92,i=${iterations}`;

  it('caps the iteration count and names it', () => {
    const err = expectSmtpError(() => started().respond(b(serverFirstWith('100001'))), 'protocol-error');
    expect(err.message).toContain('100001');
    expect(err.message).toContain('100000');
    const low = expectSmtpError(() => started({ maxScramIterations: 1000 }).respond(b(serverFirstWith('4096'))), 'protocol-error');
    expect(low.message).toContain('4096');
    expect(text(started().respond(b(serverFirstWith('100000'))))).toMatch(/^c=biws,r=/);
  });

  it('rejects a zero, negative or non-numeric iteration count', () => {
    for (const i of ['0', '-1', 'abc', '', '4096.5']) {
      expectSmtpError(() => started().respond(b(serverFirstWith(i))), 'protocol-error');
    }
  });

  it('rejects a server nonce that does not extend the client nonce', () => {
    expectSmtpError(() => started().respond(b('r=XXXX+d2lbbFgONRv9qkxdawLsrv,s=QSXCR+Q6sek8bf92,i=4096')), 'protocol-error');
    // Equal to the client nonce: the server added nothing of its own.
    expectSmtpError(() => started().respond(b(`r=${SHA1.nonce},s=QSXCR+Q6sek8bf92,i=4096`)), 'protocol-error');
  });

  it('rejects an m= mandatory extension', () => {
    const err = expectSmtpError(() => started().respond(b(`m=ext,r=${SHA1.nonce}srv,s=QSXCR+Q6sek8bf92,i=4096`)), 'protocol-error');
    expect(err.message).toContain('m=');
  });

  it('treats e= in server-first as a failure carrying the server error', () => {
    const err = expectSmtpError(() => started().respond(b('e=unknown-user')), 'auth-failed');
    expect(err.message).toContain('unknown-user');
  });

  it('treats e= in server-final as auth-failed carrying the server error', () => {
    const c = started();
    c.respond(b(SHA1.serverFirst));
    const err = expectSmtpError(() => c.respond(b('e=invalid-proof')), 'auth-failed');
    expect(err.message).toContain('invalid-proof');
  });

  it('rejects a bad salt, wrong attribute order and invalid UTF-8', () => {
    expectSmtpError(() => started().respond(b(`r=${SHA1.nonce}srv,s=not*base64,i=4096`)), 'protocol-error');
    expectSmtpError(() => started().respond(b(`r=${SHA1.nonce}srv,s=,i=4096`)), 'protocol-error');
    expectSmtpError(() => started().respond(b(`s=QSXCR+Q6sek8bf92,r=${SHA1.nonce}srv,i=4096`)), 'protocol-error');
    expectSmtpError(() => started().respond(Buffer.from([0x72, 0x3d, 0xff])), 'protocol-error');
  });

  it('ignores optional extensions after i=', () => {
    const out = text(started().respond(b(`${SHA1.serverFirst},x=whatever`)))!;
    // Same nonce, but the extension is part of AuthMessage, so the proof differs.
    expect(out.startsWith(SHA1.clientFinal.slice(0, SHA1.clientFinal.indexOf(',p=') + 3))).toBe(true);
    expect(out).not.toBe(SHA1.clientFinal);
  });

  it('refuses 235 without a verified server-final message', () => {
    const c = started();
    c.respond(b(SHA1.serverFirst));
    const err = expectSmtpError(() => c.complete(), 'auth-failed');
    expect(err.message).toMatch(/signature/);
  });

  it('rejects a challenge after the server-final message', () => {
    const c = started();
    c.respond(b(SHA1.serverFirst));
    c.respond(b(SHA1.serverFinal));
    expectSmtpError(() => c.respond(b(SHA1.serverFinal)), 'protocol-error');
  });

  it('puts the authzid in the gs2 header and c=, and escapes saslnames', () => {
    const c = createSaslClient('SCRAM-SHA-256', { user: 'a=b,c', password: 'p', authzid: 'admin,x' }, { nonce: 'abc' });
    expect(text(c.initialResponse())).toBe('n,a=admin=2Cx,n=a=3Db=2Cc,r=abc');
    const out = text(c.respond(b('r=abcdef,s=QSXCR+Q6sek8bf92,i=1')))!;
    expect(out.startsWith(`c=${Buffer.from('n,a=admin=2Cx,').toString('base64')},r=abcdef,p=`)).toBe(true);
  });

  it('generates a random printable nonce without commas', () => {
    const a = text(createSaslClient('SCRAM-SHA-256', RFC).initialResponse())!;
    const c = text(createSaslClient('SCRAM-SHA-256', RFC).initialResponse())!;
    const nonceA = a.split(',r=')[1]!;
    expect(nonceA).toMatch(/^[\x21-\x2b\x2d-\x7e]{24,}$/);
    expect(nonceA).not.toBe(c.split(',r=')[1]);
  });
});

describe('SASLprep', () => {
  it('maps spaces, drops mapped-to-nothing characters, applies NFKC', () => {
    expect(saslPrep('I\u00adX', 'password')).toBe('IX'); // RFC 4013 §3 example 1
    expect(saslPrep('user', 'password')).toBe('user');
    expect(saslPrep('\u00aa', 'password')).toBe('a');
    expect(saslPrep('\u2168', 'password')).toBe('IX');
    expect(saslPrep('a\u00a0b', 'password')).toBe('a b');
  });

  it('rejects prohibited and badly mixed bidi strings without echoing them', () => {
    const ctl = expectSmtpError(() => saslPrep('se\u0007cret', 'password'), 'invalid-input');
    expect(ctl.message).not.toContain('se\u0007cret');
    expectSmtpError(() => saslPrep('\u0627\u0031', 'password'), 'invalid-input'); // RFC 4013 §3 example 6
    expect(saslPrep('\u0627\u0031\u0628', 'password')).toBe('\u0627\u0031\u0628');
    expectSmtpError(() => saslPrep('\u05d0abc', 'password'), 'invalid-input');
  });

  it('normalises the SCRAM password (same proof for the NFKC-equivalent password)', () => {
    const run = (password: string): string => {
      const c = createSaslClient('SCRAM-SHA-1', { user: 'user', password }, { nonce: SHA1.nonce });
      c.initialResponse();
      return text(c.respond(b(SHA1.serverFirst)))!;
    };
    expect(run('pen\u00adcil')).toBe(SHA1.clientFinal);
    expect(run('\uff50encil')).toBe(SHA1.clientFinal); // fullwidth p
  });
});

describe('CRAM-MD5', () => {
  it('answers the RFC 2195 example', () => {
    const c = createSaslClient('CRAM-MD5', { user: 'tim', password: 'tanstaaftanstaaf' });
    expect(c.supportsInitialResponse).toBe(false);
    expect(c.initialResponse()).toBeNull();
    expect(text(c.respond(b('<1896.697170952@postoffice.reston.mci.net>')))).toBe('tim b913a602c7eda7a495b4e6e7334d3890');
    expect(c.serverVerified).toBeUndefined();
    expect(() => c.complete()).not.toThrow();
  });

  it('rejects empty, malformed and second challenges', () => {
    const creds = { user: 'tim', password: 'tanstaaftanstaaf' };
    expectSmtpError(() => createSaslClient('CRAM-MD5', creds).respond(Buffer.alloc(0)), 'protocol-error');
    expectSmtpError(() => createSaslClient('CRAM-MD5', creds).respond(b('no brackets')), 'protocol-error');
    expectSmtpError(() => createSaslClient('CRAM-MD5', creds).respond(b('<a\r\n@b>')), 'protocol-error');
    const c = createSaslClient('CRAM-MD5', creds);
    c.respond(b('<1.2@h>'));
    expectSmtpError(() => c.respond(b('<1.2@h>')), 'protocol-error');
  });
});

describe('PLAIN', () => {
  it('builds authzid NUL user NUL password as its initial response', () => {
    const c = createSaslClient('PLAIN', { user: 'alice', password: 'wonderland' });
    expect(c.supportsInitialResponse).toBe(true);
    expect(c.initialResponse()).toEqual(Buffer.from('\0alice\0wonderland'));
    const z = createSaslClient('PLAIN', { user: 'alice', password: 'pässword', authzid: 'bob' });
    expect(z.initialResponse()).toEqual(Buffer.from('bob\0alice\0pässword', 'utf8'));
  });

  it('answers one empty challenge with the same message, refuses anything else', () => {
    const c = createSaslClient('PLAIN', { user: 'alice', password: 'wonderland' });
    expect(c.respond(Buffer.alloc(0))).toEqual(Buffer.from('\0alice\0wonderland'));
    expectSmtpError(() => c.respond(Buffer.alloc(0)), 'protocol-error');
    const d = createSaslClient('PLAIN', { user: 'alice', password: 'wonderland' });
    d.initialResponse();
    expectSmtpError(() => d.respond(b('what?')), 'protocol-error');
  });

  it('refuses NUL inside a field', () => {
    expectSmtpError(() => createSaslClient('PLAIN', { user: 'a\0b', password: 'x' }), 'invalid-input');
  });
});

describe('LOGIN', () => {
  it('answers user then password, recognising prompts case-insensitively', () => {
    const c = createSaslClient('LOGIN', { user: 'alice', password: 'wonderland' });
    expect(c.supportsInitialResponse).toBe(false);
    expect(c.initialResponse()).toBeNull();
    expect(text(c.respond(b('USERNAME:')))).toBe('alice');
    expect(text(c.respond(b('password:')))).toBe('wonderland');
    expectSmtpError(() => c.respond(b('Password:')), 'protocol-error');
  });

  it('follows the prompts when the server asks for the password first', () => {
    const c = createSaslClient('LOGIN', { user: 'alice', password: 'wonderland' });
    expect(text(c.respond(b('Password:')))).toBe('wonderland');
    expect(text(c.respond(b('Username:')))).toBe('alice');
  });

  it('answers unrecognisable prompts by order', () => {
    const c = createSaslClient('LOGIN', { user: 'alice', password: 'wonderland' });
    expect(text(c.respond(b('???')))).toBe('alice');
    expect(text(c.respond(Buffer.alloc(0)))).toBe('wonderland');
    expectSmtpError(() => c.respond(b('???')), 'protocol-error');
  });
});

describe('XOAUTH2', () => {
  const creds = { user: 'someone@example.com', token: 'ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg' };
  const expected = `user=${creds.user}\x01auth=Bearer ${creds.token}\x01\x01`;

  it('sends the user and bearer token as its initial response', () => {
    const c = createSaslClient('XOAUTH2', creds);
    expect(c.supportsInitialResponse).toBe(true);
    expect(text(c.initialResponse())).toBe(expected);
    expect(c.errorDetail).toBeUndefined();
  });

  it('acknowledges the JSON error challenge with an empty response and keeps its text', () => {
    const c = createSaslClient('XOAUTH2', creds);
    c.initialResponse();
    const json = '{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}';
    expect(c.respond(b(json)).length).toBe(0);
    expect(c.errorDetail).toBe(json);
    expectSmtpError(() => c.respond(b(json)), 'protocol-error');
  });

  it('sends the message on an empty challenge when no initial response went out', () => {
    const c = createSaslClient('XOAUTH2', creds);
    expect(text(c.respond(Buffer.alloc(0)))).toBe(expected);
  });
});

describe('OAUTHBEARER (RFC 7628)', () => {
  const creds = { user: 'someone@example.com', token: 'vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg==' };

  it('sends the GS2 header, host, port and bearer token (RFC 7628 §3.1), as its initial response', () => {
    const c = createSaslClient('OAUTHBEARER', creds, { host: 'server.example.com', port: 587 });
    expect(c.supportsInitialResponse).toBe(true);
    expect(text(c.initialResponse())).toBe(
      `n,a=someone@example.com,\x01host=server.example.com\x01port=587\x01auth=Bearer ${creds.token}\x01\x01`,
    );
  });

  it('leaves host and port out when there are none (a Unix socket) and escapes "," and "=" in the user (RFC 5801)', () => {
    const c = createSaslClient('OAUTHBEARER', { user: 'a,b=c', token: 't' });
    expect(text(c.initialResponse())).toBe('n,a=a=2Cb=3Dc,\x01auth=Bearer t\x01\x01');
  });

  it('acknowledges the JSON error challenge with a lone ^A (RFC 7628 §3.2.3) and keeps its text', () => {
    const c = createSaslClient('OAUTHBEARER', creds);
    c.initialResponse();
    const json =
      '{"status":"invalid_token","scope":"example_scope","openid-configuration":"https://example.com/.well-known/openid-configuration"}';
    expect([...c.respond(b(json))]).toEqual([0x01]);
    expect(c.errorDetail).toBe(json);
    expectSmtpError(() => c.respond(b(json)), 'protocol-error');
  });

  it('refuses a token with a space and needs a token', () => {
    expectSmtpError(() => createSaslClient('OAUTHBEARER', { user: 'u', token: 'a b' }), 'invalid-input');
    expectSmtpError(() => createSaslClient('OAUTHBEARER', { user: 'u', password: 'p' }), 'invalid-input');
  });
});

describe('factory and chooser', () => {
  it('lists the supported mechanisms and accepts names case-insensitively', () => {
    expect([...SUPPORTED_MECHANISMS].sort()).toEqual(
      ['CRAM-MD5', 'LOGIN', 'OAUTHBEARER', 'PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'XOAUTH2'].sort(),
    );
    expect(createSaslClient('plain', { user: 'u', password: 'p' }).name).toBe('PLAIN');
  });

  it('throws not-supported for an unknown mechanism', () => {
    expectSmtpError(() => createSaslClient('GSSAPI', { user: 'u', password: 'p' }), 'not-supported');
    expectSmtpError(() => createSaslClient('SCRAM-SHA-512', { user: 'u', password: 'p' }), 'not-supported');
  });

  it('throws invalid-input for missing credentials', () => {
    expectSmtpError(() => createSaslClient('XOAUTH2', { user: 'u', password: 'p' }), 'invalid-input');
    expectSmtpError(() => createSaslClient('PLAIN', { user: 'u', token: 't' }), 'invalid-input');
    expectSmtpError(() => createSaslClient('PLAIN', { user: 'u' }), 'invalid-input');
    expectSmtpError(() => createSaslClient('SCRAM-SHA-256', { user: 'u', password: '' }), 'invalid-input');
    expectSmtpError(() => createSaslClient('LOGIN', { user: '', password: 'p' }), 'invalid-input');
    expectSmtpError(() => createSaslClient('CRAM-MD5', { user: 'u' }), 'invalid-input');
    expectSmtpError(() => createSaslClient('SCRAM-SHA-1', { user: 'u', password: 'p' }, { maxScramIterations: 0 }), 'invalid-input');
  });

  it('chooses the strongest common mechanism', () => {
    const pw = { user: 'u', password: 'p' };
    const all = ['LOGIN', 'PLAIN', 'CRAM-MD5', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'XOAUTH2'];
    expect(chooseMechanism(all, pw)).toBe('SCRAM-SHA-256');
    expect(chooseMechanism(['login', 'plain', 'cram-md5', 'scram-sha-1'], pw)).toBe('SCRAM-SHA-1');
    expect(chooseMechanism(['LOGIN', 'PLAIN', 'CRAM-MD5'], pw)).toBe('CRAM-MD5');
    expect(chooseMechanism(['LOGIN', 'PLAIN'], pw)).toBe('PLAIN');
    expect(chooseMechanism(['LOGIN'], pw)).toBe('LOGIN');
    expect(chooseMechanism(['GSSAPI', 'NTLM'], pw)).toBeUndefined();
    expect(chooseMechanism(['XOAUTH2'], pw)).toBeUndefined();
  });

  it('prefers OAUTHBEARER, then XOAUTH2, when a token is given', () => {
    expect(chooseMechanism(['XOAUTH2', 'OAUTHBEARER', 'PLAIN'], { user: 'u', token: 't' })).toBe('OAUTHBEARER');
    expect(chooseMechanism(['oauthbearer'], { user: 'u', token: 't' })).toBe('OAUTHBEARER');
  });

  it('prefers XOAUTH2 when a token is given, and only then', () => {
    expect(chooseMechanism(['PLAIN', 'SCRAM-SHA-256', 'XOAUTH2'], { user: 'u', token: 't' })).toBe('XOAUTH2');
    expect(chooseMechanism(['PLAIN', 'XOAUTH2'], { user: 'u', token: 't', password: 'p' })).toBe('XOAUTH2');
    expect(chooseMechanism(['PLAIN', 'SCRAM-SHA-256'], { user: 'u', token: 't' })).toBeUndefined();
    expect(chooseMechanism(['PLAIN', 'SCRAM-SHA-256'], { user: 'u', token: 't', password: 'p' })).toBe('SCRAM-SHA-256');
    expect(chooseMechanism(['PLAIN'], { user: 'u' })).toBeUndefined();
  });
});

describe('secrets stay out of error messages', () => {
  const SECRET = 'Sekr3t-pencil-Ω';
  const TOKEN = 'ya29.SECRET-TOKEN-value';

  /** Collect every error a failure path produces, with the secret credentials. */
  function failures(): SmtpError[] {
    const errors: SmtpError[] = [];
    const capture = (fn: () => unknown): void => {
      try {
        fn();
      } catch (err) {
        errors.push(err as SmtpError);
      }
    };
    const pw = { user: 'user', password: SECRET };

    for (const mech of ['SCRAM-SHA-1', 'SCRAM-SHA-256']) {
      const scram = (): SaslClient => {
        const c = createSaslClient(mech, pw, { nonce: 'abc' });
        c.initialResponse();
        return c;
      };
      const good = 'r=abcdef,s=QSXCR+Q6sek8bf92,i=16';
      capture(() => scram().respond(b('r=abcdef,s=QSXCR+Q6sek8bf92,i=999999999')));
      capture(() => scram().respond(b('r=zzz,s=QSXCR+Q6sek8bf92,i=16')));
      capture(() => scram().respond(b('m=x,r=abcdef,s=QSXCR+Q6sek8bf92,i=16')));
      capture(() => scram().respond(b('e=other-error')));
      for (const final of ['v=AAAA', 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=', 'e=invalid-proof', 'x=1', 'v=***']) {
        capture(() => {
          const c = scram();
          c.respond(b(good));
          c.respond(b(final));
        });
      }
      capture(() => {
        const c = scram();
        c.respond(b(good));
        c.complete();
      });
      capture(() => createSaslClient(mech, { user: 'user', password: `${SECRET}\u0007` }));
      capture(() => createSaslClient(mech, pw, { nonce: 'a,b' }));
      capture(() => createSaslClient(mech, pw, { maxScramIterations: -1 }));
    }
    capture(() => createSaslClient('CRAM-MD5', pw).respond(Buffer.alloc(0)));
    capture(() => createSaslClient('CRAM-MD5', pw).respond(b('bad')));
    capture(() => {
      const c = createSaslClient('LOGIN', pw);
      c.respond(b('Username:'));
      c.respond(b('Password:'));
      c.respond(b('Password:'));
    });
    capture(() => createSaslClient('PLAIN', pw).respond(b('x')));
    capture(() => createSaslClient('PLAIN', { user: 'user', password: `${SECRET}\0` }));
    capture(() => createSaslClient('XOAUTH2', { user: 'u', token: `${TOKEN} x` }));
    capture(() => {
      const c = createSaslClient('XOAUTH2', { user: 'u', token: TOKEN });
      c.respond(b('{}'));
      c.respond(b('{}'));
    });
    capture(() => createSaslClient('NOPE', pw));
    return errors;
  }

  it('never includes the password or token', () => {
    const errors = failures();
    expect(errors.length).toBeGreaterThan(30);
    for (const err of errors) {
      expect(err).toBeInstanceOf(SmtpError);
      const all = `${err.message}\n${JSON.stringify(err.toJSON())}\n${String(err.stack)}`;
      expect(all).not.toContain(SECRET);
      expect(all).not.toContain(TOKEN);
      expect(all).not.toContain(Buffer.from(SECRET).toString('base64'));
    }
  });

  it('does not leak the proof or the expected server signature on a mismatch', () => {
    const c = createSaslClient('SCRAM-SHA-1', RFC, { nonce: SHA1.nonce });
    c.initialResponse();
    c.respond(b(SHA1.serverFirst));
    const err = expectSmtpError(() => c.respond(b('v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=')), 'auth-failed');
    const all = JSON.stringify(err.toJSON());
    expect(all).not.toContain('v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=');
    expect(all).not.toContain('rmF9pqV8S7suAoZWja4dJRkFsKQ=');
  });
});
