import type { ErrorDto } from '../../../shared/ipc/contract.js';
import { explainErrorCode } from '../../../shared/explain/outcomes.js';
import { IssueList, replySummary } from '../app/error-parts.js';
import { ErrorFacts } from './ErrorFacts.js';

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
        <ErrorFacts error={error} reply={reply} codeNote={plain.text} codeClassName="error-code" />
      </details>
    </div>
  );
}
