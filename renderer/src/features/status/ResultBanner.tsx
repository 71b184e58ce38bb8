import type { ErrorDto } from '../../../../shared/ipc/contract.js';
import { ErrorFacts } from '../../components/ErrorFacts.js';
import { explainEnhanced } from '../../../../shared/explain/enhanced-codes.js';
import { explainVerdict } from '../../../../shared/explain/outcomes.js';
import { explainReplyCode } from '../../../../shared/explain/reply-codes.js';
import type { SessionRecord } from '../../../../shared/session-record.js';
import { describeTarget } from '../../../../shared/transcript-format.js';
import { useEffect, useState } from 'react';
import { adviseError, appHint, type AdviceAction } from '../../../../shared/explain/error-advice.js';
import { stripEnhancedCode } from '../../../../shared/explain/reply-text.js';
import { recordStatus, STATUS_WORDS } from '../../../../shared/session-status.js';
import { useAppStore } from '../../store/index.js';
import { bytesWords, elapsedWords, stageWords } from './live-status.js';
import { ReplyCode } from '../explain/ReplyCode.js';
import { formatReplyLines, formatDuration, runningLabel } from './result-format.js';
import '../explain/explain.css';
import './status.css';
import { IssueList } from '../../app/error-parts.js';

/** The outcome of the last operation of this window: running, OK (with the verdict), or the error in plain words. */
export function ResultBanner() {
  const status = useAppStore((s) => s.session.status);
  const activity = useAppStore((s) => s.session.activity);
  const record = useAppStore((s) => s.session.record);
  const error = useAppStore((s) => s.session.error);
  const dismissed = useAppStore((s) => s.session.noticeDismissed === true);
  // An error is about the forms as they were: editing either (the host, the password) clears it.
  const edited = useAppStore(
    (s) => s.session.formAt !== undefined && (s.session.formAt.connection !== s.connection || s.session.formAt.auth !== s.auth),
  );
  const dismiss = useAppStore((s) => s.dismissNotice);
  if (status === 'done' && dismissed) return null;
  const failed = error !== undefined || (record !== undefined && !record.result.ok);
  if (status === 'done' && failed && edited) return null;
  return <ResultView status={status} activity={activity} record={record} error={error} onDismiss={dismiss} />;
}

export interface ResultViewProps {
  status: 'idle' | 'running' | 'done';
  /** What runs (or ran): "probe", "send", … */
  activity?: string;
  record?: SessionRecord;
  /** The request itself failed (no record from it). */
  error?: ErrorDto;
  /** Close the banner (the outcome stays in the Overview). */
  onDismiss?: () => void;
}

/** The banner for a given state (no store access). */
export function ResultView({ status, activity, record, error: requestError, onDismiss }: ResultViewProps) {
  if (status === 'idle') return null;
  if (status === 'running') return <LiveStatus activity={activity} />;
  const error = requestError ?? (record && !record.result.ok ? record.result.error : undefined);
  if (record && record.result.ok && !requestError) return <OkBanner record={record} onDismiss={onDismiss} />;
  return (
    <ErrorBanner
      error={error ?? { code: 'internal', message: 'The operation failed without saying why.' }}
      record={requestError ? undefined : record}
      onDismiss={onDismiss}
    />
  );
}

/**
 * While a session runs: where it is ("Waiting for the greeting…"), how long it has waited of how long it may (ticking
 * here between main's reports), a bar for a message body, Cancel, and a hint after some silence — with one click that
 * switches the TLS mode and runs the same thing again.
 */
function LiveStatus({ activity }: { activity: string | undefined }) {
  const progress = useAppStore((s) => s.session.progress);
  const cancelling = useAppStore((s) => s.session.cancelling);
  const cancel = useAppStore((s) => s.cancelSession);
  const retry = useAppStore((s) => s.switchTlsAndRetry);
  const currentTls = useAppStore((s) => s.connection.tls);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, []);
  const stage = progress?.stage;
  const elapsed = progress ? progress.elapsedMs + Math.max(0, now - progress.receivedAt) : undefined;
  const body =
    progress?.bytesSent !== undefined && progress.totalBytes !== undefined
      ? { sent: progress.bytesSent, total: progress.totalBytes }
      : undefined;
  const hint = progress?.hint;
  return (
    <div className="banner running result-banner live-status" data-result="running" data-stage={stage?.name ?? 'starting'}>
      <span className="result-spinner" aria-hidden="true" />
      <strong role="status" className="live-stage">
        {cancelling ? 'Cancelling…' : stageWords(stage, runningLabel(activity))}
      </strong>
      {elapsed !== undefined && stage && stage.name !== 'body' ? (
        <span className="live-elapsed subtle" data-elapsed-ms={Math.round(elapsed)}>
          {elapsedWords(elapsed, stage.timeoutMs)}
        </span>
      ) : null}
      {body ? (
        <span className="live-body">
          <progress max={body.total} value={body.sent} aria-label="Message body sent" />
          <span className="subtle">{bytesWords(body.sent, body.total)}</span>
        </span>
      ) : null}
      <span className="spacer" />
      <button type="button" className="small" disabled={cancelling} onClick={() => void cancel()}>
        {cancelling ? 'Cancelling…' : 'Cancel'}
      </button>
      {hint ? (
        <p className="result-hint live-hint" data-hint>
          <span className="badge accent">hint</span> {hint.text}
          {hint.suggestTls && hint.suggestTls !== currentTls ? (
            <>
              {' '}
              <button type="button" className="small" disabled={cancelling} onClick={() => void retry(hint.suggestTls!)}>
                {TLS_RETRY[hint.suggestTls]}
              </button>
            </>
          ) : null}
        </p>
      ) : null}
    </div>
  );
}

const TLS_RETRY: Record<NonNullable<ErrorDto['suggestTls']>, string> = {
  off: 'Retry without TLS',
  starttls: 'Retry with STARTTLS',
  'starttls-optional': 'Retry with STARTTLS if offered',
  implicit: 'Retry with implicit TLS',
};

/** The one thing to do about an error: focus the field to fix, or switch the TLS mode and run it again. */
function AdviceButton({ action }: { action: AdviceAction }) {
  const retry = useAppStore((s) => s.switchTlsAndRetry);
  const currentTls = useAppStore((s) => s.connection.tls);
  if (action.kind === 'switch-tls') {
    if (action.tls === currentTls) return null;
    return (
      <p className="result-action">
        <button type="button" className="small" onClick={() => void retry(action.tls)}>
          {action.label}
        </button>
      </p>
    );
  }
  const focus = () => {
    const input = document.querySelector<HTMLInputElement>(
      `.sidebar [data-field="${action.field === 'password' ? 'secret' : action.field}"] input`,
    );
    input?.focus();
    input?.select();
  };
  return (
    <p className="result-action">
      <button type="button" className="small" onClick={focus}>
        {action.label}
      </button>
    </p>
  );
}

function Verdict({ record }: { record: SessionRecord }) {
  const verdict = record.result.verdict;
  if (!verdict) return null;
  const words = explainVerdict(verdict, record.recipients);
  const tone = verdict === 'delivered' ? 'ok' : verdict === 'partial' ? 'warn' : verdict === 'unknown' ? 'unknown' : 'error';
  return (
    <p className="result-verdict" data-verdict={verdict}>
      <span className={`badge ${tone}`}>{words.title}</span> {words.text}
    </p>
  );
}

function Dismiss({ onDismiss }: { onDismiss: (() => void) | undefined }) {
  if (!onDismiss) return null;
  return (
    <button
      type="button"
      className="small link banner-close"
      aria-label="Dismiss this notice"
      title="Dismiss (the result stays in the Overview)"
      onClick={onDismiss}
    >
      ✕
    </button>
  );
}

function OkBanner({ record, onDismiss }: { record: SessionRecord; onDismiss: (() => void) | undefined }) {
  const status = recordStatus(record);
  return (
    <div className="banner ok result-banner compact" role="status" data-result="ok">
      <strong>{status === 'delivered' ? 'Delivered' : 'OK'}</strong>
      <span className="result-summary">
        {record.operation} of <span className="mono">{describeTarget(record)}</span> in {formatDuration(record.durationMs)}
        {record.result.verdict && status !== 'delivered' ? ` · ${STATUS_WORDS[status]}` : ''}
      </span>
      {record.tlsSkipped ? (
        <span className="result-warning">
          <span className="badge warn">no TLS</span> TLS was not used: {record.tlsSkipped}.
        </span>
      ) : null}
      <span className="spacer" />
      <Dismiss onDismiss={onDismiss} />
    </div>
  );
}

const TLS_SWITCH: Record<NonNullable<ErrorDto['suggestTls']>, string> = {
  off: 'Switch to no TLS',
  starttls: 'Switch to STARTTLS',
  'starttls-optional': 'Switch to STARTTLS if offered',
  implicit: 'Switch to implicit TLS',
};

/** What to try next, and for a TLS mode that would fit the port better, a button that sets it in the form. */
function TlsHint({ hint, suggestTls }: { hint: string; suggestTls: ErrorDto['suggestTls'] }) {
  const setField = useAppStore((s) => s.setConnectionField);
  const current = useAppStore((s) => s.connection.tls);
  return (
    <p className="result-hint" data-hint>
      <span className="badge accent">hint</span> {hint}
      {suggestTls && suggestTls !== current ? (
        <>
          {' '}
          <button type="button" className="small" onClick={() => setField('tls', suggestTls)}>
            {TLS_SWITCH[suggestTls]}
          </button>
        </>
      ) : null}
    </p>
  );
}

/** Field paths of a refused request, as the forms label them. */
const FIELD_LABELS: Record<string, string> = {
  host: 'Host',
  port: 'Port',
  socketPath: 'Socket path',
  ehloName: 'EHLO name',
  'auth.user': 'User',
  'auth.secret': 'Password',
  'auth.mechanism': 'Mechanism',
};
const fieldLabel = (path: string): string => FIELD_LABELS[path] ?? path;

function ErrorBanner({
  error,
  record,
  onDismiss,
}: {
  error: ErrorDto;
  record: SessionRecord | undefined;
  onDismiss: (() => void) | undefined;
}) {
  const advice = adviseError(error);
  const reply = error.replyCode !== undefined ? explainReplyCode(error.replyCode) : undefined;
  const enhanced = error.enhancedCode ? explainEnhanced(error.enhancedCode) : null;
  const replyLines = formatReplyLines(error.replyCode, error.enhancedCode, error.replyText);
  const hasRaw = replyLines !== '' || !!error.command || !!error.raw || !!error.stage || !!error.message;
  // One tone per status: a partial delivery amber, an unknown outcome amber-grey, a cancelled run grey, not red.
  const status = record ? recordStatus(record) : error.code === 'cancelled' ? 'cancelled' : 'failed';
  const tone =
    status === 'partial'
      ? 'warn'
      : status === 'unknown'
        ? 'unknown'
        : status === 'cancelled' || status === 'interrupted'
          ? 'neutral'
          : 'error';
  const verdict = record?.result.verdict;
  const title =
    status === 'cancelled'
      ? 'Cancelled'
      : status === 'interrupted'
        ? 'Interrupted'
        : verdict
          ? explainVerdict(verdict, record?.recipients).title
          : advice.title;
  const invalid = error.code === 'invalid-input' && (error.issues?.length ?? 0) > 0;
  return (
    <div
      className={`banner ${tone} result-banner compact`}
      role="alert"
      data-result="error"
      data-error-code={error.code}
      data-status={status}
    >
      <div className="result-head">
        <strong className="result-title">{title}</strong>
        <code className="error-code" title="The error code (the CLI's exit code and the exports name it too)">
          {error.code}
        </code>
        {status === 'cancelled' ? (
          <span className="result-text">The connection was dropped; nothing more was sent.</span>
        ) : invalid ? (
          <span className="result-text">Fix the fields marked in the form:</span>
        ) : error.replyCode !== undefined || error.enhancedCode ? (
          <span className="result-text result-reply">
            The server answered{' '}
            <ReplyCode code={error.replyCode} enhancedCode={error.enhancedCode} text={error.replyText} context={error.command} />{' '}
            {stripEnhancedCode(error.replyText ?? '', error.enhancedCode).split('\n')[0]}
            <span className="subtle"> — {enhanced?.detailKnown ? enhanced.detailText : (reply?.meaning ?? advice.text)}</span>
          </span>
        ) : (
          <span className="result-text">{advice.text}</span>
        )}
        <span className="spacer" />
        <Dismiss onDismiss={onDismiss} />
      </div>
      {invalid ? <IssueList error={error} labelFor={fieldLabel} /> : null}
      {record && status === 'interrupted' ? <Verdict record={record} /> : null}
      {advice.action ? <AdviceButton action={advice.action} /> : null}
      {error.hint && advice.action?.kind !== 'switch-tls' ? <TlsHint hint={appHint(error.hint)} suggestTls={error.suggestTls} /> : null}
      {record ? (
        <p className="hint result-where">
          {record.operation} of <span className="mono">{describeTarget(record)}</span> after {formatDuration(record.durationMs)}
        </p>
      ) : null}
      {hasRaw ? (
        <details className="result-raw">
          <summary>{replyLines ? 'Show raw reply' : 'Show details'}</summary>
          <ErrorFacts error={error} reply={replyLines} codeNote={error.message} />
        </details>
      ) : null}
    </div>
  );
}
