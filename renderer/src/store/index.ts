import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { api as defaultApi, type AppApi } from '../lib/api.js';
import { createComposeSlice } from './compose-slice.js';
import { browserStorage, type StorageLike } from './recent-targets.js';
import { loadPersisted, savePersisted, toPersisted } from './persisted-forms.js';
import { createConnectionSlice } from './connection-slice.js';
import { createExplainSlice } from './explain-slice.js';
import { createProfilesSlice } from './profiles-slice.js';
import { createReportsSlice } from './reports-slice.js';
import { createSessionSlice } from './session-slice.js';
import { createSessionsSlice } from './sessions-slice.js';
import { createTestServerSlice } from './test-server-slice.js';
import { createTranscriptSlice } from './transcript-slice.js';
import type { AppState } from './types.js';
import { createUiSlice } from './ui-slice.js';
import { defined } from '../../../shared/defined.js';

export type { AppState } from './types.js';
export type AppStore = StoreApi<AppState>;

export interface AppStoreOptions {
  /** Where recent targets are kept (localStorage in the app; a Map-backed fake in tests; none: not kept). */
  storage?: StorageLike;
}

/** One store from the slices. The API (and storage) are injected so that tests can pass fakes. */
export function createAppStore(api: AppApi, options: AppStoreOptions = {}): AppStore {
  const store = createStore<AppState>()((...a) => ({
    ...createComposeSlice(api)(...a),
    ...createConnectionSlice(options.storage)(...a),
    ...createExplainSlice(...a),
    ...createProfilesSlice(api)(...a),
    ...createReportsSlice(api)(...a),
    ...createSessionSlice(api)(...a),
    ...createSessionsSlice(api)(...a),
    ...createTestServerSlice(api)(...a),
    ...createTranscriptSlice(...a),
    ...createUiSlice(api)(...a),
  }));
  if (options.storage) keepForms(store, options.storage);
  return store;
}

/** The forms and the Compose draft as they were before a reload (no secret), and kept from now on as they change. */
function keepForms(store: AppStore, storage: StorageLike): void {
  const kept = loadPersisted(storage);
  if (kept) {
    store.setState((state) => ({
      connection: kept.connection,
      auth: kept.auth,
      compose: { ...state.compose, form: kept.compose.form, attachments: kept.compose.attachments },
      profiles: { ...state.profiles, ...defined({ activeId: kept.activeProfileId }) },
      reports: { ...state.reports, ...kept.reports },
    }));
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const save = () => {
    timer = undefined;
    savePersisted(storage, toPersisted(store.getState()));
  };
  store.subscribe((state, previous) => {
    if (
      state.connection === previous.connection &&
      state.auth === previous.auth &&
      state.compose.form === previous.compose.form &&
      state.compose.attachments === previous.compose.attachments &&
      state.profiles.activeId === previous.profiles.activeId &&
      state.reports.resolver === previous.reports.resolver &&
      state.reports.domainForm === previous.reports.domainForm &&
      state.reports.matrixForm === previous.reports.matrixForm
    ) {
      return;
    }
    if (timer === undefined) timer = setTimeout(save, 250);
  });
  // Whatever was typed in the last moments before the page goes.
  (globalThis as { addEventListener?: (type: string, listener: () => void) => void }).addEventListener?.('pagehide', () => {
    if (timer !== undefined) clearTimeout(timer);
    save();
  });
}

/** Feed pushed events into the store; returns a function that stops doing so. */
export function connectStoreToEvents(store: AppStore, api: AppApi): () => void {
  const stops = [
    // A session's lines, state, progress and end come by the id main answered with (before any of them).
    api.subscribe('transcript', (batch) => store.getState().appendTranscriptBatch(batch)),
    api.subscribe('session-state', (payload) => store.getState().receiveSessionState(payload)),
    api.subscribe('progress', (progress) => store.getState().receiveProgress(progress)),
    api.subscribe('session-done', (payload) => store.getState().receiveSessionDone(payload)),
    api.subscribe('test-server', (status) => store.getState().setTestServerStatus(status)),
    api.onBridgeLost((error) => {
      store.getState().setBridgeLost(error);
      // No session's end can come any more: whatever waits for one ends as unknown.
      store.getState().abandonSessions(error);
    }),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}

/** The app's store. */
export const appStore = createAppStore(defaultApi, { storage: browserStorage() });

/** Read from the app's store in a component. Select primitives or stable references (zustand 5 compares with Object.is). */
export function useAppStore<T>(selector: (state: AppState) => T): T {
  return useStore(appStore, selector);
}
