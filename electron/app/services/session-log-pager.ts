import type { FileHandle } from 'node:fs/promises';
import type { SessionEventsPage } from '../../../shared/ipc/contract.js';
import type { TranscriptEvent } from '../../../shared/session-record.js';
import { AppError } from './app-error.js';
import { EVENTS_PREFIX, parseLine } from './session-log-format.js';
import { openLogFile, readLines } from './session-log-reader.js';

/**
 * The events of one session log, page by page, as the renderer asks for them (`sessions.events`): a reader that
 * remembers where each page ended, so that the next page starts there instead of at the top of the file.
 *
 * The log is read up to the size it had when it was opened (a live session's log may grow meanwhile: what came later
 * is not part of this reading). Each page opens the file again, so a log deleted, replaced or cut short between
 * pages is noticed and reported rather than read from a stale handle. Unreadable lines are skipped and counted once
 * each. While the renderer takes in one page the next one is read ahead, so the renderer rarely waits for the disk.
 */

interface Position {
  /** Byte offset of the line that holds the event. */
  offset: number;
  /** Events of that line before it. */
  skip: number;
  /** The event's index in the transcript. */
  index: number;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface SessionLogPagerOptions {
  id: string;
  path: string;
  /** Read up to here: the log's size when it was opened. */
  size: number;
  /** The file's identity when it was opened: a log replaced by another file is not read on. */
  dev: number;
  ino: number;
  /** Told the number of events once the end is reached (to cache the count of a log without an end line). */
  onEnd?: (events: number) => void;
}

/** Positions remembered (page starts); beyond this every other one is forgotten. */
const MAX_POSITIONS = 1024;
/** A page read ahead and not asked for within this time is dropped (the renderer went away or opened another). */
const READ_AHEAD_TTL_MS = 30_000;

export class SessionLogPager {
  readonly id: string;
  private readonly options: SessionLogPagerOptions;
  /** Sorted by index; the first is the top of the file. */
  private positions: Position[] = [{ offset: 0, skip: 0, index: 0 }];
  /** Lines before this byte offset have been looked at. */
  private scannedTo = 0;
  /** Byte offsets of the unreadable lines found so far, ascending. */
  private damagedAt: number[] = [];
  /** Reads one at a time: they share the counters above. */
  private reads: Promise<unknown> = Promise.resolve();
  private ahead: { from: number; limit: number; result: Promise<Settled<SessionEventsPage>> } | undefined;
  private aheadTimer: NodeJS.Timeout | undefined;

  constructor(options: SessionLogPagerOptions) {
    this.id = options.id;
    this.options = options;
  }

  /** Up to `limit` events from index `from`; then the following `aheadLimit` are read ahead. */
  async page(from: number, limit: number, aheadLimit = limit): Promise<SessionEventsPage> {
    const ahead = this.ahead;
    this.dropReadAhead();
    let page: SessionEventsPage;
    const settled = ahead && ahead.from === from && ahead.limit === limit ? await ahead.result : undefined;
    // A failed read ahead is tried again, so that its error (the log deleted meanwhile) is this request's.
    if (settled?.ok) page = settled.value;
    else page = await this.read(from, limit);
    if (!page.done) this.readAhead(page.next, aheadLimit);
    return page;
  }

  /** Forget the page read ahead (the reading is abandoned). */
  dispose(): void {
    this.dropReadAhead();
  }

  private readAhead(from: number, limit: number): void {
    const result = this.read(from, limit).then(
      (value): Settled<SessionEventsPage> => ({ ok: true, value }),
      (error: unknown): Settled<SessionEventsPage> => ({ ok: false, error }),
    );
    this.ahead = { from, limit, result };
    this.aheadTimer = setTimeout(() => this.dropReadAhead(), READ_AHEAD_TTL_MS);
    this.aheadTimer.unref();
  }

  private dropReadAhead(): void {
    this.ahead = undefined;
    if (this.aheadTimer) clearTimeout(this.aheadTimer);
    this.aheadTimer = undefined;
  }

  private read(from: number, limit: number): Promise<SessionEventsPage> {
    const run = this.reads.then(() => this.readNow(from, limit));
    this.reads = run.catch(() => undefined);
    return run;
  }

  private async readNow(from: number, limit: number): Promise<SessionEventsPage> {
    const { id, size } = this.options;
    const start = this.locate(from);
    const handle = await this.openLog();
    const events: TranscriptEvent[] = [];
    let index = start.index;
    let skip = start.skip;
    let toSkip = from - start.index;
    let next: Position | undefined;
    try {
      for await (const line of readLines(handle, start.offset, size)) {
        const full = events.length >= limit;
        if (full && line.text.startsWith(EVENTS_PREFIX)) {
          next = { offset: line.offset, skip: 0, index };
          break;
        }
        const parsed = line.text.trim() === '' ? null : parseLine(line.text);
        if (parsed === undefined) {
          if (line.offset >= this.scannedTo) this.damagedAt.push(line.offset);
        } else if (parsed?.type === 'events' && parsed.events) {
          if (full) {
            next = { offset: line.offset, skip: 0, index };
            break;
          }
          const list = parsed.events;
          let k = Math.min(skip, list.length);
          const skipped = Math.min(toSkip, list.length - k);
          k += skipped;
          toSkip -= skipped;
          index += skipped;
          const take = Math.min(limit - events.length, list.length - k);
          for (let i = 0; i < take; i++) events.push(list[k + i] as TranscriptEvent);
          k += take;
          index += take;
          if (k < list.length) {
            next = { offset: line.offset, skip: k, index };
            break;
          }
        }
        skip = 0;
        if (line.end > this.scannedTo) this.scannedTo = line.end;
      }
    } catch (error) {
      if (error instanceof AppError) throw new AppError(error.code, `${error.message} (session ${id})`, { cause: error });
      throw error;
    } finally {
      await handle.close().catch(() => undefined);
    }
    const done = next === undefined;
    const end = next ?? { offset: size, skip: 0, index };
    if (done) this.options.onEnd?.(index);
    else this.remember(end);
    return { events, next: end.index, done, damagedLines: this.damagedBefore(end.offset), bytesRead: end.offset, bytes: size };
  }

  private async openLog(): Promise<FileHandle> {
    const { id, path, size, dev, ino } = this.options;
    const handle = await openLogFile(path, id, `the session log ${id} was deleted while it was being read`);
    try {
      const info = await handle.stat();
      if (info.dev !== dev || info.ino !== ino)
        throw new AppError('storage-failed', `the session log ${id} was replaced while it was being read`);
      if (info.size < size) throw new AppError('storage-failed', `the session log ${id} got shorter while it was being read`);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    return handle;
  }

  /** Unreadable lines before a byte offset (not those a read ahead found further on). */
  private damagedBefore(offset: number): number {
    const at = this.damagedAt;
    let lo = 0;
    let hi = at.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((at[mid] as number) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The furthest known position at or before event `from`. */
  private locate(from: number): Position {
    const positions = this.positions;
    let lo = 0;
    let hi = positions.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((positions[mid] as Position).index <= from) lo = mid;
      else hi = mid - 1;
    }
    return positions[lo] as Position;
  }

  private remember(position: Position): void {
    const positions = this.positions;
    const at = positions.findIndex((p) => p.index >= position.index);
    if (at >= 0 && (positions[at] as Position).index === position.index) return;
    if (at < 0) positions.push(position);
    else positions.splice(at, 0, position);
    // Keep the top of the file and every other position: a page far back costs a longer read, never a wrong one.
    if (positions.length > MAX_POSITIONS) this.positions = positions.filter((_, i) => i === 0 || i % 2 === 1);
  }
}
