import type { SessionRecord } from '../../shared/session-record.js';
import { LiveSession, prepareMessage, type AuthRequest, type MessageRequest, type PreparedMessage } from './live-session.js';
import type { BatchOptions } from './mail-batch.js';
import { partsSource } from './message/message-source.js';
import type { SessionOptions } from './session.js';

export { TOOL_NAME, type AuthRequest } from './live-session.js';

/** One-shot operations from connect to QUIT, each described as a session record. They never throw. */

export interface ProbeRequest {
  connection: SessionOptions;
  auth?: AuthRequest;
}

export interface SendRequestOptions extends BatchOptions {
  /** Send the message this many times on the one connection (a load test; see MailBatch). Default: once. */
  count?: number;
}

export interface SendRequest extends ProbeRequest, MessageRequest {
  options?: SendRequestOptions;
}

/** A message up to this size is put together once when it is sent many times, rather than once per message. */
const IN_MEMORY_LIMIT = 1024 * 1024;

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
  const { count, ...options } = request.options ?? {};
  let prepared: PreparedMessage;
  try {
    prepared = await prepareMessage(request);
    if (count !== undefined) prepared = await inMemoryIfSmall(prepared);
  } catch (error) {
    return live.fail(error);
  }
  await opened(live, request);
  if (!failed(live.record())) {
    if (count === undefined) await live.send(prepared, options);
    else {
      const times = function* (): Generator<PreparedMessage> {
        for (let i = 0; i < count; i++) yield prepared;
      };
      await live.sendMany(times(), options);
    }
  }
  return live.close();
}

/**
 * A small message to be sent many times is read (or composed) once: its bytes are the same on every
 * pass anyway (a composed message fixes its date, Message-ID and boundaries), and each pass would
 * otherwise re-read the file or re-run the MIME composer.
 */
async function inMemoryIfSmall(prepared: PreparedMessage): Promise<PreparedMessage> {
  const { size } = prepared.source;
  if (size === undefined || size > IN_MEMORY_LIMIT) return prepared;
  const chunks: Buffer[] = [];
  for await (const chunk of prepared.source.open()) chunks.push(chunk);
  return { ...prepared, source: partsSource(chunks) };
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
