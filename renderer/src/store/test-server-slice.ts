import type { ErrorDto, TestServerStatus } from '../../../shared/ipc/contract.js';
import type { AppApi } from '../lib/api.js';
import { formForListener } from './connection-form.js';
import type { SliceCreator } from './types.js';

export interface TestServerView {
  status?: TestServerStatus;
  busy: boolean;
  error?: ErrorDto;
}

export interface TestServerSlice {
  testServer: TestServerView;
  /** Start the built-in test server (or reuse the running one) and fill the form with its plain listener. */
  startBuiltInTestServer(): Promise<void>;
  stopTestServer(): Promise<void>;
  setTestServerStatus(status: TestServerStatus): void;
}

export const createTestServerSlice =
  (api: AppApi): SliceCreator<TestServerSlice> =>
  (set, get) => ({
    testServer: { busy: false },

    async startBuiltInTestServer() {
      if (get().testServer.busy) return;
      set((state) => ({ testServer: { ...state.testServer, busy: true, error: undefined } }));
      let status = get().testServer.status;
      let error: ErrorDto | undefined;
      if (!status?.running) {
        const started = await api.startTestServer();
        if (started.ok) {
          status = started.value;
        } else {
          // It may already run (another window started it): ask before giving up.
          const current = await api.testServerStatus();
          if (current.ok && current.value.running) status = current.value;
          else error = started.error;
        }
      }
      const plain = status?.listeners.find((l) => l.kind === 'plain') ?? status?.listeners[0];
      if (!error && !plain) error = { code: 'not-found', message: 'The built-in test server has no listener to connect to.' };
      set({ testServer: { status, busy: false, error } });
      if (plain && !error) get().setConnection(formForListener(plain, get().connection));
    },

    async stopTestServer() {
      set((state) => ({ testServer: { ...state.testServer, busy: true, error: undefined } }));
      const result = await api.stopTestServer();
      set((state) =>
        result.ok
          ? { testServer: { status: result.value, busy: false } }
          : { testServer: { ...state.testServer, busy: false, error: result.error } },
      );
    },

    setTestServerStatus(status) {
      set((state) => ({ testServer: { ...state.testServer, status } }));
    },
  });
