import { SmtpError, escapeBytes } from '../errors.js';
import type { SaslClient } from './sasl.js';

/**
 * PLAIN (RFC 4616): one message, `authzid NUL authcid NUL passwd`.
 *
 * No SASLprep here: servers in the wild (Dovecot, Cyrus, Exchange, Postfix via either) hand the
 * bytes to a password backend that compares them as stored, so normalising could turn a working
 * password into a failing one. The strings go out as UTF-8, unchanged.
 */
class PlainClient implements SaslClient {
  readonly name = 'PLAIN';
  readonly supportsInitialResponse = true;
  readonly #message: Buffer;
  #initialGiven = false;
  #emptyAnswered = false;

  constructor(user: string, password: string, authzid: string) {
    this.#message = Buffer.from(`${authzid}\0${user}\0${password}`, 'utf8');
  }

  initialResponse(): Buffer | null {
    if (this.#initialGiven) throw new SmtpError('invalid-input', 'PLAIN: initialResponse() may be called only once');
    this.#initialGiven = true;
    return Buffer.from(this.#message);
  }

  respond(challenge: Buffer): Buffer {
    // An empty 334 means "send your credentials": either no initial response went out, or the
    // server ignored it. Answer once; a second request would be a loop, not a protocol.
    if (challenge.length > 0) {
      throw new SmtpError('protocol-error', 'PLAIN: the server sent a non-empty challenge, which PLAIN does not define', {
        command: 'AUTH PLAIN',
        raw: escapeBytes(challenge),
      });
    }
    if (this.#emptyAnswered) {
      throw new SmtpError('protocol-error', 'PLAIN: the server asked for the credentials a second time', {
        command: 'AUTH PLAIN',
      });
    }
    this.#emptyAnswered = true;
    this.#initialGiven = true;
    return Buffer.from(this.#message);
  }

  complete(): void {
    // Nothing to verify: PLAIN gives no server proof.
  }
}

/** Create a PLAIN client; throws invalid-input if a field contains NUL (the PLAIN separator). */
export function createPlainClient(credentials: { user: string; password: string; authzid?: string }): SaslClient {
  const fields: [string, string][] = [
    ['user name', credentials.user],
    ['password', credentials.password],
    ['authorization identity', credentials.authzid ?? ''],
  ];
  for (const [label, value] of fields) {
    // RFC 4616 §2: NUL separates the fields, so it cannot appear inside one.
    if (value.includes('\0')) throw new SmtpError('invalid-input', `PLAIN: the ${label} contains a NUL character`);
  }
  return new PlainClient(credentials.user, credentials.password, credentials.authzid ?? '');
}
