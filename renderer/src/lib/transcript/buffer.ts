import type { TranscriptEvent } from '../../../../shared/session-record.js';
import { isShowAll, passes, type FilterMask } from './filter.js';
import { IndexList, lowerBound } from './index-list.js';
import { normaliseQuery, SearchIndex } from './search-index.js';

/**
 * The rows a filter leaves visible: row r shows event `eventAt(r)`. With nothing filtered out `indices` is null and
 * a row is its event (no index is built for the common case).
 */
export interface RowView {
  readonly length: number;
  /** Event index of each row, ascending; null when every event is a row. */
  readonly indices: Uint32Array | null;
}

export function eventAt(view: RowView, row: number): number {
  return view.indices ? (view.indices[row] as number) : row;
}

/** The row showing an event, or -1 when the filter hides it. */
export function rowOf(view: RowView, eventIndex: number): number {
  if (!view.indices) return eventIndex >= 0 && eventIndex < view.length ? eventIndex : -1;
  const i = lowerBound(view.indices, eventIndex);
  return i < view.length && view.indices[i] === eventIndex ? i : -1;
}

/** The first row showing an event at or after eventIndex (view.length when none). */
export function rowAtOrAfter(view: RowView, eventIndex: number): number {
  if (!view.indices) return Math.min(Math.max(0, eventIndex), view.length);
  return lowerBound(view.indices, eventIndex);
}

const EMPTY = new Uint32Array(0);

/** A derived index list kept up to date incrementally: `scanned` events of the buffer have been looked at. */
interface Derived {
  list: IndexList;
  scanned: number;
}

/** At most this many filters and this many queries keep their index lists (each up to 4 bytes per event). */
const MAX_VIEWS = 4;
const MAX_SEARCHES = 4;

/**
 * The events of one session's transcript, append-only, with lazily derived views. No React, no DOM.
 *
 * - `append(batch)` pushes onto one array: O(batch), never a copy of what is there. `load(events)` takes a record's
 *   array as it is (no copy); if something is appended to a loaded array later, it is copied once first, so a
 *   record's events are never changed.
 * - `version` changes with every append or load: the store exposes it so that the view re-renders.
 * - `view(mask)` and `matches(query, mask)` are index lists (Uint32Array) cached per filter and per query. The
 *   buffer only grows, so a cached list is extended by looking at the new events only.
 */
export class TranscriptBuffer {
  private items: TranscriptEvent[];
  /** Whether `items` is this buffer's own array (false: a record's, which must not change). */
  private owned: boolean;
  private ver = 0;
  private views = new Map<FilterMask, Derived>();
  private searches = new Map<string, Derived>();
  private filteredMatches = new Map<string, Derived>();
  private index: SearchIndex;
  private viewCache: { version: number; mask: FilterMask; view: RowView } | undefined;

  constructor(events?: TranscriptEvent[]) {
    this.items = events ?? [];
    this.owned = events === undefined;
    this.index = new SearchIndex(this.items);
  }

  /** A buffer over a record's events, taken as they are (not copied). */
  static from(events: TranscriptEvent[]): TranscriptBuffer {
    return new TranscriptBuffer(events);
  }

  get version(): number {
    return this.ver;
  }

  get length(): number {
    return this.items.length;
  }

  /** The events themselves (read only: append through `append`). */
  get events(): readonly TranscriptEvent[] {
    return this.items;
  }

  at(index: number): TranscriptEvent | undefined {
    return this.items[index];
  }

  append(batch: readonly TranscriptEvent[]): void {
    if (batch.length === 0) return;
    if (!this.owned) {
      // Never change a record's array: copy it once, then go on appending to our own.
      this.items = this.items.slice();
      this.owned = true;
      this.index = new SearchIndex(this.items);
    }
    const items = this.items;
    for (let i = 0; i < batch.length; i++) items.push(batch[i] as TranscriptEvent);
    this.ver++;
  }

  /** Show these events instead (a finished or opened record): taken as they are, derived lists are dropped. */
  load(events: TranscriptEvent[]): void {
    this.items = events;
    this.owned = false;
    this.index = new SearchIndex(events);
    this.views.clear();
    this.searches.clear();
    this.filteredMatches.clear();
    this.viewCache = undefined;
    this.ver++;
  }

  /** The rows the filter leaves visible. The same object is returned until the version or the filter changes. */
  view(mask: FilterMask): RowView {
    const cached = this.viewCache;
    if (cached && cached.version === this.ver && cached.mask === mask) return cached.view;
    let view: RowView;
    if (isShowAll(mask)) {
      view = { length: this.items.length, indices: null };
    } else {
      const derived = this.derive(this.views, mask, MAX_VIEWS, (from, to, out) => {
        const items = this.items;
        for (let i = from; i < to; i++) if (passes(items[i] as TranscriptEvent, mask)) out.push(i);
      });
      view = { length: derived.list.length, indices: derived.list.snapshot() };
    }
    this.viewCache = { version: this.ver, mask, view };
    return view;
  }

  /**
   * Event indices, ascending, of the lines whose text contains the query (case-insensitive), among those the filter
   * shows. An empty query matches nothing.
   */
  matches(query: string, mask: FilterMask): Uint32Array {
    const needle = normaliseQuery(query);
    if (needle.length === 0) return EMPTY;
    const all = this.derive(this.searches, needle, MAX_SEARCHES, (from, to, out) => this.index.searchRange(needle, from, to, out));
    if (isShowAll(mask)) return all.list.snapshot();
    const key = `${mask}\u0000${needle}`;
    const filtered = this.derive(this.filteredMatches, key, MAX_SEARCHES, (_from, _to, out, scanned) => {
      // Filter the search's own hits (not the events again): they are few, and already up to date.
      const hits = all.list.snapshot();
      const items = this.items;
      for (let k = lowerBound(hits, scanned); k < hits.length; k++) {
        const i = hits[k] as number;
        if (passes(items[i] as TranscriptEvent, mask)) out.push(i);
      }
    });
    return filtered.list.snapshot();
  }

  /** Bring a derived list up to the buffer's length, making it (and forgetting the oldest) when needed. */
  private derive<K>(
    cache: Map<K, Derived>,
    key: K,
    limit: number,
    scan: (from: number, to: number, out: IndexList, scanned: number) => void,
  ): Derived {
    let derived = cache.get(key);
    if (derived) {
      // Most recently used last.
      cache.delete(key);
      cache.set(key, derived);
    } else {
      derived = { list: new IndexList(), scanned: 0 };
      cache.set(key, derived);
      while (cache.size > limit) cache.delete(cache.keys().next().value as K);
    }
    const length = this.items.length;
    if (derived.scanned < length) {
      scan(derived.scanned, length, derived.list, derived.scanned);
      derived.scanned = length;
    }
    return derived;
  }
}
