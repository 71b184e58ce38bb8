import type { Direction, TranscriptEvent } from '../../shared/session-record.js';

export interface TranscriptOptions {
  /** Called for each event as it is captured (the app streams these to the renderer). */
  onEvent?: (event: TranscriptEvent) => void;
}

/** The marker that stands where a secret was; only its length is kept. */
export function redactionMarker(byteLength: number): string {
  return `<redacted ${byteLength} bytes>`;
}

// Escapes everything below 0x20 but TAB, and DEL, so a transcript line is always one visible line.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/g;
// The same set, unanchored and non-global: a cheap test so the common, clean line is stored as is.
const HAS_CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
export function escapeControls(text: string): string {
  if (!HAS_CONTROL.test(text)) return text;
  return text.replace(CONTROL, (c) => {
    if (c === '\r') return '\\r';
    if (c === '\n') return '\\n';
    return '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0');
  });
}

const MAX_INTERNED_LENGTH = 160;
const MAX_INTERNED = 512;

/**
 * Captures every line sent and received with a monotonic microsecond timestamp and wall-clock time.
 * Secrets are redacted here, at capture: callers pass the visible form, never the secret.
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
  /** Whether the link is encrypted now; stamped on each event. */
  tls = false;

  constructor(private readonly options: TranscriptOptions = {}) {}

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
  private push(dir: Direction, text: string, redacted: boolean, bareLf: boolean): TranscriptEvent {
    const t = this.now();
    const event: TranscriptEvent = { t, wall: this.startedAt + t / 1000, dir, tls: this.tls, text: this.intern(escapeControls(text)) };
    if (redacted) event.redacted = true;
    if (bareLf) event.bareLf = true;
    this.events.push(event);
    this.options.onEvent?.(event);
    return event;
  }

  /** A line the client sent. `redacted` says the text already holds a redaction marker. */
  sent(text: string, redacted = false): void {
    this.push('send', text, redacted, false);
  }

  /** A line received from the server. */
  received(text: string, bareLf = false): void {
    this.push('recv', text, false, bareLf);
  }

  /** An informational event: connect, TLS start, close, body summary. */
  info(text: string): void {
    this.push('info', text, false, false);
  }

  /** Something went wrong; the session's error follows in its result. */
  error(text: string): void {
    this.push('error', text, false, false);
  }
}
