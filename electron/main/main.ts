import { type BrowserWindow, app, dialog, safeStorage } from 'electron';
import { createAppServices } from '../app/api/create-app.js';
import type { AppServices } from '../app/api/create-app.js';
import { handleAppProtocol, registerAppScheme } from './app-protocol.js';
import { createEmitter, registerIpc, showSaveDialog } from './ipc-router.js';
import { appPaths } from './security.js';
import { openSafeStorageSecretStore } from '../app/services/secret-store.js';
import { createMainWindow, hardenWebContents } from './window.js';

/**
 * The Electron main process. An ES module (package.json "type": "module"); Electron runs the side effects of the
 * entry's static import graph before `ready`, so everything that must precede `ready` (the privileged scheme,
 * the sandbox switch) is done synchronously here at the top level, with no top-level await before it.
 */

const SHUTDOWN_TIMEOUT_MS = 5000;
const SESSION_CLOSE_TIMEOUT_MS = 3000;

registerAppScheme();
// Sandbox every renderer, whatever options a webContents is created with.
app.enableSandbox();

let mainWindow: BrowserWindow | null = null;
let services: AppServices | null = null;

const getMainWindow = (): BrowserWindow | null => (mainWindow !== null && !mainWindow.isDestroyed() ? mainWindow : null);

function openMainWindow(preload: string): void {
  mainWindow = createMainWindow({ preload });
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
}

async function start(): Promise<void> {
  const paths = appPaths(app.getAppPath());
  services = await createAppServices({
    dataDir: app.getPath('userData'),
    // After ready: before it, Linux cannot tell which key store backs safeStorage.
    secrets: await openSafeStorageSecretStore(safeStorage),
    emit: createEmitter(getMainWindow),
    host: 'electron',
    version: app.getVersion(),
    // Exports: main asks where to save and writes the file itself (it never passes through the renderer).
    chooseSavePath: (defaultName) => showSaveDialog(getMainWindow, defaultName),
  });
  handleAppProtocol(paths.rendererRoot);
  registerIpc({ handlers: services.handlers, sessions: services.sessions, getMainWindow });
  openMainWindow(paths.preload);
  app.on('activate', () => {
    if (getMainWindow() === null) openMainWindow(paths.preload);
  });
}

/** Resolves when `promise` settles or after `ms`, whichever is first; never rejects. */
function bounded(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      console.error(`smtp-lens: shutdown did not finish within ${ms} ms; quitting anyway`);
      resolve();
    }, ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error: unknown) => {
        console.error('smtp-lens: shutdown failed:', error);
        clearTimeout(timer);
        resolve();
      },
    );
  });
}

/**
 * QUIT open SMTP sessions (each bounded by SESSION_CLOSE_TIMEOUT_MS), stop the test server, then flush the session
 * logs: AppServices.shutdown does these in that order (sessions.closeAll, testServer.stop, logs.flushAll).
 */
function shutdown(): Promise<void> {
  return services === null ? Promise.resolve() : services.shutdown(SESSION_CLOSE_TIMEOUT_MS);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const win = getMainWindow();
    if (win === null) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  // The global guard: whatever webContents comes to exist (a window, a devtools host, anything), it may not
  // navigate away, open windows or attach a <webview>.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

  let shutdownState: 'running' | 'shutting-down' | 'done' = 'running';
  app.on('before-quit', (event) => {
    if (shutdownState === 'done') return;
    event.preventDefault();
    if (shutdownState === 'shutting-down') return;
    shutdownState = 'shutting-down';
    void bounded(shutdown(), SHUTDOWN_TIMEOUT_MS).then(() => {
      shutdownState = 'done';
      app.exit(0);
    });
  });

  app.on('window-all-closed', () => app.quit());

  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error('smtp-lens: start-up failed:', message);
      dialog.showErrorBox('SMTP Lens could not start', message);
      app.exit(1);
    });
}
