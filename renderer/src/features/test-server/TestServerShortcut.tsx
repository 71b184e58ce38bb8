import { ErrorNote } from '../../components/ErrorNote.js';
import { useAppStore } from '../../store/index.js';

/**
 * The built-in test server from the sidebar: start it (or reuse it) and point the form at its plain listener; while it
 * runs, say so, put its account into the form, stop it, or see its details.
 */
export function TestServerShortcut() {
  const busy = useAppStore((s) => s.testServer.busy);
  const error = useAppStore((s) => s.testServer.error);
  const running = useAppStore((s) => s.session.status === 'running' || s.session.open);
  const start = useAppStore((s) => s.startBuiltInTestServer);
  const stop = useAppStore((s) => s.stopTestServer);
  const applyAccount = useAppStore((s) => s.useTestAccount);
  const account = useAppStore((s) => s.testServer.status?.account);
  const serverRunning = useAppStore((s) => s.testServer.status?.running === true);
  const accountInForm = useAppStore((s) => account !== undefined && s.auth.user === account.user && s.auth.secret === account.password);
  const setTab = useAppStore((s) => s.setTab);
  return (
    <div className="test-server sidebar-section" data-test-server-shortcut={serverRunning ? 'running' : 'stopped'}>
      {serverRunning ? (
        <>
          <p className="test-server-state">
            <span className="state-dot ready" aria-hidden="true" /> <strong>Built-in test server running</strong>
          </p>
          {account ? (
            <p className="hint">
              Test account <code>{account.user}</code> / <code>{account.password}</code>
            </p>
          ) : null}
          <div className="button-row">
            {account ? (
              <button type="button" className="small" disabled={accountInForm} onClick={applyAccount}>
                {accountInForm ? 'Account in the form' : 'Use this account'}
              </button>
            ) : null}
            <button
              type="button"
              className="small"
              disabled={busy || running}
              onClick={() => void start()}
              title="Point the form at its plain SMTP listener"
            >
              Use its SMTP listener
            </button>
            <button type="button" className="small" disabled={busy} onClick={() => void stop()}>
              {busy ? 'Stopping…' : 'Stop'}
            </button>
            <button type="button" className="small link" onClick={() => setTab('test-server')}>
              Details
            </button>
          </div>
        </>
      ) : (
        <div className="button-row">
          <button type="button" className="secondary" disabled={busy || running} onClick={() => void start()}>
            {busy ? 'Starting test server…' : 'Use built-in test server'}
          </button>
        </div>
      )}
      {error ? (
        <ErrorNote error={error} what={serverRunning ? 'The test server could not stop' : 'The test server could not start'} />
      ) : null}
    </div>
  );
}
