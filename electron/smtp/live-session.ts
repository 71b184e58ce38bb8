import type { CommandExchange, Operation, SessionRecord, SessionResult, StoppedAfter, Verdict } from '../../shared/session-record.js';
import type { SaslCredentials } from './auth/sasl.js';
import { FATAL_ERRORS, SmtpError } from './errors.js';
import type { BatchMessage, BatchOptions, MailBatch } from './mail-batch.js';
import type { MessageRequest, PreparedMessage } from './prepare-message.js';
import type { Attribute } from './protocol/attributes.js';
import { replyInfo } from './protocol/reply.js';
import { SmtpSession, isUrlLikeHost, type AuthOptions, type OpenUntil, type SessionOptions, type SmugglingExchange } from './session.js';
import type { MailTransaction, SendOptions } from './transaction.js';
import { Transcript } from './transcript.js';

export const TOOL_NAME = 'smtp-lens';

export type { MessageRequest, PreparedMessage } from './prepare-message.js';

/**
 * Compose (or read) and sign a message before a send (see prepare-message.ts). Loaded on first use: composition and
 * DKIM pull in Nodemailer's MIME code, which a probe, a matrix or a domain check never needs.
 */
export async function prepareMessage(request: MessageRequest): Promise<PreparedMessage> {
  const { prepareMessage: prepare } = await import('./prepare-message.js');
  return prepare(request);
}

/** Mail transactions (and the message streaming behind them) load with the first send: a probe never needs them. */
const loadTransaction = () => import('./transaction.js');

export type LiveState = 'connecting' | 'ready' | 'busy' | 'closed' | 'failed';

export interface AuthRequest extends SaslCredentials, AuthOptions {
  /**
   * Authenticate when the server offers AUTH (with a mechanism that can be used), go on without it when not (swaks
   * -ao; PyMOTW's has_extn('AUTH')). An AUTH that was sent and refused still fails.
   */
  optional?: boolean;
}

export interface LiveSessionHooks {
  onState?: (state: LiveState, error?: SmtpError) => void;
}

const asSmtpError = (caught: unknown, transcript: Transcript): SmtpError => {
  if (caught instanceof SmtpError) return caught;
  const error = new SmtpError('protocol-error', `internal error: ${String(caught)}`, { cause: caught });
  transcript.error(error.message);
  return error;
};

/** A failure of these, or of any step while the session opens, leaves no session to go on with. */
const ENDS_SESSION = (code: SmtpError['code']): boolean => FATAL_ERRORS.has(code) || code === 'greeting-refused' || code === 'helo-refused';

/**
 * A session driven step by step (the app's model; the CLI's one-shot operations use it too).
 * Every step returns the session record as it stands; a step never throws: its failure is the
 * record's result. Steps run one at a time, in the order they were asked for.
 */
export class LiveSession {
  readonly transcript: Transcript;
  readonly session: SmtpSession | undefined;
  private readonly started = performance.now();
  private queue: Promise<unknown> = Promise.resolve();
  private error: SmtpError | undefined;
  private verdict: Verdict | undefined;
  private transaction: MailTransaction | undefined;
  /** The transaction's outcome was put in doubt by a reply out of turn after it (once is enough). */
  private doubted = false;
  private batch: MailBatch | undefined;
  private readonly commands: CommandExchange[] = [];
  /** The envelope of a check that stopped after MAIL or RCPT (no message sent). */
  private envelopeCheck: MailTransaction | undefined;
  private stoppedAfter: StoppedAfter | undefined;
  /** Why an optional AUTH was not done. */
  private authSkipped: string | undefined;
  state: LiveState = 'connecting';

  constructor(
    private readonly options: SessionOptions,
    private operation: Operation = 'session',
    private readonly hooks: LiveSessionHooks = {},
  ) {
    this.transcript = options.transcript ?? new Transcript();
    try {
      // cancel() goes through session.cancel(); a signal of the caller's is passed on as it is.
      this.session = new SmtpSession({ ...options, transcript: this.transcript });
    } catch (caught) {
      this.session = undefined;
      this.error = asSmtpError(caught, this.transcript);
      this.state = 'failed';
    }
  }

  private setState(state: LiveState): void {
    if (this.state === state) return;
    this.state = state;
    this.hooks.onState?.(state, state === 'failed' ? this.error : undefined);
  }

  /** Run one step after the previous ones; its failure becomes the record's result. */
  private step(work: (session: SmtpSession) => Promise<void>): Promise<SessionRecord> {
    const run = async (): Promise<SessionRecord> => {
      const session = this.session;
      if (!session || this.state === 'failed' || this.state === 'closed') {
        if (!this.error || this.state === 'closed') {
          this.error = new SmtpError('server-disconnected', 'the session is closed');
        }
        return this.record();
      }
      this.error = undefined;
      this.verdict = undefined;
      const opening = this.state === 'connecting';
      this.setState(opening ? 'connecting' : 'busy');
      try {
        await work(session);
        this.setState(session.isConnected ? 'ready' : 'failed');
      } catch (caught) {
        this.error = asSmtpError(caught, this.transcript);
        const fatal = ENDS_SESSION(this.error.code) || !session.isConnected || opening;
        this.setState(fatal ? 'failed' : 'ready');
      }
      this.reviewDoubt(session);
      return this.record();
    };
    const next = this.queue.then(run, run);
    this.queue = next;
    return next;
  }

  /** Connect, greet, EHLO/LHLO and apply the TLS mode; `until` stops earlier (see SmtpSession.open). */
  open(until?: OpenUntil): Promise<SessionRecord> {
    return this.step((session) => session.open(until));
  }

  authenticate(request: AuthRequest): Promise<SessionRecord> {
    const { mechanism, initialResponse, optional, ...credentials } = request;
    return this.step(async (session) => {
      try {
        await session.authenticate(credentials, { mechanism, initialResponse });
      } catch (error) {
        // not-supported is decided from the capabilities, before anything is sent: optional AUTH goes on without.
        if (!optional || !(error instanceof SmtpError) || error.code !== 'not-supported' || session.authResult) throw error;
        this.authSkipped = `${error.message}: the session went on without AUTH (optional)`;
        this.transcript.info(this.authSkipped);
      }
    });
  }

  /** One mail transaction with a prepared message. */
  send(prepared: PreparedMessage, options: SendOptions = {}): Promise<SessionRecord> {
    return this.step(async (session) => {
      const { MailTransaction } = await loadTransaction();
      const transaction = new MailTransaction(session, prepared.envelope, prepared.source, {
        ...options,
        ...(prepared.messageId ? { messageId: prepared.messageId } : {}),
        needsSmtpUtf8: prepared.needsSmtpUtf8 || options.needsSmtpUtf8,
      });
      this.transaction = transaction;
      this.batch = undefined;
      try {
        await transaction.run();
      } finally {
        this.verdict = transaction.verdict;
      }
    });
  }

  /**
   * Many messages on this connection, pipelined with each other when the server allows (a load test;
   * see MailBatch). Every message is in the transcript as usual; the record's `batch` counts the
   * outcomes and lists the first failures, and `message` describes the first message. The step fails
   * when any message was not delivered to every recipient (see record()).
   */
  sendMany(messages: Iterable<PreparedMessage> | AsyncIterable<PreparedMessage>, options: BatchOptions = {}): Promise<SessionRecord> {
    return this.step(async (session) => {
      const { MailBatch } = await import('./mail-batch.js');
      const batch = new MailBatch(session, options);
      this.batch = batch;
      this.transaction = undefined;
      try {
        await batch.run(asBatchMessages(messages));
      } catch (error) {
        // Messages whose end went out before the link was lost may have been delivered: that is the outcome to report.
        if (batch.unknown > 0 && error instanceof SmtpError && error.code !== 'delivery-unknown') {
          throw new SmtpError(
            'delivery-unknown',
            `${batch.unknown} message${batch.unknown === 1 ? '' : 's'} may have been delivered: the connection was lost after ${batch.unknown === 1 ? 'its' : 'their'} end was sent and before the server answered (${error.message})`,
            { ...(error.stage ? { stage: error.stage } : {}), cause: error },
          );
        }
        throw error;
      } finally {
        this.verdict = batch.verdict;
      }
    });
  }

  /**
   * MAIL and (with `through` 'rcpt') RCPT for a prepared message's envelope, and no DATA: the recipient and relay
   * check. The record's recipients say which were accepted; the step fails when the sender or any recipient was refused.
   */
  checkEnvelope(prepared: PreparedMessage, options: SendOptions, through: 'mail' | 'rcpt'): Promise<SessionRecord> {
    return this.step(async (session) => {
      const { MailTransaction } = await loadTransaction();
      const transaction = new MailTransaction(session, prepared.envelope, prepared.source, {
        ...options,
        needsSmtpUtf8: prepared.needsSmtpUtf8 || options.needsSmtpUtf8,
      });
      this.envelopeCheck = transaction;
      this.transaction = undefined;
      this.batch = undefined;
      try {
        await transaction.envelopeOnly(through);
      } finally {
        transaction.release();
      }
    });
  }

  /**
   * End a session that reached the stage it was told to stop after: QUIT and close, or (`quit` false) drop the link
   * with nothing more sent. The record says where it stopped.
   */
  stopAfter(stop: StoppedAfter): Promise<SessionRecord> {
    const run = async (): Promise<SessionRecord> => {
      const session = this.session;
      if (!session || this.state === 'closed') return this.record();
      // The link failed on the way (not a refusal): nothing to stop, it ends as any failed session does.
      if (this.state === 'failed' || !session.isConnected) {
        await session.quit();
        return this.record();
      }
      this.stoppedAfter = { ...stop };
      const stage = stop.stage.toUpperCase();
      if (stop.quit) {
        this.transcript.info(`stopping after ${stage} as asked: QUIT`);
        await session.quit();
      } else {
        this.transcript.info(`stopping after ${stage} as asked: dropping the connection without QUIT`);
        session.close();
      }
      this.setState('closed');
      return this.record();
    };
    const next = this.queue.then(run, run);
    this.queue = next;
    return next;
  }

  /** XFORWARD (postfix) before the next transaction; kept with the record's commands. */
  xforward(attributes: readonly Attribute[]): Promise<SessionRecord> {
    return this.step(async (session) => {
      const { command, reply } = await session.xforward(attributes);
      this.commands.push({ command, reply: replyInfo(reply) });
    });
  }

  /** VRFY (or EXPN); a 250/251/252 answer is success. */
  verify(address: string, expand = false): Promise<SessionRecord> {
    return this.step(async (session) => {
      const verb = expand ? 'EXPN' : 'VRFY';
      const reply = expand ? await session.expn(address) : await session.verify(address);
      this.commands.push({ command: `${verb} ${address}`, reply: replyInfo(reply) });
      if (reply.code < 250 || reply.code > 252) {
        throw new SmtpError('command-failed', `${verb} answered ${reply.code} ${reply.text}`, { reply, command: verb });
      }
    });
  }

  /** The smuggling self-test's transaction (see SmtpSession.smugglingExchange); `into` holds what arrived. */
  smuggle(envelope: { from: string; to: string }, payload: Buffer, maxExtra: number, into: SmugglingExchange): Promise<SessionRecord> {
    return this.step(async (session) => {
      try {
        await session.smugglingExchange(envelope, payload, maxExtra, into);
      } finally {
        this.keepSmuggling(envelope, into);
      }
    });
  }

  private keepSmuggling(envelope: { from: string; to: string }, into: SmugglingExchange): void {
    for (const [command, reply] of [
      [`MAIL FROM:<${envelope.from}>`, into.mail],
      [`RCPT TO:<${envelope.to}>`, into.rcpt],
      ['DATA', into.data],
      ['end of data', into.end],
      ...into.extra.map((r) => ['(a command smuggled in the message)', r] as const),
      ['QUIT', into.quit],
    ] as const) {
      if (reply) this.commands.push({ command, reply: replyInfo(reply) });
    }
  }

  /** One raw command line (AUTH arguments and SASL responses are redacted); a message line after DATA has no reply. */
  raw(line: string): Promise<SessionRecord> {
    return this.step(async (session) => {
      // The record keeps the redacted form the transcript shows (the session says what that is: an app's transcript
      // streams its events out and keeps none to look back at).
      const { reply, shown } = await session.rawLine(line);
      if (!reply) return;
      this.commands.push({ command: shown, reply: replyInfo(reply) });
    });
  }

  /**
   * A reply out of turn right after the answer to the end of the last message (even at QUIT) means that answer may
   * have been sent early: the message's outcome becomes unknown, and that is the session's result.
   */
  private reviewDoubt(session: SmtpSession): void {
    const why = session.endAnswerDoubt;
    const transaction = this.transaction;
    if (!why || this.doubted || !transaction?.endSent || transaction.verdict === 'unknown') return;
    this.doubted = true;
    this.error = transaction.doubt(why);
    this.verdict = 'unknown';
    this.transcript.error(this.error.message);
  }

  /** A TLS client key to present, given before the session connects (a key kept in a store, looked up late). */
  useClientKey(key: string): void {
    this.session?.useClientKey(key);
  }

  /** Abort whatever is running; the connection is dropped. */
  cancel(): void {
    this.session?.cancel();
  }

  /** QUIT and close (after any running step); the record's result stays that of the last step. */
  close(): Promise<SessionRecord> {
    const run = async (): Promise<SessionRecord> => {
      // A refused greeting still gets QUIT (RFC 5321 §3.1); any live session ends politely.
      if (this.session && this.state !== 'closed') await this.session.quit();
      if (this.state !== 'failed') this.setState('closed');
      if (this.session) this.reviewDoubt(this.session);
      return this.record();
    };
    const next = this.queue.then(run, run);
    this.queue = next;
    return next;
  }

  /** The session record as it stands now. */
  record(): SessionRecord {
    const session = this.session;
    const error = this.error;
    const result: SessionResult = { ok: !error };
    if (this.verdict) result.verdict = this.verdict;
    if (error) result.error = error.toJSON();
    const transaction = this.transaction;
    const batch = this.batch;
    if (!error && this.verdict === 'partial' && transaction) {
      result.ok = false;
      const refused = transaction.recipients.filter((r) => !r.delivered).map((r) => r.address);
      result.error = { code: 'some-recipients-refused', message: `delivered to some recipients only; refused: ${refused.join(', ')}` };
    }
    // Only for the step that sent the batch (every step starts with the verdict cleared).
    if (!error && batch && this.verdict !== undefined && batch.delivered < batch.attempted) {
      // Nothing delivered at all: the first refusal says why. Otherwise it is a partial delivery.
      result.ok = false;
      const notDelivered = batch.attempted - batch.delivered;
      result.error =
        this.verdict === 'none' && batch.firstError
          ? batch.firstError.toJSON()
          : {
              code: 'some-recipients-refused',
              message: `${notDelivered} of ${batch.attempted} messages were not delivered to every recipient${
                batch.firstError ? ` (first refusal: ${batch.firstError.message})` : ''
              }`,
            };
    }
    const record: SessionRecord = {
      version: 1,
      tool: TOOL_NAME,
      operation: this.operation,
      startedAt: new Date(this.transcript.startedAt).toISOString(),
      durationMs: Math.round((performance.now() - this.started) * 1000) / 1000,
      target: session?.target ?? fallbackTarget(this.options),
      capabilities: session?.capabilities.list() ?? [],
      findings: session?.findings.list() ?? [],
      events: this.transcript.events,
      result,
    };
    if (this.transcript.dropped > 0) record.eventsDropped = { count: this.transcript.dropped, bytes: this.transcript.droppedBytes };
    // Streamed, not kept: the record says how many there are.
    if (!this.transcript.retains) record.eventCount = this.transcript.recorded;
    if (session?.greeting) record.greeting = replyInfo(session.greeting);
    if (session?.helloVerb) record.helloVerb = session.helloVerb;
    if (session?.capabilitiesBeforeTls) record.capabilitiesBeforeTls = session.capabilitiesBeforeTls;
    if (session?.tlsInfo) record.tls = session.tlsInfo;
    if (session?.tlsSkipped) record.tlsSkipped = session.tlsSkipped;
    record.timings = session ? { ...session.timings } : {};
    if (session?.xclientExchange) record.xclient = session.xclientExchange;
    if (session?.authResult) record.auth = session.authResult;
    if (this.authSkipped) record.authSkipped = this.authSkipped;
    if (transaction?.summary) record.message = transaction.summary;
    if (transaction?.recipients.length) record.recipients = transaction.recipients;
    else if (this.envelopeCheck?.recipients.length) record.recipients = this.envelopeCheck.recipients;
    if (this.stoppedAfter) record.stoppedAfter = { ...this.stoppedAfter };
    if (batch) {
      record.batch = batch.summary();
      if (batch.firstSummary) record.message = batch.firstSummary;
    }
    if (this.commands.length) record.commands = [...this.commands];
    return record;
  }

  /** Mark a failure that happened outside a step (preparing a message), as the record's result. */
  fail(caught: unknown): SessionRecord {
    this.error = asSmtpError(caught, this.transcript);
    return this.record();
  }
}

/** The engine's view of prepared messages; a plain iterable stays plain (no await per message). */
function asBatchMessages(
  messages: Iterable<PreparedMessage> | AsyncIterable<PreparedMessage>,
): Iterable<BatchMessage> | AsyncIterable<BatchMessage> {
  const convert = (prepared: PreparedMessage): BatchMessage => ({
    envelope: prepared.envelope,
    source: prepared.source,
    ...(prepared.messageId ? { messageId: prepared.messageId } : {}),
    needsSmtpUtf8: prepared.needsSmtpUtf8,
  });
  if (Symbol.iterator in messages) {
    const plain = messages;
    return (function* () {
      for (const prepared of plain) yield convert(prepared);
    })();
  }
  const stream = messages;
  return (async function* () {
    for await (const prepared of stream) yield convert(prepared);
  })();
}

/** The target of a session that could not start: as given, but a host that was refused as a URL is left out (it may hold a password). */
function fallbackTarget(options: SessionOptions): SessionRecord['target'] {
  const host = options.host !== undefined && isUrlLikeHost(options.host) ? undefined : options.host;
  return {
    protocol: options.protocol ?? 'smtp',
    tls: options.tls ?? 'off',
    ehloName: options.ehloName ?? '',
    ...(options.socketPath !== undefined ? { socketPath: options.socketPath } : { host, port: options.port }),
  };
}
