// Over 450 lines: the registry of running sessions; each operation's glue is short but they share the entry lifecycle.
import { randomBytes } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import type { SessionState, StartedSession } from '../../../shared/ipc/contract.js';
import type { ParsedRequestOf } from '../../../shared/ipc/schemas.js';
import { usesToken } from '../../../shared/mechanisms.js';
import { withoutEvents, type Operation, type SessionRecord, type TranscriptEvent } from '../../../shared/session-record.js';
import { SmtpError } from '../../smtp/errors.js';
import { LiveSession, prepareMessage, type AuthRequest, type MessageRequest } from '../../smtp/live-session.js';
import type { SendOptions } from '../../smtp/transaction.js';
import { Transcript } from '../../smtp/transcript.js';
import { AppError } from '../services/app-error.js';
import type { ProfileStoreApi, SessionLogStoreApi, SessionLogWriter } from '../services/types.js';
import { EventBatcher, type Emit } from './event-batcher.js';
import { SessionProgress } from './session-progress.js';
import {
  scrubSecret,
  toMessageRequest,
  toSessionOptions,
  type AuthInput,
  type ComposeRequest,
  type ConnectionInput,
} from './session-requests.js';
import { defined } from '../../../shared/defined.js';

export { scrubSecret, toSessionOptions, type AuthInput, type ComposeRequest, type ConnectionInput } from './session-requests.js';

const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** What a step's answer and session-done carry: the record, its events already streamed. */
const streamed = (record: SessionRecord): SessionRecord => ({ ...withoutEvents(record), events: [] });

interface Entry {
  id: string;
  live: LiveSession;
  writer: SessionLogWriter | undefined;
  /** Who started it: its events go there (the web host's tab); undefined, to every renderer. */
  owner: unknown;
  progress: SessionProgress;
  /** The work main runs for it (`session.run`, or the opening of `session.open`), while it runs. */
  running: Promise<void> | undefined;
  finishing: Promise<void> | undefined;
}

export interface SessionServiceOptions {
  profiles: ProfileStoreApi;
  logs: SessionLogStoreApi;
  emit: Emit;
  /** Most sessions at once (default 32). */
  maxSessions?: number;
  /** Shortest time between two progress events of a session (default 100 ms: at most 10 a second). */
  progressIntervalMs?: number;
  /** Longest a batch of transcript events waits before it is sent (default 50 ms). */
  batchIntervalMs?: number;
}

/**
 * Runs the SMTP sessions of the app, by id: main owns each session's lifecycle. `run` does one operation from connect
 * to QUIT; `open` keeps a session for steps. Both answer at once with the id (allocated before anything connects);
 * the session's transcript (batched), state, progress and final record (`session-done`) are then told by that id, to
 * whoever started it. Every session is logged to disk as it happens. No method returns anything holding a secret: the
 * engine redacts at capture, and records of steps that used a secret are checked again here.
 */
export class SessionService {
  private readonly sessions = new Map<string, Entry>();
  private readonly allowedPaths = new Set<string>();
  private readonly uploads = new Map<string, string>();
  private readonly batcher: EventBatcher;
  private readonly maxSessions: number;
  private readonly progressIntervalMs: number;

  constructor(private readonly options: SessionServiceOptions) {
    this.batcher = new EventBatcher({
      emit: options.emit,
      recipientOf: (id) => this.sessions.get(id)?.owner,
      ...defined({ intervalMs: options.batchIntervalMs }),
    });
    this.maxSessions = options.maxSessions ?? 32;
    this.progressIntervalMs = options.progressIntervalMs ?? 100;
  }

  /** Allow sending this file as an attachment: the user picked it in a native dialog. */
  allowPath(path: string): void {
    if (!isAbsolute(path)) throw new AppError('forbidden', 'only absolute paths can be allowed');
    this.allowedPaths.add(resolve(path));
  }

  /** A file the page uploaded (the web host): attachments may name it by `id`. */
  allowUpload(id: string, path: string): void {
    this.uploads.set(id, path);
  }

  /** Forget an upload (its file was removed). */
  forgetUpload(id: string): void {
    this.uploads.delete(id);
  }

  /** Ids of the sessions held now. */
  get openSessionIds(): string[] {
    return [...this.sessions.keys()];
  }

  /**
   * One operation from connect to QUIT, run here: probe (AUTH if asked), send (the message prepared before
   * connecting), verify, raw. Answers with the id before connecting; `session-done` tells the record.
   */
  async run(request: ParsedRequestOf<'session.run'>, owner?: unknown): Promise<StartedSession> {
    // What can be checked without waiting is checked before there is a session: a refused request sends nothing.
    const prepared = request.operation === 'send' ? this.messageRequest(request.message!) : undefined;
    const entry = this.create(request.connection, request.operation, owner);
    const work = async (live: LiveSession): Promise<SessionRecord> => {
      await this.useProfileClientKey(live, request.connection, request.profileId);
      // Reading the attachments and composing happen before anything connects: a file gone sends nothing.
      const message = prepared ? await inStage('message', () => prepareMessage(prepared.message)) : undefined;
      const credentials = request.auth ? await inStage('auth', () => this.credentials(request.auth!)) : undefined;
      let record = await this.step(entry, () => live.open());
      if (record.result.ok && credentials)
        record = await this.step(entry, () => live.authenticate(credentials.request), credentials.secret);
      if (record.result.ok && message && prepared) {
        const options = prepared.options;
        // (The session's record goes on; the close below answers with all of it.)
        await this.step(entry, () => live.send(message, { ...options, onProgress: entry.progress.onBytes }));
      } else if (record.result.ok && request.operation === 'verify') {
        await this.step(entry, () => live.verify(request.address!, request.expand));
      } else if (record.result.ok && request.operation === 'raw') {
        for (const line of request.commands ?? []) {
          record = await this.step(entry, () => live.raw(line));
          if (!record.result.ok) break;
        }
      }
      return this.step(entry, () => live.close(), credentials?.secret);
    };
    this.start(entry, work, false);
    return { sessionId: entry.id };
  }

  /** A session kept open for steps: answers with the id at once; `session-done` tells how the opening went. */
  async open(request: ParsedRequestOf<'session.open'>, owner?: unknown): Promise<StartedSession> {
    const entry = this.create(request.connection, request.operation, owner);
    this.start(
      entry,
      async (live) => {
        await this.useProfileClientKey(live, request.connection, request.profileId);
        return this.step(entry, () => live.open());
      },
      true,
    );
    return { sessionId: entry.id };
  }

  /** Run a session's work in the background; its end (or how it failed) is told with `session-done`. */
  private start(entry: Entry, work: (live: LiveSession) => Promise<SessionRecord>, keepOpen: boolean): void {
    entry.running = (async () => {
      // The request is answered (with the id) before the session's first event is told: wait one turn.
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.emitState(entry, 'connecting');
      let record: SessionRecord;
      try {
        record = await work(entry.live);
      } catch (caught) {
        // Input refused before anything was sent (a file gone, no stored secret): the session's result.
        record = entry.live.fail(asSessionError(caught));
        if (keepOpen) await entry.live.close();
      }
      const open = keepOpen && entry.live.state === 'ready';
      if (!open) await this.finish(entry, record);
      this.done(entry, record, open);
    })().finally(() => {
      entry.running = undefined;
    });
  }

  private done(entry: Entry, record: SessionRecord, open: boolean): void {
    entry.progress.dispose();
    this.batcher.flush(entry.id);
    this.safeEmit(() => this.options.emit('session-done', { sessionId: entry.id, record: streamed(record), open }, entry.owner));
    if (open) entry.progress = this.progressFor(entry.id, entry.owner);
  }

  async authenticate(request: ParsedRequestOf<'session.authenticate'>): Promise<SessionRecord> {
    const entry = this.get(request.sessionId);
    const credentials = await this.credentials(request.auth);
    return this.step(entry, (live) => live.authenticate(credentials.request), credentials.secret);
  }

  async send(request: ParsedRequestOf<'session.send'>): Promise<SessionRecord> {
    const entry = this.get(request.sessionId);
    const { message, options } = this.messageRequest(request.message);
    // Composing reads every attachment and checks the envelope; bad input sends nothing.
    const prepared = await prepareMessage(message);
    const progress = entry.progress;
    return this.step(entry, (live) => live.send(prepared, { ...options, onProgress: progress.onBytes }));
  }

  async verify(request: ParsedRequestOf<'session.verify'>): Promise<SessionRecord> {
    const entry = this.get(request.sessionId);
    return this.step(entry, (live) => live.verify(request.address, request.expand));
  }

  async raw(request: ParsedRequestOf<'session.raw'>): Promise<SessionRecord> {
    const entry = this.get(request.sessionId);
    return this.step(entry, (live) => live.raw(request.command));
  }

  /** Abort whatever the session is doing, at any stage (connecting included); the connection is dropped. */
  async cancel(request: ParsedRequestOf<'session.cancel'>): Promise<null> {
    this.get(request.sessionId).live.cancel();
    return null;
  }

  /** QUIT (after any running step), write the end of the log and forget the session. */
  async close(request: ParsedRequestOf<'session.close'>): Promise<SessionRecord> {
    const entry = this.get(request.sessionId);
    // A session still opening, or running an operation, ends as its own work does.
    if (entry.running) await entry.running;
    if (entry.finishing) return streamed(entry.live.record());
    const record = await this.step(entry, (live) => live.close());
    await this.finish(entry, record);
    entry.progress.dispose();
    return record;
  }

  /**
   * QUIT every open session, all at once, within about `timeoutMs` in all: sessions still busy after
   * most of it are cancelled (connection dropped) and their logs ended anyway. Used when the app quits.
   */
  async closeAll(timeoutMs = 5000): Promise<void> {
    const entries = [...this.sessions.values()];
    await Promise.all(
      entries.map(async (entry) => {
        const closing = this.close({ sessionId: entry.id }).then(
          () => true,
          () => true,
        );
        // Most of the time for a polite QUIT, the rest for a cancelled step to unwind.
        const politeMs = Math.round(timeoutMs * 0.8);
        if (await within(closing, politeMs)) return;
        entry.live.cancel();
        if (await within(closing, timeoutMs - politeMs)) return;
        await this.finish(entry, entry.live.record());
      }),
    );
    this.batcher.flush();
    try {
      await this.options.logs.flushAll();
    } catch (error) {
      console.error('smtp-lens: could not flush the session logs:', error);
    }
  }

  /** Stop timers; sessions are not closed (call closeAll first). */
  dispose(): void {
    for (const entry of this.sessions.values()) entry.progress.dispose();
    this.batcher.dispose();
  }

  // ---------------------------------------------------------------------------------------------

  private get(sessionId: string): Entry {
    const entry = this.sessions.get(sessionId);
    if (!entry) throw new AppError('not-found', 'no such session (it was closed, or the app restarted)');
    return entry;
  }

  private newId(): string {
    let id: string;
    do id = randomBytes(12).toString('base64url');
    while (this.sessions.has(id));
    return id;
  }

  /** Make room for one more session: forget finished ones first, refuse when every slot is live. */
  private makeRoom(): void {
    if (this.sessions.size < this.maxSessions) return;
    for (const entry of this.sessions.values()) {
      if (!entry.running && (entry.live.state === 'failed' || entry.live.state === 'closed')) {
        void this.finish(entry, entry.live.record());
        if (this.sessions.size < this.maxSessions) return;
      }
    }
    throw new AppError('busy', `too many sessions open (${this.maxSessions}); close some first`);
  }

  private progressFor(sessionId: string, owner: unknown): SessionProgress {
    return new SessionProgress(
      sessionId,
      (payload) => this.safeEmit(() => this.options.emit('progress', payload, owner)),
      this.progressIntervalMs,
    );
  }

  /** A session and its log, registered by id before anything connects. */
  private create(connection: ConnectionInput, operation: Operation, owner: unknown): Entry {
    const options = toSessionOptions(connection);
    this.makeRoom();
    const early: TranscriptEvent[] = [];
    // eslint-disable-next-line prefer-const -- assigned once the id is known; the hooks below may run before that
    let entry: Entry | undefined;
    const transcript = new Transcript({
      onEvent: (event) => {
        if (entry) this.onEvent(entry, event);
        else early.push(event);
      },
      // A session's events go to its log and, batched, to the renderer: main keeps none of them, so neither a
      // long session nor many open ones make it grow (and no step's answer carries the transcript again).
      retain: false,
    });
    // The progress reporter is made once the id is known; the engine's hooks reach it through the entry.
    const live = new LiveSession(
      {
        ...options,
        transcript,
        onStage: (stage) => entry?.progress.onStage(stage),
        onHint: (hint) => entry?.progress.onHint(hint),
      },
      operation,
      {
        onState: (state, error) => {
          if (entry) this.emitState(entry, state, error);
        },
      },
    );
    let writer: SessionLogWriter | undefined;
    try {
      writer = this.options.logs.create(live.record());
    } catch (error) {
      // The session is still useful without its log; say why it will not be in the history.
      console.error('smtp-lens: could not start a session log:', error);
    }
    // The session's id is its log's id, so the renderer can find it in the history later.
    const id = writer && SESSION_ID.test(writer.id) && !this.sessions.has(writer.id) ? writer.id : this.newId();
    entry = { id, live, writer, owner, progress: this.progressFor(id, owner), running: undefined, finishing: undefined };
    this.sessions.set(id, entry);
    for (const event of early) this.onEvent(entry, event);
    return entry;
  }

  private onEvent(entry: Entry, event: TranscriptEvent): void {
    if (entry.writer && !entry.finishing) {
      const writer = entry.writer;
      safely('append to the session log', () => writer.appendEvents([event]));
    }
    this.batcher.push(entry.id, event);
  }

  private emitState(entry: Entry, state: SessionState, error?: SmtpError): void {
    // Lines first, then the state they led to.
    this.batcher.flush(entry.id);
    this.safeEmit(() =>
      this.options.emit('session-state', { sessionId: entry.id, state, ...(error ? { error: error.toJSON() } : {}) }, entry.owner),
    );
  }

  private safeEmit(send: () => void): void {
    safely('emit an event', send);
  }

  /** Run one step; its record is checked, logged as a snapshot, and its events sent before it is returned. */
  private async step(entry: Entry, work: (live: LiveSession) => Promise<SessionRecord>, secret?: string): Promise<SessionRecord> {
    const record = scrubSecret(await work(entry.live), secret);
    this.batcher.flush(entry.id);
    if (entry.writer && !entry.finishing) {
      const writer = entry.writer;
      safely('snapshot the session log', () => writer.snapshot(streamed(record)));
    }
    return record;
  }

  /** End the log (once) and forget the session. */
  private finish(entry: Entry, record: SessionRecord): Promise<void> {
    if (!entry.finishing) {
      this.batcher.flush(entry.id);
      this.sessions.delete(entry.id);
      const writer = entry.writer;
      entry.finishing = writer
        ? writer.close(streamed(record)).catch((error: unknown) => {
            console.error('smtp-lens: could not end the session log:', error);
          })
        : Promise.resolve();
    }
    return entry.finishing;
  }

  /**
   * The profile's stored TLS client key, given to the session before it connects, when the connection names a client
   * certificate but carries no key (the renderer never receives a stored key, so it sends the profile's id instead).
   */
  private async useProfileClientKey(live: LiveSession, connection: ConnectionInput, profileId: string | undefined): Promise<void> {
    if (profileId === undefined || connection.clientCertPem === undefined || connection.clientKeyPem !== undefined) return;
    const clientKeyFor = this.options.profiles.clientKeyFor?.bind(this.options.profiles);
    const key = clientKeyFor ? await clientKeyFor(profileId) : undefined;
    if (key === undefined) {
      throw new AppError('not-found', 'no client key is stored for this profile; load the key file for the client certificate');
    }
    live.useClientKey(key);
  }

  /** The credentials for one AUTH: the secret given now, or the one stored with a profile. */
  private async credentials(auth: AuthInput): Promise<{ request: AuthRequest; secret: string }> {
    let secret = auth.secret;
    if (secret === undefined && auth.profileId !== undefined) {
      secret = await this.options.profiles.secretFor(auth.profileId);
      if (secret === undefined) throw new AppError('not-found', 'no secret is stored for this profile; enter it');
    }
    if (secret === undefined) throw new SmtpError('invalid-input', 'authentication needs a password or token');
    const request: AuthRequest = {
      user: auth.user,
      ...(usesToken(auth.mechanism) ? { token: secret } : { password: secret }),
      ...defined({ authzid: auth.authzid }),
      mechanism: auth.mechanism,
      initialResponse: auth.initialResponse,
    };
    return { request, secret };
  }

  /**
   * The engine's message request and send options for the renderer's compose form. Path attachments must have been
   * picked in a native dialog (`allowPath`), uploads made to this host (`allowUpload`). Also used by `message.preview`.
   */
  messageRequest(m: ComposeRequest): { message: MessageRequest; options: SendOptions } {
    return toMessageRequest(m, {
      isPicked: (path) => this.allowedPaths.has(path),
      uploaded: (id) => this.uploads.get(id),
    });
  }
}

/** Work on the input of one part of a session: how it fails says which part (`stage`: message, auth). */
async function inStage<T>(stage: 'message' | 'auth', work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asSessionError(error, stage);
  }
}

/** A failure before anything was sent, as the session's error. */
function asSessionError(error: unknown, stage?: string): unknown {
  if (error instanceof SmtpError) {
    return stage && !error.stage
      ? new SmtpError(error.code, error.message, { command: error.command, stage, cause: error, hint: error.hint })
      : error;
  }
  if (error instanceof AppError) return new SmtpError('invalid-input', error.message, stage ? { stage } : {});
  return error;
}

/** Whether the promise settled within the time. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function safely(what: string, work: () => void): void {
  try {
    work();
  } catch (error) {
    console.error(`smtp-lens: could not ${what}:`, error);
  }
}
