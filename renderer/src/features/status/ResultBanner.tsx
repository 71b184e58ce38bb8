import type { ErrorDto } from '../../../../shared/ipc/contract.js';
import { explainEnhanced } from '../../../../shared/explain/enhanced-codes.js';
import { explainErrorCode, explainVerdict } from '../../../../shared/explain/outcomes.js';
import { explainReplyCode } from '../../../../shared/explain/reply-codes.js';
import type { SessionRecord } from '../../../../shared/session-record.js';
import { describeTarget } from '../../../../shared/transcript-format.js';
import { useEffect, useState } from 'react';
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
  return <ResultView status={status} activity={activity} record={record} error={error} />;
}

export interface ResultViewProps {
  status: 'idle' | 'running' | 'done';
  /** What runs (or ran): "probe", "send", … */
  activity?: string;
  record?: SessionRecord;
  /** The request itself failed (no record from it). */
  error?: ErrorDto;
}

/** The banner for a given state (no store access). */
export function ResultView({ status, activity, record, error: requestError }: ResultViewProps) {
  if (status === 'idle') return null;
  if (status === 'running') return <LiveStatus activity={activity} />;
  const error = requestError ?? (record && !record.result.ok ? record.result.error : undefined);
  if (record && record.result.ok && !requestError) return <OkBanner record={record} />;
  return (
    <ErrorBanner
      error={error ?? { code: 'internal', message: 'The operation failed without saying why.' }}
      record={requestError ? undefined : record}
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
  const body = progress?.bytesSent !== undefined && progress.totalBytes !== undefined ? { sent: progress.bytesSent, total: progress.totalBytes } : undefined;
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

function OkBanner({ record }: { record: SessionRecord }) {
  return (
    <div className="banner ok result-banner" role="status" data-result="ok">
      <strong>OK</strong>
      <span className="result-summary">
        {record.operation} of <span className="mono">{describeTarget(record)}</span> in {formatDuration(record.durationMs)}
      </span>
      <Verdict record={record} />
      {record.tlsSkipped ? (
        <p className="result-warning">
          <span className="badge warn">no TLS</span> TLS was not used: {record.tlsSkipped}.
        </p>
      ) : null}
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

function ErrorBanner({ error, record }: { error: ErrorDto; record: SessionRecord | undefined }) {
  const words = explainErrorCode(error.code);
  const reply = error.replyCode !== undefined ? explainReplyCode(error.replyCode) : undefined;
  const enhanced = error.enhancedCode ? explainEnhanced(error.enhancedCode) : null;
  const replyLines = formatReplyLines(error.replyCode, error.enhancedCode, error.replyText);
  const hasRaw = replyLines !== '' || !!error.command || !!error.raw || !!error.stage;
  // A partial delivery is not a failure of everything: amber, as the outcome grid shows it, not red; an outcome
  // nobody knows (the message may have been delivered, or the session was interrupted) is amber-grey.
  const verdict = record?.result.verdict;
  const tone =
    verdict === 'partial' ? 'warn' : verdict === 'unknown' || error.code === 'delivery-unknown' || error.code === 'interrupted' ? 'unknown' : 'error';
  return (
    <div className={`banner ${tone} result-banner`} role="alert" data-result="error" data-error-code={error.code}>
      <strong className="result-title">{words.title}</strong>
      <code className="error-code">{error.code}</code>
      <p className="error-message">{error.message}</p>
      {record ? (
        <p className="hint">
          {record.operation} of <span className="mono">{describeTarget(record)}</span> after {formatDuration(record.durationMs)}
        </p>
      ) : null}
      {record ? <Verdict record={record} /> : null}
      {error.replyCode !== undefined || error.enhancedCode ? (
        <p className="result-reply">
          The server answered{' '}
          <ReplyCode code={error.replyCode} enhancedCode={error.enhancedCode} text={error.replyText} context={error.command} />
          {reply?.valid ? `: ${reply.title.charAt(0).toLowerCase()}${reply.title.slice(1)}` : ''}
          {enhanced?.detailKnown && enhanced.detailName.toLowerCase() !== reply?.title.toLowerCase()
            ? ` (${enhanced.detailName.charAt(0).toLowerCase()}${enhanced.detailName.slice(1)})`
            : ''}
          .{' '}
          <span className="subtle">{enhanced?.detailKnown ? enhanced.detailText : reply?.meaning}</span>
        </p>
      ) : (
        <p className="hint">{words.text}</p>
      )}
      <IssueList error={error} />
      {error.hint ? <TlsHint hint={error.hint} suggestTls={error.suggestTls} /> : null}
      {hasRaw ? (
        <details className="result-raw">
          <summary>Show raw reply</summary>
          <dl className="kv">
            {error.command ? (
              <>
                <dt>In answer to</dt>
                <dd>
                  <code>{error.command}</code>
                </dd>
              </>
            ) : null}
            {error.stage ? (
              <>
                <dt>Stage</dt>
                <dd>
                  <code>{error.stage}</code>
                </dd>
              </>
            ) : null}
            {replyLines ? (
              <>
                <dt>Reply</dt>
                <dd>
                  <pre className="raw-reply" aria-label="Server reply">
                    {replyLines}
                  </pre>
                </dd>
              </>
            ) : null}
            {error.raw ? (
              <>
                <dt>Raw bytes</dt>
                <dd>
                  <pre className="raw-reply" aria-label="Raw bytes">
                    {error.raw}
                  </pre>
                </dd>
              </>
            ) : null}
          </dl>
        </details>
      ) : null}
    </div>
  );
}
