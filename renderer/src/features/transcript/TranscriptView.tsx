import { formatRelative, formatWallTime } from '../../../../shared/transcript-format.js';
import type { TranscriptEvent } from '../../../../shared/session-record.js';
import { useAppStore } from '../../store/index.js';

const DIRECTION: Record<TranscriptEvent['dir'], { mark: string; label: string }> = {
  send: { mark: 'C:', label: 'client' },
  recv: { mark: 'S:', label: 'server' },
  info: { mark: '*', label: 'info' },
  error: { mark: '!', label: 'error' },
};

/** The session's lines in order, with time since start, a TLS marker and the direction. A plain list for now. */
export function TranscriptView() {
  const events = useAppStore((s) => s.session.transcript);
  const status = useAppStore((s) => s.session.status);
  if (status === 'idle' && events.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="transcript-heading">
      <h2 id="transcript-heading">Transcript</h2>
      {events.length === 0 ? (
        <p className="hint">{status === 'running' ? 'Waiting for the server…' : 'Nothing was exchanged.'}</p>
      ) : (
        <ol className="transcript" aria-label="Transcript">
          {events.map((e, i) => (
            <li key={i} className={`tx tx-${e.dir}`} data-dir={e.dir} data-tls={e.tls ? 'yes' : 'no'}>
              <time className="tx-time" dateTime={new Date(e.wall).toISOString()} title={`${formatWallTime(e.wall)} UTC`}>
                {formatRelative(e.t)}
              </time>
              <span className={e.tls ? 'tx-tls on' : 'tx-tls'} title={e.tls ? 'inside TLS' : 'plaintext'}>
                {e.tls ? 'TLS' : ''}
                <span className="visually-hidden">{e.tls ? '' : 'plaintext'}</span>
              </span>
              <span className="tx-dir" title={DIRECTION[e.dir].label}>
                {DIRECTION[e.dir].mark}
                <span className="visually-hidden"> {DIRECTION[e.dir].label}</span>
              </span>
              <span className="tx-text">{e.text}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
