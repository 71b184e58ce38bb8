import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type BrowserWindow, dialog, ipcMain } from 'electron';
import type { IpcMainInvokeEvent, WebContents } from 'electron';
import { fail, ok } from '../../shared/ipc/contract.js';
import type { EventChannel, EventMap, Result } from '../../shared/ipc/contract.js';
import { DIALOG_CHANNELS, REQUEST_CHANNELS } from '../../shared/ipc/channels.js';
import { DIALOG_SCHEMAS } from '../../shared/ipc/schemas.js';
import { dispatch, parseRequest } from '../app/api/dispatch.js';
import { isTrustedSender, pickDialogOptions, safeDefaultFilename } from './security.js';

/**
 * Electron IPC for the contract: one `ipcMain.handle` per request channel, each refusing any sender that is not
 * the main frame of the app's own page in the main window, then handing the request to the shared dispatcher
 * (which validates it with the channel's schema). Plus the two Electron-only native dialogs.
 */

export interface IpcRouterOptions {
  handlers: Parameters<typeof dispatch>[0];
  sessions: { allowPath(path: string): void };
  /** The main window, when there is one; only its webContents may call. */
  getMainWindow(): BrowserWindow | null;
}

const forbidden = (): Result<never> => fail({ code: 'forbidden', message: 'this sender may not use the API' });

function senderIsTrusted(event: IpcMainInvokeEvent, main: BrowserWindow | null): boolean {
  if (main === null || main.isDestroyed() || event.sender !== main.webContents) return false;
  const frame = event.senderFrame;
  if (frame === null) return false;
  return isTrustedSender(frame.url, frame.parent === null);
}

// dispatch() never throws; should the glue itself fail, log it here and tell the renderer nothing internal.
function internal(error: unknown): Result<never> {
  console.error('[ipc] unexpected failure:', error);
  return fail({ code: 'internal', message: 'an internal error occurred (see the application log)' });
}

/** Registers every handler; returns a function that removes them (for tests of the glue, or a reload). */
export function registerIpc(options: IpcRouterOptions): () => void {
  const { handlers, sessions, getMainWindow } = options;
  const registered: string[] = [];

  const handle = (channel: string, run: (payload: unknown) => Promise<Result<unknown>>) => {
    ipcMain.handle(channel, async (event, payload: unknown): Promise<Result<unknown>> => {
      if (!senderIsTrusted(event, getMainWindow())) return forbidden();
      try {
        return await run(payload);
      } catch (error) {
        return internal(error);
      }
    });
    registered.push(channel);
  };

  for (const channel of REQUEST_CHANNELS) {
    handle(channel, (payload) => dispatch(handlers, channel, payload));
  }

  handle(DIALOG_CHANNELS.saveFile, async (payload) => {
    const parsed = parseRequest(DIALOG_SCHEMAS[DIALOG_CHANNELS.saveFile], DIALOG_CHANNELS.saveFile, payload);
    if (!parsed.ok) return parsed;
    const file = parsed.value;
    const filePath = await showSaveDialog(getMainWindow, safeDefaultFilename(file.filename));
    if (filePath === undefined) return ok(null);
    try {
      await writeFile(filePath, file.content, 'utf8');
    } catch (error) {
      return fail({ code: 'storage-failed', message: `could not write ${filePath}: ${(error as Error).message}` });
    }
    return ok(filePath);
  });

  handle(DIALOG_CHANNELS.pickFiles, async (payload) => {
    const parsed = parseRequest(DIALOG_SCHEMAS[DIALOG_CHANNELS.pickFiles], DIALOG_CHANNELS.pickFiles, payload);
    if (!parsed.ok) return parsed;
    const request = parsed.value;
    const spec = pickDialogOptions(request.purpose);
    const win = getMainWindow();
    const options: Electron.OpenDialogOptions = {
      title: spec.title,
      properties: spec.multiple ? ['openFile', 'multiSelections'] : ['openFile'],
      filters: spec.filters,
    };
    const picked = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    if (picked.canceled) return ok([]);
    const files: { path: string; name: string; size: number }[] = [];
    for (const filePath of picked.filePaths) {
      const info = await stat(filePath).catch(() => null);
      if (info === null || !info.isFile()) continue;
      // Only files the user picked here, as attachments, may later be read by main (attachments by path).
      if (request.purpose === 'attachment') sessions.allowPath(filePath);
      files.push({ path: filePath, name: path.basename(filePath), size: info.size });
    }
    return ok(files);
  });

  return () => {
    for (const channel of registered) ipcMain.removeHandler(channel);
  };
}

/**
 * The native save dialog, parented to the main window when there is one (so it is modal to it), offering a safe form
 * of `defaultName`: the chosen path, or undefined when cancelled. `dialog:save-file` and `sessions.exportToFile`
 * (given to the services as their `chooseSavePath`) both use it.
 */
export async function showSaveDialog(getMainWindow: () => BrowserWindow | null, defaultName: string): Promise<string | undefined> {
  const win = getMainWindow();
  const options = { title: 'Export session', defaultPath: safeDefaultFilename(defaultName) };
  const picked = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
  return picked.canceled || !picked.filePath ? undefined : picked.filePath;
}

/** Pushes an event to the main window only (nothing else ever receives events). */
export function createEmitter(getMainWindow: () => BrowserWindow | null) {
  return <E extends EventChannel>(channel: E, payload: EventMap[E]): void => {
    const win = getMainWindow();
    if (win === null || win.isDestroyed()) return;
    const contents: WebContents = win.webContents;
    if (contents.isDestroyed()) return;
    contents.send(channel, payload);
  };
}
