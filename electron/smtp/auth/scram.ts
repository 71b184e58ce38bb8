import { nodeCrypto } from '../lazy-crypto.js';
import { SmtpError, escapeBytes } from '../errors.js';
import type { SaslClient } from './sasl.js';

/** The hash families SCRAM is defined for here (RFC 5802 SHA-1, RFC 7677 SHA-256). */
export type ScramHash = 'SHA-1' | 'SHA-256';

/** Default ceiling on the server-chosen PBKDF2 iteration count. */
export const DEFAULT_MAX_SCRAM_ITERATIONS = 100_000;

const DIGESTS: Record<ScramHash, { algorithm: string; length: number }> = {
  'SHA-1': { algorithm: 'sha1', length: 20 },
  'SHA-256': { algorithm: 'sha256', length: 32 },
};

type State = 'start' | 'first-sent' | 'final-sent' | 'verified' | 'completed' | 'failed';

// ---------------------------------------------------------------------------------------------
// SASLprep (RFC 4013), as RFC 5802 §2.2 asks for the user name and password ("query" strings,
// so unassigned code points are allowed). Tables are from RFC 3454 appendices; the bidi check is
// approximated with Unicode script properties because JavaScript exposes no Bidi_Class.

type Range = readonly [number, number];

// RFC 3454 B.1, "commonly mapped to nothing". U+200B is also in C.1.2 (space); being zero-width,
// dropping it is the more faithful reading, so B.1 wins.
const MAP_TO_NOTHING: readonly Range[] = [
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x1806, 0x1806],
  [0x180b, 0x180d],
  [0x200b, 0x200d],
  [0x2060, 0x2060],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
];

// RFC 3454 C.1.2, non-ASCII spaces: mapped to U+0020 (and therefore never left to prohibit).
const NON_ASCII_SPACE: readonly Range[] = [
  [0x00a0, 0x00a0],
  [0x1680, 0x1680],
  [0x2000, 0x200b],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
];

const PROHIBITED: readonly { label: string; ranges: readonly Range[] }[] = [
  { label: 'non-ASCII space', ranges: NON_ASCII_SPACE }, // C.1.2
  {
    label: 'control character',
    ranges: [
      [0x0000, 0x001f],
      [0x007f, 0x007f],
    ],
  }, // C.2.1
  {
    label: 'control character', // C.2.2
    ranges: [
      [0x0080, 0x009f],
      [0x06dd, 0x06dd],
      [0x070f, 0x070f],
      [0x180e, 0x180e],
      [0x200c, 0x200d],
      [0x2028, 0x2029],
      [0x2060, 0x2063],
      [0x206a, 0x206f],
      [0xfeff, 0xfeff],
      [0xfff9, 0xfffc],
      [0x1d173, 0x1d17a],
    ],
  },
  {
    label: 'private-use character',
    ranges: [
      [0xe000, 0xf8ff],
      [0xf0000, 0xffffd],
      [0x100000, 0x10fffd],
    ],
  }, // C.3
  { label: 'non-character code point', ranges: [[0xfdd0, 0xfdef]] }, // C.4 (plane ends handled below)
  { label: 'unpaired surrogate', ranges: [[0xd800, 0xdfff]] }, // C.5
  { label: 'character inappropriate for plain text', ranges: [[0xfff9, 0xfffd]] }, // C.6
  { label: 'ideographic description character', ranges: [[0x2ff0, 0x2ffb]] }, // C.7
  {
    label: 'display-changing or deprecated character', // C.8
    ranges: [
      [0x0340, 0x0341],
      [0x200e, 0x200f],
      [0x202a, 0x202e],
      [0x206a, 0x206f],
    ],
  },
  {
    label: 'tagging character',
    ranges: [
      [0xe0001, 0xe0001],
      [0xe0020, 0xe007f],
    ],
  }, // C.9
];

// Approximation of RFC 3454 D.1 (RandALCat): letters and punctuation of right-to-left scripts,
// without their combining marks (NSM) and digits (AN), which are not R/AL.
const RTL_SCRIPT =
  /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}]/u;
const MARK_OR_DIGIT = /[\p{M}\p{Nd}]/u;
// Approximation of D.2 (LCat): any other letter.
const LETTER = /\p{L}/u;

const inRanges = (cp: number, ranges: readonly Range[]): boolean => ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
const isRandAL = (ch: string): boolean => RTL_SCRIPT.test(ch) && !MARK_OR_DIGIT.test(ch);
const isL = (ch: string): boolean => LETTER.test(ch) && !isRandAL(ch);

/** Prepare a string with SASLprep (RFC 4013); throws invalid-input naming only the field and the kind of offending character. */
export function saslPrep(input: string, field: string): string {
  let mapped = '';
  for (const ch of input) {
    const cp = ch.codePointAt(0)!;
    if (inRanges(cp, MAP_TO_NOTHING)) continue;
    mapped += inRanges(cp, NON_ASCII_SPACE) ? ' ' : ch;
  }
  const normalized = mapped.normalize('NFKC');

  const chars = [...normalized];
  for (const ch of chars) {
    const cp = ch.codePointAt(0)!;
    const hit = PROHIBITED.find((p) => inRanges(cp, p.ranges));
    const label = hit?.label ?? ((cp & 0xfffe) === 0xfffe ? 'non-character code point' : undefined);
    // Never echo the character: for the password that would leak part of it.
    if (label) throw new SmtpError('invalid-input', `SCRAM: the ${field} contains a ${label}, which SASLprep (RFC 4013) prohibits`);
  }

  if (chars.some(isRandAL)) {
    if (chars.some(isL) || !isRandAL(chars[0]!) || !isRandAL(chars[chars.length - 1]!)) {
      throw new SmtpError(
        'invalid-input',
        `SCRAM: the ${field} mixes right-to-left and left-to-right text in a way SASLprep (RFC 4013 / RFC 3454 §6) prohibits`,
      );
    }
  }
  if (normalized === '') throw new SmtpError('invalid-input', `SCRAM: the ${field} is empty after SASLprep`);
  return normalized;
}

// ---------------------------------------------------------------------------------------------

/** Escape a name for the n= / a= attributes (RFC 5802 §5.1 saslname). */
function saslName(value: string): string {
  return value.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

// RFC 5802 §7: printable = %x21-2B / %x2D-7E (printable ASCII except ",").
const PRINTABLE = /^[\x21-\x2b\x2d-\x7e]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ATTRIBUTE = /^[A-Za-z]=/;

/** A SCRAM client without channel binding (gs2 flag "n"). */
class ScramClient implements SaslClient {
  readonly name: string;
  readonly supportsInitialResponse = true;
  readonly #digest: { algorithm: string; length: number };
  readonly #maxIterations: number;
  readonly #gs2Header: string;
  readonly #clientNonce: string;
  readonly #clientFirstBare: string;
  #password: string;
  #state: State = 'start';
  #expectedServerSignature: Buffer | undefined;

  constructor(hash: ScramHash, user: string, password: string, authzid: string | undefined, maxIterations: number, nonce: string) {
    this.name = `SCRAM-${hash}`;
    this.#digest = DIGESTS[hash];
    this.#maxIterations = maxIterations;
    this.#password = password;
    this.#gs2Header = authzid ? `n,a=${saslName(authzid)},` : 'n,,';
    this.#clientNonce = nonce;
    this.#clientFirstBare = `n=${saslName(user)},r=${nonce}`;
  }

  /** Whether the server proved knowledge of the password (a matching v= in server-final). */
  get serverVerified(): boolean {
    return this.#state === 'verified' || this.#state === 'completed';
  }

  initialResponse(): Buffer | null {
    if (this.#state !== 'start') {
      throw new SmtpError('invalid-input', `${this.name}: initialResponse() may be called only once, before any challenge`);
    }
    return this.#clientFirst();
  }

  respond(challenge: Buffer): Buffer {
    try {
      switch (this.#state) {
        case 'start':
          // The server wants the client-first message it did not get on the AUTH line.
          if (challenge.length === 0) return this.#clientFirst();
          throw this.#protocolError('the server sent a challenge before the client-first message', challenge);
        case 'first-sent':
          return this.#onServerFirst(challenge);
        case 'final-sent':
          return this.#onServerFinal(challenge);
        default:
          throw this.#protocolError('unexpected challenge after the exchange ended', challenge);
      }
    } catch (err) {
      this.#fail();
      throw err;
    }
  }

  complete(): void {
    if (this.#state === 'verified' || this.#state === 'completed') {
      this.#state = 'completed';
      return;
    }
    const why =
      this.#state === 'final-sent'
        ? 'the server accepted authentication without sending its signature (server-final message)'
        : 'the server accepted authentication before the SCRAM exchange finished';
    this.#fail();
    throw new SmtpError('auth-failed', `${this.name}: ${why}, so it never proved it knows the password`, {
      command: `AUTH ${this.name}`,
    });
  }

  #clientFirst(): Buffer {
    this.#state = 'first-sent';
    return Buffer.from(this.#gs2Header + this.#clientFirstBare, 'utf8');
  }

  #onServerFirst(challenge: Buffer): Buffer {
    const text = this.#decode(challenge, 'server-first');
    const parts = text.split(',');
    const first = parts[0] ?? '';
    if (first.startsWith('m=')) {
      throw this.#protocolError('the server requires a mandatory extension (m=) this client does not support', challenge);
    }
    if (first.startsWith('e=')) throw this.#serverError(first.slice(2), 'server-first');
    for (const part of parts) {
      if (!ATTRIBUTE.test(part)) throw this.#protocolError('malformed attribute in the server-first message', challenge);
    }

    const nonce = this.#attribute(parts, 0, 'r', 'nonce', challenge);
    if (!PRINTABLE.test(nonce)) throw this.#protocolError('the server nonce contains non-printable characters', challenge);
    if (!nonce.startsWith(this.#clientNonce) || nonce.length <= this.#clientNonce.length) {
      // A server that does not extend our nonce is either broken or replaying someone else's exchange.
      throw this.#protocolError('the server nonce does not extend the client nonce', challenge);
    }

    const saltText = this.#attribute(parts, 1, 's', 'salt', challenge);
    if (saltText === '' || !BASE64.test(saltText)) throw this.#protocolError('the salt is not valid base64', challenge);
    const salt = Buffer.from(saltText, 'base64');

    const iterText = this.#attribute(parts, 2, 'i', 'iteration count', challenge);
    if (!/^[0-9]+$/.test(iterText)) throw this.#protocolError('the iteration count is not a number', challenge);
    const iterations = Number(iterText);
    if (iterations < 1) throw this.#protocolError('the iteration count must be at least 1', challenge);
    if (!Number.isSafeInteger(iterations) || iterations > this.#maxIterations) {
      // The count is the server's to choose, and PBKDF2 runs on our thread: cap it.
      const shown = iterText.length > 24 ? `${iterText.slice(0, 24)}…` : iterText;
      throw this.#protocolError(
        `the server asked for ${shown} PBKDF2 iterations, above the limit of ${this.#maxIterations} (maxScramIterations)`,
        challenge,
      );
    }
    // Anything after i= is an optional extension (RFC 5802 §7); ignore it.

    const channelBinding = Buffer.from(this.#gs2Header, 'utf8').toString('base64');
    const clientFinalWithoutProof = `c=${channelBinding},r=${nonce}`;
    // AuthMessage uses the server-first bytes exactly as received.
    const authMessage = Buffer.concat([
      Buffer.from(`${this.#clientFirstBare},`, 'utf8'),
      challenge,
      Buffer.from(`,${clientFinalWithoutProof}`, 'utf8'),
    ]);

    const { algorithm, length } = this.#digest;
    const saltedPassword = nodeCrypto().pbkdf2Sync(Buffer.from(this.#password, 'utf8'), salt, iterations, length, algorithm);
    const clientKey = hmac(algorithm, saltedPassword, 'Client Key');
    const storedKey = nodeCrypto().createHash(algorithm).update(clientKey).digest();
    const clientSignature = hmac(algorithm, storedKey, authMessage);
    const proof = Buffer.alloc(length);
    for (let i = 0; i < length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
    const serverKey = hmac(algorithm, saltedPassword, 'Server Key');
    this.#expectedServerSignature = hmac(algorithm, serverKey, authMessage);

    const message = Buffer.from(`${clientFinalWithoutProof},p=${proof.toString('base64')}`, 'utf8');
    // Drop what we no longer need; JS strings cannot be wiped, but buffers can.
    for (const secret of [saltedPassword, clientKey, storedKey, clientSignature, proof, serverKey]) secret.fill(0);
    this.#password = '';
    this.#state = 'final-sent';
    return message;
  }

  #onServerFinal(challenge: Buffer): Buffer {
    const text = this.#decode(challenge, 'server-final');
    const parts = text.split(',');
    for (const part of parts) {
      if (!ATTRIBUTE.test(part)) throw this.#protocolError('malformed attribute in the server-final message', challenge);
    }
    const first = parts[0]!;
    if (first.startsWith('e=')) throw this.#serverError(first.slice(2), 'server-final');
    if (!first.startsWith('v=')) {
      throw this.#protocolError('the server-final message has neither v= (verifier) nor e= (error)', challenge);
    }
    const signatureText = first.slice(2);
    if (signatureText === '' || !BASE64.test(signatureText)) {
      throw this.#protocolError('the server signature is not valid base64', challenge);
    }
    const received = Buffer.from(signatureText, 'base64');
    const expected = this.#expectedServerSignature!;
    const matches = received.length === expected.length && nodeCrypto().timingSafeEqual(received, expected);
    expected.fill(0);
    this.#expectedServerSignature = undefined;
    if (!matches) {
      // No raw bytes here: the message must carry nothing derived from the password.
      throw new SmtpError('auth-failed', `${this.name}: server signature mismatch: the server could not prove it knows the password`, {
        command: `AUTH ${this.name}`,
      });
    }
    this.#state = 'verified';
    // RFC 4954 has no "success with data", so the server sends v= in a 334 and waits for an empty line.
    return Buffer.alloc(0);
  }

  /** Value of the attribute expected at a fixed position (RFC 5802 §7 fixes the order). */
  #attribute(parts: string[], index: number, key: string, label: string, challenge: Buffer): string {
    const part = parts[index];
    if (part === undefined || !part.startsWith(`${key}=`)) {
      throw this.#protocolError(`expected ${key}= (${label}) as attribute ${index + 1} of the server-first message`, challenge);
    }
    return part.slice(2);
  }

  #decode(challenge: Buffer, which: string): string {
    if (challenge.length === 0) throw this.#protocolError(`the ${which} message is empty`, challenge);
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(challenge);
    } catch {
      throw this.#protocolError(`the ${which} message is not valid UTF-8`, challenge);
    }
  }

  #protocolError(what: string, challenge: Buffer): SmtpError {
    return new SmtpError('protocol-error', `${this.name}: ${what}`, {
      command: `AUTH ${this.name}`,
      raw: escapeBytes(challenge),
    });
  }

  #serverError(value: string, which: string): SmtpError {
    return new SmtpError(
      'auth-failed',
      `${this.name}: the server rejected authentication in its ${which} message: ${escapeBytes(value, 200)}`,
      {
        command: `AUTH ${this.name}`,
      },
    );
  }

  #fail(): void {
    this.#state = 'failed';
    this.#password = '';
    this.#expectedServerSignature?.fill(0);
    this.#expectedServerSignature = undefined;
  }
}

/** HMAC(key, data) as in RFC 5802 §2.2. */
function hmac(algorithm: string, key: Buffer, data: string | Buffer): Buffer {
  return nodeCrypto().createHmac(algorithm, key).update(data).digest();
}

/** Create a SCRAM-SHA-1 or SCRAM-SHA-256 client; SASLpreps user and password, throws invalid-input if either is unusable. */
export function createScramClient(
  hash: ScramHash,
  credentials: { user: string; password: string; authzid?: string },
  options: { maxIterations?: number; nonce?: string } = {},
): SaslClient {
  const user = saslPrep(credentials.user, 'user name');
  const password = saslPrep(credentials.password, 'password');
  let nonce = options.nonce;
  if (nonce !== undefined) {
    if (!PRINTABLE.test(nonce)) throw new SmtpError('invalid-input', 'SCRAM: the nonce must be printable ASCII without ","');
  } else {
    // 24 random bytes = 192 bits; standard base64 never contains ",".
    nonce = nodeCrypto().randomBytes(24).toString('base64');
  }
  return new ScramClient(
    hash,
    user,
    password,
    credentials.authzid || undefined,
    options.maxIterations ?? DEFAULT_MAX_SCRAM_ITERATIONS,
    nonce,
  );
}
