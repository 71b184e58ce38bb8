import type {
  AppInfo,
  Bridge,
  ErrorDto,
  EventChannel,
  EventMap,
  ExportedFile,
  MessagePreview,
  OpenedSession,
  PickPurpose,
  ProfileSummary,
  ReceivedMessage,
  RequestChannel,
  RequestOf,
  ResponseMap,
  Result,
  SavedSessionSummary,
  SessionEventsPage,
  StartedSession,
  TestServerStatus,
} from '../../../shared/ipc/contract.js';
import type { AuthSettings, ComposeSettings, ConnectionSettings, ProfileInput, TestServerOptions } from '../../../shared/ipc/schemas.js';
import { inertInPlace } from '../../../shared/inert-text.js';
import type { CompareReport, DomainReport, MatrixReport } from '../../../shared/outside-report.js';
import type { SenderAuthentication } from '../../../shared/sender-auth.js';
import type { SessionRecord } from '../../../shared/session-record.js';
import { downloadFile, startDownload } from './download.js';
import { createWebBridge, downloadHref, type LocationLike, type WebBridge } from './web-bridge.js';
import { defined } from '../../../shared/defined.js';

export type ExportFormat = 'json' | 'txt' | 'html';

/**
 * The one module of the renderer that touches the bridge. In Electron the preload exposes `window.smtpLens`
 * (a `Bridge`); in a browser served by the loopback web host there is none, and a WebSocket client implementing the
 * same `Bridge` is opened instead. Everything else imports the typed helpers below (or an `AppApi` injected into
 * the store), never the bridge itself.
 */

declare global {
  interface Window {
    /** Exposed by Electron's preload. */
    smtpLens?: Bridge;
  }
}

export type BridgeKind = 'electron' | 'web';

let bridge: Bridge | undefined;
let bridgeKind: BridgeKind | undefined;

function getBridge(): Bridge {
  if (!bridge) {
    // Through globalThis rather than `window`: this module is also compiled (for store tests) without the DOM lib.
    const exposed = (globalThis as { smtpLens?: Bridge }).smtpLens;
    if (exposed) {
      bridge = exposed;
      bridgeKind = 'electron';
    } else {
      bridge = createWebBridge();
      bridgeKind = 'web';
    }
  }
  return bridge;
}

/** Which bridge is in use (chosen on first use). */
export function getBridgeKind(): BridgeKind {
  getBridge();
  return bridgeKind ?? 'web';
}

/** For tests: use this bridge instead of choosing one. */
export function setBridgeForTesting(replacement: Bridge, kind: BridgeKind = 'web'): void {
  bridge = replacement;
  bridgeKind = kind;
}

const internalError = (err: unknown): ErrorDto => ({
  code: 'internal',
  message: err instanceof Error ? err.message : String(err),
});

/**
 * Channels whose answers carry what a server said (records, transcripts): their strings are made inert here, once,
 * so no component shows a server's controls or bidi overrides raw. Saved-session exports are made by main from the
 * log and keep the exact text.
 */
const SERVER_TEXT = new Set<RequestChannel>([
  'session.authenticate',
  'session.send',
  'session.verify',
  'session.raw',
  'session.close',
  'sessions.open',
  'sessions.events',
  'sessions.list',
  'testServer.authenticate',
  'domain.check',
  'matrix.run',
  'sessions.compare',
]);

/** Call one request channel. Never rejects: a thrown error (a broken bridge) becomes an 'internal' Result error. */
export async function call<C extends RequestChannel>(channel: C, request: RequestOf<C>): Promise<Result<ResponseMap[C]>> {
  try {
    const method = getBridge()[channel] as unknown as (request: RequestOf<C>) => Promise<Result<ResponseMap[C]>>;
    const result = await method(request);
    // The answer is ours (parsed from the socket, or cloned by IPC): safe to change in place.
    return SERVER_TEXT.has(channel) || !result.ok ? inertInPlace(result) : result;
  } catch (err) {
    return { ok: false, error: internalError(err) };
  }
}

/** Subscribe to an event pushed by main or the web host; returns the unsubscribe function. */
export function subscribe<E extends EventChannel>(channel: E, listener: (payload: EventMap[E]) => void): () => void {
  // Transcript lines, session errors and records carry server text: inert before anyone sees them.
  if (channel === 'transcript' || channel === 'session-state' || channel === 'session-done')
    return getBridge().on(channel, (payload) => listener(inertInPlace(payload)));
  return getBridge().on(channel, listener);
}

/**
 * Be told when the bridge can no longer be used (the web host's socket closed). Electron's IPC does not go away
 * while the window lives, so there this never fires.
 */
export function onBridgeLost(listener: (error: ErrorDto) => void): () => void {
  const current = getBridge() as Partial<WebBridge>;
  return typeof current.onClose === 'function' ? current.onClose(listener) : () => {};
}

/**
 * A file for the user to keep: an export, or a message as received. `savedTo` is where it was saved (null: the user
 * cancelled), or with `download` the name of a file the browser is downloading.
 */
export type SaveResult = Result<{ savedTo: string | null; download?: boolean }>;

/** The typed operations the app uses. The store receives this object (tests pass a fake: test/unit/renderer/fake-api.ts). */
export interface AppApi {
  appInfo(): Promise<Result<AppInfo>>;
  /**
   * One operation run by main from connect to QUIT (probe, send, verify, raw): answered at once with the session's
   * id; its transcript, state, progress and final record (`session-done`) then come as events with that id.
   */
  runSession(request: RequestOf<'session.run'>): Promise<Result<StartedSession>>;
  /**
   * Open a session for step mode: answered at once with its id; `session-done` tells how the opening went (and
   * whether it stayed open). `profileId` lets main use the profile's stored TLS client key.
   */
  openLiveSession(
    connection: ConnectionSettings,
    profileId?: string,
    operation?: 'probe' | 'send' | 'session',
  ): Promise<Result<StartedSession>>;
  authenticate(sessionId: string, auth: AuthSettings): Promise<Result<SessionRecord>>;
  send(sessionId: string, message: ComposeSettings): Promise<Result<SessionRecord>>;
  verify(sessionId: string, address: string, expand: boolean): Promise<Result<SessionRecord>>;
  raw(sessionId: string, command: string): Promise<Result<SessionRecord>>;
  cancel(sessionId: string): Promise<Result<null>>;
  closeSession(sessionId: string): Promise<Result<SessionRecord>>;
  /** Compose the message as `send` would and return its envelope and first 256 KB; nothing is sent. */
  previewMessage(message: ComposeSettings): Promise<Result<MessagePreview>>;

  listProfiles(): Promise<Result<ProfileSummary[]>>;
  saveProfile(profile: ProfileInput): Promise<Result<ProfileSummary>>;
  deleteProfile(id: string): Promise<Result<null>>;

  listSessions(): Promise<Result<SavedSessionSummary[]>>;
  /** A saved session: its record with the first page of its events, and how to read the rest (`sessionEvents`). */
  openSession(id: string): Promise<Result<OpenedSession>>;
  /** The next page of events of a session being opened (`more.loadId` of `openSession`). */
  sessionEvents(id: string, loadId: string, from: number, limit: number): Promise<Result<SessionEventsPage>>;
  deleteSession(id: string): Promise<Result<null>>;
  /**
   * Export a saved session to a file, written by main as a stream (the file never comes through here): in Electron
   * main shows the native save dialog and writes where the user says (`savedTo` the path, or null when cancelled); in
   * a browser the web host streams it as a download (`download`, `savedTo` the file name).
   */
  exportSessionToFile(id: string, format: ExportFormat): Promise<SaveResult>;

  startTestServer(options?: TestServerOptions): Promise<Result<TestServerStatus>>;
  stopTestServer(): Promise<Result<TestServerStatus>>;
  testServerStatus(): Promise<Result<TestServerStatus>>;
  testServerMessages(): Promise<Result<ReceivedMessage[]>>;
  /** SPF, DKIM, DMARC (and ARC) of a message the test server kept, asked of `resolver` (absent: the system's). */
  authenticateMessage(id: string, resolver?: string): Promise<Result<SenderAuthentication>>;

  /** The outside view, run by main and answered when done; each report is kept in main for `exportReport`. */
  checkDomain(request: RequestOf<'domain.check'>): Promise<Result<DomainReport>>;
  runMatrix(request: RequestOf<'matrix.run'>): Promise<Result<MatrixReport>>;
  compareSessions(a: string, b: string): Promise<Result<CompareReport>>;
  /** A kept report as a file (made by main from what was checked), then saved as `saveFile` saves. */
  exportReport(id: string, format: ExportFormat): Promise<SaveResult>;

  /**
   * Give the user a file: Electron's native save dialog (`savedTo` is the path, or null when cancelled), or in a
   * browser a download of a Blob (`savedTo` is the file name).
   */
  saveFile(file: ExportedFile): Promise<SaveResult>;
  /** Whether a native file dialog is available (Electron); in a browser, use an <input type="file"> instead. */
  canPickFiles(): boolean;
  /** Electron's native open dialog; picked attachments may then be sent by path. 'not-supported' in a browser. */
  pickFiles(purpose: PickPurpose): Promise<Result<PickedFile[]>>;
  /**
   * In a browser: stream a chosen file to the web host as it is (the page neither reads nor encodes it); a send then
   * names it by the id answered. 'not-supported' in Electron (files are picked and sent from disk).
   */
  uploadFile(file: Blob): Promise<Result<{ id: string; size: number }>>;

  subscribe: typeof subscribe;
  onBridgeLost: typeof onBridgeLost;
}

export type { PickPurpose };
export interface PickedFile {
  path: string;
  name: string;
  size: number;
}

async function pickFiles(purpose: PickPurpose): Promise<Result<PickedFile[]>> {
  const current = getBridge();
  if (typeof current.pickFiles !== 'function') {
    return { ok: false, error: { code: 'not-supported', message: 'There is no file dialog here: choose files with the browser instead.' } };
  }
  try {
    return await current.pickFiles({ purpose });
  } catch (err) {
    return { ok: false, error: internalError(err) };
  }
}

async function uploadFile(file: Blob): Promise<Result<{ id: string; size: number }>> {
  if (getBridgeKind() === 'electron') {
    return { ok: false, error: { code: 'not-supported', message: 'The desktop app sends files from disk: pick them in the dialog.' } };
  }
  try {
    const location = (globalThis as { location?: LocationLike }).location;
    if (!location) throw new Error('there is no page to upload from');
    // The browser streams the File itself; nothing of it passes through this thread.
    const response = await fetch(downloadHref('/upload', location), {
      method: 'POST',
      body: file,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    if (!response.ok) {
      const text = (await response.text()).trim();
      return {
        ok: false,
        error: {
          code: response.status === 413 ? 'invalid-input' : 'internal',
          message: text || `the upload was refused (${response.status})`,
        },
      };
    }
    const value = (await response.json()) as { id?: unknown; size?: unknown };
    if (typeof value.id !== 'string' || typeof value.size !== 'number') throw new Error('the host answered something else');
    return { ok: true, value: { id: value.id, size: value.size } };
  } catch (err) {
    return { ok: false, error: { code: 'internal', message: `The upload failed: ${internalError(err).message}` } };
  }
}

async function exportSessionToFile(id: string, format: ExportFormat): Promise<SaveResult> {
  const answer = await call('sessions.exportToFile', { id, format });
  if (!answer.ok) return answer;
  const value = answer.value;
  if ('saved' in value) return { ok: true, value: { savedTo: value.saved } };
  if ('cancelled' in value) return { ok: true, value: { savedTo: null } };
  try {
    const location = (globalThis as { location?: LocationLike }).location;
    if (!location) throw new Error('there is no page to download from');
    startDownload(downloadHref(value.download.path, location), value.download.filename);
    return { ok: true, value: { savedTo: value.download.filename, download: true } };
  } catch (err) {
    return { ok: false, error: { code: 'internal', message: `The browser refused the download: ${internalError(err).message}` } };
  }
}

/** Electron's save dialog when the preload offers one, else a browser download. */
async function saveFile(file: ExportedFile): Promise<SaveResult> {
  const current = getBridge();
  if (typeof current.saveFile === 'function') {
    try {
      const saved = await current.saveFile(file);
      return saved.ok ? { ok: true, value: { savedTo: saved.value } } : saved;
    } catch (err) {
      return { ok: false, error: internalError(err) };
    }
  }
  try {
    downloadFile(file);
    return { ok: true, value: { savedTo: file.filename, download: true } };
  } catch (err) {
    return { ok: false, error: { code: 'internal', message: `The browser refused the download: ${internalError(err).message}` } };
  }
}

export const api: AppApi = {
  appInfo: () => call('app.info', {}),
  runSession: (request) => call('session.run', request),
  openLiveSession: (connection, profileId, operation) =>
    call('session.open', { connection, ...defined({ profileId }), ...(operation ? { operation } : {}) }),
  authenticate: (sessionId, auth) => call('session.authenticate', { sessionId, auth }),
  send: (sessionId, message) => call('session.send', { sessionId, message }),
  verify: (sessionId, address, expand) => call('session.verify', { sessionId, address, expand }),
  raw: (sessionId, command) => call('session.raw', { sessionId, command }),
  cancel: (sessionId) => call('session.cancel', { sessionId }),
  closeSession: (sessionId) => call('session.close', { sessionId }),
  previewMessage: (message) => call('message.preview', { message }),

  listProfiles: () => call('profiles.list', {}),
  saveProfile: (profile) => call('profiles.save', { profile }),
  deleteProfile: (id) => call('profiles.delete', { id }),

  listSessions: () => call('sessions.list', {}),
  openSession: (id) => call('sessions.open', { id }),
  sessionEvents: (id, loadId, from, limit) => call('sessions.events', { id, loadId, from, limit }),
  deleteSession: (id) => call('sessions.delete', { id }),
  exportSessionToFile,

  startTestServer: (options = {}) => call('testServer.start', { options }),
  stopTestServer: () => call('testServer.stop', {}),
  testServerStatus: () => call('testServer.status', {}),
  testServerMessages: () => call('testServer.messages', {}),
  authenticateMessage: (id, resolver) => call('testServer.authenticate', { id, ...defined({ resolver }) }),

  checkDomain: (request) => call('domain.check', request),
  runMatrix: (request) => call('matrix.run', request),
  compareSessions: (a, b) => call('sessions.compare', { a, b }),
  exportReport: async (id, format) => {
    const file = await call('reports.export', { id, format });
    return file.ok ? saveFile(file.value) : file;
  },

  saveFile,
  canPickFiles: () => typeof getBridge().pickFiles === 'function',
  pickFiles,
  uploadFile,
  subscribe,
  onBridgeLost,
};
