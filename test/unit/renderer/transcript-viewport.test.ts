import { describe, expect, it } from 'vitest';
import { MAX_SCROLL_HEIGHT, scrollToEnd, scrollToReveal, visibleWindow } from '../../../renderer/src/lib/transcript/viewport.js';

/** The virtualised list's arithmetic: rows drawn for a scroll position, positions that reveal a row. */

const base = { rowHeight: 20, viewportHeight: 400, overscan: 5 };

describe('visible window', () => {
  it('draws the rows in view and the overscan around them', () => {
    const w = visibleWindow({ ...base, count: 1000, scrollTop: 2000 });
    expect(w.topRow).toBe(100);
    expect(w.first).toBe(95);
    expect(w.last).toBe(125);
    expect(w.offset).toBe(95 * 20);
    expect(w.totalHeight).toBe(20_000);
    expect(w.pageRows).toBe(20);
  });

  it('stops at both ends and copes with an empty list', () => {
    expect(visibleWindow({ ...base, count: 1000, scrollTop: 0 })).toMatchObject({ first: 0, last: 25, offset: 0 });
    expect(visibleWindow({ ...base, count: 1000, scrollTop: 1e9 })).toMatchObject({ first: 975, last: 1000, topRow: 980 });
    expect(visibleWindow({ ...base, count: 3, scrollTop: 0 })).toMatchObject({ first: 0, last: 3, totalHeight: 60 });
    expect(visibleWindow({ ...base, count: 0, scrollTop: 0 })).toMatchObject({ first: 0, last: 0, totalHeight: 0 });
  });

  it('caps the height for a million rows and scales scroll positions onto them', () => {
    const count = 2_000_000;
    const top = visibleWindow({ ...base, count, scrollTop: 0 });
    expect(top.totalHeight).toBe(MAX_SCROLL_HEIGHT);
    expect(top.first).toBe(0);
    const bottom = visibleWindow({ ...base, count, scrollTop: MAX_SCROLL_HEIGHT - 400 });
    expect(bottom.last).toBe(count);
    expect(bottom.topRow).toBe(count - 20);
    // The last row is drawn at the bottom of the scrolled content.
    expect(bottom.offset + (count - bottom.first) * 20).toBeCloseTo(MAX_SCROLL_HEIGHT, 6);
    const middle = visibleWindow({ ...base, count, scrollTop: (MAX_SCROLL_HEIGHT - 400) / 2 });
    expect(Math.abs(middle.topRow - (count - 20) / 2)).toBeLessThanOrEqual(1);
    // The rows drawn cover the viewport.
    expect(middle.offset).toBeLessThanOrEqual((MAX_SCROLL_HEIGHT - 400) / 2);
    expect(middle.offset + (middle.last - middle.first) * 20).toBeGreaterThanOrEqual((MAX_SCROLL_HEIGHT - 400) / 2 + 400);
  });
});

describe('scrolling to a row', () => {
  it('does nothing when the row is in view, else moves the least', () => {
    const at = { ...base, count: 1000, scrollTop: 2000 };
    expect(scrollToReveal({ ...at, row: 105 })).toBeNull();
    expect(scrollToReveal({ ...at, row: 99 })).toBe(1980);
    expect(scrollToReveal({ ...at, row: 120 })).toBe(2020);
    expect(scrollToReveal({ ...at, row: 0 })).toBe(0);
    expect(scrollToReveal({ ...at, row: 999 })).toBe(19_600);
  });

  it('reveals rows of a capped list', () => {
    const count = 2_000_000;
    for (const row of [0, 1, 12_345, 1_000_000, count - 1]) {
      const top = scrollToReveal({ ...base, count, row, scrollTop: row < 10 ? MAX_SCROLL_HEIGHT / 2 : 0 });
      expect(top).not.toBeNull();
      const w = visibleWindow({ ...base, count, scrollTop: top!, overscan: 0 });
      expect(row).toBeGreaterThanOrEqual(w.first);
      expect(row).toBeLessThan(w.last);
    }
  });

  it('knows where the end is', () => {
    expect(scrollToEnd(1000, 20, 400)).toBe(19_600);
    expect(scrollToEnd(3, 20, 400)).toBe(0);
    expect(scrollToEnd(2_000_000, 20, 400)).toBe(MAX_SCROLL_HEIGHT - 400);
  });
});
