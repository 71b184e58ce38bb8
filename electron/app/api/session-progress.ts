import type { EventMap } from '../../../shared/ipc/contract.js';
import type { SessionHint, SessionStage } from '../../../shared/session-record.js';

type Progress = EventMap['progress'];

/**
 * One session's progress for the renderer: its stage (and since when), the body's bytes, a hint. Told as often as the
 * engine likes, sent at most once per interval with the latest of everything; a new stage or a hint goes at once
 * when the interval allows, else with the next send.
 */
export class SessionProgress {
  private stage: SessionStage | undefined;
  private stageSince = 0;
  private bytes: { sent: number; total: number } | undefined;
  private hint: SessionHint | undefined;
  private last = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    private readonly sessionId: string,
    private readonly send: (payload: Progress) => void,
    private readonly intervalMs: number,
  ) {}

  /** The session started to wait for something (connecting, a handshake, a reply). */
  readonly onStage = (stage: SessionStage): void => {
    this.stage = stage;
    this.stageSince = performance.now();
    if (stage.name !== 'body') this.bytes = undefined;
    // A hint is about the wait it came in.
    this.hint = undefined;
    this.changed();
  };

  /** Bytes of the message body written so far. */
  readonly onBytes = (sent: number, total: number): void => {
    if (this.stage?.name !== 'body') {
      this.stage = { name: 'body' };
      this.stageSince = performance.now();
    }
    this.bytes = { sent, total };
    this.changed();
  };

  readonly onHint = (hint: SessionHint): void => {
    this.hint = hint;
    this.changed();
  };

  private changed(): void {
    if (this.disposed || this.timer) return;
    const wait = this.last + this.intervalMs - performance.now();
    if (wait <= 0) {
      this.flush();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
    this.timer.unref();
  }

  private flush(): void {
    if (this.disposed) return;
    this.last = performance.now();
    const payload: Progress = { sessionId: this.sessionId };
    if (this.stage) {
      payload.stage = this.stage;
      payload.elapsedMs = Math.round(performance.now() - this.stageSince);
    }
    if (this.bytes) {
      payload.bytesSent = this.bytes.sent;
      payload.totalBytes = this.bytes.total;
    }
    if (this.hint) payload.hint = this.hint;
    this.send(payload);
  }

  /** Send what is pending now (before the session's end is told) and stop. */
  dispose(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.flush();
    }
    this.disposed = true;
  }
}
