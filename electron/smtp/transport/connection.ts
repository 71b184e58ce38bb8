// Over 450 lines: the socket and its reply ledger; TLS options are in tls-options.ts, the rest shares the socket's state.
import net from 'node:net';
import type tls from 'node:tls';
import { isTlsSocket, nodeTls } from './lazy-tls.js';
import type { SessionStage, TlsInfo } from '../../../shared/session-record.js';
import { firstEvent } from './first-event.js';
import { handshakeError, tlsConnectOptions, verifyName, verifyReason, type SeenCertificate, type TlsSettings } from './tls-options.js';
import { SmtpError, escapeBytes } from '../errors.js';
import type { FindingLog } from '../findings.js';
import { ReplyParser } from '../protocol/reply-parser.js';
import { expectedReplies } from '../protocol/reply-rules.js';
import type { Reply } from '../protocol/reply.js';
import type { Transcript } from '../transcript.js';
import { ReplyLedger, type Answer, type Expectation } from './reply-ledger.js';
import { describeTls } from './tls-info.js';

export type { Answer, Expectation };
export type { TlsSettings };

/** Where to connect: a TCP host and port, or a Unix-domain socket. */
export interface ConnectTarget {
  host?: string;
  port?: number;
  socketPath?: string;
  /** Local address to bind before connecting (TCP only). */
  sourceAddress?: string;
}

export interface ConnectionOptions {
  target: ConnectTarget;
  transcript: Transcript;
  /** Connect with TLS from the first byte (SMTPS). */
  implicitTls?: TlsSettings;
  /**
   * Bytes written right after the TCP connect, before anything else (even an implicit TLS handshake): a PROXY
   * protocol header, made from the connected socket's ends. `shown` is its transcript line.
   */
  preamble?: (socket: net.Socket) => { bytes: Buffer; shown: string };
  connectTimeoutMs: number;
  tlsHandshakeTimeoutMs: number;
  /** Absolute deadline on performance.now()'s clock; every wait is bounded by it too. */
  deadline?: number;
  signal?: AbortSignal;
  maxLineLength?: number;
  maxLinesPerReply?: number;
  /** Told what a handshake negotiated as soon as it is known, even when verification then fails. */
  onTls?: (info: TlsInfo, chainDer: readonly Buffer[]) => void;
  /**
   * Given, while connecting, a function that cancels the connect (SmtpSession.cancel() uses it): a
   * cheaper way to cancel than an AbortSignal, which the caller may still pass as well.
   */
  onConnecting?: (cancel: () => void) => void;
  /** The greeting, owed from the first byte. */
  greeting?: Expectation;
  /** Told each time a wait starts: the TLS handshake, a reply (not told when a reply had already arrived). */
  onStage?: (stage: SessionStage) => void;
  /** Where what the server breaks of the rules is noted. */
  findings?: FindingLog;
  /**
   * Told every write and read as bytes (inside TLS: the plaintext), for a hex dump. A redacted command line is told
   * in its redacted form, as the transcript shows it; the real bytes go only to the socket.
   */
  onWire?: (dir: 'send' | 'recv', bytes: Buffer) => void;
}

/** A pending read, bounded by a stage timeout, the overall deadline and cancellation. */
interface Waiter {
  resolve: (answer: Answer) => void;
  reject: (error: SmtpError) => void;
  /** performance.now() at which the read times out. */
  due: number;
  ms: number;
  label: string;
  command: string;
}

/** Pieces of a pipelined write up to this many bytes are joined into one buffer; larger ones are corked. */
const JOIN_LIMIT = 16 * 1024;

/**
 * Most bytes of complete replies held before a reader takes them. Only owed replies are held (a reply nobody owes
 * ends the session), so this is reached only by a server sending huge replies to a long pipelined group.
 */
export const MAX_WAITING_REPLY_BYTES = 1024 * 1024;

/** Strip the brackets users type around IPv6 literals ("[::1]"). */
export function normaliseHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** One reply shown as received, escaped, for an error message. */
function shownReply(reply: Reply): string {
  return escapeBytes(reply.lines.map((l) => l.raw).join('\r\n'), 160);
}

/** The raw bytes of a reply, escaped, for the error's `raw`. */
function rawReply(reply: Reply): string {
  return escapeBytes(reply.lines.map((l) => l.raw + (l.bareLf ? '\n' : '\r\n')).join(''));
}

/** The events of a reply's lines (its first line's index, and the rest after it). */
function replyEvents(reply: Reply): number[] {
  if (reply.at < 0) return [];
  return reply.lines.length === 1 ? [reply.at] : [reply.at, reply.at + reply.lines.length - 1];
}

/**
 * Owns one socket (plain or TLS): writes what the session sends, parses what arrives, upgrades to TLS. Every reply
 * is matched, as it arrives, to the command it answers (a ReplyLedger): a reply that answers nothing, or that cannot
 * answer its command, ends the session as a protocol error. Every wait is bounded by a stage timeout and the overall
 * deadline; a fatal failure rejects every wait.
 */
export class Connection {
  private socket: net.Socket;
  private readonly parser: ReplyParser;
  private readonly ledger = new ReplyLedger();
  private waiter: Waiter | undefined;
  /**
   * One timer serves every read: armed for the earliest pending due time and left running when a read
   * completes, so a burst of replies costs no timer churn. When it fires it re-arms for a later read,
   * times the current one out, or does nothing (no read pending). Cleared when the connection ends.
   */
  private readTimer: NodeJS.Timeout | undefined;
  private readTimerDue = 0;
  private failure: SmtpError | undefined;
  private closedByUs = false;
  /** STARTTLS was answered 220: nothing more may be read in plaintext; what arrives is counted as injected. */
  private upgrading = false;
  /** Replies (complete) that arrived after the 220 to STARTTLS, in its chunk or after it. */
  private injectedReplies = 0;
  private injectedBytes = 0;
  /** ENHANCEDSTATUSCODES was advertised: a reply without an enhanced code is a finding. */
  private enhancedPromised = false;
  /**
   * A reply out of turn came right after the answer to the end of a message: that answer may itself have been sent
   * early (before the server had the message), so what it said about delivery is in doubt.
   */
  endAnswerDoubt: string | undefined;
  /** Bytes received so far (the greeting hint wants to know whether anything came). */
  bytesReceived = 0;
  tlsInfo: TlsInfo | undefined;
  /** performance.now() when the TCP connect finished, and when an implicit TLS handshake did (for the record's timings). */
  connectedAt = 0;
  secureAt: number | undefined;
  /** The peer's chain as DER, leaf first, from the last handshake (for --save-chain). */
  peerChainDer: Buffer[] = [];

  private constructor(
    socket: net.Socket,
    private readonly options: ConnectionOptions,
  ) {
    this.socket = socket;
    const transcript = options.transcript;
    this.parser = new ReplyParser({
      maxLineLength: options.maxLineLength,
      maxLines: options.maxLinesPerReply,
      onLine: (line) => transcript.received(line.raw, line.bareLf),
    });
    // Owed from the first byte: nothing may arrive before it, and it is the only thing that may arrive first.
    if (options.greeting) this.ledger.owe([options.greeting]);
    this.attach(socket);
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  get transcript(): Transcript {
    return this.options.transcript;
  }

  get isTls(): boolean {
    return isTlsSocket(this.socket);
  }

  get isOpen(): boolean {
    return !this.failure && !this.socket.destroyed;
  }

  get isUnixSocket(): boolean {
    return this.options.target.socketPath !== undefined;
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  get localPort(): number | undefined {
    return this.socket.localPort;
  }

  /** Open the socket (and the TLS session for implicit TLS). */
  static async open(options: ConnectionOptions): Promise<Connection> {
    const { target, transcript } = options;
    throwIfAborted(options.signal);
    const where = target.socketPath ?? `${target.host}:${target.port}`;
    const tlsSettings = options.implicitTls;
    const seen: SeenCertificate = {};
    // With a preamble, implicit TLS starts once it is written: the plain socket first, TLS over it after.
    const plainFirst = options.preamble !== undefined;
    let socket: net.Socket =
      tlsSettings && !plainFirst
        ? nodeTls().connect({
            ...(target.socketPath ? { path: target.socketPath } : { host: target.host, port: target.port }),
            ...(target.sourceAddress ? { localAddress: target.sourceAddress } : {}),
            ...tlsConnectOptions(tlsSettings, target.host, seen),
          })
        : net.connect({
            ...(target.socketPath ? { path: target.socketPath } : { host: target.host!, port: target.port! }),
            ...(target.sourceAddress ? { localAddress: target.sourceAddress } : {}),
          });
    socket.setNoDelay?.(true);

    // Cancelling while connecting (the caller's handle, or the session's signal) covers both waits below. The handle
    // fires whichever wait is current (or the next one, when it came between them): no AbortController per connection.
    let cancelled = false;
    let cancelWait: (() => void) | undefined;
    options.onConnecting?.(() => {
      cancelled = true;
      cancelWait?.();
    });
    const abort = {
      signals: [options.signal],
      error: () => new SmtpError('cancelled', 'cancelled while connecting'),
      register: (cancel: () => void) => {
        cancelWait = cancel;
        if (cancelled) cancel();
      },
    };
    const destroy = (): void => {
      socket.destroy();
    };
    const connectBudget = budgetWithin('connect', options.connectTimeoutMs, options.deadline);
    await firstEvent<void>(socket, {
      on: {
        connect: () => ({ value: undefined }),
        error: (err: Error) => ({ error: new SmtpError('connect-failed', `cannot connect to ${where}: ${err.message}`, { cause: err }) }),
        close: () => ({ error: new SmtpError('connect-failed', `connection to ${where} closed while connecting`) }),
      },
      timeout: {
        ms: connectBudget.ms,
        error: () =>
          new SmtpError('timeout', `connecting to ${where} timed out after ${formatSeconds(connectBudget.ms)} (${connectBudget.label})`, {
            stage: connectBudget.label,
          }),
      },
      abort,
      onFailure: destroy,
    });
    const tcpAt = performance.now();
    transcript.info(`connected to ${where}${describeEnds(socket)}`);
    if (options.preamble) {
      let preamble: { bytes: Buffer; shown: string };
      try {
        preamble = options.preamble(socket);
      } catch (error) {
        destroy();
        if (error instanceof SmtpError) transcript.error(error.message);
        throw error;
      }
      transcript.sent(preamble.shown);
      options.onWire?.('send', preamble.bytes);
      socket.write(preamble.bytes);
    }
    if (tlsSettings && plainFirst) {
      socket = nodeTls().connect({ socket, ...tlsConnectOptions(tlsSettings, target.host, seen) });
      socket.setNoDelay?.(true);
    }
    if (tlsSettings) {
      // The TCP part is done; the handshake has its own budget.
      const { ms, label } = budgetWithin('tls-handshake', options.tlsHandshakeTimeoutMs, options.deadline);
      options.onStage?.({ name: 'tls-handshake', timeoutMs: ms });
      await firstEvent<void>(socket, {
        on: {
          secureConnect: () => ({ value: undefined }),
          error: (err: Error) => ({ error: handshakeError(`TLS handshake with ${where} failed`, err, 'implicit') }),
          close: () => ({ error: new SmtpError('tls-failed', `connection to ${where} closed during the TLS handshake`) }),
        },
        timeout: {
          ms,
          error: () =>
            new SmtpError('timeout', `TLS handshake with ${where} timed out after ${formatSeconds(ms)} (${label})`, { stage: label }),
        },
        abort,
        onFailure: destroy,
      });
    }

    const connection = new Connection(socket, options);
    connection.connectedAt = tcpAt;
    if (tlsSettings) connection.secureAt = performance.now();
    if (tlsSettings) {
      connection.onTlsEstablished(socket as tls.TLSSocket, 'implicit', tlsSettings, seen.cert);
    }
    return connection;
  }

  private attach(socket: net.Socket): void {
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  private detach(socket: net.Socket): void {
    socket.off('data', this.onData);
    socket.off('error', this.onError);
    socket.off('close', this.onClose);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.bytesReceived += chunk.length;
    if (this.options.onWire) this.options.onWire('recv', chunk);
    if (this.upgrading) {
      // Past the 220 to STARTTLS, before the handshake: whatever comes is not the server's to send.
      this.injectedBytes += chunk.length;
      return;
    }
    let replies: Reply[];
    try {
      replies = this.parser.push(chunk);
    } catch (error) {
      const failure = error instanceof SmtpError ? error : new SmtpError('protocol-error', String(error), { raw: escapeBytes(chunk) });
      if (/longer than/.test(failure.message)) {
        this.options.findings?.add('reply-line-too-long', failure.message, [this.options.transcript.lastIndex]);
      }
      this.options.transcript.error(failure.message);
      this.fail(failure);
      return;
    }
    for (let i = 0; i < replies.length; i++) {
      const reply = replies[i]!;
      if (reply.quirks) this.noteQuirks(reply);
      const arrival = this.ledger.arrive(reply);
      if (this.enhancedPromised && reply.enhancedCode === undefined && arrival.type !== 'unsolicited' && arrival.type !== 'misfit') {
        this.noteMissingEnhancedCode(reply, arrival.answer.expected);
      }
      if (arrival.type === 'answered') continue;
      if (arrival.type === 'upgrade') {
        // Nothing is read past this reply until the handshake; what already came with it is injection.
        this.upgrading = true;
        this.socket.pause();
        this.injectedReplies += replies.length - i - 1;
        break;
      }
      this.violation(
        reply,
        arrival.type === 'misfit' ? arrival.expected : undefined,
        arrival.type === 'unsolicited' ? arrival.after : undefined,
      );
      return;
    }
    if (this.ledger.waitingBytes > MAX_WAITING_REPLY_BYTES) {
      const error = new SmtpError(
        'protocol-error',
        `more than ${MAX_WAITING_REPLY_BYTES} bytes of replies arrived before they were read; the session was stopped`,
      );
      this.options.transcript.error(error.message);
      this.fail(error);
      return;
    }
    this.deliver();
  };

  /** The server advertised ENHANCEDSTATUSCODES (after EHLO/LHLO): every later 2xx/4xx/5xx reply must carry one. */
  expectEnhancedCodes(promised: boolean): void {
    this.enhancedPromised = promised;
  }

  /** RFC 2034 §3: once advertised, every reply but the greeting and EHLO's (and 3xx ones, which have no class) has one. */
  private noteMissingEnhancedCode(reply: Reply, expected: Expectation): void {
    if (reply.code >= 300 && reply.code < 400) return;
    if (expected.kind === 'greeting' || expected.kind === 'hello' || reply.quirks?.enhancedMismatch) return;
    this.options.findings?.add(
      'no-enhanced-status-codes',
      `ENHANCEDSTATUSCODES is advertised, yet the reply to ${expected.command} has none: "${shownReply(reply)}"`,
      replyEvents(reply),
    );
  }

  /** Findings for what a usable reply broke of the rules. */
  private noteQuirks(reply: Reply): void {
    const findings = this.options.findings;
    const quirks = reply.quirks;
    if (!findings || !quirks) return;
    const events = replyEvents(reply);
    const shown = shownReply(reply);
    if (quirks.bareLf) findings.add('bare-lf-in-reply', `a reply line ended in LF without CR: "${shown}"`, events);
    if (quirks.bareCr) {
      findings.add('bare-cr-in-reply', `a reply line holds a CR that is not a line end (read as part of the text): "${shown}"`, events);
    }
    if (quirks.longLine) {
      const longest = Math.max(...reply.lines.map((l) => Buffer.byteLength(l.raw) + 2));
      findings.add(
        'reply-line-too-long',
        `a reply line is ${longest} octets long with its CRLF (limit 512): "${escapeBytes(reply.lines[0]!.raw, 60)}"`,
        events,
      );
    }
    if (quirks.enhancedMismatch) {
      findings.add('enhanced-code-mismatch', `reply ${reply.code} carries an enhanced code of another class: "${shown}"`, events);
    }
  }

  /**
   * A reply that answers nothing (`expected` undefined) or cannot answer what it was matched to: the session ends.
   * Right after the answer to the end of a message, it also casts doubt on that answer (see `endAnswerDoubt`).
   */
  private violation(reply: Reply, expected: Expectation | undefined, after: Expectation | undefined): void {
    const events = replyEvents(reply);
    const shown = shownReply(reply);
    let error: SmtpError;
    if (expected) {
      error = new SmtpError(
        'protocol-error',
        `the reply "${shown}" cannot answer ${expected.command} (expected ${expectedReplies(expected.kind, expected.prdr)})`,
        { reply, raw: rawReply(reply), command: expected.command },
      );
      this.options.findings?.add('unsolicited-reply', `"${shown}" cannot answer ${expected.command}`, events);
    } else {
      const when = after
        ? ` (it came after the reply to ${after.command}${after.kind === 'data' ? ', while the message was being sent' : ''})`
        : ' (before anything was asked)';
      error = new SmtpError('protocol-error', `the server sent a reply that answers no command: "${shown}"${when}`, {
        reply,
        raw: rawReply(reply),
        command: after?.command,
      });
      this.options.findings?.add('unsolicited-reply', `"${shown}"${when}`, events);
      if (after?.lmtp) {
        this.options.findings?.add(
          'lmtp-reply-count',
          `more replies after the data than the ${after.lmtp.count} owed (one per accepted recipient): "${shown}"`,
          events,
        );
      }
    }
    const last = this.ledger.lastAnswered;
    if (last && (last.kind === 'data-end' || last.kind === 'prdr-recipient')) this.endAnswerDoubt ??= error.message;
    this.options.transcript.error(error.message);
    this.fail(error);
  }

  private readonly onError = (err: Error): void => {
    this.fail(new SmtpError('server-disconnected', `connection error: ${err.message}`, { cause: err }));
  };

  private readonly onClose = (): void => {
    if (!this.closedByUs) {
      this.options.transcript.info('connection closed by the server');
      this.fail(new SmtpError('server-disconnected', 'the server closed the connection'));
    }
  };

  private readonly onAbort = (): void => {
    this.cancel();
  };

  /** Cancel whatever is waiting and drop the connection (as an aborted signal does); a no-op once it is closed. */
  cancel(): void {
    if (this.failure || this.socket.destroyed) return;
    this.options.transcript.error('cancelled by the caller');
    this.fail(new SmtpError('cancelled', 'cancelled by the caller'));
  }

  private deliver(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    const answer = this.ledger.take();
    if (answer) {
      this.waiter = undefined;
      waiter.resolve(answer);
    } else if (this.failure) {
      this.waiter = undefined;
      waiter.reject(this.failure);
    }
  }

  /** Mark the connection dead: the first failure wins and rejects every wait after it. */
  private fail(error: SmtpError): void {
    if (!this.failure) {
      this.failure = error;
      this.noteShortLmtp(error);
    }
    this.stopReadTimer();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    if (!this.socket.destroyed) {
      this.closedByUs = true;
      this.socket.destroy();
    }
    this.deliver();
  }

  /** Lost while LMTP replies after the data were still owed, after some had come: fewer than owed. */
  private noteShortLmtp(error: SmtpError): void {
    const next = this.ledger.next?.lmtp;
    if (!next || next.index === 0 || error.code === 'cancelled') return;
    this.options.findings?.add(
      'lmtp-reply-count',
      `${next.index} of the ${next.count} replies owed after the data (one per accepted recipient) came, then: ${error.message}`,
      [this.options.transcript.lastIndex],
    );
  }

  /** The next answer: the reply to the oldest command not yet answered, within its stage's timeout and the deadline. */
  next(): Promise<Answer> {
    const ready = this.ledger.take();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiter) return Promise.reject(new Error('next() called while another read is pending'));
    const expected = this.ledger.next;
    if (!expected) return Promise.reject(new Error('next() called with no reply owed'));
    return new Promise<Answer>((resolve, reject) => {
      const { ms, label } = this.budget(expected.stage, expected.timeoutMs);
      this.waiter = { resolve, reject, due: performance.now() + ms, ms, label, command: expected.command };
      this.armReadTimer();
      this.options.onStage?.({ name: 'reply', command: expected.command, timeoutMs: ms });
    });
  }

  /** The next reply (see next()). */
  async nextReply(): Promise<Reply> {
    return (await this.next()).reply;
  }

  /** The next `count` replies when all of them have arrived already, taken without a wait; undefined (none taken) otherwise. */
  ready(count: number): Reply[] | undefined {
    if (this.ledger.waiting < count) return undefined;
    const replies: Reply[] = [];
    for (let i = 0; i < count; i++) replies.push(this.ledger.take()!.reply);
    return replies;
  }

  /** Exactly `count` replies, in order. */
  async replies(count: number): Promise<Reply[]> {
    const ready = this.ready(count);
    if (ready) return ready;
    const replies: Reply[] = [];
    for (let i = 0; i < count; i++) replies.push((this.ledger.take() ?? (await this.next())).reply);
    return replies;
  }

  /** Answers that have arrived and wait to be taken. */
  get waiting(): number {
    return this.ledger.waiting;
  }

  /**
   * Let replies already on their way be read before going on: two turns of the event loop, so one poll for input
   * falls between. Before the end of a message is sent, a reply the server sent early (before it had the message)
   * is then seen as the violation it is, not taken as the answer to the end.
   */
  async settle(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.failure) throw this.failure;
  }

  /** Make sure the read timer fires no later than the pending read's due time. */
  private armReadTimer(): void {
    const due = this.waiter!.due;
    // A timer due earlier re-arms itself for this read when it fires; only a later one must move.
    if (this.readTimer !== undefined && this.readTimerDue <= due) return;
    if (this.readTimer !== undefined) clearTimeout(this.readTimer);
    this.readTimerDue = due;
    this.readTimer = setTimeout(this.onReadTimer, Math.max(0, due - performance.now()));
    // A pending read always has an open socket keeping the process alive; the timer must not.
    this.readTimer.unref();
  }

  private stopReadTimer(): void {
    if (this.readTimer !== undefined) clearTimeout(this.readTimer);
    this.readTimer = undefined;
  }

  private readonly onReadTimer = (): void => {
    this.readTimer = undefined;
    const waiter = this.waiter;
    if (!waiter) return;
    // Timers may fire a hair early on performance.now()'s clock; anything within 1 ms is due.
    if (performance.now() < waiter.due - 1) {
      this.armReadTimer();
      return;
    }
    this.waiter = undefined;
    const error = new SmtpError(
      'timeout',
      `no complete reply within ${formatSeconds(waiter.ms)} (${waiter.label})` +
        (this.parser.pendingBytes > 0 ? `; ${this.parser.pendingBytes} bytes of an unfinished reply arrived` : ''),
      { stage: waiter.label, command: waiter.command },
    );
    this.options.transcript.error(error.message);
    this.fail(error);
    waiter.reject(error);
  };

  private budget(stage: string, timeoutMs: number): { ms: number; label: string } {
    return budgetWithin(stage, timeoutMs, this.options.deadline);
  }

  /** Write bytes; when the socket buffers too much, wait for it to drain within the stage's timeout. */
  async write(data: Buffer | string, stage: string, timeoutMs: number, shown?: string): Promise<void> {
    if (this.failure) throw this.failure;
    const wire = this.options.onWire;
    if (wire) wire('send', Buffer.from(shown ?? data));
    if (this.socket.write(data)) return;
    await this.drain(stage, timeoutMs);
  }

  /**
   * Write several pieces as one: small ones are joined into one buffer, larger ones go out corked
   * (one writev), so a pipelined group leaves in one segment rather than one per piece.
   */
  async writeParts(parts: readonly (Buffer | string)[], stage: string, timeoutMs: number): Promise<void> {
    if (this.failure) throw this.failure;
    if (parts.length === 1) return this.write(parts[0]!, stage, timeoutMs);
    const wire = this.options.onWire;
    if (wire) for (const part of parts) wire('send', Buffer.from(part));
    let total = 0;
    for (const part of parts) total += typeof part === 'string' ? part.length * 3 : part.length;
    let flushed: boolean;
    if (total <= JOIN_LIMIT) {
      flushed = this.socket.write(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p))));
    } else {
      const socket = this.socket;
      socket.cork();
      flushed = true;
      for (const part of parts) flushed = socket.write(part) && flushed;
      socket.uncork();
    }
    if (!flushed) await this.drain(stage, timeoutMs);
  }

  /** Register what the server owes for these bytes, then write them (see writeParts). */
  async send(parts: readonly (Buffer | string)[], expectations: readonly Expectation[], stage: string, timeoutMs: number): Promise<void> {
    if (this.failure) throw this.failure;
    this.ledger.owe(expectations);
    await this.writeParts(parts, stage, timeoutMs);
  }

  /** Wait until the socket's write buffer drains. */
  private drain(stage: string, timeoutMs: number): Promise<void> {
    const { ms, label } = this.budget(stage, timeoutMs);
    return firstEvent<void>(this.socket, {
      on: {
        drain: () => ({ value: undefined }),
        close: () => ({
          error: this.failure ?? new SmtpError('server-disconnected', 'the server closed the connection while we were sending'),
        }),
      },
      timeout: {
        ms,
        error: () => {
          const error = new SmtpError('timeout', `the server stopped reading for ${formatSeconds(ms)} (${label})`, {
            stage: label,
            command: stage,
          });
          this.options.transcript.error(error.message);
          this.fail(error);
          return error;
        },
      },
    });
  }

  /**
   * Send one command line that expects `expected`. `shown` is what the transcript records (redacted form);
   * the real line is only ever written to the socket.
   */
  async sendLine(line: string, expected: Expectation, shown?: string): Promise<void> {
    if (this.failure) throw this.failure;
    this.options.transcript.sent(shown ?? line, shown !== undefined && shown !== line);
    this.ledger.owe([expected]);
    await this.write(line + '\r\n', expected.stage, expected.timeoutMs, shown !== undefined && shown !== line ? shown + '\r\n' : undefined);
  }

  /**
   * Upgrade the plain socket after a 220 reply to STARTTLS.
   * Refuses to go on if the server sent anything past that reply (response injection, CVE-2021-22947 class).
   */
  async upgradeToTls(settings: TlsSettings, host: string | undefined, timeoutMs: number): Promise<TlsInfo> {
    if (this.failure) throw this.failure;
    const plain = this.socket;
    const injected = this.parser.pendingBytes + this.injectedReplies + this.injectedBytes + this.ledger.waiting + plain.readableLength;
    if (injected > 0) {
      const error = new SmtpError(
        'tls-failed',
        'the server sent data after its reply to STARTTLS and before the TLS handshake (possible response injection); aborting',
        { stage: 'starttls', command: 'STARTTLS' },
      );
      this.options.findings?.add(
        'plaintext-after-starttls',
        `${this.injectedReplies > 0 ? `${this.injectedReplies} more replies` : 'bytes'} arrived after "220" to STARTTLS, before the handshake; the session was stopped`,
        [this.options.transcript.lastIndex],
      );
      this.options.transcript.error(error.message);
      this.fail(error);
      throw error;
    }
    let connectOptions: tls.ConnectionOptions;
    const seen: SeenCertificate = {};
    try {
      connectOptions = tlsConnectOptions(settings, host, seen);
    } catch (error) {
      const failure = error instanceof SmtpError ? error : new SmtpError('tls-failed', String(error));
      this.options.transcript.error(failure.message);
      this.fail(failure);
      throw failure;
    }
    this.upgrading = false;
    this.detach(plain);
    const secure = nodeTls().connect({ socket: plain, ...connectOptions });
    const { ms, label } = this.budget('tls-handshake', timeoutMs);
    this.options.onStage?.({ name: 'tls-handshake', timeoutMs: ms });
    await firstEvent<void>(secure, {
      on: {
        secureConnect: () => ({ value: undefined }),
        error: (err: Error) => ({ error: handshakeError('TLS handshake failed', err, 'starttls') }),
        // A cancellation destroys the plain socket under the handshake; report the cancellation, not the close.
        close: () => ({
          error: this.failure ?? new SmtpError('tls-failed', 'connection closed during the TLS handshake', { command: 'STARTTLS' }),
        }),
      },
      timeout: { ms, error: () => new SmtpError('timeout', `TLS handshake timed out after ${formatSeconds(ms)}`, { stage: label }) },
      onFailure: (error) => {
        this.options.transcript.error(error.message);
        this.socket = secure;
        this.fail(error as SmtpError);
      },
    });
    this.socket = secure;
    this.attach(secure);
    return this.onTlsEstablished(secure, 'starttls', settings, seen.cert);
  }

  /** Record what the handshake negotiated; fail if verification was required and did not pass. */
  private onTlsEstablished(
    socket: tls.TLSSocket,
    via: TlsInfo['via'],
    settings: TlsSettings,
    knownCertificate?: tls.DetailedPeerCertificate,
  ): TlsInfo {
    const servername = verifyName(settings, this.options.target.host);
    const der: Buffer[] = [];
    const info = describeTls(socket, via, settings.verify, servername, knownCertificate, der);
    this.tlsInfo = info;
    this.peerChainDer = der;
    this.options.onTls?.(info, der);
    this.options.transcript.tls = true;
    this.options.transcript.info(
      `TLS started (${via}): ${info.protocol ?? '?'} ${info.cipher ?? '?'}; certificate ${
        info.authorized ? 'verified' : `not verified (${info.authorizationError ?? 'unknown reason'})`
      }`,
    );
    if (settings.verify && !info.authorized) {
      const reason = info.authorizationError ?? 'unknown reason';
      const error = new SmtpError(
        'tls-failed',
        `certificate verification failed: ${reason}${verifyReason(reason)}; trust the issuer with a CA file, or skip verification explicitly (insecure)`,
        { stage: 'tls-verify', command: via === 'starttls' ? 'STARTTLS' : undefined },
      );
      this.options.transcript.error(error.message);
      this.fail(error);
      throw error;
    }
    return info;
  }

  /** Close our side gracefully (after QUIT) and wait briefly for the socket to go. */
  async close(): Promise<void> {
    this.stopReadTimer();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    if (this.socket.destroyed) return;
    this.closedByUs = true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, 1000);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.end();
    });
    this.options.transcript.info('connection closed');
  }

  /** Drop the connection at once. */
  destroy(): void {
    this.stopReadTimer();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    if (this.socket.destroyed) return;
    this.closedByUs = true;
    this.socket.destroy();
    this.options.transcript.info('connection closed');
  }
}

function describeEnds(socket: net.Socket): string {
  if (!socket.remoteAddress) return '';
  return ` (${socket.remoteAddress} port ${socket.remotePort} from ${socket.localAddress} port ${socket.localPort})`;
}

/** A stage's wait, cut short by the overall deadline when that comes first (and then named after it). */
function budgetWithin(stage: string, timeoutMs: number, deadline: number | undefined): { ms: number; label: string } {
  if (deadline !== undefined) {
    const remaining = Math.max(0, deadline - performance.now());
    if (remaining < timeoutMs) return { ms: remaining, label: 'overall deadline' };
  }
  return { ms: timeoutMs, label: stage };
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s` : `${Math.round(ms)}ms`;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SmtpError('cancelled', 'cancelled before connecting');
}
