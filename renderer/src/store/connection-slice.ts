import {
  addRecent,
  applyRecent,
  loadRecent,
  recentFromForm,
  removeRecent,
  saveRecent,
  type RecentTarget,
  type StorageLike,
} from './recent-targets.js';
import {
  DEFAULT_AUTH_FORM,
  DEFAULT_CONNECTION_FORM,
  withPort,
  withProtocol,
  withTls,
  type AuthForm,
  type ConnectionForm,
} from './connection-form.js';
import type { SliceCreator } from './types.js';

export interface ConnectionSlice {
  /** The connection form as typed. */
  connection: ConnectionForm;
  /** The authentication form as typed (the secret stays in memory only). */
  auth: AuthForm;
  /** The last targets reached, newest first (localStorage; nothing secret). */
  recentTargets: RecentTarget[];
  /** The user tried to start with this form: required fields left empty are reported too. */
  formAttempted: boolean;

  /** Set one field. Protocol and TLS mode move the port to their default unless the user typed one. */
  setConnectionField<K extends keyof ConnectionForm>(field: K, value: ConnectionForm[K]): void;
  setConnection(form: ConnectionForm): void;
  setAuthField<K extends keyof AuthForm>(field: K, value: AuthForm[K]): void;
  setAuth(auth: AuthForm): void;
  setFormAttempted(attempted: boolean): void;
  /** Put the form's target first in the recent list (after a session reached it). */
  rememberTarget(): void;
  applyRecentTarget(target: RecentTarget): void;
  forgetRecentTarget(target: RecentTarget): void;
}

export const createConnectionSlice =
  (storage: StorageLike | undefined): SliceCreator<ConnectionSlice> =>
  (set, get) => ({
    connection: DEFAULT_CONNECTION_FORM,
    auth: DEFAULT_AUTH_FORM,
    recentTargets: loadRecent(storage),
    formAttempted: false,

    setConnectionField(field, value) {
      const form = get().connection;
      let next: ConnectionForm;
      if (field === 'protocol') next = withProtocol(form, value as ConnectionForm['protocol']);
      else if (field === 'tls') next = withTls(form, value as ConnectionForm['tls']);
      else if (field === 'port') next = withPort(form, value as string);
      else next = { ...form, [field]: value };
      // A different certificate does not go with the profile's stored key.
      if (field === 'clientCertPem' && value !== form.clientCertPem) next.clientKeyStored = false;
      set({ connection: next });
    },

    setConnection(form) {
      set({ connection: form });
    },

    setAuthField(field, value) {
      set((state) => ({ auth: { ...state.auth, [field]: value } }));
    },

    setAuth(auth) {
      set({ auth });
    },

    setFormAttempted(attempted) {
      if (get().formAttempted !== attempted) set({ formAttempted: attempted });
    },

    rememberTarget() {
      const target = recentFromForm(get().connection);
      if (!target) return;
      const recentTargets = addRecent(get().recentTargets, target);
      saveRecent(storage, recentTargets);
      set({ recentTargets });
    },

    applyRecentTarget(target) {
      set((state) => ({ connection: applyRecent(state.connection, target) }));
    },

    forgetRecentTarget(target) {
      const recentTargets = removeRecent(get().recentTargets, target);
      saveRecent(storage, recentTargets);
      set({ recentTargets });
    },
  });
