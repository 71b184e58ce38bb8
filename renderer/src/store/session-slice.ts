// Over 450 lines: the one slice that follows a session from request to saved record (events, progress, step mode).
import type { ErrorDto, EventMap, OpenedSession, Result, SessionState } from '../../../shared/ipc/contract.js';
import type { AuthSettings, ComposeSettings, ConnectionSettings } from '../../../shared/ipc/schemas.js';
import type { SessionHint, SessionRecord, SessionStage, TlsMode } from '../../../shared/session-record.js';
import type { AppApi } from '../lib/api.js';
import { invalidInput, toAuthSettings, toConnectionSettings, validateAuth } from './connection-form.js';
import type { AppState, SliceCreator } from './types.js';
import { defined } from '../../../shared/defined.js';

type StepResult = Result<SessionRecord>;
/** How a session main runs ended for this window: its `session-done`, or the bridge lost before it came. */
type Done = EventMap['session-done'] | { lost: ErrorDto };

/** What a session request does. */
export type SessionActivity = 'probe' | 'connect' | 'authenticate' | 'verify' | 'raw' | 'send' | 'close';

export interface SessionView {
  /** 'running' while a request is in flight; 'done' once the last one finished; 'idle' before any. */
  status: 'idle' | 'running' | 'done';
  /** What runs now, or ran last. */
  activity?: SessionActivity;
  /** The session being driven (its id is also its log's id in the Sessions tab). */
  sessionId?: string;
  /** Main's state of that session, from `session-state` events. */
  state?: SessionState;
  /** A connected session is held open (Connect): commands can be sent until Disconnect. */
  open: boolean;
  /**
   * The latest record: of this window's last step, or a session reopened from the history (`source`). The
   * Overview reads it; its `result` says whether the SMTP side succeeded.
   */
  record?: SessionRecord;
  source?: 'live' | 'history';
  /** The request itself failed (refused input, busy, the session gone): there is no record from it. */
  error?: ErrorDto;
  /** Why main says the session failed (from the `session-state` event). */
  stateError?: ErrorDto;
  /** A cancel was asked for and the running step has not ended yet. */
  cancelling: boolean;
  /** Where the running session is, from `progress` events (`receivedAt`: this page's clock when it came). */
  progress?: LiveProgress;
  /** Raw commands sent from this window, oldest first (the command box's arrow-key history). */
  commandHistory: string[];
  /** The user closed the result banner of this outcome. */
  noticeDismissed?: boolean;
  /**
   * The forms as they were when the outcome came: an error banner is about them, and goes once either is edited (a
   * fixed host or password must not leave "Authentication failed" above every tab).
   */
  formAt?: { connection: unknown; auth: unknown };
}

/** The latest `progress` of the running session, with when it arrived (to count the elapsed time on). */
export interface LiveProgress {
  stage?: SessionStage;
  /** Milliseconds in `stage` when main sent it. */
  elapsedMs: number;
  receivedAt: number;
  bytesSent?: number;
  totalBytes?: number;
  hint?: SessionHint;
}

export interface SessionSlice {
  session: SessionView;
  /** Connect, greet, EHLO, TLS as asked, AUTH if a user is given, QUIT — the transcript streaming live. */
  probe(): Promise<void>;
  /** Like probe, but the session stays open for commands until `disconnect`. */
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** AUTH with the authentication form on the open session. */
  authenticateOpen(): Promise<void>;
  verifyAddress(address: string, expand: boolean): Promise<void>;
  sendRaw(command: string): Promise<void>;
  /** Abort the running step (the connection is dropped). */
  cancelSession(): Promise<void>;
  /**
   * One step on the open session, e.g. `sessionStep('send', (id) => api.send(id, message))`: the record it returns
   * becomes `session.record`, a refused request `session.error`.
   */
  sessionStep(activity: SessionActivity, work: (sessionId: string) => Promise<StepResult>): Promise<SessionRecord | undefined>;
  /**
   * A whole session run by main with the forms' settings: `session.run` answers with the id at once, and the record
   * comes with `session-done`. Probe is `runOperation('probe')`; Compose sends with `runOperation('send', message)`.
   * Resolves with the final record (undefined when the request itself was refused: `session.error` says why).
   */
  runOperation(operation: 'probe' | 'send', message?: ComposeSettings): Promise<SessionRecord | undefined>;
  /**
   * The hint's one click: cancel what runs (and wait for its end), set the TLS mode in the form, and run the same
   * thing again (probe, connect, or the Compose send).
   */
  switchTlsAndRetry(mode: TlsMode): Promise<void>;
  /**
   * Show a record from the history (Sessions tab): Overview and Transcript show it. With `opened` (what
   * `sessions.open` answered) its events may be only the first page: the transcript's load then says so. Returns
   * false, showing nothing, while a session is open or running.
   */
  showRecord(record: SessionRecord, id: string, opened?: Pick<OpenedSession, 'damagedLines' | 'more'>): boolean;
  /** From the `session-state` event subscription. */
  receiveSessionState(payload: EventMap['session-state']): void;
  /** From the `session-done` event subscription. */
  receiveSessionDone(payload: EventMap['session-done']): void;
  /** The bridge is gone: sessions waiting for their `session-done` end with this error (their outcome unknown here). */
  abandonSessions(error: ErrorDto): void;
  /** From the `progress` event subscription. */
  receiveProgress(payload: EventMap['progress']): void;
  /** Close the result banner (the outcome stays in the Overview). */
  dismissNotice(): void;
  resetSession(): void;
}

const IDLE: SessionView = { status: 'idle', open: false, cancelling: false, commandHistory: [] };

/** Most commands kept in the command box's history. */
const MAX_HISTORY = 100;

const ended = (state: SessionState | undefined) => state === 'failed' || state === 'closed';

export const createSessionSlice =
  (api: AppApi): SliceCreator<SessionSlice> =>
  (set, get) => {
    /** Sessions main runs for this window, waiting for their `session-done`, by id. */
    const waiting = new Map<string, (payload: Done) => void>();
    /** Cancel was asked for before `session.run`/`session.open` answered with the id: cancel it once known. */
    let cancelRequested = false;
    /** What the last run was (for a retry), and the promise of the one running. */
    let lastRun: 'probe' | 'connect' | 'send' | undefined;
    let current: Promise<unknown> | undefined;
    const track = <T>(run: 'probe' | 'connect' | 'send', work: Promise<T>): Promise<T> => {
      lastRun = run;
      current = work;
      void work.finally(() => {
        if (current === work) current = undefined;
      });
      return work;
    };

    const patch = (p: Partial<SessionView>) =>
      set((state) => ({
        session: {
          ...state.session,
          ...p,
          ...(p.status === 'done' ? { formAt: { connection: state.connection, auth: state.auth }, noticeDismissed: false } : {}),
        },
      }));

    /** The settings and authentication of the forms, or the problems found (shown as the request's error). */
    const prepare = (): { connection: ConnectionSettings; auth: AuthSettings | undefined; profileId: string | undefined } | ErrorDto => {
      const state: AppState = get();
      const profileId = state.profiles.activeId;
      const profile = profileId !== undefined ? state.profiles.list.find((p) => p.id === profileId) : undefined;
      const storedSecret = profile?.hasSecret === true;
      const settings = toConnectionSettings(state.connection);
      const authIssues = validateAuth(state.auth, { required: true, storedSecret });
      if (!settings.ok || authIssues.length > 0) {
        const issues = [
          ...(settings.ok ? [] : (settings.error.issues ?? [])),
          ...authIssues.map((i) => ({ ...i, path: `auth.${i.path}` })),
        ];
        return invalidInput(issues);
      }
      return { connection: settings.settings, auth: toAuthSettings(state.auth, profileId, storedSecret), profileId };
    };

    /**
     * Ask main for a session (`request`), which answers with its id before connecting; resolves with the id and a
     * promise of its `session-done`, or undefined when the request was refused (shown as `session.error`).
     */
    const begin = async (
      activity: SessionActivity,
      request: (prepared: {
        connection: ConnectionSettings;
        auth: AuthSettings | undefined;
        profileId: string | undefined;
      }) => Promise<Result<{ sessionId: string }>>,
    ): Promise<{ id: string; done: Promise<Done>; auth: AuthSettings | undefined } | undefined> => {
      const prepared = prepare();
      if ('code' in prepared) {
        get().setFormAttempted(true);
        set({
          session: {
            ...IDLE,
            commandHistory: get().session.commandHistory,
            status: 'done',
            activity,
            error: prepared,
            formAt: { connection: get().connection, auth: get().auth },
          },
        });
        return undefined;
      }
      get().setFormAttempted(false);
      set({
        session: {
          ...IDLE,
          commandHistory: get().session.commandHistory,
          status: 'running',
          activity,
          source: 'live',
          state: 'connecting',
        },
      });
      cancelRequested = false;
      const answer = await request(prepared);
      if (!answer.ok) {
        patch({ status: 'done', error: answer.error, cancelling: false, state: undefined });
        return undefined;
      }
      const id = answer.value.sessionId;
      // Main starts the session's work only after this answer: every event of it comes from now on, by this id.
      const done = new Promise<Done>((resolve) => waiting.set(id, resolve));
      patch({ sessionId: id });
      get().resetTranscript(id);
      if (cancelRequested) void api.cancel(id);
      return { id, done, auth: prepared.auth };
    };

    /** Run one request of a session, keeping its record (or its refusal). */
    const runStep = async (id: string, work: () => Promise<StepResult>): Promise<SessionRecord | undefined> => {
      const result = await work();
      if (get().session.sessionId !== id) return undefined;
      if (!result.ok) {
        patch({ error: result.error });
        // The session is gone in main (closed, or the app restarted).
        if (result.error.code === 'not-found') patch({ open: false, state: 'closed' });
        return undefined;
      }
      patch({ record: result.value, error: undefined });
      return result.value;
    };

    const finish = (p: Partial<SessionView> = {}) => {
      patch({ status: 'done', cancelling: false, progress: undefined, ...p });
      void get().loadSessions();
    };

    /** The bridge went away before the session's end was told: what happened is not known here. */
    const lost = (id: string, error: ErrorDto): void => {
      if (get().session.sessionId !== id) return;
      patch({ status: 'done', cancelling: false, progress: undefined, open: false, error });
    };

    /** A session main ran (or opened) has told its record: show it. */
    const adopt = (id: string, record: SessionRecord): void => {
      if (get().session.sessionId !== id) return;
      patch({ record });
      // The lines came as batches; the record carries none.
      get().loadTranscript(record, id, undefined, true);
      // A target that answered is worth remembering (nothing secret is kept).
      if (record.greeting) get().rememberTarget();
    };

    const runOperation = async (operation: 'probe' | 'send', message: ComposeSettings | undefined): Promise<SessionRecord | undefined> => {
      const started = await begin(operation, (p) =>
        api.runSession({
          operation,
          connection: p.connection,
          ...(p.auth ? { auth: p.auth } : {}),
          ...defined({ profileId: p.profileId }),
          ...(message ? { message } : {}),
        }),
      );
      if (!started) return undefined;
      const done = await started.done;
      if ('lost' in done) {
        lost(started.id, done.lost);
        return undefined;
      }
      const { record } = done;
      adopt(started.id, record);
      if (get().session.sessionId === started.id) {
        finish({ activity: operation, open: false, state: record.result.ok || get().session.state !== 'failed' ? 'closed' : 'failed' });
      }
      return record;
    };

    const connect = async (): Promise<void> => {
      const started = await begin('connect', (p) => api.openLiveSession(p.connection, p.profileId, 'session'));
      if (!started) return;
      const { id, auth } = started;
      const done = await started.done;
      if ('lost' in done) {
        lost(id, done.lost);
        return;
      }
      const { record, open } = done;
      adopt(id, record);
      if (get().session.sessionId !== id) return;
      if (!open) {
        finish({ open: false, state: get().session.state === 'closed' ? 'closed' : 'failed' });
        return;
      }
      patch({ open: true, state: 'ready', progress: undefined });
      if (auth) {
        patch({ activity: 'authenticate' });
        await runStep(id, () => api.authenticate(id, auth));
      }
      const stillOpen = !ended(get().session.state) && get().session.open;
      if (!stillOpen) void api.closeSession(id);
      finish({ open: stillOpen });
    };

    return {
      session: IDLE,

      probe: async () => {
        await get().runOperation('probe');
      },

      runOperation(operation, message) {
        if (get().session.status === 'running' || get().session.open) return Promise.resolve(undefined);
        return track(operation, runOperation(operation, message));
      },

      connect() {
        if (get().session.status === 'running' || get().session.open) return Promise.resolve();
        return track('connect', connect());
      },

      async switchTlsAndRetry(mode) {
        const again = lastRun ?? 'probe';
        if (get().session.status === 'running') {
          await get().cancelSession();
          await current;
        }
        if (get().session.open) return;
        get().setConnectionField('tls', mode);
        if (again === 'send') await get().sendMessage();
        else if (again === 'connect') await get().connect();
        else await get().probe();
      },

      async disconnect() {
        const { sessionId: id, open, status } = get().session;
        if (!id || !open || status === 'running') return;
        patch({ status: 'running', activity: 'close', error: undefined });
        const closed = await api.closeSession(id);
        if (get().session.sessionId !== id) return;
        finish({
          open: false,
          state: closed.ok ? (get().session.state === 'failed' ? 'failed' : 'closed') : get().session.state,
          ...(closed.ok ? { record: closed.value } : { error: closed.error }),
        });
        if (!closed.ok && closed.error.code === 'not-found') patch({ state: 'closed', open: false });
      },

      async authenticateOpen() {
        const state = get();
        const profileId = state.profiles.activeId;
        const storedSecret = state.profiles.list.find((p) => p.id === profileId)?.hasSecret === true;
        const issues = validateAuth(state.auth, { required: true, storedSecret });
        const auth = toAuthSettings(state.auth, profileId, storedSecret);
        if (issues.length > 0 || !auth) {
          patch({
            error: invalidInput(
              issues.length
                ? issues.map((i) => ({ ...i, path: `auth.${i.path}` }))
                : [{ path: 'auth.user', message: 'Enter a user name to authenticate.' }],
            ),
          });
          return;
        }
        await get().sessionStep('authenticate', (id) => api.authenticate(id, auth));
      },

      async verifyAddress(address, expand) {
        const trimmed = address.trim();
        if (!trimmed || /[\r\n\0]/.test(trimmed)) {
          patch({
            error: invalidInput([
              { path: 'address', message: trimmed ? 'must not contain line breaks (CR, LF) or NUL' : 'Enter an address or name.' },
            ]),
          });
          return;
        }
        await get().sessionStep('verify', (id) => api.verify(id, trimmed, expand));
      },

      async sendRaw(command) {
        const line = command.trim();
        if (!line || /[\r\n\0]/.test(line)) {
          patch({
            error: invalidInput([{ path: 'command', message: line ? 'One command per line: no CR, LF or NUL.' : 'Enter a command.' }]),
          });
          return;
        }
        const history = get().session.commandHistory.filter((c) => c !== line);
        patch({ commandHistory: [...history, line].slice(-MAX_HISTORY) });
        await get().sessionStep('raw', (id) => api.raw(id, line));
      },

      async cancelSession() {
        const { sessionId: id, status } = get().session;
        if (status !== 'running') return;
        patch({ cancelling: true });
        if (!id) {
          // The request has not answered yet: the id is cancelled as soon as it is known.
          cancelRequested = true;
          return;
        }
        const result = await api.cancel(id);
        if (!result.ok && get().session.sessionId === id) patch({ error: result.error, cancelling: false });
      },

      async sessionStep(activity, work) {
        const { sessionId: id, open, status } = get().session;
        if (!id || !open || status === 'running') return undefined;
        patch({ status: 'running', activity, error: undefined, source: 'live' });
        const record = await runStep(id, () => work(id));
        if (get().session.sessionId !== id) return record;
        const stillOpen = get().session.open && !ended(get().session.state);
        if (!stillOpen && get().session.state === 'failed') void api.closeSession(id);
        patch({ status: 'done', cancelling: false, open: stillOpen, progress: undefined });
        return record;
      },

      showRecord(record, id, opened) {
        const { session } = get();
        if (session.open || session.status === 'running') return false;
        set({
          session: {
            ...IDLE,
            commandHistory: session.commandHistory,
            status: 'done',
            record,
            source: 'history',
            sessionId: id,
            state: 'closed',
          },
        });
        get().loadTranscript(record, id, opened);
        return true;
      },

      receiveSessionState(payload) {
        const { sessionId, open } = get().session;
        if (sessionId === undefined || payload.sessionId !== sessionId) return;
        patch({
          state: payload.state,
          ...(payload.error ? { stateError: payload.error } : {}),
          ...(open && ended(payload.state) ? { open: false } : {}),
        });
      },

      receiveSessionDone(payload) {
        const resolve = waiting.get(payload.sessionId);
        if (!resolve) return;
        waiting.delete(payload.sessionId);
        resolve(payload);
      },

      abandonSessions(error) {
        const pending = [...waiting.values()];
        waiting.clear();
        for (const resolve of pending) resolve({ lost: error });
      },

      receiveProgress(payload) {
        if (payload.sessionId !== get().session.sessionId || get().session.status !== 'running') return;
        const { sessionId: _id, ...rest } = payload;
        patch({ progress: { ...rest, elapsedMs: payload.elapsedMs ?? 0, receivedAt: Date.now() } });
        get().setSendProgress(payload);
      },

      dismissNotice() {
        set((state) => ({ session: { ...state.session, noticeDismissed: true } }));
      },

      resetSession() {
        set({ session: { ...IDLE, commandHistory: get().session.commandHistory } });
      },
    };
  };
