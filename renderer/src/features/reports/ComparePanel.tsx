import { useId } from 'react';
import { ErrorNote } from '../../components/ErrorNote.js';
import { useAppStore } from '../../store/index.js';
import { ReportActions } from './ReportActions.js';
import { ReportViewer } from './ReportViewer.js';

/**
 * The Compare tab: two saved sessions side by side — capabilities added and removed, TLS and certificate changes, AUTH
 * mechanisms, findings that appeared or went away, per-stage timings — as `smtp-lens diff` does. Sessions are picked
 * in the Sessions tab ("Compare with…").
 */
export function ComparePanel() {
  const id = useId();
  const run = useAppStore((s) => s.reports.compare);
  const first = useAppStore((s) => s.reports.compareFirst);
  const cancel = useAppStore((s) => s.cancelComparePick);
  const setTab = useAppStore((s) => s.setTab);
  return (
    <section className="panel report-panel" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Compare sessions</h2>
      <p className="hint">
        Before and after a configuration change, or server A against server B: pick two sessions in the Sessions tab with “Compare with…”.
      </p>
      {first ? (
        <p className="inline-note" role="status">
          A: the session of {first.label}. Now choose “Compare with…” on a second session.{' '}
          <button type="button" className="small link" onClick={cancel}>
            Cancel
          </button>
        </p>
      ) : null}
      <div className="button-row">
        <button type="button" className="small" onClick={() => setTab('sessions')}>
          Go to Sessions
        </button>
        {run.running ? <span className="subtle">Comparing…</span> : null}
      </div>
      {run.error ? <ErrorNote error={run.error} what="The sessions could not be compared" /> : null}
      {!run.report && !run.error && !run.running ? <p className="empty">Nothing compared yet.</p> : null}
      <ReportActions kind="compare" what="comparison" />
      {run.report ? <ReportViewer report={run.report} /> : null}
    </section>
  );
}
