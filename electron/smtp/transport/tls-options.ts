// TLS for a connection: the settings, Node's connect options made of them, a small cache of SecureContexts (a CA
// bundle is parsed once, not per connection), and a failed handshake or verification in the engine's words.
import { nodeCrypto } from '../lazy-crypto.js';
import net from 'node:net';
import type tls from 'node:tls';
import { nodeTls } from './lazy-tls.js';
import { explainVerifyError } from '../../../shared/explain/tls.js';
import { SmtpError } from '../errors.js';
import { defined } from '../../../shared/defined.js';

const isIp = (host: string | undefined): boolean => !!host && net.isIP(host) !== 0;

/** TLS settings shared by implicit TLS and STARTTLS. */
export interface TlsSettings {
  /** Verify the chain and the name (default true). */
  verify: boolean;
  /** PEM CA bundle to trust instead of the system's. */
  ca?: string | Buffer;
  /** Name for SNI and for the certificate check; defaults to the host the user typed. */
  servername?: string;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  ciphers?: string;
  /** Client certificate and key (PEM). */
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
}

/**
 * A failed TLS handshake as the engine's error. When the server answered in plaintext (OpenSSL's "wrong version
 * number" and friends: its greeting read as a TLS record), the message says so and suggests STARTTLS.
 */
export function handshakeError(prefix: string, err: Error, via: 'implicit' | 'starttls'): SmtpError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const plaintext =
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' ||
    /wrong version number|packet length too long|unknown protocol|http request/i.test(err.message);
  if (plaintext && via === 'implicit') {
    return new SmtpError('tls-failed', `${prefix}: the server did not answer in TLS (${err.message.trim()})`, {
      cause: err,
      hint: 'this port speaks plaintext SMTP, not implicit TLS: try STARTTLS (--tls starttls), or no TLS',
      suggestTls: 'starttls',
    });
  }
  return new SmtpError('tls-failed', `${prefix}: ${err.message}`, { cause: err, ...(via === 'starttls' ? { command: 'STARTTLS' } : {}) });
}

/** The name the certificate is checked against: the SNI override, else the host the user typed. */
export function verifyName(settings: TlsSettings, host: string | undefined): string | undefined {
  return settings.servername ?? host;
}

/** The detailed peer certificate Node hands the name check (it builds it only when the chain verified). */
export interface SeenCertificate {
  cert?: tls.DetailedPeerCertificate;
}

export function tlsConnectOptions(settings: TlsSettings, host: string | undefined, seen: SeenCertificate): tls.ConnectionOptions {
  const name = verifyName(settings, host);
  const options: tls.ConnectionOptions = {
    // We check the result ourselves after the handshake, so the record can say why verification failed.
    rejectUnauthorized: false,
    checkServerIdentity: (_servername, cert) => {
      seen.cert = cert as tls.DetailedPeerCertificate;
      return name ? nodeTls().checkServerIdentity(name, cert) : new Error('no host name to verify the certificate against');
    },
    secureContext: secureContextFor(settings),
  };
  // SNI carries host names only, never IP literals (RFC 6066 §3).
  if (name && !isIp(name)) options.servername = name;
  return options;
}

/**
 * Building a SecureContext (parsing the CA bundle, the client key) costs about half a millisecond, more
 * than the rest of a loopback handshake; sessions with the same TLS settings share one. The cache key is
 * every setting that goes into the context: public ones (CA, certificate, versions, ciphers) as given,
 * the private key and its passphrase only as a SHA-256, so no secret is kept as a key. The most recently
 * used few are kept. A context carries no per-connection state: verification, SNI and the name check
 * stay per connection, and no TLS session is resumed across connections through it.
 */
const secureContexts = new Map<string, tls.SecureContext>();
const SECURE_CONTEXT_CACHE_SIZE = 16;

function keyPart(value: string | Buffer | undefined, secret: boolean): string {
  if (value === undefined) return '-';
  if (secret || typeof value !== 'string') return `#${nodeCrypto().createHash('sha256').update(value).digest('base64')}`;
  return `${value.length}:${value}`;
}

export function secureContextFor(settings: TlsSettings): tls.SecureContext {
  const { ca, cert, key, passphrase, minVersion, maxVersion, ciphers } = settings;
  const cacheKey = [
    keyPart(ca, false),
    keyPart(cert, false),
    keyPart(key, true),
    keyPart(passphrase, true),
    keyPart(minVersion, false),
    keyPart(maxVersion, false),
    keyPart(ciphers, false),
  ].join('|');
  const cached = secureContexts.get(cacheKey);
  if (cached) {
    secureContexts.delete(cacheKey);
    secureContexts.set(cacheKey, cached);
    return cached;
  }
  let context: tls.SecureContext;
  try {
    context = nodeTls().createSecureContext({
      ...defined({ ca, cert, key, passphrase }),
      ...(minVersion ? { minVersion } : {}),
      ...(maxVersion ? { maxVersion } : {}),
      ...(ciphers ? { ciphers } : {}),
    });
  } catch (error) {
    throw new SmtpError('tls-failed', `the TLS settings were refused: ${(error as Error).message}`, { cause: error });
  }
  secureContexts.set(cacheKey, context);
  if (secureContexts.size > SECURE_CONTEXT_CACHE_SIZE) secureContexts.delete(secureContexts.keys().next().value!);
  return context;
}

/** " (self-signed certificate)": the reason in a few words, from the one table of them (shared/explain/tls.ts). */
export function verifyReason(code: string): string {
  const explained = explainVerifyError(code);
  return explained.known ? ` (${explained.title.charAt(0).toLowerCase()}${explained.title.slice(1)})` : '';
}
