/**
 * Keyboard behaviour of the main tab list (WAI-ARIA tabs with automatic activation) and the Ctrl+1..5 shortcuts.
 * Pure, so it is tested under Node.
 */

/** The tab a key moves to from `index` (wrapping), or undefined when the key is not a tab-list key. */
export function tabKeyTarget(key: string, index: number, count: number): number | undefined {
  if (count <= 0) return undefined;
  switch (key) {
    case 'ArrowRight':
      return (index + 1) % count;
    case 'ArrowLeft':
      return (index - 1 + count) % count;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return undefined;
  }
}

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

/** Ctrl+1..N (Cmd on macOS) picks tab 0..N-1; undefined for any other key. */
export function shortcutTab(e: KeyLike, count: number): number | undefined {
  if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return undefined;
  if (!/^[1-9]$/.test(e.key)) return undefined;
  const index = Number(e.key) - 1;
  return index < count ? index : undefined;
}
