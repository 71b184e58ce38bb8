/**
 * Arrow-key history of the raw command box, as in a shell: Up walks back through the commands sent, Down forward,
 * and past the newest back to what was being typed (the draft). Pure.
 */
export interface HistoryPosition {
  /** Index into the history being shown; undefined while editing the draft. */
  index: number | undefined;
  /** What the input should show. */
  value: string;
}

export function navigateHistory(
  history: readonly string[],
  position: number | undefined,
  draft: string,
  direction: 'up' | 'down',
): HistoryPosition {
  if (history.length === 0) return { index: undefined, value: draft };
  if (direction === 'up') {
    const index = position === undefined ? history.length - 1 : Math.max(0, position - 1);
    return { index, value: history[index] ?? draft };
  }
  if (position === undefined) return { index: undefined, value: draft };
  if (position >= history.length - 1) return { index: undefined, value: draft };
  const index = position + 1;
  return { index, value: history[index] ?? draft };
}
