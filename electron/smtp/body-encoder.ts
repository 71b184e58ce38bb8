import { DotStuffer, LineEndingNormaliser } from './protocol/data-encoder.js';
import type { Transcript } from './transcript.js';

/**
 * The one body encoder of a mail transaction, for DATA and BDAT alike: CRLF normalisation (and, for DATA,
 * dot-stuffing and the terminator), counting, and the body's part of the transcript — a one-line summary, or every
 * line when full capture is on, cut from the bytes actually written. For DATA the lines are recorded as they are
 * encoded (they follow the 354); for BDAT as each chunk is written (`written`), after its BDAT line. `finish()`
 * records the summary; the sender records DATA's "." when it writes the terminator (where it falls on the wire).
 */
export class BodyEncoder {
  private readonly encoder: DotStuffer | LineEndingNormaliser;
  private readonly capture: BodyCapture;

  constructor(
    readonly method: 'DATA' | 'BDAT',
    transcript: Transcript,
    full: boolean,
  ) {
    this.encoder = method === 'DATA' ? new DotStuffer() : new LineEndingNormaliser();
    this.capture = new BodyCapture(transcript, full);
  }

  get bytesIn(): number {
    return this.encoder.bytesIn;
  }

  /** Bytes written for the body so far (with the terminator once ended). */
  get bytesOut(): number {
    return this.encoder.bytesOut;
  }

  /** Encode the next chunk of the message. */
  encode(chunk: Buffer): Buffer {
    const out = this.encoder.encode(chunk);
    if (out.length > 0 && this.method === 'DATA') this.capture.push(out);
    return out;
  }

  /** BDAT: these encoded bytes were just written (after their BDAT line). */
  written(bytes: Buffer): void {
    this.capture.push(bytes);
  }

  /**
   * The end of the body: for DATA the terminator (".\r\n" after a line break, "\r\n.\r\n" otherwise), for BDAT a
   * final CRLF when a non-empty body lacks one (part of the last chunk: pass it to `written`).
   */
  end(): Buffer {
    const tail = this.encoder.end();
    // DATA: everything before the terminator's dot is body.
    if (this.method === 'DATA') this.capture.push(tail.subarray(0, tail.length - 3));
    return tail;
  }

  /** Record the summary; returns the summary line. */
  finish(): string {
    return this.capture.finish(this.encoder.bytesIn, this.encoder.bytesOut, this.encoder.lineBreaks);
  }
}

/** The body's part of the transcript: a one-line summary, or every line when full capture is on. */
class BodyCapture {
  private carry = '';
  private lines = 0;

  constructor(
    private readonly transcript: Transcript,
    private readonly full: boolean,
  ) {}

  line(text: string): void {
    this.transcript.sent(text);
  }

  push(bytes: Buffer): void {
    // The summary's line count comes from the encoder, which has found every line break already.
    if (!this.full || bytes.length === 0) return;
    const text = this.carry + bytes.toString('utf8');
    const parts = text.split('\r\n');
    this.carry = parts.pop()!;
    for (const line of parts) {
      this.lines++;
      this.line(line);
    }
  }

  /** `lineBreaks`: the encoder's count of line breaks written, the line count of the summary. Returns the summary. */
  finish(bytesIn: number, bytesOut: number, lineBreaks: number): string {
    if (this.full && this.carry) {
      this.lines++;
      this.line(this.carry);
    }
    const lines = this.full ? this.lines : lineBreaks;
    const summary = `message body: ${bytesIn} bytes in ${lines} lines (${bytesOut} bytes on the wire)`;
    this.transcript.info(summary);
    return summary;
  }
}
