import type { Direction, TranscriptEvent } from '../../shared/session-record.js';
import { inertText } from '../../shared/inert-text.js';

export interface TranscriptOptions {
  /** Called for each event as it is captured (the app streams these to the renderer). */
  onEvent?: (event: TranscriptEvent) => void;
  /** Most events kept (default 500,000); later ones are counted, not kept (errors are always kept). */
  maxEvents?: number;
  /** Most characters of event text kept (default 32 Mi); later events are counted, not kept. */
  maxTextLength?: number;
  /**
   * Keep the events in `events` (default true). An app session streams them to its log and the renderer, so main
   * need not hold them as well: then `events` stays empty, and indices still count every event.
   */
  retain?: boolean;
}

/** The marker that stands where a secret was; only its length is kept. */
export function redactionMarker(byteLength: number): string {
  return `<redacted ${byteLength} bytes>`;
}

/** A transcript line made inert: controls, bidi overrides and line separators shown as visible escapes. */
export const escapeControls = inertText;

const MAX_INTERNED_LENGTH = 160;
const MAX_INTERNED = 512;
export const DEFAULT_MAX_EVENTS = 500_000;
export const DEFAULT_MAX_TEXT_LENGTH = 32 * 1024 * 1024;

/**
 * Captures every line sent and received with a monotonic microsecond timestamp and wall-clock time.
 * Secrets are redacted here, at capture: callers pass the visible form, never the secret.
 * Bounded: past its caps it counts events instead of keeping them, and says so in one event.
 */
export class Transcript {
  readonly events: TranscriptEvent[] = [];
  /** Wall-clock start in ms since the epoch. */
  readonly startedAt = Date.now();
  /** performance.now() at the start: a monotonic clock with sub-microsecond resolution. */
  private readonly startMs = performance.now();
  /**
   * One copy of each short text seen (bounded): a session sending thousands of messages repeats the
   * same lines ("250 2.1.5 Ok", "354 …", "message body: …"), and every event is kept for the record,
   * so sharing the strings keeps the transcript's memory (and the garbage collector's work) down.
   */
  private readonly texts = new Map<string, string>();
  private readonly maxEvents: number;
  private readonly maxTextLength: number;
  private readonly retain: boolean;
  /** Events recorded (kept or, when not retained, only streamed): the next event's index. */
  private count = 0;
  private textLength = 0;
  private full = false;
  /** Events counted but not kept, past the caps. */
  dropped = 0;
  droppedBytes = 0;
  /** Whether the link is encrypted now; stamped on each event. */
  tls = false;

  constructor(private readonly options: TranscriptOptions = {}) {
    this.maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
    this.maxTextLength = options.maxTextLength ?? DEFAULT_MAX_TEXT_LENGTH;
    this.retain = options.retain ?? true;
  }

  /** Microseconds since the transcript started (whole microseconds, monotonic). */
  now(): number {
    return Math.floor((performance.now() - this.startMs) * 1000);
  }

  private intern(text: string): string {
    if (text.length > MAX_INTERNED_LENGTH) return text;
    const known = this.texts.get(text);
    if (known !== undefined) return known;
    if (this.texts.size < MAX_INTERNED) this.texts.set(text, text);
    return text;
  }

  // The hot path (thousands of events a second under load): one clock read, one object, no escaping
  // unless a control character is present; the optional flags are only set when true.
  // Returns the event's index in `events`, or -1 when it was counted rather than kept.
  private push(dir: Direction, text: string, redacted: boolean, bareLf: boolean): number {
    if (this.full && dir !== 'error') {
      this.dropped++;
      this.droppedBytes += text.length;
      return -1;
    }
    const clean = this.intern(escapeControls(text));
    if (!this.full && (this.count + 1 >= this.maxEvents || this.textLength + clean.length > this.maxTextLength)) {
      return this.reachCap(dir, clean, redacted, bareLf, text.length);
    }
    return this.record(dir, clean, redacted, bareLf);
  }

  /** The cap is reached: say so in one event, then count this one (an error is still kept). */
  private reachCap(dir: Direction, clean: string, redacted: boolean, bareLf: boolean, length: number): number {
    const notice = `transcript cap reached (${this.count.toLocaleString('en-US')} events, ${this.textLength.toLocaleString('en-US')} characters): later lines are counted, not kept`;
    this.record('info', notice, false, false);
    this.full = true;
    if (dir !== 'error') {
      this.dropped++;
      this.droppedBytes += length;
      return -1;
    }
    return this.record(dir, clean, redacted, bareLf);
  }

  private record(dir: Direction, text: string, redacted: boolean, bareLf: boolean): number {
    const t = this.now();
    const event: TranscriptEvent = { t, wall: this.startedAt + t / 1000, dir, tls: this.tls, text };
    if (redacted) event.redacted = true;
    if (bareLf) event.bareLf = true;
    this.textLength += text.length;
    if (this.retain) this.events.push(event);
    this.options.onEvent?.(event);
    return this.count++;
  }

  /** A line the client sent. `redacted` says the text already holds a redaction marker. Returns its index (-1: not kept). */
  sent(text: string, redacted = false): number {
    return this.push('send', text, redacted, false);
  }

  /** A line received from the server. Returns its index (-1: not kept). */
  received(text: string, bareLf = false): number {
    return this.push('recv', text, false, bareLf);
  }

  /** An informational event: connect, TLS start, close, body summary. */
  info(text: string): number {
    return this.push('info', text, false, false);
  }

  /** Something went wrong; the session's error follows in its result. */
  error(text: string): number {
    return this.push('error', text, false, false);
  }

  /** Whether events are kept in `events` (else only streamed). */
  get retains(): boolean {
    return this.retain;
  }

  /** How many events were recorded (kept or streamed), not counting those past the cap. */
  get recorded(): number {
    return this.count;
  }

  /** Index of the last event recorded. */
  get lastIndex(): number {
    return this.count - 1;
  }
}
