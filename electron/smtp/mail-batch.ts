// Over 450 lines: one state machine (many messages pipelined on one connection); its parts share the window's state.
import type { BatchFailure, BatchSummary, MessageSummary, RecipientOutcome, Verdict } from '../../shared/session-record.js';
import { SmtpError } from './errors.js';
import type { Envelope } from './message/compose.js';
import type { MessageSource } from './message/message-source.js';
import { FATAL_ERRORS } from './errors.js';
import type { SmtpSession } from './session.js';
import { MailTransaction, acceptedIn, type SendOptions, type TransactionPlan } from './transaction.js';

/** One message of a batch: its envelope and bytes (the same source may be given many times). */
export interface BatchMessage {
  envelope: Envelope;
  source: MessageSource;
  messageId?: string;
  needsSmtpUtf8?: boolean;
}

/** What to do after a message was not delivered to every recipient. */
export type BatchFailurePolicy = 'continue' | 'stop';

export interface BatchOptions extends SendOptions {
  /**
   * 'continue' (default): record the failure and go on with the next message. 'stop': start no new
   * message. With pipelining the next message's commands are on the wire before the previous one's
   * final reply arrives; a message already under way then is finished (never cut short with a lone
   * "." — that would deliver an empty message). Use pipelining: false to stop exactly after a failure.
   */
  onFailure?: BatchFailurePolicy;
  /**
   * BDAT with PIPELINING sends a message that fits in one chunk whole — MAIL, RCPT, BDAT LAST and the
   * body in one write — and this is how many such messages may be on the wire before the first of them
   * is answered (default 1: one round trip per message). Larger messages go as a single send does, once
   * the window is empty. With a window above 1, a refused message can make the server refuse the ones
   * already sent behind it (they are reported with the server's replies); RSET follows before anything
   * new is sent.
   */
  window?: number;
  /** Told each message's outcome as it becomes known, in order. */
  onMessage?: (outcome: MessageOutcome) => void;
  /** How many failures the summary keeps in detail (default 100); all are counted. */
  keepFailures?: number;
}

/** How one message of a batch went. */
export interface MessageOutcome {
  /** Position in the batch, from 0. */
  index: number;
  verdict: Verdict;
  recipients: RecipientOutcome[];
  summary?: MessageSummary;
  /** Why it was not delivered to anyone (absent when delivered or partial). */
  error?: SmtpError;
  /** From the message's start (its commands built) to its last reply, in ms. */
  latencyMs?: number;
}

const NOT_YET = Symbol('not yet');

/** A DATA message whose body went out except its last bytes and terminator, held to travel with what follows. */
interface HeldTail {
  tx: MailTransaction;
  index: number;
  parts: Buffer[];
  accepted: number;
}

/** What a prepared message was, to recognise it when it comes again. */
interface LastPrepared {
  tx: MailTransaction;
  plan: TransactionPlan;
  options: SendOptions;
  source: MessageSource;
  from: string;
  /** A copy: the caller may change its array between messages. */
  to: string[];
  messageId: string | undefined;
  needsSmtpUtf8: boolean | undefined;
}

/** A BDAT message sent whole, awaiting its replies. */
interface InFlight {
  tx: MailTransaction;
  index: number;
}

/**
 * Many mail transactions on one connection, as fast as the wire allows, every one recorded in the
 * transcript as usual (a load test, as smtp-source -m does, pipelined).
 *
 * With PIPELINING and DATA, the end of one message travels with the next one's commands: one write
 * holds `<last body bytes>.\r\nMAIL FROM:…\r\nRCPT TO:…\r\nDATA\r\n`, and the replies are taken in the
 * same order — the final reply (or, for LMTP, one per accepted recipient) of message n, then MAIL,
 * each RCPT and DATA of message n+1 — so a message costs one round trip. Each reply is matched to its
 * command by position only, so a refused MAIL of message n+1 is never mistaken for message n's final
 * reply. With BDAT (CHUNKING) no 354 is awaited, so a message goes whole in one write (MAIL, RCPT,
 * BDAT LAST, body) and, with a window above 1, several go ahead of their replies.
 * Without PIPELINING (or with pipelining: false) each message is a plain MailTransaction.
 *
 * A refused message (sender, every recipient, DATA or the final reply) is cleaned up as a single send
 * would (a lone "." after an unwanted 354, then RSET) and recorded; see onFailure for what follows.
 * A connection-level failure (timeout, disconnect, protocol error, cancellation) ends the batch: run()
 * throws it, and every message under way at that moment is recorded as failed with it.
 */
export class MailBatch {
  /** Messages started (their commands built); those not yet answered count as failed after a fatal error. */
  attempted = 0;
  delivered = 0;
  partial = 0;
  failed = 0;
  /** Messages whose end was sent and whose reply never came (the connection was lost): they may have been delivered. */
  unknown = 0;
  stopped = false;
  firstSummary: MessageSummary | undefined;
  firstError: SmtpError | undefined;
  readonly failures: BatchFailure[] = [];
  private startedAt = 0;
  private endedAt = 0;
  private method: 'DATA' | 'BDAT' | undefined;
  private chained = false;
  private readonly window: number;
  private readonly keepFailures: number;
  /** Messages started and not yet settled, by index. */
  private readonly underWay = new Map<number, MailTransaction>();
  /** The last DATA message, its end not yet sent. */
  private held: HeldTail | undefined;
  /** BDAT messages sent ahead, oldest first. */
  private readonly inFlight: InFlight[] = [];
  /** The last message prepared, to recognise the same message sent again. */
  private last: LastPrepared | undefined;
  /** When each message under way started (performance.now()), only when someone is told of outcomes. */
  private readonly startedOf = new Map<number, number>();

  constructor(
    private readonly session: SmtpSession,
    private readonly options: BatchOptions = {},
  ) {
    this.window = Math.max(1, Math.floor(options.window ?? 1));
    this.keepFailures = options.keepFailures ?? 100;
  }

  /** Verdict over every message: delivered (all of them fully), unknown (some may have been), none, else partial. */
  get verdict(): Verdict {
    if (this.attempted > 0 && this.delivered === this.attempted) return 'delivered';
    if (this.unknown > 0) return 'unknown';
    if (this.delivered === 0 && this.partial === 0) return 'none';
    return 'partial';
  }

  /** The batch as it stands (also after a failure), for the session record. */
  summary(): BatchSummary {
    const end = this.endedAt || performance.now();
    const durationMs = this.startedAt ? end - this.startedAt : 0;
    const finished = this.delivered + this.partial + this.failed + this.unknown;
    return {
      attempted: this.attempted,
      delivered: this.delivered,
      partial: this.partial,
      failed: this.failed,
      ...(this.unknown ? { unknown: this.unknown } : {}),
      ...(this.method ? { method: this.method } : {}),
      pipelined: this.chained,
      window: this.window,
      onFailure: this.options.onFailure ?? 'continue',
      ...(this.stopped ? { stopped: true } : {}),
      durationMs: Math.round(durationMs * 1000) / 1000,
      messagesPerSecond: durationMs > 0 ? Math.round((finished / durationMs) * 1000 * 10) / 10 : 0,
      failures: this.failures.slice(),
    };
  }

  /** Send every message; throws only a connection-level failure (message refusals are recorded). */
  async run(messages: Iterable<BatchMessage> | AsyncIterable<BatchMessage>): Promise<void> {
    this.startedAt = performance.now();
    try {
      // A plain iterable (an array, a generator) is walked without an await per message.
      if (Symbol.iterator in messages) {
        for (const message of messages) {
          if (this.stopped) break;
          await this.next(message);
        }
      } else {
        const iterator = messages[Symbol.asyncIterator]();
        for (;;) {
          const step = iterator.next();
          // The next message is not there yet (a paced load test): finish what is on the wire now rather than hold
          // the last message's end back until the next one comes.
          const ready = await Promise.race([step, new Promise<typeof NOT_YET>((resolve) => setImmediate(resolve, NOT_YET))]);
          let result: IteratorResult<BatchMessage>;
          if (ready === NOT_YET) {
            await this.finishUnderWay();
            result = await step;
          } else result = ready;
          if (result.done) break;
          if (this.stopped) {
            await iterator.return?.();
            break;
          }
          await this.next(result.value);
        }
      }
      await this.finishUnderWay();
    } catch (error) {
      // Connection-level: whatever was under way is lost with the connection — and what had its end sent may
      // have been delivered all the same.
      const fatal =
        error instanceof SmtpError ? error : new SmtpError('protocol-error', `internal error: ${String(error)}`, { cause: error });
      for (const [index, tx] of [...this.underWay]) {
        if (tx.endSent) tx.markUnknown();
        this.settle(index, tx, tx.endSent ? undefined : fatal);
      }
      throw fatal;
    } finally {
      this.endedAt = performance.now();
    }
  }

  /** Start one message, by the fastest way the server and the options allow. */
  private async next(message: BatchMessage): Promise<void> {
    const index = this.attempted++;
    if (this.options.onMessage) this.startedOf.set(index, performance.now());
    const same = this.sameAsLast(message);
    const options = same ? this.last!.options : this.optionsFor(message);
    const tx = new MailTransaction(this.session, message.envelope, message.source, options);
    this.underWay.set(index, tx);
    let plan: TransactionPlan;
    if (same) {
      // The same message again: checking, measuring and building its commands would give the same plan.
      tx.adoptPlan(this.last!.tx);
      plan = this.last!.plan;
    } else {
      try {
        plan = await tx.prepare();
      } catch (error) {
        // Nothing of this message was sent; what is under way is finished first, to keep the order.
        this.last = undefined;
        await this.finishUnderWay();
        this.settle(index, tx, error);
        return;
      }
      this.last = {
        tx,
        plan,
        options,
        source: message.source,
        from: message.envelope.from,
        to: [...message.envelope.to],
        messageId: message.messageId,
        needsSmtpUtf8: message.needsSmtpUtf8,
      };
    }
    this.method ??= plan.useBdat ? 'BDAT' : 'DATA';
    this.firstSummary ??= tx.summary;

    if (plan.pipelining && !plan.useBdat) {
      if (this.inFlight.length) await this.drainInFlight();
      const previous = this.held;
      this.held = undefined;
      this.held = await this.chainData(tx, index, previous);
    } else if (plan.pipelining && plan.useBdat && this.fitsOneChunk(tx)) {
      await this.finishHeld();
      await this.sendAheadBdat(tx, index);
    } else {
      await this.finishUnderWay();
      await this.runOne(tx, index);
    }
  }

  private optionsFor(message: BatchMessage): SendOptions {
    return {
      ...this.options,
      ...(message.messageId ? { messageId: message.messageId } : {}),
      needsSmtpUtf8: message.needsSmtpUtf8 || this.options.needsSmtpUtf8,
    };
  }

  /** Whether a message is the last one prepared again: same source and message id, same envelope by value. */
  private sameAsLast(message: BatchMessage): boolean {
    const last = this.last;
    if (!last || message.source !== last.source || message.messageId !== last.messageId) return false;
    if (message.needsSmtpUtf8 !== last.needsSmtpUtf8 || message.envelope.from !== last.from) return false;
    const to = message.envelope.to;
    if (to.length !== last.to.length) return false;
    for (let i = 0; i < to.length; i++) if (to[i] !== last.to[i]) return false;
    return true;
  }

  /** Finish what is on the wire: a held DATA tail, or BDAT messages sent ahead. */
  private async finishUnderWay(): Promise<void> {
    await this.finishHeld();
    await this.drainInFlight();
  }

  /** Send the held tail of the last DATA message on its own and take its reply(ies). */
  private async finishHeld(): Promise<void> {
    const held = this.held;
    this.held = undefined;
    if (held) await this.completeHeld(held, false);
  }

  /**
   * DATA, pipelined with the previous message's end: write [held tail of n-1] + MAIL/RCPT/DATA of n,
   * read n-1's final reply(ies), then n's envelope replies; stream n's body and hold its end back.
   */
  private async chainData(tx: MailTransaction, index: number, previous: HeldTail | undefined): Promise<HeldTail | undefined> {
    const session = this.session;
    const group = tx.commands();
    if (previous) {
      this.chained = true;
      // Replies already on their way are let in before the end of n-1 goes (see MailTransaction.sendEnd).
      await session.settle();
      session.transcript.sent('.');
      previous.tx.endSent = true;
      await session.sendGroup(
        { before: { bytes: previous.parts, expect: previous.tx.endExpectations(previous.accepted) }, ...group },
        'mail',
      );
      await this.completeHeld(previous, true);
    } else {
      await session.sendGroup(group, 'mail');
    }
    try {
      // The common case takes no wait at all: the replies came together, everything was accepted and
      // the body is small and in memory.
      const count = tx.groupSize;
      const replies = tx.envelopeFrom(session.ready(count) ?? (await session.replies(count)));
      const accepted = tx.noteEnvelope(replies);
      if (typeof accepted !== 'number') {
        await tx.abandonEnvelope(replies);
        throw accepted;
      }
      const parts = await tx.writeDataBody(replies.data!);
      return { tx, index, parts, accepted };
    } catch (error) {
      this.settleOrThrow(index, tx, error);
      return undefined;
    }
  }

  /** Send a held tail if it is not on the wire yet, read the reply(ies) to it and record the outcome. */
  private async completeHeld(held: HeldTail, written: boolean): Promise<void> {
    if (!written) await held.tx.sendEnd(held.parts, held.accepted);
    try {
      held.tx.applyFinalReplies(await held.tx.readFinals(held.accepted));
      this.settle(held.index, held.tx, undefined);
    } catch (error) {
      this.settleOrThrow(held.index, held.tx, error);
    }
  }

  private fitsOneChunk(tx: MailTransaction): boolean {
    // The normaliser may add a final CRLF to a body that does not end in one.
    return tx.summary!.size + 2 <= (this.options.bdatChunkSize ?? 1024 * 1024);
  }

  /** BDAT: the whole message in one write, answered later; the window bounds how many are unanswered. */
  private async sendAheadBdat(tx: MailTransaction, index: number): Promise<void> {
    const inFlight = this.inFlight;
    const session = this.session;
    const whole = await tx.wholeBdat();
    tx.endSent = true;
    const group = tx.commands();
    await session.sendGroup(
      {
        commands: [...group.commands, { line: whole.line, expect: tx.endExpectations('from-group') }],
        bytes: Buffer.concat([group.bytes, Buffer.from(`${whole.line}\r\n`, 'latin1')]),
        after: whole.parts,
        onRecorded: whole.record,
      },
      'dataBlock',
    );
    this.chained = true;
    inFlight.push({ tx, index });
    if (inFlight.length >= this.window && (await this.completeInFlight())) await this.drainInFlight(true);
  }

  /**
   * Read every sent-ahead message's replies. After a refusal (or when told one happened) RSET follows,
   * once the whole window has been read, so the next message starts from a clean state: a refused
   * transaction may still be open on the server's side.
   */
  private async drainInFlight(refused = false): Promise<void> {
    while (this.inFlight.length > 0) if (await this.completeInFlight()) refused = true;
    if (!refused) return;
    try {
      await this.session.rset();
    } catch (error) {
      if (!this.session.isConnected) throw error;
    }
  }

  /**
   * Read the oldest sent-ahead message's replies — MAIL, each RCPT, then BDAT LAST's: one reply, or for
   * LMTP one per accepted recipient (one when none was accepted) — and record its outcome.
   * Returns whether it was refused (the caller cleans up).
   */
  private async completeInFlight(): Promise<boolean> {
    const flight = this.inFlight.shift()!;
    const { tx } = flight;
    const session = this.session;
    try {
      const group = await session.replies(tx.groupSize);
      const replies = tx.envelopeFrom(group);
      const accepted = acceptedIn(group, replies.rcpts.length);
      // As endExpectations('from-group') owes them: for LMTP one per accepted recipient (one when none was).
      const finals = await tx.readFinals(session.protocol === 'lmtp' ? Math.max(1, accepted) : accepted);
      // No clean-up here: the rest of the window is on the wire already (see drainInFlight).
      const refusal = tx.noteEnvelope(replies);
      if (typeof refusal !== 'number') throw finals.lost ?? refusal;
      tx.applyFinalReplies(finals);
      this.settle(flight.index, tx, undefined);
      return false;
    } catch (error) {
      this.settleOrThrow(flight.index, tx, error);
      return true;
    }
  }

  /** A message on its own: MailTransaction.run() with its usual clean-up. */
  private async runOne(tx: MailTransaction, index: number): Promise<void> {
    try {
      await tx.run();
      this.settle(index, tx, undefined);
    } catch (error) {
      this.settleOrThrow(index, tx, error);
    }
  }

  /**
   * Record a message's failure, unless it is a connection-level one: that ends the batch. A message whose outcome
   * became unknown (its end was sent, the link was lost) is recorded as unknown first.
   */
  private settleOrThrow(index: number, tx: MailTransaction, error: unknown): void {
    if (error instanceof SmtpError && error.code === 'delivery-unknown') {
      // This message may have been delivered; the batch ends with what broke the connection.
      this.settle(index, tx, undefined);
      throw error.cause instanceof SmtpError ? error.cause : error;
    }
    if (!(error instanceof SmtpError) || FATAL_ERRORS.has(error.code) || !this.session.isConnected) throw error;
    this.settle(index, tx, error);
  }

  /** Count and report one message's outcome. */
  private settle(index: number, tx: MailTransaction, error: unknown): void {
    this.underWay.delete(index);
    const smtpError =
      error === undefined
        ? undefined
        : error instanceof SmtpError
          ? error
          : new SmtpError('protocol-error', String(error), { cause: error });
    const verdict: Verdict = smtpError ? 'none' : tx.verdict;
    if (verdict === 'delivered') this.delivered++;
    else if (verdict === 'partial') this.partial++;
    else if (verdict === 'unknown') this.unknown++;
    else this.failed++;
    if (verdict !== 'delivered') {
      if (smtpError) this.firstError ??= smtpError;
      if (this.failures.length < this.keepFailures) {
        this.failures.push({
          index,
          verdict,
          ...(smtpError ? { error: smtpError.toJSON() } : {}),
          recipients: tx.recipients.map((r) => ({ ...r })),
        });
      }
      if (this.options.onFailure === 'stop') this.stopped = true;
    }
    const started = this.startedOf.get(index);
    this.startedOf.delete(index);
    this.options.onMessage?.({
      index,
      verdict,
      ...(started !== undefined ? { latencyMs: performance.now() - started } : {}),
      recipients: tx.recipients,
      ...(tx.summary ? { summary: tx.summary } : {}),
      ...(smtpError ? { error: smtpError } : {}),
    });
  }
}
