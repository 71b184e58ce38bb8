import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { api as defaultApi, type AppApi } from '../lib/api.js';
import { createConnectionSlice } from './connection-slice.js';
import { createSessionSlice } from './session-slice.js';
import { createTestServerSlice } from './test-server-slice.js';
import type { AppState } from './types.js';
import { createUiSlice } from './ui-slice.js';

export type { AppState } from './types.js';
export type AppStore = StoreApi<AppState>;

/** One store from the slices. The API is injected so that tests can pass a fake. */
export function createAppStore(api: AppApi): AppStore {
  return createStore<AppState>()((...a) => ({
    ...createConnectionSlice(...a),
    ...createSessionSlice(api)(...a),
    ...createTestServerSlice(api)(...a),
    ...createUiSlice(api)(...a),
  }));
}

/** Feed pushed events into the store; returns a function that stops doing so. */
export function connectStoreToEvents(store: AppStore, api: AppApi): () => void {
  const stops = [
    api.subscribe('transcript', (batch) => store.getState().appendTranscript(batch)),
    api.subscribe('test-server', (status) => store.getState().setTestServerStatus(status)),
    api.onBridgeLost((error) => store.getState().setBridgeLost(error)),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}

/** The app's store. */
export const appStore = createAppStore(defaultApi);

/** Read from the app's store in a component. Select primitives or stable references (zustand 5 compares with Object.is). */
export function useAppStore<T>(selector: (state: AppState) => T): T {
  return useStore(appStore, selector);
}
