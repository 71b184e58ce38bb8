import type { ErrorDto, EventMap, OpenedSession, SessionEventsPage } from '../../../shared/ipc/contract.js';
import type { Direction, SessionRecord } from '../../../shared/session-record.js';
import { eventAt, TranscriptBuffer } from '../lib/transcript/buffer.js';
import { filterMask, SHOW_ALL, type TranscriptFilter } from '../lib/transcript/filter.js';
import { copyRows, type TimeMode } from '../lib/transcript/format.js';
import { lowerBound } from '../lib/transcript/index-list.js';
import type { TranscriptLoad } from '../lib/transcript/load-status.js';
import { selectedRows, type TranscriptSelection } from '../lib/transcript/selection.js';
import type { SliceCreator } from './types.js';
import { defined } from '../../../shared/defined.js';

export type { TranscriptLoad } from '../lib/transcript/load-status.js';

/**
 * The transcript on screen: which session's events, how they are shown, what is searched and selected.
 *
 * The events themselves live in a `TranscriptBuffer` (append-only, outside React's immutable state): the state holds
 * the buffer's reference and its `version`, which changes with every append, so components re-render by selecting
 * `version` while rows read events from the buffer by index. Batches of sessions not on screen are kept in their
 * own buffers (a few), so switching back to a live session shows everything it said meanwhile.
 */
export interface TranscriptView {
  /** The session shown; undefined for a record without one. */
  sessionId: string | undefined;
  buffer: TranscriptBuffer;
  /** The buffer's version when last told: changes with every batch. */
  version: number;
  timeMode: TimeMode;
  filter: TranscriptFilter;
  /** The search box's text (case-insensitive substring of the line). */
  query: string;
  /** Event index of the current search hit; -1 when there is none. */
  matchEvent: number;
  /** Keep the last line in view as batches arrive. */
  followTail: boolean;
  selection: TranscriptSelection | null;
  /** Bumped when the cursor should be scrolled into view (a search hit, a key press, a new filter). */
  revealRequest: number;
  /** A saved session whose events arrive page by page, or how that ended; undefined for anything else shown. */
  load?: TranscriptLoad;
}

export interface TranscriptSlice {
  transcript: TranscriptView;
  /** A pushed `transcript` event: appended to its session's buffer (shown or not); a session never reset is ignored. */
  appendTranscriptBatch(batch: EventMap['transcript']): void;
  /**
   * A session starts (main answered with its id): show its transcript from the beginning, following the tail, and
   * keep its pushed lines from now on. With no id, an empty transcript. Display choices (time mode, filter, search
   * text) stay.
   */
  resetTranscript(sessionId?: string): void;
  /**
   * Show a finished or opened record. Its `events` array is taken as it is (not copied). When the session is the one
   * on screen (a live session that ended) the view, selection and scroll stay.
   *
   * `opened`: the record is a saved session's (`sessions.open`). When more of its events follow (`opened.more`), a
   * load begins: its token is returned, and the pages go to `appendTranscriptPage` with it.
   */
  /**
   * Show a record's transcript. `streamed`: the record is a live session's, whose events arrived as batches (its
   * `events` are empty): the session's buffer is the transcript.
   */
  loadTranscript(
    record: SessionRecord,
    sessionId?: string,
    opened?: Pick<OpenedSession, 'damagedLines' | 'more'>,
    streamed?: boolean,
  ): number | undefined;
  /**
   * A page of the load `token`: appended, and the progress updated. Returns false (and does nothing) when that load
   * is not the one shown any more, or has ended.
   */
  appendTranscriptPage(token: number, page: SessionEventsPage): boolean;
  /** The load `token` stopped (a failed page, the log deleted): what was loaded stays. Ignored when stale. */
  failTranscriptLoad(token: number, error: ErrorDto): void;
  /** Show nothing. */
  clearTranscript(): void;
  setTimeMode(mode: TimeMode): void;
  setDirectionShown(dir: Direction, shown: boolean): void;
  setTlsOnly(on: boolean): void;
  /** Search; the current hit becomes the first at or after the cursor. */
  setTranscriptQuery(query: string): void;
  nextMatch(): void;
  previousMatch(): void;
  setFollowTail(on: boolean): void;
  /**
   * Put the cursor on an event; `extend` keeps the anchor (shift-click, shift+arrow); `reveal` scrolls it into view
   * (keyboard moves).
   */
  selectTranscriptLine(eventIndex: number, extend?: boolean, reveal?: boolean): void;
  /** Select every line the filter shows. */
  selectAllTranscript(): void;
  clearTranscriptSelection(): void;
  /**
   * Text to copy, one "HH:MM:SS.ffffff C: text" line per row: the selected lines among those shown, or every shown
   * line. Empty (0 lines) when there is nothing.
   */
  transcriptCopyText(scope: 'selection' | 'shown'): { text: string; lines: number };
}

/** Buffers kept for sessions not on screen. */
const MAX_BUFFERS = 8;

const VIEW_STATE = { matchEvent: -1, selection: null } as const;

export const createTranscriptSlice: SliceCreator<TranscriptSlice> = (set, get) => {
  /** Buffers by session id, oldest first. */
  const buffers = new Map<string, TranscriptBuffer>();

  const remember = (sessionId: string, buffer: TranscriptBuffer): void => {
    buffers.delete(sessionId);
    buffers.set(sessionId, buffer);
    const shown = get().transcript.buffer;
    for (const [id, b] of buffers) {
      if (buffers.size <= MAX_BUFFERS) break;
      if (b !== shown) buffers.delete(id);
    }
  };

  const update = (patch: Partial<TranscriptView>): void => set((state) => ({ transcript: { ...state.transcript, ...patch } }));

  /** Tokens of loads, never reused. */
  let loads = 0;
  /** The load `token` when it is the one shown and still loading. */
  const activeLoad = (token: number): TranscriptLoad | undefined => {
    const { load } = get().transcript;
    return load && load.token === token && load.state === 'loading' ? load : undefined;
  };

  /**
   * Tell the view that the shown buffer grew: at most once per animation frame in a browser, so that a flood of
   * batches (several per frame) costs one render per frame, and none while the window is hidden. At once where there
   * are no frames (Node, tests).
   */
  let frameRequested = false;
  const publishVersion = (): void => {
    const t = get().transcript;
    if (t.version !== t.buffer.version) update({ version: t.buffer.version });
  };
  const announceGrowth = (): void => {
    const raf = (globalThis as { requestAnimationFrame?: (callback: () => void) => number }).requestAnimationFrame;
    if (!raf) {
      publishVersion();
      return;
    }
    if (frameRequested) return;
    frameRequested = true;
    raf(() => {
      frameRequested = false;
      publishVersion();
    });
  };

  /** The current search's hits among the shown lines. */
  const hits = (): Uint32Array => {
    const t = get().transcript;
    return t.buffer.matches(t.query, filterMask(t.filter));
  };

  /** Move to a hit: it becomes the cursor (and the selection), and following the tail stops so it stays in view. */
  const goToMatch = (eventIndex: number): void => {
    update({
      matchEvent: eventIndex,
      selection: { anchor: eventIndex, focus: eventIndex },
      followTail: false,
      revealRequest: get().transcript.revealRequest + 1,
    });
  };

  /** After the filter changed: the current hit is the first shown one at or after the old one. */
  const refilter = (filter: TranscriptFilter): void => {
    const before = get().transcript.matchEvent;
    // Keep the cursor's line in view when the filter still shows it.
    update({ filter, revealRequest: get().transcript.revealRequest + 1 });
    if (before < 0) return;
    const found = hits();
    const i = lowerBound(found, before);
    update({ matchEvent: found.length === 0 ? -1 : (found[i < found.length ? i : 0] as number) });
  };

  return {
    transcript: {
      sessionId: undefined,
      buffer: new TranscriptBuffer(),
      version: 0,
      timeMode: 'relative',
      filter: SHOW_ALL,
      query: '',
      followTail: true,
      revealRequest: 0,
      ...VIEW_STATE,
    },

    appendTranscriptBatch({ sessionId, events }) {
      if (events.length === 0) return;
      // Main tells a session's lines only after answering with its id, and `resetTranscript(id)` made its buffer:
      // lines of a session this window never started (or long forgot) are not kept.
      const buffer = buffers.get(sessionId);
      if (!buffer) return;
      buffer.append(events);
      if (buffer === get().transcript.buffer) announceGrowth();
    },

    resetTranscript(sessionId) {
      const view = { followTail: true, load: undefined, ...VIEW_STATE };
      if (sessionId === undefined) {
        const buffer = new TranscriptBuffer();
        update({ sessionId: undefined, buffer, version: buffer.version, ...view });
        return;
      }
      let buffer = buffers.get(sessionId);
      if (!buffer) {
        buffer = new TranscriptBuffer();
        remember(sessionId, buffer);
      }
      update({ sessionId, buffer, version: buffer.version, ...view });
    },

    loadTranscript(record, sessionId, opened, streamed) {
      if (opened?.more && sessionId !== undefined) {
        // The first page now, the rest appended as it comes, into a buffer of its own: not kept by session id, so
        // that pushed batches (a live session of that id in another window) never land between its pages.
        const { more } = opened;
        const token = ++loads;
        const buffer = TranscriptBuffer.from(record.events);
        const load: TranscriptLoad = {
          token,
          sessionId,
          state: 'loading',
          ...defined({ expected: more.expectedEvents }),
          bytesRead: more.bytesRead,
          bytes: more.bytes,
          damagedLines: opened.damagedLines,
        };
        update({ sessionId, buffer, version: buffer.version, followTail: false, load, ...VIEW_STATE });
        return token;
      }
      const { transcript } = get();
      const same = sessionId !== undefined && sessionId === transcript.sessionId;
      const known = sessionId !== undefined ? buffers.get(sessionId) : undefined;
      let buffer: TranscriptBuffer;
      // A live buffer that already holds every line of the record is the record's transcript: keep it (and what
      // was derived from it); so is a streamed session's. Otherwise the record's array is shown, not copied.
      if (known && (streamed || known.length === record.events.length)) {
        buffer = known;
      } else {
        if (known && !streamed) {
          known.load(record.events);
          buffer = known;
        } else buffer = streamed ? new TranscriptBuffer() : TranscriptBuffer.from(record.events);
        if (sessionId !== undefined) remember(sessionId, buffer);
      }
      // A saved session read whole: only damaged lines are worth a word.
      const load: TranscriptLoad | undefined =
        opened && opened.damagedLines > 0 && sessionId !== undefined
          ? { token: ++loads, sessionId, state: 'done', bytesRead: 0, bytes: 0, damagedLines: opened.damagedLines }
          : undefined;
      if (same) {
        update({ buffer, version: buffer.version, load });
      } else {
        update({ sessionId, buffer, version: buffer.version, followTail: false, load, ...VIEW_STATE });
      }
      return undefined;
    },

    appendTranscriptPage(token, page) {
      const load = activeLoad(token);
      if (!load) return false;
      get().transcript.buffer.append(page.events);
      update({
        load: {
          ...load,
          state: page.done ? 'done' : 'loading',
          bytesRead: page.bytesRead,
          bytes: page.bytes,
          damagedLines: page.damagedLines,
        },
      });
      // The last page is shown at once (with its state), the others with the next frame.
      if (page.done) publishVersion();
      else announceGrowth();
      return true;
    },

    failTranscriptLoad(token, error) {
      const load = activeLoad(token);
      if (!load) return;
      update({ load: { ...load, state: 'failed', error } });
      publishVersion();
    },

    clearTranscript() {
      const buffer = new TranscriptBuffer();
      update({ sessionId: undefined, buffer, version: buffer.version, load: undefined, ...VIEW_STATE });
    },

    setTimeMode(mode) {
      update({ timeMode: mode });
    },

    setDirectionShown(dir, shown) {
      refilter({ ...get().transcript.filter, [dir]: shown });
    },

    setTlsOnly(on) {
      refilter({ ...get().transcript.filter, tlsOnly: on });
    },

    setTranscriptQuery(query) {
      const { transcript } = get();
      if (query === transcript.query) return;
      update({ query, matchEvent: -1 });
      const found = hits();
      if (found.length === 0) return;
      const from = transcript.selection ? transcript.selection.focus : 0;
      const i = lowerBound(found, from);
      goToMatch(found[i < found.length ? i : 0] as number);
    },

    nextMatch() {
      const found = hits();
      if (found.length === 0) return;
      const current = get().transcript.matchEvent;
      // The first hit after the current one (or after the cursor when there is none), wrapping to the first.
      const from = current >= 0 ? current + 1 : (get().transcript.selection?.focus ?? 0);
      const i = lowerBound(found, from);
      goToMatch(found[i < found.length ? i : 0] as number);
    },

    previousMatch() {
      const found = hits();
      if (found.length === 0) return;
      const current = get().transcript.matchEvent;
      const from = current >= 0 ? current : (get().transcript.selection?.focus ?? 0) + 1;
      const i = lowerBound(found, from) - 1;
      goToMatch(found[i >= 0 ? i : found.length - 1] as number);
    },

    setFollowTail(on) {
      if (get().transcript.followTail !== on) update({ followTail: on });
    },

    selectTranscriptLine(eventIndex, extend = false, reveal = false) {
      const { selection, revealRequest } = get().transcript;
      update({
        selection: extend && selection ? { anchor: selection.anchor, focus: eventIndex } : { anchor: eventIndex, focus: eventIndex },
        ...(reveal ? { revealRequest: revealRequest + 1 } : {}),
      });
    },

    selectAllTranscript() {
      const t = get().transcript;
      const view = t.buffer.view(filterMask(t.filter));
      if (view.length === 0) return;
      update({ selection: { anchor: eventAt(view, 0), focus: eventAt(view, view.length - 1) } });
    },

    clearTranscriptSelection() {
      update({ selection: null });
    },

    transcriptCopyText(scope) {
      const t = get().transcript;
      const view = t.buffer.view(filterMask(t.filter));
      const [from, to] = scope === 'selection' ? selectedRows(view, t.selection) : [0, view.length];
      return { text: copyRows(t.buffer.events, view, from, to), lines: Math.max(0, to - from) };
    },
  };
};
