/**
 * The channel names alone, with no schema library: the preload and the renderer's web client build
 * their named methods from this list and stay small. schemas.ts checks it names exactly its channels.
 */
export const REQUEST_CHANNELS = [
  'app.info',
  'session.run',
  'session.open',
  'session.authenticate',
  'session.send',
  'session.verify',
  'session.raw',
  'session.cancel',
  'session.close',
  'message.preview',
  'profiles.list',
  'profiles.save',
  'profiles.delete',
  'sessions.list',
  'sessions.open',
  'sessions.events',
  'sessions.delete',
  'sessions.exportToFile',
  'testServer.start',
  'testServer.stop',
  'testServer.status',
  'testServer.messages',
  'testServer.authenticate',
  'domain.check',
  'matrix.run',
  'sessions.compare',
  'reports.export',
] as const;

export type RequestChannel = (typeof REQUEST_CHANNELS)[number];

/**
 * Electron-only channels: the native dialogs. Part of the same map, validated the same way (DIALOG_SCHEMAS in
 * schemas.ts); the web host has none (the page downloads or uploads instead).
 */
export const DIALOG_CHANNELS = { saveFile: 'dialog.saveFile', pickFiles: 'dialog.pickFiles' } as const;
export type DialogChannel = (typeof DIALOG_CHANNELS)[keyof typeof DIALOG_CHANNELS];

/** What a native open dialog picks files for (its filters and title follow). */
export const PICK_PURPOSES = ['attachment', 'ca', 'client-cert', 'client-key'] as const;
export type PickPurpose = (typeof PICK_PURPOSES)[number];

export const EVENT_CHANNELS = ['transcript', 'session-state', 'progress', 'session-done', 'test-server'] as const;

export type EventChannel = (typeof EVENT_CHANNELS)[number];

/**
 * Saved sessions open page by page (`sessions.open`, then `sessions.events`): events in the first answer, in each
 * later page the renderer asks for, and the most one request may ask for. Here (no schema library) so that the
 * renderer, main and the benchmark share them.
 */
export const SESSION_FIRST_PAGE = 10_000;
export const SESSION_PAGE = 25_000;
export const SESSION_PAGE_MAX = 100_000;
