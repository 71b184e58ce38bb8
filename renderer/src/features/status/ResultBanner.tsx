import type { ErrorDto } from '../../../../shared/ipc/contract.js';
import { describeTarget } from '../../../../shared/transcript-format.js';
import { useAppStore } from '../../store/index.js';

/** The outcome of the last operation: ok, or the error code, message and the server's raw reply. */
export function ResultBanner() {
  const session = useAppStore((s) => s.session);
  if (session.status === 'idle') return null;

  if (session.status === 'running') {
    return (
      <div className="banner running" role="status" data-result="running">
        Probing…
      </div>
    );
  }

  const record = session.record;
  const error = session.error ?? (record && !record.result.ok ? record.result.error : undefined);
  if (record && record.result.ok && !session.error) {
    return (
      <div className="banner ok" role="status" data-result="ok">
        <strong>OK</strong>
        <span>
          {record.operation} of {describeTarget(record)} in {formatDuration(record.durationMs)}
          {record.result.verdict ? `; verdict: ${record.result.verdict}` : ''}
        </span>
        {record.tlsSkipped ? <p className="hint">TLS was not used: {record.tlsSkipped}</p> : null}
      </div>
    );
  }
  return <ErrorBanner error={error ?? { code: 'internal', message: 'The operation failed without saying why.' }} target={record ? describeTarget(record) : undefined} />;
}

function ErrorBanner({ error, target }: { error: ErrorDto; target: string | undefined }) {
  const reply = [error.replyCode, error.enhancedCode, error.replyText].filter((p) => p !== undefined && p !== '').join(' ');
  return (
    <div className="banner error" role="alert" data-result="error" data-error-code={error.code}>
      <strong>Error</strong> <code className="error-code">{error.code}</code>
      <span className="error-message">{error.message}</span>
      {target ? <p className="hint">Target: {target}</p> : null}
      {error.command ? (
        <p>
          In answer to: <code>{error.command}</code>
        </p>
      ) : null}
      {reply ? (
        <pre className="raw-reply" aria-label="Server reply">
          {reply}
        </pre>
      ) : null}
      {error.raw ? (
        <pre className="raw-reply" aria-label="Raw bytes">
          {error.raw}
        </pre>
      ) : null}
      {error.issues?.length ? (
        <ul className="issues">
          {error.issues.map((i) => (
            <li key={`${i.path}:${i.message}`}>
              <code>{i.path}</code>: {i.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
