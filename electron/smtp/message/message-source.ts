import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { SmtpError } from '../errors.js';

/**
 * A message body that can be streamed more than once (once to measure, once to send) without holding it in memory.
 *
 * Sizes follow what smtplib puts on the wire: every CRLF, bare LF and bare CR counts as one CRLF
 * (two octets), because the sender normalises line endings before dot-stuffing or BDAT framing.
 */
export interface MessageSource {
  /** Exact size in bytes if known up front (CRLF line endings as it will be sent), else undefined. */
  readonly size: number | undefined;
  /** Whether the message has bytes ≥ 0x80 (needs BODY=8BITMIME) — undefined if not yet known. */
  readonly eightBit: boolean | undefined;
  /** A fresh stream of the message bytes each call. */
  open(): AsyncIterable<Buffer>;
  /**
   * The same bytes as open() yields, when they are all in memory already: a sender may iterate these
   * synchronously (no async iteration per message when sending thousands of small ones).
   */
  readonly parts?: readonly Buffer[];
}

/** What one pass over the bytes tells: the size as sent, whether any byte is ≥ 0x80, and the longest line. */
export interface SourceMeasure {
  size: number;
  eightBit: boolean;
  /** Octets of the longest line, without its line break (RFC 5321 §4.5.3.1.6 allows 998). */
  longestLine: number;
}

/** RFC 5321 §4.5.3.1.6: the longest text line, without its CRLF. */
export const MAX_LINE_OCTETS = 998;

const CR = 0x0d;
const LF = 0x0a;

/**
 * Incremental counter of the on-the-wire size and 8-bit-ness; chunk boundaries may split a CRLF.
 * The size is the byte count plus one for every bare LF and every bare CR (each becomes CRLF). Line
 * breaks are found with native searches and 8-bit bytes with one native check per chunk, so a large
 * message is measured at memory speed rather than a byte at a time.
 */
export class SourceMeter {
  private size = 0;
  private eightBit = false;
  // A CR at the end of a chunk is only known to be bare once the next chunk starts.
  private pendingCr = false;
  /** Octets of the line under way (it may span chunks) and of the longest one so far. */
  private lineLength = 0;
  private longestLine = 0;

  /** Feed the next chunk of the message. */
  update(chunk: Uint8Array): void {
    const length = chunk.length;
    if (length === 0) return;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!this.eightBit && !isAscii(buf)) this.eightBit = true;
    let size = this.size + length;
    // The CR that ended the previous chunk was bare unless this one starts with its LF.
    if (this.pendingCr && buf[0] !== LF) size += 1;
    for (let at = buf.indexOf(LF); at !== -1; at = buf.indexOf(LF, at + 1)) {
      const afterCr = at === 0 ? this.pendingCr : buf[at - 1] === CR;
      if (!afterCr) size += 1; // a bare LF becomes CRLF
    }
    for (let at = buf.indexOf(CR); at !== -1; at = buf.indexOf(CR, at + 1)) {
      // A CR ending the chunk is decided by the next chunk (or by result()).
      if (at + 1 < length && buf[at + 1] !== LF) size += 1; // a bare CR becomes CRLF
    }
    this.size = size;
    this.pendingCr = buf[length - 1] === CR;
    this.measureLines(buf);
  }

  /** Lines end at every CR and every LF (a CRLF ends one line, then an empty one that counts for nothing). */
  private measureLines(buf: Buffer): void {
    let at = 0;
    let cr = buf.indexOf(CR);
    let lf = buf.indexOf(LF);
    while (cr !== -1 || lf !== -1) {
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      const line = this.lineLength + (end - at);
      if (line > this.longestLine) this.longestLine = line;
      this.lineLength = 0;
      at = end + 1;
      if (end === cr) cr = buf.indexOf(CR, at);
      if (end === lf) lf = buf.indexOf(LF, at);
    }
    this.lineLength += buf.length - at;
  }

  /** The totals so far, treating a trailing CR as bare. */
  result(): SourceMeasure {
    return {
      size: this.size + (this.pendingCr ? 1 : 0),
      eightBit: this.eightBit,
      longestLine: Math.max(this.longestLine, this.lineLength),
    };
  }
}

/** Measure a set of in-memory parts in one go. */
export function measureBuffers(parts: readonly Uint8Array[]): SourceMeasure {
  const meter = new SourceMeter();
  for (const part of parts) meter.update(part);
  return meter.result();
}

/** A source over buffers already in memory; size and eightBit are computed at once. */
export function partsSource(parts: readonly Buffer[]): MessageSource {
  const { size, eightBit } = measureBuffers(parts);
  return {
    size,
    eightBit,
    parts,
    async *open() {
      for (const part of parts) if (part.length > 0) yield part;
    },
  };
}

/** A source over a message already in memory (a string is encoded as UTF-8). */
export function bufferSource(data: Buffer | string): MessageSource {
  return partsSource([typeof data === 'string' ? Buffer.from(data, 'utf8') : data]);
}

/** 64 KiB reads: big enough for throughput, small enough that memory does not follow file size. */
export const FILE_CHUNK_SIZE = 64 * 1024;

/** Identity of a file's contents as far as stat can tell; used to notice edits between passes. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
}

/** Stat a file that a message will be read from; a missing or non-regular file is bad input. */
export async function stampFile(path: string, field: string): Promise<FileStamp> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new SmtpError('invalid-input', `${field}: cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (!info.isFile()) throw new SmtpError('invalid-input', `${field}: ${path} is not a regular file`);
  return { size: info.size, mtimeMs: info.mtimeMs };
}

/** Refuse to stream a file that changed since it was measured: the announced size would be wrong. */
export async function checkFileUnchanged(path: string, stamp: FileStamp, field: string): Promise<void> {
  const now = await stampFile(path, field);
  if (now.size !== stamp.size || now.mtimeMs !== stamp.mtimeMs) {
    throw new SmtpError('invalid-input', `${field}: ${path} changed after the message was prepared`);
  }
}

/** Stream a byte range of a file in FILE_CHUNK_SIZE chunks. */
export async function* readFileChunks(path: string, start = 0): AsyncGenerator<Buffer> {
  const stream = createReadStream(path, { start, highWaterMark: FILE_CHUNK_SIZE });
  // Leaving the loop early (return/throw) destroys the stream, so no descriptor leaks.
  for await (const chunk of stream) yield chunk as Buffer;
}

/**
 * A source over a file on disk. size is the file's byte count (exact when the file already has
 * CRLF line endings; measureSource gives the exact figure otherwise); eightBit is unknown.
 */
export async function fileSource(path: string): Promise<MessageSource> {
  const stamp = await stampFile(path, 'message file');
  return {
    size: stamp.size,
    eightBit: undefined,
    async *open() {
      await checkFileUnchanged(path, stamp, 'message file');
      yield* readFileChunks(path);
    },
  };
}

/** Stream once to learn exact size and 8-bit-ness (constant memory). */
export async function measureSource(source: MessageSource): Promise<SourceMeasure> {
  const meter = new SourceMeter();
  for await (const chunk of source.open()) meter.update(chunk);
  return meter.result();
}
