import type { SessionRecord } from '../../shared/session-record.js';
import { LiveSession, prepareMessage, type AuthRequest, type MessageRequest, type PreparedMessage } from './live-session.js';
import type { SessionOptions } from './session.js';
import type { SendOptions } from './transaction.js';

export { TOOL_NAME, type AuthRequest } from './live-session.js';

/** One-shot operations from connect to QUIT, each described as a session record. They never throw. */

export interface ProbeRequest {
  connection: SessionOptions;
  auth?: AuthRequest;
}

export interface SendRequest extends ProbeRequest, MessageRequest {
  options?: SendOptions;
}

export interface VerifyRequest extends ProbeRequest {
  address: string;
  /** EXPN instead of VRFY. */
  expand?: boolean;
}

export interface RawRequest extends ProbeRequest {
  commands: string[];
}

/** Open (greet, EHLO, TLS as asked) and authenticate if asked; every later step is skipped after a failure. */
async function opened(live: LiveSession, request: ProbeRequest): Promise<void> {
  await live.open();
  if (request.auth) await live.authenticate(request.auth);
}

const failed = (record: SessionRecord): boolean => !record.result.ok;

/** Connect, greet, EHLO, STARTTLS as asked, AUTH if asked, QUIT. */
export async function probe(request: ProbeRequest): Promise<SessionRecord> {
  const live = new LiveSession(request.connection, 'probe');
  await opened(live, request);
  return live.close();
}

/** Compose (or take) a message and send it in one transaction. */
export async function send(request: SendRequest): Promise<SessionRecord> {
  const live = new LiveSession(request.connection, 'send');
  // Composing reads and measures every attachment: do it (and check the envelope) before connecting,
  // so invalid input sends nothing and a big attachment does not leave the server idle mid-session.
  let prepared: PreparedMessage;
  try {
    prepared = await prepareMessage(request);
  } catch (error) {
    return live.fail(error);
  }
  await opened(live, request);
  if (!failed(live.record())) await live.send(prepared, request.options);
  return live.close();
}

/** VRFY (or EXPN) one address; a 250/251/252 answer is success. */
export async function verify(request: VerifyRequest): Promise<SessionRecord> {
  const live = new LiveSession(request.connection, 'verify');
  await opened(live, request);
  if (!failed(live.record())) await live.verify(request.address, request.expand);
  return live.close();
}

/** Send raw command lines after greeting/EHLO (and TLS, AUTH as asked); every reply is kept. */
export async function raw(request: RawRequest): Promise<SessionRecord> {
  const live = new LiveSession(request.connection, 'raw');
  await opened(live, request);
  for (const line of request.commands) {
    if (failed(await live.raw(line))) break;
  }
  return live.close();
}
