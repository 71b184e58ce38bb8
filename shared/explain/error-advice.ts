import type { ErrorDto } from '../ipc/contract.js';
import { explainErrorCode } from './outcomes.js';

/**
 * An engine or app error in plain words, with the one thing to do about it: the app's result banner. The engine's
 * own message (with the OS's or OpenSSL's words) stays available as the detail; this says what it means for someone
 * testing a server: connection refused vs timed out vs name not found, a TLS mode that does not fit the port, the
 * password to enter. Pure.
 */

export type AdviceAction =
  /** Put the focus on a field of the connection or authentication form. */
  | { kind: 'field'; field: 'host' | 'port' | 'password' | 'user'; label: string }
  /** Switch the TLS mode and run the same thing again. */
  | { kind: 'switch-tls'; tls: NonNullable<ErrorDto['suggestTls']>; label: string };

export interface ErrorAdvice {
  title: string;
  text: string;
  action?: AdviceAction;
}

const TLS_WORDS: Record<NonNullable<ErrorDto['suggestTls']>, string> = {
  off: 'Retry without TLS',
  starttls: 'Retry with STARTTLS',
  'starttls-optional': 'Retry with STARTTLS if offered',
  implicit: 'Retry with implicit TLS',
};

/** A hint written for the command line, for the app: "(--tls starttls)" and the like left out. */
export function appHint(hint: string): string {
  return hint.replace(/\s*\(--[^)]*\)/g, '').replace(/\s+,/g, ',');
}

const has = (error: ErrorDto, ...needles: string[]): boolean => needles.some((n) => error.message.includes(n));

export function adviseError(error: ErrorDto): ErrorAdvice {
  const base = explainErrorCode(error.code);
  const switchTls: AdviceAction | undefined = error.suggestTls
    ? { kind: 'switch-tls', tls: error.suggestTls, label: TLS_WORDS[error.suggestTls] }
    : undefined;
  switch (error.code) {
    case 'connect-failed':
      if (has(error, 'ECONNREFUSED')) {
        return {
          title: 'Connection refused',
          text: 'The host answered, but nothing listens on that port: the server is down, or this is not its port (25 relays between servers, 587 is submission, 465 SMTPS).',
          action: { kind: 'field', field: 'port', label: 'Check the port' },
        };
      }
      if (has(error, 'ENOTFOUND', 'EAI_NONAME', 'EAI_NODATA')) {
        return {
          title: 'Host name not found',
          text: 'The name does not resolve in DNS: check its spelling, or use the address.',
          action: { kind: 'field', field: 'host', label: 'Check the host name' },
        };
      }
      if (has(error, 'EAI_AGAIN')) {
        return {
          title: 'The name could not be looked up',
          text: 'DNS did not answer in time (no network, or the resolver is down). Try again, or use the address.',
        };
      }
      if (has(error, 'EHOSTUNREACH', 'ENETUNREACH')) {
        return {
          title: 'No route to the host',
          text: 'This machine cannot reach that network: a missing route, a VPN, or a firewall on the way.',
        };
      }
      if (has(error, 'ENOENT') && has(error, '/')) {
        return { title: 'No such socket', text: 'Nothing exists at that socket path: the server is not running, or it listens elsewhere.' };
      }
      if (has(error, 'EACCES')) {
        return { title: 'Permission denied', text: 'This user may not connect there (a socket’s permissions, or a local firewall rule).' };
      }
      return { title: base.title, text: base.text };
    case 'timeout': {
      const stage = (error.stage ?? '').toLowerCase();
      if (stage.startsWith('connect')) {
        return {
          title: 'Connection timed out',
          text: 'Nothing answered the connection at all: a firewall drops the packets (port 25 is often blocked by ISPs and clouds), or the host is down.',
          action: { kind: 'field', field: 'host', label: 'Check the host and port' },
        };
      }
      if (stage.startsWith('greeting')) {
        return {
          title: 'No greeting',
          text: switchTls
            ? 'The server accepted the connection but never said hello: this port may expect implicit TLS.'
            : 'The server accepted the connection but never sent its greeting.',
          ...(switchTls ? { action: switchTls } : {}),
        };
      }
      return {
        title: 'The server stopped answering',
        text: `It did not answer in time${error.command ? ` (waiting for the reply to ${error.command})` : ''}.`,
      };
    }
    case 'tls-failed':
      if (error.suggestTls === 'starttls' || has(error, 'did not answer in TLS')) {
        return {
          title: 'This port does not speak TLS first',
          text: 'The server answered in plaintext where a TLS handshake was expected: it wants STARTTLS (or no TLS) here, not implicit TLS.',
          ...(switchTls ? { action: switchTls } : {}),
        };
      }
      if (has(error, 'certificate', 'self-signed', 'self signed', 'verify', 'altname', 'hostname')) {
        return {
          title: 'The certificate was not accepted',
          text: 'The TLS handshake worked, but the server’s certificate did not pass the check; the TLS panel says why.',
        };
      }
      return { title: base.title, text: base.text };
    case 'auth-failed':
      return {
        title: 'Authentication failed',
        text: 'The server refused the user name and password (or token).',
        action: { kind: 'field', field: 'password', label: 'Check the password' },
      };
    default:
      return { title: base.title, text: base.text, ...(switchTls ? { action: switchTls } : {}) };
  }
}
