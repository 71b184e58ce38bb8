import type { ErrorDto, EventMap, OpenedSession, Result, SessionState } from '../../../shared/ipc/contract.js';
import type { AuthSettings, ConnectionSettings } from '../../../shared/ipc/schemas.js';
import type { SessionRecord } from '../../../shared/session-record.js';
import type { AppApi } from '../lib/api.js';
import { invalidInput, toAuthSettings, toConnectionSettings, validateAuth } from './connection-form.js';
import type { AppState, SliceCreator } from './types.js';

type StepResult = Result<SessionRecord>;

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
  /** Raw commands sent from this window, oldest first (the command box's arrow-key history). */
  commandHistory: string[];
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
   * A whole session in one go with the forms' settings: start, AUTH if a user is given, `work` (when the steps
   * before succeeded), QUIT. Probe is `runOneShot('probe')`; Compose sends with `runOneShot('send', …)`.
   */
  runOneShot(activity: SessionActivity, work?: (sessionId: string) => Promise<StepResult>): Promise<SessionRecord | undefined>;
  /**
   * Show a record from the history (Sessions tab): Overview and Transcript show it. With `opened` (what
   * `sessions.open` answered) its events may be only the first page: the transcript's load then says so. Returns
   * false, showing nothing, while a session is open or running.
   */
  showRecord(record: SessionRecord, id: string, opened?: Pick<OpenedSession, 'damagedLines' | 'more'>): boolean;
  /** From the `session-state` event subscription. */
  receiveSessionState(payload: EventMap['session-state']): void;
  resetSession(): void;
}


const IDLE: SessionView = { status: 'idle', open: false, cancelling: false, commandHistory: [] };

/** Most commands kept in the command box's history. */
const MAX_HISTORY = 100;
/**
 * State changes of sessions whose id is not known yet. `session.start` answers with the id only after the greeting
 * and EHLO, and main tells the 'connecting' state (and streams the transcript) before that answer: while a start is
 * pending, the states of unknown sessions are held here, and the one of the session the start answers with is
 * applied. (Transcript batches need no holding: the transcript slice keeps every session's batches by id.)
 */
export class EarlyStates {
  private states = new Map<string, EventMap['session-state']>();
  /** The first session seen announcing 'connecting' since the start began: very likely the one starting. */
  private firstConnecting: string | undefined;

  push(payload: EventMap['session-state']): void {
    if (payload.state === 'connecting' && this.firstConnecting === undefined) this.firstConnecting = payload.sessionId;
    // Bounded: a start is pending for seconds, and only a few sessions start meanwhile.
    if (this.states.size >= 64 && !this.states.has(payload.sessionId)) return;
    this.states.set(payload.sessionId, payload);
  }

  /** The id to cancel while the start has not answered. */
  candidate(): string | undefined {
    return this.firstConnecting;
  }

  /** The latest state held for `sessionId`; everything held is dropped. */
  take(sessionId: string): EventMap['session-state'] | undefined {
    const state = this.states.get(sessionId);
    this.clear();
    return state;
  }

  clear(): void {
    this.states.clear();
    this.firstConnecting = undefined;
  }
}

const ended = (state: SessionState | undefined) => state === 'failed' || state === 'closed';

export const createSessionSlice =
  (api: AppApi): SliceCreator<SessionSlice> =>
  (set, get) => {
    const early = new EarlyStates();
    let pendingStarts = 0;
    /** Set while a start is pending and cancel was asked for before its id was known. */
    let cancelRequested = false;

    const patch = (p: Partial<SessionView>) => set((state) => ({ session: { ...state.session, ...p } }));

    /** The settings and authentication of the forms, or the problems found (shown as the request's error). */
    const prepare = (): { connection: ConnectionSettings; auth: AuthSettings | undefined; profileId: string | undefined } | ErrorDto => {
      const state: AppState = get();
      const profileId = state.profiles.activeId;
      const profile = profileId !== undefined ? state.profiles.list.find((p) => p.id === profileId) : undefined;
      const storedSecret = profile?.hasSecret === true;
      const settings = toConnectionSettings(state.connection);
      const authIssues = validateAuth(state.auth, { required: true, storedSecret });
      if (!settings.ok || authIssues.length > 0) {
        const issues = [...(settings.ok ? [] : (settings.error.issues ?? [])), ...authIssues.map((i) => ({ ...i, path: `auth.${i.path}` }))];
        return invalidInput(issues);
      }
      return { connection: settings.settings, auth: toAuthSettings(state.auth, profileId, storedSecret), profileId };
    };

    /** Start a session; on success its id is adopted and the events that came before the answer are replayed. */
    const start = async (activity: SessionActivity): Promise<{ id: string; record: SessionRecord; auth: AuthSettings | undefined } | undefined> => {
      const prepared = prepare();
      if ('code' in prepared) {
        get().setFormAttempted(true);
        set({ session: { ...IDLE, commandHistory: get().session.commandHistory, status: 'done', activity, error: prepared } });
        return undefined;
      }
      get().setFormAttempted(false);
      set({ session: { ...IDLE, commandHistory: get().session.commandHistory, status: 'running', activity, source: 'live' } });
      // Show the new session's lines as they arrive, before its id is known.
      get().resetTranscript();
      pendingStarts++;
      cancelRequested = false;
      let started;
      try {
        // One-shot probes and sends are logged as such; a kept-open session as a session.
        const operation = activity === 'probe' || activity === 'send' ? activity : 'session';
        started = await api.startSession(prepared.connection, prepared.profileId, operation);
      } finally {
        pendingStarts--;
      }
      if (!started.ok) {
        early.clear();
        patch({ status: 'done', error: started.error, cancelling: false });
        return undefined;
      }
      const { sessionId: id, record } = started.value;
      const held = early.take(id);
      // Its lines so far are kept (the transcript slice holds batches by session id).
      get().resetTranscript(id);
      const state: SessionState = held?.state ?? (record.result.ok ? 'ready' : 'failed');
      patch({ sessionId: id, record, state, ...(held?.error ? { stateError: held.error } : {}) });
      // A target that answered is worth remembering (nothing secret is kept).
      if (record.greeting) get().rememberTarget();
      if (cancelRequested) void api.cancel(id);
      return { id, record, auth: prepared.auth };
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

    /** End a session main holds (failed or finished), so that its log is complete; nothing to show for it. */
    const release = (id: string) => {
      void api.closeSession(id).then(() => {
        if (get().session.sessionId === id && get().session.status !== 'running') void get().loadSessions();
      });
    };

    const finish = (p: Partial<SessionView> = {}) => {
      patch({ status: 'done', cancelling: false, ...p });
      void get().loadSessions();
    };

    return {
      session: IDLE,

      probe: async () => {
        await get().runOneShot('probe');
      },

      async runOneShot(activity, work) {
        if (get().session.status === 'running' || get().session.open) return undefined;
        const started = await start(activity);
        if (!started) return undefined;
        const { id, auth } = started;
        let record: SessionRecord | undefined = started.record;
        let failed = !record.result.ok;
        if (!failed && auth) {
          patch({ activity: 'authenticate' });
          record = await runStep(id, () => api.authenticate(id, auth));
          failed = !record?.result.ok;
        }
        if (!failed && work) {
          patch({ activity });
          record = await runStep(id, () => work(id));
        }
        patch({ activity: 'close' });
        const closed = await api.closeSession(id);
        // The record after QUIT keeps the result of the last step (QUIT itself is not the outcome).
        const final = closed.ok ? closed.value : (record ?? get().session.record);
        if (final) {
          patch({ record: final });
          // A live session: its lines came as batches, the record carries none.
          get().loadTranscript(final, id, undefined, true);
        }
        finish({ activity, open: false, state: get().session.state === 'failed' ? 'failed' : 'closed' });
        return final;
      },

      async connect() {
        if (get().session.status === 'running' || get().session.open) return;
        const started = await start('connect');
        if (!started) return;
        const { id, auth } = started;
        if (!started.record.result.ok || ended(get().session.state)) {
          release(id);
          finish({ open: false });
          return;
        }
        patch({ open: true });
        if (auth) {
          patch({ activity: 'authenticate' });
          await runStep(id, () => api.authenticate(id, auth));
        }
        const stillOpen = !ended(get().session.state) && get().session.open;
        if (!stillOpen) release(id);
        finish({ open: stillOpen });
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
              issues.length ? issues.map((i) => ({ ...i, path: `auth.${i.path}` })) : [{ path: 'auth.user', message: 'Enter a user name to authenticate.' }],
            ),
          });
          return;
        }
        await get().sessionStep('authenticate', (id) => api.authenticate(id, auth));
      },

      async verifyAddress(address, expand) {
        const trimmed = address.trim();
        if (!trimmed || /[\r\n\0]/.test(trimmed)) {
          patch({ error: invalidInput([{ path: 'address', message: trimmed ? 'must not contain line breaks (CR, LF) or NUL' : 'Enter an address or name.' }]) });
          return;
        }
        await get().sessionStep('verify', (id) => api.verify(id, trimmed, expand));
      },

      async sendRaw(command) {
        const line = command.trim();
        if (!line || /[\r\n\0]/.test(line)) {
          patch({ error: invalidInput([{ path: 'command', message: line ? 'One command per line: no CR, LF or NUL.' : 'Enter a command.' }]) });
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
        if (id) {
          const result = await api.cancel(id);
          if (!result.ok && get().session.sessionId === id) patch({ error: result.error, cancelling: false });
          return;
        }
        // The start has not answered: cancel the session it is very likely opening, and again once its id is known.
        cancelRequested = true;
        const candidate = early.candidate();
        if (candidate) await api.cancel(candidate);
      },

      async sessionStep(activity, work) {
        const { sessionId: id, open, status } = get().session;
        if (!id || !open || status === 'running') return undefined;
        patch({ status: 'running', activity, error: undefined, source: 'live' });
        const record = await runStep(id, () => work(id));
        if (get().session.sessionId !== id) return record;
        const stillOpen = get().session.open && !ended(get().session.state);
        if (!stillOpen && get().session.state === 'failed') release(id);
        patch({ status: 'done', cancelling: false, open: stillOpen });
        return record;
      },

      showRecord(record, id, opened) {
        const { session } = get();
        if (session.open || session.status === 'running') return false;
        set({ session: { ...IDLE, commandHistory: session.commandHistory, status: 'done', record, source: 'history', sessionId: id, state: 'closed' } });
        get().loadTranscript(record, id, opened);
        return true;
      },

      receiveSessionState(payload) {
        const { sessionId, open } = get().session;
        if (sessionId !== undefined && payload.sessionId === sessionId) {
          patch({
            state: payload.state,
            ...(payload.error ? { stateError: payload.error } : {}),
            ...(open && ended(payload.state) ? { open: false } : {}),
          });
        } else if (pendingStarts > 0) early.push(payload);
      },

      resetSession() {
        early.clear();
        set({ session: { ...IDLE, commandHistory: get().session.commandHistory } });
      },
    };
  };
