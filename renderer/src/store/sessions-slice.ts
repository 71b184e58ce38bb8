import type { ErrorDto, SavedSessionSummary } from '../../../shared/ipc/contract.js';
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
  /** Said after an export ("Saved smtp-lens-….html"). */
  notice?: string;
}

export interface SessionsSlice {
  sessions: SessionsView;
  loadSessions(): Promise<void>;
  selectSession(id: string | undefined): void;
  /** Load a saved session into the Overview and the Transcript (`sessions.open`). Resolves to whether it worked. */
  reopenSession(id: string): Promise<boolean>;
  deleteSessionLog(id: string): Promise<boolean>;
  /** Export a saved session (redacted: records never hold secrets) and give the file to the user. */
  exportSession(id: string, format: ExportFormat): Promise<boolean>;
  /** Export the session shown in the Overview the same way. */
  exportCurrentSession(format: ExportFormat): Promise<boolean>;
  dismissSessionsMessage(): void;
}

/** Newest first. */
const newestFirst = (list: SavedSessionSummary[]): SavedSessionSummary[] =>
  [...list].sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : a.id.localeCompare(b.id)));

export const createSessionsSlice =
  (api: AppApi): SliceCreator<SessionsSlice> =>
  (set, get) => {
    const patch = (p: Partial<SessionsView>) => set((state) => ({ sessions: { ...state.sessions, ...p } }));
    /** Bumped per listing, so an older answer cannot overwrite a newer one. */
    let listing = 0;

    const fail = (id: string, action: string, error: ErrorDto) => patch({ busyId: undefined, actionError: { id, action, error }, notice: undefined });

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
        patch({ busyId: id, actionError: undefined, notice: undefined, selectedId: id });
        const result = await api.openSession(id);
        if (!result.ok) {
          fail(id, 'reopen', result.error);
          return false;
        }
        patch({ busyId: undefined });
        get().showRecord(result.value, id);
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
        const { sessions } = get();
        patch({
          busyId: undefined,
          list: sessions.list.filter((s) => s.id !== id),
          selectedId: sessions.selectedId === id ? undefined : sessions.selectedId,
        });
        return true;
      },

      async exportSession(id, format) {
        patch({ busyId: id, actionError: undefined, notice: undefined });
        const exported = await api.exportSession(id, format);
        if (!exported.ok) {
          fail(id, 'export', exported.error);
          return false;
        }
        const saved = await api.saveFile(exported.value);
        if (!saved.ok) {
          fail(id, 'export', saved.error);
          return false;
        }
        patch({
          busyId: undefined,
          notice: saved.value.savedTo === null ? undefined : `Exported ${format.toUpperCase()}: ${saved.value.savedTo}`,
        });
        return saved.value.savedTo !== null;
      },

      async exportCurrentSession(format) {
        const id = get().session.sessionId;
        if (!id) {
          patch({ actionError: { id: '', action: 'export', error: { code: 'not-found', message: 'There is no session to export yet: run a probe first.' } } });
          return false;
        }
        return get().exportSession(id, format);
      },

      dismissSessionsMessage() {
        patch({ actionError: undefined, notice: undefined });
      },
    };
  };
