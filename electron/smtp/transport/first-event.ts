import type { EventEmitter } from 'node:events';

/** What an event means for a wait: done (with a value), failed (with an error), or undefined to go on waiting. */
export type Outcome<T> = { value: T } | { error: Error } | undefined;

export interface FirstEventOptions<T> {
  /** The events to listen for, and what each means. */
  on: Record<string, (...args: never[]) => Outcome<T>>;
  /** Fail with this error after `ms` (a wait without it has no timer). */
  timeout?: { ms: number; error: () => Error };
  /**
   * Fail with `error` when any of these signals aborts, or when the function handed to `register` is called (a
   * cancel hook that costs no AbortController per wait; calling it after the wait is over does nothing).
   */
  abort?: { signals: (AbortSignal | undefined)[]; error: () => Error; register?: (cancel: () => void) => void };
  /** Called once before a failure is reported (destroy a socket, record the failure). */
  onFailure?: (error: Error) => void;
}

/**
 * Waits for the first of some events on an emitter, a timeout or an abort, and removes every listener, the timer and
 * the abort listeners whichever comes first: the one way the transport waits for a socket.
 */
export function firstEvent<T>(emitter: EventEmitter, options: FirstEventOptions<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const listeners = Object.entries(options.on).map(([event, meaning]) => {
      const listener = (...args: unknown[]): void => settle(meaning(...(args as never[])));
      return [event, listener] as const;
    });
    const onAbort = (): void => settle({ error: options.abort!.error() });
    const signals = (options.abort?.signals ?? []).filter((s): s is AbortSignal => s !== undefined);
    const timer = options.timeout ? setTimeout(() => settle({ error: options.timeout!.error() }), options.timeout.ms) : undefined;

    function settle(outcome: Outcome<T>): void {
      if (done || outcome === undefined) return;
      done = true;
      clearTimeout(timer);
      for (const [event, listener] of listeners) emitter.off(event, listener);
      for (const signal of signals) signal.removeEventListener('abort', onAbort);
      if ('error' in outcome) {
        options.onFailure?.(outcome.error);
        reject(outcome.error);
      } else resolve(outcome.value);
    }

    for (const [event, listener] of listeners) emitter.on(event, listener);
    options.abort?.register?.(onAbort);
    if (done) return;
    for (const signal of signals) {
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
}
