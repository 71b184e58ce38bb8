import { describe, it, expect } from 'vitest';
import { ReplyParser } from '../../electron/smtp/protocol/reply-parser.js';
import type { Reply, ReplyLine } from '../../electron/smtp/protocol/reply.js';
import { SmtpError } from '../../electron/smtp/errors.js';

/** Parse a whole transcript in one push. */
function parseAll(bytes: Buffer, options?: ConstructorParameters<typeof ReplyParser>[0]): Reply[] {
  return new ReplyParser(options).push(bytes);
}

/** Parse a transcript fed as the given chunks, collecting every reply. */
function parseChunks(chunks: Buffer[]): Reply[] {
  const parser = new ReplyParser();
  const replies: Reply[] = [];
  for (const chunk of chunks) replies.push(...parser.push(chunk));
  expect(parser.pendingBytes).toBe(0);
  return replies;
}

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

const POSTFIX_EHLO =
  '250-mail.example.org\r\n' +
  '250-PIPELINING\r\n' +
  '250-SIZE 10240000\r\n' +
  '250-VRFY\r\n' +
  '250-ETRN\r\n' +
  '250-STARTTLS\r\n' +
  '250-ENHANCEDSTATUSCODES\r\n' +
  '250-8BITMIME\r\n' +
  '250-DSN\r\n' +
  '250-SMTPUTF8\r\n' +
  '250 CHUNKING\r\n';

const TRANSCRIPTS: Record<string, string> = {
  'postfix greeting and EHLO': '220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n' + POSTFIX_EHLO,
  'smtp-sink style bare last lines': '220 sink ESMTP\r\n250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 \r\n250\r\n',
  'bare LF lines': '220 lf-only ESMTP\n250-lf-only\n250 SIZE\n',
  'mixed CRLF and bare LF': '250-first\r\n250-second\n250 third\r\n',
  'enhanced codes':
    '250 2.1.0 Ok\r\n550 5.1.1 <nobody@example.org>: Recipient address rejected\r\n' +
    '535 5.7.8 Error: authentication failed\r\n221 2.0.0 Bye\r\n',
  'several replies in one chunk': '250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n',
  'UTF-8 text': '250-mx.example.jp こんにちは\r\n250 SMTPUTF8\r\n',
  'lone CR inside a line': '250-a\rb\r\n250 c\r\r\n',
  'empty continuation text': '250-\r\n250-x\r\n250 ok\r\n',
};

describe('ReplyParser: well-formed replies', () => {
  it('parses a postfix EHLO reply', () => {
    const [greeting, ehlo, ...rest] = parseAll(Buffer.from(TRANSCRIPTS['postfix greeting and EHLO']!));
    expect(rest).toEqual([]);
    expect(greeting).toEqual({
      code: 220,
      lines: [
        { raw: '220 mail.example.org ESMTP Postfix (Debian/GNU)', text: 'mail.example.org ESMTP Postfix (Debian/GNU)', bareLf: false },
      ],
      text: 'mail.example.org ESMTP Postfix (Debian/GNU)',
      bareLf: false,
      // Not recorded anywhere (no onLine): no transcript index; broke no rule: no quirks.
      at: -1,
    });
    expect(greeting!.quirks).toBeUndefined();
    expect(ehlo!.code).toBe(250);
    expect(ehlo!.lines).toHaveLength(11);
    expect(ehlo!.lines[2]).toEqual({ raw: '250-SIZE 10240000', text: 'SIZE 10240000', bareLf: false });
    expect(ehlo!.text.split('\n')).toEqual([
      'mail.example.org',
      'PIPELINING',
      'SIZE 10240000',
      'VRFY',
      'ETRN',
      'STARTTLS',
      'ENHANCEDSTATUSCODES',
      '8BITMIME',
      'DSN',
      'SMTPUTF8',
      'CHUNKING',
    ]);
    expect(ehlo!.enhancedCode).toBeUndefined();
  });

  it('accepts "250 " and a bare "250" as last lines with empty text', () => {
    const replies = parseAll(Buffer.from(TRANSCRIPTS['smtp-sink style bare last lines']!));
    expect(replies.map((r) => r.code)).toEqual([220, 250, 250]);
    expect(replies[1]!.text).toBe('sink\nPIPELINING\n8BITMIME\n');
    expect(replies[1]!.lines[3]).toEqual({ raw: '250 ', text: '', bareLf: false });
    expect(replies[2]!.lines).toEqual([{ raw: '250', text: '', bareLf: false }]);
    expect(replies[2]!.text).toBe('');
  });

  it('accepts "250-" with empty text as a continuation line', () => {
    const [reply] = parseAll(Buffer.from(TRANSCRIPTS['empty continuation text']!));
    expect(reply!.text).toBe('\nx\nok');
    expect(reply!.lines[0]).toEqual({ raw: '250-', text: '', bareLf: false });
  });

  it('tolerates and flags bare LF line endings', () => {
    const replies = parseAll(Buffer.from(TRANSCRIPTS['bare LF lines']!));
    expect(replies.map((r) => [r.code, r.text, r.bareLf])).toEqual([
      [220, 'lf-only ESMTP', true],
      [250, 'lf-only\nSIZE', true],
    ]);
    const [mixed] = parseAll(Buffer.from(TRANSCRIPTS['mixed CRLF and bare LF']!));
    expect(mixed!.lines.map((l) => l.bareLf)).toEqual([false, true, false]);
    expect(mixed!.bareLf).toBe(true);
    expect(mixed!.text).toBe('first\nsecond\nthird');
  });

  it('keeps a lone CR as part of the line, not as a terminator, and flags it', () => {
    const [reply] = parseAll(Buffer.from(TRANSCRIPTS['lone CR inside a line']!));
    expect(reply!.lines).toEqual([
      { raw: '250-a\rb', text: 'a\rb', bareLf: false },
      { raw: '250 c\r', text: 'c\r', bareLf: false },
    ]);
    expect(reply!.quirks).toMatchObject({ bareCr: true, bareLf: false, longLine: false });
  });

  it('decodes text as UTF-8', () => {
    const [reply] = parseAll(Buffer.from(TRANSCRIPTS['UTF-8 text']!));
    expect(reply!.lines[0]!.text).toBe('mx.example.jp こんにちは');
  });

  it('returns several replies from one chunk, in order', () => {
    const replies = parseAll(Buffer.from(TRANSCRIPTS['several replies in one chunk']!));
    expect(replies.map((r) => [r.code, r.enhancedCode, r.text])).toEqual([
      [250, '2.1.0', '2.1.0 Ok'],
      [250, '2.1.5', '2.1.5 Ok'],
      [354, undefined, 'End data with <CR><LF>.<CR><LF>'],
    ]);
  });

  it('accepts a reply of exactly maxLines lines and a line of exactly maxLineLength bytes', () => {
    const lines = Array.from({ length: 4 }, (_, i) => `250${i === 3 ? ' ' : '-'}line${i}\r\n`).join('');
    expect(parseAll(Buffer.from(lines), { maxLines: 4 })).toHaveLength(1);
    const line = '250 ' + 'x'.repeat(26) + '\r\n'; // 32 bytes with CRLF
    expect(parseAll(Buffer.from(line), { maxLineLength: 32 })).toHaveLength(1);
  });
});

describe('ReplyParser: enhanced status codes', () => {
  const cases: Array<[string, string | undefined]> = [
    ['250 2.0.0 Ok: queued as 4Xyz', '2.0.0'],
    ['535 5.7.8 Error: authentication failed: bad credentials', '5.7.8'],
    ['450 4.7.1 <x@example.org>: Recipient address rejected: greylisted', '4.7.1'],
    ['550 5.1.1', '5.1.1'],
    ['250 2.100.999 three-digit subject and detail', '2.100.999'],
    ['250 2.01.02 leading zeros are accepted', '2.01.02'],
    ['250 5.0.0 class differs from the reply code', undefined],
    ['550 2.0.0 class differs again', undefined],
    ['250 3.0.0 class 3 does not exist', undefined],
    ['250 2.0.0.1 too many parts', undefined],
    ['250 2.0 too few parts', undefined],
    ['250 2.0.0Ok no space after', undefined],
    ['250 2.1000.0 subject too long', undefined],
    ['250 ok 2.0.0 not at the start', undefined],
    ['250 2.0.0\tok tab is not a space', undefined],
    ['250', undefined],
  ];
  for (const [line, expected] of cases) {
    it(`${JSON.stringify(line)} → ${expected ?? 'none'}`, () => {
      const [reply] = parseAll(Buffer.from(line + '\r\n'));
      expect(reply!.enhancedCode).toBe(expected);
      expect(reply!.text).toBe(line.slice(4)); // the text keeps the code as sent
    });
  }

  it('takes the enhanced code from the first line of a multi-line reply only', () => {
    const [first] = parseAll(Buffer.from('550-5.7.1 Message rejected\r\n550 5.7.1 see https://example.org\r\n'));
    expect(first!.enhancedCode).toBe('5.7.1');
    const [second] = parseAll(Buffer.from('550-Message rejected\r\n550 5.7.1 see https://example.org\r\n'));
    expect(second!.enhancedCode).toBeUndefined();
  });
});

describe('ReplyParser: chunking does not matter', () => {
  for (const [name, transcript] of Object.entries(TRANSCRIPTS)) {
    const bytes = Buffer.from(transcript);
    const expected = parseAll(bytes);

    it(`${name}: split at every byte offset`, () => {
      for (let cut = 0; cut <= bytes.length; cut++) {
        expect(parseChunks([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(expected);
      }
    });

    it(`${name}: split at every pair of offsets`, () => {
      for (let a = 0; a <= bytes.length; a += 3) {
        for (let b = a; b <= bytes.length; b += 2) {
          expect(parseChunks([bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)])).toEqual(expected);
        }
      }
    });

    it(`${name}: fed byte by byte`, () => {
      const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
      expect(parseChunks(chunks)).toEqual(expected);
    });
  }

  it('does not keep a reference to (or depend on) the caller reusing its chunk buffer', () => {
    const parser = new ReplyParser();
    const scratch = Buffer.from('250-abc');
    expect(parser.push(scratch)).toEqual([]);
    scratch.fill(0x58); // the caller overwrites its buffer
    const [reply] = parser.push(Buffer.from('\r\n250 def\r\n'));
    expect(reply!.text).toBe('abc\ndef');
  });
});

describe('ReplyParser: malformed replies', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['short code', '25 ok\r\n', /code is not three digits/],
    ['non-numeric code', 'abc ok\r\n', /code is not three digits/],
    ['partly numeric code', '2x0 ok\r\n', /code is not three digits/],
    ['empty line', '\r\n', /code is not three digits/],
    ['two-digit bare line', '25\r\n', /code is not three digits/],
    ['first digit 0', '050 ok\r\n', /start with 2 to 5/],
    // No SMTP or LMTP command has a 1yz reply.
    ['first digit 1', '154 wait\r\n', /start with 2 to 5/],
    ['first digit 6', '650 ok\r\n', /start with 2 to 5/],
    ['first digit 9', '999 ok\r\n', /start with 2 to 5/],
    ['missing separator', '250ok\r\n', /missing separator after code/],
    ['wrong separator', '250:ok\r\n', /missing separator after code/],
    ['four-digit code', '2500 ok\r\n', /missing separator after code/],
    ['tab separator', '250\tok\r\n', /missing separator after code/],
    ['mixed codes in a multi-line reply', '250-a\r\n251 b\r\n', /code changed within a multi-line reply, 250 then 251/],
  ];
  for (const [name, input, message] of cases) {
    it(`${name}: ${JSON.stringify(input)}`, () => {
      const offending = input.split(/(?<=\n)/).at(-1)!;
      const escaped = offending.replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
      for (const feed of ['whole', 'bytewise'] as const) {
        const parser = new ReplyParser();
        const bytes = Buffer.from(input);
        const error = catchSmtpError(() => {
          if (feed === 'whole') parser.push(bytes);
          else for (let i = 0; i < bytes.length; i++) parser.push(bytes.subarray(i, i + 1));
        });
        expect(error.code).toBe('protocol-error');
        expect(error.message).toMatch(message);
        expect(error.message).toContain(`"${escaped}"`);
        expect(error.raw).toBe(escaped);
      }
    });
  }

  it('names the problem in the message, e.g. a missing separator', () => {
    const error = catchSmtpError(() => new ReplyParser().push(Buffer.from('250ok\r\n')));
    expect(error.message).toBe('malformed reply line (missing separator after code): "250ok\\r\\n"');
  });

  it('fails a line over maxLineLength once it is complete', () => {
    const line = '250 ' + 'x'.repeat(27) + '\r\n'; // 33 bytes
    const error = catchSmtpError(() => parseAll(Buffer.from(line), { maxLineLength: 32 }));
    expect(error.code).toBe('protocol-error');
    expect(error.message).toMatch(/reply line longer than 32 bytes/);
    expect(error.raw).toBe(line.replace('\r\n', '\\r\\n'));
  });

  it('fails an endless line without a newline as soon as it passes the cap', () => {
    const parser = new ReplyParser({ maxLineLength: 1000 });
    let pushed = 0;
    const error = catchSmtpError(() => {
      parser.push(Buffer.from('250 '));
      pushed = 4;
      for (;;) {
        parser.push(Buffer.from('y'.repeat(7)));
        pushed += 7;
        if (pushed > 10_000) throw new Error('still buffering an endless line');
      }
    });
    expect(error.code).toBe('protocol-error');
    expect(error.message).toMatch(/reply line longer than 1000 bytes/);
    // The line could still have fitted (with its LF) before this push; it no longer can after it.
    expect(pushed + 1).toBeLessThanOrEqual(1000);
    expect(pushed + 7 + 1).toBeGreaterThan(1000);
    expect(error.raw).toMatch(/^250 y+… \(\d+ more bytes\)$/);
  });

  it('fails an endless line pushed in one big chunk at the default cap', () => {
    const error = catchSmtpError(() => new ReplyParser().push(Buffer.alloc(100_000, 0x41)));
    expect(error.message).toMatch(/longer than 8192 bytes/);
  });

  it('fails a line that has not reached its LF but cannot fit any more', () => {
    const parser = new ReplyParser({ maxLineLength: 10 });
    expect(parser.push(Buffer.from('250 abcde'))).toEqual([]); // 9 bytes + LF would still fit
    expect(() => parser.push(Buffer.from('\r'))).toThrow(/longer than 10 bytes/); // 10 + LF cannot
  });

  it('fails an endless multi-line reply at maxLines', () => {
    const parser = new ReplyParser({ maxLines: 50 });
    let lines = 0;
    const error = catchSmtpError(() => {
      for (;;) {
        parser.push(Buffer.from('250-more\r\n'));
        lines++;
        if (lines > 10_000) throw new Error('still buffering an endless reply');
      }
    });
    expect(lines).toBe(50);
    expect(error.code).toBe('protocol-error');
    expect(error.message).toMatch(/more than 50 lines/);
    expect(error.raw).toBe('250-more\\r\\n');
  });

  it('fails an endless multi-line reply at the default cap of 512 lines', () => {
    const error = catchSmtpError(() => new ReplyParser().push(Buffer.from('250-x\r\n'.repeat(600))));
    expect(error.message).toMatch(/more than 512 lines/);
  });

  it('shows non-printable bytes escaped in raw', () => {
    const error = catchSmtpError(() => new ReplyParser().push(Buffer.from([0x32, 0x35, 0x30, 0x00, 0xff, 0x0d, 0x0a])));
    expect(error.raw).toBe('250\\x00\\xff\\r\\n');
  });
});

describe('ReplyParser: pendingBytes', () => {
  it('counts a partial line', () => {
    const parser = new ReplyParser();
    expect(parser.pendingBytes).toBe(0);
    parser.push(Buffer.from('220 mail.exa'));
    expect(parser.pendingBytes).toBe(12);
    parser.push(Buffer.from('mple.org\r'));
    expect(parser.pendingBytes).toBe(21);
    expect(parser.push(Buffer.from('\n'))).toHaveLength(1);
    expect(parser.pendingBytes).toBe(0);
  });

  it('counts complete lines of an unfinished multi-line reply plus the partial line', () => {
    const parser = new ReplyParser();
    expect(parser.push(Buffer.from('250-one\r\n250-two\n250 thr'))).toEqual([]);
    expect(parser.pendingBytes).toBe(9 + 8 + 7);
    expect(parser.push(Buffer.from('ee\r\n'))).toHaveLength(1);
    expect(parser.pendingBytes).toBe(0);
  });

  it('counts bytes injected after a reply in the same chunk (STARTTLS injection)', () => {
    const parser = new ReplyParser();
    const replies = parser.push(Buffer.from('220 2.0.0 Ready to start TLS\r\n250-injected\r\n'));
    expect(replies).toHaveLength(1);
    expect(parser.pendingBytes).toBe('250-injected\r\n'.length);
  });
});

describe('ReplyParser: onLine', () => {
  it('fires per line, in order, as each line completes', () => {
    const events: string[] = [];
    const parser = new ReplyParser({ onLine: (line: ReplyLine) => events.push(`line ${line.raw}`) });
    const feed = (text: string): void => {
      for (const reply of parser.push(Buffer.from(text))) events.push(`reply ${reply.code}`);
    };
    feed('250-mail.example.org\r\n250-PIPE');
    expect(events).toEqual(['line 250-mail.example.org']);
    feed('LINING\r\n250 SIZE\r\n220 ready\r\n');
    // Replies come back when push() returns, after the lines of that push.
    expect(events).toEqual([
      'line 250-mail.example.org',
      'line 250-PIPELINING',
      'line 250 SIZE',
      'line 220 ready',
      'reply 250',
      'reply 220',
    ]);
  });

  it('passes the same line objects that end up in the reply', () => {
    const seen: ReplyLine[] = [];
    const [reply] = new ReplyParser({ onLine: (line) => seen.push(line) }).push(Buffer.from('250-a\n250 b\r\n'));
    expect(seen).toHaveLength(2);
    expect(reply!.lines[0]).toBe(seen[0]);
    expect(reply!.lines[1]).toBe(seen[1]);
  });

  it('does not fire for a malformed line', () => {
    const seen: string[] = [];
    const parser = new ReplyParser({ onLine: (line) => seen.push(line.raw) });
    expect(() => parser.push(Buffer.from('250-a\r\n25x b\r\n'))).toThrow(SmtpError);
    expect(seen).toEqual(['250-a']);
  });
});

describe('ReplyParser: cost', () => {
  it('handles a long line trickled a byte at a time without quadratic copying', () => {
    const parser = new ReplyParser({ maxLineLength: 1 << 20 });
    const byte = Buffer.from('z');
    parser.push(Buffer.from('250 '));
    const started = performance.now();
    for (let i = 0; i < 500_000; i++) parser.push(byte);
    const [reply] = parser.push(Buffer.from('\r\n'));
    expect(reply!.text.length).toBe(500_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
