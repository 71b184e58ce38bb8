import type { AppInfo, ErrorDto } from '../../../shared/ipc/contract.js';
import type { AppApi } from '../lib/api.js';
import type { SliceCreator } from './types.js';

export interface UiView {
  /** 'loaded' once the bridge answered `app.info`; 'failed' when it could not. */
  appState: 'loading' | 'loaded' | 'failed';
  appInfo?: AppInfo;
  /** Why the app could not load. */
  loadError?: ErrorDto;
  /** Set when the bridge went away after loading (the web host stopped): nothing works until a reload. */
  bridgeLost?: ErrorDto;
}

export interface UiSlice {
  ui: UiView;
  init(): Promise<void>;
  setBridgeLost(error: ErrorDto): void;
}

export const createUiSlice =
  (api: AppApi): SliceCreator<UiSlice> =>
  (set, get) => ({
    ui: { appState: 'loading' },

    async init() {
      const info = await api.appInfo();
      if (!info.ok) {
        set((state) => ({ ui: { ...state.ui, appState: 'failed', loadError: info.error } }));
        return;
      }
      set((state) => ({ ui: { ...state.ui, appState: 'loaded', appInfo: info.value, loadError: undefined } }));
      const status = await api.testServerStatus();
      if (status.ok) get().setTestServerStatus(status.value);
    },

    setBridgeLost(error) {
      set((state) => ({ ui: { ...state.ui, bridgeLost: error } }));
    },
  });
