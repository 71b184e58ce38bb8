import type {
  ErrorDto,
  EventChannel,
  EventMap,
  ProfileSummary,
  RequestOf,
  Result,
  TestServerStatus,
} from '../../../shared/ipc/contract.js';
import type { SessionRecord, TranscriptEvent } from '../../../shared/session-record.js';
import type { AppApi } from '../../../renderer/src/lib/api.js';
import type { StorageLike } from '../../../renderer/src/store/recent-targets.js';

/**
 * A fake of the renderer's API for store tests: every method answers something sensible; tests override what they
 * look at. Calls are recorded by method name.
 *
 * It plays main's part for sessions main runs: `runSession`/`openLiveSession` answer with an id (s1, s2, …) and then,
 * one turn later, tell the session's end as main does (`session-state`, then `session-done` with `runRecord`'s or
 * `openRecord`'s record) to whoever subscribed (connect the store with `connectStoreToEvents`). With `hold`, the end
 * is told only when the test calls `finish(id, record)`. `emit` pushes any event.
 */

export const event = (text: string, dir: TranscriptEvent['dir'] = 'recv'): TranscriptEvent => ({ t: 1, wall: 0, dir, tls: false, text });

export function record(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    version: 1,
    tool: 'smtp-lens',
    operation: 'session',
    startedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 12,
    target: { protocol: 'smtp', tls: 'off', host: '127.0.0.1', port: 2525, ehloName: 'x' },
    greeting: { code: 220, text: 'hi' },
    helloVerb: 'EHLO',
    capabilities: [{ name: 'PIPELINING', params: [] }],
    events: [event('220 hi'), event('EHLO x', 'send')],
    result: { ok: true },
    ...overrides,
  };
}

export const STATUS: TestServerStatus = {
  running: true,
  listeners: [
    { kind: 'starttls', protocol: 'smtp', tls: 'starttls', host: '127.0.0.1', port: 2587 },
    { kind: 'plain', protocol: 'smtp', tls: 'off', host: '127.0.0.1', port: 2525 },
    { kind: 'lmtp', protocol: 'lmtp', tls: 'off', socketPath: '/tmp/smtp-lens/lmtp.sock' },
  ],
  account: { user: 'test', password: 'pw-123456' },
  certificatePem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  fingerprint256: 'AA:BB',
  messageCount: 0,
};

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const failed = (error: ErrorDto): Result<never> => ({ ok: false, error });

export type Calls = { method: string; args: unknown[] }[];

export interface FakeMainOptions {
  /** The record a `session.run` ends with (default: a successful record of its operation). */
  runRecord?: (request: RequestOf<'session.run'>) => SessionRecord;
  /** The record a `session.open` opens with; `open` is told true when it succeeded. */
  openRecord?: () => SessionRecord;
  /** Tell no session's end by itself: the test calls `finish`. */
  hold?: boolean;
}

export interface FakeMain {
  calls: Calls;
  /** Push an event to the subscribers, as main does. */
  emit<E extends EventChannel>(channel: E, payload: EventMap[E]): void;
  /** Tell a session's end: its last state, then `session-done` (events left out, as main sends it). */
  finish(sessionId: string, record: SessionRecord, open?: boolean): void;
}

export function fakeApi(overrides: Partial<AppApi> = {}, main: FakeMainOptions = {}): AppApi & FakeMain {
  const calls: Calls = [];
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const emit = <E extends EventChannel>(channel: E, payload: EventMap[E]): void => {
    for (const listener of [...(listeners.get(channel) ?? [])]) listener(payload);
  };
  const finish = (sessionId: string, done: SessionRecord, open = false): void => {
    emit('session-state', {
      sessionId,
      state: open ? 'ready' : done.result.ok ? 'closed' : 'failed',
      ...(done.result.ok || !done.result.error ? {} : { error: done.result.error }),
    });
    emit('session-done', { sessionId, record: { ...done, events: [], eventCount: done.events.length }, open });
  };
  let sessions = 0;
  const base: AppApi = {
    appInfo: async () =>
      ok({ version: '0', host: 'web', secretStorage: { available: false, reason: 'no key store here' }, dataDirectory: '/tmp' }),
    runSession: async (request) => {
      const sessionId = `s${++sessions}`;
      if (!main.hold) {
        const done = main.runRecord?.(request) ?? record({ operation: request.operation });
        setTimeout(() => finish(sessionId, done), 0);
      }
      return ok({ sessionId });
    },
    openLiveSession: async () => {
      const sessionId = `s${++sessions}`;
      if (!main.hold) {
        const done = main.openRecord?.() ?? record();
        setTimeout(() => finish(sessionId, done, done.result.ok), 0);
      }
      return ok({ sessionId });
    },
    authenticate: async () => ok(record({ auth: { mechanism: 'PLAIN', ok: true, steps: [], durationMs: 1 } })),
    send: async () => ok(record()),
    verify: async () => ok(record()),
    raw: async () => ok(record()),
    cancel: async () => ok(null),
    closeSession: async () => ok(record()),
    previewMessage: async () => failed({ code: 'internal', message: 'no preview in this fake' }),
    listProfiles: async () => ok([]),
    saveProfile: async (input) =>
      ok<ProfileSummary>({
        id: input.id ?? 'p-new',
        name: input.name,
        connection: input.connection,
        ...(input.auth ? { auth: { mechanism: input.auth.mechanism ?? 'auto', user: input.auth.user } } : {}),
        hasSecret: typeof input.secret === 'string',
        hasClientKey: typeof input.connection.clientKeyPem === 'string',
        updatedAt: '2025-01-01T00:00:00.000Z',
      }),
    deleteProfile: async () => ok(null),
    listSessions: async () => ok([]),
    openSession: async () => ok({ record: record(), status: 'ok', damagedLines: 0 }),
    sessionEvents: async () => failed({ code: 'not-found', message: 'no reading in this fake' }),
    deleteSession: async () => ok(null),
    exportSessionToFile: async (id, format) => ok({ savedTo: `/home/u/smtp-lens-${id}.${format}` }),
    startTestServer: async () => ok(STATUS),
    stopTestServer: async () => ok({ running: false, listeners: [], messageCount: 0 }),
    testServerStatus: async () => ok({ running: false, listeners: [], messageCount: 0 }),
    testServerMessages: async () => ok([]),
    authenticateMessage: async () => failed({ code: 'dns-failed', message: 'no resolver in this fake' }),
    checkDomain: async () => failed({ code: 'dns-failed', message: 'no resolver in this fake' }),
    runMatrix: async () => failed({ code: 'connect-failed', message: 'no network in this fake' }),
    compareSessions: async () => failed({ code: 'not-found', message: 'no sessions in this fake' }),
    exportReport: async (id, format) => ok({ savedTo: `/home/u/report-${id}.${format}` }),
    saveFile: async (file) => ok({ savedTo: file.filename }),
    canPickFiles: () => false,
    pickFiles: async () => ok([]),
    uploadFile: async (file) => ok({ id: `u${++sessions}`, size: file.size }),
    subscribe: ((channel: string, listener: (payload: unknown) => void) => {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      set.add(listener);
      return () => set.delete(listener);
    }) as AppApi['subscribe'],
    onBridgeLost: () => () => {},
  };
  const api = { ...base, ...overrides } as AppApi;
  const recorded = Object.fromEntries(
    Object.entries(api).map(([name, fn]) => [
      name,
      typeof fn === 'function' && name !== 'subscribe' && name !== 'onBridgeLost'
        ? (...args: unknown[]) => {
            calls.push({ method: name, args });
            return (fn as (...a: unknown[]) => unknown)(...args);
          }
        : fn,
    ]),
  ) as unknown as AppApi;
  return Object.assign(recorded, { calls, emit, finish });
}

/** A Map-backed localStorage. */
export function memoryStorage(initial: Record<string, string> = {}): StorageLike & { data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => {
      data.set(key, value);
    },
  };
}

/** Let pending promise callbacks run. */
export const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
