/**
 * The channel names alone, with no schema library: the preload and the renderer's web client build
 * their named methods from this list and stay small. schemas.ts checks it names exactly its channels.
 */
export const REQUEST_CHANNELS = [
  'app.info',
  'session.probe',
  'session.start',
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
  'sessions.delete',
  'sessions.export',
  'testServer.start',
  'testServer.stop',
  'testServer.status',
  'testServer.messages',
] as const;

export type RequestChannel = (typeof REQUEST_CHANNELS)[number];

export const EVENT_CHANNELS = ['transcript', 'session-state', 'progress', 'test-server'] as const;

export type EventChannel = (typeof EVENT_CHANNELS)[number];
