/**
 * The arithmetic of a virtualised list of fixed-height rows: which rows to draw for a scroll position, and where to
 * scroll to show a row. Pure, so it is tested under Node.
 *
 * Browsers cap an element's height (Chromium near 33.5 million pixels, Firefox near 17.9 million), and a million
 * rows of 20 px is 20 million. Beyond MAX_SCROLL_HEIGHT the scrollable height is capped and scroll positions are
 * scaled onto the content: the top of the scroll range shows the first row, the bottom the last.
 */

export const MAX_SCROLL_HEIGHT = 16_000_000;

export interface ViewportInput {
  count: number;
  rowHeight: number;
  viewportHeight: number;
  scrollTop: number;
  /** Rows drawn beyond each edge, so that fast scrolling does not show blank space. */
  overscan: number;
  /** For tests; MAX_SCROLL_HEIGHT otherwise. */
  maxScrollHeight?: number;
}

export interface VisibleWindow {
  /** Rows to draw: [first, last). */
  first: number;
  last: number;
  /** Where row `first` goes, from the top of the scrolled content. */
  offset: number;
  /** Height of the scrolled content. */
  totalHeight: number;
  /** The first row fully or partly in view (not counting overscan). */
  topRow: number;
  /** Rows that fit in the viewport. */
  pageRows: number;
}

interface Geometry {
  contentHeight: number;
  totalHeight: number;
  /** Content pixels per scroll pixel (1 unless capped). */
  ratio: number;
}

function geometry(count: number, rowHeight: number, viewportHeight: number, max: number): Geometry {
  const contentHeight = count * rowHeight;
  if (contentHeight <= max) return { contentHeight, totalHeight: contentHeight, ratio: 1 };
  const scrollRange = max - viewportHeight;
  const contentRange = contentHeight - viewportHeight;
  return { contentHeight, totalHeight: max, ratio: scrollRange > 0 ? contentRange / scrollRange : 1 };
}

export function visibleWindow(input: ViewportInput): VisibleWindow {
  const { count, rowHeight, viewportHeight, overscan } = input;
  const g = geometry(count, rowHeight, viewportHeight, input.maxScrollHeight ?? MAX_SCROLL_HEIGHT);
  const maxScroll = Math.max(0, g.totalHeight - viewportHeight);
  const scrollTop = Math.min(Math.max(0, input.scrollTop), maxScroll);
  // The content pixel at the top of the viewport.
  const contentTop = Math.min(scrollTop * g.ratio, Math.max(0, g.contentHeight - viewportHeight));
  const topRow = Math.min(Math.floor(contentTop / rowHeight), Math.max(0, count - 1));
  const bottomRow = Math.ceil((contentTop + viewportHeight) / rowHeight);
  const first = Math.max(0, topRow - overscan);
  const last = Math.min(count, bottomRow + overscan);
  return {
    first,
    last: Math.max(first, last),
    offset: scrollTop + first * rowHeight - contentTop,
    totalHeight: g.totalHeight,
    topRow: count === 0 ? 0 : topRow,
    pageRows: Math.max(1, Math.floor(viewportHeight / rowHeight)),
  };
}

export interface ScrollToRowInput {
  row: number;
  count: number;
  rowHeight: number;
  viewportHeight: number;
  scrollTop: number;
  maxScrollHeight?: number;
}

/** The scroll position that brings a row fully into view with the least movement, or null when it is in view. */
export function scrollToReveal(input: ScrollToRowInput): number | null {
  const { row, count, rowHeight, viewportHeight } = input;
  const g = geometry(count, rowHeight, viewportHeight, input.maxScrollHeight ?? MAX_SCROLL_HEIGHT);
  const maxScroll = Math.max(0, g.totalHeight - viewportHeight);
  const contentTop = Math.min(Math.max(0, input.scrollTop), maxScroll) * g.ratio;
  const rowTop = row * rowHeight;
  let target: number;
  // Round towards showing the whole row: scaled positions are fractional.
  if (rowTop < contentTop) target = Math.floor(rowTop / g.ratio);
  else if (rowTop + rowHeight > contentTop + viewportHeight) target = Math.ceil((rowTop + rowHeight - viewportHeight) / g.ratio);
  else return null;
  return Math.min(maxScroll, Math.max(0, target));
}

/** The scroll position that shows the last rows. */
export function scrollToEnd(count: number, rowHeight: number, viewportHeight: number, maxScrollHeight = MAX_SCROLL_HEIGHT): number {
  return Math.max(0, Math.min(count * rowHeight, maxScrollHeight) - viewportHeight);
}
