import { BrowserWindow, shell } from 'electron';
import type { Session, WebContents } from 'electron';
import { APP_INDEX_URL, allowedExternalUrl, isAppUrl, webPreferences } from './security.js';

/**
 * The main window and the guards every webContents gets. Thin glue: the decisions are in security.ts.
 */

/** Opens an allow-listed https URL in the user's browser; anything else is dropped. */
function openExternalIfAllowed(url: string): void {
  const allowed = allowedExternalUrl(url);
  if (allowed !== null) void shell.openExternal(allowed).catch(() => undefined);
}

const hardened = new WeakSet<WebContents>();

/**
 * Applied to EVERY webContents (main.ts calls it from `web-contents-created`; createMainWindow applies it too):
 * no navigation away from the app, no redirects out of it, no new windows (allowed https links go to the OS
 * browser), no <webview>.
 */
export function hardenWebContents(contents: WebContents): void {
  if (hardened.has(contents)) return; // once per webContents, whoever calls first
  hardened.add(contents);
  const guardNavigation = (event: { preventDefault(): void }, url: string) => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    openExternalIfAllowed(url);
  };
  contents.on('will-navigate', (event) => guardNavigation(event, event.url));
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    openExternalIfAllowed(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
}

/** Denies every permission (camera, notifications, clipboard-read, geolocation, HID/USB/serial devices, …). */
export function denyAllPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

export function createMainWindow(options: { preload: string }): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    title: 'SMTP Lens',
    show: false,
    backgroundColor: '#ffffff',
    webPreferences: webPreferences(options.preload),
  });
  hardenWebContents(win.webContents);
  denyAllPermissions(win.webContents.session);
  win.once('ready-to-show', () => win.show());
  win.loadURL(APP_INDEX_URL).catch((error: unknown) => {
    console.error('smtp-lens: the window could not load the app:', error);
  });
  return win;
}
