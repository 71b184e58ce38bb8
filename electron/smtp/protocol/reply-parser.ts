import { SmtpError, escapeBytes } from '../errors.js';
import type { Reply, ReplyLine, ReplyQuirks } from './reply.js';

/** Options for {@link ReplyParser}. */
export interface ReplyParserOptions {
  /** Longest accepted line in bytes, terminator included (default 8192). */
  maxLineLength?: number;
  /** Most lines accepted in one reply (default 512). */
  maxLines?: number;
  /**
   * Called as each line completes, before the reply it belongs to is complete; may return where the line was recorded
   * (a transcript index), which becomes the reply's `at` for its first line.
   */
  onLine?: (line: ReplyLine) => number | void;
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const HYPHEN = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_2 = 0x32;
const DIGIT_5 = 0x35;
const DIGIT_9 = 0x39;

const DEFAULT_MAX_LINE_LENGTH = 8192;
const DEFAULT_MAX_LINES = 512;
const INITIAL_PARTIAL_CAPACITY = 256;
/** RFC 5321 §4.5.3.1.5: the longest reply line a client must accept, CRLF included. Longer ones are flagged. */
export const REPLY_LINE_LIMIT = 512;

/**
 * Incremental SMTP/LMTP reply parser (RFC 5321 §4.2): bytes in, complete replies out.
 * Pure: it never touches a socket, so the session decides what to do with what it returns.
 */
export class ReplyParser {
  private readonly maxLineLength: number;
  private readonly maxLines: number;
  private readonly onLine: ((line: ReplyLine) => number | void) | undefined;

  // The unfinished line. A growable buffer (doubling, capped by maxLineLength) keeps a slowly
  // trickled line linear in cost instead of re-concatenating on every chunk.
  private partial: Buffer = Buffer.alloc(0);
  private partialLength = 0;

  // Complete lines of a multi-line reply whose last line has not arrived yet.
  private lines: ReplyLine[] = [];
  private linesBytes = 0;
  private code = 0;
  /** Where the current reply's first line was recorded. */
  private at = -1;
  /** Rules the current reply broke so far (created on the first one). */
  private quirks: ReplyQuirks | undefined;

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
      let reply: Reply | undefined;
      if (this.partialLength === 0) {
        // Common case: the whole line sits in this chunk, so read it in place.
        if (lineLength > this.maxLineLength) throw this.tooLong(chunk.subarray(start, lf + 1));
        reply = this.takeLine(chunk, start, lf + 1);
      } else {
        if (lineLength > this.maxLineLength) {
          throw this.tooLong(Buffer.concat([this.partial.subarray(0, this.partialLength), chunk.subarray(start, lf + 1)]));
        }
        this.hold(chunk, start, lf + 1);
        const held = this.partialLength;
        this.partialLength = 0;
        reply = this.takeLine(this.partial, 0, held);
      }
      start = lf + 1;
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

  /**
   * Validate one complete line, buf[start, end) with its terminator, and return the reply it completes,
   * if any. The line is read in place; a view of it is made only to report an error.
   */
  private takeLine(buf: Buffer, start: number, end: number): Reply | undefined {
    const length = end - start;
    const bareLf = length < 2 || buf[end - 2] !== CR;
    const contentLength = length - (bareLf ? 1 : 2);
    const line = (): Buffer => buf.subarray(start, end);

    const d0 = length > 0 ? buf[start]! : 0;
    const d1 = length > 1 ? buf[start + 1]! : 0;
    const d2 = length > 2 ? buf[start + 2]! : 0;
    if (contentLength < 3 || !isDigit(d0) || !isDigit(d1) || !isDigit(d2)) {
      throw malformed('code is not three digits', line());
    }
    // RFC 5321 §4.2.1 lists 1yz, but no SMTP or LMTP command has a 1yz reply: it cannot answer anything we send.
    if (d0 < DIGIT_2 || d0 > DIGIT_5) {
      throw malformed('code must start with 2 to 5', line());
    }
    let last: boolean;
    if (contentLength === 3) {
      last = true; // a bare "250": smtp-sink and friends end EHLO like this
    } else {
      const separator = buf[start + 3];
      if (separator === SPACE) last = true;
      else if (separator === HYPHEN) last = false;
      else throw malformed('missing separator after code', line());
    }

    const code = (d0 - DIGIT_0) * 100 + (d1 - DIGIT_0) * 10 + (d2 - DIGIT_0);
    if (this.lines.length > 0 && code !== this.code) {
      throw malformed(`code changed within a multi-line reply, ${this.code} then ${code}`, line());
    }
    if (this.lines.length + 1 > this.maxLines) {
      throw new SmtpError('protocol-error', `reply has more than ${this.maxLines} lines: "${escapeBytes(line())}"`, {
        raw: escapeBytes(line()),
      });
    }

    // The first four bytes are ASCII, so slicing the decoded string equals decoding the text bytes.
    const raw = buf.toString('utf8', start, start + contentLength);
    const replyLine: ReplyLine = { raw, text: raw.length > 4 ? raw.slice(4) : '', bareLf };
    // A CR not followed by LF is not a line end (RFC 5321 §2.3.8): it stays in the text, and is flagged.
    const cr = buf.indexOf(CR, start);
    const bareCr = cr !== -1 && cr < start + contentLength;
    if (bareLf || bareCr || length > REPLY_LINE_LIMIT) {
      const quirks = (this.quirks ??= { bareLf: false, bareCr: false, longLine: false, enhancedMismatch: false });
      if (bareLf) quirks.bareLf = true;
      if (bareCr) quirks.bareCr = true;
      if (length > REPLY_LINE_LIMIT) quirks.longLine = true;
    }
    this.code = code;
    const first = this.lines.length === 0;
    this.lines.push(replyLine);
    this.linesBytes += length;
    const recorded = this.onLine?.(replyLine);
    if (first) this.at = typeof recorded === 'number' ? recorded : -1;
    if (!last) return undefined;

    const lines = this.lines;
    const quirks = this.quirks;
    this.lines = [];
    this.linesBytes = 0;
    this.quirks = undefined;
    return buildReply(code, lines, quirks, this.at);
  }

  private tooLong(bytes: Buffer): SmtpError {
    return new SmtpError('protocol-error', `reply line longer than ${this.maxLineLength} bytes: "${escapeBytes(bytes, 80)}"`, {
      raw: escapeBytes(bytes),
    });
  }
}

/** Assemble a reply from its validated lines, picking up an enhanced status code of the reply's class. */
function buildReply(code: number, lines: ReplyLine[], quirks: ReplyQuirks | undefined, at: number): Reply {
  let text = lines[0]!.text;
  for (let i = 1; i < lines.length; i++) text += '\n' + lines[i]!.text;
  const replyClass = Math.floor(code / 100);
  const enhanced = enhancedCode(lines[0]!.text, replyClass);
  if (enhanced === undefined) {
    // "250 5.1.1 …": an enhanced code is there, but of another class (RFC 3463 §2 wants the reply's).
    const first = lines[0]!.text.charCodeAt(0) - DIGIT_0;
    if ((first === 2 || first === 4 || first === 5) && first !== replyClass && enhancedCode(lines[0]!.text, first) !== undefined) {
      quirks ??= { bareLf: false, bareCr: false, longLine: false, enhancedMismatch: false };
      quirks.enhancedMismatch = true;
    }
  }
  // One shape for every reply (enhancedCode always present, maybe undefined), so readers stay monomorphic.
  return { code, lines, text, enhancedCode: enhanced, bareLf: quirks?.bareLf ?? false, quirks, at };
}

/**
 * The RFC 3463 class.subject.detail at the start of a reply text — `[245].d{1,3}.d{1,3}`, then a space
 * or the end — when its class is the reply's (a "5.x.x" on a 250 is not this reply's code, §2). What
 * /^([245])\.(\d{1,3})\.(\d{1,3})(?: |$)/ says, without a match object for every reply.
 */
function enhancedCode(text: string, replyClass: number): string | undefined {
  const first = text.charCodeAt(0);
  if (first !== 0x30 + replyClass || (replyClass !== 2 && replyClass !== 4 && replyClass !== 5)) return undefined;
  if (text.charCodeAt(1) !== 0x2e) return undefined;
  let at = 2;
  const subjectStart = at;
  while (at < text.length && at - subjectStart < 4 && isDigit(text.charCodeAt(at))) at++;
  const subjectLength = at - subjectStart;
  if (subjectLength < 1 || subjectLength > 3 || text.charCodeAt(at) !== 0x2e) return undefined;
  at++;
  const detailStart = at;
  while (at < text.length && at - detailStart < 4 && isDigit(text.charCodeAt(at))) at++;
  const detailLength = at - detailStart;
  if (detailLength < 1 || detailLength > 3) return undefined;
  if (at < text.length && text.charCodeAt(at) !== 0x20) return undefined;
  return text.slice(0, at);
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
