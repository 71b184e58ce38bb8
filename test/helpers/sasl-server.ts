/**
 * Server sides of SASL mechanisms for the fake server, written from the RFCs with node:crypto,
 * so the client is checked against an independent implementation rather than against itself.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { expect } from 'vitest';
import type { FakeConnection } from './support.js';

const b64 = (data: string | Buffer): string => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64');
const unb64 = (text: string): string => Buffer.from(text, 'base64').toString('utf8');

export interface ScramServerOptions {
  user: string;
  password: string;
  hash?: 'sha256' | 'sha1';
  iterations?: number;
  /** 'signature': send a wrong v=; 'skip-final': answer 235 without a server-final message. */
  tamper?: 'signature' | 'skip-final';
}

export interface ScramServerOutcome {
  /** The client's proof was right (it knows the password). */
  proofValid: boolean;
  /** What the client answered to our server-final message ('' to accept, '*' to cancel), if it got one. */
  afterFinal?: string;
}

/** RFC 5802 server side, from the AUTH line on; replies 235 on success. */
export async function serveScram(conn: FakeConnection, options: ScramServerOptions): Promise<ScramServerOutcome> {
  const hash = options.hash ?? 'sha256';
  const mech = hash === 'sha256' ? 'SCRAM-SHA-256' : 'SCRAM-SHA-1';
  const iterations = options.iterations ?? 4096;
  const length = hash === 'sha256' ? 32 : 20;
  const hmac = (key: Buffer, data: string | Buffer): Buffer => createHmac(hash, key).update(data).digest();
  const h = (data: Buffer): Buffer => createHash(hash).update(data).digest();

  const authLine = await conn.readLine();
  const m = new RegExp(`^AUTH ${mech}(?: (\\S+))?$`).exec(authLine);
  expect(m, `AUTH ${mech} line, got ${JSON.stringify(authLine)}`).not.toBeNull();
  let first: string;
  if (m![1] !== undefined) first = unb64(m![1]);
  else {
    conn.reply('334 ');
    first = unb64(await conn.readLine());
  }
  // gs2-header "n,," (no channel binding, no authzid) then client-first-bare.
  const gs2End = first.indexOf(',', first.indexOf(',') + 1) + 1;
  const gs2 = first.slice(0, gs2End);
  expect(gs2).toBe('n,,');
  const bare = first.slice(gs2End);
  const bareMatch = /^n=([^,]*),r=([^,]+)$/.exec(bare);
  expect(bareMatch, `client-first-bare ${bare}`).not.toBeNull();
  expect(bareMatch![1]).toBe(options.user.replace(/=/g, '=3D').replace(/,/g, '=2C'));
  const clientNonce = bareMatch![2]!;

  const salt = randomBytes(16);
  const nonce = clientNonce + randomBytes(18).toString('base64');
  const serverFirst = `r=${nonce},s=${salt.toString('base64')},i=${iterations}`;
  conn.reply(`334 ${b64(serverFirst)}`);

  const finalLine = await conn.readLine();
  if (finalLine === '*') {
    conn.reply('501 5.5.2 cancelled');
    return { proofValid: false };
  }
  const clientFinal = unb64(finalLine);
  const proofAt = clientFinal.lastIndexOf(',p=');
  const withoutProof = clientFinal.slice(0, proofAt);
  expect(withoutProof).toBe(`c=${b64(gs2)},r=${nonce}`);
  const proof = Buffer.from(clientFinal.slice(proofAt + 3), 'base64');

  const authMessage = `${bare},${serverFirst},${withoutProof}`;
  const salted = pbkdf2Sync(Buffer.from(options.password, 'utf8'), salt, iterations, length, hash);
  const storedKey = h(hmac(salted, 'Client Key'));
  const clientSignature = hmac(storedKey, authMessage);
  const recoveredKey = Buffer.alloc(length);
  for (let i = 0; i < length; i++) recoveredKey[i] = (proof[i] ?? 0) ^ clientSignature[i]!;
  const proofValid = proof.length === length && timingSafeEqual(h(recoveredKey), storedKey);
  if (!proofValid) {
    conn.reply('535 5.7.8 authentication failed');
    return { proofValid };
  }
  if (options.tamper === 'skip-final') {
    conn.reply('235 2.7.0 accepted');
    return { proofValid };
  }
  const signature = hmac(hmac(salted, 'Server Key'), authMessage);
  if (options.tamper === 'signature') signature[0] = signature[0]! ^ 0xff;
  conn.reply(`334 ${b64(`v=${signature.toString('base64')}`)}`);
  const afterFinal = await conn.readLine();
  if (afterFinal === '') conn.reply('235 2.7.0 authenticated');
  else conn.reply('501 5.5.2 cancelled');
  return { proofValid, afterFinal };
}

/** RFC 4616 PLAIN with or without an initial response; returns the decoded message. */
export async function servePlain(conn: FakeConnection, accept: boolean): Promise<string> {
  const line = await conn.readLine();
  const m = /^AUTH PLAIN(?: (\S+))?$/.exec(line);
  expect(m, `AUTH PLAIN line, got ${JSON.stringify(line)}`).not.toBeNull();
  let encoded = m![1];
  if (encoded === undefined) {
    conn.reply('334 ');
    encoded = await conn.readLine();
  }
  conn.reply(accept ? '235 2.7.0 authenticated' : '535 5.7.8 authentication credentials invalid');
  return unb64(encoded);
}

/** LOGIN: the two prompts; returns user and password as received. */
export async function serveLogin(conn: FakeConnection, accept: boolean): Promise<{ user: string; password: string }> {
  expect(await conn.readLine()).toBe('AUTH LOGIN');
  conn.reply(`334 ${b64('Username:')}`);
  const user = unb64(await conn.readLine());
  conn.reply(`334 ${b64('Password:')}`);
  const password = unb64(await conn.readLine());
  conn.reply(accept ? '235 2.7.0 authenticated' : '535 5.7.8 authentication failed');
  return { user, password };
}

/** CRAM-MD5 with a fixed challenge; checks the digest against the expected password. */
export async function serveCramMd5(conn: FakeConnection, password: string, accept = true): Promise<{ user: string; digestValid: boolean }> {
  expect(await conn.readLine()).toBe('AUTH CRAM-MD5');
  const challenge = `<${Date.now()}.1896@fake.test>`;
  conn.reply(`334 ${b64(challenge)}`);
  const [user, digest] = unb64(await conn.readLine()).split(' ');
  const expected = createHmac('md5', password).update(challenge).digest('hex');
  const digestValid = digest === expected;
  conn.reply(accept && digestValid ? '235 2.7.0 ok' : '535 5.7.8 bad digest');
  return { user: user!, digestValid };
}

/** XOAUTH2: success (235) or the error flow (334 JSON, empty line, 535). Returns the decoded message. */
export async function serveXoauth2(conn: FakeConnection, accept: boolean): Promise<{ message: string; ack?: string }> {
  const line = await conn.readLine();
  const m = /^AUTH XOAUTH2 (\S+)$/.exec(line);
  expect(m, `AUTH XOAUTH2 line, got ${JSON.stringify(line)}`).not.toBeNull();
  const message = unb64(m![1]!);
  if (accept) {
    conn.reply('235 2.7.0 accepted');
    return { message };
  }
  conn.reply(`334 ${b64(JSON.stringify({ status: '401', schemes: 'Bearer', scope: 'https://mail.example/' }))}`);
  const ack = await conn.readLine();
  conn.reply('535 5.7.8 Username and Password not accepted');
  return { message, ack };
}
