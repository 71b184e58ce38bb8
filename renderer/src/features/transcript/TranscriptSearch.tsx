import { forwardRef, useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { filterMask } from '../../lib/transcript/filter.js';
import { matchStatus } from '../../lib/transcript/format.js';
import { appStore, useAppStore } from '../../store/index.js';

/** Typing waits this long before searching, so a million lines are not searched for every key. */
const TYPING_DELAY_MS = 120;

/** The search box with its hit count and previous/next buttons (Enter, Shift+Enter). */
export const TranscriptSearch = forwardRef<HTMLInputElement>(function TranscriptSearch(_props, ref) {
  const query = useAppStore((s) => s.transcript.query);
  const buffer = useAppStore((s) => s.transcript.buffer);
  const version = useAppStore((s) => s.transcript.version);
  const filter = useAppStore((s) => s.transcript.filter);
  const matchEvent = useAppStore((s) => s.transcript.matchEvent);
  const loading = useAppStore((s) => s.transcript.load?.state === 'loading');
  const [text, setText] = useState(query);
  const statusId = useId();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const mask = filterMask(filter);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the buffer is mutated in place: its version says when
  const hits = useMemo(() => buffer.matches(query, mask), [buffer, version, mask, query]);

  // The store's query changed elsewhere (cleared): show it.
  useEffect(() => {
    if (timer.current === undefined) setText(query);
  }, [query]);
  useEffect(() => () => clearTimeout(timer.current), []);

  const apply = (value: string) => {
    clearTimeout(timer.current);
    timer.current = undefined;
    appStore.getState().setTranscriptQuery(value);
  };

  const onChange = (value: string) => {
    setText(value);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => apply(value), value === '' ? 0 : TYPING_DELAY_MS);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    const state = appStore.getState();
    // The first Enter after typing searches (and goes to the first hit); then it moves between hits.
    if (text !== state.transcript.query) apply(text);
    else if (e.shiftKey) state.previousMatch();
    else state.nextMatch();
  };

  const searching = query.length > 0;
  return (
    <div className="tx-search" role="search" aria-label="Search the transcript">
      <input
        ref={ref}
        type="search"
        className="tx-search-input"
        aria-label="Search"
        placeholder="Search lines"
        spellCheck={false}
        autoComplete="off"
        value={text}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
        aria-describedby={statusId}
      />
      <output id={statusId} className="tx-search-status" aria-live="polite" data-testid="transcript-match-status">
        {searching ? matchStatus(hits, matchEvent, loading) : ''}
      </output>
      <button
        type="button"
        className="tx-icon-button"
        aria-label="Previous match"
        title="Previous match (Shift+Enter)"
        disabled={hits.length === 0}
        onClick={() => appStore.getState().previousMatch()}
      >
        <span aria-hidden="true">↑</span>
      </button>
      <button
        type="button"
        className="tx-icon-button"
        aria-label="Next match"
        title="Next match (Enter)"
        disabled={hits.length === 0}
        onClick={() => appStore.getState().nextMatch()}
      >
        <span aria-hidden="true">↓</span>
      </button>
    </div>
  );
});
