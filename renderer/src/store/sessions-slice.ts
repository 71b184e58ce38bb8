import { SESSION_PAGE } from '../../../shared/ipc/channels.js';
import type { ErrorDto, SavedSessionSummary, SessionLoad } from '../../../shared/ipc/contract.js';
import type { AppApi, ExportFormat } from '../lib/api.js';
import type { SliceCreator } from './types.js';

/** The history of sessions main has logged (`sessions.list`), and what was last done with it. */
export interface SessionsView {
  list: SavedSessionSummary[];
  /** The list was fetched at least once. */
  loaded: boolean;
  loading: boolean;
  /** Listing failed. */
  error?: ErrorDto;
  /** The row selected in the table. */
  selectedId?: string;
  /** A reopen, delete or export of this session is running. */
  busyId?: string;
  /** The last action on a session failed: shown with that session. */
  actionError?: { id: string; action: string; error: ErrorDto };
  /** Said after an export ("Exported HTML: /path/smtp-lens-….html", or "Downloading HTML: smtp-lens-….html"). */
  notice?: string;
}

export interface SessionsSlice {
  sessions: SessionsView;
  loadSessions(): Promise<void>;
  selectSession(id: string | undefined): void;
  /**
   * Load a saved session into the Overview and the Transcript (`sessions.open`). Resolves to whether it worked, once
   * the record and the first page of its events are shown; the rest of a long transcript goes on loading page by page
   * (`sessions.events`) until something else is shown.
   */
  reopenSession(id: string): Promise<boolean>;
  deleteSessionLog(id: string): Promise<boolean>;
  /**
   * Export a saved session (redacted: records never hold secrets) to a file main writes as a stream: saved where the
   * user says (Electron), or downloaded from the web host.
   */
  exportSession(id: string, format: ExportFormat): Promise<boolean>;
  /** Export the session shown in the Overview the same way. */
  exportCurrentSession(format: ExportFormat): Promise<boolean>;
  dismissSessionsMessage(): void;
}

/** Pages of a saved session's events asked for at a time. */
const PAGES_IN_FLIGHT = 2;

/** Newest first. */
const newestFirst = (list: SavedSessionSummary[]): SavedSessionSummary[] =>
  [...list].sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : a.id.localeCompare(b.id)));

export const createSessionsSlice =
  (api: AppApi): SliceCreator<SessionsSlice> =>
  (set, get) => {
    const patch = (p: Partial<SessionsView>) => set((state) => ({ sessions: { ...state.sessions, ...p } }));
    /** Bumped per listing, so an older answer cannot overwrite a newer one. */
    let listing = 0;
    /** Bumped per reopen, so that the answer to an older one (the user clicked another session since) is dropped. */
    let opening = 0;

    /**
     * The rest of a saved session's events, a page at a time, into the transcript's load `token`. Two pages are asked
     * for at a time (main reads and sends one while this window takes in the other); the next is asked for once one is
     * in, so the window sets the pace. It stops when the load is done, fails, or is no longer the one shown (another
     * session, a live one: the transcript slice then refuses the page).
     */
    const loadRemainingEvents = async (id: string, more: SessionLoad, token: number): Promise<void> => {
      const inFlight: { from: number; page: ReturnType<AppApi['sessionEvents']> }[] = [];
      let requested = more.next;
      const ask = () => {
        // A page of a full size ends where the next begins; past the count the log gave, one request is enough.
        const wanted = more.expectedEvents === undefined || requested < more.expectedEvents ? PAGES_IN_FLIGHT : 1;
        while (inFlight.length < wanted) {
          inFlight.push({ from: requested, page: api.sessionEvents(id, more.loadId, requested, SESSION_PAGE) });
          requested += SESSION_PAGE;
        }
      };
      ask();
      for (;;) {
        const asked = inFlight.shift();
        if (!asked) return;
        const page = await asked.page;
        if (!page.ok) {
          get().failTranscriptLoad(token, page.error);
          return;
        }
        const { next, done } = page.value;
        if (!get().appendTranscriptPage(token, page.value) || done) return;
        if (next <= asked.from) {
          get().failTranscriptLoad(token, { code: 'internal', message: `Reading the session log stopped at event ${asked.from}.` });
          return;
        }
        // A short page (not the last): what was asked for after it starts elsewhere.
        if (next !== asked.from + SESSION_PAGE) {
          inFlight.length = 0;
          requested = next;
        }
        ask();
      }
    };

    const fail = (id: string, action: string, error: ErrorDto) =>
      patch({ busyId: undefined, actionError: { id, action, error }, notice: undefined });

    return {
      sessions: { list: [], loaded: false, loading: false },

      async loadSessions() {
        const mine = ++listing;
        patch({ loading: true });
        const result = await api.listSessions();
        if (mine !== listing) return;
        if (!result.ok) {
          patch({ loading: false, error: result.error });
          return;
        }
        const list = newestFirst(result.value);
        const selectedId = get().sessions.selectedId;
        patch({
          loading: false,
          loaded: true,
          error: undefined,
          list,
          selectedId: selectedId !== undefined && list.some((s) => s.id === selectedId) ? selectedId : undefined,
        });
      },

      selectSession(id) {
        patch({ selectedId: id });
      },

      async reopenSession(id) {
        const { session } = get();
        if (session.open || session.status === 'running') {
          fail(id, 'reopen', { code: 'busy', message: 'A session is open or running: disconnect it first.' });
          return false;
        }
        const mine = ++opening;
        patch({ busyId: id, actionError: undefined, notice: undefined, selectedId: id });
        const result = await api.openSession(id);
        if (mine !== opening) return false;
        if (!result.ok) {
          fail(id, 'reopen', result.error);
          return false;
        }
        patch({ busyId: undefined });
        const { record, damagedLines, more } = result.value;
        // A session started meanwhile: it keeps the view.
        if (!get().showRecord(record, id, { damagedLines, ...(more ? { more } : {}) })) return false;
        const load = get().transcript.load;
        if (more && load?.state === 'loading') void loadRemainingEvents(id, more, load.token);
        return true;
      },

      async deleteSessionLog(id) {
        if (get().session.open && get().session.sessionId === id) {
          fail(id, 'delete', { code: 'busy', message: 'This session is still open: disconnect it first.' });
          return false;
        }
        patch({ busyId: id, actionError: undefined, notice: undefined });
        const result = await api.deleteSession(id);
        if (!result.ok) {
          fail(id, 'delete', result.error);
          return false;
        }
        const { sessions, transcript } = get();
        if (transcript.load?.sessionId === id) {
          get().failTranscriptLoad(transcript.load.token, {
            code: 'not-found',
            message: 'The session log was deleted while its events were loading.',
          });
        }
        patch({
          busyId: undefined,
          list: sessions.list.filter((s) => s.id !== id),
          selectedId: sessions.selectedId === id ? undefined : sessions.selectedId,
        });
        return true;
      },

      async exportSession(id, format) {
        patch({ busyId: id, actionError: undefined, notice: undefined });
        const saved = await api.exportSessionToFile(id, format);
        if (!saved.ok) {
          fail(id, 'export', saved.error);
          return false;
        }
        const { savedTo, download } = saved.value;
        patch({
          busyId: undefined,
          notice: savedTo === null ? undefined : `${download ? 'Downloading' : 'Exported'} ${format.toUpperCase()}: ${savedTo}`,
        });
        return savedTo !== null;
      },

      async exportCurrentSession(format) {
        const id = get().session.sessionId;
        if (!id) {
          patch({
            actionError: {
              id: '',
              action: 'export',
              error: { code: 'not-found', message: 'There is no session to export yet: run a probe first.' },
            },
          });
          return false;
        }
        return get().exportSession(id, format);
      },

      dismissSessionsMessage() {
        patch({ actionError: undefined, notice: undefined });
      },
    };
  };
