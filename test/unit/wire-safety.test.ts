import { describe, it, expect } from 'vitest';
import { assertAddress, assertEhloName, assertParam, assertWireSafe, xtext } from '../../electron/smtp/protocol/wire-safety.js';
import { SmtpError } from '../../electron/smtp/errors.js';

/** Run fn and return the SmtpError it throws (failing the test if it throws something else or nothing). */
function catchSmtpError(fn: () => unknown): SmtpError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SmtpError);
    return error as SmtpError;
  }
  throw new Error('expected an SmtpError, nothing was thrown');
}

// Every way a line-breaking character can sit in a value: alone, at either end, in the middle, combined.
const BREAKERS = ['\r', '\n', '\0', '\r\n', '\n\r', '\r\r', '\n\n', '\r\n.\r\n', '\0\r\n'];
const PLACEMENTS = (bad: string): string[] => [
  bad,
  `${bad}user@example.org`,
  `user@example.org${bad}`,
  `user${bad}@example.org`,
  `user@example.org${bad}RCPT TO:<victim@example.org>`,
];

describe('assertWireSafe', () => {
  it('rejects every CR, LF and NUL variant with the documented message', () => {
    for (const bad of BREAKERS) {
      for (const value of PLACEMENTS(bad)) {
        const error = catchSmtpError(() => assertWireSafe(value, 'the recipient'));
        expect(error.code).toBe('invalid-input');
        expect(error.message).toBe('the recipient contains a CR, LF or NUL character; refusing to send it');
      }
    }
  });

  it('accepts ordinary text, TAB, UTF-8 and the empty string', () => {
    for (const value of ['', 'hello world', 'tab\there', 'grüße 日本', '.', '<>']) {
      expect(() => assertWireSafe(value, 'x')).not.toThrow();
    }
  });
});

describe('assertAddress', () => {
  const valid = [
    '',
    'user@example.org',
    'first.last+tag@sub.example.co.uk',
    'postmaster',
    '"john doe"@example.org',
    '"with <angle> brackets"@example.org',
    '"escaped \\" quote and \\\\ backslash"@example.org',
    '""@example.org',
    '"a@b"@example.org',
    '用户@例子.广告',
    'jörg@bücher.example',
    'user@[192.0.2.1]',
    'user@[IPv6:2001:db8::1]',
    '@relay.example.org:user@example.org',
    'a'.repeat(500) + '@x.org',
  ];
  for (const address of valid) {
    it(`accepts ${JSON.stringify(address.length > 60 ? address.slice(0, 20) + '…' : address)}`, () => {
      expect(() => assertAddress(address, 'recipient')).not.toThrow();
    });
  }

  it('rejects every CR, LF and NUL variant, even inside a quoted local part', () => {
    for (const bad of BREAKERS) {
      for (const value of [...PLACEMENTS(bad), `"quoted${bad}part"@example.org`]) {
        const error = catchSmtpError(() => assertAddress(value, 'recipient'));
        expect(error.code).toBe('invalid-input');
        expect(error.message).toBe('recipient contains a CR, LF or NUL character; refusing to send it');
      }
    }
  });

  const invalid: Array<[string, RegExp]> = [
    ['<user@example.org>', /"<" or ">" outside a quoted local part/],
    ['user@example.org>', /"<" or ">"/],
    ['user@example.org> SIZE=1', /"<" or ">"/],
    ['user@exa<mple.org', /"<" or ">"/],
    ['"quoted"@exa>mple.org', /"<" or ">"/],
    ['john doe@example.org', /whitespace outside a quoted local part/],
    ['user@example.org ', /whitespace/],
    [' user@example.org', /whitespace/],
    ['user@example.org\u00a0', /whitespace/],
    ['user@example.org\u3000', /whitespace/],
    ['a"b c"@example.org', /whitespace/], // quotes only count around the whole local part
    ['"quoted" x@example.org', /whitespace/],
    ['"unterminated@example.org', /unterminated quoted local part/],
    ['"ends in escape\\"', /unterminated quoted local part/],
    ['user\t@example.org', /control character/],
    ['"tab\tinside"@example.org', /control character/],
    ['user\x1b@example.org', /control character/],
    ['user\x7f@example.org', /control character/],
    ['a'.repeat(513), /longer than 512 bytes/],
    ['ü'.repeat(257), /longer than 512 bytes/], // 514 UTF-8 bytes
  ];
  for (const [address, message] of invalid) {
    it(`rejects ${JSON.stringify(address.length > 60 ? address.slice(0, 20) + '…' : address)}`, () => {
      const error = catchSmtpError(() => assertAddress(address, 'sender'));
      expect(error.code).toBe('invalid-input');
      expect(error.message).toMatch(message);
      expect(error.message.startsWith('sender ')).toBe(true);
    });
  }
});

describe('assertParam', () => {
  const valid = [
    'SIZE=1000',
    'BODY=8BITMIME',
    'SMTPUTF8',
    'RET=HDRS',
    'ENVID=QQ314159+2B',
    'NOTIFY=SUCCESS,FAILURE',
    'ORCPT=rfc822;user+40example.org',
    'AUTH=<>',
    'X-CUSTOM-1=a!b#c~',
    '8BITMIME',
    'X=ünïcödé',
    'MT-PRIORITY=-3',
  ];
  for (const param of valid) {
    it(`accepts ${JSON.stringify(param)}`, () => {
      expect(() => assertParam(param)).not.toThrow();
    });
  }

  it('rejects every CR, LF and NUL variant, naming the parameter', () => {
    for (const bad of BREAKERS) {
      for (const param of [`SIZE=1${bad}`, `SIZE${bad}=1`, `${bad}SIZE=1`, `BODY=8BITMIME${bad}RSET`]) {
        const error = catchSmtpError(() => assertParam(param));
        expect(error.code).toBe('invalid-input');
        expect(error.message).toBe(`ESMTP parameter ${JSON.stringify(param)} contains a CR, LF or NUL character; refusing to send it`);
      }
    }
  });

  const invalid: Array<[string, RegExp]> = [
    ['', /keyword/],
    ['=1000', /keyword/],
    ['-SIZE=1', /keyword/],
    ['SI ZE=1', /keyword/],
    ['SIZE_X=1', /keyword/],
    ['SÏZE=1', /keyword/],
    ['SIZE=', /value/],
    ['SIZE=1 2', /value/],
    ['SIZE=1=2', /value/],
    ['SIZE==', /value/],
    ['BODY=\t8BIT', /value/],
    ['BODY=8BIT\x7f', /value/],
    ['BODY=8BIT\x01', /value/],
    ['X=\ud800', /value/],
  ];
  for (const [param, message] of invalid) {
    it(`rejects ${JSON.stringify(param)}`, () => {
      const error = catchSmtpError(() => assertParam(param));
      expect(error.code).toBe('invalid-input');
      expect(error.message).toMatch(message);
      expect(error.message).toContain(`ESMTP parameter ${JSON.stringify(param)} is malformed`);
    });
  }
});

describe('assertEhloName', () => {
  for (const name of [
    'client.example.org',
    'localhost',
    '[127.0.0.1]',
    '[IPv6:::1]',
    '[IPv6:2001:db8::1]',
    'a'.repeat(255),
    'bücher.example',
  ]) {
    it(`accepts ${JSON.stringify(name.length > 40 ? name.slice(0, 10) + '…' : name)}`, () => {
      expect(() => assertEhloName(name)).not.toThrow();
    });
  }

  it('rejects an empty name', () => {
    const error = catchSmtpError(() => assertEhloName(''));
    expect(error.code).toBe('invalid-input');
    expect(error.message).toMatch(/empty/);
  });

  it('rejects every CR, LF and NUL variant', () => {
    for (const bad of BREAKERS) {
      for (const name of [`host${bad}`, `${bad}host`, `ho${bad}st`, `host${bad}MAIL FROM:<x>`]) {
        const error = catchSmtpError(() => assertEhloName(name));
        expect(error.code).toBe('invalid-input');
        expect(error.message).toMatch(/contains a CR, LF or NUL character; refusing to send it$/);
      }
    }
  });

  it('rejects spaces, tabs and control characters', () => {
    for (const name of ['my host', ' host', 'host ', 'ho\tst', 'ho\x1bst', 'host\x7f']) {
      const error = catchSmtpError(() => assertEhloName(name));
      expect(error.code).toBe('invalid-input');
      expect(error.message).toMatch(/space or control character/);
    }
  });

  it('rejects a name longer than 255 characters', () => {
    const error = catchSmtpError(() => assertEhloName('a'.repeat(256)));
    expect(error.message).toMatch(/longer than 255 characters/);
  });
});

describe('xtext', () => {
  it('leaves "!".."~" other than "+" and "=" alone', () => {
    expect(xtext('QQ314159')).toBe('QQ314159');
    expect(xtext('rfc822;user@example.org')).toBe('rfc822;user@example.org');
    expect(xtext('!~<>"\\')).toBe('!~<>"\\');
  });

  it('encodes "+", "=", space, controls and DEL as upper-case +XX', () => {
    expect(xtext('a+b=c d')).toBe('a+2Bb+3Dc+20d');
    expect(xtext('\r\n\0\t\x7f')).toBe('+0D+0A+00+09+7F');
    expect(xtext('user+tag@example.org')).toBe('user+2Btag@example.org');
  });

  it('encodes non-ASCII as its UTF-8 bytes', () => {
    expect(xtext('é')).toBe('+C3+A9');
    expect(xtext('日')).toBe('+E6+97+A5');
  });

  it('always produces wire-safe output', () => {
    for (let code = 0; code < 0x100; code++) {
      const encoded = xtext(String.fromCharCode(code));
      expect(encoded).toMatch(/^[\x21-\x7e]+$/);
    }
    expect(xtext('')).toBe('');
  });
});
