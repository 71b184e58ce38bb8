import type {
  AppInfo,
  Bridge,
  ErrorDto,
  EventChannel,
  EventMap,
  RequestChannel,
  RequestOf,
  ResponseMap,
  Result,
  TestServerStatus,
} from '../../../shared/ipc/contract.js';
import type { ConnectionSettings, AuthSettings, TestServerOptions } from '../../../shared/ipc/schemas.js';
import type { SessionRecord } from '../../../shared/session-record.js';
import { createWebBridge, type WebBridge } from './web-bridge.js';

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

/** Call one request channel. Never rejects: a thrown error (a broken bridge) becomes an 'internal' Result error. */
export async function call<C extends RequestChannel>(channel: C, request: RequestOf<C>): Promise<Result<ResponseMap[C]>> {
  try {
    const method = getBridge()[channel] as unknown as (request: RequestOf<C>) => Promise<Result<ResponseMap[C]>>;
    return await method(request);
  } catch (err) {
    return { ok: false, error: internalError(err) };
  }
}

/** Subscribe to an event pushed by main or the web host; returns the unsubscribe function. */
export function subscribe<E extends EventChannel>(channel: E, listener: (payload: EventMap[E]) => void): () => void {
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

/** The typed operations the app uses. Grows with the UI; the store receives this object (tests pass a fake). */
export interface AppApi {
  appInfo(): Promise<Result<AppInfo>>;
  probe(connection: ConnectionSettings, auth?: AuthSettings): Promise<Result<SessionRecord>>;
  startTestServer(options?: TestServerOptions): Promise<Result<TestServerStatus>>;
  stopTestServer(): Promise<Result<TestServerStatus>>;
  testServerStatus(): Promise<Result<TestServerStatus>>;
  subscribe: typeof subscribe;
  onBridgeLost: typeof onBridgeLost;
}

export const api: AppApi = {
  appInfo: () => call('app.info', {}),
  probe: (connection, auth) => call('session.probe', auth ? { connection, auth } : { connection }),
  startTestServer: (options = {}) => call('testServer.start', { options }),
  stopTestServer: () => call('testServer.stop', {}),
  testServerStatus: () => call('testServer.status', {}),
  subscribe,
  onBridgeLost,
};
