import { useId } from 'react';
import { stripEnhancedCode } from '../../../../shared/explain/reply-text.js';
import type { SessionRecord } from '../../../../shared/session-record.js';
import { describeTarget } from '../../../../shared/transcript-format.js';
import { appStore, useAppStore } from '../../store/index.js';
import { AuthView } from '../auth/AuthPanel.js';
import { CapabilityView } from '../capabilities/CapabilityPanel.js';
import { ReplyCode } from '../explain/ReplyCode.js';
import { ResultBanner } from '../status/ResultBanner.js';
import { formatDuration } from '../status/result-format.js';
import { TlsView } from '../tls/TlsPanel.js';
import { DeliveryPanel, hasDelivery } from './DeliveryPanel.js';
import { FindingsPanel } from './FindingsPanel.js';
import '../explain/explain.css';
import './overview.css';

export interface OverviewPanelProps {
  /** Show the result banner at the top (leave it out when the shell shows the banner elsewhere). Default true. */
  showResult?: boolean;
}

/** The Overview tab: result, server and greeting, authentication, TLS and capabilities of the current record. */
export function OverviewPanel({ showResult = true }: OverviewPanelProps) {
  const record = useAppStore((s) => s.session.record);
  const status = useAppStore((s) => s.session.status);
  return (
    <div className="overview" data-overview={record ? 'record' : status}>
      {showResult ? (
        <div className="overview-wide">
          <ResultBanner />
        </div>
      ) : null}
      {record ? <OverviewOfRecord record={record} /> : status === 'idle' ? <FirstRun /> : null}
    </div>
  );
}

/**
 * What a first start shows: what the app does, and two ways in — the built-in test server (started, put into the
 * form with its account, and probed, in one click) or a server of one's own (the host field takes the focus).
 */
function FirstRun() {
  const start = useAppStore((s) => s.startBuiltInTestServer);
  const applyAccount = useAppStore((s) => s.useTestAccount);
  const probe = useAppStore((s) => s.probe);
  const busy = useAppStore((s) => s.testServer.busy);
  const id = useId();
  const tryTestServer = async () => {
    await start();
    const { testServer } = appStore.getState();
    if (!testServer.status?.running || testServer.error) return;
    applyAccount();
    await probe();
  };
  const ownServer = () => {
    const host = document.querySelector<HTMLInputElement>('.sidebar [data-field="host"] input');
    host?.focus();
    host?.select();
  };
  return (
    <section className="panel first-run overview-wide" aria-labelledby={`${id}-heading`} data-first-run>
      <h2 id={`${id}-heading`}>Test a mail server</h2>
      <p>
        SMTP Lens connects to an SMTP, SMTPS or LMTP server and shows what it advertises, how TLS and authentication went, what became of a
        test message, and every line that was exchanged — with secrets redacted.
      </p>
      <div className="first-run-choices">
        <div className="first-run-choice">
          <button type="button" className="primary" disabled={busy} onClick={() => void tryTestServer()}>
            {busy ? 'Starting the test server…' : 'Try the built-in test server'}
          </button>
          <p className="hint">Starts a local server on this machine, fills in the form with its address and account, and probes it.</p>
        </div>
        <div className="first-run-choice">
          <button type="button" onClick={ownServer}>
            Probe your own server
          </button>
          <p className="hint">
            Enter its host name and port on the left (587 for submission, 25 between servers, 465 for SMTPS), then Probe.
          </p>
        </div>
      </div>
    </section>
  );
}

/** The panels of one record (no store access except the reply-code buttons), e.g. for a session from the history. */
export function OverviewOfRecord({ record, now }: { record: SessionRecord; now?: number }) {
  return (
    <>
      {hasDelivery(record) ? (
        <div className="overview-wide">
          <DeliveryPanel record={record} />
        </div>
      ) : null}
      {record.findings && record.findings.length > 0 ? (
        <div className="overview-wide">
          <FindingsPanel record={record} />
        </div>
      ) : null}
      <div className={record.auth ? undefined : 'overview-wide'}>
        <ServerSummary record={record} />
      </div>
      {record.auth ? <AuthView auth={record.auth} encrypted={record.tls !== undefined} /> : null}
      <div className="overview-wide">
        <TlsView record={record} now={now} />
      </div>
      <div className="overview-wide">
        <CapabilityView record={record} />
      </div>
      {record.findings && record.findings.length === 0 && record.greeting ? (
        <div className="overview-wide">
          <FindingsPanel record={record} />
        </div>
      ) : null}
    </>
  );
}

/** Where the session went and how the server greeted it. */
export function ServerSummary({ record }: { record: SessionRecord }) {
  const id = useId();
  const t = record.target;
  const started = Date.parse(record.startedAt);
  return (
    <section className="panel server-summary" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Server</h2>
      <dl className="kv">
        <dt>Target</dt>
        <dd className="mono">{describeTarget(record)}</dd>
        {t.remoteAddress ? (
          <>
            <dt>Connected to</dt>
            <dd className="mono">
              {t.remoteAddress}
              {t.remotePort !== undefined ? ` port ${t.remotePort}` : ''}
              {t.localAddress ? (
                <span className="subtle">
                  {' '}
                  from {t.localAddress}
                  {t.localPort !== undefined ? ` port ${t.localPort}` : ''}
                </span>
              ) : null}
            </dd>
          </>
        ) : null}
        <dt>Greeting</dt>
        <dd>
          {record.greeting ? (
            <div className="server-greeting">
              <ReplyCode
                code={record.greeting.code}
                enhancedCode={record.greeting.enhancedCode}
                text={record.greeting.text}
                context="greeting (on connect)"
              />
              <pre className="server-greeting-text">{stripEnhancedCode(record.greeting.text, record.greeting.enhancedCode)}</pre>
            </div>
          ) : (
            <span className="subtle">none (the session ended before the server greeted)</span>
          )}
        </dd>
        <dt>Hello</dt>
        <dd>
          {record.helloVerb ? (
            <>
              <span className="mono">
                {record.helloVerb} {t.ehloName}
              </span>
              {record.helloVerb === 'HELO' ? <span className="badge warn">EHLO refused</span> : null}
            </>
          ) : (
            <span className="subtle">not reached</span>
          )}
        </dd>
        <dt>Started</dt>
        <dd>
          {Number.isNaN(started) ? record.startedAt : <time dateTime={record.startedAt}>{new Date(started).toLocaleString()}</time>}{' '}
          <span className="subtle">
            · {record.operation}, {formatDuration(record.durationMs)}
          </span>
        </dd>
      </dl>
    </section>
  );
}
