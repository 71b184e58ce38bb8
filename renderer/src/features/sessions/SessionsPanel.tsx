import { Fragment, useId, useMemo, useState } from 'react';
import type { SavedSessionSummary } from '../../../../shared/ipc/contract.js';
import { STATUS_MEANINGS } from '../../../../shared/session-status.js';
import { ActionsMenu } from '../../app/ActionsMenu.js';
import { ErrorNote } from '../../components/ErrorNote.js';
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
  const compareFirst = useAppStore((s) => s.reports.compareFirst);
  const cancelCompare = useAppStore((s) => s.cancelComparePick);
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
      {compareFirst ? (
        <p className="inline-note" role="status">
          Comparing: A is the session of {compareFirst.label}. Choose “Compare with…” on the session to compare it with.{' '}
          <button type="button" className="small link" onClick={cancelCompare}>
            Cancel
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
                      <td colSpan={6}>
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

/**
 * One saved session: a click (or Enter) on the row opens it in the Overview; Open, Export and Delete are in its menu,
 * so that the table fits beside the sidebar at 1024 px.
 */
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
  const compareFirst = useAppStore((st) => st.reports.compareFirst);
  const pickForCompare = useAppStore((st) => st.pickForCompare);
  const when = formatLocalTime(s.startedAt);
  const pill = statusPill(s);
  const open = () => {
    select(s.id);
    if (busy || blocked) return;
    void reopen(s.id).then((ok) => ok && setTab('overview'));
  };

  return (
    <tr
      aria-selected={selected}
      data-session-id={s.id}
      data-status={s.status}
      data-shown={shown || undefined}
      className="clickable"
      tabIndex={0}
      title={blocked ? 'Disconnect the open session to open another' : 'Open in the Overview'}
      onClick={open}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && e.target === e.currentTarget) open();
      }}
    >
      <td className="mono nowrap">
        <time dateTime={s.startedAt}>{when}</time>
      </td>
      <td>{s.operation}</td>
      <td className="mono target-cell">{s.target || <span className="subtle">—</span>}</td>
      <td>
        <span className={`status-pill ${live ? 'open' : pill.tone}`} title={STATUS_MEANINGS[pill.tone]}>
          {live ? 'Live' : pill.label}
        </span>
        {s.errorCode && pill.tone !== 'cancelled' ? <span className="mono subtle error-code-cell">{s.errorCode}</span> : null}
      </td>
      <td className="num nowrap size-cell">
        {formatSize(s.bytes)}
        <span className="lines subtle">
          {s.events.toLocaleString('en')} {s.events === 1 ? 'line' : 'lines'}
        </span>
      </td>
      <td className="actions-cell">
        <ActionsMenu
          label={`Actions for the session of ${when}`}
          actions={[
            {
              label: shown ? 'Shown in the Overview' : 'Open',
              ariaLabel: `Open the session of ${when} in the Overview`,
              disabled: busy || blocked,
              disabledReason: 'Disconnect the open session first',
              onSelect: open,
            },
            {
              label: `Export as ${format.toUpperCase()}`,
              ariaLabel: `Export the session of ${when} as ${format.toUpperCase()}`,
              disabled: busy,
              onSelect: () => void exportSession(s.id, format),
            },
            {
              label: compareFirst && compareFirst.id !== s.id ? `Compare with ${compareFirst.label}` : 'Compare with…',
              ariaLabel:
                compareFirst && compareFirst.id !== s.id
                  ? `Compare the session of ${compareFirst.label} with the session of ${when}`
                  : `Compare the session of ${when} with another`,
              onSelect: () => void pickForCompare(s.id, when),
            },
            {
              label: 'Delete…',
              ariaLabel: `Delete the session of ${when}`,
              danger: true,
              confirm: 'Delete this log?',
              disabled: busy || live,
              disabledReason: 'The session is live',
              onSelect: () => void remove(s.id),
            },
          ]}
        />
      </td>
    </tr>
  );
}
