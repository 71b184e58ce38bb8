import type { StateCreator } from 'zustand';
import type { ComposeSlice } from './compose-slice.js';
import type { ConnectionSlice } from './connection-slice.js';
import type { ExplainSlice } from './explain-slice.js';
import type { ProfilesSlice } from './profiles-slice.js';
import type { ReportsSlice } from './reports-slice.js';
import type { SessionSlice } from './session-slice.js';
import type { SessionsSlice } from './sessions-slice.js';
import type { TestServerSlice } from './test-server-slice.js';
import type { TranscriptSlice } from './transcript-slice.js';
import type { UiSlice } from './ui-slice.js';

/** The whole renderer state: one store made of slices, each owning one top-level key and its actions. */
export type AppState = ComposeSlice &
  ConnectionSlice &
  ExplainSlice &
  ProfilesSlice &
  ReportsSlice &
  SessionSlice &
  SessionsSlice &
  TestServerSlice &
  TranscriptSlice &
  UiSlice;

/** A slice creator that can read (and call) the other slices through `get`. */
export type SliceCreator<T> = StateCreator<AppState, [], [], T>;
