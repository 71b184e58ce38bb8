import { describe, expect, it } from 'vitest';
import type { TranscriptEvent } from '../../../shared/session-record.js';
import { formatDelta } from '../../../shared/transcript-format.js';
import { TranscriptBuffer } from '../../../renderer/src/lib/transcript/buffer.js';
import { filterMask, SHOW_ALL } from '../../../renderer/src/lib/transcript/filter.js';
import { copyLine, copyRows, formatCount, replyClass, splitText, timeText } from '../../../renderer/src/lib/transcript/format.js';
import { isNavigationKey, isSelected, selectedRows, targetRow } from '../../../renderer/src/lib/transcript/selection.js';

/** Time columns, reply-code classes, copied text, highlighted parts, keyboard moves. */

// 2025-01-02T03:04:05.123456Z
const WALL = Date.UTC(2025, 0, 2, 3, 4, 5) + 123.456;
const ev = (text: string, dir: TranscriptEvent['dir'] = 'recv', t = 0, wall = WALL): TranscriptEvent => ({
  t,
  wall,
  dir,
  tls: false,
  text,
});

describe('time column', () => {
  const previous = ev('220 hi', 'recv', 1_000_000);
  const event = ev('EHLO x', 'send', 1_250_042, WALL);

  it('absolute: wall-clock UTC with microseconds', () => {
    expect(timeText('absolute', event, previous)).toBe('03:04:05.123456');
  });

  it('relative: seconds since the start', () => {
    expect(timeText('relative', event, previous)).toBe('+1.250042');
    expect(timeText('relative', ev('x', 'recv', 0), undefined)).toBe('+0.000000');
  });

  it('delta: seconds since the line above, zero for the first and never negative', () => {
    expect(timeText('delta', event, previous)).toBe('+0.250042');
    expect(timeText('delta', event, undefined)).toBe('+0.000000');
    expect(timeText('delta', previous, event)).toBe('+0.000000');
    expect(formatDelta(12)).toBe('+0.000012');
    expect(formatDelta(61_500_000)).toBe('+61.500000');
  });
});

describe('reply codes', () => {
  it('classes received replies by their first digit', () => {
    expect(replyClass(ev('250 OK'))).toBe(2);
    expect(replyClass(ev('250-PIPELINING'))).toBe(2);
    expect(replyClass(ev('354 Go ahead'))).toBe(3);
    expect(replyClass(ev('451 4.7.1 Try later'))).toBe(4);
    expect(replyClass(ev('550 5.1.1 No such user'))).toBe(5);
    expect(replyClass(ev('250'))).toBe(2);
  });

  it('ignores sent lines, other directions and things that are not reply codes', () => {
    expect(replyClass(ev('250 OK', 'send'))).toBe(0);
    expect(replyClass(ev('550 x', 'info'))).toBe(0);
    expect(replyClass(ev('2500 x'))).toBe(0);
    expect(replyClass(ev('650 x'))).toBe(0);
    expect(replyClass(ev('25'))).toBe(0);
    expect(replyClass(ev('hello'))).toBe(0);
  });
});

describe('copy', () => {
  it('formats a line like smtplib: HH:MM:SS.ffffff C: text', () => {
    expect(copyLine(ev('EHLO x', 'send'))).toBe('03:04:05.123456 C: EHLO x');
    expect(copyLine(ev('250 OK'))).toBe('03:04:05.123456 S: 250 OK');
    expect(copyLine(ev('TLS established', 'info'))).toBe('03:04:05.123456 info: TLS established');
    expect(copyLine(ev('timed out', 'error'))).toBe('03:04:05.123456 error: timed out');
  });

  it('copies rows of a filtered view, one line each', () => {
    const buffer = TranscriptBuffer.from([ev('220 hi'), ev('EHLO x', 'send'), ev('250 ok'), ev('QUIT', 'send')]);
    const sent = buffer.view(filterMask({ ...SHOW_ALL, recv: false }));
    expect(copyRows(buffer.events, sent, 0, 2)).toBe('03:04:05.123456 C: EHLO x\n03:04:05.123456 C: QUIT');
    expect(copyRows(buffer.events, buffer.view(filterMask(SHOW_ALL)), 1, 3)).toBe('03:04:05.123456 C: EHLO x\n03:04:05.123456 S: 250 ok');
    expect(copyRows(buffer.events, sent, 5, 9)).toBe('');
  });

  it('groups counts the same way everywhere', () => {
    expect(formatCount(3401)).toBe('3,401');
    expect(formatCount(1_000_000)).toBe('1,000,000');
  });
});

describe('text parts', () => {
  it('is one plain part when nothing is marked', () => {
    expect(splitText('250 OK', '')).toEqual([{ text: '250 OK', match: false, redacted: false }]);
    expect(splitText('250 OK', 'xyz')).toEqual([{ text: '250 OK', match: false, redacted: false }]);
  });

  it('marks every hit, case-insensitively', () => {
    expect(splitText('EHLO ehlo x', 'ehlo')).toEqual([
      { text: 'EHLO', match: true, redacted: false },
      { text: ' ', match: false, redacted: false },
      { text: 'ehlo', match: true, redacted: false },
      { text: ' x', match: false, redacted: false },
    ]);
  });

  it('marks redaction markers, also where a hit overlaps one', () => {
    expect(splitText('AUTH PLAIN <redacted 28 bytes>', '')).toEqual([
      { text: 'AUTH PLAIN ', match: false, redacted: false },
      { text: '<redacted 28 bytes>', match: false, redacted: true },
    ]);
    expect(splitText('x <redacted> y', 'red')).toEqual([
      { text: 'x ', match: false, redacted: false },
      { text: '<', match: false, redacted: true },
      { text: 'red', match: true, redacted: true },
      { text: 'acted>', match: false, redacted: true },
      { text: ' y', match: false, redacted: false },
    ]);
  });
});

describe('selection and keys', () => {
  it('selects the lines between anchor and focus, whichever comes first', () => {
    expect(isSelected({ anchor: 5, focus: 2 }, 3)).toBe(true);
    expect(isSelected({ anchor: 5, focus: 2 }, 6)).toBe(false);
    expect(isSelected(null, 0)).toBe(false);
  });

  it('maps a selection onto the rows a filter shows', () => {
    const buffer = TranscriptBuffer.from([ev('a'), ev('b', 'send'), ev('c'), ev('d', 'send'), ev('e')]);
    const sent = buffer.view(filterMask({ ...SHOW_ALL, recv: false }));
    expect(selectedRows(sent, { anchor: 0, focus: 4 })).toEqual([0, 2]);
    expect(selectedRows(sent, { anchor: 2, focus: 2 })).toEqual([1, 1]);
    expect(selectedRows(buffer.view(filterMask(SHOW_ALL)), { anchor: 3, focus: 1 })).toEqual([1, 4]);
    expect(selectedRows(sent, null)).toEqual([0, 0]);
  });

  it('moves the cursor with arrows, pages, Home and End, within bounds', () => {
    expect(targetRow('ArrowDown', 3, 10, 5)).toBe(4);
    expect(targetRow('ArrowDown', 9, 10, 5)).toBe(9);
    expect(targetRow('ArrowUp', 0, 10, 5)).toBe(0);
    expect(targetRow('PageDown', 0, 10, 5)).toBe(4);
    expect(targetRow('PageDown', 8, 10, 5)).toBe(9);
    expect(targetRow('PageUp', 6, 10, 5)).toBe(2);
    expect(targetRow('Home', 6, 10, 5)).toBe(0);
    expect(targetRow('End', 6, 10, 5)).toBe(9);
    expect(targetRow('ArrowDown', -1, 10, 5)).toBe(0);
    expect(targetRow('End', 0, 0, 5)).toBe(-1);
    expect(isNavigationKey('PageDown')).toBe(true);
    expect(isNavigationKey('a')).toBe(false);
  });
});
