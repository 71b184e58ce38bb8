import { useId, useMemo, useState } from 'react';
import type { Protocol, TlsMode } from '../../../../shared/session-record.js';
import {
  issuesByField,
  portHint,
  TLS_MODES,
  TLS_VERSIONS,
  validateConnection,
  type ConnectionForm as Form,
  type TlsVersion,
} from '../../store/connection-form.js';
import { useAppStore } from '../../store/index.js';
import { CheckField, fieldBinder, PemFileField, SelectField, TextField } from './fields.js';
import { describeRecent } from '../../store/recent-targets.js';
import { AuthFields } from '../auth/AuthFields.js';
import { TestServerShortcut } from '../test-server/TestServerShortcut.js';

const PROTOCOLS: readonly { value: Protocol; label: string }[] = [
  { value: 'smtp', label: 'SMTP' },
  { value: 'lmtp', label: 'LMTP' },
];

const VERSION_OPTIONS: readonly { value: TlsVersion | ''; label: string }[] = [
  { value: '', label: 'Default' },
  ...TLS_VERSIONS.map((v) => ({ value: v, label: v.replace('TLSv', 'TLS ') })),
];

/**
 * Where to connect and how: TCP host and port or a Unix socket, protocol, TLS mode and options, session options,
 * and authentication. Validated as the user types, with the message next to the field; required fields are
 * reported once the user tries to start.
 */
export function ConnectionForm() {
  const form = useAppStore((s) => s.connection);
  const attempted = useAppStore((s) => s.formAttempted);
  const running = useAppStore((s) => s.session.status === 'running' || s.session.open);
  const setField = useAppStore((s) => s.setConnectionField);
  const probe = useAppStore((s) => s.probe);

  const issues = useMemo(() => issuesByField(validateConnection(form, { required: attempted })), [form, attempted]);

  return (
    <form
      className="connection-form"
      aria-label="Connection"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!running) void probe();
      }}
    >
      <fieldset className="target sidebar-section" disabled={running}>
        <legend className="section-title">Server</legend>
        <RecentTargets />
        <TargetFields form={form} issues={issues} setField={setField} />
        <div className="row">
          <SelectField<Protocol>
            name="protocol"
            label="Protocol"
            value={form.protocol}
            options={PROTOCOLS}
            onChange={(v) => setField('protocol', v)}
          />
          <SelectField<TlsMode>
            name="tls"
            label="TLS"
            className="field grow"
            value={form.tls}
            options={TLS_MODES}
            onChange={(v) => setField('tls', v)}
          />
        </div>
        <TlsOptions form={form} issues={issues} setField={setField} />
        <SessionOptions form={form} issues={issues} setField={setField} />
      </fieldset>
      <AuthFields disabled={running} />
      <TestServerShortcut />
      {/* Enter in any field runs a probe. */}
      <button type="submit" className="visually-hidden" tabIndex={-1} aria-hidden="true">
        Probe
      </button>
    </form>
  );
}

type SetField = <K extends keyof Form>(field: K, value: Form[K]) => void;
interface SectionProps {
  form: Form;
  issues: Record<string, string>;
  setField: SetField;
}

function TargetFields({ form, issues, setField }: SectionProps) {
  const bind = fieldBinder(form, issues, setField);
  const name = useId();
  return (
    <>
      <div className="segmented" role="radiogroup" aria-label="Connect over">
        <label>
          <input type="radio" name={name} value="tcp" checked={form.target === 'tcp'} onChange={() => setField('target', 'tcp')} />
          TCP
        </label>
        <label>
          <input type="radio" name={name} value="socket" checked={form.target === 'socket'} onChange={() => setField('target', 'socket')} />
          Unix socket
        </label>
      </div>
      {form.target === 'tcp' ? (
        <>
          <div className="row">
            <TextField {...bind('host')} label="Host" className="field grow" placeholder="mail.example.net" />
            <TextField {...bind('port')} label="Port" className="field port" inputMode="numeric" />
          </div>
          <p className="hint port-hint">{portHint(form.protocol, form.tls)}</p>
        </>
      ) : (
        <TextField
          {...bind('socketPath')}
          label="Socket path"
          placeholder="/var/run/dovecot/lmtp"
          hint="The absolute path of a Unix-domain socket on this machine."
        />
      )}
    </>
  );
}

/** A summary note for a collapsed section: what differs from the defaults. */
function tlsNote(form: Form): string {
  const notes: string[] = [];
  if (!form.verify) notes.push('insecure');
  if (form.caPem) notes.push('CA');
  if (form.clientCertPem) notes.push('client cert');
  if (form.servername) notes.push('SNI');
  if (form.minVersion || form.maxVersion) notes.push('versions');
  if (form.ciphers) notes.push('ciphers');
  return notes.join(' · ');
}

function TlsOptions({ form, issues, setField }: SectionProps) {
  const bind = fieldBinder(form, issues, setField);
  const [confirmingInsecure, setConfirmingInsecure] = useState(false);
  const note = tlsNote(form);
  const errorInside = ['caPem', 'servername', 'maxVersion', 'ciphers', 'clientCertPem', 'clientKeyPem'].some((k) => issues[k]);
  return (
    <details className="options" open={errorInside || undefined}>
      <summary>TLS options{note ? <span className={`summary-note ${form.verify ? 'subtle' : 'badge warn'}`}>{note}</span> : null}</summary>
      <div className="options-body">
        <CheckField
          name="verify"
          label="Verify the server's certificate"
          checked={form.verify}
          onChange={(checked) => {
            if (checked) {
              setField('verify', true);
              setConfirmingInsecure(false);
            } else setConfirmingInsecure(true);
          }}
          hint={
            form.verify
              ? 'The certificate must chain to a trusted CA and name the host you typed (or the server name below).'
              : 'Insecure: any certificate is accepted. The session record says the peer was not verified.'
          }
        />
        {confirmingInsecure ? (
          <div className="inline-warning" role="alertdialog" aria-label="Turn off certificate verification?">
            <strong>Turn off certificate verification?</strong> Anyone between you and the server could then read and change the session,
            including passwords. Prefer loading the server's CA below.
            <div className="button-row">
              <button
                type="button"
                className="small danger confirm"
                onClick={() => {
                  setField('verify', false);
                  setConfirmingInsecure(false);
                }}
              >
                Turn off (insecure)
              </button>
              <button type="button" className="small" autoFocus onClick={() => setConfirmingInsecure(false)}>
                Keep verifying
              </button>
            </div>
          </div>
        ) : null}
        <PemFileField
          name="caPem"
          label="Trusted CA (PEM)"
          kind="certificate"
          fileName={form.caName}
          loaded={form.caPem !== ''}
          error={issues.caPem}
          hint="Trust a private CA or a self-signed server certificate in addition to the system's CAs."
          onLoad={(text, fileName) => {
            setField('caPem', text);
            setField('caName', fileName);
          }}
          onClear={() => {
            setField('caPem', '');
            setField('caName', '');
          }}
        />
        <TextField {...bind('servername')} label="Server name (SNI and certificate check)" placeholder="the host name typed" />
        <div className="row">
          <SelectField<TlsVersion | ''>
            name="minVersion"
            label="Lowest TLS version"
            className="field grow"
            value={form.minVersion}
            options={VERSION_OPTIONS}
            onChange={(v) => setField('minVersion', v)}
          />
          <SelectField<TlsVersion | ''>
            name="maxVersion"
            label="Highest TLS version"
            className="field grow"
            value={form.maxVersion}
            options={VERSION_OPTIONS}
            error={issues.maxVersion}
            onChange={(v) => setField('maxVersion', v)}
          />
        </div>
        <TextField {...bind('ciphers')} label="Cipher list (TLS 1.2 and below)" placeholder="OpenSSL default" />
        <PemFileField
          name="clientCertPem"
          label="Client certificate (PEM)"
          kind="certificate"
          fileName={form.clientCertName}
          loaded={form.clientCertPem !== ''}
          error={issues.clientCertPem}
          onLoad={(text, fileName) => {
            setField('clientCertPem', text);
            setField('clientCertName', fileName);
          }}
          onClear={() => {
            setField('clientCertPem', '');
            setField('clientCertName', '');
            setField('clientKeyPem', '');
            setField('clientKeyName', '');
            setField('clientKeyStored', false);
          }}
        />
        <PemFileField
          name="clientKeyPem"
          label="Client key (PEM)"
          kind="key"
          fileName={form.clientKeyName}
          loaded={form.clientKeyPem !== '' || form.clientKeyStored}
          {...(form.clientKeyPem === '' && form.clientKeyStored ? { loadedNote: 'stored with the profile' } : {})}
          error={issues.clientKeyPem}
          hint="The key is used for this session only; a saved profile keeps it encrypted by the OS key store, where there is one."
          onLoad={(text, fileName) => {
            setField('clientKeyPem', text);
            setField('clientKeyName', fileName);
          }}
          onClear={() => {
            setField('clientKeyPem', '');
            setField('clientKeyName', '');
            setField('clientKeyStored', false);
          }}
        />
      </div>
    </details>
  );
}

function sessionNote(form: Form): string {
  const notes: string[] = [];
  if (form.ehloName) notes.push(`EHLO ${form.ehloName}`);
  if (form.timeoutSeconds) notes.push(`${form.timeoutSeconds} s/stage`);
  if (form.deadlineSeconds) notes.push(`deadline ${form.deadlineSeconds} s`);
  if (form.allowPlaintextAuth) notes.push('plaintext auth');
  if (form.captureData) notes.push('full DATA');
  if (form.sourceAddress) notes.push(`from ${form.sourceAddress}`);
  return notes.join(' · ');
}

function SessionOptions({ form, issues, setField }: SectionProps) {
  const bind = fieldBinder(form, issues, setField);
  const note = sessionNote(form);
  const errorInside = ['ehloName', 'timeoutSeconds', 'deadlineSeconds', 'sourceAddress'].some((k) => issues[k]);
  return (
    <details className="options" open={errorInside || undefined}>
      <summary>Session options{note ? <span className="summary-note subtle">{note}</span> : null}</summary>
      <div className="options-body">
        <TextField {...bind('ehloName')} label="EHLO name" placeholder="this machine's name" />
        <div className="row">
          <TextField
            {...bind('timeoutSeconds')}
            label="Timeout per stage (s)"
            className="field grow"
            inputMode="decimal"
            placeholder="RFC 5321"
          />
          <TextField
            {...bind('deadlineSeconds')}
            label="Overall deadline (s)"
            className="field grow"
            inputMode="decimal"
            placeholder="none"
          />
        </div>
        <p className="hint">Empty: the RFC 5321 defaults (greeting 5 min, DATA 10 min; connect and TLS 30 s).</p>
        <TextField {...bind('sourceAddress')} label="Source address" placeholder="chosen by the system" />
        <CheckField
          name="allowPlaintextAuth"
          label="Allow authentication without TLS"
          checked={form.allowPlaintextAuth}
          onChange={(v) => setField('allowPlaintextAuth', v)}
          hint="Credentials are sent only over TLS, to a loopback address (127.0.0.0/8, ::1) or over a Unix socket — nothing leaves the machine there. Anywhere else they are withheld unless this is on."
        />
        <CheckField
          name="captureData"
          label="Capture the full DATA"
          checked={form.captureData}
          onChange={(v) => setField('captureData', v)}
          hint="Record every line of a sent message in the transcript (otherwise a summary: bytes and lines)."
        />
      </div>
    </details>
  );
}

/** The recent targets as a select: picking one points the form at it. */
function RecentTargets() {
  const recent = useAppStore((s) => s.recentTargets);
  const apply = useAppStore((s) => s.applyRecentTarget);
  if (recent.length === 0) return null;
  return (
    <div className="field">
      <select
        className="recent-select"
        aria-label="Recent targets"
        value=""
        onChange={(e) => {
          const target = recent[Number(e.target.value)];
          if (target) apply(target);
        }}
      >
        <option value="" disabled>
          Recent targets…
        </option>
        {recent.map((t, i) => (
          <option key={`${describeRecent(t)}-${i}`} value={i}>
            {describeRecent(t)}
          </option>
        ))}
      </select>
    </div>
  );
}
