import type { ReplyInfo, SessionRecord } from '../../../../shared/session-record.js';
import { formatBytes } from '../../lib/compose/attachments.js';
import { outcomeRows, verdictSummary, type OutcomeRow } from '../../lib/compose/outcome.js';
import type { ErrorDto } from '../../../../shared/ipc/contract.js';
import { ReplyCode } from '../explain/ReplyCode.js';
import './compose.css';

/** The reply's text without the enhanced code it starts with (shown as a code already). */
function replyText(reply: ReplyInfo): string {
  const enhanced = reply.enhancedCode;
  return enhanced && reply.text.startsWith(`${enhanced} `) ? reply.text.slice(enhanced.length + 1) : reply.text;
}

/** A reply as the server sent it: code and enhanced code (explained on hover, in the side panel on click), text. */
function Reply({ reply, context }: { reply: ReplyInfo; context: string }) {
  return (
    <span className="reply">
      <ReplyCode
        code={reply.code}
        text={reply.text}
        context={context}
        {...(reply.enhancedCode ? { enhancedCode: reply.enhancedCode } : {})}
      />
      <span className="reply-text"> {replyText(reply)}</span>
    </span>
  );
}

const TONE_CLASS = { ok: 'ok', partial: 'warn', error: 'error', unknown: 'unknown' } as const;

const STATUS_MARK: Record<OutcomeRow['status'], string> = {
  delivered: '✓',
  temporary: '↻',
  permanent: '✕',
  unknown: '?',
  'not-sent': '✕',
};

/** One row per recipient: the RCPT TO reply, the reply after the data, and what it means. */
export function OutcomeGrid({ rows }: { rows: OutcomeRow[] }) {
  const sharedData = rows.length > 0 && !rows[0]!.perRecipientData;
  return (
    <table className="data outcome-grid" aria-label="Recipients">
      <thead>
        <tr>
          <th scope="col">Recipient</th>
          <th scope="col">RCPT TO reply</th>
          <th scope="col">{sharedData ? 'Reply after the data' : 'Reply after the data (per recipient)'}</th>
          <th scope="col">Result</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => (
          <tr key={`${i}:${row.address}`} className={`outcome ${row.status}`} data-status={row.status}>
            <th scope="row">
              <code>{row.address}</code>
            </th>
            <td>
              <Reply reply={row.rcpt} context={`RCPT TO:<${row.address}>`} />
            </td>
            <td>
              {row.data ? (
                <Reply reply={row.data} context={row.perRecipientData ? `After the data, for <${row.address}>` : 'After the data'} />
              ) : (
                <span className="subtle">{row.accepted ? '—' : 'not reached'}</span>
              )}
            </td>
            <td>
              <span className={`outcome-status ${row.status}`}>
                <span aria-hidden="true">{STATUS_MARK[row.status]} </span>
                {row.label}
              </span>
              <p className="hint">{row.explanation}</p>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The overall verdict of a send and the grid of recipients. */
export function OutcomeView({ record, error, hideDetail }: { record: SessionRecord; error?: ErrorDto | undefined; hideDetail?: boolean }) {
  const rows = outcomeRows(record);
  const summary = verdictSummary(record, error);
  const message = record.message;
  return (
    <section className="compose-outcome" aria-label="Delivery outcome">
      <div className={`banner verdict ${TONE_CLASS[summary.tone]}`} role="status" data-verdict={summary.verdict}>
        <strong>{summary.title}</strong>
        {summary.detail && !hideDetail ? <span>{summary.detail}</span> : null}
        {message ? (
          <p className="hint">
            {message.method} · {formatBytes(message.size)} ({message.wireBytes.toLocaleString('en')} bytes on the wire)
            {message.messageId ? (
              <>
                {' '}
                · Message-ID <code>{message.messageId}</code>
              </>
            ) : null}
            {message.mailParams.length ? (
              <>
                {' '}
                · MAIL FROM parameters <code>{message.mailParams.join(' ')}</code>
              </>
            ) : null}
          </p>
        ) : null}
      </div>
      {rows.length > 0 ? <OutcomeGrid rows={rows} /> : null}
    </section>
  );
}
