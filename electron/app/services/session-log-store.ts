import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SESSION_FIRST_PAGE, SESSION_PAGE } from '../../../shared/ipc/channels.js';
import type { OpenedSession, SavedSessionSummary, SessionEventsPage } from '../../../shared/ipc/contract.js';
import type { SessionRecord } from '../../../shared/session-record.js';
import { AppError } from './app-error.js';
import { describeError, errorCode } from './atomic-file.js';
import {
  LogRebuilder,
  markInterrupted,
  parseLine,
  statusOf,
  type OpenedSessionLog,
  type RecordWithoutEvents,
} from './session-log-format.js';
import { SessionLogPager } from './session-log-pager.js';
import { openLogFile as openLog, readFirstLine, readLatestRecordLine, readLines } from './session-log-reader.js';
import type { SessionLogStoreApi, SessionRecordStream } from './types.js';

export { rebuild, type OpenedSessionLog } from './session-log-format.js';
export { findSecretKey, formatTarget, isValidSessionId, newSessionId, SessionLogFileWriter } from './session-log-writer.js';
import { formatTarget, isValidSessionId, newSessionId, SessionLogFileWriter } from './session-log-writer.js';
import { defined } from '../../../shared/defined.js';

/**
 * Session logs as JSON Lines in `<dir>/sessions/<id>.jsonl`, written as the session happens so that a
 * crash (or SIGKILL) keeps everything flushed so far:
 *
 *   {"type":"start","version":1,"id":"…","record":{…record without events…}}
 *   {"type":"events","events":[…]}          (one line per flush)
 *   {"type":"snapshot","record":{…}}        (after each step)
 *   {"type":"end","eventCount":N,"record":{…}}
 *
 * Writes are synchronous appends on a file descriptor opened in append mode, so once a flush returns
 * its bytes are in the kernel and survive the process being killed. Events are buffered and flushed at
 * least every 100 ms, whenever the buffer passes 256 KB, before every snapshot, and on close.
 *
 * Reading tolerates what a kill leaves behind: a truncated or garbled last line, no end line (status
 * 'open' while this store writes the log, 'interrupted' otherwise: its record's result then says so, never 'ok'). Logs are read as streams, never whole: `read`/`open` rebuild the whole record,
 * `openPaged` gives the record as the log ends with its first events and `readEvents` the rest page by
 * page (the app opening a saved session), and `stream` the record's head with its events page by page
 * (exports of any size). Records reach this store already redacted by the engine;
 * `create`, `snapshot` and `close` still refuse a record carrying a `secret`, `password` or `token` key
 * anywhere.
 */

export const SESSIONS_FOLDER = 'sessions';
const LIST_CONCURRENCY = 16;
/** Logs being read page by page at once (several windows or tabs); the least recently used one is forgotten. */
const MAX_LOADS = 8;
/** Events per page when a log is streamed for an export. */
const STREAM_PAGE = SESSION_PAGE;

/** A log's record as it ends and the file it was read from (`readHead`). */
interface LogHead {
  record: RecordWithoutEvents;
  status: OpenedSession['status'];
  /** The number of events the log says it holds, when known. */
  expected?: number;
  size: number;
  mtimeMs: number;
  dev: number;
  ino: number;
}

export class SessionLogStore implements SessionLogStoreApi {
  readonly folder: string;
  private readonly writers = new Map<string, SessionLogFileWriter>();
  /** Event counts of logs without an end line (only a full read can count them), by id, size and time. */
  private readonly countCache = new Map<string, { size: number; mtimeMs: number; events: number }>();
  /** Logs being read page by page (`openPaged`), by load id, least recently used first. */
  private readonly loads = new Map<string, SessionLogPager>();

  /** Creates `<dir>/sessions` if needed. */
  constructor(dir: string) {
    this.folder = join(dir, SESSIONS_FOLDER);
    try {
      fs.mkdirSync(this.folder, { recursive: true });
    } catch (error) {
      throw new AppError('storage-failed', `could not create ${this.folder}: ${describeError(error)}`, { cause: error });
    }
  }

  static async open(dir: string): Promise<SessionLogStore> {
    return new SessionLogStore(dir);
  }

  /** The log's path; throws AppError('not-found') for an id that is not a plain id (no path tricks). */
  pathOf(id: string): string {
    if (!isValidSessionId(id)) throw new AppError('not-found', 'not a valid session id');
    return join(this.folder, `${id}.jsonl`);
  }

  /** Start a log for `record` (its events, if any, are logged first). `options.id` picks the id (e.g. the live session's). */
  create(record: SessionRecord, options: { id?: string } = {}): SessionLogFileWriter {
    const id = options.id ?? newSessionId();
    const writer = new SessionLogFileWriter(id, this.pathOf(id), record, (w) => {
      if (this.writers.get(w.id) === w) this.writers.delete(w.id);
    });
    this.writers.set(id, writer);
    return writer;
  }

  /** The whole record (exports): every event of the log. */
  async open(id: string): Promise<SessionRecord> {
    return (await this.read(id)).record;
  }

  /** The rebuilt record with how the log ended (open when it has no end line); the log is streamed, not read whole. */
  async read(id: string): Promise<OpenedSessionLog> {
    const path = this.pathOf(id);
    this.writers.get(id)?.flushQuietly();
    const handle = await openLog(path, id);
    try {
      const { size } = await handle.stat();
      const rebuilder = new LogRebuilder(id);
      for await (const line of readLines(handle, 0, size)) rebuilder.add(line.text);
      return rebuilder.finish(this.isWriting(id));
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('storage-failed', `could not read the session log ${id}: ${describeError(error)}`, { cause: error });
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  /**
   * The record as the log ends with its first `limit` events, read without going through the whole log: the start
   * line, the last snapshot or end line (searched from the end backwards), then events from the top. When more
   * follow, `more.loadId` names the reader that `readEvents` continues with. A log whose first line is not a
   * readable start line is read whole (as `read` does).
   */
  async openPaged(id: string, limit = SESSION_FIRST_PAGE): Promise<OpenedSession> {
    const path = this.pathOf(id);
    this.writers.get(id)?.flushQuietly();
    const head = await this.readHead(id, path);
    if (!head) {
      const whole = await this.read(id);
      return { record: whole.record, status: whole.status, damagedLines: whole.damagedLines };
    }

    const { size, mtimeMs, status } = head;
    const pager = new SessionLogPager({
      id,
      path,
      size,
      dev: head.dev,
      ino: head.ino,
      // Counting a log without an end line takes a full read: this was one.
      onEnd: (events) => {
        if ((status === 'open' || status === 'interrupted') && !this.writers.get(id)?.isOpen)
          this.countCache.set(id, { size, mtimeMs, events });
      },
    });
    const page = await pager.page(0, limit, SESSION_PAGE);
    const record = { ...head.record, events: page.events } as SessionRecord;
    if (page.done) {
      pager.dispose();
      return { record, status, damagedLines: page.damagedLines };
    }
    const loadId = this.keepLoad(pager);
    return {
      record,
      status,
      damagedLines: page.damagedLines,
      more: {
        loadId,
        next: page.next,
        ...defined({ expectedEvents: head.expected }),
        bytesRead: page.bytesRead,
        bytes: page.bytes,
      },
    };
  }

  /** The next page of a log opened with `openPaged`: up to `limit` events from index `from`. */
  async readEvents(id: string, loadId: string, from: number, limit: number): Promise<SessionEventsPage> {
    const pager = this.loads.get(loadId);
    if (!pager || pager.id !== id) {
      throw new AppError(
        'not-found',
        `the reading of the session log ${id} is no longer kept (other sessions were opened since): open it again`,
      );
    }
    // Most recently used last.
    this.loads.delete(loadId);
    this.loads.set(loadId, pager);
    return pager.page(from, limit);
  }

  /**
   * The same record as `open` gives, for an export of any size: its head (the record as the log ends, `events` left
   * empty) now, its events page by page when asked (`events()`, as often as wanted: each reads the log again). Only
   * the log's first `size` bytes now are read, as `read` does; a log deleted, replaced or cut short meanwhile fails the
   * page being read. A log whose first line is not a readable start line is read whole here (as `read` does).
   */
  async stream(id: string): Promise<SessionRecordStream> {
    const path = this.pathOf(id);
    this.writers.get(id)?.flushQuietly();
    const head = await this.readHead(id, path);
    if (!head) {
      const { record } = await this.read(id);
      const all = record.events;
      return {
        head: { ...record, events: [] },
        async *events() {
          for (let i = 0; i < all.length; i += STREAM_PAGE) yield all.slice(i, i + STREAM_PAGE);
        },
      };
    }
    const pagerOptions = { id, path, size: head.size, dev: head.dev, ino: head.ino };
    return {
      // As LogRebuilder puts it together: the latest record's fields, then `events` (or where the record had it).
      head: { ...head.record, events: [] } as SessionRecord,
      async *events() {
        const pager = new SessionLogPager(pagerOptions);
        try {
          for (let from = 0; ;) {
            const page = await pager.page(from, STREAM_PAGE);
            if (page.events.length > 0) yield page.events;
            if (page.done) return;
            if (page.next <= from) throw new AppError('internal', `reading the session log ${id} stopped at event ${from}`);
            from = page.next;
          }
        } finally {
          pager.dispose();
        }
      },
    };
  }

  /**
   * What a log says about its record without reading its events: the start line's record, replaced by the latest
   * snapshot or end line's (searched from the end backwards), and the file's size and identity now. Undefined when the
   * first line is not a readable start line (the caller then reads the log whole).
   */
  private async readHead(id: string, path: string): Promise<LogHead | undefined> {
    const live = this.writers.get(id);
    const handle = await openLog(path, id);
    try {
      const info = await handle.stat();
      const first = await readFirstLine(handle, info.size);
      const start = first === undefined ? undefined : parseLine(first);
      if (start?.type !== 'start' || !start.record) return undefined;
      const latest = await readLatestRecordLine(handle, info.size);
      const ended = latest?.type === 'end';
      const cached = this.countCache.get(id);
      const expected = ended
        ? latest.eventCount
        : live?.isOpen
          ? live.eventCount
          : cached && cached.size === info.size && cached.mtimeMs === info.mtimeMs
            ? cached.events
            : undefined;
      const latestRecord = latest?.record ?? start.record;
      const interrupted = !ended && !live?.isOpen;
      const record = interrupted ? markInterrupted(latestRecord) : latestRecord;
      return {
        record,
        status: ended ? statusOf(record) : interrupted ? 'interrupted' : 'open',
        ...defined({ expected }),
        size: info.size,
        mtimeMs: info.mtimeMs,
        dev: info.dev,
        ino: info.ino,
      };
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('storage-failed', `could not read the session log ${id}: ${describeError(error)}`, { cause: error });
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  private keepLoad(pager: SessionLogPager): string {
    const loadId = randomBytes(12).toString('base64url');
    this.loads.set(loadId, pager);
    for (const [oldId, old] of this.loads) {
      if (this.loads.size <= MAX_LOADS) break;
      old.dispose();
      this.loads.delete(oldId);
    }
    return loadId;
  }

  async list(): Promise<SavedSessionSummary[]> {
    let names: string[];
    try {
      names = await readdir(this.folder);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw new AppError('storage-failed', `could not list ${this.folder}: ${describeError(error)}`, { cause: error });
    }
    const ids = names
      .filter((n) => n.endsWith('.jsonl'))
      .map((n) => n.slice(0, -'.jsonl'.length))
      .filter(isValidSessionId);
    const summaries = await mapLimit(ids, LIST_CONCURRENCY, (id) => this.summarise(id).catch(() => undefined));
    const found = summaries.filter((s): s is SavedSessionSummary => s !== undefined);
    const time = (s: SavedSessionSummary) => {
      const t = Date.parse(s.startedAt);
      return Number.isNaN(t) ? 0 : t;
    };
    return found.sort((a, b) => time(b) - time(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }

  async delete(id: string): Promise<void> {
    const path = this.pathOf(id);
    if (this.writers.get(id)?.isOpen) throw new AppError('busy', 'the session is still being recorded');
    try {
      await unlink(path);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') throw new AppError('not-found', `no session log ${id}`);
      throw new AppError('storage-failed', `could not delete the session log ${id}: ${describeError(error)}`, { cause: error });
    }
    this.countCache.delete(id);
    // A reading of it still under way fails on its next page ("deleted while it was being read"), not before.
    for (const pager of this.loads.values()) if (pager.id === id) pager.dispose();
  }

  /** Whether this store is writing the log now (a log without an end line is then open, not interrupted). */
  private isWriting(id: string): boolean {
    return this.writers.get(id)?.isOpen ?? false;
  }

  async flushAll(): Promise<void> {
    const results = await Promise.allSettled([...this.writers.values()].map((w) => w.flush()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** A summary from the first line and the last line only (plus a cached count for logs without an end). */
  /** A line of the listing, from what the log says of its record (readHead); events counted only when it does not say. */
  private async summarise(id: string): Promise<SavedSessionSummary | undefined> {
    const path = this.pathOf(id);
    const live = this.writers.get(id);
    if (live?.isOpen) live.flushQuietly();
    const head = await this.readHead(id, path);
    if (!head) return undefined;
    const { record, status } = head;
    const events = head.expected ?? (await this.countEvents(id, path, head.size, head.mtimeMs));
    const errorCodeOf = status === 'failed' ? record.result?.error?.code : undefined;
    const verdict = record.result?.verdict;
    return {
      id,
      operation: record.operation,
      target: formatTarget(record.target),
      startedAt: record.startedAt,
      status,
      ...(errorCodeOf ? { errorCode: errorCodeOf } : {}),
      ...(verdict ? { verdict } : {}),
      events,
      bytes: head.size,
    };
  }

  /** Count events by reading the whole log line by line (only for logs without an end line); cached. */
  private async countEvents(id: string, path: string, size: number, mtimeMs: number): Promise<number> {
    const cached = this.countCache.get(id);
    if (cached && cached.size === size && cached.mtimeMs === mtimeMs) return cached.events;
    let events = 0;
    const lines = createInterface({ input: fs.createReadStream(path, { end: Math.max(0, size - 1) }), crlfDelay: Infinity });
    for await (const text of lines) {
      if (!text.startsWith('{"type":"events"')) continue;
      const line = parseLine(text);
      if (line?.events) events += line.events.length;
    }
    if (!this.writers.get(id)?.isOpen) this.countCache.set(id, { size, mtimeMs, events });
    return events;
  }
}

async function mapLimit<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}
