import { useId } from 'react';
import { ErrorNote } from '../../components/ErrorNote.js';
import { TextField } from '../connection/fields.js';
import { useAppStore } from '../../store/index.js';
import { MATRIX_TLS_MODES, type MatrixTls } from '../../../../shared/matrix.js';
import { ReportActions } from './ReportActions.js';
import { ReportViewer } from './ReportViewer.js';

const MODE_LABELS: Record<MatrixTls, string> = { off: 'Plaintext', starttls: 'STARTTLS', implicit: 'Implicit TLS' };

/**
 * The Matrix tab: every port × TLS mode of the host in the connection form, each recording what it advertises
 * (capabilities, AUTH before and after TLS, the certificate), with findings such as "AUTH offered in plaintext" — as
 * `smtp-lens matrix` does. Nothing is authenticated and nothing is sent.
 */
export function MatrixPanel() {
  const id = useId();
  const form = useAppStore((s) => s.reports.matrixForm);
  const run = useAppStore((s) => s.reports.matrix);
  const connection = useAppStore((s) => s.connection);
  const setForm = useAppStore((s) => s.setMatrixForm);
  const start = useAppStore((s) => s.runMatrix);
  const host = connection.target === 'tcp' ? connection.host.trim() : '';
  return (
    <section className="panel report-panel" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Port matrix</h2>
      <p className="hint">
        Every port and TLS mode of one host, recording what each advertises rather than only whether it connected. The host, CA, EHLO name
        and timeouts come from the connection form; the certificate is recorded whatever it is and judged afterwards.
      </p>
      <form
        className="report-form"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <p>
          Host: <span className="mono">{host || '—'}</span>
          {host ? null : <span className="subtle"> (enter a host in the connection form)</span>}
        </p>
        <div className="row wrap">
          <TextField
            name="ports"
            label="Ports"
            className="field grow"
            placeholder="25, 465, 587"
            value={form.ports}
            onChange={(ports) => setForm({ ports })}
          />
          <fieldset className="field matrix-modes">
            <legend className="section-title">TLS modes</legend>
            <div className="segmented wrap">
              {MATRIX_TLS_MODES.map((m) => (
                <label key={m}>
                  <input
                    type="checkbox"
                    checked={form.modes[m]}
                    onChange={(e) => setForm({ modes: { ...form.modes, [m]: e.target.checked } })}
                  />
                  {MODE_LABELS[m]}
                </label>
              ))}
            </div>
          </fieldset>
        </div>
        <div className="button-row">
          <button type="submit" className="primary" disabled={run.running}>
            {run.running ? 'Probing…' : 'Run matrix'}
          </button>
        </div>
      </form>
      {run.error ? <ErrorNote error={run.error} what="The matrix could not run" /> : null}
      <ReportActions kind="matrix" what="matrix" />
      {run.report ? <ReportViewer report={run.report} /> : null}
    </section>
  );
}
