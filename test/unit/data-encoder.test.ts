import { describe, it, expect } from 'vitest';
import { DotStuffer, LineEndingNormaliser, encodeBodyForData } from '../../electron/smtp/protocol/data-encoder.js';

// Bodies are handled as latin1 strings so that every byte maps to one character and back.
const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');
const text = (buffer: Buffer): string => buffer.toString('latin1');

/** smtplib's `_fix_eols`: every line ending becomes CRLF. */
function normalise(body: string): string {
  return body.replace(/\r\n|\n|\r(?!\n)/g, '\r\n');
}

/** Reference DATA encoding, whole-string and obviously correct: normalise, stuff, terminate. */
function referenceData(body: string): string {
  const norm = normalise(body);
  if (norm === '') return '.\r\n';
  const stuffed = norm
    .split('\r\n')
    .map((line) => (line.startsWith('.') ? '.' + line : line))
    .join('\r\n');
  return stuffed + (stuffed.endsWith('\r\n') ? '.\r\n' : '\r\n.\r\n');
}

/** Reference BDAT encoding: normalise, and end a non-empty body in CRLF. */
function referenceBdat(body: string): string {
  const norm = normalise(body);
  return norm === '' || norm.endsWith('\r\n') ? norm : norm + '\r\n';
}

/** Feed chunks through a fresh encoder, returning its output and counters. */
function run(make: () => DotStuffer | LineEndingNormaliser, chunks: Buffer[]): { out: string; bytesIn: number; bytesOut: number } {
  const encoder = make();
  const parts = chunks.map((chunk) => encoder.encode(chunk));
  parts.push(encoder.end());
  return { out: text(Buffer.concat(parts)), bytesIn: encoder.bytesIn, bytesOut: encoder.bytesOut };
}

/** Small deterministic PRNG (mulberry32) so that a failure can be reproduced from its seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Single characters plus the end-of-data look-alikes used in SMTP smuggling.
const TOKENS = ['.', '\r', '\n', 'a', 'a', 'a', '\xff', '\n.\n', '\r.\r', '\r\n.\r\n', '\n.\r\n', '\r\n.\n', '\r.\n', '.\r\n', '..'];

/** A random body of up to maxTokens tokens. */
function randomBody(random: () => number, maxTokens: number): string {
  const count = Math.floor(random() * (maxTokens + 1));
  let body = '';
  for (let i = 0; i < count; i++) body += TOKENS[Math.floor(random() * TOKENS.length)]!;
  return body;
}

/** Split a buffer at random boundaries, sometimes producing empty chunks. */
function randomChunks(random: () => number, body: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  let pos = 0;
  while (pos < body.length) {
    const size = random() < 0.1 ? 0 : 1 + Math.floor(random() * 8);
    chunks.push(body.subarray(pos, pos + size));
    pos += size;
  }
  return chunks;
}

/** Every way to cut a short body: whole, at each single offset, and byte by byte. */
function everySplit(body: Buffer): Buffer[][] {
  const splits: Buffer[][] = [[body]];
  for (let cut = 0; cut <= body.length; cut++) splits.push([body.subarray(0, cut), body.subarray(cut)]);
  splits.push(Array.from({ length: body.length }, (_, i) => body.subarray(i, i + 1)));
  return splits;
}

/** Check every DATA property against one body fed as the given chunks. */
function checkData(body: string, chunks: Buffer[]): void {
  const { out, bytesIn, bytesOut } = run(() => new DotStuffer(), chunks);
  const context = JSON.stringify({ body, chunks: chunks.map(text) });
  expect(out, context).toBe(referenceData(body));
  expect(bytesIn, context).toBe(body.length);
  expect(bytesOut, context).toBe(out.length);

  // The CRLF ending the DATA command line precedes the payload, so it counts for the end-of-data search.
  const wire = '\r\n' + out;
  expect(wire.indexOf('\r\n.\r\n'), context).toBe(wire.length - 5);
  expect(out.replace(/\r\n/g, ''), context).not.toMatch(/[\r\n]/);

  const norm = normalise(body);
  const unstuffed = wire
    .slice(0, -'.\r\n'.length)
    .replace(/\r\n\./g, '\r\n')
    .slice(2);
  expect(unstuffed, context).toBe(norm === '' || norm.endsWith('\r\n') ? norm : norm + '\r\n');
}

/** Check every BDAT property against one body fed as the given chunks. */
function checkBdat(body: string, chunks: Buffer[]): void {
  const { out, bytesIn, bytesOut } = run(() => new LineEndingNormaliser(), chunks);
  const context = JSON.stringify({ body, chunks: chunks.map(text) });
  expect(out, context).toBe(referenceBdat(body));
  expect(bytesIn, context).toBe(body.length);
  expect(bytesOut, context).toBe(out.length);
  expect(out.replace(/\r\n/g, ''), context).not.toMatch(/[\r\n]/);
}

describe('DotStuffer: examples', () => {
  const cases: Array<[string, string]> = [
    ['', '.\r\n'],
    ['x', 'x\r\n.\r\n'],
    ['x\r\n', 'x\r\n.\r\n'],
    ['x\n', 'x\r\n.\r\n'],
    ['x\r', 'x\r\n.\r\n'],
    ['\r\n', '\r\n.\r\n'],
    ['.', '..\r\n.\r\n'],
    ['.\r\n', '..\r\n.\r\n'],
    ['..', '...\r\n.\r\n'],
    ['a.b\r\n.c\r\n', 'a.b\r\n..c\r\n.\r\n'],
    ['a\n.\nb', 'a\r\n..\r\nb\r\n.\r\n'],
    ['a\r.\rb', 'a\r\n..\r\nb\r\n.\r\n'],
    ['a\r\n.\r\nb', 'a\r\n..\r\nb\r\n.\r\n'],
    ['a\n.\r\nb', 'a\r\n..\r\nb\r\n.\r\n'],
    ['a\r.\nb', 'a\r\n..\r\nb\r\n.\r\n'],
    ['a\n\rb', 'a\r\n\r\nb\r\n.\r\n'],
    ['a\r\r\nb', 'a\r\n\r\nb\r\n.\r\n'],
  ];
  for (const [body, expected] of cases) {
    it(`${JSON.stringify(body)} → ${JSON.stringify(expected)}`, () => {
      expect(text(encodeBodyForData(bytes(body)))).toBe(expected);
      expect(expected).toBe(referenceData(body)); // the reference agrees with the hand-written cases
    });
  }

  it('encodes an empty body as just ".\\r\\n" (the DATA command line supplies the leading CRLF)', () => {
    const stuffer = new DotStuffer();
    expect(text(stuffer.end())).toBe('.\r\n');
    expect(stuffer.bytesIn).toBe(0);
    expect(stuffer.bytesOut).toBe(3);
    const withEmptyChunks = new DotStuffer();
    expect(withEmptyChunks.encode(Buffer.alloc(0)).length).toBe(0);
    expect(text(withEmptyChunks.end())).toBe('.\r\n');
  });
});

describe('DotStuffer: state across chunk boundaries', () => {
  const cases: Array<[string[], string]> = [
    [['a\r', '\nb'], 'a\r\nb\r\n.\r\n'],
    [['a\r', '', '\nb'], 'a\r\nb\r\n.\r\n'],
    [['a\r', '\n', '.b'], 'a\r\n..b\r\n.\r\n'],
    [['a\r\n', '.b'], 'a\r\n..b\r\n.\r\n'],
    [['a\n', '.b'], 'a\r\n..b\r\n.\r\n'],
    [['a\r', '.b'], 'a\r\n..b\r\n.\r\n'],
    [['a\r', '\r'], 'a\r\n\r\n.\r\n'],
    [['a', '.b'], 'a.b\r\n.\r\n'],
    [['.', '.'], '...\r\n.\r\n'],
    [['', '.'], '..\r\n.\r\n'],
    [['x\r\n', '.', '\r\n'], 'x\r\n..\r\n.\r\n'],
    [['x\r'], 'x\r\n.\r\n'],
  ];
  for (const [chunks, expected] of cases) {
    it(`${JSON.stringify(chunks)} → ${JSON.stringify(expected)}`, () => {
      const { out, bytesOut } = run(() => new DotStuffer(), chunks.map(bytes));
      expect(out).toBe(expected);
      expect(bytesOut).toBe(expected.length);
    });
  }
});

describe('DotStuffer: property tests', () => {
  it('matches the reference for every split of short smuggling bodies', () => {
    const bodies = [
      '',
      '.',
      '\r',
      '\n',
      '\r\n',
      'a\n.\nb',
      'a\r.\rb',
      'a\r\n.\r\nb',
      'a\n.\r\nb',
      '\r\n.\r\n',
      '.\r\n.\r\n',
      '\n.\n',
      '\r.\r',
      '\n.\r\n.\n',
      'a\r\r\n\n.',
      '..\r\r..\n\n..',
      '\r\n..\r\n',
      'a\r',
      'a\r\n.',
    ];
    for (const body of bodies) {
      for (const chunks of everySplit(bytes(body))) checkData(body, chunks);
    }
  });

  it('matches the reference for every split of random short bodies', () => {
    const random = prng(1);
    for (let n = 0; n < 300; n++) {
      const body = randomBody(random, 6);
      for (const chunks of everySplit(bytes(body))) checkData(body, chunks);
    }
  });

  it('matches the reference for random bodies at random chunk boundaries', () => {
    const random = prng(2);
    for (let n = 0; n < 2000; n++) {
      const body = randomBody(random, 60);
      checkData(body, randomChunks(random, bytes(body)));
      checkData(body, [bytes(body)]);
    }
  });
});

describe('DotStuffer: zero-copy fast path', () => {
  it('returns the same Buffer for a chunk that needs no change', () => {
    const stuffer = new DotStuffer();
    const chunk = bytes('Subject: hi\r\n\r\nHello.\r\nBye\r\n');
    expect(stuffer.encode(chunk)).toBe(chunk);
    const tail = bytes('no line break at all');
    expect(stuffer.encode(tail)).toBe(tail);
  });

  it('returns a view, not a copy, when only a leading LF of a split CRLF is dropped', () => {
    const stuffer = new DotStuffer();
    stuffer.encode(bytes('a\r'));
    const chunk = bytes('\nrest of line\r\n');
    const out = stuffer.encode(chunk);
    expect(text(out)).toBe('rest of line\r\n');
    expect(out.buffer).toBe(chunk.buffer);
    expect(out.byteOffset).toBe(chunk.byteOffset + 1);
  });

  it('does not hand out the shared terminator for the caller to modify', () => {
    const first = new DotStuffer();
    first.encode(bytes('x\r\n'));
    first.end().fill(0);
    const second = new DotStuffer();
    second.encode(bytes('x\r\n'));
    expect(text(second.end())).toBe('.\r\n');
  });

  it('refuses to encode after end()', () => {
    const stuffer = new DotStuffer();
    stuffer.end();
    expect(() => stuffer.encode(bytes('x'))).toThrow();
    expect(() => stuffer.end()).toThrow();
  });
});

describe('DotStuffer: throughput', () => {
  it('encodes a 25 MB body quickly in 64 KiB chunks', () => {
    const line = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor\n.dot line\r\n';
    const body = bytes(line.repeat(Math.ceil(25_000_000 / line.length)));
    const stuffer = new DotStuffer();
    const started = performance.now();
    let out = 0;
    for (let i = 0; i < body.length; i += 65536) out += stuffer.encode(body.subarray(i, i + 65536)).length;
    out += stuffer.end().length;
    const elapsed = performance.now() - started;
    expect(out).toBe(stuffer.bytesOut);
    expect(stuffer.bytesIn).toBe(body.length);
    // Generous bound for slow CI machines; locally this runs at several hundred MB/s or more.
    expect(elapsed).toBeLessThan(2_000);
  });
});

describe('LineEndingNormaliser', () => {
  const cases: Array<[string[], string]> = [
    [[], ''],
    [[''], ''],
    [['x'], 'x\r\n'],
    [['x\r\n'], 'x\r\n'],
    [['x\n'], 'x\r\n'],
    [['x\r'], 'x\r\n'],
    [['a\r', '\nb'], 'a\r\nb\r\n'],
    [['a\r', '', '\nb\n'], 'a\r\nb\r\n'],
    [['.', '\n.\r.'], '.\r\n.\r\n.\r\n'], // no dot-stuffing for BDAT
    [['a\n.\nb'], 'a\r\n.\r\nb\r\n'],
    [['a\r\r\n\n'], 'a\r\n\r\n\r\n'],
  ];
  for (const [chunks, expected] of cases) {
    it(`${JSON.stringify(chunks)} → ${JSON.stringify(expected)}`, () => {
      const { out, bytesOut } = run(() => new LineEndingNormaliser(), chunks.map(bytes));
      expect(out).toBe(expected);
      expect(bytesOut).toBe(expected.length);
    });
  }

  it('flushes a CR that ended the last chunk as CRLF and adds nothing more', () => {
    const normaliser = new LineEndingNormaliser();
    const first = normaliser.encode(bytes('body\r'));
    expect(text(Buffer.concat([first, normaliser.end()]))).toBe('body\r\n');
  });

  it('returns the same Buffer for a chunk that needs no change', () => {
    const normaliser = new LineEndingNormaliser();
    const chunk = bytes('.leading dot stays\r\nline\r\n');
    expect(normaliser.encode(chunk)).toBe(chunk);
  });

  it('matches the reference for every split of short bodies', () => {
    const random = prng(3);
    for (let n = 0; n < 300; n++) {
      const body = randomBody(random, 6);
      for (const chunks of everySplit(bytes(body))) checkBdat(body, chunks);
    }
  });

  it('matches the reference for random bodies at random chunk boundaries', () => {
    const random = prng(4);
    for (let n = 0; n < 2000; n++) {
      const body = randomBody(random, 60);
      checkBdat(body, randomChunks(random, bytes(body)));
    }
  });
});
