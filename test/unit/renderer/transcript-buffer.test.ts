import { describe, expect, it } from 'vitest';
import type { TranscriptEvent } from '../../../shared/session-record.js';
import { eventAt, rowAtOrAfter, rowOf, TranscriptBuffer } from '../../../renderer/src/lib/transcript/buffer.js';
import { filterMask, isShowAll, SHOW_ALL } from '../../../renderer/src/lib/transcript/filter.js';
import { IndexList, lowerBound } from '../../../renderer/src/lib/transcript/index-list.js';
import { CHUNK } from '../../../renderer/src/lib/transcript/search-index.js';

/** The transcript's storage: append without copying, filtered views and search as index lists. */

const ev = (text: string, dir: TranscriptEvent['dir'] = 'recv', t = 0, tls = false): TranscriptEvent => ({ t, wall: 0, dir, tls, text });
const ALL = filterMask(SHOW_ALL);
const list = (a: Uint32Array) => Array.from(a);

function sample(): TranscriptEvent[] {
  return [
    ev('220 mx.example.net ESMTP ready'),
    ev('EHLO client.example.org', 'send'),
    ev('250-mx.example.net Hello'),
    ev('250 STARTTLS'),
    ev('STARTTLS', 'send'),
    ev('220 Go ahead'),
    ev('TLS established: TLSv1.3', 'info', 0, true),
    ev('EHLO client.example.org', 'send', 0, true),
    ev('250 AUTH PLAIN LOGIN', 'recv', 0, true),
    ev('connection reset', 'error', 0, true),
  ];
}

describe('TranscriptBuffer storage', () => {
  it('appends onto one array: its identity stays and batches are not copied', () => {
    const buffer = new TranscriptBuffer();
    const events = buffer.events;
    const first = ev('220 hi');
    buffer.append([first]);
    buffer.append([ev('EHLO x', 'send'), ev('250 ok')]);
    expect(buffer.events).toBe(events);
    expect(buffer.length).toBe(3);
    expect(buffer.at(0)).toBe(first);
    expect(buffer.events.map((e) => e.text)).toEqual(['220 hi', 'EHLO x', '250 ok']);
  });

  it('bumps the version on every append and load, not for an empty batch', () => {
    const buffer = new TranscriptBuffer();
    const v0 = buffer.version;
    buffer.append([]);
    expect(buffer.version).toBe(v0);
    buffer.append([ev('a')]);
    const v1 = buffer.version;
    expect(v1).toBeGreaterThan(v0);
    buffer.load([ev('b')]);
    expect(buffer.version).toBeGreaterThan(v1);
  });

  it("takes a record's events as they are, and never changes that array", () => {
    const recordEvents = sample();
    const buffer = TranscriptBuffer.from(recordEvents);
    expect(buffer.events).toBe(recordEvents);
    buffer.append([ev('late')]);
    expect(recordEvents).toHaveLength(10);
    expect(buffer.length).toBe(11);
    expect(buffer.at(10)?.text).toBe('late');

    const other = sample();
    buffer.load(other);
    expect(buffer.events).toBe(other);
  });
});

describe('filtered views', () => {
  it('shows everything without building an index', () => {
    const buffer = TranscriptBuffer.from(sample());
    const view = buffer.view(ALL);
    expect(isShowAll(ALL)).toBe(true);
    expect(view).toEqual({ length: 10, indices: null });
    expect(eventAt(view, 4)).toBe(4);
    expect(rowOf(view, 9)).toBe(9);
    expect(rowOf(view, 10)).toBe(-1);
  });

  it('filters by direction and by TLS, keeping the order', () => {
    const buffer = TranscriptBuffer.from(sample());
    const sent = buffer.view(filterMask({ ...SHOW_ALL, recv: false, info: false, error: false }));
    expect(list(sent.indices!)).toEqual([1, 4, 7]);
    const noRecv = buffer.view(filterMask({ ...SHOW_ALL, recv: false }));
    expect(list(noRecv.indices!)).toEqual([1, 4, 6, 7, 9]);
    const tls = buffer.view(filterMask({ ...SHOW_ALL, tlsOnly: true }));
    expect(list(tls.indices!)).toEqual([6, 7, 8, 9]);
    const none = buffer.view(filterMask({ send: false, recv: false, info: false, error: false, tlsOnly: false }));
    expect(none.length).toBe(0);
  });

  it('maps between rows and events', () => {
    const buffer = TranscriptBuffer.from(sample());
    const sent = buffer.view(filterMask({ ...SHOW_ALL, recv: false, info: false, error: false }));
    expect(eventAt(sent, 1)).toBe(4);
    expect(rowOf(sent, 4)).toBe(1);
    expect(rowOf(sent, 5)).toBe(-1);
    expect(rowAtOrAfter(sent, 5)).toBe(2);
    expect(rowAtOrAfter(sent, 8)).toBe(3);
  });

  it('returns the same view object until the version or the filter changes, and extends it as events arrive', () => {
    const buffer = new TranscriptBuffer();
    buffer.append(sample());
    const mask = filterMask({ ...SHOW_ALL, recv: false });
    const a = buffer.view(mask);
    expect(buffer.view(mask)).toBe(a);
    buffer.append([ev('QUIT', 'send'), ev('221 bye')]);
    const b = buffer.view(mask);
    expect(b).not.toBe(a);
    expect(list(b.indices!)).toEqual([1, 4, 6, 7, 9, 10]);
    // The earlier snapshot is unchanged.
    expect(list(a.indices!)).toEqual([1, 4, 6, 7, 9]);
  });
});

describe('search', () => {
  it('finds case-insensitive substrings, in order, one hit per line', () => {
    const buffer = TranscriptBuffer.from(sample());
    expect(list(buffer.matches('ehlo', ALL))).toEqual([1, 7]);
    expect(list(buffer.matches('STARTtls', ALL))).toEqual([3, 4]);
    expect(list(buffer.matches('example', ALL))).toEqual([0, 1, 2, 7]);
    expect(list(buffer.matches('e', ALL))).toEqual([0, 1, 2, 5, 6, 7, 9]);
    expect(list(buffer.matches('nothing like this', ALL))).toEqual([]);
    expect(buffer.matches('', ALL)).toHaveLength(0);
  });

  it('does not match across two lines', () => {
    const buffer = TranscriptBuffer.from([ev('abc'), ev('def')]);
    expect(list(buffer.matches('cd', ALL))).toEqual([]);
    expect(list(buffer.matches('c\u0000d', ALL))).toEqual([]);
    expect(list(buffer.matches('abc', ALL))).toEqual([0]);
    expect(list(buffer.matches('def', ALL))).toEqual([1]);
  });

  it('matches only the lines the filter shows', () => {
    const buffer = TranscriptBuffer.from(sample());
    expect(list(buffer.matches('ehlo', filterMask({ ...SHOW_ALL, tlsOnly: true })))).toEqual([7]);
    expect(list(buffer.matches('250', filterMask({ ...SHOW_ALL, recv: false })))).toEqual([]);
  });

  it('keeps up with appended events, also across chunk boundaries', () => {
    const buffer = new TranscriptBuffer();
    const mask = filterMask({ ...SHOW_ALL, info: false });
    const expected: number[] = [];
    let n = 0;
    // Batches of odd sizes, searched between batches, crossing several chunks.
    for (const size of [1, 999, CHUNK - 5, 7, CHUNK + 3, 1000]) {
      const batch: TranscriptEvent[] = [];
      for (let i = 0; i < size; i++, n++) {
        const hit = n % 97 === 0;
        if (hit && n % 3 !== 0) expected.push(n);
        batch.push(ev(hit ? `250 Needle ${n}` : `line ${n}`, n % 3 === 0 ? 'info' : 'recv'));
      }
      buffer.append(batch);
      expect(list(buffer.matches('NEEDLE', mask))).toEqual(expected);
    }
    expect(n).toBeGreaterThan(2 * CHUNK);
  });

  it('copes with characters that change length when lower-cased', () => {
    // U+0130 lower-cases to two code units: the offsets after it must still be right.
    const buffer = TranscriptBuffer.from([ev('İstanbul relay'), ev('250 OK'), ev('ok again')]);
    expect(list(buffer.matches('ok', ALL))).toEqual([1, 2]);
    expect(list(buffer.matches('relay', ALL))).toEqual([0]);
  });

  it('forgets what was derived when other events are loaded', () => {
    const buffer = TranscriptBuffer.from(sample());
    expect(list(buffer.matches('ehlo', ALL))).toEqual([1, 7]);
    buffer.load([ev('EHLO other', 'send')]);
    expect(list(buffer.matches('ehlo', ALL))).toEqual([0]);
    expect(buffer.view(filterMask({ ...SHOW_ALL, send: false })).length).toBe(0);
  });
});

describe('IndexList', () => {
  it('grows and stays sorted for binary search', () => {
    const l = new IndexList(2);
    for (let i = 0; i < 100; i += 3) l.push(i);
    const s = l.snapshot();
    expect(s.length).toBe(34);
    expect(lowerBound(s, 0)).toBe(0);
    expect(lowerBound(s, 4)).toBe(2);
    expect(lowerBound(s, 1000)).toBe(34);
  });
});
