import { SmtpError, escapeBytes } from '../errors.js';
import type { Reply, ReplyLine } from './reply.js';

/** Options for {@link ReplyParser}. */
export interface ReplyParserOptions {
  /** Longest accepted line in bytes, terminator included (default 8192). */
  maxLineLength?: number;
  /** Most lines accepted in one reply (default 512). */
  maxLines?: number;
  /** Called as each line completes, before the reply it belongs to is complete. */
  onLine?: (line: ReplyLine) => void;
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const HYPHEN = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_1 = 0x31;
const DIGIT_5 = 0x35;
const DIGIT_9 = 0x39;

const DEFAULT_MAX_LINE_LENGTH = 8192;
const DEFAULT_MAX_LINES = 512;
const INITIAL_PARTIAL_CAPACITY = 256;

// RFC 3463 class.subject.detail at the start of the text, followed by a space or the end.
const ENHANCED_CODE = /^([245])\.(\d{1,3})\.(\d{1,3})(?: |$)/;

/**
 * Incremental SMTP/LMTP reply parser (RFC 5321 §4.2): bytes in, complete replies out.
 * Pure: it never touches a socket, so the session decides what to do with what it returns.
 */
export class ReplyParser {
  private readonly maxLineLength: number;
  private readonly maxLines: number;
  private readonly onLine: ((line: ReplyLine) => void) | undefined;

  // The unfinished line. A growable buffer (doubling, capped by maxLineLength) keeps a slowly
  // trickled line linear in cost instead of re-concatenating on every chunk.
  private partial: Buffer = Buffer.alloc(0);
  private partialLength = 0;

  // Complete lines of a multi-line reply whose last line has not arrived yet.
  private lines: ReplyLine[] = [];
  private linesBytes = 0;
  private code = 0;

  constructor(options: ReplyParserOptions = {}) {
    this.maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    this.maxLines = options.maxLines ?? DEFAULT_MAX_LINES;
    this.onLine = options.onLine;
  }

  /** Bytes held that are not yet part of a returned reply (partial line plus lines of an unfinished reply). */
  get pendingBytes(): number {
    return this.partialLength + this.linesBytes;
  }

  /** Feed received bytes; returns the replies they complete, in order. Throws SmtpError('protocol-error'). */
  push(chunk: Buffer): Reply[] {
    const replies: Reply[] = [];
    let start = 0;
    const length = chunk.length;
    while (start < length) {
      const lf = chunk.indexOf(LF, start);
      if (lf === -1) {
        this.hold(chunk, start, length);
        break;
      }
      const lineLength = this.partialLength + (lf + 1 - start);
      let line: Buffer;
      if (this.partialLength === 0) {
        // Common case: the whole line sits in this chunk, so take a zero-copy view.
        line = chunk.subarray(start, lf + 1);
      } else {
        if (lineLength > this.maxLineLength) {
          throw this.tooLong(Buffer.concat([this.partial.subarray(0, this.partialLength), chunk.subarray(start, lf + 1)]));
        }
        this.hold(chunk, start, lf + 1);
        line = this.partial.subarray(0, this.partialLength);
        this.partialLength = 0;
      }
      start = lf + 1;
      if (line.length > this.maxLineLength) throw this.tooLong(line);
      const reply = this.takeLine(line);
      if (reply) replies.push(reply);
    }
    return replies;
  }

  /** Append chunk[from, to) to the partial line, failing as soon as it cannot fit under the cap. */
  private hold(chunk: Buffer, from: number, to: number): void {
    const needed = this.partialLength + (to - from);
    // A line without its LF yet is at least one byte longer than what is held, so an endless
    // line fails here, once it passes the cap, rather than being buffered forever.
    const endsLine = to > from && chunk[to - 1] === LF;
    if (!endsLine && needed + 1 > this.maxLineLength) {
      throw this.tooLong(Buffer.concat([this.partial.subarray(0, this.partialLength), chunk.subarray(from, to)]));
    }
    if (needed > this.partial.length) {
      let capacity = Math.max(this.partial.length * 2, INITIAL_PARTIAL_CAPACITY);
      while (capacity < needed) capacity *= 2;
      capacity = Math.min(capacity, Math.max(needed, this.maxLineLength));
      const grown = Buffer.allocUnsafe(capacity);
      this.partial.copy(grown, 0, 0, this.partialLength);
      this.partial = grown;
    }
    chunk.copy(this.partial, this.partialLength, from, to);
    this.partialLength = needed;
  }

  /** Validate one complete line (terminator included) and return the reply it completes, if any. */
  private takeLine(line: Buffer): Reply | undefined {
    const bareLf = line.length < 2 || line[line.length - 2] !== CR;
    const contentEnd = line.length - (bareLf ? 1 : 2);

    const d0 = line[0] ?? 0;
    const d1 = line[1] ?? 0;
    const d2 = line[2] ?? 0;
    if (contentEnd < 3 || !isDigit(d0) || !isDigit(d1) || !isDigit(d2)) {
      throw malformed('code is not three digits', line);
    }
    if (d0 < DIGIT_1 || d0 > DIGIT_5) {
      throw malformed('code must start with 1 to 5', line);
    }
    let last: boolean;
    if (contentEnd === 3) {
      last = true; // a bare "250": smtp-sink and friends end EHLO like this
    } else {
      const separator = line[3];
      if (separator === SPACE) last = true;
      else if (separator === HYPHEN) last = false;
      else throw malformed('missing separator after code', line);
    }

    const code = (d0 - DIGIT_0) * 100 + (d1 - DIGIT_0) * 10 + (d2 - DIGIT_0);
    if (this.lines.length > 0 && code !== this.code) {
      throw malformed(`code changed within a multi-line reply, ${this.code} then ${code}`, line);
    }
    if (this.lines.length + 1 > this.maxLines) {
      throw new SmtpError(
        'protocol-error',
        `reply has more than ${this.maxLines} lines: "${escapeBytes(line)}"`,
        { raw: escapeBytes(line) },
      );
    }

    // The first four bytes are ASCII, so slicing the decoded string equals decoding the text bytes.
    const raw = line.toString('utf8', 0, contentEnd);
    const replyLine: ReplyLine = { raw, text: raw.length > 4 ? raw.slice(4) : '', bareLf };
    this.code = code;
    this.lines.push(replyLine);
    this.linesBytes += line.length;
    this.onLine?.(replyLine);
    if (!last) return undefined;

    const lines = this.lines;
    this.lines = [];
    this.linesBytes = 0;
    return buildReply(code, lines);
  }

  private tooLong(bytes: Buffer): SmtpError {
    return new SmtpError(
      'protocol-error',
      `reply line longer than ${this.maxLineLength} bytes: "${escapeBytes(bytes, 80)}"`,
      { raw: escapeBytes(bytes) },
    );
  }
}

/** Assemble a reply from its validated lines, picking up an enhanced status code of the reply's class. */
function buildReply(code: number, lines: ReplyLine[]): Reply {
  let text = lines[0]!.text;
  let bareLf = lines[0]!.bareLf;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    text += '\n' + line.text;
    if (line.bareLf) bareLf = true;
  }
  const reply: Reply = { code, lines, text, bareLf };
  const match = ENHANCED_CODE.exec(lines[0]!.text);
  // A "5.x.x" on a 250 reply is not an enhanced code for this reply (RFC 3463 §2: the class must agree).
  if (match && Number(match[1]) === Math.floor(code / 100)) {
    reply.enhancedCode = `${match[1]}.${match[2]}.${match[3]}`;
  }
  return reply;
}

/** The protocol error for a line that breaks the reply syntax, naming what was wrong. */
function malformed(what: string, line: Buffer): SmtpError {
  const raw = escapeBytes(line);
  return new SmtpError('protocol-error', `malformed reply line (${what}): "${raw}"`, { raw });
}

/** Whether a byte is an ASCII digit. */
function isDigit(byte: number): boolean {
  return byte >= DIGIT_0 && byte <= DIGIT_9;
}
