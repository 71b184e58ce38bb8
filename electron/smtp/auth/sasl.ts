import { SUPPORTED_MECHANISMS } from '../../../shared/mechanisms.js';
import { SmtpError, escapeBytes } from '../errors.js';
import { createCramMd5Client } from './cram-md5.js';
import { createLoginClient } from './login.js';
import { createPlainClient } from './plain.js';
import { DEFAULT_MAX_SCRAM_ITERATIONS, createScramClient } from './scram.js';
import { createOauthBearerClient, createXoauth2Client } from './xoauth2.js';

/** What the user gave us to authenticate with; which fields matter depends on the mechanism. */
export interface SaslCredentials {
  user: string;
  /** PLAIN, LOGIN, CRAM-MD5, SCRAM-*. */
  password?: string;
  /** XOAUTH2 / OAUTHBEARER access token. */
  token?: string;
  /** PLAIN / SCRAM authorization identity (optional). */
  authzid?: string;
}

/**
 * One client side of a SASL exchange. Pure state machine: the SMTP session does the I/O,
 * the base64 coding and the "*" cancel, and asks this object what to say next.
 */
export interface SaslClient {
  readonly name: string;
  /** Whether this mechanism may send an RFC 4954 initial response on the AUTH line. */
  readonly supportsInitialResponse: boolean;
  /** The initial response (raw bytes, not base64), or null if the mechanism waits for a first challenge. May be called once. */
  initialResponse(): Buffer | null;
  /** Answer a 334 challenge (already base64-decoded). Throws SmtpError('protocol-error') for a malformed or unexpected challenge — the session then sends "*" to cancel (RFC 4954 §4). */
  respond(challenge: Buffer): Buffer;
  /** Called when the server says 235. Throws SmtpError('auth-failed') if the mechanism requires proof from the server that it did not get (SCRAM: no verified server-final message). */
  complete(): void;
  /** For SCRAM: whether the server signature was verified. undefined for others. */
  readonly serverVerified?: boolean;
  /** For XOAUTH2 and OAUTHBEARER: the server's error challenge (JSON text), when it sent one. */
  readonly errorDetail?: string;
}

/** Tuning knobs for createSaslClient. */
export interface SaslOptions {
  /** Upper bound on the PBKDF2 iteration count a SCRAM server may demand (DoS guard). Default 100000. */
  maxScramIterations?: number;
  /** Fixed SCRAM client nonce; for reproducing RFC test vectors only. */
  nonce?: string;
  /** OAUTHBEARER: the host and port the client connected to (RFC 7628 §3.1), when it has them. */
  host?: string;
  port?: number;
}

/** Every mechanism name createSaslClient accepts. */
export { SUPPORTED_MECHANISMS };

// Password-based mechanisms, strongest first. SCRAM proves both sides and keeps the password off
// the wire; CRAM-MD5 at least keeps it off the wire; PLAIN beats LOGIN only because it is standardised.
const PASSWORD_PREFERENCE = ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'CRAM-MD5', 'PLAIN', 'LOGIN'] as const;

/** Build the client for one mechanism; throws not-supported for an unknown name, invalid-input for unusable credentials. */
export function createSaslClient(mechanism: string, credentials: SaslCredentials, options: SaslOptions = {}): SaslClient {
  const name = mechanism.trim().toUpperCase();
  if (!SUPPORTED_MECHANISMS.includes(name)) {
    throw new SmtpError(
      'not-supported',
      `SASL mechanism "${escapeBytes(mechanism, 64)}" is not supported (supported: ${SUPPORTED_MECHANISMS.join(', ')})`,
    );
  }
  if (typeof credentials.user !== 'string' || credentials.user === '') {
    throw new SmtpError('invalid-input', `${name} needs a user name`);
  }

  if (name === 'XOAUTH2' || name === 'OAUTHBEARER') {
    if (!credentials.token) throw new SmtpError('invalid-input', `${name} needs an access token`);
    if (name === 'XOAUTH2') return createXoauth2Client({ user: credentials.user, token: credentials.token });
    return createOauthBearerClient({
      user: credentials.user,
      token: credentials.token,
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
    });
  }

  // All remaining mechanisms are password-based. An empty password counts as missing: PLAIN's
  // grammar forbids it and no server we know of accepts one for the others.
  const password = credentials.password;
  if (password === undefined || password === '') {
    const hint = credentials.token ? ' (an access token only works with XOAUTH2 or OAUTHBEARER)' : '';
    throw new SmtpError('invalid-input', `${name} needs a password${hint}`);
  }
  const user = credentials.user;
  switch (name) {
    case 'PLAIN':
      return createPlainClient({ user, password, authzid: credentials.authzid });
    case 'LOGIN':
      return createLoginClient({ user, password });
    case 'CRAM-MD5':
      return createCramMd5Client({ user, password });
    case 'SCRAM-SHA-1':
    case 'SCRAM-SHA-256': {
      const maxIterations = options.maxScramIterations ?? DEFAULT_MAX_SCRAM_ITERATIONS;
      if (!Number.isSafeInteger(maxIterations) || maxIterations < 1) {
        throw new SmtpError('invalid-input', 'maxScramIterations must be a positive integer');
      }
      return createScramClient(
        name === 'SCRAM-SHA-1' ? 'SHA-1' : 'SHA-256',
        { user, password, authzid: credentials.authzid },
        { maxIterations, nonce: options.nonce },
      );
    }
    default:
      // Unreachable while SUPPORTED_MECHANISMS and this switch agree; fail loudly if they drift.
      throw new SmtpError('not-supported', `SASL mechanism ${name} has no implementation`);
  }
}

/**
 * Pick the strongest mechanism both sides support; undefined if none. With a token: OAUTHBEARER (the standard,
 * RFC 7628), else XOAUTH2.
 */
export function chooseMechanism(advertised: string[], credentials: SaslCredentials): string | undefined {
  // EHLO keywords are case-insensitive (RFC 5321 §2.4), so compare upper-cased.
  const offered = new Set(advertised.map((m) => m.trim().toUpperCase()));
  // A token is the most specific thing the user can hand us; prefer it when the server takes it.
  if (credentials.token && offered.has('OAUTHBEARER')) return 'OAUTHBEARER';
  if (credentials.token && offered.has('XOAUTH2')) return 'XOAUTH2';
  if (credentials.password === undefined || credentials.password === '') return undefined;
  return PASSWORD_PREFERENCE.find((m) => offered.has(m));
}
