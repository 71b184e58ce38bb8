import { useCallback, useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { Direction } from '../../../../shared/session-record.js';
import { DIRECTIONS, filterMask } from '../../lib/transcript/filter.js';
import { formatCount, TIME_MODES, type TimeMode } from '../../lib/transcript/format.js';
import { loadStatus } from '../../lib/transcript/load-status.js';
import { appStore, useAppStore } from '../../store/index.js';
import { copyText } from '../../app/copy.js';
import { TranscriptDetail } from './TranscriptDetail.js';
import { TranscriptList } from './TranscriptList.js';
import { TranscriptSearch } from './TranscriptSearch.js';
import './transcript.css';

const DIRECTION_LABEL: Record<Direction, string> = { send: 'C: client', recv: 'S: server', info: 'info', error: 'error' };

/**
 * The transcript: every line with its time (absolute, relative to the start, or since the line above), TLS marker,
 * direction and text; filter by direction, search, select and copy, follow the tail. Reads the transcript slice
 * only; the session side feeds it (`resetTranscript`, `appendTranscriptBatch`, `loadTranscript`).
 */
export function TranscriptPanel() {
  const headingId = useId();
  const helpId = useId();
  const rowIdPrefix = useId().replace(/:/g, '');
  const searchBox = useRef<HTMLInputElement>(null);
  const [copyStatus, setCopyStatus] = useState('');
  const statusTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(statusTimer.current), []);

  const copy = useCallback(async (scope: 'selection' | 'shown') => {
    const { text, lines } = appStore.getState().transcriptCopyText(scope);
    if (lines === 0) return;
    const ok = await copyText(text);
    setCopyStatus(ok ? `Copied ${formatCount(lines)} line${lines === 1 ? '' : 's'}` : 'Could not copy to the clipboard');
    clearTimeout(statusTimer.current);
    statusTimer.current = setTimeout(() => setCopyStatus(''), 4000);
  }, []);

  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    // Ctrl/Cmd+F: to the search box.
    if ((e.ctrlKey || e.metaKey) && !e.altKey && (e.key === 'f' || e.key === 'F')) {
      e.preventDefault();
      searchBox.current?.focus();
      searchBox.current?.select();
    }
  };

  return (
    <section className="panel tx-panel" aria-labelledby={headingId} onKeyDown={onKeyDown}>
      <div className="tx-toolbar">
        <h2 id={headingId}>Transcript</h2>
        <LineCount />
        <TimeModeSelect />
        <DirectionFilter />
        <TranscriptSearch ref={searchBox} />
        <FollowTailToggle />
        <CopyButton onCopy={copy} />
        <output className="tx-copy-status" aria-live="polite">
          {copyStatus}
        </output>
      </div>
      <p id={helpId} className="visually-hidden">
        Each line: its time, TLS when it travelled inside TLS, C: for the client or S: for the server (or info, error), then the line. Arrow
        keys, Page Up, Page Down, Home and End move through the lines; Shift extends the selection; Control A selects all shown lines,
        Control C copies the selection.
      </p>
      <div className="tx-frame">
        <div className="tx-columns" aria-hidden="true">
          <TimeColumnTitle />
          <span className="tx-tls">TLS</span>
          <span className="tx-dir">Dir</span>
          <span className="tx-text">Line</span>
        </div>
        <LoadProgress />
        <TranscriptList idPrefix={rowIdPrefix} describedBy={helpId} onCopy={() => void copy('selection')} />
        <EmptyState />
      </div>
      <TranscriptDetail />
    </section>
  );
}

function LineCount() {
  const buffer = useAppStore((s) => s.transcript.buffer);
  const version = useAppStore((s) => s.transcript.version);
  const filter = useAppStore((s) => s.transcript.filter);
  const mask = filterMask(filter);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the buffer is mutated in place: its version says when
  const shown = useMemo(() => buffer.view(mask).length, [buffer, version, mask]);
  const total = buffer.length;
  return (
    <span className="tx-count" data-testid="transcript-count">
      {shown === total ? `${formatCount(total)} line${total === 1 ? '' : 's'}` : `${formatCount(shown)} of ${formatCount(total)} lines`}
    </span>
  );
}

/**
 * A saved session's events still coming in (or how that ended): progress, damaged lines, why it stopped. Shown over
 * the right end of the column titles, so that it comes and goes without moving the toolbar or the list.
 */
function LoadProgress() {
  const load = useAppStore((s) => s.transcript.load);
  // Read again with every store update (each page is one): the buffer grows in place.
  const loaded = useAppStore((s) => s.transcript.buffer.length);
  const status = loadStatus(load, loaded);
  if (!status) return null;
  const quiet = status.state === 'done' && load?.damagedLines === 0;
  return (
    <span
      className={`tx-load is-${status.state}${quiet ? ' visually-hidden' : ''}`}
      role={status.state === 'failed' ? 'alert' : 'status'}
      // Every page changes the text: announce how it ends, not each step.
      aria-live={status.state === 'loading' ? 'off' : undefined}
      data-testid="transcript-load"
      data-state={status.state}
    >
      {status.fraction !== undefined ? <progress max={1} value={status.fraction} aria-hidden="true" /> : null}
      {status.text}
    </span>
  );
}

function TimeModeSelect() {
  const mode = useAppStore((s) => s.transcript.timeMode);
  const id = useId();
  return (
    <span className="tx-field">
      <label htmlFor={id}>Time</label>
      <select id={id} value={mode} onChange={(e) => appStore.getState().setTimeMode(e.target.value as TimeMode)}>
        {TIME_MODES.map((m) => (
          <option key={m.value} value={m.value}>
            {m.label}
          </option>
        ))}
      </select>
    </span>
  );
}

function TimeColumnTitle() {
  const mode = useAppStore((s) => s.transcript.timeMode);
  return <span className="tx-time">{mode === 'absolute' ? 'Time (UTC)' : mode === 'relative' ? 'Since start (s)' : 'Delta (s)'}</span>;
}

function DirectionFilter() {
  const filter = useAppStore((s) => s.transcript.filter);
  return (
    <fieldset className="tx-filter">
      <legend className="visually-hidden">Show lines</legend>
      {DIRECTIONS.map((dir) => (
        <label key={dir} className={`tx-check tx-check-${dir}`}>
          <input type="checkbox" checked={filter[dir]} onChange={(e) => appStore.getState().setDirectionShown(dir, e.target.checked)} />
          {DIRECTION_LABEL[dir]}
        </label>
      ))}
      <label className="tx-check">
        <input type="checkbox" checked={filter.tlsOnly} onChange={(e) => appStore.getState().setTlsOnly(e.target.checked)} />
        TLS only
      </label>
    </fieldset>
  );
}

function FollowTailToggle() {
  const on = useAppStore((s) => s.transcript.followTail);
  return (
    <button
      type="button"
      className="tx-toggle"
      aria-pressed={on}
      title="Keep the last line in view as lines arrive"
      onClick={() => appStore.getState().setFollowTail(!on)}
    >
      Follow tail
    </button>
  );
}

function CopyButton({ onCopy }: { onCopy(scope: 'selection' | 'shown'): Promise<void> }) {
  const hasSelection = useAppStore((s) => s.transcript.selection !== null);
  // The buffer's length changes only together with its version (a store update), so this is re-read then.
  const empty = useAppStore((s) => s.transcript.buffer.length === 0);
  return (
    <button
      type="button"
      disabled={empty}
      title={hasSelection ? 'Copy the selected lines (Ctrl+C)' : 'Copy every shown line'}
      onClick={() => void onCopy(hasSelection ? 'selection' : 'shown')}
    >
      {hasSelection ? 'Copy selection' : 'Copy all'}
    </button>
  );
}

function EmptyState() {
  const buffer = useAppStore((s) => s.transcript.buffer);
  const version = useAppStore((s) => s.transcript.version);
  const filter = useAppStore((s) => s.transcript.filter);
  const awaiting = useAppStore((s) => s.session.status === 'running' && s.session.sessionId === s.transcript.sessionId);
  const mask = filterMask(filter);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the buffer is mutated in place: its version says when
  const shown = useMemo(() => buffer.view(mask).length, [buffer, version, mask]);
  if (shown > 0) return null;
  const text =
    buffer.length > 0
      ? 'No line passes the filter.'
      : awaiting
        ? 'Waiting for the server…'
        : 'No transcript yet: probe a server to see one.';
  return (
    <p className="tx-empty" role="status">
      {text}
    </p>
  );
}
