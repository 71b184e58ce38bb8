import { createHash } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { TlsInfo } from '../../../shared/session-record.js';
import { SmtpError, escapeBytes } from '../errors.js';
import { ReplyParser } from '../protocol/reply-parser.js';
import type { Reply } from '../protocol/reply.js';
import type { Transcript } from '../transcript.js';
import { describeTls } from './tls-info.js';

/** Where to connect: a TCP host and port, or a Unix-domain socket. */
export interface ConnectTarget {
  host?: string;
  port?: number;
  socketPath?: string;
  /** Local address to bind before connecting (TCP only). */
  sourceAddress?: string;
}

/** TLS settings shared by implicit TLS and STARTTLS. */
export interface TlsSettings {
  /** Verify the chain and the name (default true). */
  verify: boolean;
  /** PEM CA bundle to trust instead of the system's. */
  ca?: string | Buffer;
  /** Name for SNI and for the certificate check; defaults to the host the user typed. */
  servername?: string;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  ciphers?: string;
  /** Client certificate and key (PEM). */
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
}

export interface ConnectionOptions {
  target: ConnectTarget;
  transcript: Transcript;
  /** Connect with TLS from the first byte (SMTPS). */
  implicitTls?: TlsSettings;
  connectTimeoutMs: number;
  tlsHandshakeTimeoutMs: number;
  /** Absolute deadline on performance.now()'s clock; every wait is bounded by it too. */
  deadline?: number;
  signal?: AbortSignal;
  maxLineLength?: number;
  maxLinesPerReply?: number;
  /** Told what a handshake negotiated as soon as it is known, even when verification then fails. */
  onTls?: (info: TlsInfo) => void;
  /**
   * Given, while connecting, a function that cancels the connect (SmtpSession.cancel() uses it): a
   * cheaper way to cancel than an AbortSignal, which the caller may still pass as well.
   */
  onConnecting?: (cancel: () => void) => void;
}

/** A pending read, bounded by a stage timeout, the overall deadline and cancellation. */
interface Waiter {
  resolve: (reply: Reply) => void;
  reject: (error: SmtpError) => void;
  /** performance.now() at which the read times out. */
  due: number;
  ms: number;
  label: string;
  command: string;
}

/** Pieces of a pipelined write up to this many bytes are joined into one buffer; larger ones are corked. */
const JOIN_LIMIT = 16 * 1024;

const isIp = (host: string | undefined): boolean => !!host && net.isIP(host) !== 0;

/** Strip the brackets users type around IPv6 literals ("[::1]"). */
export function normaliseHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * Owns one socket (plain or TLS): writes lines, parses replies into a queue, upgrades to TLS.
 * Every wait is bounded by a stage timeout and the overall deadline; a fatal failure rejects every wait.
 */
export class Connection {
  private socket: net.Socket;
  private readonly parser: ReplyParser;
  private readonly queue: Reply[] = [];
  private waiter: Waiter | undefined;
  /**
   * One timer serves every read: armed for the earliest pending due time and left running when a read
   * completes, so a burst of replies costs no timer churn. When it fires it re-arms for a later read,
   * times the current one out, or does nothing (no read pending). Cleared when the connection ends.
   */
  private readTimer: NodeJS.Timeout | undefined;
  private readTimerDue = 0;
  private failure: SmtpError | undefined;
  private closedByUs = false;
  /** Pause reading as soon as a reply arrives: used around STARTTLS so nothing is read past the 220. */
  private pauseOnReply = false;
  tlsInfo: TlsInfo | undefined;

  private constructor(
    socket: net.Socket,
    private readonly options: ConnectionOptions,
  ) {
    this.socket = socket;
    const transcript = options.transcript;
    this.parser = new ReplyParser({
      maxLineLength: options.maxLineLength,
      maxLines: options.maxLinesPerReply,
      onLine: (line) => transcript.received(line.raw, line.bareLf),
    });
    this.attach(socket);
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  get transcript(): Transcript {
    return this.options.transcript;
  }

  get isTls(): boolean {
    return this.socket instanceof tls.TLSSocket;
  }

  get isOpen(): boolean {
    return !this.failure && !this.socket.destroyed;
  }

  get isUnixSocket(): boolean {
    return this.options.target.socketPath !== undefined;
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  get localPort(): number | undefined {
    return this.socket.localPort;
  }

  /** Open the socket (and the TLS session for implicit TLS). */
  static async open(options: ConnectionOptions): Promise<Connection> {
    const { target, transcript } = options;
    throwIfAborted(options.signal);
    const where = target.socketPath ?? `${target.host}:${target.port}`;
    const tlsSettings = options.implicitTls;
    const seen: SeenCertificate = {};
    const socket = tlsSettings
      ? tls.connect({
          ...(target.socketPath ? { path: target.socketPath } : { host: target.host, port: target.port }),
          ...(target.sourceAddress ? { localAddress: target.sourceAddress } : {}),
          ...tlsConnectOptions(tlsSettings, target.host, seen),
        })
      : net.connect({
          ...(target.socketPath ? { path: target.socketPath } : { host: target.host!, port: target.port! }),
          ...(target.sourceAddress ? { localAddress: target.sourceAddress } : {}),
        });
    socket.setNoDelay?.(true);

    await new Promise<void>((resolve, reject) => {
      let connected = false;
      let done = false;
      const connectBudget = budgetWithin('connect', options.connectTimeoutMs, options.deadline);
      const finish = (error?: SmtpError): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.off('connect', onConnect);
        socket.off('secureConnect', onSecure);
        socket.off('error', onError);
        socket.off('close', onClose);
        options.signal?.removeEventListener('abort', onAbort);
        if (error) {
          socket.destroy();
          reject(error);
        } else resolve();
      };
      const onConnect = (): void => {
        connected = true;
        transcript.info(`connected to ${where}${describeEnds(socket)}`);
        if (!tlsSettings) finish();
        else {
          // The TCP part is done; give the handshake its own budget.
          clearTimeout(timer);
          const { ms, label } = budgetWithin('tls-handshake', options.tlsHandshakeTimeoutMs, options.deadline);
          timer = setTimeout(
            () => finish(new SmtpError('timeout', `TLS handshake with ${where} timed out after ${formatSeconds(ms)} (${label})`, { stage: label })),
            ms,
          );
        }
      };
      const onSecure = (): void => finish();
      const onError = (err: Error): void => {
        finish(
          connected
            ? new SmtpError('tls-failed', `TLS handshake with ${where} failed: ${err.message}`, { cause: err })
            : new SmtpError('connect-failed', `cannot connect to ${where}: ${err.message}`, { cause: err }),
        );
      };
      const onClose = (): void =>
        finish(
          connected
            ? new SmtpError('tls-failed', `connection to ${where} closed during the TLS handshake`)
            : new SmtpError('connect-failed', `connection to ${where} closed while connecting`),
        );
      const onAbort = (): void => finish(new SmtpError('cancelled', 'cancelled while connecting'));
      let timer = setTimeout(
        () =>
          finish(
            new SmtpError(
              'timeout',
              `connecting to ${where} timed out after ${formatSeconds(connectBudget.ms)} (${connectBudget.label})`,
              { stage: connectBudget.label },
            ),
          ),
        connectBudget.ms,
      );
      socket.once('connect', onConnect);
      socket.once('secureConnect', onSecure);
      socket.once('error', onError);
      socket.once('close', onClose);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      options.onConnecting?.(onAbort);
    });

    const connection = new Connection(socket, options);
    if (tlsSettings) {
      connection.onTlsEstablished(socket as tls.TLSSocket, 'implicit', tlsSettings, seen.cert);
    }
    return connection;
  }

  private attach(socket: net.Socket): void {
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  private detach(socket: net.Socket): void {
    socket.off('data', this.onData);
    socket.off('error', this.onError);
    socket.off('close', this.onClose);
  }

  private readonly onData = (chunk: Buffer): void => {
    let replies: Reply[];
    try {
      replies = this.parser.push(chunk);
    } catch (error) {
      const failure =
        error instanceof SmtpError ? error : new SmtpError('protocol-error', String(error), { raw: escapeBytes(chunk) });
      this.options.transcript.error(failure.message);
      this.fail(failure);
      return;
    }
    if (replies.length === 0) return;
    if (this.pauseOnReply) this.socket.pause();
    for (const reply of replies) this.queue.push(reply);
    this.deliver();
  };

  private readonly onError = (err: Error): void => {
    this.fail(
      new SmtpError('server-disconnected', `connection error: ${err.message}`, { cause: err }),
    );
  };

  private readonly onClose = (): void => {
    if (!this.closedByUs) {
      this.options.transcript.info('connection closed by the server');
      this.fail(new SmtpError('server-disconnected', 'the server closed the connection'));
    }
  };

  private readonly onAbort = (): void => {
    this.cancel();
  };

  /** Cancel whatever is waiting and drop the connection (as an aborted signal does); a no-op once it is closed. */
  cancel(): void {
    if (this.failure || this.socket.destroyed) return;
    this.options.transcript.error('cancelled by the caller');
    this.fail(new SmtpError('cancelled', 'cancelled by the caller'));
  }

  private deliver(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    const reply = this.queue.shift();
    if (reply) {
      this.waiter = undefined;
      waiter.resolve(reply);
    } else if (this.failure) {
      this.waiter = undefined;
      waiter.reject(this.failure);
    }
  }

  /** Mark the connection dead: the first failure wins and rejects every wait after it. */
  private fail(error: SmtpError): void {
    if (!this.failure) this.failure = error;
    this.stopReadTimer();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    if (!this.socket.destroyed) {
      this.closedByUs = true;
      this.socket.destroy();
    }
    this.deliver();
  }

  /** Wait for the next reply, within the stage's timeout and the overall deadline. */
  readReply(stage: string, timeoutMs: number): Promise<Reply> {
    const ready = this.queue.shift();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiter) return Promise.reject(new Error('readReply called while another read is pending'));
    return new Promise<Reply>((resolve, reject) => {
      const { ms, label } = this.budget(stage, timeoutMs);
      this.waiter = { resolve, reject, due: performance.now() + ms, ms, label, command: stage };
      this.armReadTimer();
    });
  }

  /** A reply that has already arrived, without waiting (undefined if none is queued). */
  takeReply(): Reply | undefined {
    return this.queue.shift();
  }

  /** How many complete replies have arrived and not been taken yet. */
  get queuedReplies(): number {
    return this.queue.length;
  }

  /** Make sure the read timer fires no later than the pending read's due time. */
  private armReadTimer(): void {
    const due = this.waiter!.due;
    // A timer due earlier re-arms itself for this read when it fires; only a later one must move.
    if (this.readTimer !== undefined && this.readTimerDue <= due) return;
    if (this.readTimer !== undefined) clearTimeout(this.readTimer);
    this.readTimerDue = due;
    this.readTimer = setTimeout(this.onReadTimer, Math.max(0, due - performance.now()));
    // A pending read always has an open socket keeping the process alive; the timer must not.
    this.readTimer.unref();
  }

  private stopReadTimer(): void {
    if (this.readTimer !== undefined) clearTimeout(this.readTimer);
    this.readTimer = undefined;
  }

  private readonly onReadTimer = (): void => {
    this.readTimer = undefined;
    const waiter = this.waiter;
    if (!waiter) return;
    // Timers may fire a hair early on performance.now()'s clock; anything within 1 ms is due.
    if (performance.now() < waiter.due - 1) {
      this.armReadTimer();
      return;
    }
    this.waiter = undefined;
    const error = new SmtpError(
      'timeout',
      `no complete reply within ${formatSeconds(waiter.ms)} (${waiter.label})` +
        (this.parser.pendingBytes > 0 ? `; ${this.parser.pendingBytes} bytes of an unfinished reply arrived` : ''),
      { stage: waiter.label, command: waiter.command },
    );
    this.options.transcript.error(error.message);
    this.fail(error);
    waiter.reject(error);
  };

  private budget(stage: string, timeoutMs: number): { ms: number; label: string } {
    return budgetWithin(stage, timeoutMs, this.options.deadline);
  }

  /** Write bytes; when the socket buffers too much, wait for it to drain within the stage's timeout. */
  async write(data: Buffer | string, stage: string, timeoutMs: number): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.socket.write(data)) return;
    await this.drain(stage, timeoutMs);
  }

  /**
   * Write several pieces as one: small ones are joined into one buffer, larger ones go out corked
   * (one writev), so a pipelined group leaves in one segment rather than one per piece.
   */
  async writeParts(parts: readonly (Buffer | string)[], stage: string, timeoutMs: number): Promise<void> {
    if (this.failure) throw this.failure;
    if (parts.length === 1) return this.write(parts[0]!, stage, timeoutMs);
    let total = 0;
    for (const part of parts) total += typeof part === 'string' ? part.length * 3 : part.length;
    let flushed: boolean;
    if (total <= JOIN_LIMIT) {
      flushed = this.socket.write(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p))));
    } else {
      const socket = this.socket;
      socket.cork();
      flushed = true;
      for (const part of parts) flushed = socket.write(part) && flushed;
      socket.uncork();
    }
    if (!flushed) await this.drain(stage, timeoutMs);
  }

  /** Wait until the socket's write buffer drains. */
  private drain(stage: string, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const { ms, label } = this.budget(stage, timeoutMs);
      const socket = this.socket;
      const cleanup = (): void => {
        clearTimeout(timer);
        socket.off('drain', onDrain);
        socket.off('close', onClose);
      };
      const onDrain = (): void => {
        cleanup();
        resolve();
      };
      const onClose = (): void => {
        cleanup();
        reject(this.failure ?? new SmtpError('server-disconnected', 'the server closed the connection while we were sending'));
      };
      const timer = setTimeout(() => {
        cleanup();
        const error = new SmtpError('timeout', `the server stopped reading for ${formatSeconds(ms)} (${label})`, {
          stage: label,
          command: stage,
        });
        this.options.transcript.error(error.message);
        this.fail(error);
        reject(error);
      }, ms);
      socket.on('drain', onDrain);
      socket.on('close', onClose);
    });
  }

  /**
   * Send one command line. `shown` is what the transcript records (redacted form);
   * the real line is only ever written to the socket.
   */
  async sendLine(line: string, stage: string, timeoutMs: number, shown?: string): Promise<void> {
    this.options.transcript.sent(shown ?? line, shown !== undefined && shown !== line);
    await this.write(line + '\r\n', stage, timeoutMs);
  }

  /** Send several command lines in one write (RFC 2920 pipelining); each is recorded in order. */
  async sendLines(lines: { line: string; shown?: string }[], stage: string, timeoutMs: number): Promise<void> {
    let data = '';
    for (const { line, shown } of lines) {
      this.options.transcript.sent(shown ?? line, shown !== undefined && shown !== line);
      data += line + '\r\n';
    }
    await this.write(data, stage, timeoutMs);
  }

  /** Arm the STARTTLS guard: reading pauses the moment the next reply arrives. */
  expectTlsUpgrade(): void {
    this.pauseOnReply = true;
  }

  /** The upgrade will not happen (STARTTLS refused): read normally again. */
  cancelTlsUpgrade(): void {
    this.pauseOnReply = false;
    if (!this.failure) this.socket.resume();
  }

  /**
   * Upgrade the plain socket after a 220 reply to STARTTLS.
   * Refuses to go on if the server sent anything past that reply (response injection, CVE-2021-22947 class).
   */
  async upgradeToTls(settings: TlsSettings, host: string | undefined, timeoutMs: number): Promise<TlsInfo> {
    if (this.failure) throw this.failure;
    const plain = this.socket;
    const injected = this.parser.pendingBytes + this.queue.length + plain.readableLength;
    if (injected > 0) {
      const error = new SmtpError(
        'tls-failed',
        'the server sent data after its reply to STARTTLS and before the TLS handshake (possible response injection); aborting',
        { stage: 'starttls', command: 'STARTTLS' },
      );
      this.options.transcript.error(error.message);
      this.fail(error);
      throw error;
    }
    let connectOptions: tls.ConnectionOptions;
    const seen: SeenCertificate = {};
    try {
      connectOptions = tlsConnectOptions(settings, host, seen);
    } catch (error) {
      const failure = error instanceof SmtpError ? error : new SmtpError('tls-failed', String(error));
      this.options.transcript.error(failure.message);
      this.fail(failure);
      throw failure;
    }
    this.pauseOnReply = false;
    this.detach(plain);
    const secure = tls.connect({ socket: plain, ...connectOptions });
    await new Promise<void>((resolve, reject) => {
      const { ms, label } = this.budget('tls-handshake', timeoutMs);
      const finish = (error?: SmtpError): void => {
        clearTimeout(timer);
        secure.off('secureConnect', onSecure);
        secure.off('error', onError);
        secure.off('close', onClose);
        if (error) {
          this.options.transcript.error(error.message);
          this.socket = secure;
          this.fail(error);
          reject(error);
        } else resolve();
      };
      const onSecure = (): void => finish();
      const onError = (err: Error): void =>
        finish(new SmtpError('tls-failed', `TLS handshake failed: ${err.message}`, { cause: err, command: 'STARTTLS' }));
      // A cancellation destroys the plain socket under the handshake; report the cancellation, not the close.
      const onClose = (): void =>
        finish(
          this.failure ?? new SmtpError('tls-failed', 'connection closed during the TLS handshake', { command: 'STARTTLS' }),
        );
      const timer = setTimeout(
        () => finish(new SmtpError('timeout', `TLS handshake timed out after ${formatSeconds(ms)}`, { stage: label })),
        ms,
      );
      secure.once('secureConnect', onSecure);
      secure.once('error', onError);
      secure.once('close', onClose);
    });
    this.socket = secure;
    this.attach(secure);
    return this.onTlsEstablished(secure, 'starttls', settings, seen.cert);
  }

  /** Record what the handshake negotiated; fail if verification was required and did not pass. */
  private onTlsEstablished(
    socket: tls.TLSSocket,
    via: TlsInfo['via'],
    settings: TlsSettings,
    knownCertificate?: tls.DetailedPeerCertificate,
  ): TlsInfo {
    const servername = verifyName(settings, this.options.target.host);
    const info = describeTls(socket, via, settings.verify, servername, knownCertificate);
    this.tlsInfo = info;
    this.options.onTls?.(info);
    this.options.transcript.tls = true;
    this.options.transcript.info(
      `TLS started (${via}): ${info.protocol ?? '?'} ${info.cipher ?? '?'}; certificate ${
        info.authorized ? 'verified' : `not verified (${info.authorizationError ?? 'unknown reason'})`
      }`,
    );
    if (settings.verify && !info.authorized) {
      const reason = info.authorizationError ?? 'unknown reason';
      const error = new SmtpError(
        'tls-failed',
        `certificate verification failed: ${reason}${explainVerifyError(reason)}; trust the issuer with a CA file, or skip verification explicitly (insecure)`,
        { stage: 'tls-verify', command: via === 'starttls' ? 'STARTTLS' : undefined },
      );
      this.options.transcript.error(error.message);
      this.fail(error);
      throw error;
    }
    return info;
  }

  /** Close our side gracefully (after QUIT) and wait briefly for the socket to go. */
  async close(): Promise<void> {
    this.stopReadTimer();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    if (this.socket.destroyed) return;
    this.closedByUs = true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, 1000);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.end();
    });
    this.options.transcript.info('connection closed');
  }

  /** Drop the connection at once. */
  destroy(): void {
    this.stopReadTimer();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    if (this.socket.destroyed) return;
    this.closedByUs = true;
    this.socket.destroy();
    this.options.transcript.info('connection closed');
  }
}

/** The name the certificate is checked against: the SNI override, else the host the user typed. */
function verifyName(settings: TlsSettings, host: string | undefined): string | undefined {
  return settings.servername ?? host;
}

/** The detailed peer certificate Node hands the name check (it builds it only when the chain verified). */
interface SeenCertificate {
  cert?: tls.DetailedPeerCertificate;
}

function tlsConnectOptions(settings: TlsSettings, host: string | undefined, seen: SeenCertificate): tls.ConnectionOptions {
  const name = verifyName(settings, host);
  const options: tls.ConnectionOptions = {
    // We check the result ourselves after the handshake, so the record can say why verification failed.
    rejectUnauthorized: false,
    checkServerIdentity: (_servername, cert) => {
      seen.cert = cert as tls.DetailedPeerCertificate;
      return name ? tls.checkServerIdentity(name, cert) : new Error('no host name to verify the certificate against');
    },
    secureContext: secureContextFor(settings),
  };
  // SNI carries host names only, never IP literals (RFC 6066 §3).
  if (name && !isIp(name)) options.servername = name;
  return options;
}

/**
 * Building a SecureContext (parsing the CA bundle, the client key) costs about half a millisecond, more
 * than the rest of a loopback handshake; sessions with the same TLS settings share one. The cache key is
 * every setting that goes into the context: public ones (CA, certificate, versions, ciphers) as given,
 * the private key and its passphrase only as a SHA-256, so no secret is kept as a key. The most recently
 * used few are kept. A context carries no per-connection state: verification, SNI and the name check
 * stay per connection, and no TLS session is resumed across connections through it.
 */
const secureContexts = new Map<string, tls.SecureContext>();
const SECURE_CONTEXT_CACHE_SIZE = 16;

function keyPart(value: string | Buffer | undefined, secret: boolean): string {
  if (value === undefined) return '-';
  if (secret || typeof value !== 'string') return `#${createHash('sha256').update(value).digest('base64')}`;
  return `${value.length}:${value}`;
}

function secureContextFor(settings: TlsSettings): tls.SecureContext {
  const { ca, cert, key, passphrase, minVersion, maxVersion, ciphers } = settings;
  const cacheKey = [
    keyPart(ca, false),
    keyPart(cert, false),
    keyPart(key, true),
    keyPart(passphrase, true),
    keyPart(minVersion, false),
    keyPart(maxVersion, false),
    keyPart(ciphers, false),
  ].join('|');
  const cached = secureContexts.get(cacheKey);
  if (cached) {
    secureContexts.delete(cacheKey);
    secureContexts.set(cacheKey, cached);
    return cached;
  }
  let context: tls.SecureContext;
  try {
    context = tls.createSecureContext({
      ...(ca !== undefined ? { ca } : {}),
      ...(cert !== undefined ? { cert } : {}),
      ...(key !== undefined ? { key } : {}),
      ...(passphrase !== undefined ? { passphrase } : {}),
      ...(minVersion ? { minVersion } : {}),
      ...(maxVersion ? { maxVersion } : {}),
      ...(ciphers ? { ciphers } : {}),
    });
  } catch (error) {
    throw new SmtpError('tls-failed', `the TLS settings were refused: ${(error as Error).message}`, { cause: error });
  }
  secureContexts.set(cacheKey, context);
  if (secureContexts.size > SECURE_CONTEXT_CACHE_SIZE) secureContexts.delete(secureContexts.keys().next().value!);
  return context;
}

function explainVerifyError(code: string): string {
  const reasons: Record<string, string> = {
    DEPTH_ZERO_SELF_SIGNED_CERT: ' (the certificate is self-signed)',
    SELF_SIGNED_CERT_IN_CHAIN: ' (the chain ends in an untrusted self-signed root)',
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: ' (the issuer is not trusted here)',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: ' (the issuer is not trusted or the chain is incomplete)',
    CERT_HAS_EXPIRED: ' (the certificate has expired)',
    CERT_NOT_YET_VALID: ' (the certificate is not valid yet)',
    ERR_TLS_CERT_ALTNAME_INVALID: ' (the certificate does not name this host)',
  };
  return reasons[code] ?? '';
}

function describeEnds(socket: net.Socket): string {
  if (!socket.remoteAddress) return '';
  return ` (${socket.remoteAddress} port ${socket.remotePort} from ${socket.localAddress} port ${socket.localPort})`;
}

/** A stage's wait, cut short by the overall deadline when that comes first (and then named after it). */
function budgetWithin(stage: string, timeoutMs: number, deadline: number | undefined): { ms: number; label: string } {
  if (deadline !== undefined) {
    const remaining = Math.max(0, deadline - performance.now());
    if (remaining < timeoutMs) return { ms: remaining, label: 'overall deadline' };
  }
  return { ms: timeoutMs, label: stage };
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s` : `${Math.round(ms)}ms`;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SmtpError('cancelled', 'cancelled before connecting');
}
