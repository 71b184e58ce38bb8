import type { CommandExchange, Operation, SessionRecord, SessionResult } from '../../shared/session-record.js';
import type { SaslCredentials } from './auth/sasl.js';
import { SmtpError } from './errors.js';
import { composeMessage, type ComposeInput, type Envelope } from './message/compose.js';
import { rawMessage } from './message/envelope.js';
import type { MessageSource } from './message/message-source.js';
import { replyInfo } from './protocol/reply.js';
import { SmtpSession, type AuthOptions, type SessionOptions } from './session.js';
import { MailTransaction, assertEnvelope, type SendOptions } from './transaction.js';
import { Transcript } from './transcript.js';

export const TOOL_NAME = 'smtp-lens';

export interface AuthRequest extends SaslCredentials, AuthOptions {}

export interface ProbeRequest {
  connection: SessionOptions;
  auth?: AuthRequest;
}

export interface SendRequest extends ProbeRequest {
  /** A message built from fields, or an existing RFC 5322 message. */
  message: { compose: ComposeInput } | { raw: Buffer | { path: string } };
  /** Overrides of the envelope derived from the headers. */
  envelope?: { from?: string; to?: string[] };
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

/** What an operation adds to the record beyond the session's own facts. */
type Extra = Pick<SessionRecord, 'message' | 'recipients' | 'commands'> & { verdict?: SessionResult['verdict'] };

/**
 * Run one operation from connect to QUIT and describe it as a session record. Never throws:
 * a failure becomes `result.error`, with everything learnt before it kept.
 */
async function runSession(
  operation: Operation,
  request: ProbeRequest,
  body: (session: SmtpSession, extra: Extra) => Promise<void>,
  /** Work that needs no server (composing the message): done before connecting, so bad input sends nothing. */
  prepare?: () => Promise<void>,
): Promise<SessionRecord> {
  const transcript = request.connection.transcript ?? new Transcript();
  const started = performance.now();
  const extra: Extra = {};
  let session: SmtpSession | undefined;
  let error: SmtpError | undefined;
  try {
    await prepare?.();
    session = new SmtpSession({ ...request.connection, transcript });
    await session.open();
    if (request.auth) {
      const { mechanism, initialResponse, ...credentials } = request.auth;
      await session.authenticate(credentials, { mechanism, initialResponse });
    }
    await body(session, extra);
  } catch (caught) {
    error = caught instanceof SmtpError ? caught : new SmtpError('protocol-error', `internal error: ${String(caught)}`, { cause: caught });
    if (!(caught instanceof SmtpError)) transcript.error(error.message);
  } finally {
    // A refused greeting still gets QUIT (RFC 5321 §3.1); any live session ends politely.
    if (session) await session.quit();
  }

  const result: SessionResult = { ok: !error };
  if (extra.verdict) result.verdict = extra.verdict;
  if (error) result.error = error.toJSON();
  if (!error && extra.verdict === 'partial') {
    result.ok = false;
    const refused = extra.recipients?.filter((r) => !r.delivered).map((r) => r.address) ?? [];
    result.error = {
      code: 'some-recipients-refused',
      message: `delivered to some recipients only; refused: ${refused.join(', ')}`,
    };
  }
  const record: SessionRecord = {
    version: 1,
    tool: TOOL_NAME,
    operation,
    startedAt: new Date(transcript.startedAt).toISOString(),
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    target: session?.target ?? fallbackTarget(request.connection),
    capabilities: session?.capabilities.list() ?? [],
    events: transcript.events,
    result,
  };
  if (session?.greeting) record.greeting = replyInfo(session.greeting);
  if (session?.helloVerb) record.helloVerb = session.helloVerb;
  if (session?.capabilitiesBeforeTls) record.capabilitiesBeforeTls = session.capabilitiesBeforeTls;
  if (session?.tlsInfo) record.tls = session.tlsInfo;
  if (session?.tlsSkipped) record.tlsSkipped = session.tlsSkipped;
  if (session?.authResult) record.auth = session.authResult;
  if (extra.message) record.message = extra.message;
  if (extra.recipients) record.recipients = extra.recipients;
  if (extra.commands) record.commands = extra.commands;
  return record;
}

function fallbackTarget(options: SessionOptions): SessionRecord['target'] {
  return {
    protocol: options.protocol ?? 'smtp',
    tls: options.tls ?? 'off',
    ehloName: options.ehloName ?? '',
    ...(options.socketPath !== undefined ? { socketPath: options.socketPath } : { host: options.host, port: options.port }),
  };
}

/** Connect, greet, EHLO, STARTTLS as asked, AUTH if asked, QUIT. */
export function probe(request: ProbeRequest): Promise<SessionRecord> {
  return runSession('probe', request, async () => {});
}

/** Compose (or take) a message and send it in one transaction. */
export function send(request: SendRequest): Promise<SessionRecord> {
  let source: MessageSource;
  let envelope: Envelope;
  let messageId: string | undefined;
  let needsSmtpUtf8 = false;
  // Composing reads and measures every attachment: do it (and check the envelope) before connecting,
  // so invalid input sends nothing and a big attachment does not leave the server idle mid-session.
  const prepare = async (): Promise<void> => {
    if ('compose' in request.message) {
      const composed = await composeMessage(request.message.compose);
      ({ source, envelope, messageId, needsSmtpUtf8 } = composed);
    } else {
      ({ source, envelope, needsSmtpUtf8 } = await rawMessage(request.message.raw));
    }
    envelope = {
      from: request.envelope?.from ?? envelope.from,
      to: request.envelope?.to?.length ? request.envelope.to : envelope.to,
    };
    assertEnvelope(envelope);
  };
  return runSession('send', request, async (session, extra) => {
    const transaction = new MailTransaction(session, envelope, source, {
      ...request.options,
      ...(messageId ? { messageId } : {}),
      needsSmtpUtf8: needsSmtpUtf8 || request.options?.needsSmtpUtf8,
    });
    try {
      await transaction.run();
    } finally {
      if (transaction.summary) extra.message = transaction.summary;
      if (transaction.recipients.length) extra.recipients = transaction.recipients;
      extra.verdict = transaction.verdict;
    }
  }, prepare);
}

/** VRFY (or EXPN) one address; a 250/251/252 answer is success. */
export function verify(request: VerifyRequest): Promise<SessionRecord> {
  return runSession('verify', request, async (session, extra) => {
    const command = request.expand ? `EXPN ${request.address}` : `VRFY ${request.address}`;
    const reply = request.expand ? await session.expn(request.address) : await session.verify(request.address);
    extra.commands = [{ command, reply: replyInfo(reply) }];
    if (reply.code < 250 || reply.code > 252) {
      throw new SmtpError('command-failed', `${command.split(' ')[0]} answered ${reply.code} ${reply.text}`, {
        reply,
        command: command.split(' ')[0],
      });
    }
  });
}

/** Send raw command lines after greeting/EHLO (and TLS, AUTH as asked); every reply is kept. */
export function raw(request: RawRequest): Promise<SessionRecord> {
  return runSession('raw', request, async (session, extra) => {
    const commands: CommandExchange[] = [];
    extra.commands = commands;
    for (const line of request.commands) {
      const reply = await session.docmd(line);
      // The record keeps the redacted form the transcript shows.
      const shown = session.transcript.events.findLast((e) => e.dir === 'send')?.text ?? line;
      commands.push({ command: shown, reply: replyInfo(reply) });
    }
  });
}
