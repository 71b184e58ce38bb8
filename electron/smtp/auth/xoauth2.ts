import { SmtpError, escapeBytes } from '../errors.js';
import type { SaslClient } from './sasl.js';

/**
 * XOAUTH2 (Google / Microsoft): a single message carrying an OAuth 2.0 bearer token.
 * On failure the server does not answer 535 straight away: it first sends a 334 whose payload is
 * a JSON error (status, schemes, scope), expects an empty reply, and only then says 535.
 */
class Xoauth2Client implements SaslClient {
  readonly name = 'XOAUTH2';
  readonly supportsInitialResponse = true;
  readonly #message: Buffer;
  #initialGiven = false;
  #errorDetail: string | undefined;
  #errorSeen = false;

  constructor(user: string, token: string) {
    this.#message = Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`, 'utf8');
  }

  /** The server's JSON error text, once it has sent one; the session shows it next to the 535. */
  get errorDetail(): string | undefined {
    return this.#errorDetail;
  }

  initialResponse(): Buffer | null {
    if (this.#initialGiven) throw new SmtpError('invalid-input', 'XOAUTH2: initialResponse() may be called only once');
    this.#initialGiven = true;
    return Buffer.from(this.#message);
  }

  respond(challenge: Buffer): Buffer {
    // The session skipped the initial response and the server asks for it with an empty 334.
    if (!this.#initialGiven && challenge.length === 0) {
      this.#initialGiven = true;
      return Buffer.from(this.#message);
    }
    if (this.#errorSeen) {
      throw new SmtpError('protocol-error', 'XOAUTH2: the server sent another challenge after its error challenge', {
        command: 'AUTH XOAUTH2',
        raw: escapeBytes(challenge),
      });
    }
    this.#errorSeen = true;
    this.#initialGiven = true;
    this.#errorDetail = challenge.toString('utf8');
    // The protocol's acknowledgement of the error is an empty response; the 535 follows.
    return Buffer.alloc(0);
  }

  complete(): void {
    // Nothing to verify: the token is the whole proof.
  }
}

/** Create an XOAUTH2 client; throws invalid-input if the user or token would break the message framing. */
export function createXoauth2Client(credentials: { user: string; token: string }): SaslClient {
  // ^A separates the key/value pairs; a token is an RFC 6750 b64token, which never has spaces or controls.
  if (/[\x00-\x1f\x7f]/.test(credentials.user)) {
    throw new SmtpError('invalid-input', 'XOAUTH2: the user name contains a control character');
  }
  if (/[\x00-\x20\x7f]/.test(credentials.token)) {
    throw new SmtpError('invalid-input', 'XOAUTH2: the access token contains a space or control character');
  }
  return new Xoauth2Client(credentials.user, credentials.token);
}
