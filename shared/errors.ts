/**
 * Stable error codes that every caller (CLI, IPC, renderer) switches on.
 * They mirror smtplib's exception hierarchy, with a few finer distinctions it lacks.
 */
export const SMTP_ERROR_CODES = [
  'connect-failed', // SMTPConnectError / OSError on connect
  'server-disconnected', // SMTPServerDisconnected
  'tls-failed', // handshake failure, verification failure, injection across STARTTLS
  'tls-not-offered', // STARTTLS required but not advertised, or refused
  'greeting-refused', // a non-220 greeting (554 and friends)
  'helo-refused', // SMTPHeloError: EHLO and HELO (or LHLO) refused
  'auth-failed', // SMTPAuthenticationError (535 and friends)
  'auth-not-allowed', // credentials withheld: link not encrypted and not explicitly allowed
  'not-supported', // SMTPNotSupportedError: extension or mechanism not advertised
  'sender-refused', // SMTPSenderRefused
  'recipients-refused', // SMTPRecipientsRefused: every recipient refused
  'some-recipients-refused', // partial delivery (smtplib returns a dict; we say it)
  'data-refused', // SMTPDataError: DATA/BDAT or the final dot refused
  'message-too-large', // the message is larger than the SIZE the server advertised; not sent
  'delivery-unknown', // the link was lost after the end of the message was sent, before its reply: it may have been delivered
  'command-failed', // a command (VRFY, RSET, NOOP, ...) answered with 4xx/5xx
  'protocol-error', // malformed or unexpected reply
  'timeout', // a stage or the overall deadline ran out
  'cancelled', // the caller's AbortSignal fired
  'invalid-input', // refused before anything was sent (CR/LF/NUL, bad option)
  'interrupted', // a saved session whose log ends before the session did (the app or CLI was killed)
] as const;

export type SmtpErrorCode = (typeof SMTP_ERROR_CODES)[number];

/** Plain-object form of an engine error: what crosses IPC, goes into a record, or is printed as JSON. */
export interface SmtpErrorInfo {
  code: SmtpErrorCode;
  message: string;
  /** SMTP reply code that caused it, when a reply did. */
  replyCode?: number;
  /** RFC 3463 enhanced status code, e.g. "5.7.8". */
  enhancedCode?: string;
  /** Reply text (lines joined with "\n"). */
  replyText?: string;
  /** The command (verb and redacted arguments) that the reply answered, or the stage that failed. */
  command?: string;
  /** For protocol errors: the offending raw bytes, escaped for display. */
  raw?: string;
  /** For timeouts: the stage whose timer ran out. */
  stage?: string;
  /** What to try next, in words ("this port speaks plaintext: try STARTTLS"). */
  hint?: string;
  /** The TLS mode the hint suggests, for a one-click switch in the app. */
  suggestTls?: 'off' | 'starttls' | 'starttls-optional' | 'implicit';
}
