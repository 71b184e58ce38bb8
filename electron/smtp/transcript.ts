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
function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === '\r') return '\\r';
    if (c === '\n') return '\\n';
    return '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0');
  });
}

/**
 * Captures every line sent and received with a monotonic microsecond timestamp and wall-clock time.
 * Secrets are redacted here, at capture: callers pass the visible form, never the secret.
 */
export class Transcript {
  readonly events: TranscriptEvent[] = [];
  /** Wall-clock start in ms since the epoch. */
  readonly startedAt = Date.now();
  private readonly startNs = process.hrtime.bigint();
  /** Whether the link is encrypted now; stamped on each event. */
  tls = false;

  constructor(private readonly options: TranscriptOptions = {}) {}

  /** Microseconds since the transcript started. */
  now(): number {
    return Number((process.hrtime.bigint() - this.startNs) / 1000n);
  }

  private push(dir: Direction, text: string, extra?: { redacted?: boolean; bareLf?: boolean }): TranscriptEvent {
    const t = this.now();
    const event: TranscriptEvent = { t, wall: this.startedAt + t / 1000, dir, tls: this.tls, text: escapeControls(text) };
    if (extra?.redacted) event.redacted = true;
    if (extra?.bareLf) event.bareLf = true;
    this.events.push(event);
    this.options.onEvent?.(event);
    return event;
  }

  /** A line the client sent. `redacted` says the text already holds a redaction marker. */
  sent(text: string, redacted = false): void {
    this.push('send', text, redacted ? { redacted } : undefined);
  }

  /** A line received from the server. */
  received(text: string, bareLf = false): void {
    this.push('recv', text, bareLf ? { bareLf } : undefined);
  }

  /** An informational event: connect, TLS start, close, body summary. */
  info(text: string): void {
    this.push('info', text);
  }

  /** Something went wrong; the session's error follows in its result. */
  error(text: string): void {
    this.push('error', text);
  }
}
