// Over 450 lines: four listeners (SMTP, STARTTLS, SMTPS, LMTP) of one test server sharing its account, certificate and mailbox.
import { createHash, randomInt, randomUUID, timingSafeEqual, X509Certificate } from 'node:crypto';
import { lstat, mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type tls from 'node:tls';
import { generate } from 'selfsigned';
import { LOCAL_ALT_NAMES } from './local-pki.js';
import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerAuthentication,
  type SMTPServerAuthenticationResponse,
  type SMTPServerDataResult,
  type SMTPServerDataStream,
  type SMTPServerOptions,
  type SMTPServerSession,
} from 'smtp-server';
import type { ReceivedMessage, TestServerListener, TestServerStatus } from '../../../shared/ipc/contract.js';
import { SmtpError } from '../../smtp/errors.js';
import { AppError } from './app-error.js';
import type { TestServerApi, TestServerOptions } from './types.js';
import { isLoopback } from '../../smtp/transport/loopback.js';

/**
 * The app's built-in test server: real SMTP/SMTPS/LMTP listeners (the smtp-server library) on loopback
 * and a Unix socket, so that a newcomer who clicks "probe" sees a real capability table and transcript
 * without a server of their own.
 *
 * Listeners (each optional, all by default):
 * - plain: SMTP on `host` (127.0.0.1), no STARTTLS; AUTH over plaintext only from a loopback peer.
 * - starttls: SMTP with STARTTLS and a self-signed certificate made at start; AUTH only after STARTTLS.
 * - implicit: SMTPS (TLS from the first byte), same certificate.
 * - lmtp: LMTP on `<dataDir>/lmtp.sock` (no AUTH, no STARTTLS: it is a local socket). Not on Windows,
 *   where Node cannot listen on a Unix socket path (the engine cannot connect to a named pipe either).
 *
 * Test behaviours: RCPT of a local part `refuse` → 550 5.1.1, `tempfail` → 451 4.3.0, others accepted;
 * in LMTP a recipient `overquota` gets 552 5.2.2 after DATA, the others 250. Every accepted message is
 * kept in memory (the last 200, the first 1 MiB of each); `messageCount` counts the kept ones.
 *
 * `start()` while running: with the same options it returns the current status and changes nothing;
 * with different options it restarts (stop, then start: ports, password and certificate change), which
 * onChange reports once, with the new status. start/stop calls are serialised. Received messages are
 * kept across restarts (they belong to the instance, not to one run).
 */

export interface TestServerConfig {
  /** Where the LMTP socket and the certificate (`test-server-cert.pem`) go; a fresh temp dir per start if absent. */
  dataDir?: string;
  /** TCP address of the SMTP listeners (default 127.0.0.1). */
  host?: string;
  /** Where server-side errors are reported (default: console.warn). Clients cannot crash the app; they are logged. */
  log?: (message: string, error?: unknown) => void;
  /** How long stop() waits for open connections before destroying them (default 2000 ms). */
  closeGraceMs?: number;
  /**
   * Where and what to listen on instead of the four listeners (`smtp-lens serve`: one, where the user says). A
   * listener of kind lmtp speaks LMTP; the others SMTP with their TLS mode; each on a TCP port or a Unix socket.
   */
  listeners?: ListenerSpec[];
  /** The account AUTH accepts; absent: `tester` with a fresh random password each start; null: no AUTH offered. */
  account?: Account | null;
  /** Hand each accepted message on (its whole bytes) before it is answered; a throw answers 451. */
  deliver?: (message: ReceivedMessage, whole: Buffer) => Promise<void>;
}

/** Where one listener of a configured server listens, and how it speaks. */
export interface ListenerSpec {
  kind: Kind;
  /** TCP (port 0: any free port) … */
  host?: string;
  port?: number;
  /** … or a Unix socket at this exact path. */
  socketPath?: string;
}

type Kind = TestServerListener['kind'];

/** Messages kept in memory. */
export const MAX_MESSAGES = 200;
/** Bytes of each message kept (the rest is counted in `size` and marked `truncated`). */
export const MAX_RAW_BYTES = 1024 * 1024;
/** SIZE advertised and enforced. */
export const MAX_MESSAGE_SIZE = 50 * 1024 * 1024;
/** A Unix socket path must fit sun_path (104 bytes on macOS, 108 on Linux, with the NUL): stay under both. */
export const MAX_SOCKET_PATH_BYTES = 100;
export const TEST_USER = 'tester';
const SOCKET_NAME = 'lmtp.sock';
const CERT_NAME = 'test-server-cert.pem';
const BANNER = 'SMTP Lens test server';
const CERT_VALID_DAYS = 365;
const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

export interface Account {
  user: string;
  password: string;
}

interface Credentials {
  key: string;
  cert: string;
  fingerprint256: string;
}

interface ActiveListener {
  info: TestServerListener;
  server: SMTPServer;
  /** Every accepted raw socket and every TLS socket on top of one, to destroy what is left when stopping. */
  sockets: Set<net.Socket>;
  tlsSockets: Set<tls.TLSSocket>;
}

interface Running {
  options: TestServerOptions;
  listeners: ActiveListener[];
  /** null: AUTH is not offered. */
  account: Account | null;
  credentials?: Credentials;
  /** The Unix socket file we created (removed on stop). */
  socketPath?: string;
  /** Temp directories we created for this run (removed on stop). */
  ownedDirs: string[];
}

const KINDS: { kind: Kind; option: keyof TestServerOptions }[] = [
  { kind: 'plain', option: 'plain' },
  { kind: 'starttls', option: 'starttls' },
  { kind: 'implicit', option: 'implicitTls' },
  { kind: 'lmtp', option: 'lmtpSocket' },
];

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

const replyError = (code: number, message: string): Error & { responseCode: number } =>
  Object.assign(new Error(message), { responseCode: code });

/** The local part of an address, lower-cased (everything before the last @). */
const localPart = (address: string): string => {
  const at = address.lastIndexOf('@');
  return (at < 0 ? address : address.slice(0, at)).toLowerCase();
};

const sameSecret = (a: string, b: string): boolean =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

function randomPassword(length = 12): string {
  let out = '';
  for (let i = 0; i < length; i++) out += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return out;
}

/** The first `limit` bytes as UTF-8 text, cut back to a character boundary. */
function decodePrefix(bytes: Buffer, limit: number): string {
  if (bytes.length <= limit) return bytes.toString('utf8');
  let end = limit;
  // Step back over continuation bytes (10xxxxxx) so no character is split.
  while (end > 0 && end > limit - 3 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const errnoCode = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;

/** A self-signed EC P-256 certificate for localhost, 127.0.0.1 and ::1, valid a year (a tester must not be told it expires soon). */
async function makeCredentials(): Promise<Credentials> {
  const notBeforeDate = new Date(Date.now() - 5 * 60 * 1000); // a little slack for clock skew
  const notAfterDate = new Date(notBeforeDate.getTime() + CERT_VALID_DAYS * 24 * 60 * 60 * 1000);
  const pems = await generate(
    [
      { name: 'commonName', value: 'localhost' },
      { name: 'organizationName', value: BANNER },
    ],
    {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate,
      notAfterDate,
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: LOCAL_ALT_NAMES },
      ],
    },
  );
  return { key: pems.private, cert: pems.cert, fingerprint256: new X509Certificate(pems.cert).fingerprint256 };
}

/** Whether something answers on a Unix socket (a live server, not a stale file). */
function socketIsLive(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    const done = (live: boolean): void => {
      socket.destroy();
      resolve(live);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export class TestServer implements TestServerApi {
  private readonly dataDir: string | undefined;
  private readonly host: string;
  private readonly log: (message: string, error?: unknown) => void;
  private readonly closeGraceMs: number;
  private readonly specs: ListenerSpec[] | undefined;
  private readonly account: Account | null | undefined;
  private readonly deliver: TestServerConfig['deliver'];
  private running: Running | undefined;
  private readonly received: ReceivedMessage[] = [];
  private readonly listeners = new Set<(status: TestServerStatus) => void>();
  /** start/stop run one after another. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(config: TestServerConfig = {}) {
    this.dataDir = config.dataDir !== undefined ? path.resolve(config.dataDir) : undefined;
    this.host = config.host ?? '127.0.0.1';
    this.log = config.log ?? ((message, error) => console.warn(`[test-server] ${message}`, ...(error === undefined ? [] : [error])));
    this.closeGraceMs = config.closeGraceMs ?? 2000;
    this.specs = config.listeners;
    this.account = config.account;
    this.deliver = config.deliver;
  }

  start(options: Partial<TestServerOptions> = {}): Promise<TestServerStatus> {
    const wanted: TestServerOptions = {
      plain: options.plain ?? true,
      starttls: options.starttls ?? true,
      implicitTls: options.implicitTls ?? true,
      lmtpSocket: options.lmtpSocket ?? true,
    };
    return this.serial(async () => {
      let restarting = false;
      if (this.running) {
        const current = this.running.options;
        if (KINDS.every(({ option }) => current[option] === wanted[option])) return this.status();
        restarting = true;
        await this.shutdown();
      }
      try {
        await this.launch(wanted);
      } catch (error) {
        if (restarting) this.emit(); // it was running and is not any more
        throw error;
      }
      // One change for a restart too: the new status.
      this.emit();
      return this.status();
    });
  }

  stop(): Promise<TestServerStatus> {
    return this.serial(async () => {
      if (this.running) {
        await this.shutdown();
        this.emit();
      }
      return this.status();
    });
  }

  status(): TestServerStatus {
    const r = this.running;
    if (!r) return { running: false, listeners: [], messageCount: this.received.length };
    return {
      running: true,
      listeners: r.listeners.map((l) => ({ ...l.info })),
      ...(r.account ? { account: { ...r.account } } : {}),
      ...(r.credentials ? { certificatePem: r.credentials.cert, fingerprint256: r.credentials.fingerprint256 } : {}),
      messageCount: this.received.length,
    };
  }

  /** The kept messages, oldest first (copies). */
  messages(): ReceivedMessage[] {
    return this.received.map((m) => ({ ...m, envelopeTo: [...m.envelopeTo] }));
  }

  onChange(listener: (status: TestServerStatus) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private emit(): void {
    const status = this.status();
    for (const listener of [...this.listeners]) {
      try {
        listener(status);
      } catch (error) {
        this.log('a test-server change listener threw', error);
      }
    }
  }

  private async launch(options: TestServerOptions): Promise<void> {
    const chosen: ListenerSpec[] =
      this.specs ??
      KINDS.filter(({ option }) => options[option]).map(({ kind }) => ({ kind, ...(kind === 'lmtp' ? {} : { host: this.host, port: 0 }) }));
    if (chosen.length === 0) throw new SmtpError('invalid-input', 'choose at least one test-server listener');

    const run: Running = {
      options,
      listeners: [],
      account: this.account === undefined ? { user: TEST_USER, password: randomPassword() } : this.account,
      ownedDirs: [],
    };
    try {
      let workDir: string;
      if (this.dataDir !== undefined) {
        workDir = this.dataDir;
        await mkdir(workDir, { recursive: true });
      } else {
        workDir = await mkdtemp(path.join(os.tmpdir(), 'smtp-lens-test-server-'));
        run.ownedDirs.push(workDir);
      }

      if (chosen.some((l) => l.kind === 'starttls' || l.kind === 'implicit')) {
        run.credentials = await makeCredentials();
        // The certificate on disk, for other tools (openssl s_client -CAfile ...); the key stays in memory.
        await writeFile(path.join(workDir, CERT_NAME), run.credentials.cert, { mode: 0o644 }).catch((error: unknown) =>
          this.log(`could not write the test certificate to ${workDir}`, error),
        );
      }

      for (const spec of chosen) {
        let at: { socketPath: string } | { host: string; port: number };
        if (spec.socketPath !== undefined) {
          if (!(await this.freeSocketPath(spec.socketPath))) {
            throw new AppError('internal', `${spec.socketPath} is taken (a live server, or a file that is not a socket)`);
          }
          run.socketPath = spec.socketPath;
          at = { socketPath: spec.socketPath };
        } else if (spec.host === undefined) {
          if (process.platform === 'win32') {
            this.log('the LMTP listener needs a Unix socket, which Windows does not provide here: skipped');
            continue;
          }
          run.socketPath = await this.socketPathIn(workDir, run);
          at = { socketPath: run.socketPath };
        } else at = { host: spec.host, port: spec.port ?? 0 };
        run.listeners.push(await this.listen(spec.kind, run, at));
      }
      if (run.listeners.length === 0) throw new AppError('internal', 'none of the chosen test-server listeners can run here');
    } catch (error) {
      await this.release(run);
      if (error instanceof AppError || error instanceof SmtpError) throw error;
      throw new AppError('internal', `the test server could not start: ${errorMessage(error)}`, { cause: error });
    }
    this.running = run;
  }

  /**
   * `<dir>/lmtp.sock`, after removing a stale socket file there. Falls back to a short temp dir when the
   * path is too long for a Unix socket, or something else (a live server, a non-socket file) holds it.
   */
  private async socketPathIn(dir: string, run: Running): Promise<string> {
    const candidate = path.join(dir, SOCKET_NAME);
    if (Buffer.byteLength(candidate) <= MAX_SOCKET_PATH_BYTES && (await this.freeSocketPath(candidate))) return candidate;
    for (const base of [os.tmpdir(), '/tmp']) {
      let fallback: string;
      try {
        fallback = await mkdtemp(path.join(base, 'sl-'));
      } catch {
        continue;
      }
      const socketPath = path.join(fallback, SOCKET_NAME);
      if (Buffer.byteLength(socketPath) <= MAX_SOCKET_PATH_BYTES) {
        run.ownedDirs.push(fallback);
        this.log(`the LMTP socket cannot be ${candidate}; using ${socketPath}`);
        return socketPath;
      }
      await rm(fallback, { recursive: true, force: true });
    }
    throw new AppError('internal', `no directory gives a Unix socket path of at most ${MAX_SOCKET_PATH_BYTES} bytes`);
  }

  /** Whether the path can be listened on: nothing there, or a stale socket file (removed). */
  private async freeSocketPath(socketPath: string): Promise<boolean> {
    let stats;
    try {
      stats = await lstat(socketPath);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return true;
      throw error;
    }
    if (!stats.isSocket()) return false; // never delete a file that is not ours to delete
    if (await socketIsLive(socketPath)) return false; // another instance is listening there
    await unlink(socketPath);
    return true;
  }

  private serverOptions(kind: Kind, run: Running, tlsSockets: Set<tls.TLSSocket>, onSocket: boolean): SMTPServerOptions {
    const lmtp = kind === 'lmtp';
    const tlsKind = kind === 'starttls' || kind === 'implicit';
    const disabled: string[] = [];
    if (!tlsKind) disabled.push('STARTTLS');
    if (lmtp || !run.account) disabled.push('AUTH');
    const creds = tlsKind ? run.credentials : undefined;
    return {
      lmtp,
      secure: kind === 'implicit',
      ...(creds ? { key: creds.key, cert: creds.cert } : {}),
      name: 'localhost',
      banner: `${BANNER} (${kind} listener)`,
      size: MAX_MESSAGE_SIZE,
      rejectOversized: true,
      disabledCommands: disabled,
      hidePIPELINING: false,
      hide8BITMIME: false,
      hideSMTPUTF8: false,
      hideENHANCEDSTATUSCODES: false,
      authMethods: ['PLAIN', 'LOGIN', 'CRAM-MD5'],
      authOptional: true,
      // The plain listener has no STARTTLS; AUTH there is checked for a loopback peer in onAuth. The
      // STARTTLS listener answers 538 to AUTH before TLS.
      allowInsecureAuth: kind === 'plain',
      disableReverseLookup: true,
      logger: false,
      maxClients: 100,
      // Long enough for an interactive session; stop() does not wait for it.
      socketTimeout: 5 * 60 * 1000,
      // smtp-server says 421 and closes what is still open this long after close(); stop() destroys the rest.
      closeTimeout: Math.max(1, Math.floor(this.closeGraceMs * 0.75)),
      onAuth: (auth, session, callback) => this.onAuth(kind, run, onSocket, auth, session, callback),
      onRcptTo: (address, _session, callback) => this.onRcptTo(address, callback),
      onData: (stream, session, callback) => this.onData(kind, stream, session, callback),
      onSecure: (socket, _session, callback) => {
        // Only kept to destroy it on stop; forgotten when it closes.
        const secure = socket as tls.TLSSocket;
        tlsSockets.add(secure);
        secure.once('close', () => tlsSockets.delete(secure));
        callback();
      },
    };
  }

  private async listen(kind: Kind, run: Running, at: { socketPath: string } | { host: string; port: number }): Promise<ActiveListener> {
    const sockets = new Set<net.Socket>();
    const tlsSockets = new Set<tls.TLSSocket>();
    const server = new SMTPServer(this.serverOptions(kind, run, tlsSockets, 'socketPath' in at));
    const info: TestServerListener = {
      kind,
      protocol: kind === 'lmtp' ? 'lmtp' : 'smtp',
      tls: kind === 'starttls' ? 'starttls' : kind === 'implicit' ? 'implicit' : 'off',
    };
    const listener: ActiveListener = { info, server, sockets, tlsSockets };
    // A client cannot crash the app: whatever goes wrong on a connection is logged and forgotten.
    server.on('error', (error: Error) => this.log(`${kind} listener: ${error.message}`, error));
    const inner = server.server;
    inner.on('connection', (socket: net.Socket) => {
      sockets.add(socket);
      socket.on('error', () => {}); // smtp-server reports them; a late one after destroy must not throw
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      inner.once('error', onError);
      const done = (): void => {
        inner.off('error', onError);
        resolve();
      };
      if ('socketPath' in at) server.listen(at.socketPath, done);
      else server.listen(at.port, at.host, done);
    }).catch((error: unknown) => {
      throw new AppError('internal', `the ${kind} test listener could not listen: ${errorMessage(error)}`, { cause: error });
    });
    if ('socketPath' in at) {
      info.socketPath = at.socketPath;
    } else {
      const address = inner.address();
      info.host = at.host;
      info.port = typeof address === 'object' && address ? address.port : 0;
    }
    return listener;
  }

  private onAuth(
    kind: Kind,
    run: Running,
    onSocket: boolean,
    auth: SMTPServerAuthentication,
    session: SMTPServerSession,
    callback: (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void,
  ): void {
    try {
      // In plaintext, only from this machine: a loopback peer or a Unix socket.
      if (kind === 'plain' && !session.secure && !onSocket && !isLoopback(session.remoteAddress)) {
        return callback(replyError(538, 'Encryption required for requested authentication mechanism'));
      }
      if (!run.account) return callback(replyError(502, 'AUTH is not offered here'));
      const { user, password } = run.account;
      let ok = auth.username === user;
      if (auth.method === 'CRAM-MD5') ok = ok && auth.validatePassword(password);
      else if (auth.method === 'PLAIN' || auth.method === 'LOGIN') ok = ok && sameSecret(auth.password ?? '', password);
      else ok = false;
      if (ok) return callback(null, { user });
      callback(null, { message: 'authentication credentials invalid' });
    } catch (error) {
      this.log('AUTH handler failed', error);
      callback(replyError(454, 'temporary authentication failure'));
    }
  }

  private onRcptTo(address: SMTPServerAddress, callback: (err?: Error | null) => void): void {
    const local = localPart(address.address);
    if (local === 'refuse') return callback(replyError(550, 'mailbox unavailable'));
    if (local === 'tempfail') return callback(replyError(451, 'try again later'));
    callback();
  }

  private onData(
    kind: Kind,
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null, message?: string | SMTPServerDataResult[]) => void,
  ): void {
    const chunks: Buffer[] = [];
    // The whole message, only when it is handed on (serve --maildir, --print-body): up to SIZE.
    const whole: Buffer[] | undefined = this.deliver ? [] : undefined;
    let kept = 0;
    let size = 0;
    let answered = false;
    const answer = (err: Error | null, message?: string | SMTPServerDataResult[]): void => {
      if (answered) return;
      answered = true;
      callback(err, message);
    };
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (whole && !stream.sizeExceeded) whole.push(Buffer.from(chunk));
      // Keep a few bytes past the limit so the cut can land on a character boundary.
      const room = MAX_RAW_BYTES + 4 - kept;
      if (room > 0) {
        const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
        chunks.push(Buffer.from(part));
        kept += part.length;
      }
    });
    stream.once('error', (error: Error) => {
      this.log(`${kind} listener: reading a message failed`, error);
      answer(replyError(451, 'local error in processing'));
    });
    stream.once('end', () => void this.keep(kind, stream, session, chunks, whole, size, answer));
  }

  /** A message has arrived whole: keep it, hand it on, answer (per recipient for LMTP). */
  private async keep(
    kind: Kind,
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    chunks: Buffer[],
    whole: Buffer[] | undefined,
    size: number,
    answer: (err: Error | null, message?: string | SMTPServerDataResult[]) => void,
  ): Promise<void> {
    try {
      if (stream.sizeExceeded) return answer(replyError(552, `message exceeds fixed maximum message size ${MAX_MESSAGE_SIZE}`));
      const bytes = Buffer.concat(chunks);
      const id = randomUUID();
      const to = session.envelope.rcptTo.map((r) => r.address);
      const message: ReceivedMessage = {
        id,
        receivedAt: new Date().toISOString(),
        listener: kind,
        envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        envelopeTo: to,
        size,
        raw: decodePrefix(bytes, MAX_RAW_BYTES),
        truncated: size > MAX_RAW_BYTES,
        secure: session.secure,
        ...(session.user !== undefined && session.user !== null ? { user: String(session.user) } : {}),
        ...(session.remoteAddress ? { clientAddress: session.remoteAddress } : {}),
        ...(session.hostNameAppearsAs ? { clientHelo: session.hostNameAppearsAs } : {}),
      };
      if (this.deliver && whole) {
        try {
          await this.deliver(message, Buffer.concat(whole));
        } catch (error) {
          this.log(`${kind} listener: handing a message on failed`, error);
          return answer(replyError(451, 'local error in processing: the message could not be stored'));
        }
      }
      this.received.push(message);
      if (this.received.length > MAX_MESSAGES) this.received.splice(0, this.received.length - MAX_MESSAGES);
      if (kind === 'lmtp') {
        answer(
          null,
          to.map((address) => (localPart(address) === 'overquota' ? replyError(552, 'mailbox full') : `<${address}> delivered as ${id}`)),
        );
      } else {
        answer(null, `message captured as ${id}`);
      }
      this.emit();
    } catch (error) {
      this.log(`${kind} listener: capturing a message failed`, error);
      answer(replyError(451, 'local error in processing'));
    }
  }

  /** Close every listener and clean up; the server counts as stopped afterwards whatever happened. */
  private async shutdown(): Promise<void> {
    const run = this.running;
    if (!run) return;
    this.running = undefined;
    await this.release(run);
  }

  private async release(run: Running): Promise<void> {
    await Promise.all(run.listeners.map((l) => this.closeListener(l)));
    if (run.socketPath) {
      try {
        const stats = await lstat(run.socketPath);
        if (stats.isSocket()) await unlink(run.socketPath);
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT') this.log(`could not remove ${run.socketPath}`, error);
      }
    }
    for (const dir of run.ownedDirs) {
      await rm(dir, { recursive: true, force: true }).catch((error: unknown) => this.log(`could not remove ${dir}`, error));
    }
  }

  /**
   * Stop listening at once (the port or socket is free from here), give open sessions up to
   * `closeGraceMs` to finish (smtp-server says 421 to them before that), then destroy what is left.
   */
  private async closeListener(listener: ActiveListener): Promise<void> {
    const { server, sockets, tlsSockets, info } = listener;
    const inner = server.server;
    if (!inner.listening) return;
    // Connections the server knows now (smtp-server forgets one once it has closed its side).
    const connections = [...server.connections] as unknown as { _upgrading?: boolean }[];
    let isClosed = false;
    // 'close' comes once the listening socket and every connection are closed.
    const closed = new Promise<void>((resolve) =>
      inner.once('close', () => {
        isClosed = true;
        resolve();
      }),
    );
    try {
      server.close();
    } catch (error) {
      this.log(`${info.kind} listener: close failed`, error);
    }
    await Promise.race([closed, sleep(this.closeGraceMs)]);
    if (isClosed) return;
    for (const socket of tlsSockets) if (!socket.destroyed) socket.destroy();
    // During a STARTTLS handshake the raw socket sits under a TLS wrap that nothing here can reach:
    // tearing it down from below can crash Node, so such a connection is left to its idle timeout
    // (it no longer holds the port).
    const upgrading = connections.some((c) => c._upgrading === true);
    if (!upgrading) for (const socket of sockets) if (!socket.destroyed) socket.destroy();
    await Promise.race([closed, sleep(500)]);
    if (!isClosed) this.log(`${info.kind} listener: connections still closing after stop`);
  }
}
