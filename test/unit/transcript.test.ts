import { describe, expect, it } from 'vitest';
import { Transcript, escapeControls } from '../../electron/smtp/transcript.js';

describe('Transcript', () => {
  it('stores a clean line as is and escapes control characters (but TAB) when there are any', () => {
    expect(escapeControls('MAIL FROM:<a@example.org>\tx')).toBe('MAIL FROM:<a@example.org>\tx');
    expect(escapeControls('a\rb\nc\x00d\x1be\x7f')).toBe('a\\rb\\nc\\x00d\\x1be\\x7f');
    const transcript = new Transcript();
    transcript.received('250 ok\x07', true);
    transcript.sent('AUTH PLAIN <redacted 12 bytes>', true);
    transcript.info('plain');
    expect(transcript.events.map(({ dir, text, redacted, bareLf }) => ({ dir, text, redacted, bareLf }))).toEqual([
      { dir: 'recv', text: '250 ok\\x07', redacted: undefined, bareLf: true },
      { dir: 'send', text: 'AUTH PLAIN <redacted 12 bytes>', redacted: true, bareLf: undefined },
      { dir: 'info', text: 'plain', redacted: undefined, bareLf: undefined },
    ]);
    // The optional flags are absent, not false, when they do not apply.
    expect('redacted' in transcript.events[2]!).toBe(false);
    expect('bareLf' in transcript.events[2]!).toBe(false);
  });

  it('timestamps are whole microseconds, monotonic, and the wall clock follows them', () => {
    const transcript = new Transcript();
    for (let i = 0; i < 100; i++) transcript.info(String(i));
    const ts = transcript.events.map((e) => e.t);
    expect(ts.every((t) => Number.isInteger(t) && t >= 0)).toBe(true);
    expect(ts.every((t, i) => i === 0 || t >= ts[i - 1]!)).toBe(true);
    for (const e of transcript.events) expect(e.wall).toBeCloseTo(transcript.startedAt + e.t / 1000, 6);
  });
});

describe('enhanced status codes in replies', () => {
  it('are recognised exactly as /^([245])\\.(\\d{1,3})\\.(\\d{1,3})(?: |$)/ of the reply class says', async () => {
    const { ReplyParser } = await import('../../electron/smtp/protocol/reply-parser.js');
    const pattern = /^([245])\.(\d{1,3})\.(\d{1,3})(?: |$)/;
    const texts = [
      '2.0.0 ok',
      '2.0.0',
      '5.7.1 denied',
      '4.2.2 full',
      '2.1.5',
      '2.10.100 x',
      '2.100.1000 x',
      '2.1000.1 x',
      '2..1 x',
      '2.1. x',
      '2.1.1x',
      '2.1.1-more',
      '.2.1.1',
      '2.1.1\tx',
      'x 2.0.0',
      '',
      ' 2.0.0',
      '3.0.0 x',
      '1.0.0',
      '2.0',
      '2.0.',
      '2.00.000 ok',
      '2.1.1 ',
      '5.5.5.5 x',
      '٢.0.0 arabic digit',
    ];
    for (const code of [250, 451, 550, 354]) {
      for (const text of texts) {
        const parser = new ReplyParser();
        const [reply] = parser.push(Buffer.from(`${code} ${text}\r\n`, 'utf8'));
        const match = pattern.exec(text);
        const expected = match && Number(match[1]) === Math.floor(code / 100) ? `${match[1]}.${match[2]}.${match[3]}` : undefined;
        expect(reply!.enhancedCode, `${code} ${JSON.stringify(text)}`).toBe(expected);
      }
    }
  });
});

describe('Transcript: bounded', () => {
  it('past its event cap it counts events instead of keeping them, says so once, and still keeps errors', () => {
    const seen: string[] = [];
    const transcript = new Transcript({ maxEvents: 10, onEvent: (e) => seen.push(e.text) });
    for (let i = 0; i < 25; i++) transcript.received(`250 line ${i}`);
    transcript.error('the server closed the connection');
    const texts = transcript.events.map((e) => e.text);
    expect(texts).toHaveLength(11);
    expect(texts[9]).toMatch(/^transcript cap reached \(9 events, \d+ characters\): later lines are counted, not kept$/);
    expect(texts.at(-1)).toBe('the server closed the connection');
    expect(texts.filter((t) => t.startsWith('transcript cap'))).toHaveLength(1);
    expect(transcript.dropped).toBe(16);
    expect(transcript.droppedBytes).toBe(Array.from({ length: 16 }, (_, i) => `250 line ${i + 9}`.length).reduce((a, b) => a + b, 0));
    // What is streamed is what is kept: the renderer and the log see the same bounded transcript.
    expect(seen).toEqual(texts);
  });

  it('past its text cap likewise', () => {
    const transcript = new Transcript({ maxTextLength: 1000 });
    for (let i = 0; i < 50; i++) transcript.sent('x'.repeat(90));
    expect(transcript.events.length).toBeLessThanOrEqual(12);
    expect(transcript.events.reduce((n, e) => n + e.text.length, 0)).toBeLessThan(1200);
    expect(transcript.dropped).toBeGreaterThan(35);
  });

  it('a streaming transcript keeps no events, and its indices still count every one', () => {
    const streamed: number[] = [];
    const transcript = new Transcript({ retain: false, onEvent: (e) => streamed.push(e.t) });
    expect(transcript.sent('EHLO x')).toBe(0);
    expect(transcript.received('250 ok')).toBe(1);
    expect(transcript.lastIndex).toBe(1);
    expect(transcript.events).toEqual([]);
    expect(streamed).toHaveLength(2);
  });

  it('controls, C1 and bidi overrides become visible escapes at capture', () => {
    const transcript = new Transcript();
    transcript.received('220 \x1b[31mred\x1b]0;title\x07 \u0085 \u202Eevil \u2066iso\u2069');
    expect(transcript.events[0]!.text).toBe('220 \\x1b[31mred\\x1b]0;title\\x07 <U+0085> <U+202E>evil <U+2066>iso<U+2069>');
  });
});
