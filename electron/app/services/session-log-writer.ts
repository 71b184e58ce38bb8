import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { withoutEvents, type SessionRecord, type Target, type TranscriptEvent } from '../../../shared/session-record.js';
import { AppError } from './app-error.js';
import { describeError } from './atomic-file.js';
import type { SessionLogWriter } from './types.js';

// One session log being written (the format is described in session-log-store.ts), and the checks every line passes.

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const FLUSH_INTERVAL_MS = 100;
const FLUSH_BYTES = 256 * 1024;

export function isValidSessionId(id: unknown): id is string {
  return typeof id === 'string' && ID.test(id);
}

/** A new id that sorts by creation time: `20240501T120000123Z-1a2b3c4d5e6f`. */
export function newSessionId(now: Date = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(6).toString('hex')}`;
}

const FORBIDDEN_KEYS = new Set(['secret', 'password', 'token']);

/** The path of the first key named secret/password/token (any case) in `value`, or undefined. */
export function findSecretKey(value: unknown, path = '', seen = new WeakSet<object>()): string | undefined {
  if (typeof value !== 'object' || value === null || seen.has(value)) return undefined;
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findSecretKey(value[i], `${path}[${i}]`, seen);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key.toLowerCase())) return childPath;
    const found = findSecretKey(child, childPath, seen);
    if (found) return found;
  }
  return undefined;
}

function assertNoSecrets(value: unknown, what: string): void {
  const key = findSecretKey(value);
  if (key) throw new AppError('storage-failed', `refusing to log ${what}: it has a "${key}" field, which may hold a secret`);
}

function toJson(value: unknown, what: string): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new AppError('storage-failed', `could not serialise ${what}: ${describeError(error)}`, { cause: error });
  }
}

/** A short display form of a session's target: `host:port`, `[v6]:port`, or the socket path. */
export function formatTarget(target: Target | undefined): string {
  if (!target) return '';
  if (target.socketPath) return target.socketPath;
  const host = target.host?.includes(':') ? `[${target.host}]` : (target.host ?? '');
  return target.port === undefined ? host : `${host}:${target.port}`;
}

/** The writer `create()` returns: the SessionLogWriter plus what the store and callers may want to know. */
export class SessionLogFileWriter implements SessionLogWriter {
  private fd: number | undefined;
  /** Serialised events waiting to be flushed. */
  private pending: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  /** A failed write may have left part of a line: start the next write on a fresh line. */
  private brokenLine = false;
  private failure: AppError | undefined;
  private eventTotal = 0;
  private closing: Promise<void> | undefined;

  constructor(
    readonly id: string,
    readonly path: string,
    record: SessionRecord,
    private readonly onClosed: (writer: SessionLogFileWriter) => void,
  ) {
    assertNoSecrets(record, 'the session record');
    const startLine = `${toJson({ type: 'start', version: 1, id, record: withoutEvents(record) }, 'the session record')}\n`;
    try {
      // 'ax': append-only, and never take over an existing log.
      this.fd = fs.openSync(path, 'ax', 0o600);
    } catch (error) {
      throw new AppError('storage-failed', `could not create the session log ${path}: ${describeError(error)}`, { cause: error });
    }
    try {
      this.writeNow(startLine);
    } catch (error) {
      this.closeFd();
      throw error;
    }
    // Events the record already holds (logging started mid-session) are kept as the first batch.
    if (record.events.length > 0) this.appendEvents(record.events);
  }

  /** Events appended so far (flushed or not). */
  get eventCount(): number {
    return this.eventTotal;
  }

  get isOpen(): boolean {
    return this.fd !== undefined && this.closing === undefined;
  }

  /** Appending after close is ignored (late socket events must not crash the caller). */
  appendEvents(events: TranscriptEvent[]): void {
    if (!this.isOpen || events.length === 0) return;
    for (const event of events) {
      const json = JSON.stringify(event);
      this.pending.push(json);
      this.pendingBytes += json.length + 1;
    }
    this.eventTotal += events.length;
    if (this.pendingBytes >= FLUSH_BYTES) {
      this.flushQuietly();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flushQuietly();
      }, FLUSH_INTERVAL_MS);
      this.timer.unref();
    }
  }

  snapshot(record: SessionRecord): void {
    if (!this.isOpen) return;
    const rest = withoutEvents(record);
    assertNoSecrets(rest, 'the session record');
    const line = `${toJson({ type: 'snapshot', record: rest }, 'the session record')}\n`;
    this.flushSync();
    this.writeNow(line);
  }

  async flush(): Promise<void> {
    if (this.fd === undefined) return;
    this.flushSync();
  }

  close(finalRecord: SessionRecord): Promise<void> {
    this.closing ??= this.finish(finalRecord);
    return this.closing;
  }

  private async finish(finalRecord: SessionRecord): Promise<void> {
    try {
      const rest = withoutEvents(finalRecord);
      assertNoSecrets(rest, 'the session record');
      const line = `${toJson({ type: 'end', eventCount: this.eventTotal, record: rest }, 'the session record')}\n`;
      this.flushSync();
      this.writeNow(line);
      if (this.fd !== undefined) {
        try {
          fs.fsyncSync(this.fd);
        } catch {
          // Durability against power loss is a bonus; the data is written.
        }
      }
    } finally {
      this.closeFd();
    }
  }

  /** Write buffered events now; throws AppError('storage-failed') if the write fails (they stay buffered). */
  flushSync(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length > 0) {
      const line = `{"type":"events","events":[${this.pending.join(',')}]}\n`;
      this.writeNow(line);
      this.pending = [];
      this.pendingBytes = 0;
    }
    if (this.failure) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
  }

  /** Flush without throwing (timer, appendEvents, readers): a failure is kept and reported by the next flush/close. */
  flushQuietly(): void {
    if (this.fd === undefined) return;
    try {
      this.flushSync();
    } catch (error) {
      this.failure = error instanceof AppError ? error : new AppError('storage-failed', describeError(error), { cause: error });
      // Retry later rather than hold the failure silently.
      if (!this.timer && this.fd !== undefined && this.pending.length > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.flushQuietly();
        }, FLUSH_INTERVAL_MS * 10);
        this.timer.unref();
      }
    }
  }

  private writeNow(text: string): void {
    if (this.fd === undefined) throw new AppError('storage-failed', `the session log ${this.id} is closed`);
    const data = Buffer.from(this.brokenLine ? `\n${text}` : text, 'utf8');
    let offset = 0;
    try {
      while (offset < data.length) offset += fs.writeSync(this.fd, data, offset, data.length - offset);
      this.brokenLine = false;
    } catch (error) {
      if (offset > 0) this.brokenLine = true;
      throw new AppError('storage-failed', `could not write the session log ${this.path}: ${describeError(error)}`, { cause: error });
    }
  }

  private closeFd(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // Nothing more can be done with it.
      }
      this.fd = undefined;
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.onClosed(this);
  }
}
