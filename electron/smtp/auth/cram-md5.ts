import { nodeCrypto } from '../lazy-crypto.js';
import { SmtpError, escapeBytes } from '../errors.js';
import type { SaslClient } from './sasl.js';

// RFC 2195 §2: the challenge is a msg-id, "<" ... ">" in printable ASCII. We do not insist on the
// "@" (the RFC's example has one, but nothing breaks without it); we do insist on printable text
// in angle brackets, because anything else is most likely a server that did not mean CRAM-MD5.
const CHALLENGE_SHAPE = /^<[\x20-\x7e]+>$/;

/** CRAM-MD5 (RFC 2195): answer the server's challenge with `user SP hex(HMAC-MD5(password, challenge))`. */
class CramMd5Client implements SaslClient {
  readonly name = 'CRAM-MD5';
  readonly supportsInitialResponse = false;
  readonly #user: string;
  readonly #password: string;
  #answered = false;

  constructor(user: string, password: string) {
    this.#user = user;
    this.#password = password;
  }

  initialResponse(): Buffer | null {
    return null;
  }

  respond(challenge: Buffer): Buffer {
    if (this.#answered) {
      throw new SmtpError('protocol-error', 'CRAM-MD5: the server sent a second challenge; CRAM-MD5 has only one', {
        command: 'AUTH CRAM-MD5',
        raw: escapeBytes(challenge),
      });
    }
    if (challenge.length === 0) {
      throw new SmtpError('protocol-error', 'CRAM-MD5: the server sent an empty challenge', { command: 'AUTH CRAM-MD5' });
    }
    if (!CHALLENGE_SHAPE.test(challenge.toString('latin1'))) {
      throw new SmtpError('protocol-error', 'CRAM-MD5: the challenge is not printable text of the form <...>', {
        command: 'AUTH CRAM-MD5',
        raw: escapeBytes(challenge),
      });
    }
    this.#answered = true;
    const digest = nodeCrypto().createHmac('md5', Buffer.from(this.#password, 'utf8')).update(challenge).digest('hex');
    return Buffer.from(`${this.#user} ${digest}`, 'utf8');
  }

  complete(): void {
    // Nothing to verify: CRAM-MD5 gives no server proof.
  }
}

/** Create a CRAM-MD5 client. */
export function createCramMd5Client(credentials: { user: string; password: string }): SaslClient {
  return new CramMd5Client(credentials.user, credentials.password);
}
