import type { MessageSummary, RecipientOutcome, Verdict } from '../../shared/session-record.js';
import { SmtpError } from './errors.js';
import type { Envelope } from './message/compose.js';
import { measureSource, type MessageSource } from './message/message-source.js';
import { DotStuffer, LineEndingNormaliser } from './protocol/data-encoder.js';
import { replyInfo, type Reply } from './protocol/reply.js';
import { assertAddress, assertParam, xtext } from './protocol/wire-safety.js';
import type { SmtpSession } from './session.js';
import type { Transcript } from './transcript.js';

export type DsnNotify = 'NEVER' | 'SUCCESS' | 'FAILURE' | 'DELAY';

export interface SendOptions {
  /** Send SIZE= when the server advertises SIZE (default true). */
  size?: boolean;
  /** Ask for SMTPUTF8 (also turned on when an envelope address or the message needs it). */
  smtpUtf8?: boolean;
  /** DSN (RFC 3461). */
  dsn?: { ret?: 'FULL' | 'HDRS'; envid?: string; notify?: DsnNotify[]; orcpt?: boolean };
  /** Extra MAIL FROM / RCPT TO parameters, "KEYWORD" or "KEYWORD=value". */
  mailParams?: string[];
  rcptParams?: string[];
  /** Send parameters and BDAT even when the server did not advertise the extension. */
  force?: boolean;
  /** BDAT (RFC 3030): never, when advertised (default), or always. */
  bdat?: 'off' | 'auto' | 'on';
  /** Largest BDAT chunk in bytes (default 1 MiB). */
  bdatChunkSize?: number;
  /** Pipeline MAIL/RCPT/DATA when PIPELINING is advertised (default true). */
  pipelining?: boolean;
  messageId?: string;
  /** The message needs SMTPUTF8 (UTF-8 in headers or addresses). */
  needsSmtpUtf8?: boolean;
  /** Told after each block of the body is written: bytes of the message sent so far and its size. */
  onProgress?: (bytesSent: number, totalBytes: number) => void;
}

// Parameter keywords that belong to an extension of another name.
const PARAM_EXTENSION: Record<string, string> = {
  BODY: '8BITMIME',
  RET: 'DSN',
  ENVID: 'DSN',
  NOTIFY: 'DSN',
  ORCPT: 'DSN',
  HOLDFOR: 'FUTURERELEASE',
  HOLDUNTIL: 'FUTURERELEASE',
  BY: 'DELIVERBY',
};

const nonAscii = (text: string): boolean => /[^\x00-\x7f]/.test(text);

/** What a transaction will send, worked out before anything is sent. */
export interface TransactionPlan {
  mailLine: string;
  rcptLines: string[];
  useBdat: boolean;
  /** MAIL, the RCPTs (and DATA) go out in one write. */
  pipelining: boolean;
  /** The pipelined command group as lines and as bytes, made once (the plan is shared by a message sent again). */
  group?: { lines: string[]; bytes: Buffer };
  /** A small in-memory DATA body as last encoded, with a copy of the bytes it was encoded from. */
  encodedBody?: EncodedBody;
}

/** A DATA body encoded once: reused while the source's bytes are the same (compared, not assumed). */
interface EncodedBody {
  input: Buffer[];
  output: Buffer[];
  summary: string;
  wireBytes: number;
}

/** The replies to MAIL, each RCPT and (pipelined) DATA. */
export interface EnvelopeReplies {
  mail: Reply;
  rcpts: Reply[];
  data?: Reply;
}

/** Body bytes are gathered into writes of at least this size (fewer, fuller segments for small pieces). */
const COALESCE_BYTES = 64 * 1024;

/** Refuse an envelope that could not go on the wire: no recipients, or an unsafe address. */
export function assertEnvelope(envelope: Envelope): void {
  assertAddress(envelope.from, 'sender address');
  if (envelope.to.length === 0) throw new SmtpError('invalid-input', 'no recipients');
  for (const to of envelope.to) assertAddress(to, 'recipient address');
}

/**
 * One mail transaction: MAIL, RCPT for each recipient, DATA or BDAT, and the final reply
 * (one per accepted recipient for LMTP). What it learnt stays readable after a failure.
 */
export class MailTransaction {
  readonly recipients: RecipientOutcome[] = [];
  summary: MessageSummary | undefined;
  verdict: Verdict = 'none';
  private readonly transcript: Transcript;
  private plan: TransactionPlan | undefined;

  constructor(
    private readonly session: SmtpSession,
    private readonly envelope: Envelope,
    private readonly source: MessageSource,
    private readonly options: SendOptions = {},
  ) {
    this.transcript = session.transcript;
  }

  /** Run it; returns when the server has answered the body, throws a typed error otherwise. */
  async run(): Promise<void> {
    const plan = await this.prepare();
    const { session } = this;
    const t = session.timeouts;
    let replies: EnvelopeReplies;
    if (plan.pipelining) {
      await session.link.sendLines(this.envelopeLines().map((line) => ({ line })), 'mail', t.mail);
      replies = await this.readEnvelopeReplies();
    } else {
      const mail = await session.command(plan.mailLine, 'mail');
      const rcpts: Reply[] = [];
      if (mail.code === 250) {
        for (const line of plan.rcptLines) rcpts.push(await session.command(line, 'rcpt'));
      }
      replies = { mail, rcpts };
    }
    const acceptedCount = await this.acceptEnvelope(replies);
    if (plan.useBdat) {
      this.applyFinalReplies(await this.sendBdat(acceptedCount));
      return;
    }
    const dataReply = replies.data ?? (await session.command('DATA', 'dataInit'));
    await this.writeDataBody(dataReply, false);
    this.applyFinalReplies(await this.readFinals(acceptedCount));
  }

  /**
   * Everything before the wire: check the envelope and parameters, measure the message, choose DATA
   * or BDAT and build the command lines. Throws invalid-input or not-supported; sends nothing.
   */
  async prepare(): Promise<TransactionPlan> {
    if (this.plan) return this.plan;
    const { envelope, options, session } = this;
    assertEnvelope(envelope);
    for (const p of [...(options.mailParams ?? []), ...(options.rcptParams ?? [])]) assertParam(p);

    let { size, eightBit } = this.source;
    if (size === undefined || eightBit === undefined) ({ size, eightBit } = await measureSource(this.source));

    const useBdat = this.chooseBdat();
    const mailParams = this.mailParams(size, eightBit);
    this.summary = {
      envelopeFrom: envelope.from,
      envelopeTo: [...envelope.to],
      size,
      wireBytes: 0,
      method: useBdat ? 'BDAT' : 'DATA',
      mailParams,
      ...(options.messageId ? { messageId: options.messageId } : {}),
    };
    const paramText = (params: string[]): string => (params.length === 0 ? '' : ' ' + params.join(' '));
    this.plan = {
      mailLine: `MAIL FROM:<${envelope.from}>${paramText(mailParams)}`,
      rcptLines: envelope.to.map((to) => `RCPT TO:<${to}>${paramText(this.rcptParams(to))}`),
      useBdat,
      pipelining: options.pipelining !== false && session.capabilities.has('PIPELINING'),
    };
    return this.plan;
  }

  /**
   * Take over the plan of an earlier transaction of the same message — the same envelope (by value),
   * source, options and session, so prepare() would compute exactly this again (MailBatch sending one
   * message many times). Its summary is copied, so each transaction records its own wire bytes.
   */
  adoptPlan(earlier: MailTransaction): void {
    if (!earlier.plan || !earlier.summary) throw new Error('adoptPlan: the earlier transaction was not prepared');
    this.plan = earlier.plan;
    this.summary = { ...earlier.summary, wireBytes: 0 };
  }

  /** The pipelined command group: MAIL, every RCPT, and DATA unless the body goes by BDAT. */
  envelopeLines(): string[] {
    return this.commandGroup().lines;
  }

  /** The pipelined command group (envelopeLines()) and its bytes, CRLF after each line; do not change them. */
  commandGroup(): { lines: string[]; bytes: Buffer } {
    const plan = this.plan!;
    if (!plan.group) {
      const lines = plan.useBdat ? [plan.mailLine, ...plan.rcptLines] : [plan.mailLine, ...plan.rcptLines, 'DATA'];
      plan.group = { lines, bytes: Buffer.from(lines.map((line) => line + '\r\n').join(''), 'utf8') };
    }
    return plan.group;
  }

  /**
   * The replies to envelopeLines() when every one of them has arrived already — pipelined, they come
   * together — taken without a wait; undefined (and nothing taken) otherwise.
   */
  takeEnvelopeReplies(): EnvelopeReplies | undefined {
    const conn = this.session.link;
    const plan = this.plan!;
    const count = plan.rcptLines.length;
    if (conn.queuedReplies < 1 + count + (plan.useBdat ? 0 : 1)) return undefined;
    const mail = conn.takeReply()!;
    const rcpts: Reply[] = [];
    for (let i = 0; i < count; i++) rcpts.push(conn.takeReply()!);
    return plan.useBdat ? { mail, rcpts } : { mail, rcpts, data: conn.takeReply()! };
  }

  /** Read the replies to envelopeLines(), in the order the commands went out. */
  async readEnvelopeReplies(): Promise<EnvelopeReplies> {
    const ready = this.takeEnvelopeReplies();
    if (ready) return ready;
    const conn = this.session.link;
    const t = this.session.timeouts;
    const plan = this.plan!;
    // Replies that already arrived are taken without a wait (pipelined, they come together).
    const mail = conn.takeReply() ?? (await conn.readReply('MAIL FROM:', t.mail));
    const rcpts: Reply[] = [];
    for (let i = 0; i < plan.rcptLines.length; i++) rcpts.push(conn.takeReply() ?? (await conn.readReply('RCPT TO:', t.rcpt)));
    if (plan.useBdat) return { mail, rcpts };
    return { mail, rcpts, data: conn.takeReply() ?? (await conn.readReply('DATA', t.dataInit)) };
  }

  /**
   * Record each recipient's RCPT outcome. When the transaction cannot go on (sender or every recipient
   * refused), clean up — a lone "." if a pipelined DATA was accepted anyway, then RSET — and throw
   * (without `cleanUp`, the caller does that). Returns how many recipients were accepted.
   */
  async acceptEnvelope(replies: EnvelopeReplies, cleanUp = true): Promise<number> {
    const outcome = this.noteEnvelope(replies);
    if (typeof outcome === 'number') return outcome;
    if (cleanUp) await this.abandon(replies.data);
    throw outcome;
  }

  /** The clean-up after noteEnvelope() returned a refusal: a lone "." after an unwanted 354, then RSET. */
  abandonEnvelope(replies: EnvelopeReplies): Promise<void> {
    return this.abandon(replies.data);
  }

  /**
   * acceptEnvelope() without the clean-up: record each recipient's RCPT outcome; returns how many were
   * accepted, or the refusal to throw (sender refused, or every recipient) once the caller has cleaned up.
   */
  noteEnvelope(replies: EnvelopeReplies): number | SmtpError {
    const { envelope } = this;
    const { mail: mailReply, rcpts: rcptReplies } = replies;
    if (mailReply.code !== 250) {
      return new SmtpError('sender-refused', `the server refused the sender <${envelope.from}>: ${mailReply.code} ${mailReply.text}`, {
        reply: mailReply,
        command: 'MAIL FROM:',
      });
    }
    let acceptedCount = 0;
    const to = envelope.to;
    for (let i = 0; i < to.length; i++) {
      const reply = rcptReplies[i]!;
      const accepted = reply.code === 250 || reply.code === 251;
      const outcome: RecipientOutcome = { address: to[i]!, accepted, rcpt: replyInfo(reply), delivered: false };
      if (accepted) acceptedCount++;
      else outcome.failure = reply.code < 500 ? 'temporary' : 'permanent';
      this.recipients.push(outcome);
    }
    if (acceptedCount === 0) {
      const first = rcptReplies[0]!;
      return new SmtpError('recipients-refused', `the server refused every recipient (first: ${first.code} ${first.text})`, {
        reply: first,
        command: 'RCPT TO:',
      });
    }
    return acceptedCount;
  }

  private chooseBdat(): boolean {
    const mode = this.options.bdat ?? 'auto';
    const offered = this.session.capabilities.has('CHUNKING');
    if (mode === 'off') return false;
    if (mode === 'auto') return offered;
    if (!offered && !this.options.force) {
      throw new SmtpError('not-supported', 'BDAT was asked for but the server does not advertise CHUNKING', { command: 'BDAT' });
    }
    return true;
  }

  /** Refuse to send a parameter whose extension the server did not advertise, unless forced. */
  private requireExtension(extension: string, param: string): void {
    if (this.session.capabilities.has(extension) || this.options.force) return;
    throw new SmtpError(
      'not-supported',
      `the server does not advertise ${extension}, which ${param} needs; not sending it (force to send it anyway)`,
      { command: 'MAIL FROM:' },
    );
  }

  private mailParams(size: number, eightBit: boolean): string[] {
    const { options, session, envelope } = this;
    const caps = session.capabilities;
    const params: string[] = [];
    if (options.size !== false && caps.has('SIZE')) params.push(`SIZE=${size}`);
    if (eightBit) {
      this.requireExtension('8BITMIME', 'an 8-bit message body (BODY=8BITMIME)');
      params.push('BODY=8BITMIME');
    }
    const needsUtf8 =
      options.smtpUtf8 || options.needsSmtpUtf8 || nonAscii(envelope.from) || envelope.to.some(nonAscii);
    if (needsUtf8) {
      this.requireExtension('SMTPUTF8', 'SMTPUTF8');
      params.push('SMTPUTF8');
    }
    const dsn = options.dsn;
    if (dsn?.ret) {
      this.requireExtension('DSN', 'RET');
      params.push(`RET=${dsn.ret}`);
    }
    if (dsn?.envid) {
      this.requireExtension('DSN', 'ENVID');
      params.push(`ENVID=${xtext(dsn.envid)}`);
    }
    for (const extra of options.mailParams ?? []) {
      const keyword = extra.split('=')[0]!.toUpperCase();
      this.requireExtension(PARAM_EXTENSION[keyword] ?? keyword, extra);
      params.push(extra);
    }
    return params;
  }

  private rcptParams(address: string): string[] {
    const { dsn, rcptParams } = this.options;
    const params: string[] = [];
    if (dsn?.notify?.length) {
      this.requireExtension('DSN', 'NOTIFY');
      if (dsn.notify.includes('NEVER') && dsn.notify.length > 1) {
        throw new SmtpError('invalid-input', 'DSN NOTIFY=NEVER cannot be combined with other values');
      }
      params.push(`NOTIFY=${dsn.notify.join(',')}`);
    }
    if (dsn?.orcpt) {
      this.requireExtension('DSN', 'ORCPT');
      params.push(`ORCPT=${nonAscii(address) ? 'utf-8' : 'rfc822'};${xtext(address)}`);
    }
    for (const extra of rcptParams ?? []) {
      const keyword = extra.split('=')[0]!.toUpperCase();
      this.requireExtension(PARAM_EXTENSION[keyword] ?? keyword, extra);
      params.push(extra);
    }
    return params;
  }

  /**
   * The transaction cannot go on: if a pipelined DATA was accepted anyway, end it with an empty body
   * (RFC 2920 §3.1), then RSET so the connection stays usable.
   */
  private async abandon(dataReply: Reply | undefined): Promise<void> {
    const { session } = this;
    await this.cleanUp(async () => {
      if (dataReply?.code === 354) {
        await session.link.sendLine('.', 'dataEnd', session.timeouts.dataEnd);
        await session.link.readReply('.', session.timeouts.dataEnd);
      }
      await session.rset();
    });
  }

  /**
   * Clean-up after a refusal, best effort: when the server has hung up (after a 421, say), the reply
   * that ended the transaction is the error to report, not the RSET that could not go out.
   */
  private async cleanUp(step: () => Promise<unknown>): Promise<void> {
    try {
      await step();
    } catch {
      // The link is gone or broken (and marked so); the caller throws the refusal that explains why.
    }
  }

  /**
   * DATA after its reply: refused (not 354) → RSET and throw; else stream the dot-stuffed body. Small
   * pieces are gathered into writes of up to COALESCE_BYTES. With `holdTail` the last gathered bytes and
   * the terminator are returned unwritten, so the caller can send them in one write with whatever
   * follows (the next message's commands when pipelining many); otherwise everything is written and []
   * is returned. The "." is recorded in the transcript either way, where it falls on the wire.
   */
  async writeDataBody(dataReply: Reply, holdTail: boolean): Promise<Buffer[]> {
    if (holdTail && dataReply.code === 354) {
      const small = this.encodeSmallDataBody();
      if (small) return small;
    }
    const { session } = this;
    const conn = session.link;
    const t = session.timeouts;
    if (dataReply.code !== 354) {
      await this.cleanUp(() => session.rset());
      throw new SmtpError('data-refused', `the server refused DATA: ${dataReply.code} ${dataReply.text}`, {
        reply: dataReply,
        command: 'DATA',
      });
    }
    const stuffer = new DotStuffer();
    const capture = new BodyCapture(this.transcript, session.options.captureData === true);
    let held: Buffer[] = [];
    let heldBytes = 0;
    /** Encode one chunk; true when enough is gathered to write. */
    const take = (chunk: Buffer): boolean => {
      const out = stuffer.encode(chunk);
      if (out.length === 0) return false;
      capture.push(out);
      held.push(out);
      heldBytes += out.length;
      return heldBytes >= COALESCE_BYTES;
    };
    const flush = async (): Promise<void> => {
      const parts = held;
      held = [];
      heldBytes = 0;
      await conn.writeParts(parts, 'data block', t.dataBlock);
      this.options.onProgress?.(stuffer.bytesIn, this.summary!.size);
    };
    const inMemory = this.source.parts;
    if (inMemory) {
      for (const chunk of inMemory) if (take(chunk)) await flush();
    } else {
      for await (const chunk of this.source.open()) if (take(chunk)) await flush();
    }
    const tail = stuffer.end();
    // The terminator is ".\r\n" after a line break; capture everything before that dot as body.
    capture.push(tail.subarray(0, tail.length - 3));
    capture.finish(stuffer.bytesIn, stuffer.bytesOut, stuffer.lineBreaks);
    this.transcript.sent('.');
    this.summary!.wireBytes = stuffer.bytesOut;
    held.push(tail);
    if (holdTail) return held;
    await conn.writeParts(held, 'data block', t.dataBlock);
    this.options.onProgress?.(stuffer.bytesIn, this.summary!.size);
    return [];
  }

  /** BDAT: the body in chunks with exact byte counts, the last marked LAST; pipelined when advertised. */
  private async sendBdat(acceptedCount: number): Promise<Reply[]> {
    const { session } = this;
    const conn = session.link;
    const t = session.timeouts;
    const pipelining = this.options.pipelining !== false && session.capabilities.has('PIPELINING');
    const limit = this.options.bdatChunkSize ?? 1024 * 1024;
    const normaliser = new LineEndingNormaliser();
    const capture = new BodyCapture(this.transcript, session.options.captureData === true);
    let outstanding = 0;
    let wire = 0;
    // Pipelined, BDAT LAST is on the wire before any chunk reply is read: its reply must be drained too.
    let lastSent = false;

    const readChunkReply = async (): Promise<void> => {
      const reply = await conn.readReply('BDAT', t.dataInit);
      outstanding--;
      if (reply.code !== 250) {
        // RFC 3030 §2: after a failed chunk send no more; the transaction is over.
        await this.cleanUp(async () => {
          await this.drainBdatReplies(outstanding + (lastSent ? 1 : 0));
          await session.rset();
        });
        throw new SmtpError('data-refused', `the server refused a BDAT chunk: ${reply.code} ${reply.text}`, {
          reply,
          command: 'BDAT',
        });
      }
    };
    const sendChunk = async (chunk: Buffer, last: boolean): Promise<void> => {
      const line = `BDAT ${chunk.length}${last ? ' LAST' : ''}`;
      this.transcript.sent(line);
      capture.push(chunk);
      wire += chunk.length;
      await conn.write(Buffer.concat([Buffer.from(line + '\r\n'), chunk]), 'data block', t.dataBlock);
      this.options.onProgress?.(Math.min(wire, this.summary!.size), this.summary!.size);
      if (last) lastSent = true;
      if (!last) {
        outstanding++;
        if (!pipelining) await readChunkReply();
      }
    };

    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for await (const chunk of this.source.open()) {
      const out = normaliser.encode(chunk);
      if (out.length === 0) continue;
      pending.push(out);
      pendingBytes += out.length;
      // Hold back at least one buffer so the last chunk can carry LAST.
      while (pendingBytes > limit) {
        const joined = Buffer.concat(pending);
        await sendChunk(joined.subarray(0, limit), false);
        pending = [joined.subarray(limit)];
        pendingBytes = joined.length - limit;
      }
    }
    const tail = normaliser.end();
    if (tail.length) pending.push(tail);
    await sendChunk(Buffer.concat(pending), true);
    capture.finish(normaliser.bytesIn, normaliser.bytesOut, normaliser.lineBreaks);
    this.summary!.wireBytes = wire;
    while (outstanding > 0) await readChunkReply();
    return this.readFinals(acceptedCount);
  }

  /**
   * writeDataBody(354, holdTail) for a body in memory and smaller than one write: encoded and recorded
   * the same way, without a wait (undefined when the body is not such a one).
   */
  encodeSmallDataBody(): Buffer[] | undefined {
    const inMemory = this.source.parts;
    if (!inMemory || this.summary!.size >= COALESCE_BYTES) return undefined;
    const full = this.session.options.captureData === true;
    const plan = this.plan!;
    const cached = plan.encodedBody;
    // The same bytes as last time (a message sent again): the same output, summary and count.
    if (!full && cached && sameBytes(cached.input, inMemory)) {
      this.transcript.info(cached.summary);
      this.transcript.sent('.');
      this.summary!.wireBytes = cached.wireBytes;
      return cached.output.slice();
    }
    const stuffer = new DotStuffer();
    const capture = new BodyCapture(this.transcript, this.session.options.captureData === true);
    const held: Buffer[] = [];
    for (const chunk of inMemory) {
      const out = stuffer.encode(chunk);
      if (out.length === 0) continue;
      capture.push(out);
      held.push(out);
    }
    const tail = stuffer.end();
    capture.push(tail.subarray(0, tail.length - 3));
    const summary = capture.finish(stuffer.bytesIn, stuffer.bytesOut, stuffer.lineBreaks);
    this.transcript.sent('.');
    this.summary!.wireBytes = stuffer.bytesOut;
    held.push(tail);
    if (!full) {
      // Copies: the caller's buffers could change between messages, and the output must not.
      plan.encodedBody = {
        input: inMemory.map((part) => Buffer.from(part)),
        output: held.map((part) => Buffer.from(part)),
        summary,
        wireBytes: stuffer.bytesOut,
      };
    }
    return held;
  }

  /**
   * The whole body as one BDAT LAST chunk, for a message sent ahead of its replies (MailBatch): returns
   * the command line and the normalised body, recorded in the transcript as sendBdat() records them.
   */
  async wholeBdat(): Promise<Buffer[]> {
    const normaliser = new LineEndingNormaliser();
    const parts: Buffer[] = [];
    let length = 0;
    const take = (chunk: Buffer): void => {
      const out = normaliser.encode(chunk);
      if (out.length === 0) return;
      parts.push(out);
      length += out.length;
    };
    const inMemory = this.source.parts;
    if (inMemory) for (const chunk of inMemory) take(chunk);
    else for await (const chunk of this.source.open()) take(chunk);
    const tail = normaliser.end();
    if (tail.length) {
      parts.push(tail);
      length += tail.length;
    }
    const line = `BDAT ${length} LAST`;
    this.transcript.sent(line);
    const capture = new BodyCapture(this.transcript, this.session.options.captureData === true);
    for (const part of parts) capture.push(part);
    capture.finish(normaliser.bytesIn, normaliser.bytesOut, normaliser.lineBreaks);
    this.summary!.wireBytes = length;
    parts.unshift(Buffer.from(line + '\r\n', 'latin1'));
    return parts;
  }

  private async drainBdatReplies(count: number): Promise<void> {
    const conn = this.session.link;
    for (let i = 0; i < count; i++) await conn.readReply('BDAT', this.session.timeouts.dataInit);
  }

  /** The replies after the body when all of them have arrived already, taken without a wait; else undefined. */
  takeFinals(acceptedCount: number): Reply[] | undefined {
    const conn = this.session.link;
    const count = this.session.protocol === 'lmtp' ? acceptedCount : 1;
    if (conn.queuedReplies < count) return undefined;
    const replies: Reply[] = [];
    for (let i = 0; i < count; i++) replies.push(conn.takeReply()!);
    return replies;
  }

  /** One reply after the body for SMTP; one per accepted recipient, in RCPT order, for LMTP (RFC 2033 §4.2). */
  async readFinals(acceptedCount: number): Promise<Reply[]> {
    const command = this.summary?.method === 'BDAT' ? 'BDAT LAST' : 'final dot';
    const conn = this.session.link;
    const count = this.session.protocol === 'lmtp' ? acceptedCount : 1;
    const replies: Reply[] = [];
    for (let i = 0; i < count; i++) replies.push(conn.takeReply() ?? (await conn.readReply(command, this.session.timeouts.dataEnd)));
    return replies;
  }

  /** Record the replies after the body per accepted recipient; throws data-refused when nobody got it. */
  applyFinalReplies(finals: Reply[]): void {
    const lmtp = this.session.protocol === 'lmtp';
    let next = 0;
    let delivered = 0;
    for (const recipient of this.recipients) {
      if (recipient.accepted) {
        const reply = finals[lmtp ? next : 0]!;
        next++;
        recipient.data = replyInfo(reply);
        recipient.delivered = reply.code >= 200 && reply.code < 300;
        if (!recipient.delivered) recipient.failure = reply.code < 500 ? 'temporary' : 'permanent';
      }
      if (recipient.delivered) delivered++;
    }
    this.verdict = delivered === this.recipients.length ? 'delivered' : delivered === 0 ? 'none' : 'partial';
    if (delivered === 0) {
      const first = finals.find((r) => r.code >= 300)!;
      throw new SmtpError('data-refused', `the server refused the message: ${first.code} ${first.text}`, {
        reply: first,
        command: this.summary?.method === 'BDAT' ? 'BDAT' : 'DATA',
      });
    }
  }
}

/** Whether two lists of buffers hold the same bytes, piece by piece. */
function sameBytes(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!a[i]!.equals(b[i]!)) return false;
  return true;
}

/**
 * The body's part of the transcript: a one-line summary, or every line when full capture is on.
 * Lines are cut from the bytes actually written (after dot-stuffing for DATA).
 */
class BodyCapture {
  private carry = '';
  private lines = 0;

  constructor(
    private readonly transcript: Transcript,
    private readonly full: boolean,
  ) {}

  push(bytes: Buffer): void {
    // The summary's line count comes from the encoder, which has found every line break already.
    if (!this.full) return;
    const text = this.carry + bytes.toString('utf8');
    const parts = text.split('\r\n');
    this.carry = parts.pop()!;
    for (const line of parts) {
      this.lines++;
      this.transcript.sent(line);
    }
  }

  /** `lineBreaks`: the encoder's count of line breaks written, the line count of the summary. Returns the summary. */
  finish(bytesIn: number, bytesOut: number, lineBreaks: number): string {
    if (this.full && this.carry) {
      this.lines++;
      this.transcript.sent(this.carry);
    }
    const lines = this.full ? this.lines : lineBreaks;
    const summary = `message body: ${bytesIn} bytes in ${lines} lines (${bytesOut} bytes on the wire)`;
    this.transcript.info(summary);
    return summary;
  }
}
