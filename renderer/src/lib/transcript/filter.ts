import type { Direction, TranscriptEvent } from '../../../../shared/session-record.js';

/**
 * Which transcript lines are shown: one switch per direction, and optionally only lines that travelled inside TLS.
 * Pure, no DOM: also used by the store and by unit tests under Node.
 */
export interface TranscriptFilter {
  send: boolean;
  recv: boolean;
  info: boolean;
  error: boolean;
  /** Only lines that travelled inside TLS. */
  tlsOnly: boolean;
}

export const SHOW_ALL: TranscriptFilter = { send: true, recv: true, info: true, error: true, tlsOnly: false };

export const DIRECTIONS: readonly Direction[] = ['send', 'recv', 'info', 'error'];

const DIR_BIT: Record<Direction, number> = { send: 1, recv: 2, info: 4, error: 8 };
const ALL_DIRS = 15;
const TLS_ONLY = 16;

/** A filter as a small integer (a cache key; the predicate tests bits). */
export type FilterMask = number;

export function filterMask(filter: TranscriptFilter): FilterMask {
  let mask = 0;
  for (const dir of DIRECTIONS) if (filter[dir]) mask |= DIR_BIT[dir];
  if (filter.tlsOnly) mask |= TLS_ONLY;
  return mask;
}

/** True when the mask lets every line through: the view is the buffer itself, no index is built. */
export function isShowAll(mask: FilterMask): boolean {
  return (mask & ALL_DIRS) === ALL_DIRS && (mask & TLS_ONLY) === 0;
}

export function passes(event: TranscriptEvent, mask: FilterMask): boolean {
  return (mask & DIR_BIT[event.dir]) !== 0 && ((mask & TLS_ONLY) === 0 || event.tls);
}
