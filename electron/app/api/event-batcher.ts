import type { EventChannel, EventMap } from '../../../shared/ipc/contract.js';
import type { TranscriptEvent } from '../../../shared/session-record.js';

/**
 * Pushes one event to the renderer: to `to` (whoever started the session the event is about: the web host's tab), or
 * to every renderer when it is undefined (Electron's one window; test-server status).
 */
export type Emit = <E extends EventChannel>(channel: E, payload: EventMap[E], to?: unknown) => void;

export interface EventBatcherOptions {
  /** Where batches go. */
  emit: Emit;
  /** Who a session's events are for (see Emit's `to`). */
  recipientOf?: (sessionId: string) => unknown;
  /** Longest time an event waits before it is sent (default 50 ms). */
  intervalMs?: number;
  /** A session's batch is sent at once when this many events are pending (default 1000). */
  maxPending?: number;
}

/**
 * Collects transcript events per session and sends them as `transcript` events: at most once per
 * interval, or at once when a session has `maxPending` events waiting. A burst of thousands of lines
 * becomes a handful of IPC messages instead of thousands. Order within a session is kept; call
 * `flush(sessionId)` before emitting anything else about that session (a state change) so the
 * renderer sees the lines first.
 */
export class EventBatcher {
  private readonly emit: Emit;
  private readonly recipientOf: ((sessionId: string) => unknown) | undefined;
  private readonly intervalMs: number;
  private readonly maxPending: number;
  private readonly pending = new Map<string, TranscriptEvent[]>();
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(options: EventBatcherOptions) {
    this.emit = options.emit;
    this.recipientOf = options.recipientOf;
    this.intervalMs = options.intervalMs ?? 50;
    this.maxPending = Math.max(1, options.maxPending ?? 1000);
  }

  /** Queue one event of a session. */
  push(sessionId: string, event: TranscriptEvent): void {
    if (this.disposed) return;
    let queue = this.pending.get(sessionId);
    if (!queue) {
      queue = [];
      this.pending.set(sessionId, queue);
    }
    queue.push(event);
    if (queue.length >= this.maxPending) {
      this.flush(sessionId);
      return;
    }
    this.schedule();
  }

  /** Send what is pending now: for one session, or for all. */
  flush(sessionId?: string): void {
    if (sessionId === undefined) {
      for (const id of [...this.pending.keys()]) this.send(id);
    } else {
      this.send(sessionId);
    }
    if (this.pending.size === 0) this.cancelTimer();
  }

  /** Number of events waiting (all sessions). */
  get pendingCount(): number {
    let n = 0;
    for (const queue of this.pending.values()) n += queue.length;
    return n;
  }

  /** Send what is pending and stop; later pushes are dropped. */
  dispose(): void {
    if (this.disposed) return;
    this.flush();
    this.disposed = true;
    this.cancelTimer();
  }

  private send(sessionId: string): void {
    const events = this.pending.get(sessionId);
    this.pending.delete(sessionId);
    if (!events || events.length === 0) return;
    try {
      this.emit('transcript', { sessionId, events }, this.recipientOf?.(sessionId));
    } catch (error) {
      // A broken sink must not break the session that produced the events.
      console.error('smtp-lens: could not emit transcript events:', error);
    }
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.intervalMs);
    this.timer.unref();
  }

  private cancelTimer(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
