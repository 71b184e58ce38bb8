import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type MouseEvent,
  type ReactElement,
} from 'react';
import { flushSync } from 'react-dom';
import type { TranscriptEvent } from '../../../../shared/session-record.js';
import { eventAt, rowAtOrAfter, rowOf } from '../../lib/transcript/buffer.js';
import { filterMask } from '../../lib/transcript/filter.js';
import { timeText } from '../../lib/transcript/format.js';
import { contains } from '../../lib/transcript/index-list.js';
import { normaliseQuery } from '../../lib/transcript/search-index.js';
import { isNavigationKey, isSelected, targetRow } from '../../lib/transcript/selection.js';
import { MAX_SCROLL_HEIGHT, scrollToEnd, scrollToReveal, visibleWindow, type VisibleWindow } from '../../lib/transcript/viewport.js';
import { appStore, useAppStore } from '../../store/index.js';
import { TranscriptRow } from './TranscriptRow.js';

/** Height of one row in pixels: must match `.tx-row` in transcript.css. */
export const ROW_HEIGHT = 20;
/** Rows drawn above and below the viewport. */
const OVERSCAN = 12;

let maxHeight: number | undefined;

/**
 * The tallest scrollable content this browser lays out, measured once: an element asked to be a billion pixels tall
 * comes out at the engine's limit (33,554,428 in Chromium, about 17.9 million in Firefox). A tenth is kept in reserve.
 * Below it a row is always at `row * ROW_HEIGHT`: a million rows need no scaling in Chromium.
 */
function maxScrollHeight(): number {
  if (maxHeight === undefined) {
    const probe = document.createElement('div');
    probe.className = 'tx-height-probe';
    document.body.append(probe);
    const measured = probe.offsetHeight;
    probe.remove();
    maxHeight = measured > MAX_SCROLL_HEIGHT ? Math.floor(measured * 0.9) : MAX_SCROLL_HEIGHT;
  }
  return maxHeight;
}

export interface TranscriptListProps {
  /** Prefix of the rows' ids (for aria-activedescendant). */
  idPrefix: string;
  /** Copy the selection (Ctrl/Cmd+C). */
  onCopy(): void;
  /** Id of what describes the list (the line count and the keys). */
  describedBy?: string;
}

/**
 * The transcript as a virtualised listbox of fixed-height rows: only the rows in view (and a few around) exist in the
 * DOM, each placed absolutely inside a spacer as tall as all rows (capped and scaled past the browser's limit; see
 * viewport.ts). Scrolling re-renders only when the drawn range changes; a batch re-renders the list but not its
 * rows (memoised; events are read from the buffer by index).
 */
export function TranscriptList({ idPrefix, onCopy, describedBy }: TranscriptListProps) {
  const buffer = useAppStore((s) => s.transcript.buffer);
  const version = useAppStore((s) => s.transcript.version);
  const filter = useAppStore((s) => s.transcript.filter);
  const timeMode = useAppStore((s) => s.transcript.timeMode);
  const query = useAppStore((s) => s.transcript.query);
  const matchEvent = useAppStore((s) => s.transcript.matchEvent);
  const selection = useAppStore((s) => s.transcript.selection);
  const followTail = useAppStore((s) => s.transcript.followTail);
  const revealRequest = useAppStore((s) => s.transcript.revealRequest);

  const mask = filterMask(filter);
  // `version` is a dependency on purpose: the buffer is mutated in place, its version says when.
  // eslint-disable-next-line react-hooks/exhaustive-deps -- see above
  const view = useMemo(() => buffer.view(mask), [buffer, version, mask]);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- see above
  const hits = useMemo(() => buffer.matches(query, mask), [buffer, version, mask, query]);
  const needle = useMemo(() => normaliseQuery(query), [query]);

  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewportHeight, setViewportHeight] = useState(0);

  const maxHeightPx = useMemo(maxScrollHeight, []);
  const geometry = { rowHeight: ROW_HEIGHT, overscan: OVERSCAN, maxScrollHeight: maxHeightPx };
  const win = visibleWindow({ ...geometry, count: view.length, viewportHeight, scrollTop });

  // What the scroll handler (installed once) needs to know about the latest render.
  const latest = useRef({ count: view.length, viewportHeight, followTail, win });
  latest.current = { count: view.length, viewportHeight, followTail, win };

  // The viewport's height, and its changes (window resized, list resized by its handle).
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    setViewportHeight(el.clientHeight);
    const observer = new ResizeObserver(() => setViewportHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const onScroll = () => {
      const top = el.scrollTop;
      const now = latest.current;
      // Scrolling away from the bottom stops following the tail.
      const end = Math.min(scrollToEnd(now.count, ROW_HEIGHT, now.viewportHeight, maxHeightPx), el.scrollHeight - el.clientHeight);
      if (now.followTail && top < end - ROW_HEIGHT / 2) {
        appStore.getState().setFollowTail(false);
      }
      const next = visibleWindow({ ...geometry, count: now.count, viewportHeight: now.viewportHeight, scrollTop: top });
      // Draw synchronously, before the frame is painted, and only when the drawn rows move.
      if (!sameWindow(next, now.win)) flushSync(() => setScrollTop(top));
    };
    // Wheeling up means "stop following" even when a batch pins the view to the bottom before the scroll is seen.
    const onWheel = (e: WheelEvent) => {
      if (e.deltaY < 0 && latest.current.followTail) appStore.getState().setFollowTail(false);
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    el.addEventListener('wheel', onWheel, { passive: true });
    return () => {
      el.removeEventListener('scroll', onScroll);
      el.removeEventListener('wheel', onWheel);
    };
    // `geometry` and `maxHeightPx` are constants of this mount: the handlers are installed once.
    // eslint-disable-next-line react-hooks/exhaustive-deps -- see above
  }, []);

  /** Scroll to a position now, drawing the rows there in the same frame. */
  const scrollTo = useCallback((top: number) => {
    const el = scroller.current;
    if (!el) return;
    if (Math.abs(el.scrollTop - top) >= 1) el.scrollTop = top;
    setScrollTop(el.scrollTop);
  }, []);

  // Follow the tail: after every batch (and resize, and filter change) show the last rows.
  useLayoutEffect(() => {
    if (!followTail) return;
    // The computed end, or the list's real end when padding or a scrollbar makes it lower: the newest line is
    // always in view.
    const el = scroller.current;
    const real = el ? el.scrollHeight - el.clientHeight : 0;
    scrollTo(Math.max(scrollToEnd(view.length, ROW_HEIGHT, viewportHeight, maxHeightPx), real));
  }, [followTail, view.length, viewportHeight, scrollTo, maxHeightPx]);

  // Another transcript: start at its top (or its end when following).
  const shownBuffer = useRef(buffer);
  useLayoutEffect(() => {
    if (shownBuffer.current === buffer) return;
    shownBuffer.current = buffer;
    if (!appStore.getState().transcript.followTail) scrollTo(0);
  }, [buffer, scrollTo]);

  // Bring the cursor into view when asked (search hit, key press, new filter) — not when batches arrive.
  useLayoutEffect(() => {
    if (revealRequest === 0) return;
    const t = appStore.getState().transcript;
    const el = scroller.current;
    if (!t.selection || !el) return;
    const current = t.buffer.view(filterMask(t.filter));
    const row = rowOf(current, t.selection.focus);
    if (row < 0) return;
    const target = scrollToReveal({
      row,
      count: current.length,
      rowHeight: ROW_HEIGHT,
      viewportHeight: el.clientHeight,
      scrollTop: el.scrollTop,
      maxScrollHeight: maxHeightPx,
    });
    if (target !== null) scrollTo(target);
  }, [revealRequest, scrollTo, maxHeightPx]);

  const onMouseDown = (e: MouseEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    const row = (e.target as Element).closest('[data-index]');
    if (!row) return;
    const index = Number(row.getAttribute('data-index'));
    if (!Number.isInteger(index)) return;
    // Shift-click extends; the list keeps the focus (no text selection of its own: the detail below is selectable).
    if (e.shiftKey) e.preventDefault();
    appStore.getState().selectTranscriptLine(index, e.shiftKey);
    if (e.shiftKey) scroller.current?.focus({ preventScroll: true });
  };

  // The full text of a cut line as its tooltip, set when the pointer first comes over it (not for every row drawn).
  const onMouseOver = (e: MouseEvent<HTMLDivElement>) => {
    const text = (e.target as Element).closest('.tx-text');
    if (text instanceof HTMLElement && !text.title) text.title = text.textContent ?? '';
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const state = appStore.getState();
    const accel = e.ctrlKey || e.metaKey;
    if (accel && !e.altKey && (e.key === 'a' || e.key === 'A')) {
      e.preventDefault();
      state.selectAllTranscript();
      return;
    }
    if (accel && !e.altKey && (e.key === 'c' || e.key === 'C' || e.key === 'Insert')) {
      e.preventDefault();
      onCopy();
      return;
    }
    if (e.key === 'Escape' && state.transcript.selection) {
      e.preventDefault();
      state.clearTranscriptSelection();
      return;
    }
    if (!isNavigationKey(e.key) || e.altKey) return;
    e.preventDefault();
    const focus = state.transcript.selection?.focus;
    let target: number;
    if (focus === undefined && e.key !== 'Home' && e.key !== 'End') {
      // No cursor yet: it starts on the first row in view.
      target = view.length > 0 ? win.topRow : -1;
    } else {
      let row = focus === undefined ? -1 : rowOf(view, focus);
      // The cursor's line is filtered out: move from where it would be.
      if (focus !== undefined && row < 0) row = Math.min(rowAtOrAfter(view, focus), view.length - 1);
      target = targetRow(e.key, row, view.length, win.pageRows);
    }
    if (target < 0) return;
    state.selectTranscriptLine(eventAt(view, target), e.shiftKey, true);
  };

  const rows: ReactElement[] = [];
  let previous: TranscriptEvent | undefined = win.first > 0 ? buffer.at(eventAt(view, win.first - 1)) : undefined;
  const cursor = selection?.focus ?? -1;
  for (let r = win.first; r < win.last; r++) {
    const index = eventAt(view, r);
    const event = buffer.at(index);
    if (!event) break;
    const match = hits.length > 0 && contains(hits, index);
    rows.push(
      <TranscriptRow
        key={index}
        eventIndex={index}
        position={r + 1}
        top={win.offset + (r - win.first) * ROW_HEIGHT}
        event={event}
        time={timeText(timeMode, event, previous)}
        selected={isSelected(selection, index)}
        cursorId={index === cursor ? `${idPrefix}-${index}` : undefined}
        match={match}
        current={index === matchEvent}
        needle={match ? needle : ''}
      />,
    );
    previous = event;
  }
  const cursorRendered = cursor >= 0 && rowOf(view, cursor) >= win.first && rowOf(view, cursor) < win.last;

  return (
    <div
      ref={scroller}
      className="tx-list"
      role="listbox"
      aria-multiselectable="true"
      aria-label="Transcript"
      aria-describedby={describedBy}
      aria-activedescendant={cursorRendered ? `${idPrefix}-${cursor}` : undefined}
      tabIndex={0}
      data-testid="transcript-list"
      data-rows={view.length}
      data-follow-tail={followTail ? 'yes' : 'no'}
      onMouseDown={onMouseDown}
      onMouseOver={onMouseOver}
      onKeyDown={onKeyDown}
    >
      {/* Rows are placed absolutely at their own offset: when the list scrolls, the rows already drawn keep their
          place (the compositor moves them) and only the rows coming into view are painted. */}
      <div className="tx-spacer" style={{ height: win.totalHeight }}>
        {rows}
      </div>
    </div>
  );
}

function sameWindow(a: VisibleWindow, b: VisibleWindow): boolean {
  return a.first === b.first && a.last === b.last && a.offset === b.offset && a.totalHeight === b.totalHeight;
}
