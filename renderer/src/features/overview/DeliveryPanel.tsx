import { useId } from 'react';
import type { SessionRecord } from '../../../../shared/session-record.js';
import { recordStatus, STATUS_MEANINGS, STATUS_TONES, STATUS_WORDS } from '../../../../shared/session-status.js';
import { formatBytes } from '../../lib/compose/attachments.js';
import { outcomeRows, verdictSummary } from '../../lib/compose/outcome.js';
import { OutcomeGrid } from '../compose/OutcomeView.js';
import { ReplyCode } from '../explain/ReplyCode.js';

/** Whether a record sent (or tried to send) a message: it then has a Delivery panel. */
export const hasDelivery = (record: SessionRecord): boolean =>
  record.message !== undefined || (record.recipients?.length ?? 0) > 0 || record.operation === 'send';

/**
 * What became of the message of a session, as it was when sent and as it reopens from the history: the envelope,
 * size and Message-ID, the per-recipient grid (RCPT reply, the reply after the data — shared, LMTP's or PRDR's —,
 * enhanced codes, delivered / temporary / permanent / unknown), and the verdict in the words every view uses.
 */
export function DeliveryPanel({ record }: { record: SessionRecord }) {
  const id = useId();
  const status = recordStatus(record);
  const summary = verdictSummary(record, record.result.ok ? undefined : record.result.error);
  const rows = outcomeRows(record);
  const message = record.message;
  const batch = record.batch;
  return (
    <section className="panel delivery-panel" aria-labelledby={`${id}-heading`} data-delivery={status}>
      <h2 id={`${id}-heading`}>
        Delivery{' '}
        <span className={`status-pill ${status}`} title={STATUS_MEANINGS[status]} data-status-word={STATUS_WORDS[status]}>
          {STATUS_WORDS[status]}
        </span>
      </h2>
      <p className={`delivery-verdict tone-${STATUS_TONES[status]}`}>
        <strong>{summary.title}</strong>
        {summary.detail ? <span> {summary.detail}</span> : null}
      </p>
      {message ? (
        <dl className="kv delivery-facts">
          <dt>Envelope from</dt>
          <dd className="mono">
            &lt;{message.envelopeFrom}&gt;{message.mailParams.length ? ` ${message.mailParams.join(' ')}` : ''}
          </dd>
          <dt>Envelope to</dt>
          <dd className="mono">{message.envelopeTo.map((a) => `<${a}>`).join(', ') || '—'}</dd>
          <dt>Message</dt>
          <dd>
            {formatBytes(message.size)}{' '}
            <span className="subtle">
              ({message.wireBytes.toLocaleString('en')} bytes on the wire, by {message.method})
            </span>
          </dd>
          {message.messageId ? (
            <>
              <dt>Message-ID</dt>
              <dd className="mono">{message.messageId}</dd>
            </>
          ) : null}
          {message.prdr ? (
            <>
              <dt>PRDR</dt>
              <dd>
                <ReplyCode
                  code={message.prdr.intro.code}
                  enhancedCode={message.prdr.intro.enhancedCode}
                  text={message.prdr.intro.text}
                  context="after the data (PRDR)"
                />{' '}
                <span className="subtle">then one reply per recipient</span>
                {message.prdr.final ? (
                  <>
                    , final{' '}
                    <ReplyCode
                      code={message.prdr.final.code}
                      enhancedCode={message.prdr.final.enhancedCode}
                      text={message.prdr.final.text}
                      context="PRDR final reply"
                    />
                  </>
                ) : (
                  <span className="subtle">; the final reply never came</span>
                )}
              </dd>
            </>
          ) : null}
        </dl>
      ) : (
        <p className="hint">The message was not handed over: the session ended before MAIL FROM.</p>
      )}
      {batch ? (
        <p className="hint">
          Batch: {batch.attempted} messages — {batch.delivered} delivered, {batch.partial} partial, {batch.failed} failed
          {batch.unknown ? `, ${batch.unknown} unknown` : ''}
          {batch.stopped ? '; stopped at the first failure' : ''}. The grid shows the first message.
        </p>
      ) : null}
      {rows.length > 0 ? <OutcomeGrid rows={rows} /> : null}
    </section>
  );
}
