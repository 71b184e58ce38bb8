import { SmtpError, escapeBytes } from '../errors.js';
import type { SaslClient } from './sasl.js';

/**
 * The two OAuth 2.0 bearer-token mechanisms: XOAUTH2 (Google / Microsoft) and OAUTHBEARER (RFC 7628), each a single
 * message carrying the token. On failure the server does not answer 535 straight away: it first sends a 334 whose
 * payload is a JSON error (status, schemes, scope; for OAUTHBEARER also openid-configuration), expects a dummy reply
 * (empty for XOAUTH2, a lone ^A for OAUTHBEARER, RFC 7628 §3.2.3), and only then says 535.
 */
class BearerClient implements SaslClient {
  readonly supportsInitialResponse = true;
  #initialGiven = false;
  #errorDetail: string | undefined;
  #errorSeen = false;

  constructor(
    readonly name: 'XOAUTH2' | 'OAUTHBEARER',
    private readonly message: Buffer,
    private readonly errorAck: Buffer,
  ) {}

  /** The server's JSON error text, once it has sent one; the session shows it next to the 535. */
  get errorDetail(): string | undefined {
    return this.#errorDetail;
  }

  initialResponse(): Buffer | null {
    if (this.#initialGiven) throw new SmtpError('invalid-input', `${this.name}: initialResponse() may be called only once`);
    this.#initialGiven = true;
    return Buffer.from(this.message);
  }

  respond(challenge: Buffer): Buffer {
    // The session skipped the initial response and the server asks for it with an empty 334.
    if (!this.#initialGiven && challenge.length === 0) {
      this.#initialGiven = true;
      return Buffer.from(this.message);
    }
    if (this.#errorSeen) {
      throw new SmtpError('protocol-error', `${this.name}: the server sent another challenge after its error challenge`, {
        command: `AUTH ${this.name}`,
        raw: escapeBytes(challenge),
      });
    }
    this.#errorSeen = true;
    this.#initialGiven = true;
    this.#errorDetail = challenge.toString('utf8');
    // The protocol's acknowledgement of the error; the 535 follows.
    return Buffer.from(this.errorAck);
  }

  complete(): void {
    // Nothing to verify: the token is the whole proof.
  }
}

/** Refuse a user or token that would break the message framing (^A separates the key/value pairs). */
function assertBearerInput(name: string, credentials: { user: string; token: string }): void {
  if (/[\x00-\x1f\x7f]/.test(credentials.user)) {
    throw new SmtpError('invalid-input', `${name}: the user name contains a control character`);
  }
  // A token is an RFC 6750 b64token, which never has spaces or controls.
  if (/[\x00-\x20\x7f]/.test(credentials.token)) {
    throw new SmtpError('invalid-input', `${name}: the access token contains a space or control character`);
  }
}

/** Create an XOAUTH2 client; throws invalid-input if the user or token would break the message framing. */
export function createXoauth2Client(credentials: { user: string; token: string }): SaslClient {
  assertBearerInput('XOAUTH2', credentials);
  const message = Buffer.from(`user=${credentials.user}\x01auth=Bearer ${credentials.token}\x01\x01`, 'utf8');
  return new BearerClient('XOAUTH2', message, Buffer.alloc(0));
}

/** RFC 5801 saslname: "," and "=" are escaped as =2C and =3D. */
const saslName = (value: string): string => value.replace(/=/g, '=3D').replace(/,/g, '=2C');

/**
 * Create an OAUTHBEARER client (RFC 7628 §3.1): a GS2 header naming the user ("n,a=user,"), then host, port and the
 * bearer token as ^A-separated key/value pairs. Host and port are those the client connected to, when it has them.
 */
export function createOauthBearerClient(credentials: { user: string; token: string; host?: string; port?: number }): SaslClient {
  assertBearerInput('OAUTHBEARER', credentials);
  if (credentials.host !== undefined && /[\x00-\x20\x7f]/.test(credentials.host)) {
    throw new SmtpError('invalid-input', 'OAUTHBEARER: the host contains a space or control character');
  }
  const pairs = [
    ...(credentials.host !== undefined ? [`host=${credentials.host}`] : []),
    ...(credentials.port !== undefined ? [`port=${credentials.port}`] : []),
    `auth=Bearer ${credentials.token}`,
  ];
  const message = Buffer.from(`n,a=${saslName(credentials.user)},\x01${pairs.join('\x01')}\x01\x01`, 'utf8');
  return new BearerClient('OAUTHBEARER', message, Buffer.from([0x01]));
}
