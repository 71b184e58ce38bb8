import { formatBytes } from '../../lib/compose/attachments.js';
import { fieldLabel } from '../../lib/compose/form.js';
import type { ComposeSendView, SendStep } from '../../store/compose-slice.js';
import { useAppStore } from '../../store/index.js';
import { ErrorDetails } from './ErrorDetails.js';
import { OutcomeView } from './OutcomeView.js';

const FAILED_TITLE: Record<SendStep, string> = {
  form: 'The message cannot be sent yet',
  connect: 'Could not open a session',
  authenticate: 'Authentication failed',
  send: 'The message was not sent',
};

function stageWords(send: ComposeSendView, activity: string | undefined): string {
  switch (send.stage) {
    case 'connecting':
      return activity === 'authenticate' ? 'Authenticating…' : 'Connecting…';
    case 'sending':
      return 'Sending…';
    case 'closing':
      return 'Closing the session…';
    default:
      return '';
  }
}

/** Where a send is (with a progress bar while the body is written), then its outcome or what stopped it. */
export function SendStatus() {
  const send = useAppStore((s) => s.compose.send);
  const activity = useAppStore((s) => s.session.activity);
  const cancelling = useAppStore((s) => s.session.cancelling);
  const clear = useAppStore((s) => s.clearSendResult);

  if (send.stage === 'idle') return null;
  if (send.stage !== 'done') {
    const p = send.progress;
    const percent = p && p.totalBytes > 0 ? Math.min(100, Math.round((p.bytesSent / p.totalBytes) * 100)) : undefined;
    return (
      <div className="compose-progress" aria-live="polite">
        <span role="status">
          {cancelling ? 'Cancelling…' : stageWords(send, activity)}
          {p && percent !== undefined ? ` ${percent}% (${formatBytes(p.bytesSent)} of ${formatBytes(p.totalBytes)})` : ''}
        </span>
        {send.stage === 'sending' ? (
          <progress
            className="send-progress"
            aria-label="Message sent so far"
            max={p?.totalBytes || undefined}
            value={p ? p.bytesSent : undefined}
          />
        ) : null}
      </div>
    );
  }

  // Partial delivery is an outcome, not a failure of the send: the grid says it.
  const partial = send.record?.result.verdict === 'partial' || send.error?.code === 'some-recipients-refused';
  const showRecordOutcome = send.record && (send.record.recipients?.length || send.failedStep === 'send');
  return (
    <div className="compose-result">
      {send.error && !partial ? (
        <ErrorDetails
          title={
            send.error.code === 'delivery-unknown'
              ? 'Whether the message was delivered is unknown'
              : FAILED_TITLE[send.failedStep ?? 'send']
          }
          error={send.error}
          {...(send.failedStep === 'form' ? { labelFor: fieldLabel } : {})}
        />
      ) : null}
      {showRecordOutcome && send.record ? <OutcomeView record={send.record} hideDetail={Boolean(send.error) && !partial} /> : null}
      {send.closeError ? <p className="hint">The session could not be closed cleanly afterwards: {send.closeError.message}</p> : null}
      <div className="compose-result-actions">
        <button type="button" className="link" onClick={clear}>
          Dismiss
        </button>
      </div>
    </div>
  );
}
