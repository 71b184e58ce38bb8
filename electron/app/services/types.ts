import type {
  OpenedSession,
  ProfileSummary,
  ReceivedMessage,
  SavedSessionSummary,
  SessionEventsPage,
  TestServerStatus,
} from '../../../shared/ipc/contract.js';
import type { ProfileInputSchema, TestServerOptionsSchema } from '../../../shared/ipc/schemas.js';
import type { SessionRecord, TranscriptEvent } from '../../../shared/session-record.js';
import type { z } from 'zod';

/**
 * The services behind the contract. They run in plain Node: in Electron's main process, in the web
 * host, and in tests. Only the secret store has an Electron implementation (safeStorage).
 */

/** Encrypts secrets with the OS key store; `available` is false where there is none. */
export interface SecretStore {
  readonly available: boolean;
  /** Why secrets cannot be stored, to show the user ("asked each time because …"). */
  readonly reason?: string;
  /** Ciphertext as base64. Throws AppError('secret-store-unavailable') when not available. */
  encrypt(plain: string): Promise<string>;
  decrypt(cipherBase64: string): Promise<string>;
}

export type ProfileInput = z.output<typeof ProfileInputSchema>;

export interface ProfileStoreApi {
  list(): Promise<ProfileSummary[]>;
  /** Create (no id) or update; stores `secret` encrypted when the store is available, forgets it on null. */
  save(input: ProfileInput): Promise<ProfileSummary>;
  delete(id: string): Promise<void>;
  /** The stored secret of a profile, decrypted, for main's own use only (never sent to the renderer). */
  secretFor(id: string): Promise<string | undefined>;
  /** The stored TLS client key of a profile, decrypted, for main's own use only (never sent to the renderer). */
  clientKeyFor?(id: string): Promise<string | undefined>;
  /** Problems met when loading (e.g. a corrupt file moved aside to `profiles.json.corrupt-<time>`). */
  readonly warnings: string[];
}

/** Appends one session's record to disk as it happens (JSON Lines), so a crash keeps everything so far. */
export interface SessionLogWriter {
  readonly id: string;
  /** Append transcript events (buffered, flushed at least every 100 ms and on close). */
  appendEvents(events: TranscriptEvent[]): void;
  /** Append a snapshot of the record without its events (after each step). */
  snapshot(record: SessionRecord): void;
  /** Flush and mark the log complete. */
  close(finalRecord: SessionRecord): Promise<void>;
  /** Flush what is buffered now. */
  flush(): Promise<void>;
}

/**
 * A saved session for an export of any size: the record as its log ends, without its events, and its events in order,
 * a page at a time (never the whole transcript in memory).
 */
export interface SessionRecordStream {
  /** The record with `events` left empty (kept where the rebuilt record has it, so a JSON export keeps its key order). */
  head: SessionRecord;
  /** The events from the first, in pages; each call reads the log again. Fails if the log is deleted, replaced or cut short meanwhile. */
  events(): AsyncIterable<TranscriptEvent[]>;
}

export interface SessionLogStoreApi {
  create(record: SessionRecord): SessionLogWriter;
  list(): Promise<SavedSessionSummary[]>;
  /** Rebuild the whole record from its log, even when the log has no end (the app was killed). */
  open(id: string): Promise<SessionRecord>;
  /** The record as its log ends with the first `limit` events; `more` says how to read the rest (`readEvents`). */
  openPaged(id: string, limit?: number): Promise<OpenedSession>;
  /** The next page of a log opened with `openPaged`. */
  readEvents(id: string, loadId: string, from: number, limit: number): Promise<SessionEventsPage>;
  /** The same record as `open`, as a head and its events page by page (exports); the log is read up to its size now. */
  stream(id: string): Promise<SessionRecordStream>;
  delete(id: string): Promise<void>;
  /** Flush every open writer (on quit). */
  flushAll(): Promise<void>;
}

export type TestServerOptions = z.output<typeof TestServerOptionsSchema>;

export interface TestServerApi {
  start(options: TestServerOptions): Promise<TestServerStatus>;
  stop(): Promise<TestServerStatus>;
  status(): TestServerStatus;
  messages(): ReceivedMessage[];
  /** Called whenever the status changes (started, stopped, message received). */
  onChange(listener: (status: TestServerStatus) => void): () => void;
}
