import { describe, it, expect } from 'vitest';
import { Capabilities, hasExtension } from '../../electron/smtp/protocol/capabilities.js';
import { ReplyParser } from '../../electron/smtp/protocol/reply-parser.js';
import type { Reply } from '../../electron/smtp/protocol/reply.js';

/** Parse the reply lines (joined with CRLF) into one Reply, as the session would. */
function ehlo(...lines: string[]): Reply {
  const replies = new ReplyParser().push(Buffer.from(lines.map((line) => line + '\r\n').join('')));
  expect(replies).toHaveLength(1);
  return replies[0]!;
}

const POSTFIX = ehlo(
  '250-mail.example.org',
  '250-PIPELINING',
  '250-SIZE 10240000',
  '250-VRFY',
  '250-ETRN',
  '250-STARTTLS',
  '250-AUTH PLAIN LOGIN',
  '250-ENHANCEDSTATUSCODES',
  '250-8BITMIME',
  '250-DSN',
  '250-SMTPUTF8',
  '250 CHUNKING',
);

const EXIM = ehlo(
  '250-mx.example.com Hello client.example.net [192.0.2.1]',
  '250-SIZE 52428800',
  '250-LIMITS MAILMAX=1000 RCPTMAX=50000',
  '250-8BITMIME',
  '250-PIPELINING',
  '250-PIPECONNECT',
  '250-AUTH PLAIN LOGIN CRAM-MD5',
  '250-CHUNKING',
  '250-STARTTLS',
  '250-PRDR',
  '250 HELP',
);

const DOVECOT_LHLO = ehlo(
  '250-imap.example.org',
  '250-8BITMIME',
  '250-CHUNKING',
  '250-ENHANCEDSTATUSCODES',
  '250-PIPELINING',
  '250-SMTPUTF8',
  '250-STARTTLS',
  '250-XCLIENT ADDR FORWARD HELO LOGIN PORT PROTO SESSION TIMEOUT TTL',
  '250 VRFY',
);

const EXCHANGE = ehlo(
  '250-EXCH01.contoso.com Hello [192.0.2.10]',
  '250-SIZE 37748736',
  '250-PIPELINING',
  '250-DSN',
  '250-ENHANCEDSTATUSCODES',
  '250-STARTTLS',
  '250-X-ANONYMOUSTLS',
  '250-AUTH NTLM',
  '250-X-EXPS GSSAPI NTLM',
  '250-8BITMIME',
  '250-BINARYMIME',
  '250-CHUNKING',
  '250-AUTH=LOGIN',
  '250 XRDST',
);

describe('Capabilities.fromEhlo', () => {
  it('reads a postfix EHLO reply, skipping the greeting line, in advertised order', () => {
    const caps = Capabilities.fromEhlo(POSTFIX);
    expect(caps.list()).toEqual([
      { name: 'PIPELINING', params: [] },
      { name: 'SIZE', params: ['10240000'] },
      { name: 'VRFY', params: [] },
      { name: 'ETRN', params: [] },
      { name: 'STARTTLS', params: [] },
      { name: 'AUTH', params: ['PLAIN', 'LOGIN'] },
      { name: 'ENHANCEDSTATUSCODES', params: [] },
      { name: '8BITMIME', params: [] },
      { name: 'DSN', params: [] },
      { name: 'SMTPUTF8', params: [] },
      { name: 'CHUNKING', params: [] },
    ]);
    expect(caps.has('mail.example.org')).toBe(false);
    expect(caps.size).toBe(10240000);
    expect(caps.authMechanisms).toEqual(['PLAIN', 'LOGIN']);
  });

  it('reads an exim EHLO reply whose greeting line has several words', () => {
    const caps = Capabilities.fromEhlo(EXIM);
    expect(caps.list().map((c) => c.name)).toEqual([
      'SIZE',
      'LIMITS',
      '8BITMIME',
      'PIPELINING',
      'PIPECONNECT',
      'AUTH',
      'CHUNKING',
      'STARTTLS',
      'PRDR',
      'HELP',
    ]);
    expect(caps.has('Hello')).toBe(false);
    expect(caps.params('LIMITS')).toEqual(['MAILMAX=1000', 'RCPTMAX=50000']);
    expect(caps.authMechanisms).toEqual(['PLAIN', 'LOGIN', 'CRAM-MD5']);
    expect(caps.size).toBe(52428800);
  });

  it('reads a dovecot LHLO reply', () => {
    const caps = Capabilities.fromEhlo(DOVECOT_LHLO);
    expect(caps.has('CHUNKING')).toBe(true);
    expect(caps.has('SIZE')).toBe(false);
    expect(caps.size).toBeUndefined();
    expect(caps.authMechanisms).toEqual([]);
    expect(caps.params('XCLIENT')).toEqual(['ADDR', 'FORWARD', 'HELO', 'LOGIN', 'PORT', 'PROTO', 'SESSION', 'TIMEOUT', 'TTL']);
  });

  it("merges Exchange's legacy AUTH=LOGIN line into the single AUTH row", () => {
    const caps = Capabilities.fromEhlo(EXCHANGE);
    const auth = caps.list().filter((c) => c.name.startsWith('AUTH'));
    expect(auth).toEqual([{ name: 'AUTH', params: ['NTLM', 'LOGIN'] }]);
    expect(
      caps
        .list()
        .map((c) => c.name)
        .indexOf('AUTH'),
    ).toBe(6); // where AUTH was first advertised
    expect(caps.has('AUTH=LOGIN')).toBe(false);
    expect(caps.authMechanisms).toEqual(['NTLM', 'LOGIN']);
    expect(caps.has('x-anonymoustls')).toBe(true);
  });

  it('treats a lone legacy AUTH=PLAIN LOGIN line as AUTH', () => {
    const caps = Capabilities.fromEhlo(ehlo('250-old.example.com', '250-AUTH=PLAIN LOGIN', '250 SIZE'));
    expect(caps.list()).toEqual([
      { name: 'AUTH', params: ['PLAIN', 'LOGIN'] },
      { name: 'SIZE', params: [] },
    ]);
  });

  it('unions AUTH mechanisms, upper case, deduplicated, in first-seen order', () => {
    const caps = Capabilities.fromEhlo(
      ehlo('250-x', '250-auth=login plain', '250-AUTH CRAM-MD5 LOGIN', '250-Auth Plain XOAUTH2 cram-md5', '250 AUTH'),
    );
    expect(caps.authMechanisms).toEqual(['LOGIN', 'PLAIN', 'CRAM-MD5', 'XOAUTH2']);
    expect(caps.list()).toEqual([{ name: 'AUTH', params: ['LOGIN', 'PLAIN', 'CRAM-MD5', 'XOAUTH2'] }]);
  });

  it('keeps the first entry of a repeated keyword', () => {
    const caps = Capabilities.fromEhlo(ehlo('250-x', '250-SIZE 1000', '250-PIPELINING', '250 size 2000'));
    expect(caps.list()).toEqual([
      { name: 'SIZE', params: ['1000'] },
      { name: 'PIPELINING', params: [] },
    ]);
    expect(caps.size).toBe(1000);
  });

  it('collapses runs of spaces and ignores empty lines', () => {
    const caps = Capabilities.fromEhlo(ehlo('250-x', '250-  AUTH   PLAIN    LOGIN  ', '250-', '250 DSN'));
    expect(caps.list()).toEqual([
      { name: 'AUTH', params: ['PLAIN', 'LOGIN'] },
      { name: 'DSN', params: [] },
    ]);
  });

  it('stores names upper case but keeps non-AUTH parameters as sent', () => {
    const caps = Capabilities.fromEhlo(ehlo('250-x', '250 x-Custom Foo=Bar baz'));
    expect(caps.list()).toEqual([{ name: 'X-CUSTOM', params: ['Foo=Bar', 'baz'] }]);
  });

  it('has no capabilities for a single-line EHLO reply or a smtp-sink style empty last line', () => {
    expect(Capabilities.fromEhlo(ehlo('250 mail.example.org')).list()).toEqual([]);
    const sink = Capabilities.fromEhlo(ehlo('250-sink', '250-PIPELINING', '250 '));
    expect(sink.list()).toEqual([{ name: 'PIPELINING', params: [] }]);
  });
});

describe('Capabilities: lookups', () => {
  const caps = Capabilities.fromEhlo(POSTFIX);

  it('has() ignores case', () => {
    for (const name of ['STARTTLS', 'starttls', 'StartTls', 'smtputf8', '8bitmime']) {
      expect(caps.has(name)).toBe(true);
      expect(hasExtension(caps, name)).toBe(true);
    }
    expect(caps.has('BINARYMIME')).toBe(false);
    expect(hasExtension(caps, 'binarymime')).toBe(false);
  });

  it('params() ignores case and returns undefined when not advertised', () => {
    expect(caps.params('size')).toEqual(['10240000']);
    expect(caps.params('pipelining')).toEqual([]);
    expect(caps.params('XCLIENT')).toBeUndefined();
  });

  it('hands out copies', () => {
    caps.list()[0]!.params.push('changed');
    caps.params('SIZE')!.push('changed');
    caps.authMechanisms.push('changed');
    expect(caps.params('PIPELINING')).toEqual([]);
    expect(caps.params('SIZE')).toEqual(['10240000']);
    expect(caps.authMechanisms).toEqual(['PLAIN', 'LOGIN']);
  });
});

describe('Capabilities.size', () => {
  const sizeOf = (...lines: string[]): number | undefined => Capabilities.fromEhlo(ehlo('250-x', ...lines)).size;

  it('is the advertised limit', () => {
    expect(sizeOf('250 SIZE 35882577')).toBe(35882577);
  });

  it('is 0 when SIZE is advertised with no limit', () => {
    expect(sizeOf('250 SIZE')).toBe(0);
    expect(sizeOf('250 SIZE 0')).toBe(0);
    expect(sizeOf('250 SIZE unlimited')).toBe(0);
    expect(sizeOf('250 SIZE -5')).toBe(0);
  });

  it('is undefined when SIZE is not advertised', () => {
    expect(sizeOf('250 PIPELINING')).toBeUndefined();
    expect(Capabilities.empty().size).toBeUndefined();
  });
});

describe('Capabilities.empty and fromList', () => {
  it('empty() has no extensions', () => {
    const caps = Capabilities.empty();
    expect(caps.list()).toEqual([]);
    expect(caps.has('PIPELINING')).toBe(false);
    expect(caps.authMechanisms).toEqual([]);
  });

  it('fromList() round-trips list()', () => {
    for (const reply of [POSTFIX, EXIM, DOVECOT_LHLO, EXCHANGE]) {
      const caps = Capabilities.fromEhlo(reply);
      expect(Capabilities.fromList(caps.list()).list()).toEqual(caps.list());
    }
  });

  it('fromList() normalises names and merges AUTH', () => {
    const caps = Capabilities.fromList([
      { name: 'auth', params: ['plain'] },
      { name: 'size', params: ['100'] },
      { name: 'AUTH', params: ['LOGIN', 'PLAIN'] },
    ]);
    expect(caps.list()).toEqual([
      { name: 'AUTH', params: ['PLAIN', 'LOGIN'] },
      { name: 'SIZE', params: ['100'] },
    ]);
  });

  it('fromList() does not share arrays with its input', () => {
    const input = [{ name: 'SIZE', params: ['100'] }];
    const caps = Capabilities.fromList(input);
    input[0]!.params[0] = '1';
    expect(caps.size).toBe(100);
  });
});
