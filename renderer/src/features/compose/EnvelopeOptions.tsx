import { useId, useState } from 'react';
import type { ComposeCheck, ComposeForm, DsnNotifyMode } from '../../lib/compose/form.js';
import { useAppStore } from '../../store/index.js';
import { AddressField } from './AddressField.js';

interface EnvelopeOptionsProps {
  check: ComposeCheck;
  /** The envelope the composer would derive (shown as the default). */
  defaults: { from: string; to: string[] };
  disabled?: boolean;
}

const NOTIFY_MODES: { value: DsnNotifyMode; label: string }[] = [
  { value: 'default', label: "Server's default" },
  { value: 'never', label: 'Never' },
  { value: 'events', label: 'On these events:' },
];

/** The envelope override and the SMTP extensions a send can ask for: DSN, SMTPUTF8, UTF-8 headers, BDAT, forcing. */
export function EnvelopeOptions({ check, defaults, disabled }: EnvelopeOptionsProps) {
  const form = useAppStore((s) => s.compose.form);
  const setField = useAppStore((s) => s.setComposeField);
  const setDsn = useAppStore((s) => s.setDsnField);
  const id = useId();
  const f = (name: string) => `${id}-${name}`;
  const changed = isChanged(form);
  // Open at first when something here is set; then as the user leaves it (never collapsed under their hands).
  const [open, setOpen] = useState(changed);
  const envelopeFromProblems = check.envelopeFrom ? { entries: [check.envelopeFrom], hasErrors: false } : { entries: [], hasErrors: false };

  return (
    <details className="options compose-options" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        Envelope, DSN and extensions{changed ? <span className="summary-note subtle">changed from the defaults</span> : null}
      </summary>
      <div className="options-body">
        <fieldset disabled={disabled}>
          <legend>Envelope</legend>
          <p className="hint">
            By default the envelope comes from the headers, as the message's Sender or From and its To, Cc and Bcc (Bcc reaches its
            recipients through the envelope only). Give addresses here to send to or from others instead.
          </p>
          <AddressField
            label="MAIL FROM"
            value={form.envelopeFrom}
            onChange={(v) => setField('envelopeFrom', v)}
            parsed={envelopeFromProblems}
            multiple={false}
            placeholder={defaults.from ? `${defaults.from} (from From)` : 'taken from From'}
            hint="Blank: the From address. <> is the null sender (as bounces use)."
          />
          <AddressField
            label="RCPT TO"
            value={form.envelopeTo}
            onChange={(v) => setField('envelopeTo', v)}
            parsed={check.envelopeTo ?? { entries: [], hasErrors: false }}
            multiple
            placeholder={defaults.to.length ? defaults.to.join(', ') : 'To, Cc and Bcc'}
            hint="Blank: To, Cc and Bcc together. Addresses alone, without names."
          />
        </fieldset>

        <fieldset disabled={disabled} className="compose-dsn">
          <legend>Delivery status notifications (DSN)</legend>
          <p className="hint">Sent only if the server advertises DSN (unless parameters are forced below).</p>
          <div className="row">
            <div className="field">
              <label htmlFor={f('ret')}>Return (RET)</label>
              <select id={f('ret')} value={form.dsn.ret} onChange={(e) => setDsn('ret', e.target.value as ComposeForm['dsn']['ret'])}>
                <option value="">Server's default</option>
                <option value="FULL">Full message (FULL)</option>
                <option value="HDRS">Headers only (HDRS)</option>
              </select>
            </div>
            <div className="field grow">
              <label htmlFor={f('envid')}>Envelope id (ENVID)</label>
              <input
                id={f('envid')}
                type="text"
                spellCheck={false}
                autoComplete="off"
                value={form.dsn.envid}
                aria-invalid={check.envidError ? true : undefined}
                aria-describedby={check.envidError ? f('envid-error') : undefined}
                onChange={(e) => setDsn('envid', e.target.value)}
              />
              {check.envidError ? (
                <p id={f('envid-error')} className="field-error">
                  {check.envidError}
                </p>
              ) : null}
            </div>
          </div>
          <div className="field">
            <span className="label" id={f('notify-label')}>
              Notify (NOTIFY, on every RCPT TO)
            </span>
            <div className="segmented" role="radiogroup" aria-labelledby={f('notify-label')}>
              {NOTIFY_MODES.map((m) => (
                <label key={m.value}>
                  <input
                    type="radio"
                    name={f('notify')}
                    value={m.value}
                    checked={form.dsn.notify === m.value}
                    onChange={() => setDsn('notify', m.value)}
                  />
                  {m.label}
                </label>
              ))}
            </div>
            <div className="segmented notify-events" role="group" aria-label="Notify on">
              {(['success', 'failure', 'delay'] as const).map((event) => (
                <label key={event}>
                  <input
                    type="checkbox"
                    checked={form.dsn[event]}
                    disabled={form.dsn.notify !== 'events'}
                    onChange={(e) => setDsn(event, e.target.checked)}
                  />
                  {event}
                </label>
              ))}
            </div>
            {check.notifyError ? (
              <p id={f('notify-error')} className="field-error">
                {check.notifyError}
              </p>
            ) : null}
          </div>
          <div className="field checkbox">
            <input id={f('orcpt')} type="checkbox" checked={form.dsn.orcpt} onChange={(e) => setDsn('orcpt', e.target.checked)} />
            <label htmlFor={f('orcpt')}>Send the original recipient (ORCPT) with each RCPT TO</label>
          </div>
        </fieldset>

        <fieldset disabled={disabled} className="compose-extensions">
          <legend>Extensions</legend>
          <div className="field checkbox">
            <input
              id={f('smtputf8')}
              type="checkbox"
              checked={form.smtpUtf8}
              aria-describedby={f('smtputf8-hint')}
              onChange={(e) => setField('smtpUtf8', e.target.checked)}
            />
            <label htmlFor={f('smtputf8')}>Ask for SMTPUTF8</label>
            <p id={f('smtputf8-hint')} className="hint">
              {check.utf8Reasons.length
                ? `SMTPUTF8 will be asked for anyway: ${check.utf8Reasons.join('; ')}.`
                : 'Internationalised mail (RFC 6531). It is also asked for on its own when an address needs it.'}
            </p>
          </div>
          <div className="field checkbox">
            <input
              id={f('utf8headers')}
              type="checkbox"
              checked={form.utf8Headers}
              aria-describedby={f('utf8headers-hint')}
              onChange={(e) => setField('utf8Headers', e.target.checked)}
            />
            <label htmlFor={f('utf8headers')}>UTF-8 headers</label>
            <p id={f('utf8headers-hint')} className="hint">
              Write non-ASCII header text as raw UTF-8 (RFC 6532, needs SMTPUTF8) instead of encoded words (RFC 2047).
            </p>
          </div>
          <div className="row">
            <div className="field">
              <label htmlFor={f('bdat')}>BDAT (CHUNKING)</label>
              <select id={f('bdat')} value={form.bdat} onChange={(e) => setField('bdat', e.target.value as ComposeForm['bdat'])}>
                <option value="auto">When advertised</option>
                <option value="off">Never (always DATA)</option>
                <option value="on">Always</option>
              </select>
            </div>
          </div>
          <div className="field checkbox">
            <input
              id={f('prdr')}
              type="checkbox"
              checked={form.prdr}
              aria-describedby={f('prdr-hint')}
              onChange={(e) => setField('prdr', e.target.checked)}
            />
            <label htmlFor={f('prdr')}>Ask for PRDR</label>
            <p id={f('prdr-hint')} className="hint">
              Per-recipient replies after the data (draft-hall-prdr), when the server advertises PRDR: each recipient can be accepted or
              refused on its own after the content is seen.
            </p>
          </div>
          <div className="field checkbox">
            <input
              id={f('force')}
              type="checkbox"
              checked={form.forceParams}
              aria-describedby={f('force-hint')}
              onChange={(e) => setField('forceParams', e.target.checked)}
            />
            <label htmlFor={f('force')}>Force parameters</label>
            <p id={f('force-hint')} className="hint">
              Send BODY, SMTPUTF8, DSN parameters and BDAT even when the server does not advertise them — to see how it reacts. Otherwise
              such a send stops before MAIL FROM with "not supported".
            </p>
          </div>
        </fieldset>
      </div>
    </details>
  );
}

function isChanged(form: ComposeForm): boolean {
  const d = form.dsn;
  return (
    form.envelopeFrom.trim() !== '' ||
    form.envelopeTo.trim() !== '' ||
    d.ret !== '' ||
    d.envid.trim() !== '' ||
    d.notify !== 'default' ||
    d.orcpt ||
    form.smtpUtf8 ||
    form.utf8Headers ||
    form.bdat !== 'auto' ||
    form.forceParams ||
    form.prdr
  );
}
