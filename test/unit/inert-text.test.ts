import { describe, expect, it } from 'vitest';
import { inertInPlace, inertLines, inertText } from '../../shared/inert-text.js';

describe('inertText', () => {
  it('leaves ordinary text (UTF-8 included, TAB included) as it is, the same string', () => {
    for (const text of ['250 2.0.0 ok', 'mx.example.jp こんにちは', 'a\tb', 'Grüße €', '']) {
      expect(inertText(text)).toBe(text);
    }
  });

  it('escapes every C0 control but TAB, DEL, C1, bidi controls and line separators — and only those', () => {
    const escaped: string[] = [];
    for (let code = 0; code <= 0x2100; code++) {
      const char = String.fromCharCode(code);
      if (inertText(char) !== char) escaped.push(code.toString(16));
    }
    const expected = [
      ...Array.from({ length: 0x20 }, (_, i) => i).filter((i) => i !== 9),
      ...Array.from({ length: 0xa0 - 0x7f }, (_, i) => 0x7f + i),
      0x61c,
      0x200e,
      0x200f,
      0x2028,
      0x2029,
      0x202a,
      0x202b,
      0x202c,
      0x202d,
      0x202e,
      0x2066,
      0x2067,
      0x2068,
      0x2069,
    ].map((c) => c.toString(16));
    expect(escaped).toEqual(expected);
    expect(inertText('\r\n\x1b\x7f\u0085\u202e')).toBe('\\r\\n\\x1b\\x7f<U+0085><U+202E>');
  });

  it('inertLines keeps line breaks and escapes the rest; inertInPlace reaches every string of a record', () => {
    expect(inertLines('250-a\u202e\n250 b\x1b')).toBe('250-a<U+202E>\n250 b\\x1b');
    const record = { greeting: { code: 220, text: 'x\u202ey\nz' }, list: ['\x07'], events: [{ dir: 'recv', text: 'a\nb' }], n: 5 };
    expect(inertInPlace(record)).toBe(record);
    expect(record).toEqual({
      greeting: { code: 220, text: 'x<U+202E>y\nz' },
      list: ['\\x07'],
      events: [{ dir: 'recv', text: 'a\\nb' }],
      n: 5,
    });
  });
});
