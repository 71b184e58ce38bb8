import type { ErrorDto } from '../../../shared/ipc/contract.js';
import { explainErrorCode } from '../../../shared/explain/outcomes.js';
import { IssueList, replySummary } from '../app/error-parts.js';

/**
 * An error where it happened: what failed in plain words, the message, and the raw details (code, the server's
 * reply, the bytes) one click away.
 */
export function ErrorNote({ error, what, onDismiss }: { error: ErrorDto; what?: string; onDismiss?: () => void }) {
  const plain = explainErrorCode(error.code);
  const reply = replySummary(error);
  return (
    <div className="inline-error-box banner error" role="alert" data-error-code={error.code}>
      <strong>{what ?? plain.title}</strong>
      <span className="error-message">{error.message}</span>
      {onDismiss ? (
        <button type="button" className="small link" onClick={onDismiss}>
          Dismiss
        </button>
      ) : null}
      <IssueList error={error} />
      <details>
        <summary>Details</summary>
        <dl className="kv">
          <dt>Code</dt>
          <dd>
            <code className="error-code">{error.code}</code> — {plain.text}
          </dd>
          {error.stage ? (
            <>
              <dt>Stage</dt>
              <dd>{error.stage}</dd>
            </>
          ) : null}
          {error.command ? (
            <>
              <dt>In answer to</dt>
              <dd>
                <code>{error.command}</code>
              </dd>
            </>
          ) : null}
          {reply ? (
            <>
              <dt>Server reply</dt>
              <dd>
                <pre className="raw-reply">{reply}</pre>
              </dd>
            </>
          ) : null}
          {error.raw ? (
            <>
              <dt>Raw bytes</dt>
              <dd>
                <pre className="raw-reply">{error.raw}</pre>
              </dd>
            </>
          ) : null}
        </dl>
      </details>
    </div>
  );
}
