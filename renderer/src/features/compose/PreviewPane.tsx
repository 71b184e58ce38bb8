import { formatBytes } from '../../lib/compose/attachments.js';
import { fieldLabel } from '../../lib/compose/form.js';
import { plannedTransaction, type PlannedParam } from '../../lib/compose/preview.js';
import { useAppStore } from '../../store/index.js';
import { ErrorDetails } from './ErrorDetails.js';

function Params({ params }: { params: PlannedParam[] }) {
  if (params.length === 0) return null;
  return (
    <>
      {params.map((p) => (
        <span
          key={p.param}
          className={p.optional ? 'param optional' : 'param'}
          title={`needs ${p.extension}${p.optional ? ' (left out when not advertised)' : ''}`}
        >
          {' '}
          {p.param}
        </span>
      ))}
    </>
  );
}

/**
 * The exact envelope and message the composer builds, before anything is sent: the MAIL FROM and RCPT TO lines with
 * their parameters, and the raw message (first 256 KB). Bcc is never in it.
 */
export function PreviewPane() {
  const preview = useAppStore((s) => s.compose.preview);
  if (preview.status === 'idle') return null;
  if (preview.status === 'loading' && !preview.value) {
    return (
      <section className="panel compose-preview" aria-label="Preview" aria-busy="true">
        <h3>Preview</h3>
        <p role="status">Building the message…</p>
      </section>
    );
  }
  if (preview.error) {
    return (
      <section className="panel compose-preview" aria-label="Preview">
        <h3>Preview</h3>
        <ErrorDetails title="The message could not be built" error={preview.error} labelFor={fieldLabel} />
      </section>
    );
  }
  const value = preview.value;
  const settings = preview.settings;
  if (!value || !settings) return null;
  const plan = plannedTransaction(value, settings);
  return (
    <section className="panel compose-preview" aria-label="Preview" aria-busy={preview.status === 'loading' || undefined}>
      <h3>Preview</h3>
      {preview.stale ? (
        <p className="notice" role="status">
          The form changed since this preview was made: preview again to see the message as it is now.
        </p>
      ) : null}
      <dl className="kv preview-facts">
        <dt>Size</dt>
        <dd>
          {formatBytes(value.size)}
          {value.size >= 1024 ? ` (${value.size.toLocaleString('en')} bytes)` : ''}
        </dd>
        <dt>Body</dt>
        <dd>{value.eightBit ? '8-bit (BODY=8BITMIME)' : '7-bit ASCII'}</dd>
        <dt>SMTPUTF8</dt>
        <dd>{value.needsSmtpUtf8 ? 'needed' : settings.smtpUtf8 ? 'asked for' : 'not needed'}</dd>
        <dt>Transfer</dt>
        <dd>{plan.method}</dd>
        {value.messageId ? (
          <>
            <dt>Message-ID</dt>
            <dd>
              <code>{value.messageId}</code> <span className="subtle">(a new one is made when sending)</span>
            </dd>
          </>
        ) : null}
      </dl>
      <h4>Envelope</h4>
      <pre className="viewer preview-envelope" aria-label="Envelope commands">
        <span>
          {plan.mailFrom}
          <Params params={plan.mailParams} />
        </span>
        {plan.rcpts.map((r, i) => (
          <span key={`${i}:${r.line}`}>
            {'\n'}
            {r.line}
            <Params params={r.params} />
          </span>
        ))}
      </pre>
      <p className="hint">SIZE is sent only when the server advertises it. {plan.missingExtensions}</p>
      <h4>Message</h4>
      <pre className="viewer preview-raw" tabIndex={0} aria-label="Raw message">
        {value.raw}
      </pre>
      {value.truncated ? <p className="hint">Only the first 256 KB are shown; the message is {formatBytes(value.size)}.</p> : null}
      <p className="hint">Date, Message-ID and MIME boundaries are made afresh when the message is sent.</p>
    </section>
  );
}
