import { useId } from 'react';
import type { ReceivedMessage, TestServerListener } from '../../../../shared/ipc/contract.js';
import { CopyButton } from '../../components/CopyButton.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { useAppStore } from '../../store/index.js';
import type { TestServerChoice } from '../../store/test-server-slice.js';
import { formatLocalTime, formatSize } from '../sessions/sessions-view.js';
import { describeListener, LISTENER_LABELS } from '../../lib/test-server-view.js';
import '../reports/reports.css';

const CHOICES: { key: keyof TestServerChoice; label: string }[] = [
  { key: 'plain', label: 'SMTP (plaintext)' },
  { key: 'starttls', label: 'SMTP with STARTTLS' },
  { key: 'implicitTls', label: 'SMTPS (implicit TLS)' },
  { key: 'lmtpSocket', label: 'LMTP on a Unix socket' },
];

/**
 * The Test server tab: start or stop the built-in server (choosing its listeners), point the connection form at a
 * listener, its test account and certificate, and the messages it received.
 */
export function TestServerPanel() {
  const id = useId();
  return (
    <div className="test-server-panel">
      <ServerControls headingId={`${id}-server`} />
      <ServerDetails />
      <Messages headingId={`${id}-messages`} />
    </div>
  );
}

function ServerControls({ headingId }: { headingId: string }) {
  const running = useAppStore((s) => s.testServer.status?.running === true);
  const busy = useAppStore((s) => s.testServer.busy);
  const error = useAppStore((s) => s.testServer.error);
  const choice = useAppStore((s) => s.testServer.choice);
  const setChoice = useAppStore((s) => s.setTestServerChoice);
  const start = useAppStore((s) => s.startTestServer);
  const stop = useAppStore((s) => s.stopTestServer);
  return (
    <section className="panel" aria-labelledby={headingId}>
      <div className="button-row">
        <h2 id={headingId}>Built-in test server</h2>
        <span className={`badge ${running ? 'ok' : ''}`} data-test-server={running ? 'running' : 'stopped'}>
          {running ? 'running' : 'stopped'}
        </span>
      </div>
      <p className="hint">
        A local server for trying things out: nothing leaves this machine. Recipients <code>refuse@…</code> are refused (550),{' '}
        <code>tempfail@…</code> deferred (451), and over LMTP <code>overquota@…</code> fails after DATA (552).
      </p>
      {/* While it runs, its listeners are the table below: the choice is for the next start. */}
      {running ? null : (
        <fieldset className="listener-choice" disabled={busy}>
          <legend className="section-title">Listeners</legend>
          <div className="segmented wrap">
            {CHOICES.map((c) => (
              <label key={c.key}>
                <input type="checkbox" checked={choice[c.key]} onChange={(e) => setChoice(c.key, e.target.checked)} />
                {c.label}
              </label>
            ))}
          </div>
        </fieldset>
      )}
      <div className="button-row">
        {running ? (
          <button type="button" disabled={busy} onClick={() => void stop()}>
            {busy ? 'Stopping…' : 'Stop test server'}
          </button>
        ) : (
          <button type="button" className="primary" disabled={busy} onClick={() => void start()}>
            {busy ? 'Starting…' : 'Start test server'}
          </button>
        )}
      </div>
      {error ? <ErrorNote error={error} what={running ? 'The test server could not stop' : 'The test server could not start'} /> : null}
    </section>
  );
}

function ServerDetails() {
  const status = useAppStore((s) => s.testServer.status);
  const applyListener = useAppStore((s) => s.useTestListener);
  const applyAccount = useAppStore((s) => s.useTestAccount);
  const useCa = useAppStore((s) => s.useTestCertificateAsCa);
  const locked = useAppStore((s) => s.session.status === 'running' || s.session.open);
  const id = useId();
  if (!status?.running) return null;
  return (
    <section className="panel" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Listeners</h2>
      <div className="table-scroll">
        <table className="data" aria-label="Test server listeners">
          <thead>
            <tr>
              <th scope="col">Listener</th>
              <th scope="col">Protocol</th>
              <th scope="col">TLS</th>
              <th scope="col">Address</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {status.listeners.map((l: TestServerListener) => (
              <tr key={l.kind} data-listener={l.kind}>
                <th scope="row">{LISTENER_LABELS[l.kind]}</th>
                <td>{l.protocol.toUpperCase()}</td>
                <td>{l.tls}</td>
                <td className="mono">
                  {describeListener(l)}{' '}
                  <CopyButton text={describeListener(l)} label={`Copy the address of the ${LISTENER_LABELS[l.kind]} listener`} />
                </td>
                <td className="actions-cell">
                  <button
                    type="button"
                    className="small"
                    disabled={locked}
                    aria-label={`Use the ${LISTENER_LABELS[l.kind]} listener`}
                    onClick={() => applyListener(l)}
                  >
                    Use this listener
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="hint">
        “Use this listener” fills the connection form; for TLS listeners the test certificate becomes the trusted CA, so verification
        passes.
      </p>

      <div className="split">
        {status.account ? (
          <div>
            <h3>Test account</h3>
            <dl className="kv">
              <dt>User</dt>
              <dd className="mono">
                {status.account.user} <CopyButton text={status.account.user} label="Copy the test user" />
              </dd>
              <dt>Password</dt>
              <dd className="mono">
                {status.account.password} <CopyButton text={status.account.password} label="Copy the test password" />
              </dd>
            </dl>
            <div className="button-row">
              <button type="button" className="small" disabled={locked} onClick={applyAccount}>
                Use account
              </button>
            </div>
            <p className="hint">It protects nothing real: the server exists for this app only and changes the password each start.</p>
          </div>
        ) : null}
        {status.certificatePem ? (
          <div>
            <h3>Certificate</h3>
            <dl className="kv">
              <dt>SHA-256</dt>
              <dd className="mono fingerprint">
                {status.fingerprint256}{' '}
                {status.fingerprint256 ? <CopyButton text={status.fingerprint256} label="Copy the certificate fingerprint" /> : null}
              </dd>
            </dl>
            <div className="button-row">
              <button type="button" className="small" disabled={locked} onClick={useCa}>
                Use as CA
              </button>
              <CopyButton text={status.certificatePem} label="Copy the certificate PEM" className="small" />
            </div>
            <details>
              <summary>PEM</summary>
              <pre className="viewer pem" aria-label="Test server certificate (PEM)">
                {status.certificatePem}
              </pre>
            </details>
          </div>
        ) : null}
      </div>
    </section>
  );
}

function Messages({ headingId }: { headingId: string }) {
  const messages = useAppStore((s) => s.testServer.messages);
  const error = useAppStore((s) => s.testServer.messagesError);
  const selectedId = useAppStore((s) => s.testServer.selectedMessageId);
  const select = useAppStore((s) => s.selectTestMessage);
  const refresh = useAppStore((s) => s.loadTestServerMessages);
  const selected = messages.find((m) => m.id === selectedId);
  return (
    <section className="panel" aria-labelledby={headingId}>
      <div className="button-row">
        <h2 id={headingId}>
          Received messages <span className="subtle">({messages.length})</span>
        </h2>
        <span className="spacer" />
        <button type="button" className="small" onClick={() => void refresh()}>
          Refresh
        </button>
      </div>
      {error ? <ErrorNote error={error} what="Could not list the received messages" /> : null}
      {messages.length === 0 ? (
        <p className="empty">No message yet. Send one from Compose to the test server.</p>
      ) : (
        <div className="table-scroll messages-table">
          <table className="data" aria-label="Received messages">
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">Listener</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col">TLS</th>
                <th scope="col">User</th>
                <th scope="col">
                  <span className="visually-hidden">View</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {messages.map((m) => (
                <tr key={m.id} aria-selected={m.id === selectedId} data-message-id={m.id}>
                  <td className="mono nowrap">{formatLocalTime(m.receivedAt)}</td>
                  <td>{LISTENER_LABELS[m.listener]}</td>
                  <td className="mono">{m.envelopeFrom || <span className="subtle">&lt;&gt;</span>}</td>
                  <td className="mono">{m.envelopeTo.join(', ')}</td>
                  <td className="num">{formatSize(m.size)}</td>
                  <td>{m.secure ? 'yes' : 'no'}</td>
                  <td className="mono">{m.user ?? ''}</td>
                  <td className="actions-cell">
                    <button
                      type="button"
                      className="small"
                      aria-pressed={m.id === selectedId}
                      aria-label={`View the message from ${m.envelopeFrom || 'the null sender'} received ${formatLocalTime(m.receivedAt)}`}
                      onClick={() => select(m.id === selectedId ? undefined : m.id)}
                    >
                      {m.id === selectedId ? 'Hide' : 'View'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {selected ? <MessageViewer message={selected} /> : null}
    </section>
  );
}

function MessageViewer({ message }: { message: ReceivedMessage }) {
  const id = useId();
  const save = useAppStore((s) => s.saveTestMessage);
  return (
    <div className="message-viewer" role="region" aria-labelledby={`${id}-heading`}>
      <div className="button-row">
        <h3 id={`${id}-heading`}>Message as received</h3>
        <span className="spacer" />
        <CopyButton text={message.raw} label="Copy the raw message" />
        <button type="button" className="small" onClick={() => void save(message.id)}>
          Save .eml
        </button>
      </div>
      {message.truncated ? <p className="hint">Shown up to 1 MB: the rest was not kept.</p> : null}
      <SenderAuthBlock message={message} />
      <pre className="viewer" tabIndex={0} aria-label="Raw message">
        {message.raw}
      </pre>
    </div>
  );
}

const VERDICT_TONE: Record<string, string> = { pass: 'tone-ok', fail: 'tone-bad', softfail: 'tone-warn', permerror: 'tone-bad' };

/** SPF, DKIM, DMARC (and ARC) of the message, asked of the app's resolver (set in the Domain tab) when the user asks. */
function SenderAuthBlock({ message }: { message: ReceivedMessage }) {
  const id = useId();
  const run = useAppStore((s) => s.reports.senderAuth[message.id]);
  const resolver = useAppStore((s) => s.reports.resolver);
  const authenticate = useAppStore((s) => s.authenticateMessage);
  const result = run?.result;
  const row = (name: string, verdict: string, subject: string | undefined, reason: string) => (
    <tr key={`${name}-${subject ?? ''}-${reason}`}>
      <th scope="row">{name}</th>
      <td className={VERDICT_TONE[verdict] ?? 'tone-muted'} data-verdict={verdict}>
        {verdict}
      </td>
      <td className="mono">{subject ?? '—'}</td>
      <td>{reason}</td>
    </tr>
  );
  return (
    <div className="sender-auth" role="region" aria-labelledby={`${id}-heading`}>
      <div className="button-row">
        <h4 id={`${id}-heading`}>Sender authentication</h4>
        <span className="spacer" />
        <span className="subtle">DNS: {resolver.trim() || 'the system’s resolver'}</span>
        <button type="button" className="small" disabled={run?.running} onClick={() => void authenticate(message.id)}>
          {run?.running ? 'Checking…' : result ? 'Check again' : 'Check SPF, DKIM, DMARC'}
        </button>
      </div>
      {run?.error ? <ErrorNote error={run.error} what="Sender authentication is unknown" /> : null}
      {result ? (
        <div className="table-scroll">
          <table className="data" aria-label="Sender authentication">
            <thead>
              <tr>
                <th scope="col">Check</th>
                <th scope="col">Result</th>
                <th scope="col">For</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {row('SPF', result.spf.result, result.spf.domain, result.spf.reason)}
              {result.dkim.length === 0
                ? row('DKIM', 'none', undefined, 'the message carries no DKIM-Signature')
                : result.dkim.map((d) =>
                    row('DKIM', d.result, `d=${d.domain}${d.selector ? ` s=${d.selector}` : ''}${d.aligned ? ' (aligned)' : ''}`, d.reason),
                  )}
              {row(
                'DMARC',
                result.dmarc.result,
                result.dmarc.domain,
                `${result.dmarc.policy ? `policy ${result.dmarc.policy}: ` : ''}${result.dmarc.reason}`,
              )}
              {result.arc ? row('ARC', result.arc.result, `i=${result.arc.instance}`, result.arc.reason) : null}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
