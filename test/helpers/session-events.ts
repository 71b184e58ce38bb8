import type { EventChannel, EventMap, Result } from '../../shared/ipc/contract.js';
import type { SessionRecord, TranscriptEvent } from '../../shared/session-record.js';

/**
 * What main emits for sessions, kept for tests: hand `emit` to `createAppServices` or `SessionService`, then wait for
 * a session's end (`done`), or read its transcript batches, states and progress by id.
 */
export function sessionEvents() {
  const dones = new Map<string, EventMap['session-done']>();
  const waiters = new Map<string, ((payload: EventMap['session-done']) => void)[]>();
  const all: { channel: EventChannel; payload: unknown; to?: unknown }[] = [];
  const emit = <E extends EventChannel>(channel: E, payload: EventMap[E], to?: unknown): void => {
    all.push({ channel, payload, to });
    if (channel !== 'session-done') return;
    const done = payload as EventMap['session-done'];
    dones.set(done.sessionId, done);
    for (const resolve of waiters.get(done.sessionId) ?? []) resolve(done);
    waiters.delete(done.sessionId);
  };
  /** The session's end: its `session-done` (already told, or when it is). */
  const done = (sessionId: string, timeoutMs = 20_000): Promise<EventMap['session-done']> => {
    const told = dones.get(sessionId);
    if (told) return Promise.resolve(told);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no session-done for ${sessionId} within ${timeoutMs} ms`)), timeoutMs);
      const list = waiters.get(sessionId) ?? [];
      list.push((payload) => {
        clearTimeout(timer);
        resolve(payload);
      });
      waiters.set(sessionId, list);
    });
  };
  const of = <E extends EventChannel>(channel: E, sessionId?: string): EventMap[E][] =>
    all
      .filter((e) => e.channel === channel && (sessionId === undefined || (e.payload as { sessionId?: string }).sessionId === sessionId))
      .map((e) => e.payload as EventMap[E]);
  /** Every transcript event streamed for the session, in order. */
  const transcript = (sessionId: string): TranscriptEvent[] => of('transcript', sessionId).flatMap((b) => b.events);
  return { emit, done, of, transcript, all };
}

export type SessionEvents = ReturnType<typeof sessionEvents>;

/** `session.run` through a dispatch function, then its final record (`session-done`). Throws when refused. */
export async function runSession(
  dispatch: (channel: string, payload: unknown) => Promise<Result<unknown>>,
  events: SessionEvents,
  request: Record<string, unknown>,
): Promise<{ sessionId: string; record: SessionRecord }> {
  const answer = await dispatch('session.run', request);
  if (!answer.ok) throw new Error(`session.run refused: ${JSON.stringify(answer.error)}`);
  const { sessionId } = answer.value as { sessionId: string };
  const { record } = await events.done(sessionId);
  return { sessionId, record };
}

/** `session.open`, then how the opening went. Throws when refused. */
export async function openSession(
  dispatch: (channel: string, payload: unknown) => Promise<Result<unknown>>,
  events: SessionEvents,
  request: Record<string, unknown>,
): Promise<{ sessionId: string; record: SessionRecord; open: boolean }> {
  const answer = await dispatch('session.open', request);
  if (!answer.ok) throw new Error(`session.open refused: ${JSON.stringify(answer.error)}`);
  const { sessionId } = answer.value as { sessionId: string };
  const { record, open } = await events.done(sessionId);
  return { sessionId, record, open };
}
