import { open, type FileHandle } from 'node:fs/promises';
import { AppError } from './app-error.js';
import { describeError, errorCode } from './atomic-file.js';
import { EVENTS_PREFIX, parseLine, type ParsedLine } from './session-log-format.js';

/**
 * Reading a session log without holding it in memory: its first line, its last line, the last record line (from the
 * end backwards), and every line from a byte offset on, in chunks. Each chunk is awaited, so reading a large log
 * gives the event loop back every READ_CHUNK bytes instead of blocking it for the whole file.
 */

const HEAD_CHUNK = 64 * 1024;
/** Give up on a first or last line longer than this when listing. */
const MAX_LINE_READ = 16 * 1024 * 1024;
/** Bytes read at a time when streaming a log (forwards or backwards). */
export const READ_CHUNK = 1024 * 1024;

/**
 * A log's file handle for reading. A missing file is AppError('not-found') with `whenMissing` as its message (a
 * reading under way says the log was deleted meanwhile); any other failure is 'storage-failed'.
 */
export async function openLogFile(path: string, id: string, whenMissing = `no session log ${id}`): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') throw new AppError('not-found', whenMissing);
    throw new AppError('storage-failed', `could not read the session log ${id}: ${describeError(error)}`, { cause: error });
  }
}

/** One line of a log: its text (no newline) and where it is in the file. */
export interface LogLine {
  text: string;
  /** Byte offset of its first byte. */
  offset: number;
  /** Byte offset after its newline (or the end of what was read, for a last line without one). */
  end: number;
}

export async function readChunk(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** The first line (without its newline), reading only as much as it needs. */
export async function readFirstLine(handle: FileHandle, size: number): Promise<string | undefined> {
  let length = Math.min(HEAD_CHUNK, size);
  for (;;) {
    const chunk = await readChunk(handle, 0, length);
    const newline = chunk.indexOf(0x0a);
    if (newline >= 0) return chunk.subarray(0, newline).toString('utf8');
    if (length >= size) return chunk.toString('utf8');
    if (length >= MAX_LINE_READ) return undefined;
    length = Math.min(length * 4, size, MAX_LINE_READ);
  }
}

/**
 * Every line in the bytes [from, until) of the file, in order, read `chunkSize` bytes at a time. `from` must be the
 * start of a line. A last line without a newline (cut short by a kill) is given too. Throws AppError('storage-failed')
 * when the file ends before `until` (it was cut short meanwhile).
 */
export async function* readLines(handle: FileHandle, from: number, until: number, chunkSize = READ_CHUNK): AsyncGenerator<LogLine> {
  const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(chunkSize, until - from)));
  /** The start of a line whose newline is not read yet (copied out of `buffer`, which is reused). */
  let partial: Buffer[] = [];
  let lineStart = from;
  let position = from;
  while (position < until) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, until - position), position));
    } catch (error) {
      throw new AppError('storage-failed', `could not read the session log: ${describeError(error)}`, { cause: error });
    }
    if (bytesRead === 0) throw new AppError('storage-failed', 'the session log got shorter while it was being read');
    let start = 0;
    for (;;) {
      const newline = buffer.indexOf(0x0a, start);
      if (newline < 0 || newline >= bytesRead) break;
      let text: string;
      if (partial.length > 0) {
        partial.push(buffer.subarray(start, newline));
        text = Buffer.concat(partial).toString('utf8');
        partial = [];
      } else {
        text = buffer.toString('utf8', start, newline);
      }
      const end = position + newline + 1;
      yield { text, offset: lineStart, end };
      lineStart = end;
      start = newline + 1;
    }
    if (start < bytesRead) partial.push(Buffer.from(buffer.subarray(start, bytesRead)));
    position += bytesRead;
  }
  if (partial.length > 0) yield { text: Buffer.concat(partial).toString('utf8'), offset: lineStart, end: position };
}

/** The first `n` bytes of a line held as pieces, as text (for a cheap look at how it starts). */
function headOf(pieces: readonly Buffer[], n: number): string {
  const out: Buffer[] = [];
  let length = 0;
  for (const piece of pieces) {
    if (length >= n) break;
    out.push(piece.subarray(0, n - length));
    length += Math.min(piece.length, n - length);
  }
  return Buffer.concat(out, length).toString('utf8');
}

/**
 * The last readable snapshot or end line of the first `size` bytes, read from the end backwards, or undefined when
 * there is none (the latest record is then the start line's). Events lines are recognised by how they start and
 * skipped without being parsed; unreadable lines are skipped, as a rebuild would.
 */
export async function readLatestRecordLine(handle: FileHandle, size: number, chunkSize = READ_CHUNK): Promise<ParsedLine | undefined> {
  const check = (pieces: readonly Buffer[]): ParsedLine | undefined => {
    if (pieces.length === 0 || headOf(pieces, EVENTS_PREFIX.length) === EVENTS_PREFIX) return undefined;
    const line = parseLine(Buffer.concat(pieces).toString('utf8'));
    return line?.type === 'snapshot' || line?.type === 'end' ? line : undefined;
  };
  /** The end of a line whose start is further back, as pieces in file order. */
  let tail: Buffer[] = [];
  let end = size;
  while (end > 0) {
    const length = Math.min(chunkSize, end);
    const chunk = await readChunk(handle, end - length, length);
    if (chunk.length < length) throw new AppError('storage-failed', 'the session log got shorter while it was being read');
    end -= length;
    let lineEnd = chunk.length;
    for (;;) {
      const newline = lineEnd > 0 ? chunk.lastIndexOf(0x0a, lineEnd - 1) : -1;
      if (newline < 0) break;
      const found = check([chunk.subarray(newline + 1, lineEnd), ...tail].filter((b) => b.length > 0));
      if (found) return found;
      tail = [];
      lineEnd = newline;
    }
    tail = [chunk.subarray(0, lineEnd), ...tail];
  }
  return check(tail.filter((b) => b.length > 0));
}
