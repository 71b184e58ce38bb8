import type { SavedSessionSummary } from '../../../shared/ipc/contract.js';
import type { RecordWithoutEvents, SessionRecord, TranscriptEvent } from '../../../shared/session-record.js';
import { AppError } from './app-error.js';

/**
 * The lines of a session log (`sessions/<id>.jsonl`, see session-log-store.ts) and how a record is rebuilt from them:
 * the latest snapshot or end line's record, every event in order, unreadable lines skipped and counted. The whole
 * log read at once (`rebuild`) and the log read as a stream (`LogRebuilder` fed line by line) give the same result.
 */

export type { RecordWithoutEvents };

export interface ParsedLine {
  type: 'start' | 'events' | 'snapshot' | 'end';
  record?: RecordWithoutEvents;
  events?: TranscriptEvent[];
  eventCount?: number;
}

/** What reading a log gives: the rebuilt record and how the log ended. */
export interface OpenedSessionLog {
  record: SessionRecord;
  /** ok/failed from the end line's result; open when the log has no end and is being written, interrupted when not. */
  status: SavedSessionSummary['status'];
  /** Lines that could not be read and were skipped (a truncated last line counts). */
  damagedLines: number;
}

/** The writer puts `type` first, so an events line starts with this (used to skip them cheaply when looking for records). */
export const EVENTS_PREFIX = '{"type":"events"';

/** One line of a log, or undefined when it cannot be read (not JSON, not a known line). */
export function parseLine(text: string): ParsedLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const line = value as Record<string, unknown>;
  const isRecord = (r: unknown): r is RecordWithoutEvents => typeof r === 'object' && r !== null && !Array.isArray(r);
  switch (line.type) {
    case 'start':
    case 'snapshot':
      return isRecord(line.record) ? { type: line.type, record: line.record } : undefined;
    case 'end':
      return isRecord(line.record)
        ? { type: 'end', record: line.record, ...(typeof line.eventCount === 'number' ? { eventCount: line.eventCount } : {}) }
        : undefined;
    case 'events':
      return Array.isArray(line.events)
        ? { type: 'events', events: line.events.filter((e): e is TranscriptEvent => typeof e === 'object' && e !== null) }
        : undefined;
    default:
      return undefined;
  }
}

export function statusOf(record: RecordWithoutEvents): 'ok' | 'failed' {
  return record.result?.ok ? 'ok' : 'failed';
}

/** What an interrupted session's result says. */
export const INTERRUPTED_MESSAGE =
  'the session log ends without its closing entry: the session was stopped (the app or the command line was killed, or crashed) while it ran; everything recorded until then is kept';

/**
 * The record of a log that ends without its end line while nothing writes it any more: its result says
 * `interrupted`, never the `ok` of the last snapshot. A send under way keeps the verdict it had, or `unknown`.
 */
export function markInterrupted<T extends Pick<RecordWithoutEvents, 'result' | 'operation' | 'message'>>(record: T): T {
  const verdict = record.result?.verdict ?? (record.operation === 'send' || record.message ? 'unknown' : undefined);
  return {
    ...record,
    result: {
      ok: false,
      interrupted: true,
      ...(verdict ? { verdict } : {}),
      error: { code: 'interrupted', message: INTERRUPTED_MESSAGE },
    },
  };
}

/** Rebuilds a record from a log's lines, given one at a time in order. */
export class LogRebuilder {
  private damaged = 0;
  private start: RecordWithoutEvents | undefined;
  private latest: RecordWithoutEvents | undefined;
  private ended = false;
  private readonly events: TranscriptEvent[] = [];

  constructor(private readonly id: string) {}

  /** One line, without its newline. */
  add(raw: string): void {
    if (raw.trim() === '') return;
    const line = parseLine(raw);
    if (!line) {
      // A kill mid-write leaves a partial last line; a damaged middle line is skipped the same way.
      this.damaged++;
      return;
    }
    if (line.type === 'start') {
      this.start ??= line.record;
      this.latest ??= line.record;
    } else if (line.type === 'events' && line.events) {
      for (const event of line.events) this.events.push(event);
    } else if (line.record) {
      this.latest = line.record;
      this.ended = line.type === 'end';
    }
  }

  /**
   * The record; throws AppError('storage-failed') when the log has no readable start line. `live`: the log is being
   * written now, so a missing end line means "still open", not "interrupted".
   */
  finish(live = false): OpenedSessionLog {
    const { start, latest } = this;
    if (!start || !latest) throw new AppError('storage-failed', `the session log ${this.id} has no readable start`);
    if (!this.ended && !live) {
      return {
        record: { ...markInterrupted(latest), events: this.events } as SessionRecord,
        status: 'interrupted',
        damagedLines: this.damaged,
      };
    }
    return {
      record: { ...latest, events: this.events } as SessionRecord,
      status: this.ended ? statusOf(latest) : 'open',
      damagedLines: this.damaged,
    };
  }
}

/** Rebuild a record from a log's text: the latest snapshot/end record and every event in order (`live`: see finish). */
export function rebuild(id: string, text: string, live = false): OpenedSessionLog {
  const rebuilder = new LogRebuilder(id);
  for (const line of text.split('\n')) rebuilder.add(line);
  return rebuilder.finish(live);
}
