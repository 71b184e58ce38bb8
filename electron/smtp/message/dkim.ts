import { createPrivateKey } from 'node:crypto';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import DKIM from 'nodemailer/lib/dkim';
import { SmtpError } from '../errors.js';
import type { MessageSource } from './message-source.js';

/** Sign with this key (RSA, PEM) for d= `domain`, s= `selector`. */
export interface DkimOptions {
  domain: string;
  selector: string;
  /** The private key, PEM. Never written anywhere: errors name the option, not the key. */
  privateKey: string;
}

// A tag value must not be able to end the tag or the header (DKIM tag-value, RFC 6376 §3.2).
const TAG_VALUE = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/** Check the options before anything is composed or sent: a bad key fails here, not silently later. */
export function checkDkim(options: DkimOptions): void {
  if (!TAG_VALUE.test(options.domain)) throw new SmtpError('invalid-input', `DKIM domain "${options.domain}" is not a domain name`);
  if (!TAG_VALUE.test(options.selector)) throw new SmtpError('invalid-input', `DKIM selector "${options.selector}" is not a selector`);
  let type: string | undefined;
  try {
    type = createPrivateKey(options.privateKey).asymmetricKeyType;
  } catch {
    throw new SmtpError('invalid-input', 'the DKIM key is not a private key in PEM (or it is encrypted)');
  }
  if (type !== 'rsa')
    throw new SmtpError(
      'invalid-input',
      `the DKIM key is ${type ?? 'of an unknown type'}: Nodemailer's signer signs with RSA (rsa-sha256)`,
    );
}

/**
 * The message with a DKIM-Signature header in front (Nodemailer's signer: relaxed/relaxed, rsa-sha256). The message
 * is read once here to sign it; the header is kept and every open() yields it before the unchanged message, so the
 * bytes are the same on every pass (the signature has no timestamp, and RSA PKCS#1 v1.5 is deterministic).
 */
export async function signSource(source: MessageSource, options: DkimOptions): Promise<MessageSource> {
  checkDkim(options);
  const signer = new DKIM({
    domainName: options.domain,
    keySelector: options.selector,
    privateKey: options.privateKey,
    // A message over the threshold is buffered in a temp file (mode 0600) rather than memory while it is signed.
    cacheDir: tmpdir(),
  });
  let inputSize = 0;
  const counted = Readable.from(
    (async function* () {
      for await (const chunk of source.open()) {
        inputSize += chunk.length;
        yield chunk;
      }
    })(),
  );
  // Keep only the start of the output: the header is at its front, and the rest is the message as it was.
  const HEAD_LIMIT = 64 * 1024;
  const head: Buffer[] = [];
  let headBytes = 0;
  let outputSize = 0;
  try {
    for await (const chunk of signer.sign(counted)) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      outputSize += bytes.length;
      if (headBytes < HEAD_LIMIT) {
        head.push(bytes);
        headBytes += bytes.length;
      }
    }
  } catch (error) {
    if (error instanceof SmtpError) throw error;
    throw new SmtpError('invalid-input', `DKIM signing failed: ${(error as Error).message}`);
  }
  const headerLength = outputSize - inputSize;
  const start = Buffer.concat(head);
  // Nodemailer leaves a message unsigned when the key cannot sign: say so rather than send it unsigned.
  if (headerLength <= 0 || !start.subarray(0, 15).toString('latin1').startsWith('DKIM-Signature:')) {
    throw new SmtpError('invalid-input', 'DKIM signing failed: the signer gave no signature (check the key)');
  }
  const header = Buffer.from(start.subarray(0, headerLength));
  return {
    size: source.size === undefined ? undefined : source.size + header.length,
    eightBit: source.eightBit,
    async *open() {
      yield header;
      yield* source.open();
    },
    ...(source.parts ? { parts: [header, ...source.parts] } : {}),
  };
}
