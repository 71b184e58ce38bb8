import {
  STOP_STAGES,
  type CommandExchange,
  type Operation,
  type SessionRecord,
  type StopStage,
  type StoppedAfter,
} from '../../shared/session-record.js';
import { LiveSession, prepareMessage, type AuthRequest, type MessageRequest, type PreparedMessage } from './live-session.js';
import type { BatchOptions } from './mail-batch.js';
import { SmtpError } from './errors.js';
import { assertWireSafe } from './protocol/wire-safety.js';
import type { Attribute } from './protocol/attributes.js';
import type { OpenUntil, SessionOptions } from './session.js';

export { TOOL_NAME, type AuthRequest } from './live-session.js';

/** One-shot operations from connect to QUIT, each described as a session record. They never throw. */

export interface ProbeRequest {
  connection: SessionOptions;
  auth?: AuthRequest;
  /**
   * Stop after a stage (swaks' --quit-after/--drop-after), with QUIT or by dropping the link. A stage the session does
   * not use (tls with TLS off, auth without credentials) stops where it would have happened. mail and rcpt are for send.
   */
  stopAfter?: StoppedAfter;
}

export interface SendRequestOptions extends BatchOptions {
  /** Send the message this many times on the one connection (a load test; see MailBatch). Default: once. */
  count?: number;
}

export interface SendRequest extends ProbeRequest, MessageRequest {
  options?: SendRequestOptions;
  /** XFORWARD attributes (postfix), sent before the transaction; not with `count` (the server forgets them after each). */
  xforward?: Attribute[];
}

/** A message up to this size is put together once when it is sent many times, rather than once per message. */
const IN_MEMORY_LIMIT = 1024 * 1024;

export interface VerifyRequest extends ProbeRequest {
  /** One VRFY (or EXPN) each, in order, on the one connection. */
  addresses: string[];
  /** EXPN instead of VRFY. */
  expand?: boolean;
}

export interface RawRequest extends ProbeRequest {
  commands: string[];
}

const failed = (record: SessionRecord): boolean => !record.result.ok;

const before = (a: StopStage, b: StopStage): boolean => STOP_STAGES.indexOf(a) < STOP_STAGES.indexOf(b);

/**
 * Open (greet, EHLO, TLS as asked) and authenticate if asked; every later step is skipped after a failure.
 * 'stop': the stop stage was reached (its step may have failed, as a refused AUTH does); 'failed': the session
 * failed before it; 'go-on': the operation's own steps come next.
 */
export async function opened(live: LiveSession, request: ProbeRequest, operation: Operation): Promise<'stop' | 'failed' | 'go-on'> {
  const stop = request.stopAfter;
  if (stop && operation !== 'send' && before('auth', stop.stage)) {
    live.fail(new SmtpError('invalid-input', `stopping after ${stop.stage.toUpperCase()} needs a message to send (send)`));
    return 'failed';
  }
  if (failed(await live.open(openUntil(stop)))) return 'failed';
  if (stop && !before('tls', stop.stage)) return 'stop';
  if (request.auth && failed(await live.authenticate(request.auth))) return stop?.stage === 'auth' ? 'stop' : 'failed';
  return stop && !before('auth', stop.stage) ? 'stop' : 'go-on';
}

/** How far open() goes for a stop stage (QUIT needs the greeting first, RFC 5321 §3.1: quitting after the connect waits for it). */
function openUntil(stop: StoppedAfter | undefined): OpenUntil | undefined {
  switch (stop?.stage) {
    case 'connect':
      return stop.quit ? 'greeting' : 'connect';
    case 'greeting':
    case 'ehlo':
      return stop.stage;
    default:
      return undefined;
  }
}

/** Stop as asked when the session got that far; QUIT and close otherwise (a failure ends it as usual). */
function end(live: LiveSession, request: ProbeRequest, how: 'stop' | 'failed' | 'go-on'): Promise<SessionRecord> {
  return how === 'stop' && request.stopAfter ? live.stopAfter(request.stopAfter) : live.close();
}

/** Connect, greet, EHLO, STARTTLS as asked, AUTH if asked, QUIT. */
export async function probe(request: ProbeRequest): Promise<SessionRecord> {
  const live = new LiveSession(request.connection, 'probe');
  return end(live, request, await opened(live, request, 'probe'));
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
  if (request.xforward?.length && count !== undefined) {
    return live.fail(
      new SmtpError('invalid-input', 'XFORWARD holds for one transaction: it does not go with sending the message many times'),
    );
  }
  const how = await opened(live, request, 'send');
  if (how !== 'go-on') return end(live, request, how);
  if (request.xforward?.length && failed(await live.xforward(request.xforward))) return live.close();
  const stop = request.stopAfter;
  if (stop?.stage === 'mail' || stop?.stage === 'rcpt') {
    // A refusal is the check's answer: the session stops as asked all the same (a lost link just closes).
    await live.checkEnvelope(prepared, options, stop.stage);
    return live.stopAfter(stop);
  }
  if (count === undefined) await live.send(prepared, options);
  else {
    const times = function* (): Generator<PreparedMessage> {
      for (let i = 0; i < count; i++) yield prepared;
    };
    await live.sendMany(times(), options);
  }
  return live.close();
}

/**
 * A small message to be sent many times is read (or composed) once: its bytes are the same on every
 * pass anyway (a composed message fixes its date, Message-ID and boundaries), and each pass would
 * otherwise re-read the file or re-run the MIME composer.
 */
export async function inMemoryIfSmall(prepared: PreparedMessage): Promise<PreparedMessage> {
  const { size } = prepared.source;
  if (size === undefined || size > IN_MEMORY_LIMIT) return prepared;
  const chunks: Buffer[] = [];
  for await (const chunk of prepared.source.open()) chunks.push(chunk);
  // Loaded here (it brings node:fs/promises and streams): only a send needs message sources.
  const { partsSource } = await import('./message/message-source.js');
  return { ...prepared, source: partsSource(chunks) };
}

/**
 * VRFY (or EXPN) each address on one connection; a 250/251/252 answer is success. Every address is asked even after a
 * refusal (the link permitting); the result fails with command-failed when any was not verified.
 */
export async function verify(request: VerifyRequest): Promise<SessionRecord> {
  const live = new LiveSession(request.connection, 'verify');
  if (request.addresses.length === 0) return live.fail(new SmtpError('invalid-input', 'no address to verify'));
  try {
    for (const address of request.addresses) assertWireSafe(address, 'address');
  } catch (error) {
    return live.fail(error);
  }
  const how = await opened(live, request, 'verify');
  if (how !== 'go-on') return end(live, request, how);
  const verb = request.expand ? 'EXPN' : 'VRFY';
  const refused: string[] = [];
  let first: string | undefined;
  for (const address of request.addresses) {
    const record = await live.verify(address, request.expand);
    if (record.result.error?.code !== 'command-failed') {
      if (record.result.ok) continue;
      break;
    }
    refused.push(address);
    first ??= record.result.error.message;
  }
  if (refused.length > 0 && live.record().result.ok) {
    const n = request.addresses.length;
    live.fail(
      new SmtpError(
        'command-failed',
        `${verb}: ${refused.length} of ${n} addresses not verified (${refused.join(', ')}); first: ${first}`,
        {
          command: verb,
        },
      ),
    );
  }
  return live.close();
}

/**
 * Send raw command lines after greeting/EHLO (and TLS, AUTH as asked); every reply is kept. Each line is checked
 * before anything connects; every line is sent even after a 4xx/5xx (the link permitting), and the result fails with
 * command-failed when any reply was 4xx/5xx.
 */
export async function raw(request: RawRequest): Promise<SessionRecord> {
  const live = new LiveSession(request.connection, 'raw');
  try {
    for (const line of request.commands) assertWireSafe(line, 'raw command');
  } catch (error) {
    return live.fail(error);
  }
  const how = await opened(live, request, 'raw');
  if (how !== 'go-on') return end(live, request, how);
  let answered = 0;
  const refused: CommandExchange[] = [];
  for (const line of request.commands) {
    const record = await live.raw(line);
    if (failed(record)) break;
    const commands = record.commands ?? [];
    // A message line after DATA has no reply; every other line adds its exchange.
    if (commands.length > answered) {
      answered = commands.length;
      const exchange = commands.at(-1)!;
      if (exchange.reply.code >= 400) refused.push(exchange);
    }
  }
  if (refused.length > 0 && live.record().result.ok) {
    const [firstRefused] = refused;
    live.fail(
      new SmtpError(
        'command-failed',
        `${refused.length} of ${answered} raw commands answered 4xx/5xx; first: ${firstRefused!.command} -> ${firstRefused!.reply.code} ${firstRefused!.reply.text}`,
        { command: firstRefused!.command },
      ),
    );
  }
  return live.close();
}
