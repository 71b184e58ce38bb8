import type { SmtpErrorCode } from '../../shared/errors.js';

/** Documented exit statuses of `smtp-lens` (see the README). */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  connection: 3,
  tls: 4,
  auth: 5,
  senderRefused: 6,
  recipientsRefused: 7,
  someRecipientsRefused: 8,
  dataRefused: 9,
  protocol: 10,
  timeout: 11,
  sessionRefused: 12,
  commandFailed: 13,
  notSupported: 14,
  deliveryUnknown: 15,
  /** relay-test: a relay trick was accepted. */
  relayAccepted: 16,
  /** smuggling-test: the server ended the data at a non-standard sequence. */
  smuggled: 17,
  cancelled: 130,
} as const;

const BY_CODE: Record<SmtpErrorCode, number> = {
  'connect-failed': EXIT.connection,
  'server-disconnected': EXIT.connection,
  'tls-failed': EXIT.tls,
  'tls-not-offered': EXIT.tls,
  'greeting-refused': EXIT.sessionRefused,
  'helo-refused': EXIT.sessionRefused,
  'auth-failed': EXIT.auth,
  'auth-not-allowed': EXIT.auth,
  'not-supported': EXIT.notSupported,
  'sender-refused': EXIT.senderRefused,
  'recipients-refused': EXIT.recipientsRefused,
  'some-recipients-refused': EXIT.someRecipientsRefused,
  'data-refused': EXIT.dataRefused,
  'message-too-large': EXIT.dataRefused,
  'delivery-unknown': EXIT.deliveryUnknown,
  'command-failed': EXIT.commandFailed,
  'protocol-error': EXIT.protocol,
  timeout: EXIT.timeout,
  cancelled: EXIT.cancelled,
  'invalid-input': EXIT.usage,
  // A saved session's state, never a CLI run's own outcome.
  interrupted: EXIT.internal,
};

/** The exit status for a session's error code (0 when there is none). */
export function exitCodeFor(code: SmtpErrorCode | undefined): number {
  return code === undefined ? EXIT.ok : BY_CODE[code];
}
