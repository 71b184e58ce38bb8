import { useId } from 'react';
import type { Protocol, TlsMode } from '../../../../shared/session-record.js';
import { useAppStore } from '../../store/index.js';

const TLS_MODES: { value: TlsMode; label: string }[] = [
  { value: 'off', label: 'Off (plaintext)' },
  { value: 'starttls', label: 'STARTTLS (required)' },
  { value: 'starttls-optional', label: 'STARTTLS if offered' },
  { value: 'implicit', label: 'Implicit TLS (SMTPS)' },
];

/** Where to connect and how: TCP host and port or a Unix socket, protocol, TLS mode, verification, EHLO name. */
export function ConnectionForm() {
  const form = useAppStore((s) => s.connection);
  const setField = useAppStore((s) => s.setConnectionField);
  const testServer = useAppStore((s) => s.testServer);
  const startBuiltIn = useAppStore((s) => s.startBuiltInTestServer);
  const sessionRunning = useAppStore((s) => s.session.status === 'running');
  const id = useId();
  const f = (name: string) => `${id}-${name}`;

  return (
    <form
      className="connection-form"
      aria-label="Connection"
      onSubmit={(e) => {
        e.preventDefault();
      }}
    >
      <fieldset className="target" disabled={sessionRunning}>
        <legend>Server</legend>
        <div className="segmented" role="radiogroup" aria-label="Connect over">
          <label>
            <input
              type="radio"
              name={f('target')}
              value="tcp"
              checked={form.target === 'tcp'}
              onChange={() => setField('target', 'tcp')}
            />
            TCP
          </label>
          <label>
            <input
              type="radio"
              name={f('target')}
              value="socket"
              checked={form.target === 'socket'}
              onChange={() => setField('target', 'socket')}
            />
            Unix socket
          </label>
        </div>

        {form.target === 'tcp' ? (
          <div className="row">
            <div className="field grow">
              <label htmlFor={f('host')}>Host</label>
              <input
                id={f('host')}
                type="text"
                autoComplete="off"
                spellCheck={false}
                placeholder="mail.example.net"
                value={form.host}
                onChange={(e) => setField('host', e.target.value)}
              />
            </div>
            <div className="field port">
              <label htmlFor={f('port')}>Port</label>
              <input
                id={f('port')}
                type="text"
                inputMode="numeric"
                autoComplete="off"
                placeholder={defaultPortHint(form.protocol, form.tls)}
                value={form.port}
                onChange={(e) => setField('port', e.target.value)}
              />
            </div>
          </div>
        ) : (
          <div className="field">
            <label htmlFor={f('socket')}>Socket path</label>
            <input
              id={f('socket')}
              type="text"
              autoComplete="off"
              spellCheck={false}
              placeholder="/var/run/dovecot/lmtp"
              value={form.socketPath}
              onChange={(e) => setField('socketPath', e.target.value)}
            />
          </div>
        )}

        <div className="row">
          <div className="field">
            <label htmlFor={f('protocol')}>Protocol</label>
            <select id={f('protocol')} value={form.protocol} onChange={(e) => setField('protocol', e.target.value as Protocol)}>
              <option value="smtp">SMTP</option>
              <option value="lmtp">LMTP</option>
            </select>
          </div>
          <div className="field grow">
            <label htmlFor={f('tls')}>TLS</label>
            <select id={f('tls')} value={form.tls} onChange={(e) => setField('tls', e.target.value as TlsMode)}>
              {TLS_MODES.map((m) => (
                <option key={m.value} value={m.value}>
                  {m.label}
                </option>
              ))}
            </select>
          </div>
        </div>

        <div className="field checkbox">
          <input
            id={f('verify')}
            type="checkbox"
            checked={form.verify}
            disabled={form.tls === 'off'}
            aria-describedby={f('verify-hint')}
            onChange={(e) => setField('verify', e.target.checked)}
          />
          <label htmlFor={f('verify')}>Verify the server's certificate</label>
          <p id={f('verify-hint')} className="hint">
            {form.verify ? 'The certificate must be valid for the host name.' : 'Insecure: any certificate is accepted.'}
          </p>
        </div>

        <div className="field">
          <label htmlFor={f('ehlo')}>EHLO name</label>
          <input
            id={f('ehlo')}
            type="text"
            autoComplete="off"
            spellCheck={false}
            placeholder="this machine's name"
            value={form.ehloName}
            onChange={(e) => setField('ehloName', e.target.value)}
          />
        </div>
      </fieldset>

      <div className="test-server">
        <button type="button" className="secondary" disabled={testServer.busy || sessionRunning} onClick={() => void startBuiltIn()}>
          {testServer.busy ? 'Starting test server…' : 'Use built-in test server'}
        </button>
        {testServer.status?.running && testServer.status.account ? (
          <p className="hint">
            Test server running; test account <code>{testServer.status.account.user}</code> /{' '}
            <code>{testServer.status.account.password}</code>
          </p>
        ) : null}
        {testServer.error ? (
          <p className="inline-error" role="alert">
            Could not start the test server: {testServer.error.message} ({testServer.error.code})
          </p>
        ) : null}
      </div>
    </form>
  );
}

function defaultPortHint(protocol: Protocol, tls: TlsMode): string {
  if (protocol === 'lmtp') return '24';
  return tls === 'implicit' ? '465' : '25';
}
