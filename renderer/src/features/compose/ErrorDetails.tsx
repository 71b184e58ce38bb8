import { explainErrorCode } from '../../../../shared/explain/outcomes.js';
import type { ErrorDto } from '../../../../shared/ipc/contract.js';
import { ReplyCode } from '../explain/ReplyCode.js';
import { IssueList, replySummary } from '../../app/error-parts.js';
import { ErrorFacts } from '../../components/ErrorFacts.js';
import { defined } from '../../../../shared/defined.js';

/**
 * An error where it happened: a title and the message in plain words, the fields at fault, and the server's raw
 * reply (with the command it answered and the error code) one click away.
 */
export function ErrorDetails({ title, error, labelFor }: { title: string; error: ErrorDto; labelFor?: (path: string) => string }) {
  const reply = replySummary(error);
  const plain = explainErrorCode(error.code);
  const hasDetails = reply !== '' || error.command !== undefined || error.raw !== undefined || error.stage !== undefined;
  // An outcome nobody knows is not a failure: amber-grey, like its row in the grid.
  const tone = error.code === 'delivery-unknown' || error.code === 'interrupted' ? 'unknown' : 'error';
  return (
    <div className={`compose-error banner ${tone}`} role="alert" data-error-code={error.code}>
      <strong>{title}</strong>
      <span className="error-message">{error.message}</span>
      <p className="hint">{plain.text}</p>
      <IssueList error={error} labelFor={labelFor} />
      <details className="error-details">
        <summary>{hasDetails ? 'Server reply and details' : 'Details'}</summary>
        <ErrorFacts
          error={error}
          reply={reply}
          more={
            error.replyCode !== undefined || error.enhancedCode ? (
              <>
                <dt>Reply code</dt>
                <dd>
                  <ReplyCode
                    {...defined({ code: error.replyCode })}
                    {...(error.enhancedCode ? { enhancedCode: error.enhancedCode } : {})}
                    {...defined({ text: error.replyText })}
                    {...(error.command ? { context: error.command } : {})}
                  />
                </dd>
              </>
            ) : null
          }
        />
      </details>
    </div>
  );
}
