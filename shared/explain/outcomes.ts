import type { ErrorCode } from '../ipc/contract.js';
import type { AuthResult, RecipientOutcome, Verdict } from '../session-record.js';
import { explainEnhanced } from './enhanced-codes.js';
import { explainReplyCode } from './reply-codes.js';
import { formatReplyOneLine } from './reply-text.js';

/**
 * Outcomes in plain words: the stable error codes of the engine and the app, the delivery verdict, and what an
 * AUTH exchange came to. Pure.
 */

export interface ErrorCodeExplanation {
  /** A few words: "Could not connect". */
  title: string;
  /** What happened, for someone who did not write the engine. */
  text: string;
}

const ERROR_CODES: Record<ErrorCode, ErrorCodeExplanation> = {
  'connect-failed': {
    title: 'Could not connect',
    text: 'Nothing accepted the connection: the port is closed or filtered, the host is unreachable, or its name does not resolve.',
  },
  'server-disconnected': {
    title: 'The server disconnected',
    text: 'The server closed the connection before the exchange was over.',
  },
  'tls-failed': {
    title: 'TLS failed',
    text: 'The TLS handshake or the certificate check failed (or the server sent data it should not have across STARTTLS), so the session was stopped.',
  },
  'tls-not-offered': {
    title: 'STARTTLS not available',
    text: 'TLS was required, but the server does not offer STARTTLS or refused it. Nothing was sent in plaintext.',
  },
  'greeting-refused': {
    title: 'The server refused the session',
    text: 'The server’s greeting was not 220 “ready”: it will not talk to this client, at least for now.',
  },
  'helo-refused': {
    title: 'Greeting command refused',
    text: 'The server refused EHLO (and HELO, or LHLO for LMTP), so the session could not start.',
  },
  'auth-failed': {
    title: 'Authentication failed',
    text: 'The server did not accept the authentication.',
  },
  'auth-not-allowed': {
    title: 'Credentials withheld',
    text: 'The connection is not encrypted, so the credentials were not sent. Use TLS, or allow plaintext authentication explicitly.',
  },
  'not-supported': {
    title: 'Not supported by the server',
    text: 'The server does not advertise an extension or mechanism this operation needs.',
  },
  'sender-refused': {
    title: 'Sender refused',
    text: 'The server refused the sender address (MAIL FROM), so no message was sent.',
  },
  'recipients-refused': {
    title: 'All recipients refused',
    text: 'The server refused every recipient (RCPT TO), so no message was sent.',
  },
  'some-recipients-refused': {
    title: 'Some recipients refused',
    text: 'The message went to the recipients the server accepted; the others were refused.',
  },
  'data-refused': {
    title: 'Message refused',
    text: 'The server refused the message itself: the DATA or BDAT command, or the reply after the content.',
  },
  'message-too-large': {
    title: 'Message too large',
    text: 'The message is larger than the SIZE limit the server advertises, so it was not sent.',
  },
  'delivery-unknown': {
    title: 'Delivery unknown',
    text: 'The connection was lost after the whole message was sent and before the server answered: it may have been delivered. Check before sending it again.',
  },
  interrupted: {
    title: 'Interrupted',
    text: 'The session’s log ends before the session did: the app or the command line was stopped (killed or crashed) while it ran. What is shown is everything recorded until then.',
  },
  'command-failed': {
    title: 'Command refused',
    text: 'The server answered the command with an error.',
  },
  'protocol-error': {
    title: 'Protocol error',
    text: 'The server sent something that is not a valid SMTP reply, or a reply that does not fit the exchange.',
  },
  timeout: {
    title: 'Timed out',
    text: 'The server did not answer in time.',
  },
  cancelled: {
    title: 'Cancelled',
    text: 'The operation was cancelled before it finished.',
  },
  'invalid-input': {
    title: 'Input refused',
    text: 'Something entered cannot be used; nothing was sent to the server.',
  },
  'dns-failed': { title: 'DNS failed', text: 'The resolver did not answer, or answered with an error (SERVFAIL, REFUSED).' },
  'not-found': { title: 'Not found', text: 'What was asked for does not exist (any more).' },
  'storage-failed': { title: 'Could not save or read', text: 'A file in the app’s data folder could not be written or read.' },
  'secret-store-unavailable': {
    title: 'No secure storage',
    text: 'This system has no secure key store, so secrets cannot be saved; you will be asked each time.',
  },
  busy: { title: 'Busy', text: 'Another operation is still running; wait for it or cancel it.' },
  forbidden: { title: 'Not allowed', text: 'The app refused the request.' },
  internal: { title: 'Internal error', text: 'Something went wrong inside SMTP Lens (a bug). The message below says what.' },
};

/** Explain an error code; an unknown code gets a neutral explanation. */
export function explainErrorCode(code: string): ErrorCodeExplanation {
  return ERROR_CODES[code as ErrorCode] ?? { title: 'Failed', text: `The operation failed (${code}).` };
}

export const EXPLAINED_ERROR_CODES: readonly string[] = Object.keys(ERROR_CODES);

export interface VerdictExplanation {
  title: string;
  text: string;
}

/** The delivery verdict in words, with counts when the recipients are known. */
export function explainVerdict(verdict: Verdict, recipients?: readonly RecipientOutcome[]): VerdictExplanation {
  const total = recipients?.length ?? 0;
  const delivered = recipients?.filter((r) => r.delivered).length ?? 0;
  const counts = total ? ` (${delivered} of ${total} recipient${total === 1 ? '' : 's'})` : '';
  switch (verdict) {
    case 'delivered':
      return { title: 'Delivered', text: `The server accepted the message for every recipient${counts}.` };
    case 'partial':
      return { title: 'Partly delivered', text: `The server accepted the message for some recipients only${counts}.` };
    case 'none':
      return { title: 'Not delivered', text: `The server accepted the message for no recipient${counts}.` };
    case 'unknown': {
      const unknown = recipients?.filter((r) => r.failure === 'unknown').length ?? 0;
      const which = total ? ` (unknown for ${unknown} of ${total} recipient${total === 1 ? '' : 's'})` : '';
      return {
        title: 'Delivery unknown',
        text: `The connection was lost after the message was sent and before the server answered: it may have been delivered${which}. Check before sending it again.`,
      };
    }
  }
}

export interface AuthOutcomeExplanation {
  ok: boolean;
  /** "The server accepted the credentials" / "The server refused the credentials". */
  headline: string;
  /** The final reply as one line: "535 5.7.8 Authentication credentials invalid". */
  reply?: string;
  /** What the reply code (and enhanced code) say. */
  explanation?: string;
}

/** What an AUTH exchange came to, in plain words. */
export function explainAuthOutcome(auth: AuthResult): AuthOutcomeExplanation {
  const reply = auth.code !== undefined ? formatReplyOneLine(auth) : undefined;
  const enhanced = auth.enhancedCode ? explainEnhanced(auth.enhancedCode) : null;
  const code = auth.code !== undefined ? explainReplyCode(auth.code) : undefined;
  const explanation = enhanced?.detailKnown ? enhanced.detailText : code?.known ? code.meaning : (enhanced?.detailText ?? code?.meaning);
  const base = { ...(reply ? { reply } : {}), ...(explanation ? { explanation } : {}) };

  if (auth.ok) {
    if (auth.serverSignatureVerified === false) {
      return { ok: true, headline: 'The server accepted the credentials, but its own signature did not verify', ...base };
    }
    return { ok: true, headline: 'The server accepted the credentials', ...base };
  }
  if (auth.serverSignatureVerified === false) {
    return {
      ok: false,
      headline: 'The server’s SCRAM signature did not verify: it could not prove it knows the password, so the exchange was not trusted',
      ...base,
    };
  }
  const detail = enhanced ? `X.${enhanced.subject}.${enhanced.detail}` : '';
  let headline: string;
  if (auth.code === 535 || detail === 'X.7.8') headline = 'The server refused the credentials';
  else if (auth.code === 534 || detail === 'X.7.9') headline = 'The server refused the mechanism as too weak';
  else if (auth.code === 538 || detail === 'X.7.11') headline = 'The server requires encryption for this mechanism';
  else if (auth.code === 504) headline = 'The server does not support this mechanism';
  else if (auth.code === 432 || detail === 'X.7.12') headline = 'The server requires a password change first';
  else if (auth.code !== undefined && auth.code >= 400 && auth.code < 500) headline = 'Authentication failed temporarily';
  else if (auth.code === 501) headline = 'The server refused the exchange as malformed or cancelled';
  else headline = 'The server did not accept the authentication';
  return { ok: false, headline, ...base };
}
