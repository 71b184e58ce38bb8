import { rowAtOrAfter, type RowView } from './buffer.js';

/**
 * The selected lines: every shown line whose event index lies between the anchor (where a selection started, by a
 * click) and the focus (where it ends: the keyboard cursor), both included. Kept as event indices rather than rows,
 * so a selection survives a change of filter and the arrival of new lines.
 */
export interface TranscriptSelection {
  anchor: number;
  focus: number;
}

export function selectionBounds(selection: TranscriptSelection): [lo: number, hi: number] {
  return selection.anchor <= selection.focus ? [selection.anchor, selection.focus] : [selection.focus, selection.anchor];
}

export function isSelected(selection: TranscriptSelection | null, eventIndex: number): boolean {
  if (!selection) return false;
  const [lo, hi] = selectionBounds(selection);
  return lo <= eventIndex && eventIndex <= hi;
}

/** The rows [from, to) of a view that a selection covers (empty when none). */
export function selectedRows(view: RowView, selection: TranscriptSelection | null): [from: number, to: number] {
  if (!selection) return [0, 0];
  const [lo, hi] = selectionBounds(selection);
  return [rowAtOrAfter(view, lo), rowAtOrAfter(view, hi + 1)];
}

/** Keys that move the cursor through the rows. */
export type NavigationKey = 'ArrowUp' | 'ArrowDown' | 'PageUp' | 'PageDown' | 'Home' | 'End';

export function isNavigationKey(key: string): key is NavigationKey {
  return key === 'ArrowUp' || key === 'ArrowDown' || key === 'PageUp' || key === 'PageDown' || key === 'Home' || key === 'End';
}

/**
 * The row the cursor moves to from `row` (-1: no cursor yet) in a view of `length` rows of which `pageRows` fit on
 * screen; -1 when the view is empty.
 */
export function targetRow(key: NavigationKey, row: number, length: number, pageRows: number): number {
  if (length === 0) return -1;
  const page = Math.max(1, pageRows - 1);
  const last = length - 1;
  if (row < 0) return key === 'End' || key === 'ArrowUp' || key === 'PageUp' ? last : 0;
  switch (key) {
    case 'ArrowUp':
      return Math.max(0, row - 1);
    case 'ArrowDown':
      return Math.min(last, row + 1);
    case 'PageUp':
      return Math.max(0, row - page);
    case 'PageDown':
      return Math.min(last, row + page);
    case 'Home':
      return 0;
    case 'End':
      return last;
  }
}
