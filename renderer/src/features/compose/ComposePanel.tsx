import { useId, useMemo, type KeyboardEvent } from 'react';
import { checkComposeForm, defaultEnvelope } from '../../lib/compose/form.js';
import { isSending } from '../../store/compose-slice.js';
import { describeForm } from '../../store/connection-form.js';
import { useAppStore } from '../../store/index.js';
import { AddressField } from './AddressField.js';
import { AttachmentsField } from './AttachmentsField.js';
import { BodyTabs } from './BodyTabs.js';
import { EnvelopeOptions } from './EnvelopeOptions.js';
import { HeadersEditor } from './HeadersEditor.js';
import { Reveal } from '../../app/Reveal.js';
import { PreviewPane } from './PreviewPane.js';
import { SendStatus } from './SendStatus.js';
import './compose.css';

/** Where a send goes: on the open session, or on a session of its own with the connection form's settings. */
function SendTarget() {
  const open = useAppStore((s) => s.session.open);
  const connection = useAppStore((s) => s.connection);
  const user = useAppStore((s) => s.auth.user.trim());
  if (open) return <p className="hint compose-target">Sends on the open session, which stays open afterwards.</p>;
  return (
    <p className="hint compose-target">
      Sends through a new session to <code>{describeForm(connection)}</code>
      {user ? (
        <>
          , authenticated as <code>{user}</code>
        </>
      ) : null}
      , closed after sending.
    </p>
  );
}

/**
 * Compose and send: addresses, subject, bodies, attachments, extra headers, envelope and extensions; a preview of
 * the exact message; the send with its progress, and the outcome per recipient.
 */
export function ComposePanel() {
  const form = useAppStore((s) => s.compose.form);
  // A boolean, not the send itself: its progress (ten times a second) must not re-render the whole form.
  const sending = useAppStore((s) => isSending(s.compose.send));
  const previewStatus = useAppStore((s) => s.compose.preview.status);
  // New results are brought into view: a preview made, a send that started or ended.
  const previewToken = useAppStore((s) =>
    s.compose.preview.status === 'done' ? (s.compose.preview.value ?? s.compose.preview.error) : undefined,
  );
  const sendToken = useAppStore((s) =>
    s.compose.send.stage === 'done' ? s.compose.send : s.compose.send.stage === 'connecting' ? 'connecting' : undefined,
  );
  const sessionBusy = useAppStore((s) => s.session.status === 'running');
  const setField = useAppStore((s) => s.setComposeField);
  const previewMessage = useAppStore((s) => s.previewMessage);
  const sendMessage = useAppStore((s) => s.sendMessage);
  const cancelSend = useAppStore((s) => s.cancelSend);
  const check = useMemo(() => checkComposeForm(form), [form]);
  const defaults = useMemo(() => defaultEnvelope(form), [form]);
  const id = useId();
  const busy = sending || sessionBusy;

  const onKeyDown = (e: KeyboardEvent<HTMLFormElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !busy) {
      e.preventDefault();
      void sendMessage();
    }
  };

  return (
    <section className="panel compose" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Compose and send</h2>
      <SendTarget />
      <form
        className="compose-form"
        aria-labelledby={`${id}-title`}
        noValidate
        onKeyDown={onKeyDown}
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy) void sendMessage();
        }}
      >
        <fieldset className="compose-addresses" disabled={sending}>
          <legend>Addresses</legend>
          <AddressField
            label="From"
            value={form.from}
            onChange={(v) => setField('from', v)}
            parsed={check.from}
            fieldError={form.from.trim() === '' ? undefined : check.fromError}
            multiple={false}
            placeholder="Ann Example <ann@example.net>"
          />
          <AddressField
            label="To"
            value={form.to}
            onChange={(v) => setField('to', v)}
            parsed={check.to}
            multiple
            placeholder="bob@example.org, Carol <carol@example.org>"
            hint="Separate addresses with commas or new lines."
          />
          <AddressField label="Cc" value={form.cc} onChange={(v) => setField('cc', v)} parsed={check.cc} multiple />
          <AddressField
            label="Bcc"
            value={form.bcc}
            onChange={(v) => setField('bcc', v)}
            parsed={check.bcc}
            multiple
            hint="Bcc recipients get the message through the envelope; the Bcc header is never written."
          />
          <AddressField label="Reply-To" value={form.replyTo} onChange={(v) => setField('replyTo', v)} parsed={check.replyTo} multiple />
        </fieldset>

        <div className="field">
          <label htmlFor={`${id}-subject`}>Subject</label>
          <input
            id={`${id}-subject`}
            type="text"
            disabled={sending}
            value={form.subject}
            aria-invalid={check.subjectError ? true : undefined}
            aria-describedby={check.subjectError ? `${id}-subject-error` : undefined}
            onChange={(e) => setField('subject', e.target.value)}
          />
          {check.subjectError ? (
            <p id={`${id}-subject-error`} className="field-error">
              {check.subjectError}
            </p>
          ) : null}
        </div>

        <BodyTabs
          text={form.text}
          html={form.html}
          onText={(v) => setField('text', v)}
          onHtml={(v) => setField('html', v)}
          disabled={sending}
        />
        <AttachmentsField disabled={sending} />
        <HeadersEditor problems={check.headers} disabled={sending} />
        <EnvelopeOptions check={check} defaults={defaults} disabled={sending} />

        <div className="compose-actions">
          {check.recipientsError && (form.to || form.cc || form.bcc || form.envelopeTo || form.from) ? (
            <p className="hint">{check.recipientsError}</p>
          ) : null}
          <button type="button" className="secondary" disabled={previewStatus === 'loading'} onClick={() => void previewMessage()}>
            {previewStatus === 'loading' ? 'Building preview…' : 'Preview'}
          </button>
          {sending ? (
            <button type="button" className="secondary" onClick={() => void cancelSend()}>
              Cancel sending
            </button>
          ) : null}
          <button type="submit" className="primary" disabled={busy} aria-busy={sending || undefined} title="Ctrl+Enter">
            {sending ? 'Sending…' : 'Send'}
          </button>
        </div>
      </form>
      <Reveal token={sendToken}>
        <SendStatus />
      </Reveal>
      <Reveal token={previewToken}>
        <PreviewPane />
      </Reveal>
    </section>
  );
}
