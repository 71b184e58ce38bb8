import type { AppInfo, ErrorDto } from '../../../shared/ipc/contract.js';
import type { AppApi } from '../lib/api.js';
import type { SliceCreator } from './types.js';

/** The main area's tabs, in order (Ctrl+1..8 pick them). */
export const TABS = ['overview', 'transcript', 'compose', 'sessions', 'test-server', 'domain', 'matrix', 'compare'] as const;
export type TabId = (typeof TABS)[number];

export const TAB_LABELS: Record<TabId, string> = {
  overview: 'Overview',
  transcript: 'Transcript',
  compose: 'Compose',
  sessions: 'Sessions',
  'test-server': 'Test server',
  domain: 'Domain',
  matrix: 'Matrix',
  compare: 'Compare',
};

export interface UiView {
  /** 'loaded' once the bridge answered `app.info`; 'failed' when it could not. */
  appState: 'loading' | 'loaded' | 'failed';
  appInfo?: AppInfo;
  /** Why the app could not load. */
  loadError?: ErrorDto;
  /** Set when the bridge went away after loading (the web host stopped): nothing works until a reload. */
  bridgeLost?: ErrorDto;
  /** The tab shown in the main area. */
  tab: TabId;
  /** Whether the explanation side panel is shown. */
  explainOpen: boolean;
}

export interface UiSlice {
  ui: UiView;
  init(): Promise<void>;
  setBridgeLost(error: ErrorDto): void;
  setTab(tab: TabId): void;
  setExplainOpen(open: boolean): void;
}

export const createUiSlice =
  (api: AppApi): SliceCreator<UiSlice> =>
  (set, get) => ({
    ui: { appState: 'loading', tab: 'overview', explainOpen: false },

    async init() {
      const info = await api.appInfo();
      if (!info.ok) {
        set((state) => ({ ui: { ...state.ui, appState: 'failed', loadError: info.error } }));
        return;
      }
      set((state) => ({ ui: { ...state.ui, appState: 'loaded', appInfo: info.value, loadError: undefined } }));
      // What the other tabs show; each reports its own failure where it is shown.
      await Promise.all([get().refreshTestServer(), get().loadProfiles(), get().loadSessions()]);
    },

    setBridgeLost(error) {
      set((state) => ({ ui: { ...state.ui, bridgeLost: error } }));
    },

    setTab(tab) {
      if (get().ui.tab !== tab) set((state) => ({ ui: { ...state.ui, tab } }));
    },

    setExplainOpen(open) {
      set((state) => ({ ui: { ...state.ui, explainOpen: open } }));
    },
  });
