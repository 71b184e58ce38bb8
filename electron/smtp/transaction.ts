// Over 450 lines: one transaction's verdict logic (MAIL, RCPT, DATA/BDAT, PRDR, LMTP) reads best as one piece.
import type { MessageSummary, RecipientOutcome, Verdict } from '../../shared/session-record.js';
import { BodyEncoder } from './body-encoder.js';
import { SmtpError } from './errors.js';
import type { Envelope } from './message/compose.js';
import { measureSource, type MessageSource } from './message/message-source.js';
import { replyInfo, type Reply } from './protocol/reply.js';
import { assertAddress, assertParam, xtext } from './protocol/wire-safety.js';
import type { GroupCommand, SmtpSession } from './session.js';
import type { Expectation } from './transport/connection.js';

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
  /** Send parameters, BDAT and a message over the advertised SIZE even when the server did not advertise them. */
  force?: boolean;
  /** BDAT (RFC 3030): never, when advertised (default), or always. */
  bdat?: 'off' | 'auto' | 'on';
  /** Largest BDAT chunk in bytes (default 1 MiB). */
  bdatChunkSize?: number;
  /** Pipeline MAIL/RCPT/DATA when PIPELINING is advertised (default true); 'force': even when it is not. */
  pipelining?: boolean | 'force';
  /** Ask for per-recipient replies after the data (PRDR) when the server advertises it. */
  prdr?: boolean;
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
  /** Pipelined although the server does not advertise PIPELINING (asked for with 'force'). */
  pipeliningForced: boolean;
  /** PRDR was asked for on MAIL FROM: the end of the data may be answered per recipient. */
  prdr: boolean;
  /** The message is larger than the SIZE the server advertised (sent because forced). */
  sizeExceeded?: { size: number; limit: number };
  /** The pipelined command group with its expectations and bytes, made once (the plan is shared by a message sent again). */
  group?: { commands: GroupCommand[]; bytes: Buffer };
  /** The expectations of the end of the message, by the number of accepted recipients, made once each. */
  ends?: Map<number | 'from-group', Expectation[]>;
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

/** What came back after the end of the message: per recipient (LMTP, PRDR) or one shared reply, and what was lost. */
export interface FinalReplies {
  /** SMTP without PRDR: the one reply for every recipient. */
  shared?: Reply;
  /** LMTP, or PRDR after its 353: one per accepted recipient in RCPT order (fewer when the link was lost). */
  perRecipient: Reply[];
  /** PRDR: the 353 and the final reply for the message (absent when it never came). */
  prdr?: { intro: Reply; final?: Reply };
  /** The connection failed before every owed reply came. */
  lost?: SmtpError;
}

/** Body bytes are gathered into writes of at least this size (fewer, fuller segments for small pieces). */
const COALESCE_BYTES = 64 * 1024;

/** Refuse an envelope that could not go on the wire: no recipients, or an unsafe address. */
export function assertEnvelope(envelope: Envelope): void {
  assertAddress(envelope.from, 'sender address');
  if (envelope.to.length === 0) throw new SmtpError('invalid-input', 'no recipients');
  for (const to of envelope.to) assertAddress(to, 'recipient address');
}

/** Accepted recipients counted from a group's envelope replies (MAIL first, then each RCPT). */
export function acceptedIn(earlier: readonly Reply[], recipients: number): number {
  if (earlier[0]?.code !== 250) return 0;
  let accepted = 0;
  for (let i = 1; i <= recipients && i < earlier.length; i++) if (earlier[i]!.code === 250 || earlier[i]!.code === 251) accepted++;
  return accepted;
}

/**
 * One mail transaction: MAIL, RCPT for each recipient, DATA or BDAT, and the replies to the end of the message
 * (one per accepted recipient for LMTP, and for PRDR). What it learnt stays readable after a failure.
 */
export class MailTransaction {
  readonly recipients: RecipientOutcome[] = [];
  summary: MessageSummary | undefined;
  verdict: Verdict = 'none';
  /** The end of the message (the final dot, or BDAT LAST) has been sent: from then on a lost link means "unknown". */
  endSent = false;
  private plan: TransactionPlan | undefined;

  /** The message's bytes, let go once the transaction is over (a session kept open must not hold every message). */
  private messageSource: MessageSource | undefined;

  constructor(
    private readonly session: SmtpSession,
    private readonly envelope: Envelope,
    source: MessageSource,
    private readonly options: SendOptions = {},
  ) {
    this.messageSource = source;
  }

  private get source(): MessageSource {
    if (!this.messageSource) throw new Error('the transaction is over: its message was released');
    return this.messageSource;
  }

  /** Drop the message's bytes: nothing of this transaction sends them again. */
  release(): void {
    this.messageSource = undefined;
  }

  /** Run it; returns when the server has answered the end of the message, throws a typed error otherwise. */
  async run(): Promise<void> {
    try {
      await this.runOnce();
    } finally {
      this.release();
    }
  }

  private async runOnce(): Promise<void> {
    const plan = await this.prepare();
    const { session } = this;
    let replies: EnvelopeReplies;
    if (plan.pipelining) {
      const group = this.commands();
      await session.sendGroup(group, 'mail');
      replies = this.envelopeFrom(await this.timedReplies(group.commands.length, plan.useBdat ? 'rcpt' : 'data'));
    } else {
      replies = await this.envelopeOneByOne('rcpt');
    }
    const accepted = await this.acceptEnvelope(replies);
    let started = performance.now();
    if (plan.useBdat) {
      const finals = await this.sendBdat(accepted);
      session.time('endOfData', performance.now() - started);
      this.applyFinalReplies(finals);
      return;
    }
    let dataReply = replies.data;
    if (!dataReply) {
      dataReply = await session.command('DATA', 'dataInit', undefined, 'data');
      session.time('data', performance.now() - started);
    }
    const tail = await this.writeDataBody(dataReply);
    started = performance.now();
    await this.sendEnd(tail, accepted);
    const finals = await this.readFinals(accepted);
    session.time('endOfData', performance.now() - started);
    this.applyFinalReplies(finals);
  }

  /**
   * The replies to a pipelined group (MAIL, the RCPTs, and DATA when `last` is 'data'), each timed as it is taken:
   * MAIL from the write, each later stage from the reply before it.
   */
  private async timedReplies(count: number, last: 'rcpt' | 'data'): Promise<Reply[]> {
    const { session } = this;
    const replies: Reply[] = [];
    let before = performance.now();
    const rcpts = last === 'data' ? count - 2 : count - 1;
    for (let i = 0; i < count; i++) {
      replies.push(await session.nextReply());
      if (i === 0 || i === rcpts || (last === 'data' && i === count - 1)) {
        const now = performance.now();
        session.time(i === 0 ? 'mail' : i === rcpts ? 'rcpt' : 'data', now - before);
        before = now;
      }
    }
    return replies;
  }

  /** MAIL, then (when it is accepted and `through` is 'rcpt') each RCPT after the reply to the one before; timed. */
  private async envelopeOneByOne(through: 'mail' | 'rcpt'): Promise<EnvelopeReplies> {
    const { session } = this;
    const plan = this.plan!;
    let started = performance.now();
    const mail = await session.command(plan.mailLine, 'mail', undefined, 'mail');
    session.time('mail', performance.now() - started);
    const rcpts: Reply[] = [];
    if (mail.code === 250 && through === 'rcpt') {
      started = performance.now();
      for (const line of plan.rcptLines) rcpts.push(await session.command(line, 'rcpt', undefined, 'rcpt'));
      session.time('rcpt', performance.now() - started);
    }
    return { mail, rcpts };
  }

  /**
   * The envelope only, for a relay or recipient check: MAIL, and with `through` 'rcpt' every RCPT (pipelined when
   * the plan allows), and never DATA or BDAT — nothing of the message is sent and the transaction is left open for
   * QUIT (or a dropped link) to end. Throws sender-refused, recipients-refused (every one), or some-recipients-refused.
   */
  async envelopeOnly(through: 'mail' | 'rcpt'): Promise<void> {
    const plan = await this.prepare();
    const { session, envelope } = this;
    let mail: Reply;
    let rcpts: Reply[];
    if (through === 'rcpt' && plan.pipelining) {
      const commands: GroupCommand[] = [{ line: plan.mailLine, expect: session.expect('mail', 'MAIL FROM:', 'mail') }];
      for (const line of plan.rcptLines) commands.push({ line, expect: session.expect('rcpt', 'RCPT TO:', 'rcpt') });
      await session.sendGroup({ commands }, 'mail');
      const replies = await this.timedReplies(commands.length, 'rcpt');
      mail = replies[0]!;
      rcpts = replies.slice(1);
    } else {
      ({ mail, rcpts } = await this.envelopeOneByOne(through));
    }
    if (through === 'mail') {
      if (mail.code === 250) {
        session.inTransaction = true;
        return;
      }
      const refused = this.noteEnvelope({ mail, rcpts: [] });
      if (refused instanceof SmtpError) throw refused;
    }
    const outcome = this.noteEnvelope({ mail, rcpts });
    if (outcome instanceof SmtpError) throw outcome;
    if (outcome < envelope.to.length) {
      const refused = this.recipients.filter((r) => !r.accepted).map((r) => r.address);
      throw new SmtpError(
        'some-recipients-refused',
        `${outcome} of ${envelope.to.length} recipients accepted; refused: ${refused.join(', ')}`,
        {
          command: 'RCPT TO:',
        },
      );
    }
  }

  /**
   * Everything before the wire: check the envelope, parameters and size, measure the message, choose DATA or BDAT
   * and build the command lines. Throws invalid-input, not-supported or message-too-large; sends nothing.
   */
  async prepare(): Promise<TransactionPlan> {
    if (this.plan) return this.plan;
    const { envelope, options, session } = this;
    assertEnvelope(envelope);
    for (const p of [...(options.mailParams ?? []), ...(options.rcptParams ?? [])]) assertParam(p);

    let { size, eightBit } = this.source;
    if (size === undefined || eightBit === undefined) ({ size, eightBit } = await measureSource(this.source));

    const caps = session.capabilities;
    const limit = caps.size;
    let sizeExceeded: TransactionPlan['sizeExceeded'];
    if (limit !== undefined && limit > 0 && size > limit) {
      if (!options.force) {
        throw new SmtpError(
          'message-too-large',
          `the message is ${size} bytes, larger than the ${limit} bytes the server advertises (SIZE ${limit}); not sending it (force to send it anyway)`,
          { command: 'MAIL FROM:' },
        );
      }
      sizeExceeded = { size, limit };
    }
    const useBdat = this.chooseBdat();
    const mailParams = this.mailParams(size, eightBit);
    const prdr = mailParams.some((p) => p.toUpperCase() === 'PRDR');
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
    const advertised = caps.has('PIPELINING');
    const pipelining = options.pipelining === 'force' || (options.pipelining !== false && advertised);
    this.plan = {
      mailLine: `MAIL FROM:<${envelope.from}>${paramText(mailParams)}`,
      rcptLines: envelope.to.map((to) => `RCPT TO:<${to}>${paramText(this.rcptParams(to))}`),
      useBdat,
      pipelining,
      pipeliningForced: pipelining && !advertised,
      prdr,
      ...(sizeExceeded ? { sizeExceeded } : {}),
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

  /**
   * The pipelined group — MAIL, every RCPT, and DATA unless the body goes by BDAT — with the reply each expects and
   * the group's bytes, made once per plan (a message sent many times reuses them; expectations are never changed).
   */
  commands(): { commands: GroupCommand[]; bytes: Buffer } {
    const plan = this.plan!;
    if (!plan.group) {
      const { session } = this;
      const commands: GroupCommand[] = [{ line: plan.mailLine, expect: session.expect('mail', 'MAIL FROM:', 'mail') }];
      for (const line of plan.rcptLines) commands.push({ line, expect: session.expect('rcpt', 'RCPT TO:', 'rcpt') });
      if (!plan.useBdat) commands.push({ line: 'DATA', expect: session.expect('data', 'DATA', 'dataInit') });
      plan.group = { commands, bytes: Buffer.from(commands.map((c) => c.line + '\r\n').join(''), 'utf8') };
    }
    return plan.group;
  }

  /** The replies of commands(), by position. */
  envelopeFrom(replies: readonly Reply[]): EnvelopeReplies {
    const count = this.plan!.rcptLines.length;
    const envelope: EnvelopeReplies = { mail: replies[0]!, rcpts: replies.slice(1, 1 + count) };
    if (!this.plan!.useBdat) envelope.data = replies[1 + count]!;
    if (this.plan!.pipeliningForced) this.notePipeliningAnswered();
    return envelope;
  }

  /** The server answered a pipelined group without advertising PIPELINING. */
  private notePipeliningAnswered(): void {
    this.session.findings.add(
      'pipelining-without-advertising',
      `MAIL, ${this.plan!.rcptLines.length} RCPT${this.plan!.useBdat ? '' : ' and DATA'} were sent in one group and each was answered, although PIPELINING is not advertised`,
      [this.session.transcript.lastIndex],
    );
  }

  /** How many replies the pipelined group is owed. */
  get groupSize(): number {
    return 1 + this.plan!.rcptLines.length + (this.plan!.useBdat ? 0 : 1);
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
    this.session.inTransaction = true;
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
    const needsUtf8 = options.smtpUtf8 || options.needsSmtpUtf8 || nonAscii(envelope.from) || envelope.to.some(nonAscii);
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
    const givenPrdr = (options.mailParams ?? []).some((p) => p.toUpperCase() === 'PRDR');
    if (options.prdr && !givenPrdr) {
      if (session.protocol === 'lmtp') {
        session.transcript.info('PRDR was asked for, but LMTP answers each recipient after the data anyway: not asked');
      } else if (caps.has('PRDR') || options.force) {
        params.push('PRDR');
      } else {
        session.transcript.info('PRDR was asked for, but the server does not advertise it: the message goes without it');
      }
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
      if (dataReply?.code === 354) await session.command('.', 'dataEnd', undefined, 'data-end');
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
    } finally {
      this.session.inTransaction = false;
    }
  }

  /**
   * The replies owed for the end of the message, in order: for SMTP one (with PRDR: after a 353, one per accepted
   * recipient and a final one), for LMTP one per accepted recipient. `accepted` may be decided from the group's
   * earlier replies (a whole message pipelined before its envelope was answered).
   */
  endExpectations(accepted: number | 'from-group'): Expectation[] {
    const plan = this.plan!;
    plan.ends ??= new Map();
    let ends = plan.ends.get(accepted);
    if (!ends) {
      ends = this.makeEndExpectations(accepted);
      plan.ends.set(accepted, ends);
    }
    return ends;
  }

  private makeEndExpectations(accepted: number | 'from-group'): Expectation[] {
    const { session } = this;
    const plan = this.plan!;
    const command = plan.useBdat ? 'BDAT LAST' : 'final dot';
    const recipients = plan.rcptLines.length;
    const count = (earlier: readonly Reply[]): number => (accepted === 'from-group' ? acceptedIn(earlier, recipients) : accepted);
    if (session.protocol === 'lmtp') {
      if (accepted !== 'from-group') {
        return Array.from({ length: accepted }, (_, index) =>
          session.expect('data-end', command, 'dataEnd', { lmtp: { index, count: accepted } }),
        );
      }
      // As many as the RCPTs before it accepted (one when none was: the refusal of the data).
      return [
        session.expect('data-end', command, 'dataEnd', {
          then: (_reply, earlier) => {
            const n = count(earlier);
            return Array.from({ length: Math.max(0, n - 1) }, (_, i) =>
              session.expect('data-end', command, 'dataEnd', { lmtp: { index: i + 1, count: n } }),
            );
          },
        }),
      ];
    }
    if (!plan.prdr) return [session.expect('data-end', command, 'dataEnd')];
    return [
      session.expect('data-end', command, 'dataEnd', {
        prdr: true,
        then: (reply, earlier) => {
          if (reply.code !== 353) return undefined;
          const n = count(earlier);
          const more = Array.from({ length: n }, (_, i) =>
            session.expect('prdr-recipient', `${command} (PRDR, recipient ${i + 1})`, 'dataEnd'),
          );
          more.push(session.expect('data-end', `${command} (PRDR, final)`, 'dataEnd'));
          return more;
        },
      }),
    ];
  }

  /**
   * DATA after its reply: refused (not 354) → RSET and throw; else stream the dot-stuffed body. Small pieces are
   * gathered into writes of up to COALESCE_BYTES. The last gathered bytes and the terminator are returned unwritten,
   * so the caller sends them with the replies they are owed (sendEnd), or in one write with whatever follows (the
   * next message's commands when pipelining many); the caller records the "." when it writes them.
   */
  async writeDataBody(dataReply: Reply): Promise<Buffer[]> {
    const { session } = this;
    if (dataReply.code !== 354) {
      await this.cleanUp(() => session.rset());
      throw new SmtpError('data-refused', `the server refused DATA: ${dataReply.code} ${dataReply.text}`, {
        reply: dataReply,
        command: 'DATA',
      });
    }
    const small = this.encodeSmallDataBody();
    if (small) return small;
    const body = new BodyEncoder('DATA', session.transcript, session.options.captureData === true);
    let held: Buffer[] = [];
    let heldBytes = 0;
    /** Encode one chunk; true when enough is gathered to write. */
    const take = (chunk: Buffer): boolean => {
      const out = body.encode(chunk);
      if (out.length === 0) return false;
      held.push(out);
      heldBytes += out.length;
      return heldBytes >= COALESCE_BYTES;
    };
    const flush = async (): Promise<void> => {
      const parts = held;
      held = [];
      heldBytes = 0;
      await session.writeBody(parts);
      this.options.onProgress?.(body.bytesIn, this.summary!.size);
    };
    const inMemory = this.source.parts;
    if (inMemory) {
      for (const chunk of inMemory) if (take(chunk)) await flush();
    } else {
      for await (const chunk of this.source.open()) if (take(chunk)) await flush();
    }
    held.push(body.end());
    body.finish();
    this.summary!.wireBytes = body.bytesOut;
    return held;
  }

  /**
   * Send the end of the message (the held last bytes and the terminator) owed its final replies. First the replies
   * already on their way are let in: one that came before the end could have been seen is a violation, not its answer.
   */
  async sendEnd(tail: readonly Buffer[], accepted: number): Promise<void> {
    const { session } = this;
    await session.settle();
    session.transcript.sent('.');
    this.endSent = true;
    await session.sendBytes(tail, this.endExpectations(accepted), 'dataBlock');
    this.options.onProgress?.(this.summary!.size, this.summary!.size);
  }

  /**
   * BDAT: the body in chunks with exact byte counts, the last marked LAST; pipelined when advertised. A chunk that
   * is refused stops the sending at once (RFC 3030 §2: no BDAT after a failed one): no more chunk bytes are written
   * once a failure reply has been read, then RSET.
   */
  private async sendBdat(acceptedCount: number): Promise<FinalReplies> {
    const { session } = this;
    const pipelining = this.plan!.pipelining;
    const limit = this.options.bdatChunkSize ?? 1024 * 1024;
    const body = new BodyEncoder('BDAT', session.transcript, session.options.captureData === true);
    let outstanding = 0;
    let wire = 0;

    /** A refused chunk: read what is still owed for the chunks already sent, RSET, throw. */
    const refused = async (reply: Reply): Promise<never> => {
      await this.cleanUp(async () => {
        if (outstanding > 0) await session.replies(outstanding);
        outstanding = 0;
        await session.rset();
      });
      throw new SmtpError('data-refused', `the server refused a BDAT chunk: ${reply.code} ${reply.text}`, { reply, command: 'BDAT' });
    };
    /** Take chunk replies that have arrived (pipelined) or the next one (not); a refusal ends the sending. */
    const takeReplies = async (wait: boolean): Promise<void> => {
      while (outstanding > 0 && (wait || session.waitingReplies > 0)) {
        const reply = await session.nextReply();
        outstanding--;
        if (reply.code !== 250) await refused(reply);
        if (!wait) continue;
        wait = false;
      }
    };
    const sendChunk = async (chunk: Buffer): Promise<void> => {
      // A refusal that has arrived stops us before another chunk is written.
      await takeReplies(false);
      wire += chunk.length;
      outstanding++;
      await session.sendGroup(
        {
          commands: [{ line: `BDAT ${chunk.length}`, expect: session.expect('bdat', 'BDAT', 'dataInit') }],
          after: [chunk],
          onRecorded: () => body.written(chunk),
        },
        'dataBlock',
      );
      this.options.onProgress?.(Math.min(wire, this.summary!.size), this.summary!.size);
      await takeReplies(!pipelining);
    };

    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for await (const chunk of this.source.open()) {
      const out = body.encode(chunk);
      if (out.length === 0) continue;
      pending.push(out);
      pendingBytes += out.length;
      // Hold back at least one buffer so the last chunk can carry LAST.
      while (pendingBytes > limit) {
        const joined = Buffer.concat(pending);
        await sendChunk(joined.subarray(0, limit));
        pending = [joined.subarray(limit)];
        pendingBytes = joined.length - limit;
      }
    }
    const tail = body.end();
    if (tail.length) pending.push(tail);
    const last = Buffer.concat(pending);
    await takeReplies(false);
    await session.settle();
    wire += last.length;
    this.summary!.wireBytes = wire;
    this.endSent = true;
    // The LAST line and its chunk, owed the end's replies (after the replies still owed for earlier chunks).
    await session.sendGroup(
      {
        commands: [{ line: `BDAT ${last.length} LAST`, expect: this.endExpectations(acceptedCount) }],
        after: [last],
        onRecorded: () => {
          body.written(last);
          body.finish();
        },
      },
      'dataBlock',
    );
    this.options.onProgress?.(this.summary!.size, this.summary!.size);
    while (outstanding > 0) {
      let reply: Reply;
      try {
        reply = await session.nextReply();
      } catch (error) {
        return { perRecipient: [], lost: asLost(error) };
      }
      outstanding--;
      if (reply.code !== 250) {
        // The transaction is over on the server's side (RFC 3030 §2); what LAST is answered changes nothing.
        await this.cleanUp(async () => {
          if (outstanding > 0) await session.replies(outstanding);
          await this.readFinals(acceptedCount);
          await session.rset();
        });
        this.endSent = false;
        throw new SmtpError('data-refused', `the server refused a BDAT chunk: ${reply.code} ${reply.text}`, { reply, command: 'BDAT' });
      }
    }
    return this.readFinals(acceptedCount);
  }

  /**
   * writeDataBody(354) for a body in memory and smaller than one write: encoded and recorded the same way, without a
   * wait (undefined when the body is not such a one). The terminator is the last part.
   */
  encodeSmallDataBody(): Buffer[] | undefined {
    const inMemory = this.source.parts;
    if (!inMemory || this.summary!.size >= COALESCE_BYTES) return undefined;
    const { session } = this;
    const full = session.options.captureData === true;
    const plan = this.plan!;
    const cached = plan.encodedBody;
    // The same bytes as last time (a message sent again): the same output, summary and count.
    if (!full && cached && sameBytes(cached.input, inMemory)) {
      session.transcript.info(cached.summary);
      this.summary!.wireBytes = cached.wireBytes;
      return cached.output.slice();
    }
    const body = new BodyEncoder('DATA', session.transcript, full);
    const held: Buffer[] = [];
    for (const chunk of inMemory) {
      const out = body.encode(chunk);
      if (out.length > 0) held.push(out);
    }
    held.push(body.end());
    const summary = body.finish();
    this.summary!.wireBytes = body.bytesOut;
    if (!full) {
      // Copies: the caller's buffers could change between messages, and the output must not.
      plan.encodedBody = {
        input: inMemory.map((part) => Buffer.from(part)),
        output: held.map((part) => Buffer.from(part)),
        summary,
        wireBytes: body.bytesOut,
      };
    }
    return held;
  }

  /**
   * The whole body as one BDAT LAST chunk, for a message sent ahead of its replies (MailBatch): the command line
   * and the normalised body, with a function that records the body's part of the transcript (after the commands).
   */
  async wholeBdat(): Promise<{ line: string; parts: Buffer[]; record: () => void }> {
    const body = new BodyEncoder('BDAT', this.session.transcript, this.session.options.captureData === true);
    const parts: Buffer[] = [];
    let length = 0;
    const take = (chunk: Buffer): void => {
      const out = body.encode(chunk);
      if (out.length === 0) return;
      parts.push(out);
      length += out.length;
    };
    const inMemory = this.source.parts;
    if (inMemory) for (const chunk of inMemory) take(chunk);
    else for await (const chunk of this.source.open()) take(chunk);
    const tail = body.end();
    if (tail.length) {
      parts.push(tail);
      length += tail.length;
    }
    this.summary!.wireBytes = length;
    const record = (): void => {
      for (const part of parts) body.written(part);
      body.finish();
    };
    return { line: `BDAT ${length} LAST`, parts, record };
  }

  /**
   * The replies after the end of the message: for SMTP one (with PRDR, after a 353: one per accepted recipient, then
   * the final one); for LMTP one per accepted recipient, in RCPT order (RFC 2033 §4.2). Never throws: a connection
   * that fails before every reply came is returned as `lost`, with what did come.
   */
  async readFinals(accepted: number): Promise<FinalReplies> {
    const { session } = this;
    const finals: FinalReplies = { perRecipient: [] };
    try {
      if (session.protocol === 'lmtp') {
        const ready = session.ready(accepted);
        if (ready) finals.perRecipient = ready;
        else for (let i = 0; i < accepted; i++) finals.perRecipient.push(await session.nextReply());
        return finals;
      }
      const first = session.ready(1)?.[0] ?? (await session.nextReply());
      if (!(this.plan!.prdr && first.code === 353)) {
        finals.shared = first;
        return finals;
      }
      finals.prdr = { intro: first };
      for (let i = 0; i < accepted; i++) finals.perRecipient.push(await session.nextReply());
      finals.prdr.final = await session.nextReply();
      return finals;
    } catch (error) {
      finals.lost = asLost(error);
      return finals;
    }
  }

  /**
   * The answer to the end of the message is in doubt (a reply out of turn followed it): what it said cannot be
   * trusted, so every accepted recipient's outcome is unknown. Returns the error that says so.
   */
  doubt(why: string): SmtpError {
    for (const recipient of this.recipients) {
      if (!recipient.accepted) continue;
      recipient.delivered = false;
      recipient.failure = 'unknown';
    }
    this.verdict = 'unknown';
    return new SmtpError(
      'delivery-unknown',
      `the server's replies are out of step (${why}): the reply taken as the answer to the end of the message may have been sent before the server had it, so whether the message was delivered is unknown`,
    );
  }

  /** The link was lost after the end was sent (outside readFinals): every accepted recipient's outcome is unknown. */
  markUnknown(): void {
    for (const recipient of this.recipients) {
      if (recipient.accepted && !recipient.data) {
        recipient.delivered = false;
        recipient.failure = 'unknown';
      }
    }
    this.verdict = 'unknown';
    this.session.inTransaction = false;
  }

  /**
   * Record the replies after the end of the message per accepted recipient. Throws delivery-unknown when a reply
   * never came (the server may have accepted the message), data-refused when nobody got it.
   */
  applyFinalReplies(finals: FinalReplies): void {
    const { session } = this;
    session.inTransaction = false;
    const perRecipient = session.protocol === 'lmtp' || finals.prdr !== undefined;
    const prdrFinal = finals.prdr?.final;
    let next = 0;
    let delivered = 0;
    let unknown = 0;
    for (const recipient of this.recipients) {
      if (recipient.accepted) {
        const reply = perRecipient ? finals.perRecipient[next] : finals.shared;
        next++;
        if (!reply) {
          recipient.failure = 'unknown';
          recipient.delivered = false;
        } else {
          recipient.data = replyInfo(reply);
          recipient.delivered = reply.code >= 200 && reply.code < 300;
          if (!recipient.delivered) recipient.failure = reply.code < 500 ? 'temporary' : 'permanent';
          else delete recipient.failure;
        }
        if (finals.prdr && recipient.delivered) {
          // PRDR: the final reply speaks for the whole message; a refusal there takes back every per-recipient yes,
          // and without it, whether the yes holds is unknown.
          if (!prdrFinal) {
            recipient.delivered = false;
            recipient.failure = 'unknown';
          } else if (prdrFinal.code >= 400) {
            recipient.delivered = false;
            recipient.failure = prdrFinal.code < 500 ? 'temporary' : 'permanent';
          }
        }
      }
      if (recipient.delivered) delivered++;
      if (recipient.failure === 'unknown') unknown++;
    }
    if (finals.prdr && this.summary) {
      this.summary.prdr = { intro: replyInfo(finals.prdr.intro), ...(prdrFinal ? { final: replyInfo(prdrFinal) } : {}) };
    }
    this.verdict = unknown > 0 ? 'unknown' : delivered === this.recipients.length ? 'delivered' : delivered === 0 ? 'none' : 'partial';
    const exceeded = this.plan?.sizeExceeded;
    if (exceeded && delivered > 0) {
      session.findings.add(
        'size-exceeded-accepted',
        `a ${exceeded.size}-byte message was accepted although the server advertises SIZE ${exceeded.limit}`,
        [session.transcript.lastIndex],
      );
    }
    if (unknown > 0) {
      const lost = finals.lost;
      const known = delivered > 0 ? `; delivered to ${delivered}, unknown for ${unknown}` : '';
      throw new SmtpError(
        'delivery-unknown',
        `the connection was lost after the end of the message was sent and before the server answered it${lost ? ` (${lost.message})` : ''}: the server may have accepted the message${known}`,
        {
          ...(lost?.stage ? { stage: lost.stage } : {}),
          command: this.summary?.method === 'BDAT' ? 'BDAT LAST' : 'final dot',
          cause: lost,
        },
      );
    }
    if (delivered === 0) {
      const replies = [...(finals.shared ? [finals.shared] : []), ...finals.perRecipient, ...(prdrFinal ? [prdrFinal] : [])];
      const first = replies.find((r) => r.code >= 300)!;
      throw new SmtpError('data-refused', `the server refused the message: ${first.code} ${first.text}`, {
        reply: first,
        command: this.summary?.method === 'BDAT' ? 'BDAT' : 'DATA',
      });
    }
  }
}

/** A thrown value as the error that lost a reply. */
function asLost(error: unknown): SmtpError {
  return error instanceof SmtpError ? error : new SmtpError('protocol-error', `internal error: ${String(error)}`, { cause: error });
}

/** Whether two lists of buffers hold the same bytes, piece by piece. */
function sameBytes(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!a[i]!.equals(b[i]!)) return false;
  return true;
}
