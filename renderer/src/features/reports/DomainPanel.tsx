import { useId } from 'react';
import { ErrorNote } from '../../components/ErrorNote.js';
import { TextField } from '../connection/fields.js';
import { useAppStore } from '../../store/index.js';
import { ReportActions } from './ReportActions.js';
import { ReportViewer } from './ReportViewer.js';

/**
 * The Domain tab: a domain's mail route (MX, null MX, or the A/AAAA fallback), then every MX host and address as a
 * sending MTA meets them — STARTTLS, the certificate checked against the MX name, DANE (TLSA, with whether the resolver
 * validated it) and MTA-STS — as `smtp-lens mx` does. The resolver set here is the app's: sender authentication of
 * test messages asks it too.
 */
export function DomainPanel() {
  const id = useId();
  const form = useAppStore((s) => s.reports.domainForm);
  const resolver = useAppStore((s) => s.reports.resolver);
  const run = useAppStore((s) => s.reports.domain);
  const setForm = useAppStore((s) => s.setDomainForm);
  const setResolver = useAppStore((s) => s.setResolver);
  const check = useAppStore((s) => s.checkDomain);
  return (
    <section className="panel report-panel" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Domain check</h2>
      <p className="hint">
        Every MX host of a domain, each address in preference order, met as a sending MTA meets it: greeting, EHLO, STARTTLS, the
        certificate against the MX name, DANE and MTA-STS. Nothing is sent.
      </p>
      <form
        className="report-form"
        onSubmit={(e) => {
          e.preventDefault();
          void check();
        }}
      >
        <div className="row wrap">
          <TextField
            name="domain"
            label="Domain"
            className="field grow"
            placeholder="example.org"
            value={form.domain}
            onChange={(domain) => setForm({ domain })}
          />
          <TextField
            name="resolver"
            label="DNS resolver"
            className="field resolver-field"
            placeholder="system’s"
            describedBy={`${id}-resolver-hint`}
            value={resolver}
            onChange={setResolver}
          />
          <TextField
            name="port"
            label="Port"
            className="field port"
            inputMode="numeric"
            placeholder="25"
            value={form.port}
            onChange={(port) => setForm({ port })}
          />
          <TextField
            name="deadline"
            label="Deadline (s)"
            className="field port"
            inputMode="decimal"
            placeholder="60"
            value={form.deadlineSeconds}
            onChange={(deadlineSeconds) => setForm({ deadlineSeconds })}
          />
        </div>
        <p className="hint" id={`${id}-resolver-hint`}>
          The resolver is asked with the DO bit; its AD flag says whether it validated DNSSEC (trust it only as far as the path to it).
          Empty: the system’s. Sender authentication of test messages asks the same one.
        </p>
        <div className="button-row">
          <button type="submit" className="primary" disabled={run.running}>
            {run.running ? 'Checking…' : 'Check domain'}
          </button>
          {run.running ? (
            <span className="subtle" role="status">
              Probing every MX address (at most {form.deadlineSeconds.trim() || '60'} s)…
            </span>
          ) : null}
        </div>
      </form>
      {run.error ? <ErrorNote error={run.error} what="The domain could not be checked" /> : null}
      <ReportActions kind="domain" what="domain report" />
      {run.report ? <ReportViewer report={run.report} /> : null}
    </section>
  );
}
