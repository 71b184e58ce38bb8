import type { ErrorDto, ReceivedMessage, TestServerListener, TestServerStatus } from '../../../shared/ipc/contract.js';
import type { AppApi } from '../lib/api.js';
import { messageFileName } from '../lib/test-server-view.js';
import { DEFAULT_AUTH_FORM, formForListener, TEST_SERVER_CA_NAME } from './connection-form.js';
import type { SliceCreator } from './types.js';

/** Which listeners to start. */
export interface TestServerChoice {
  plain: boolean;
  starttls: boolean;
  implicitTls: boolean;
  lmtpSocket: boolean;
}

export interface TestServerView {
  status?: TestServerStatus;
  /** A start or stop is running. */
  busy: boolean;
  /** The last start or stop failed. */
  error?: ErrorDto;
  /** Listeners to start next time. */
  choice: TestServerChoice;
  /** Messages the server received, newest first. */
  messages: ReceivedMessage[];
  messagesError?: ErrorDto;
  /** The message shown in the viewer. */
  selectedMessageId?: string;
}

export interface TestServerSlice {
  testServer: TestServerView;
  /** Start the built-in test server (or reuse the running one) and point the form at its plain listener. */
  startBuiltInTestServer(): Promise<void>;
  /** Start with the chosen listeners. */
  startTestServer(): Promise<boolean>;
  stopTestServer(): Promise<void>;
  refreshTestServer(): Promise<void>;
  /** From the `test-server` event: the status, and the messages when their count changed. */
  setTestServerStatus(status: TestServerStatus): void;
  loadTestServerMessages(): Promise<void>;
  setTestServerChoice<K extends keyof TestServerChoice>(key: K, value: boolean): void;
  selectTestMessage(id: string | undefined): void;
  /** Point the connection form at a listener (CA = the test certificate, so verification passes). */
  useTestListener(listener: TestServerListener): void;
  /** Trust the test certificate in the connection form (CA PEM). */
  useTestCertificateAsCa(): void;
  /** Fill the authentication form with the test account. */
  useTestAccount(): void;
  /** Give the user a received message as an .eml file. */
  saveTestMessage(id: string): Promise<void>;
}

const newestFirst = (list: ReceivedMessage[]): ReceivedMessage[] =>
  [...list].sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : 0));

export const createTestServerSlice =
  (api: AppApi): SliceCreator<TestServerSlice> =>
  (set, get) => {
    const patch = (p: Partial<TestServerView>) => set((state) => ({ testServer: { ...state.testServer, ...p } }));
    let loadingMessages = 0;

    /** The form now points at the test server: a loaded profile's stored password must not go there. */
    const leaveProfile = () => {
      if (get().profiles.activeId !== undefined) get().clearActiveProfile();
    };

    return {
      testServer: { busy: false, choice: { plain: true, starttls: true, implicitTls: true, lmtpSocket: true }, messages: [] },

      async startBuiltInTestServer() {
        if (get().testServer.busy) return;
        patch({ busy: true, error: undefined });
        let status = get().testServer.status;
        let error: ErrorDto | undefined;
        if (!status?.running) {
          const started = await api.startTestServer({});
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
        patch({ busy: false, error, ...(status ? { status } : {}) });
        if (plain && !error) get().useTestListener(plain);
      },

      async startTestServer() {
        if (get().testServer.busy) return false;
        const choice = get().testServer.choice;
        if (!choice.plain && !choice.starttls && !choice.implicitTls && !choice.lmtpSocket) {
          patch({ error: { code: 'invalid-input', message: 'Choose at least one listener to start.' } });
          return false;
        }
        patch({ busy: true, error: undefined });
        const result = await api.startTestServer(choice);
        if (!result.ok) {
          patch({ busy: false, error: result.error });
          return false;
        }
        patch({ busy: false, status: result.value });
        void get().loadTestServerMessages();
        return true;
      },

      async stopTestServer() {
        if (get().testServer.busy) return;
        patch({ busy: true, error: undefined });
        const result = await api.stopTestServer();
        if (result.ok) patch({ busy: false, status: result.value });
        else patch({ busy: false, error: result.error });
      },

      async refreshTestServer() {
        const status = await api.testServerStatus();
        if (status.ok) patch({ status: status.value });
        await get().loadTestServerMessages();
      },

      setTestServerStatus(status) {
        const before = get().testServer.status?.messageCount;
        patch({ status });
        if (status.messageCount !== before || status.messageCount !== get().testServer.messages.length) {
          void get().loadTestServerMessages();
        }
      },

      async loadTestServerMessages() {
        const mine = ++loadingMessages;
        const result = await api.testServerMessages();
        if (mine !== loadingMessages) return;
        if (!result.ok) {
          patch({ messagesError: result.error });
          return;
        }
        const messages = newestFirst(result.value);
        const selected = get().testServer.selectedMessageId;
        patch({
          messages,
          messagesError: undefined,
          selectedMessageId: selected !== undefined && messages.some((m) => m.id === selected) ? selected : undefined,
        });
      },

      setTestServerChoice(key, value) {
        patch({ choice: { ...get().testServer.choice, [key]: value } });
      },

      selectTestMessage(id) {
        patch({ selectedMessageId: id });
      },

      useTestListener(listener) {
        leaveProfile();
        const certificatePem = get().testServer.status?.certificatePem;
        get().setConnection(formForListener(listener, get().connection, certificatePem));
        get().setFormAttempted(false);
      },

      useTestCertificateAsCa() {
        const pem = get().testServer.status?.certificatePem;
        if (!pem) return;
        get().setConnection({ ...get().connection, caPem: pem, caName: TEST_SERVER_CA_NAME, verify: true });
      },

      useTestAccount() {
        const account = get().testServer.status?.account;
        if (!account) return;
        leaveProfile();
        get().setAuth({ ...DEFAULT_AUTH_FORM, user: account.user, secret: account.password });
      },

      async saveTestMessage(id) {
        const message = get().testServer.messages.find((m) => m.id === id);
        if (!message) return;
        const saved = await api.saveFile({ filename: messageFileName(message), mimeType: 'message/rfc822', content: message.raw });
        if (!saved.ok) patch({ messagesError: saved.error });
      },
    };
  };
