import type { ErrorDto } from '../../../../shared/ipc/contract.js';
import { formatCount } from './format.js';

/**
 * How far the events of a saved session have come in: the first page with `sessions.open`, the rest page by page
 * (`sessions.events`) into the shown buffer. Whatever shows something else (another session, a live session, nothing)
 * ends it, and the pages of a load that is no longer this one are ignored.
 */
export interface TranscriptLoad {
  /** Which load this is: a page given with another token is stale. */
  token: number;
  sessionId: string;
  state: 'loading' | 'done' | 'failed';
  /** Events the log says it holds (its end line's count), when it says. */
  expected?: number;
  /** Bytes of the log read so far, of `bytes`. */
  bytesRead: number;
  bytes: number;
  /** Unreadable lines of the log skipped so far. */
  damagedLines: number;
  /** Why loading stopped (state 'failed'): the events that came before it stay shown. */
  error?: ErrorDto;
}

/** What the Transcript says about a saved session whose events come page by page. Pure. */
export interface LoadStatus {
  state: TranscriptLoad['state'];
  text: string;
  /** How far loading is, 0–1 (while loading). */
  fraction?: number;
}

const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;

/**
 * "Loading 340,000 of 1,000,000 events…" (or, for a log that does not say how many it holds, the share of its bytes
 * read), "1 damaged line of the log skipped" once done, "Loading stopped after 340,000 events: …" when it failed.
 * Undefined when there is nothing to say. `loaded`: events in the transcript now.
 */
export function loadStatus(load: TranscriptLoad | undefined, loaded: number): LoadStatus | undefined {
  if (!load) return undefined;
  const damaged = load.damagedLines > 0 ? `${plural(load.damagedLines, 'damaged line')} of the log skipped` : '';
  if (load.state === 'failed') {
    const why = load.error?.message ?? 'unknown error';
    return { state: 'failed', text: `Loading stopped after ${plural(loaded, 'event')}: ${why}${damaged ? ` (${damaged})` : ''}` };
  }
  if (load.state === 'done') {
    return { state: 'done', text: damaged ? `All ${plural(loaded, 'event')} loaded; ${damaged}` : `All ${plural(loaded, 'event')} loaded` };
  }
  const expected = load.expected !== undefined && load.expected >= loaded ? load.expected : undefined;
  if (expected !== undefined) {
    return {
      state: 'loading',
      text: `Loading ${formatCount(loaded)} of ${plural(expected, 'event')}…`,
      fraction: expected > 0 ? loaded / expected : 0,
    };
  }
  const fraction = load.bytes > 0 ? Math.min(1, load.bytesRead / load.bytes) : 0;
  return { state: 'loading', text: `Loading ${plural(loaded, 'event')} so far (${Math.floor(fraction * 100)}% of the log)…`, fraction };
}
