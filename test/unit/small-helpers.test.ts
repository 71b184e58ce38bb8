import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../electron/smtp/transport/loopback.js';
import { defined } from '../../shared/defined.js';

describe('isLoopback (the one definition: engine, test server, web host)', () => {
  it('is true for 127/8, ::1 in any spelling, IPv4-mapped 127/8 and localhost', () => {
    for (const a of [
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '0000:0000:0000:0000:0000:0000:0000:0001',
      '::ffff:127.0.0.1',
      '0:0:0:0:0:ffff:127.0.0.9',
      'localhost',
      'LOCALHOST',
    ]) {
      expect(isLoopback(a), a).toBe(true);
    }
  });

  it('is false for everything else', () => {
    for (const a of [
      undefined,
      '',
      '10.0.0.1',
      '128.0.0.1',
      '::2',
      '1::1',
      '::ffff:10.0.0.1',
      'fe80::1',
      'localhost.example',
      '127.0.0.1.example',
      '0.0.0.0',
      '::',
    ]) {
      expect(isLoopback(a), String(a)).toBe(false);
    }
  });
});

describe('defined (optional properties without the undefined ones)', () => {
  it('keeps every value but undefined, falsy ones included, in order', () => {
    const out = defined({ a: 1, b: undefined, c: 0, d: '', e: false, f: null });
    expect(out).toEqual({ a: 1, c: 0, d: '', e: false, f: null });
    expect(Object.keys(out)).toEqual(['a', 'c', 'd', 'e', 'f']);
    expect('b' in out).toBe(false);
  });
});
