import type { ErrorDto, TestServerListener } from '../../../shared/ipc/contract.js';
import type { AuthSettings, ConnectionSettings } from '../../../shared/ipc/schemas.js';
import { usesToken } from '../../../shared/mechanisms.js';
import { defaultPort, type Protocol, type TlsMode } from '../../../shared/session-record.js';

/**
 * The connection and authentication forms as the user edits them: strings as typed, so a half-typed port is not
 * lost. Turned into `ConnectionSettings`/`AuthSettings` only when an operation starts. Pure functions, no React, no
 * store, no DOM. Main validates everything again (the renderer is untrusted); this catches what a person mistyped,
 * as they type, with a message for the field.
 */

// The form's unions are the contract's (inferred from its zod schemas), so the two cannot drift apart.
export type { Mechanism, TlsVersion } from '../../../shared/ipc/schemas.js';
import type { Mechanism, TlsVersion } from '../../../shared/ipc/schemas.js';

export const TLS_VERSIONS: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
export const MECHANISMS: readonly { value: Mechanism; label: string }[] = [
  { value: 'auto', label: 'Auto (strongest)' },
  { value: 'scram-sha-256', label: 'SCRAM-SHA-256' },
  { value: 'scram-sha-1', label: 'SCRAM-SHA-1' },
  { value: 'cram-md5', label: 'CRAM-MD5' },
  { value: 'plain', label: 'PLAIN' },
  { value: 'login', label: 'LOGIN' },
  { value: 'xoauth2', label: 'XOAUTH2' },
  { value: 'oauthbearer', label: 'OAUTHBEARER' },
];
export const TLS_MODES: readonly { value: TlsMode; label: string }[] = [
  { value: 'off', label: 'Off (plaintext)' },
  { value: 'starttls', label: 'STARTTLS (required)' },
  { value: 'starttls-optional', label: 'STARTTLS if offered' },
  { value: 'implicit', label: 'Implicit TLS (SMTPS)' },
];

export interface ConnectionForm {
  target: 'tcp' | 'socket';
  host: string;
  /** Empty for the engine's default port. */
  port: string;
  /** The user typed the port: switching protocol or TLS mode no longer changes it. */
  portTouched: boolean;
  socketPath: string;
  protocol: Protocol;
  tls: TlsMode;
  /** Verify the server's certificate; off is "insecure" (confirmed in the UI). */
  verify: boolean;
  /** A CA (PEM) to trust, read from a file; `caName` is the file's name. */
  caPem: string;
  caName: string;
  servername: string;
  minVersion: TlsVersion | '';
  maxVersion: TlsVersion | '';
  ciphers: string;
  clientCertPem: string;
  clientCertName: string;
  /** The client key (PEM) read from a file for this session; never shown, never kept in localStorage. */
  clientKeyPem: string;
  clientKeyName: string;
  /** The client key is the one stored with the loaded profile: main fills it in (the renderer never has it). */
  clientKeyStored: boolean;
  /** Empty for the engine's default (this machine's name). */
  ehloName: string;
  sourceAddress: string;
  /** Seconds for every stage; empty for the RFC 5321 defaults. */
  timeoutSeconds: string;
  /** Seconds for the whole session; empty for none. */
  deadlineSeconds: string;
  allowPlaintextAuth: boolean;
  captureData: boolean;
}

export interface AuthForm {
  mechanism: Mechanism;
  /** Empty: no authentication. */
  user: string;
  /** The password, or the token for XOAUTH2. Kept in memory only. */
  secret: string;
  authzid: string;
  /** Use the secret stored with the loaded profile (main reads it; it never reaches the renderer). */
  useStored: boolean;
}

export const DEFAULT_CONNECTION_FORM: ConnectionForm = {
  target: 'tcp',
  host: '',
  port: '25',
  portTouched: false,
  socketPath: '',
  protocol: 'smtp',
  tls: 'off',
  verify: true,
  caPem: '',
  caName: '',
  servername: '',
  minVersion: '',
  maxVersion: '',
  ciphers: '',
  clientCertPem: '',
  clientCertName: '',
  clientKeyPem: '',
  clientKeyName: '',
  clientKeyStored: false,
  ehloName: '',
  sourceAddress: '',
  timeoutSeconds: '',
  deadlineSeconds: '',
  allowPlaintextAuth: false,
  captureData: false,
};

export const DEFAULT_AUTH_FORM: AuthForm = { mechanism: 'auto', user: '', secret: '', authzid: '', useStored: false };

// ------------------------------------------------------------------------------------------------
// Ports and defaults

export { defaultPort };

/** What to say next to the port field. */
export function portHint(protocol: Protocol, tls: TlsMode): string {
  if (protocol === 'lmtp') return 'LMTP usually listens on 24 (or a Unix socket).';
  if (tls === 'implicit') return 'SMTPS (implicit TLS) is 465.';
  if (tls === 'off') return '25 for relaying between servers; 587 for submission.';
  return '25 for relaying; 587 is the usual submission port with STARTTLS.';
}

/** The form with the port set to the new default unless the user typed one. */
function withDefaultPort(form: ConnectionForm): ConnectionForm {
  if (form.portTouched) return form;
  return { ...form, port: String(defaultPort(form.protocol, form.tls)) };
}

export function withProtocol(form: ConnectionForm, protocol: Protocol): ConnectionForm {
  return withDefaultPort({ ...form, protocol });
}

export function withTls(form: ConnectionForm, tls: TlsMode): ConnectionForm {
  return withDefaultPort({ ...form, tls });
}

/** The port as typed; an emptied field goes back to following the defaults. */
export function withPort(form: ConnectionForm, port: string): ConnectionForm {
  return { ...form, port, portTouched: port.trim() !== '' };
}

/** Whether a port is the one the defaults would give (so it can keep following them). */
function isDefaultPort(port: string, protocol: Protocol, tls: TlsMode): boolean {
  return port === '' || port === String(defaultPort(protocol, tls));
}

// ------------------------------------------------------------------------------------------------
// Validation

export interface FieldIssue {
  /** The form field (and the settings path) it is about. */
  path: string;
  message: string;
}

const CONTROL_CHARS = /[\r\n\0]/;
const NO_CONTROL = 'must not contain line breaks (CR, LF) or NUL';

/** Longest Unix socket path (sun_path is 108 bytes on Linux, including the terminating NUL). */
const MAX_SOCKET_PATH_BYTES = 107;

const utf8Length = (text: string): number => new TextEncoder().encode(text).length;

function checkSeconds(value: string, path: string, label: string, max: number, issues: FieldIssue[]): void {
  const text = value.trim();
  if (!text) return;
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(n > 0) || n > max) {
    issues.push({ path, message: `${label} is a number of seconds, more than 0 and at most ${max}.` });
  }
}

export interface ValidateOptions {
  /** Also report required fields left empty (after the user tried to start); otherwise only what is wrong. */
  required?: boolean;
}

/** Every problem of the connection form, one message per field at most (the first found). */
export function validateConnection(form: ConnectionForm, options: ValidateOptions = { required: true }): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const add = (path: string, message: string) => {
    if (!issues.some((i) => i.path === path)) issues.push({ path, message });
  };

  // Line breaks first: they are the dangerous mistake (a second SMTP command), whatever else is wrong.
  const wire: [string, string][] = [
    ['host', form.host],
    ['socketPath', form.socketPath],
    ['servername', form.servername],
    ['ciphers', form.ciphers],
    ['ehloName', form.ehloName],
    ['sourceAddress', form.sourceAddress],
  ];
  for (const [path, value] of wire) if (CONTROL_CHARS.test(value)) add(path, NO_CONTROL);

  if (form.target === 'tcp') {
    const host = form.host.trim();
    if (!host) {
      if (options.required) add('host', 'Enter a host name or address.');
    } else if (/\s/.test(host)) add('host', 'A host name has no spaces.');
    else if (/^[^:[\]]+:\d+$/.test(host)) add('host', 'Put the port in the Port field.');
    else if (host.length > 255) add('host', 'A host name is at most 255 characters.');
    const port = form.port.trim();
    if (port) {
      const n = Number(port);
      if (!/^\d+$/.test(port) || n < 1 || n > 65535) add('port', 'A port is a number from 1 to 65535.');
    }
  } else {
    const path = form.socketPath.trim();
    if (!path) {
      if (options.required) add('socketPath', 'Enter the absolute path of a Unix socket.');
    } else if (!path.startsWith('/')) add('socketPath', 'The socket path must be absolute (start with /).');
    else if (utf8Length(path) > MAX_SOCKET_PATH_BYTES) add('socketPath', `A Unix socket path is at most ${MAX_SOCKET_PATH_BYTES} bytes.`);
  }

  if (/\s/.test(form.servername.trim())) add('servername', 'A server name has no spaces.');
  if (/\s/.test(form.ehloName.trim())) add('ehloName', 'The EHLO name is one word: a domain or an address literal like [192.0.2.1].');
  if (/\s/.test(form.sourceAddress.trim())) add('sourceAddress', 'A source address is one IP address.');

  if (form.minVersion && form.maxVersion && TLS_VERSIONS.indexOf(form.minVersion) > TLS_VERSIONS.indexOf(form.maxVersion)) {
    add('maxVersion', 'The highest TLS version cannot be below the lowest.');
  }
  if (form.caPem) {
    const problem = checkPem(form.caPem, 'certificate');
    if (problem) add('caPem', problem);
  }
  if (form.clientCertPem) {
    const problem = checkPem(form.clientCertPem, 'certificate');
    if (problem) add('clientCertPem', problem);
    else if (!form.clientKeyPem && !form.clientKeyStored) add('clientKeyPem', 'Load the private key of the client certificate.');
  }
  if (form.clientKeyPem) {
    const problem = checkPem(form.clientKeyPem, 'key');
    if (problem) add('clientKeyPem', problem);
    else if (!form.clientCertPem) add('clientKeyPem', 'A client key needs a client certificate.');
  }

  checkSeconds(form.timeoutSeconds, 'timeoutSeconds', 'The timeout', 3600, issues);
  checkSeconds(form.deadlineSeconds, 'deadlineSeconds', 'The deadline', 24 * 3600, issues);
  return issues;
}

/** Problems of the authentication form. Authentication is asked for when a user name is given. */
export function validateAuth(auth: AuthForm, options: ValidateOptions & { storedSecret?: boolean } = { required: true }): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (CONTROL_CHARS.test(auth.user)) issues.push({ path: 'user', message: NO_CONTROL });
  if (CONTROL_CHARS.test(auth.authzid)) issues.push({ path: 'authzid', message: NO_CONTROL });
  if (auth.secret.includes('\0')) issues.push({ path: 'secret', message: 'must not contain NUL' });
  const user = auth.user.trim();
  if (!user) {
    if (auth.secret && options.required) issues.push({ path: 'user', message: 'Enter the user name the password belongs to.' });
    return issues;
  }
  const usesStored = auth.useStored && options.storedSecret === true;
  if (!usesStored && !auth.secret && options.required) {
    issues.push({ path: 'secret', message: usesToken(auth.mechanism) ? 'Enter the access token.' : 'Enter the password.' });
  }
  return issues;
}

/** The issues as a field → message map, for showing next to each field. */
export function issuesByField(issues: readonly FieldIssue[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const issue of issues) map[issue.path] ??= issue.message;
  return map;
}

/** Whether text looks like the PEM it should be; a message when not. */
export function checkPem(text: string, kind: 'certificate' | 'key'): string | undefined {
  if (text.length > 256 * 1024) return 'The file is too large for a PEM file (over 256 KB).';
  if (kind === 'certificate') {
    return /-----BEGIN (TRUSTED )?CERTIFICATE-----/.test(text)
      ? undefined
      : 'This file holds no PEM certificate (-----BEGIN CERTIFICATE-----).';
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(text)) return 'Encrypted private keys are not supported; decrypt it first.';
  return /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/.test(text)
    ? undefined
    : 'This file holds no PEM private key (-----BEGIN PRIVATE KEY-----).';
}

// ------------------------------------------------------------------------------------------------
// Conversion

export type SettingsOrError = { ok: true; settings: ConnectionSettings } | { ok: false; error: ErrorDto };

export function invalidInput(issues: readonly FieldIssue[]): ErrorDto {
  return {
    code: 'invalid-input',
    message: issues.map((i) => `${i.path}: ${i.message}`).join(' '),
    issues: [...issues],
  };
}

/** Strip the brackets of an IPv6 literal typed as in a URL ("[::1]"). */
function bareHost(host: string): string {
  const h = host.trim();
  return /^\[[0-9A-Fa-f:.]+\]$/.test(h) ? h.slice(1, -1) : h;
}

/** The settings for a request, or the problems of the form. Empty fields are left out (the engine's defaults). */
export function toConnectionSettings(form: ConnectionForm): SettingsOrError {
  const issues = validateConnection(form, { required: true });
  if (issues.length > 0) return { ok: false, error: invalidInput(issues) };

  const settings: ConnectionSettings = { protocol: form.protocol, tls: form.tls, verify: form.verify };
  if (form.target === 'tcp') {
    settings.host = bareHost(form.host);
    if (form.port.trim()) settings.port = Number(form.port.trim());
  } else {
    settings.socketPath = form.socketPath.trim();
  }
  const text = (value: string) => value.trim() || undefined;
  const optional: Partial<ConnectionSettings> = {
    caPem: form.caPem || undefined,
    servername: text(form.servername),
    minVersion: form.minVersion || undefined,
    maxVersion: form.maxVersion || undefined,
    ciphers: text(form.ciphers),
    clientCertPem: form.clientCertPem || undefined,
    clientKeyPem: form.clientKeyPem || undefined,
    ehloName: text(form.ehloName),
    sourceAddress: text(form.sourceAddress),
    timeoutSeconds: form.timeoutSeconds.trim() ? Number(form.timeoutSeconds) : undefined,
    deadlineSeconds: form.deadlineSeconds.trim() ? Number(form.deadlineSeconds) : undefined,
    allowPlaintextAuth: form.allowPlaintextAuth || undefined,
    captureData: form.captureData || undefined,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (settings as Record<string, unknown>)[key] = value;
  }
  return { ok: true, settings };
}

/** The settings without the client key: what may be kept in a profile's plain part or in localStorage. */
export function withoutClientKey(settings: ConnectionSettings): ConnectionSettings {
  const { clientKeyPem: _key, ...rest } = settings;
  void _key;
  return rest;
}

/**
 * The authentication for a request, or undefined when none is asked for (no user name). Assumes `validateAuth`
 * found nothing.
 */
export function toAuthSettings(auth: AuthForm, profileId: string | undefined, storedSecret: boolean): AuthSettings | undefined {
  const user = auth.user.trim();
  if (!user) return undefined;
  const settings: AuthSettings = { mechanism: auth.mechanism, user };
  if (auth.authzid.trim()) settings.authzid = auth.authzid.trim();
  if (auth.useStored && storedSecret && profileId !== undefined && !auth.secret) settings.profileId = profileId;
  else settings.secret = auth.secret;
  return settings;
}

/** The form showing saved settings (a profile's, a recent target's). The client key is never among them. */
export function formFromSettings(settings: ConnectionSettings): ConnectionForm {
  const protocol = settings.protocol ?? 'smtp';
  const tls = settings.tls ?? 'off';
  const port = settings.port !== undefined ? String(settings.port) : String(defaultPort(protocol, tls));
  return {
    ...DEFAULT_CONNECTION_FORM,
    target: settings.socketPath !== undefined ? 'socket' : 'tcp',
    host: settings.host ?? '',
    port,
    portTouched: !isDefaultPort(port, protocol, tls),
    socketPath: settings.socketPath ?? '',
    protocol,
    tls,
    verify: settings.verify ?? true,
    caPem: settings.caPem ?? '',
    caName: settings.caPem ? 'saved with the profile' : '',
    servername: settings.servername ?? '',
    minVersion: settings.minVersion ?? '',
    maxVersion: settings.maxVersion ?? '',
    ciphers: settings.ciphers ?? '',
    clientCertPem: settings.clientCertPem ?? '',
    clientCertName: settings.clientCertPem ? 'saved with the profile' : '',
    ehloName: settings.ehloName ?? '',
    sourceAddress: settings.sourceAddress ?? '',
    timeoutSeconds: settings.timeoutSeconds !== undefined ? String(settings.timeoutSeconds) : '',
    deadlineSeconds: settings.deadlineSeconds !== undefined ? String(settings.deadlineSeconds) : '',
    allowPlaintextAuth: settings.allowPlaintextAuth ?? false,
    captureData: settings.captureData ?? false,
  };
}

/** The name under which the built-in test server's certificate is shown as the CA. */
export const TEST_SERVER_CA_NAME = 'built-in test server certificate';

/**
 * The form filled in to reach one of the built-in test server's listeners. With its certificate given, TLS
 * listeners are verified against it (as the CA) instead of being reached insecurely.
 */
export function formForListener(listener: TestServerListener, current: ConnectionForm, certificatePem?: string): ConnectionForm {
  const tls: TlsMode = listener.tls;
  const socket = listener.socketPath !== undefined;
  const port = listener.port !== undefined ? String(listener.port) : current.port;
  const next: ConnectionForm = {
    ...current,
    target: socket ? 'socket' : 'tcp',
    host: listener.host ?? current.host,
    port,
    portTouched: socket ? current.portTouched : !isDefaultPort(port, listener.protocol, tls),
    socketPath: listener.socketPath ?? current.socketPath,
    protocol: listener.protocol,
    tls,
    // The test server knows no client certificates, and its names are loopback ones.
    servername: '',
    clientCertPem: '',
    clientCertName: '',
    clientKeyPem: '',
    clientKeyName: '',
    clientKeyStored: false,
  };
  if (tls !== 'off') {
    if (certificatePem) {
      next.caPem = certificatePem;
      next.caName = TEST_SERVER_CA_NAME;
      next.verify = true;
    } else {
      // Self-signed and not known: verification would fail.
      next.verify = false;
    }
  }
  return next;
}

/** A short description of where the form points: "smtp://mx.example.net:587 (starttls)". */
export function describeForm(form: ConnectionForm): string {
  const scheme = `${form.protocol}${form.tls === 'implicit' ? 's' : ''}`;
  if (form.target === 'socket') return `${scheme}:${form.socketPath.trim() || '(no socket)'}`;
  const host = bareHost(form.host) || '(no host)';
  const shown = host.includes(':') ? `[${host}]` : host;
  return `${scheme}://${shown}${form.port.trim() ? `:${form.port.trim()}` : ''}${form.tls === 'off' || form.tls === 'implicit' ? '' : ` (${form.tls})`}`;
}
