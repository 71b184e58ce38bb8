import { describe, expect, it } from 'vitest';
import { SourceMeter } from '../../electron/smtp/message/message-source.js';

/**
 * The definition, a byte at a time: every CRLF, bare LF and bare CR counts as CRLF; any byte ≥ 0x80 is 8-bit; a line
 * is the octets between line breaks.
 */
function reference(bytes: Buffer): { size: number; eightBit: boolean; longestLine: number } {
  let size = 0;
  let line = 0;
  let longestLine = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x0d || b === 0x0a) {
      size += 2;
      if (b === 0x0d && bytes[i + 1] === 0x0a) i++;
      longestLine = Math.max(longestLine, line);
      line = 0;
    } else {
      size += 1;
      line++;
    }
  }
  return { size, eightBit: bytes.some((b) => b >= 0x80), longestLine: Math.max(longestLine, line) };
}

/** A deterministic pseudo-random generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x80000000;
  };
}

describe('SourceMeter', () => {
  it('agrees with the byte-at-a-time definition on line-ending soup split at random points', () => {
    const pieces = ['\r\n', '\n', '\r', 'a', 'bc', '.', '\r\r\n', '\n\r', '\xe9', ' '];
    for (let seed = 1; seed <= 400; seed++) {
      const next = random(seed);
      let text = '';
      const length = Math.floor(next() * 60);
      for (let i = 0; i < length; i++) text += pieces[Math.floor(next() * pieces.length)];
      const bytes = Buffer.from(text, 'latin1');
      const meter = new SourceMeter();
      let at = 0;
      while (at < bytes.length) {
        const take = 1 + Math.floor(next() * 7);
        meter.update(bytes.subarray(at, at + take));
        at += take;
      }
      expect(meter.result(), JSON.stringify(text)).toEqual(reference(bytes));
    }
  });

  it('takes Uint8Arrays and empty chunks, and a CR at the very end is bare', () => {
    const meter = new SourceMeter();
    meter.update(new Uint8Array([0x61, 0x0d]));
    meter.update(new Uint8Array(0));
    expect(meter.result()).toEqual({ size: 3, eightBit: false, longestLine: 1 });
    meter.update(new Uint8Array([0x0a, 0x80]));
    expect(meter.result()).toEqual({ size: 4, eightBit: true, longestLine: 1 });
  });

  it('measures a line that spans chunks, and one longer than RFC 5321 allows', () => {
    const meter = new SourceMeter();
    meter.update(Buffer.from('short\r\n' + 'x'.repeat(600)));
    meter.update(Buffer.from('y'.repeat(1400) + '\r\nend'));
    expect(meter.result().longestLine).toBe(2000);
  });
});

describe('line breaks counted by the encoders (the transcript summary of a body)', () => {
  const count = (bytes: Buffer): number => bytes.reduce((n, b) => n + (b === 0x0a ? 1 : 0), 0);

  it('equal the LFs actually written, whatever the line endings and chunking', async () => {
    const { DotStuffer, LineEndingNormaliser } = await import('../../electron/smtp/protocol/data-encoder.js');
    const pieces = ['\r\n', '\n', '\r', 'a', '.', '..', '\r\n.', 'x y'];
    for (let seed = 1; seed <= 300; seed++) {
      const next = random(seed);
      let text = '';
      const length = Math.floor(next() * 40);
      for (let i = 0; i < length; i++) text += pieces[Math.floor(next() * pieces.length)];
      const bytes = Buffer.from(text, 'latin1');
      const stuffer = new DotStuffer();
      const normaliser = new LineEndingNormaliser();
      const stuffed: Buffer[] = [];
      const normalised: Buffer[] = [];
      let at = 0;
      while (at < bytes.length) {
        const take = 1 + Math.floor(next() * 5);
        stuffed.push(stuffer.encode(bytes.subarray(at, at + take)));
        normalised.push(normaliser.encode(bytes.subarray(at, at + take)));
        at += take;
      }
      stuffed.push(stuffer.end());
      normalised.push(normaliser.end());
      const data = Buffer.concat(stuffed);
      // Everything before the final ".\r\n" is body (the CRLF ending an unfinished last line included).
      expect(stuffer.lineBreaks, JSON.stringify(text)).toBe(count(data.subarray(0, data.length - 3)));
      expect(normaliser.lineBreaks, JSON.stringify(text)).toBe(count(Buffer.concat(normalised)));
    }
  });
});
