import { randomBytes } from 'node:crypto';
import { basename, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import type { SessionState, StartedSession } from '../../../shared/ipc/contract.js';
import type {
  AuthSettingsSchema,
  ComposeSchema,
  ConnectionSettingsSchema,
  ParsedRequestOf,
} from '../../../shared/ipc/schemas.js';
import type { Operation, SessionRecord, TranscriptEvent } from '../../../shared/session-record.js';
import { SmtpError } from '../../smtp/errors.js';
import { LiveSession, prepareMessage, type AuthRequest, type MessageRequest } from '../../smtp/live-session.js';
import type { AttachmentInput, ComposeInput } from '../../smtp/message/compose.js';
import type { SessionOptions } from '../../smtp/session.js';
import type { SendOptions } from '../../smtp/transaction.js';
import { Transcript } from '../../smtp/transcript.js';
import { AppError } from '../services/app-error.js';
import type { ProfileStoreApi, SessionLogStoreApi, SessionLogWriter } from '../services/types.js';
import { EventBatcher, type Emit } from './event-batcher.js';

/** Connection settings as the schema leaves them (defaults filled in). */
export type ConnectionInput = z.output<typeof ConnectionSettingsSchema>;
export type AuthInput = z.output<typeof AuthSettingsSchema>;
export type ComposeRequest = z.output<typeof ComposeSchema>;

const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Map the renderer's connection settings to the engine's session options. */
export function toSessionOptions(c: ConnectionInput): SessionOptions {
  if (c.clientKeyPem !== undefined && c.clientCertPem === undefined) {
    throw new SmtpError('invalid-input', 'a client key needs a client certificate');
  }
  const options: SessionOptions = {
    protocol: c.protocol,
    tls: c.tls,
    captureData: c.captureData,
    allowPlaintextAuth: c.allowPlaintextAuth,
    tlsOptions: {
      verify: c.verify,
      ...(c.caPem !== undefined ? { ca: c.caPem } : {}),
      ...(c.servername !== undefined ? { servername: c.servername } : {}),
      ...(c.minVersion !== undefined ? { minVersion: c.minVersion } : {}),
      ...(c.maxVersion !== undefined ? { maxVersion: c.maxVersion } : {}),
      ...(c.ciphers !== undefined ? { ciphers: c.ciphers } : {}),
      ...(c.clientCertPem !== undefined ? { cert: c.clientCertPem } : {}),
      ...(c.clientKeyPem !== undefined ? { key: c.clientKeyPem } : {}),
    },
  };
  if (c.socketPath !== undefined) options.socketPath = c.socketPath;
  else {
    if (c.host !== undefined) options.host = c.host;
    if (c.port !== undefined) options.port = c.port;
  }
  if (c.sourceAddress !== undefined) options.sourceAddress = c.sourceAddress;
  if (c.ehloName !== undefined) options.ehloName = c.ehloName;
  // One number sets every stage's timeout.
  if (c.timeoutSeconds !== undefined) options.timeouts = Math.round(c.timeoutSeconds * 1000);
  if (c.deadlineSeconds !== undefined) options.deadlineMs = Math.round(c.deadlineSeconds * 1000);
  return options;
}

/** A copy of a record without a secret that should never have been in it (belt and braces: the engine redacts at capture). */
export function scrubSecret(record: SessionRecord, secret: string | undefined): SessionRecord {
  if (!secret || secret.length < 4) return record;
  const json = JSON.stringify(record);
  const needle = JSON.stringify(secret).slice(1, -1);
  if (!json.includes(needle)) return record;
  console.error('smtp-lens: a secret reached a session record; it was removed before leaving main');
  return JSON.parse(json.split(needle).join('<redacted>')) as SessionRecord;
}

const withoutEvents = (record: SessionRecord): SessionRecord => ({ ...record, events: [] });

/** Limits how often progress is told: at most once per interval, the latest value always arrives. */
class ProgressThrottle {
  private last = -Infinity;
  private pending: [number, number] | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: (bytesSent: number, totalBytes: number) => void,
    private readonly intervalMs: number,
  ) {}

  readonly report = (bytesSent: number, totalBytes: number): void => {
    const now = performance.now();
    if (now - this.last >= this.intervalMs && !this.timer) {
      this.last = now;
      this.send(bytesSent, totalBytes);
      return;
    }
    this.pending = [bytesSent, totalBytes];
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const value = this.pending;
      this.pending = undefined;
      if (value) {
        this.last = performance.now();
        this.send(value[0], value[1]);
      }
    }, Math.max(0, this.intervalMs - (now - this.last)));
    this.timer.unref();
  };

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}

interface Entry {
  id: string;
  live: LiveSession;
  writer: SessionLogWriter | undefined;
  /** Live sessions stream events and state to the renderer; one-shot probes only log. */
  stream: boolean;
  progress: ProgressThrottle | undefined;
  finishing: Promise<void> | undefined;
}

export interface SessionServiceOptions {
  profiles: ProfileStoreApi;
  logs: SessionLogStoreApi;
  emit: Emit;
  /** Batches transcript events; one is made when not given. */
  batcher?: EventBatcher;
  /** Most sessions (live and probes) at once (default 32). */
  maxSessions?: number;
  /** Shortest time between two progress events of a session (default 100 ms: at most 10 a second). */
  progressIntervalMs?: number;
}

/**
 * Owns the live SMTP sessions the renderer drives, by id. Every session is logged to disk as it
 * happens; its transcript is streamed (batched) to the renderer, its state changes are told. No
 * method returns anything holding a secret: the engine redacts at capture, and records of steps
 * that used a secret are checked again here.
 */
export class SessionService {
  private readonly sessions = new Map<string, Entry>();
  private readonly allowedPaths = new Set<string>();
  private readonly batcher: EventBatcher;
  private readonly ownsBatcher: boolean;
  private readonly maxSessions: number;
  private readonly progressIntervalMs: number;
  private probes = 0;

  constructor(private readonly options: SessionServiceOptions) {
    this.ownsBatcher = !options.batcher;
    this.batcher = options.batcher ?? new EventBatcher({ emit: options.emit });
    this.maxSessions = options.maxSessions ?? 32;
    this.progressIntervalMs = options.progressIntervalMs ?? 100;
  }

  /** Allow sending this file as an attachment: the user picked it in a native dialog. */
  allowPath(path: string): void {
    if (!isAbsolute(path)) throw new AppError('forbidden', 'only absolute paths can be allowed');
    this.allowedPaths.add(resolve(path));
  }

  /** Ids of the sessions held now. */
  get openSessionIds(): string[] {
    return [...this.sessions.keys()];
  }

  /** Connect, greet, EHLO, TLS as asked, AUTH if asked, QUIT: one record. */
  async probe(request: ParsedRequestOf<'session.probe'>): Promise<SessionRecord> {
    const credentials = request.auth ? await this.credentials(request.auth) : undefined;
    const connection = await this.withProfileClientKey(request.connection, request.profileId);
    const entry = this.create(connection, 'probe', false);
    this.probes++;
    let record: SessionRecord;
    try {
      record = await this.step(entry, (live) => live.open());
      if (credentials) record = await this.step(entry, (live) => live.authenticate(credentials.request), credentials.secret);
      record = await this.step(entry, (live) => live.close(), credentials?.secret);
    } finally {
      this.probes--;
    }
    await this.finish(entry, record);
    return record;
  }

  /** Open a session the renderer then drives step by step. */
  async start(request: ParsedRequestOf<'session.start'>): Promise<StartedSession> {
    const connection = await this.withProfileClientKey(request.connection, request.profileId);
    const entry = this.create(connection, request.operation, true);
    this.sessions.set(entry.id, entry);
    this.emitState(entry, 'connecting');
    const record = await this.step(entry, (live) => live.open());
    return { sessionId: entry.id, record };
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
    const progress = this.progressFor(entry);
    try {
      return await this.step(entry, (live) => live.send(prepared, { ...options, onProgress: progress.report }));
    } finally {
      // Nothing of the send outlives it: a session kept open must not hold its messages.
      progress.dispose();
      if (entry.progress === progress) entry.progress = undefined;
    }
  }

  /** A session's progress events, throttled. Made here, apart from the message, so that no closure keeps the message alive. */
  private progressFor(entry: Entry): ProgressThrottle {
    entry.progress?.dispose();
    const progress = new ProgressThrottle((bytesSent, totalBytes) => {
      this.safeEmit(() => this.options.emit('progress', { sessionId: entry.id, bytesSent, totalBytes }));
    }, this.progressIntervalMs);
    entry.progress = progress;
    return progress;
  }

  async verify(request: ParsedRequestOf<'session.verify'>): Promise<SessionRecord> {
    const entry = this.get(request.sessionId);
    return this.step(entry, (live) => live.verify(request.address, request.expand));
  }

  async raw(request: ParsedRequestOf<'session.raw'>): Promise<SessionRecord> {
    const entry = this.get(request.sessionId);
    return this.step(entry, (live) => live.raw(request.command));
  }

  /** Abort whatever the session is doing; the connection is dropped. */
  async cancel(request: ParsedRequestOf<'session.cancel'>): Promise<null> {
    this.get(request.sessionId).live.cancel();
    return null;
  }

  /** QUIT (after any running step), write the end of the log and forget the session. */
  async close(request: ParsedRequestOf<'session.close'>): Promise<SessionRecord> {
    const entry = this.get(request.sessionId);
    const record = await this.step(entry, (live) => live.close());
    await this.finish(entry, record);
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
    for (const entry of this.sessions.values()) entry.progress?.dispose();
    if (this.ownsBatcher) this.batcher.dispose();
    else this.batcher.flush();
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
    if (this.sessions.size + this.probes < this.maxSessions) return;
    for (const entry of this.sessions.values()) {
      if (entry.live.state === 'failed' || entry.live.state === 'closed') {
        void this.finish(entry, entry.live.record());
        if (this.sessions.size + this.probes < this.maxSessions) return;
      }
    }
    throw new AppError('busy', `too many sessions open (${this.maxSessions}); close some first`);
  }

  private create(connection: ConnectionInput, operation: Operation, stream: boolean): Entry {
    const options = toSessionOptions(connection);
    this.makeRoom();
    const early: TranscriptEvent[] = [];
    let entry: Entry | undefined;
    const transcript = new Transcript({
      onEvent: (event) => {
        if (entry) this.onEvent(entry, event);
        else early.push(event);
      },
      // A live session's events go to its log and, batched, to the renderer: main keeps none of them, so neither a
      // long session nor many open ones make it grow (and no step's answer carries the transcript again).
      retain: !stream,
    });
    const live = new LiveSession({ ...options, transcript }, operation, {
      onState: (state, error) => {
        if (entry) this.emitState(entry, state, error);
      },
    });
    let writer: SessionLogWriter | undefined;
    try {
      writer = this.options.logs.create(withoutEvents(live.record()));
    } catch (error) {
      // The session is still useful without its log; say why it will not be in the history.
      console.error('smtp-lens: could not start a session log:', error);
    }
    // The session's id is its log's id, so the renderer can find it in the history later.
    const id = writer && SESSION_ID.test(writer.id) && !this.sessions.has(writer.id) ? writer.id : this.newId();
    entry = { id, live, writer, stream, progress: undefined, finishing: undefined };
    for (const event of early) this.onEvent(entry, event);
    return entry;
  }

  private onEvent(entry: Entry, event: TranscriptEvent): void {
    if (entry.writer && !entry.finishing) {
      const writer = entry.writer;
      safely('append to the session log', () => writer.appendEvents([event]));
    }
    if (entry.stream) this.batcher.push(entry.id, event);
  }

  private emitState(entry: Entry, state: SessionState, error?: SmtpError): void {
    if (!entry.stream) return;
    // Lines first, then the state they led to.
    this.batcher.flush(entry.id);
    this.safeEmit(() =>
      this.options.emit('session-state', { sessionId: entry.id, state, ...(error ? { error: error.toJSON() } : {}) }),
    );
  }

  private safeEmit(send: () => void): void {
    safely('emit an event', send);
  }

  /** Run one step; its record is checked, logged as a snapshot, and its events sent before it is returned. */
  private async step(entry: Entry, work: (live: LiveSession) => Promise<SessionRecord>, secret?: string): Promise<SessionRecord> {
    const record = scrubSecret(await work(entry.live), secret);
    if (entry.stream) this.batcher.flush(entry.id);
    if (entry.writer && !entry.finishing) {
      const writer = entry.writer;
      safely('snapshot the session log', () => writer.snapshot(withoutEvents(record)));
    }
    return record;
  }

  /** End the log (once) and forget the session. */
  private finish(entry: Entry, record: SessionRecord): Promise<void> {
    if (!entry.finishing) {
      this.sessions.delete(entry.id);
      if (entry.stream) this.batcher.flush(entry.id);
      const writer = entry.writer;
      entry.finishing = writer
        ? writer.close(withoutEvents(record)).catch((error: unknown) => {
            console.error('smtp-lens: could not end the session log:', error);
          })
        : Promise.resolve();
    }
    return entry.finishing;
  }

  /**
   * The connection with the profile's stored TLS client key filled in, when it names a client certificate
   * but carries no key (the renderer never receives a stored key, so it sends the profile's id instead).
   */
  private async withProfileClientKey(connection: ConnectionInput, profileId: string | undefined): Promise<ConnectionInput> {
    if (profileId === undefined || connection.clientCertPem === undefined || connection.clientKeyPem !== undefined) return connection;
    const clientKeyFor = this.options.profiles.clientKeyFor?.bind(this.options.profiles);
    const key = clientKeyFor ? await clientKeyFor(profileId) : undefined;
    if (key === undefined) {
      throw new AppError('not-found', 'no client key is stored for this profile; load the key file for the client certificate');
    }
    return { ...connection, clientKeyPem: key };
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
      ...(auth.mechanism === 'xoauth2' ? { token: secret } : { password: secret }),
      ...(auth.authzid !== undefined ? { authzid: auth.authzid } : {}),
      mechanism: auth.mechanism,
      initialResponse: auth.initialResponse,
    };
    return { request, secret };
  }

  /**
   * The engine's message request and send options for the renderer's compose form. Path attachments must
   * have been picked in a native dialog (`allowPath`). Also used by `message.preview`.
   */
  messageRequest(m: ComposeRequest): { message: MessageRequest; options: SendOptions } {
    const attachments: AttachmentInput[] = m.attachments.map((a) => {
      if ('path' in a) {
        const full = resolve(a.path);
        if (!isAbsolute(a.path) || !this.allowedPaths.has(full)) {
          throw new AppError('forbidden', `the file "${basename(a.path)}" was not picked in a file dialog; attach it again`);
        }
        return { path: full, ...(a.filename !== undefined ? { filename: a.filename } : {}) };
      }
      return {
        filename: a.filename,
        content: Buffer.from(a.contentBase64, 'base64'),
        ...(a.contentType !== undefined ? { contentType: a.contentType } : {}),
      };
    });
    const compose: ComposeInput = {
      from: m.from,
      to: m.to,
      cc: m.cc,
      bcc: m.bcc,
      replyTo: m.replyTo,
      subject: m.subject,
      text: m.text,
      headers: m.headers,
      attachments,
      utf8Headers: m.utf8Headers,
      ...(m.html !== undefined ? { html: m.html } : {}),
    };
    const envelope = {
      ...(m.envelopeFrom !== undefined ? { from: m.envelopeFrom } : {}),
      ...(m.envelopeTo !== undefined ? { to: m.envelopeTo } : {}),
    };
    const options: SendOptions = { smtpUtf8: m.smtpUtf8, bdat: m.bdat, force: m.forceParams, prdr: m.prdr };
    if (m.dsn) {
      options.dsn = {
        ...(m.dsn.ret !== undefined ? { ret: m.dsn.ret } : {}),
        ...(m.dsn.envid !== undefined ? { envid: m.dsn.envid } : {}),
        ...(m.dsn.notify !== undefined ? { notify: m.dsn.notify } : {}),
        ...(m.dsn.orcpt !== undefined ? { orcpt: m.dsn.orcpt } : {}),
      };
    }
    return { message: { message: { compose }, envelope }, options };
  }
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
