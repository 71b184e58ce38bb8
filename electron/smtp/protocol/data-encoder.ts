const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

const CRLF = Buffer.from('\r\n', 'latin1');
const LF_ONLY = CRLF.subarray(1);
const CR_ONLY = CRLF.subarray(0, 1);
const DOT_ONLY = Buffer.from('.', 'latin1');
const EMPTY = Buffer.alloc(0);
const END_AFTER_LINE = Buffer.from('.\r\n', 'latin1');
const END_MID_LINE = Buffer.from('\r\n.\r\n', 'latin1');

/**
 * Streaming CRLF normalisation, optionally with dot-stuffing: the shared engine of both encoders.
 *
 * Normalisation is smtplib's `_fix_eols` (`\r\n|\n|\r(?!\n)` → CRLF) done in a streaming way: every
 * CR is written as CRLF at once, and an LF that directly follows a CR (possibly at the start of the
 * next chunk) is dropped. That never has to hold a CR back waiting for the next chunk.
 */
class LineEncoder {
  bytesIn = 0;
  bytesOut = 0;
  /** Line breaks written (each a CRLF), so callers need not scan the output again to count lines. */
  lineBreaks = 0;
  /** The last input byte was a CR (already written as CRLF), so a following LF is swallowed. */
  private afterCr = false;
  /** The output so far ends at a line start (true at the very start: the command line's CRLF precedes). */
  atLineStart = true;
  /** Whether any input byte was seen. */
  started = false;

  constructor(private readonly stuffDots: boolean) {}

  /** Encode one chunk; returns the chunk itself (or a view of it) when nothing had to change. */
  encode(chunk: Buffer): Buffer {
    const length = chunk.length;
    this.bytesIn += length;
    if (length === 0) return EMPTY;
    this.started = true;

    let pos = 0;
    if (this.afterCr) {
      this.afterCr = false;
      if (chunk[0] === LF) pos = 1; // second half of a CRLF split across chunks
    }

    const pieces: Buffer[] = [];
    let outLength = 0;
    let runStart = pos; // start of the stretch of input copied unchanged
    let atLineStart = this.atLineStart;
    // Cached next positions of CR and LF, refreshed only once passed, so each byte is scanned
    // at most twice by native code whatever the mix of line endings.
    let nextCr = -2;
    let nextLf = -2;
    let breaks = 0;

    while (pos < length) {
      if (atLineStart && this.stuffDots && chunk[pos] === DOT) {
        // RFC 5321 §4.5.2: a line that begins with "." gets one more.
        if (pos > runStart) pieces.push(chunk.subarray(runStart, pos));
        pieces.push(DOT_ONLY);
        outLength += pos - runStart + 1;
        runStart = pos;
      }
      if (nextCr !== -1 && nextCr < pos) nextCr = chunk.indexOf(CR, pos);
      if (nextLf !== -1 && nextLf < pos) nextLf = chunk.indexOf(LF, pos);
      if (nextCr === -1 && nextLf === -1) {
        atLineStart = false;
        break;
      }
      if (nextLf === -1 || (nextCr !== -1 && nextCr < nextLf)) {
        const cr = nextCr;
        if (cr + 1 === nextLf) {
          pos = cr + 2; // a proper CRLF: copied as is
        } else if (cr + 1 === length) {
          // A CR ending the chunk: write it as CRLF now and drop an LF that starts the next chunk.
          pieces.push(chunk.subarray(runStart, length), LF_ONLY);
          outLength += length - runStart + 1;
          runStart = pos = length;
          this.afterCr = true;
        } else {
          // A bare CR inside the chunk becomes CRLF.
          pieces.push(chunk.subarray(runStart, cr + 1), LF_ONLY);
          outLength += cr + 1 - runStart + 1;
          runStart = pos = cr + 1;
        }
      } else {
        // A bare LF becomes CRLF: add the CR and keep the LF in the next run.
        const lf = nextLf;
        pieces.push(chunk.subarray(runStart, lf), CR_ONLY);
        outLength += lf - runStart + 1;
        runStart = lf;
        pos = lf + 1;
      }
      atLineStart = true;
      breaks++;
    }
    this.atLineStart = atLineStart;
    this.lineBreaks += breaks;

    if (pieces.length === 0) {
      const out = runStart === 0 ? chunk : chunk.subarray(runStart);
      this.bytesOut += out.length;
      return out;
    }
    if (runStart < length) {
      pieces.push(chunk.subarray(runStart));
      outLength += length - runStart;
    }
    this.bytesOut += outLength;
    return Buffer.concat(pieces, outLength);
  }
}

/**
 * DATA body encoder: CRLF normalisation, dot-stuffing and the end-of-data terminator, streaming.
 *
 * The output always ends in exactly one CRLF "." CRLF and never contains that sequence earlier
 * (no SMTP smuggling), whatever line endings the body uses and however it is chunked.
 * An empty body encodes as just ".\r\n": the CRLF ending the DATA command's line is the terminator's
 * leading CRLF, so the server receives an empty message rather than one holding a blank line.
 */
export class DotStuffer {
  private readonly encoder = new LineEncoder(true);
  private ended = false;
  private endedMidLine = false;

  /** Bytes of body given to encode(). */
  get bytesIn(): number {
    return this.encoder.bytesIn;
  }

  /** Bytes returned so far, including the terminator once end() has been called. */
  get bytesOut(): number {
    return this.encoder.bytesOut;
  }

  /** Line breaks of the body written so far: after end(), with the one the terminator adds to an unfinished line. */
  get lineBreaks(): number {
    return this.encoder.lineBreaks + (this.endedMidLine ? 1 : 0);
  }

  /** Encode the next chunk of the body. */
  encode(chunk: Buffer): Buffer {
    if (this.ended) throw new Error('DotStuffer.encode() called after end()');
    return this.encoder.encode(chunk);
  }

  /** Finish the body: ".\r\n" after a line break (or for an empty body), "\r\n.\r\n" otherwise. */
  end(): Buffer {
    if (this.ended) throw new Error('DotStuffer.end() called twice');
    this.ended = true;
    this.endedMidLine = !this.encoder.atLineStart;
    // A copy, so a caller that writes into the returned buffer cannot corrupt the shared constant.
    const out = Buffer.from(this.encoder.atLineStart ? END_AFTER_LINE : END_MID_LINE);
    this.encoder.bytesOut += out.length;
    return out;
  }
}

/**
 * BDAT body encoder: the same CRLF normalisation, no dot-stuffing (BDAT counts bytes) and no terminator.
 * end() appends CRLF when a non-empty body does not end in a line break, since RFC 5322 messages end
 * in CRLF and servers otherwise glue their own; an empty body stays empty.
 */
export class LineEndingNormaliser {
  private readonly encoder = new LineEncoder(false);
  private ended = false;

  /** Bytes of body given to encode(). */
  get bytesIn(): number {
    return this.encoder.bytesIn;
  }

  /** Bytes returned so far, including a final CRLF added by end(). */
  get bytesOut(): number {
    return this.encoder.bytesOut;
  }

  /** Line breaks written so far, including a final CRLF added by end(). */
  get lineBreaks(): number {
    return this.encoder.lineBreaks;
  }

  /** Normalise the next chunk of the body. */
  encode(chunk: Buffer): Buffer {
    if (this.ended) throw new Error('LineEndingNormaliser.encode() called after end()');
    return this.encoder.encode(chunk);
  }

  /** Finish the body: CRLF if it is non-empty and does not end in a line break, else nothing. */
  end(): Buffer {
    if (this.ended) throw new Error('LineEndingNormaliser.end() called twice');
    this.ended = true;
    const out = this.encoder.started && !this.encoder.atLineStart ? Buffer.from(CRLF) : Buffer.alloc(0);
    this.encoder.bytesOut += out.length;
    if (out.length) this.encoder.lineBreaks++;
    return out;
  }
}

/** Encode a whole body for DATA: normalised, dot-stuffed and terminated. */
export function encodeBodyForData(body: Buffer): Buffer {
  const stuffer = new DotStuffer();
  const encoded = stuffer.encode(body);
  return Buffer.concat([encoded, stuffer.end()]);
}
