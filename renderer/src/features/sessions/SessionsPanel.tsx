import { Fragment, useId, useMemo, useState } from 'react';
import type { SavedSessionSummary } from '../../../../shared/ipc/contract.js';
import { ConfirmButton } from '../../app/ConfirmButton.js';
import { ErrorNote } from '../../app/ErrorNote.js';
import type { ExportFormat } from '../../lib/api.js';
import { useAppStore } from '../../store/index.js';
import { filterSessions, formatLocalTime, formatSize, statusPill } from './sessions-view.js';

const FORMATS: { value: ExportFormat; label: string }[] = [
  { value: 'html', label: 'HTML report' },
  { value: 'txt', label: 'Text transcript' },
  { value: 'json', label: 'JSON record' },
];

/**
 * The Sessions tab: every session main logged, newest first. Open one into the Overview and Transcript, export it
 * (redacted: records never hold secrets), or delete its log.
 */
export function SessionsPanel() {
  const list = useAppStore((s) => s.sessions.list);
  const loading = useAppStore((s) => s.sessions.loading);
  const loaded = useAppStore((s) => s.sessions.loaded);
  const error = useAppStore((s) => s.sessions.error);
  const notice = useAppStore((s) => s.sessions.notice);
  const actionError = useAppStore((s) => s.sessions.actionError);
  const load = useAppStore((s) => s.loadSessions);
  const dismiss = useAppStore((s) => s.dismissSessionsMessage);
  const [query, setQuery] = useState('');
  const [format, setFormat] = useState<ExportFormat>('html');
  const shown = useMemo(() => filterSessions(list, query), [list, query]);
  const id = useId();

  return (
    <section className="panel sessions-panel" aria-labelledby={`${id}-heading`}>
      <div className="button-row">
        <h2 id={`${id}-heading`}>
          Sessions <span className="subtle">({list.length})</span>
        </h2>
        <span className="spacer" />
        <input
          type="search"
          className="sessions-filter"
          aria-label="Filter sessions"
          placeholder="Filter: host, status, error…"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <label htmlFor={`${id}-format`}>Export as</label>
        <select id={`${id}-format`} value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)}>
          {FORMATS.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
        <button type="button" className="small" disabled={loading} onClick={() => void load()}>
          {loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <p className="hint">Exports are redacted: passwords and AUTH exchanges never reach a session log.</p>
      {notice ? (
        <p className="inline-note" role="status">
          {notice}{' '}
          <button type="button" className="small link" onClick={dismiss}>
            OK
          </button>
        </p>
      ) : null}
      {actionError && actionError.id === '' ? <ErrorNote error={actionError.error} what="Could not export" onDismiss={dismiss} /> : null}
      {error ? <ErrorNote error={error} what="Could not list the sessions" /> : null}
      {loaded && list.length === 0 ? (
        <p className="empty">No sessions yet. Every probe, connection and send is logged here.</p>
      ) : shown.length === 0 && list.length > 0 ? (
        <p className="empty">No session matches “{query}”.</p>
      ) : list.length > 0 ? (
        <div className="table-scroll">
          <table className="data sessions-table" aria-label="Saved sessions">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Operation</th>
                <th scope="col">Target</th>
                <th scope="col">Status</th>
                <th scope="col">Error</th>
                <th scope="col" className="num">
                  Events
                </th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((s) => (
                <Fragment key={s.id}>
                  <SessionRow summary={s} format={format} />
                  {actionError && actionError.id === s.id ? (
                    <tr className="row-error">
                      <td colSpan={8}>
                        <ErrorNote error={actionError.error} what={`Could not ${actionError.action} this session`} onDismiss={dismiss} />
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function SessionRow({ summary: s, format }: { summary: SavedSessionSummary; format: ExportFormat }) {
  const selected = useAppStore((st) => st.sessions.selectedId === s.id);
  const busy = useAppStore((st) => st.sessions.busyId === s.id);
  const shown = useAppStore((st) => st.session.source === 'history' && st.session.sessionId === s.id);
  const live = useAppStore((st) => st.session.open && st.session.sessionId === s.id);
  const blocked = useAppStore((st) => st.session.open || st.session.status === 'running');
  const select = useAppStore((st) => st.selectSession);
  const reopen = useAppStore((st) => st.reopenSession);
  const exportSession = useAppStore((st) => st.exportSession);
  const remove = useAppStore((st) => st.deleteSessionLog);
  const setTab = useAppStore((st) => st.setTab);
  const when = formatLocalTime(s.startedAt);

  return (
    <tr aria-selected={selected} data-session-id={s.id} data-status={s.status} onClick={() => select(s.id)}>
      <td className="mono nowrap">
        <time dateTime={s.startedAt}>{when}</time>
      </td>
      <td>{s.operation}</td>
      <td className="mono">{s.target || <span className="subtle">—</span>}</td>
      <td>
        <span className={`status-pill ${live ? 'open' : statusPill(s).tone}`}>{live ? 'Live' : statusPill(s).label}</span>
      </td>
      <td className="mono">{s.errorCode ?? ''}</td>
      <td className="num">{s.events}</td>
      <td className="num">{formatSize(s.bytes)}</td>
      <td className="actions-cell">
        <span className="button-row">
          <button
            type="button"
            className="small"
            disabled={busy || blocked}
            aria-label={`Open the session of ${when} in the Overview`}
            title={blocked ? 'Disconnect the open session first' : undefined}
            onClick={(e) => {
              e.stopPropagation();
              void reopen(s.id).then((ok) => ok && setTab('overview'));
            }}
          >
            {shown ? 'Shown' : 'Open'}
          </button>
          <button
            type="button"
            className="small"
            disabled={busy}
            aria-label={`Export the session of ${when} as ${format.toUpperCase()}`}
            onClick={(e) => {
              e.stopPropagation();
              void exportSession(s.id, format);
            }}
          >
            Export
          </button>
          <ConfirmButton
            question="Delete this log?"
            confirmLabel="Delete"
            label={`Delete the session of ${when}`}
            disabled={busy || live}
            onConfirm={() => void remove(s.id)}
          >
            Delete
          </ConfirmButton>
        </span>
      </td>
    </tr>
  );
}
