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
    const { envelope, options, session } = this;
    assertEnvelope(envelope);
    for (const p of [...(options.mailParams ?? []), ...(options.rcptParams ?? [])]) assertParam(p);

    let { size, eightBit } = this.source;
    if (size === undefined || eightBit === undefined) ({ size, eightBit } = await measureSource(this.source));

    const caps = session.capabilities;
    const useBdat = this.chooseBdat();
    const mailParams = this.mailParams(size, eightBit);
    const rcptParams = (address: string): string[] => this.rcptParams(address);
    this.summary = {
      envelopeFrom: envelope.from,
      envelopeTo: [...envelope.to],
      size,
      wireBytes: 0,
      method: useBdat ? 'BDAT' : 'DATA',
      mailParams,
      ...(options.messageId ? { messageId: options.messageId } : {}),
    };

    const mailLine = `MAIL FROM:<${envelope.from}>${mailParams.map((p) => ' ' + p).join('')}`;
    const rcptLines = envelope.to.map((to) => `RCPT TO:<${to}>${rcptParams(to).map((p) => ' ' + p).join('')}`);
    const pipelining = options.pipelining !== false && caps.has('PIPELINING');
    const conn = session.link;
    const t = session.timeouts;

    let mailReply: Reply;
    const rcptReplies: Reply[] = [];
    let dataReply: Reply | undefined;
    if (pipelining) {
      const lines = [mailLine, ...rcptLines, ...(useBdat ? [] : ['DATA'])].map((line) => ({ line }));
      await conn.sendLines(lines, 'mail', t.mail);
      mailReply = await conn.readReply('MAIL FROM:', t.mail);
      for (const _ of rcptLines) rcptReplies.push(await conn.readReply('RCPT TO:', t.rcpt));
      if (!useBdat) dataReply = await conn.readReply('DATA', t.dataInit);
    } else {
      mailReply = await session.command(mailLine, 'mail');
      if (mailReply.code === 250) {
        for (const line of rcptLines) rcptReplies.push(await session.command(line, 'rcpt'));
      }
    }

    if (mailReply.code !== 250) {
      await this.abandon(dataReply);
      throw new SmtpError('sender-refused', `the server refused the sender <${envelope.from}>: ${mailReply.code} ${mailReply.text}`, {
        reply: mailReply,
        command: 'MAIL FROM:',
      });
    }
    envelope.to.forEach((address, i) => {
      const reply = rcptReplies[i]!;
      const accepted = reply.code === 250 || reply.code === 251;
      this.recipients.push({
        address,
        accepted,
        rcpt: replyInfo(reply),
        delivered: false,
        ...(accepted ? {} : { failure: reply.code < 500 ? 'temporary' : 'permanent' }),
      });
    });
    const accepted = this.recipients.filter((r) => r.accepted);
    if (accepted.length === 0) {
      await this.abandon(dataReply);
      const first = rcptReplies[0]!;
      throw new SmtpError('recipients-refused', `the server refused every recipient (first: ${first.code} ${first.text})`, {
        reply: first,
        command: 'RCPT TO:',
      });
    }

    const finals = useBdat ? await this.sendBdat(accepted.length) : await this.sendData(dataReply, accepted.length);
    this.applyFinalReplies(accepted, finals);
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

  /** DATA: wait for 354 if not pipelined, stream the dot-stuffed body, read the final reply or replies. */
  private async sendData(pipelinedReply: Reply | undefined, acceptedCount: number): Promise<Reply[]> {
    const { session } = this;
    const conn = session.link;
    const t = session.timeouts;
    const dataReply = pipelinedReply ?? (await session.command('DATA', 'dataInit'));
    if (dataReply.code !== 354) {
      await this.cleanUp(() => session.rset());
      throw new SmtpError('data-refused', `the server refused DATA: ${dataReply.code} ${dataReply.text}`, {
        reply: dataReply,
        command: 'DATA',
      });
    }
    const stuffer = new DotStuffer();
    const capture = new BodyCapture(this.transcript, session.options.captureData === true);
    for await (const chunk of this.source.open()) {
      const out = stuffer.encode(chunk);
      if (out.length === 0) continue;
      capture.push(out);
      await conn.write(out, 'data block', t.dataBlock);
      this.options.onProgress?.(stuffer.bytesIn, this.summary!.size);
    }
    const tail = stuffer.end();
    // The terminator is ".\r\n" after a line break; capture everything before that dot as body.
    capture.push(tail.subarray(0, tail.length - 3));
    capture.finish(stuffer.bytesIn, stuffer.bytesOut);
    this.transcript.sent('.');
    this.summary!.wireBytes = stuffer.bytesOut;
    await conn.write(tail, 'data block', t.dataBlock);
    return this.readFinals('final dot', acceptedCount);
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
    capture.finish(normaliser.bytesIn, normaliser.bytesOut);
    this.summary!.wireBytes = wire;
    while (outstanding > 0) await readChunkReply();
    return this.readFinals('BDAT LAST', acceptedCount);
  }

  private async drainBdatReplies(count: number): Promise<void> {
    const conn = this.session.link;
    for (let i = 0; i < count; i++) await conn.readReply('BDAT', this.session.timeouts.dataInit);
  }

  /** One reply after the body for SMTP; one per accepted recipient, in RCPT order, for LMTP (RFC 2033 §4.2). */
  private async readFinals(command: string, acceptedCount: number): Promise<Reply[]> {
    const conn = this.session.link;
    const count = this.session.protocol === 'lmtp' ? acceptedCount : 1;
    const replies: Reply[] = [];
    for (let i = 0; i < count; i++) replies.push(await conn.readReply(command, this.session.timeouts.dataEnd));
    return replies;
  }

  private applyFinalReplies(accepted: RecipientOutcome[], finals: Reply[]): void {
    accepted.forEach((recipient, i) => {
      const reply = finals[this.session.protocol === 'lmtp' ? i : 0]!;
      recipient.data = replyInfo(reply);
      recipient.delivered = reply.code >= 200 && reply.code < 300;
      if (!recipient.delivered) recipient.failure = reply.code < 500 ? 'temporary' : 'permanent';
    });
    const delivered = this.recipients.filter((r) => r.delivered).length;
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
    if (!this.full) {
      let at = bytes.indexOf(10);
      while (at !== -1) {
        this.lines++;
        at = bytes.indexOf(10, at + 1);
      }
      return;
    }
    const text = this.carry + bytes.toString('utf8');
    const parts = text.split('\r\n');
    this.carry = parts.pop()!;
    for (const line of parts) {
      this.lines++;
      this.transcript.sent(line);
    }
  }

  finish(bytesIn: number, bytesOut: number): void {
    if (this.full && this.carry) {
      this.lines++;
      this.transcript.sent(this.carry);
    }
    this.transcript.info(`message body: ${bytesIn} bytes in ${this.lines} lines (${bytesOut} bytes on the wire)`);
  }
}
