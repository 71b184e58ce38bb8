import type { SmtpErrorCode, SmtpErrorInfo } from '../errors.js';
import type { SessionHint, SessionRecord, SessionStage, TranscriptEvent } from '../session-record.js';
import { EVENT_CHANNELS, PICK_PURPOSES, type EventChannel, type PickPurpose, type RequestChannel } from './channels.js';

export { PICK_PURPOSES, type PickPurpose };
import type { ConnectionSettings, RequestOf } from './schemas.js';
import type { CompareReport, DomainReport, MatrixReport } from '../outside-report.js';
import type { SenderAuthentication } from '../sender-auth.js';

/**
 * The typed contract between the renderer and main (or the web host). One map of request channels
 * with their request and response types, one map of events. Electron IPC and the web host's WebSocket
 * both carry exactly this; the renderer cannot tell them apart.
 */

/** Errors that are not the SMTP engine's. */
export type AppErrorCode = 'dns-failed' | 'not-found' | 'storage-failed' | 'secret-store-unavailable' | 'busy' | 'forbidden' | 'internal';
export type ErrorCode = SmtpErrorCode | AppErrorCode;

/** A typed error as it crosses the boundary: the engine's fields, or an application code. */
export interface ErrorDto extends Omit<SmtpErrorInfo, 'code'> {
  code: ErrorCode;
  /** For invalid input: which fields were wrong and why. */
  issues?: { path: string; message: string }[];
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorDto };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (error: ErrorDto): Result<never> => ({ ok: false, error });

export interface AppInfo {
  version: string;
  /** Which host serves the contract. */
  host: 'electron' | 'web';
  /** Whether secrets can be stored; when not, the reason to show ("ask each time"). */
  secretStorage: { available: boolean; reason?: string };
  /** Where sessions and profiles are kept. */
  dataDirectory: string;
}

export interface ProfileSummary {
  id: string;
  name: string;
  connection: ConnectionSettings;
  auth?: { mechanism: string; user: string; authzid?: string };
  /** A secret is stored for it (the secret itself never reaches the renderer). */
  hasSecret: boolean;
  /** A TLS client key is stored for its client certificate (usable now); main fills it in when `profileId` is passed. */
  hasClientKey?: boolean;
  updatedAt: string;
}

export interface SavedSessionSummary {
  id: string;
  operation: SessionRecord['operation'];
  target: string;
  startedAt: string;
  /**
   * ok, failed, open (the session is live: its log has no end yet), or interrupted (its log has no end and nothing
   * writes it: the app or CLI was killed or crashed while it ran).
   */
  status: 'ok' | 'failed' | 'open' | 'interrupted';
  errorCode?: string;
  /** The delivery verdict of a send: delivered, partial, none, or unknown. */
  verdict?: SessionRecord['result']['verdict'];
  events: number;
  bytes: number;
}

/**
 * What `sessions.open` answers: the record as its log ends (the latest snapshot, or the end line) with the first page
 * of its events. When `more` is present the rest follows page by page through `sessions.events`; otherwise
 * `record.events` holds every event.
 */
export interface OpenedSession {
  record: SessionRecord;
  /** ok/failed from the end line's result; open while the session is live; interrupted when its log ended early. */
  status: SavedSessionSummary['status'];
  /** Lines of the log that could not be read and were skipped, so far. */
  damagedLines: number;
  more?: SessionLoad;
}

/** A log being read page by page: where the next page starts and how far along reading is. */
export interface SessionLoad {
  /** Names main's reader of this log for `sessions.events`. */
  loadId: string;
  /** Index of the next event (the events so far are 0 … next-1). */
  next: number;
  /** How many events the log says it holds (its end line's count), when known. */
  expectedEvents?: number;
  /** Bytes of the log read so far, of `bytes` (its size when it was opened). */
  bytesRead: number;
  bytes: number;
}

/** One page of `sessions.events`. */
export interface SessionEventsPage {
  events: TranscriptEvent[];
  /** Index of the event after the last one given. */
  next: number;
  /** Every event of the log has been given. */
  done: boolean;
  /** Lines skipped as unreadable, from the start of the log up to where this page ends (`bytesRead`). */
  damagedLines: number;
  bytesRead: number;
  bytes: number;
}

/**
 * A session main runs (`session.run`) or keeps open (`session.open`), answered before it connects: its id. Its
 * transcript is streamed on the `transcript` channel, its progress on `progress`, and its record comes with
 * `session-done`; the records of steps carry no events (main keeps none: the session log on disk has them) but say how
 * many there are (`eventCount`).
 */
export interface StartedSession {
  sessionId: string;
}

export interface ExportedFile {
  filename: string;
  mimeType: string;
  content: string;
}

/**
 * What `sessions.exportToFile` answers. Electron: where main saved the file, or that the user cancelled the save
 * dialog. The web host: the path (on the host, without the token) from which the browser downloads the file, and its
 * name.
 */
export type ExportToFileResult = { saved: string } | { cancelled: true } | { download: { path: string; filename: string } };

export interface TestServerListener {
  kind: 'plain' | 'starttls' | 'implicit' | 'lmtp';
  protocol: 'smtp' | 'lmtp';
  tls: 'off' | 'starttls' | 'implicit';
  host?: string;
  port?: number;
  socketPath?: string;
}

export interface TestServerStatus {
  running: boolean;
  listeners: TestServerListener[];
  /** The test account (shown to the user: it protects nothing real). */
  account?: { user: string; password: string };
  /** PEM of the generated self-signed certificate, to trust it explicitly. */
  certificatePem?: string;
  fingerprint256?: string;
  messageCount: number;
}

export interface ReceivedMessage {
  id: string;
  receivedAt: string;
  listener: TestServerListener['kind'];
  envelopeFrom: string;
  envelopeTo: string[];
  size: number;
  /** The message as received, UTF-8 decoded (truncated past 1 MB, with `truncated` set). */
  raw: string;
  truncated: boolean;
  secure: boolean;
  user?: string;
  /** The client's address (absent on a Unix socket) and the name it gave in EHLO/HELO/LHLO: what SPF checks. */
  clientAddress?: string;
  clientHelo?: string;
}

/**
 * What `message.preview` answers: the envelope and the message exactly as `session.send` would compose them
 * (Bcc never appears in the raw message). Date, Message-ID and MIME boundaries are made afresh on each compose,
 * so they differ between a preview and the message sent.
 */
export interface MessagePreview {
  envelopeFrom: string;
  envelopeTo: string[];
  /** Bytes of the message as given to DATA/BDAT (CRLF line endings, before dot-stuffing). */
  size: number;
  /** The first 256 KB of the message, UTF-8 decoded. */
  raw: string;
  /** Whether `raw` stops before the end of the message. */
  truncated: boolean;
  messageId?: string;
  /** An address or a raw UTF-8 header needs SMTPUTF8. */
  needsSmtpUtf8: boolean;
  /** The message has 8-bit bytes (BODY=8BITMIME). */
  eightBit: boolean;
}

/** Response type of each request channel. */
export interface ResponseMap {
  'app.info': AppInfo;
  'session.run': StartedSession;
  'session.open': StartedSession;
  'session.authenticate': SessionRecord;
  'session.send': SessionRecord;
  'session.verify': SessionRecord;
  'session.raw': SessionRecord;
  'session.cancel': null;
  'session.close': SessionRecord;
  'message.preview': MessagePreview;
  'profiles.list': ProfileSummary[];
  'profiles.save': ProfileSummary;
  'profiles.delete': null;
  'sessions.list': SavedSessionSummary[];
  'sessions.open': OpenedSession;
  'sessions.events': SessionEventsPage;
  'sessions.delete': null;
  'sessions.exportToFile': ExportToFileResult;
  'testServer.start': TestServerStatus;
  'testServer.stop': TestServerStatus;
  'testServer.status': TestServerStatus;
  'testServer.messages': ReceivedMessage[];
  'testServer.authenticate': SenderAuthentication;
  'domain.check': DomainReport;
  'matrix.run': MatrixReport;
  'sessions.compare': CompareReport;
  'reports.export': ExportedFile;
}

export type SessionState = 'connecting' | 'ready' | 'busy' | 'closed' | 'failed';

/** Events main pushes to the renderer. */
export interface EventMap {
  /** Transcript events, batched (at most every 50 ms or 1000 events). */
  transcript: { sessionId: string; events: TranscriptEvent[] };
  'session-state': { sessionId: string; state: SessionState; error?: ErrorDto };
  /**
   * Where a session is: its stage (and how long it has been in it), the body's bytes sent, a hint while it waits.
   * At most about ten a second; the latest always arrives.
   */
  progress: {
    sessionId: string;
    stage?: SessionStage;
    /** Milliseconds the session has been in `stage` when this was sent. */
    elapsedMs?: number;
    bytesSent?: number;
    totalBytes?: number;
    hint?: SessionHint;
  };
  /**
   * A `session.run` ended (after QUIT), or a `session.open` finished opening: the record (without events; `eventCount`
   * says how many there were). `open`: the session stays open for steps.
   */
  'session-done': { sessionId: string; record: SessionRecord; open: boolean };
  'test-server': TestServerStatus;
}

// Every event channel has a payload type, and every payload type a channel.
const eventsMatch: [EventChannel] extends [keyof EventMap] ? ([keyof EventMap] extends [EventChannel] ? true : never) : never = true;
void eventsMatch;
export { EVENT_CHANNELS, type EventChannel };

/** The API the renderer sees: one method per request channel, all returning a Result. */
export type Api = {
  [C in RequestChannel]: (request: RequestOf<C>) => Promise<Result<ResponseMap[C]>>;
};

/** Subscribing to events; returns an unsubscribe function. */
export type Subscribe = <E extends EventChannel>(channel: E, listener: (payload: EventMap[E]) => void) => () => void;

/**
 * What the preload exposes as `window.smtpLens` (and what the web client implements): one named method
 * per request channel (built from REQUEST_CHANNELS, nothing else), event subscription, and two
 * Electron-only native dialogs.
 */
export interface Bridge extends Api {
  on: Subscribe;
  /** Electron only: a native save dialog for an exported file; resolves to the saved path, or null if cancelled. */
  saveFile?(file: ExportedFile): Promise<Result<string | null>>;
  /** Electron only: a native open dialog; resolves to the picked files. */
  pickFiles?(options: { purpose: PickPurpose }): Promise<Result<{ path: string; name: string; size: number }[]>>;
}

export type { RequestChannel, RequestOf };
