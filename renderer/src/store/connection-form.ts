import type { ErrorDto, TestServerListener } from '../../../shared/ipc/contract.js';
import type { ConnectionSettings } from '../../../shared/ipc/schemas.js';
import type { Protocol, TlsMode } from '../../../shared/session-record.js';

/**
 * The connection form as the user edits it: strings as typed, so a half-typed port is not lost. Turned into
 * `ConnectionSettings` only when an operation starts. Pure functions, no React, no store.
 */
export interface ConnectionForm {
  target: 'tcp' | 'socket';
  host: string;
  /** Empty for the protocol's default port. */
  port: string;
  socketPath: string;
  protocol: Protocol;
  tls: TlsMode;
  /** Verify the server's certificate; off is "insecure". */
  verify: boolean;
  /** Empty for the engine's default. */
  ehloName: string;
}

export const DEFAULT_CONNECTION_FORM: ConnectionForm = {
  target: 'tcp',
  host: '',
  port: '',
  socketPath: '',
  protocol: 'smtp',
  tls: 'off',
  verify: true,
  ehloName: '',
};

export type SettingsOrError = { ok: true; settings: ConnectionSettings } | { ok: false; error: ErrorDto };

// Main validates everything again (the renderer is untrusted); this only catches what a person mistyped.
const CONTROL_CHARS = /[\r\n\0]/;

export function toConnectionSettings(form: ConnectionForm): SettingsOrError {
  const issues: { path: string; message: string }[] = [];
  const settings: ConnectionSettings = { protocol: form.protocol, tls: form.tls, verify: form.verify };

  if (form.target === 'tcp') {
    const host = form.host.trim();
    if (!host) issues.push({ path: 'host', message: 'Enter a host name or address.' });
    else settings.host = host;
    const port = form.port.trim();
    if (port) {
      const n = Number(port);
      if (!/^\d+$/.test(port) || n < 1 || n > 65535) issues.push({ path: 'port', message: 'A port is a number from 1 to 65535.' });
      else settings.port = n;
    }
  } else {
    const socketPath = form.socketPath.trim();
    if (!socketPath.startsWith('/')) issues.push({ path: 'socketPath', message: 'Enter the absolute path of a Unix socket.' });
    else settings.socketPath = socketPath;
  }

  const ehloName = form.ehloName.trim();
  if (ehloName) settings.ehloName = ehloName;

  for (const [path, value] of Object.entries({ host: form.host, socketPath: form.socketPath, ehloName: form.ehloName })) {
    if (CONTROL_CHARS.test(value)) issues.push({ path, message: 'must not contain CR, LF or NUL' });
  }

  if (issues.length > 0) {
    return {
      ok: false,
      error: { code: 'invalid-input', message: issues.map((i) => `${i.path}: ${i.message}`).join(' '), issues },
    };
  }
  return { ok: true, settings };
}

/** The form filled in to reach one of the built-in test server's listeners. */
export function formForListener(listener: TestServerListener, current: ConnectionForm): ConnectionForm {
  const tls: TlsMode = listener.tls;
  return {
    ...current,
    target: listener.socketPath ? 'socket' : 'tcp',
    host: listener.host ?? current.host,
    port: listener.port !== undefined ? String(listener.port) : '',
    socketPath: listener.socketPath ?? current.socketPath,
    protocol: listener.protocol,
    tls,
    // The test server's certificate is self-signed: verification would fail on its TLS listeners.
    verify: tls === 'off' ? current.verify : false,
  };
}
