import { useAppStore } from '../../store/index.js';

/**
 * The session buttons under the connection form: Probe (connect, greet, EHLO, TLS, AUTH if a user is given, QUIT)
 * and Connect (the same, kept open for commands); while a session is open, Disconnect; while a step runs, Cancel.
 */
export function SessionActions() {
  const status = useAppStore((s) => s.session.status);
  const activity = useAppStore((s) => s.session.activity);
  const open = useAppStore((s) => s.session.open);
  const cancelling = useAppStore((s) => s.session.cancelling);
  const probe = useAppStore((s) => s.probe);
  const connect = useAppStore((s) => s.connect);
  const disconnect = useAppStore((s) => s.disconnect);
  const cancel = useAppStore((s) => s.cancelSession);
  const running = status === 'running';
  const probing = running && !open && (activity === 'probe' || activity === 'authenticate' || activity === 'close');

  return (
    <div className="session-actions" role="group" aria-label="Session">
      <div className="button-row">
        {open ? (
          <button type="button" className="primary" disabled={running} onClick={() => void disconnect()}>
            {running && activity === 'close' ? 'Disconnecting…' : 'Disconnect'}
          </button>
        ) : (
          <>
            <button type="button" className="primary" disabled={running} aria-busy={probing} onClick={() => void probe()}>
              {probing ? 'Probing…' : 'Probe'}
            </button>
            <button type="button" disabled={running} onClick={() => void connect()} title="Connect and keep the session open for commands">
              {running && activity === 'connect' ? 'Connecting…' : 'Connect'}
            </button>
          </>
        )}
        <span className="spacer" />
        {running ? (
          <button type="button" className="danger" disabled={cancelling} onClick={() => void cancel()}>
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        ) : null}
      </div>
      <p className="hint">
        <kbd>Enter</kbd> in the form probes. Connect keeps the session open for VRFY, raw commands and sending.
      </p>
    </div>
  );
}
