import os from 'node:os';
import net from 'node:net';
import type {
  AuthResult,
  Capability,
  Protocol,
  Target,
  TlsInfo,
  TlsMode,
} from '../../shared/session-record.js';
import { authenticate } from './auth/authenticate.js';
import { chooseMechanism, createSaslClient, type SaslCredentials } from './auth/sasl.js';
import { SmtpError } from './errors.js';
import { Capabilities } from './protocol/capabilities.js';
import type { Reply } from './protocol/reply.js';
import { assertEhloName, assertWireSafe } from './protocol/wire-safety.js';
import { resolveTimeouts, type StageTimeouts } from './timeouts.js';
import { Transcript, redactionMarker } from './transcript.js';
import { Connection, normaliseHost, type TlsSettings } from './transport/connection.js';

export interface SessionOptions {
  protocol?: Protocol;
  host?: string;
  port?: number;
  /** Absolute path of a Unix-domain socket (instead of host and port). */
  socketPath?: string;
  sourceAddress?: string;
  tls?: TlsMode;
  tlsOptions?: Partial<TlsSettings>;
  /** Name for EHLO/HELO/LHLO; defaults to this host's name if it is a domain, else an address literal. */
  ehloName?: string;
  /** Per-stage overrides in ms, or one number for every stage. */
  timeouts?: Partial<StageTimeouts> | number;
  /** Overall deadline for the whole session, in ms from connect. */
  deadlineMs?: number;
  signal?: AbortSignal;
  /** Use a transcript made by the caller (to stream its events); one is made otherwise. */
  transcript?: Transcript;
  /** Record every body line in the transcript instead of a summary. */
  captureData?: boolean;
  /** Allow credentials over a link that is neither encrypted, nor loopback, nor a Unix socket. */
  allowPlaintextAuth?: boolean;
  maxLineLength?: number;
  maxLinesPerReply?: number;
}

export interface AuthOptions {
  /** A mechanism name, or 'auto' (the strongest both sides support). */
  mechanism?: string;
  /** Send an RFC 4954 initial response where the mechanism allows (default true). */
  initialResponse?: boolean;
}

/** Default ports: 25 for SMTP, 465 for implicit TLS (SMTPS), 24 for LMTP. */
export function defaultPort(protocol: Protocol, tls: TlsMode): number {
  if (protocol === 'lmtp') return 24;
  return tls === 'implicit' ? 465 : 25;
}

const isLoopback = (address: string | undefined): boolean => {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || (net.isIPv4(plain) && plain.startsWith('127.'));
};

/**
 * One SMTP or LMTP session: an explicit state machine whose steps await the next reply.
 * The model is smtplib.SMTP; every method that talks to the server records to the transcript.
 */
export class SmtpSession {
  readonly protocol: Protocol;
  readonly tlsMode: TlsMode;
  readonly transcript: Transcript;
  readonly timeouts: StageTimeouts;
  readonly target: Target;
  greeting: Reply | undefined;
  helloVerb: 'EHLO' | 'HELO' | 'LHLO' | undefined;
  helloReply: Reply | undefined;
  capabilities: Capabilities = Capabilities.empty();
  capabilitiesBeforeTls: Capability[] | undefined;
  tlsInfo: TlsInfo | undefined;
  /** Why TLS was not used although it was optional. */
  tlsSkipped: string | undefined;
  authResult: AuthResult | undefined;
  private connection: Connection | undefined;
  private readonly tlsSettings: TlsSettings;
  private readonly deadline: number | undefined;
  /** The last reply was a 334 to a raw AUTH: the next raw line is a SASL response and is redacted. */
  private rawSaslPending = false;
  /** cancel() was called: nothing more is sent, no connection is opened. */
  private cancelled = false;
  /** Cancels a connect under way. */
  private cancelConnect: (() => void) | undefined;

  constructor(readonly options: SessionOptions) {
    this.protocol = options.protocol ?? 'smtp';
    this.tlsMode = options.tls ?? 'off';
    this.transcript = options.transcript ?? new Transcript();
    this.timeouts = resolveTimeouts(options.timeouts);
    this.tlsSettings = { verify: true, ...options.tlsOptions };
    this.deadline = options.deadlineMs !== undefined ? performance.now() + options.deadlineMs : undefined;
    if (options.socketPath !== undefined) {
      if (!options.socketPath.startsWith('/')) {
        throw new SmtpError('invalid-input', `Unix socket path must be absolute: ${options.socketPath}`);
      }
      assertWireSafe(options.socketPath, 'socket path');
    } else if (!options.host) {
      throw new SmtpError('invalid-input', 'a host (or a Unix socket path) is required');
    }
    const host = options.host !== undefined ? normaliseHost(options.host) : undefined;
    const port = options.socketPath === undefined ? options.port ?? defaultPort(this.protocol, this.tlsMode) : undefined;
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new SmtpError('invalid-input', `port must be a whole number from 1 to 65535, not ${port}`);
    }
    if (options.ehloName !== undefined) assertEhloName(options.ehloName);
    this.target = {
      protocol: this.protocol,
      tls: this.tlsMode,
      ehloName: options.ehloName ?? '',
      ...(options.socketPath !== undefined ? { socketPath: options.socketPath } : { host, port }),
    };
  }

  /** The open connection, or a typed error if there is none. */
  private get conn(): Connection {
    if (!this.connection) throw new SmtpError('server-disconnected', 'not connected');
    return this.connection;
  }

  get isConnected(): boolean {
    return this.connection?.isOpen ?? false;
  }

  get isTls(): boolean {
    return this.connection?.isTls ?? false;
  }

  /** Connect and read the greeting; implicit TLS is negotiated before it. */
  async connect(): Promise<Reply> {
    const { target } = this;
    if (this.cancelled) {
      const error = new SmtpError('cancelled', 'cancelled before connecting');
      this.transcript.error(error.message);
      throw error;
    }
    this.connection = await Connection.open({
      target: { host: target.host, port: target.port, socketPath: target.socketPath, sourceAddress: this.options.sourceAddress },
      transcript: this.transcript,
      implicitTls: this.tlsMode === 'implicit' ? this.tlsSettings : undefined,
      connectTimeoutMs: this.timeouts.connect,
      tlsHandshakeTimeoutMs: this.timeouts.tlsHandshake,
      deadline: this.deadline,
      signal: this.options.signal,
      maxLineLength: this.options.maxLineLength,
      maxLinesPerReply: this.options.maxLinesPerReply,
      // Kept even when verification fails, so the record can say why.
      onTls: (info) => {
        this.tlsInfo = info;
      },
      onConnecting: (cancel) => {
        this.cancelConnect = cancel;
      },
    })
      .catch((error: unknown) => {
        if (error instanceof SmtpError) this.transcript.error(error.message);
        throw error;
      })
      .finally(() => {
        this.cancelConnect = undefined;
      });
    const conn = this.connection;
    this.tlsInfo = conn.tlsInfo;
    Object.assign(target, {
      localAddress: conn.localAddress,
      localPort: conn.localPort,
      remoteAddress: conn.remoteAddress,
      remotePort: conn.remotePort,
    });
    if (!target.ehloName) target.ehloName = this.defaultEhloName();
    const greeting = await conn.readReply('greeting', this.timeouts.greeting);
    this.greeting = greeting;
    if (greeting.code !== 220) {
      throw new SmtpError('greeting-refused', `the server refused the connection: ${greeting.code} ${greeting.text}`, {
        reply: greeting,
        command: 'greeting',
      });
    }
    return greeting;
  }

  private defaultEhloName(): string {
    const name = os.hostname();
    if (/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(name)) return name;
    const local = this.connection?.localAddress;
    if (local && net.isIPv4(local)) return `[${local}]`;
    if (local && net.isIPv6(local)) {
      return local.startsWith('::ffff:') && net.isIPv4(local.slice(7)) ? `[${local.slice(7)}]` : `[IPv6:${local}]`;
    }
    return 'localhost';
  }

  /** Send one command and read its reply. `shown` is the redacted form for the transcript. */
  async command(line: string, stage: keyof StageTimeouts, shown?: string): Promise<Reply> {
    assertWireSafe(line, 'command');
    const conn = this.conn;
    await conn.sendLine(line, stage, this.timeouts[stage], shown);
    return conn.readReply(verbOf(shown ?? line), this.timeouts[stage]);
  }

  /** EHLO (LHLO for LMTP), falling back to HELO when an SMTP server refuses EHLO with 5xx. */
  async hello(): Promise<Reply> {
    const name = this.target.ehloName;
    if (this.protocol === 'lmtp') {
      const reply = await this.command(`LHLO ${name}`, 'ehlo');
      if (reply.code !== 250) {
        throw new SmtpError('helo-refused', `the server refused LHLO: ${reply.code} ${reply.text}`, { reply, command: 'LHLO' });
      }
      return this.accepted('LHLO', reply);
    }
    const ehlo = await this.command(`EHLO ${name}`, 'ehlo');
    if (ehlo.code === 250) return this.accepted('EHLO', ehlo);
    if (ehlo.code < 500) {
      throw new SmtpError('helo-refused', `the server refused EHLO: ${ehlo.code} ${ehlo.text}`, { reply: ehlo, command: 'EHLO' });
    }
    const helo = await this.command(`HELO ${name}`, 'ehlo');
    if (helo.code !== 250) {
      throw new SmtpError('helo-refused', `the server refused EHLO and HELO: ${helo.code} ${helo.text}`, {
        reply: helo,
        command: 'HELO',
      });
    }
    return this.accepted('HELO', helo);
  }

  private accepted(verb: 'EHLO' | 'HELO' | 'LHLO', reply: Reply): Reply {
    this.helloVerb = verb;
    this.helloReply = reply;
    this.capabilities = verb === 'HELO' ? Capabilities.empty() : Capabilities.fromEhlo(reply);
    return reply;
  }

  /** Whether the server advertised an extension (ignoring case), like smtplib's has_extn. */
  hasExtension(name: string): boolean {
    return this.capabilities.has(name);
  }

  /**
   * STARTTLS, then EHLO again; only the new capability list counts afterwards.
   * Never continues in plaintext once STARTTLS was sent.
   */
  async startTls(): Promise<TlsInfo> {
    if (this.isTls) throw new SmtpError('invalid-input', 'the connection is already encrypted');
    if (!this.capabilities.has('STARTTLS')) {
      throw new SmtpError('tls-not-offered', 'the server does not advertise STARTTLS; refusing to continue in plaintext', {
        command: 'STARTTLS',
      });
    }
    const conn = this.conn;
    conn.expectTlsUpgrade();
    const reply = await this.command('STARTTLS', 'starttls');
    if (reply.code !== 220) {
      conn.cancelTlsUpgrade();
      throw new SmtpError('tls-not-offered', `the server refused STARTTLS: ${reply.code} ${reply.text}`, {
        reply,
        command: 'STARTTLS',
      });
    }
    this.tlsInfo = await conn.upgradeToTls(this.tlsSettings, this.target.host, this.timeouts.tlsHandshake);
    this.capabilitiesBeforeTls = this.capabilities.list();
    // RFC 3207 §4.2: forget everything learnt before TLS, greet again.
    this.capabilities = Capabilities.empty();
    this.helloVerb = undefined;
    await this.hello();
    return this.tlsInfo;
  }

  /** Greet and apply the TLS mode: what every operation does first. */
  async open(): Promise<void> {
    await this.connect();
    await this.hello();
    if (this.tlsMode === 'starttls') {
      await this.startTls();
    } else if (this.tlsMode === 'starttls-optional') {
      if (!this.capabilities.has('STARTTLS')) {
        this.tlsSkipped = 'the server does not advertise STARTTLS: the session continued in plaintext';
        this.transcript.info(this.tlsSkipped);
        return;
      }
      try {
        await this.startTls();
      } catch (error) {
        // A refusal (454) leaves the plaintext link usable; any failure after the 220 does not.
        if (error instanceof SmtpError && error.code === 'tls-not-offered' && this.isConnected) {
          this.tlsSkipped = `the server refused STARTTLS (${error.replyCode} ${error.replyText}): the session continued in plaintext`;
          this.transcript.info(this.tlsSkipped);
          return;
        }
        throw error;
      }
    }
  }

  /** Whether credentials may be sent now: over TLS, loopback, a Unix socket, or with explicit permission. */
  private plaintextAuthAllowed(): boolean {
    if (this.isTls || this.options.allowPlaintextAuth) return true;
    if (this.target.socketPath !== undefined) return true;
    return isLoopback(this.connection?.remoteAddress);
  }

  /** AUTH with the chosen mechanism (no fallback to another after a failure), or the strongest advertised. */
  async authenticate(credentials: SaslCredentials, options: AuthOptions = {}): Promise<AuthResult> {
    assertWireSafe(credentials.user, 'user name');
    if (credentials.authzid !== undefined) assertWireSafe(credentials.authzid, 'authorization identity');
    const advertised = this.capabilities.authMechanisms;
    if (!this.capabilities.has('AUTH')) {
      throw new SmtpError('not-supported', 'the server does not advertise AUTH', { command: 'AUTH' });
    }
    let mechanism = options.mechanism?.toUpperCase();
    if (!mechanism || mechanism === 'AUTO') {
      mechanism = chooseMechanism(advertised, credentials);
      if (!mechanism) {
        throw new SmtpError('not-supported', `no supported mechanism among those advertised: ${advertised.join(' ') || '(none)'}`, {
          command: 'AUTH',
        });
      }
    } else if (!advertised.includes(mechanism)) {
      throw new SmtpError('not-supported', `the server does not advertise ${mechanism} (it offers: ${advertised.join(' ') || 'none'})`, {
        command: `AUTH ${mechanism}`,
      });
    }
    if (!this.plaintextAuthAllowed()) {
      throw new SmtpError(
        'auth-not-allowed',
        'refusing to send credentials over an unencrypted connection to a non-loopback host; use TLS, or allow plaintext authentication explicitly',
        { command: `AUTH ${mechanism}` },
      );
    }
    const client = createSaslClient(mechanism, credentials);
    const conn = this.conn;
    const outcome = await authenticate(
      {
        send: (line, shown) => conn.sendLine(line, 'auth', this.timeouts.auth, shown),
        read: () => conn.readReply('AUTH', this.timeouts.auth),
      },
      client,
      { initialResponse: options.initialResponse },
    );
    this.authResult = outcome.result;
    if (outcome.error) throw outcome.error;
    return outcome.result;
  }

  /** VRFY (RFC 5321 §3.5): the reply as is; 250/251/252 are the positive ones. */
  async verify(address: string): Promise<Reply> {
    assertWireSafe(address, 'address');
    return this.command(`VRFY ${address}`, 'command');
  }

  /** EXPN a mailing list. */
  async expn(list: string): Promise<Reply> {
    assertWireSafe(list, 'list name');
    return this.command(`EXPN ${list}`, 'command');
  }

  /** HELP, optionally on a topic. */
  async help(topic?: string): Promise<Reply> {
    if (topic !== undefined) assertWireSafe(topic, 'help topic');
    return this.command(topic ? `HELP ${topic}` : 'HELP', 'command');
  }

  noop(): Promise<Reply> {
    return this.command('NOOP', 'command');
  }

  rset(): Promise<Reply> {
    return this.command('RSET', 'command');
  }

  /**
   * Any command line, like smtplib's docmd. AUTH arguments, and the line after a 334 to it, are redacted.
   */
  async docmd(line: string): Promise<Reply> {
    assertWireSafe(line, 'raw command');
    let shown = line;
    const auth = /^(AUTH\s+\S+)\s+(\S.*)$/i.exec(line);
    if (this.rawSaslPending) shown = line === '*' || line === '' ? line : redactionMarker(line.length);
    else if (auth) shown = `${auth[1]} ${auth[2] === '=' ? '=' : redactionMarker(auth[2]!.length)}`;
    const reply = await this.command(line, 'command', shown);
    this.rawSaslPending = reply.code === 334 && (this.rawSaslPending || /^AUTH\s/i.test(line));
    return reply;
  }

  /** QUIT and close; never throws (a session that is already gone is simply closed). */
  async quit(): Promise<Reply | undefined> {
    const conn = this.connection;
    if (!conn) return undefined;
    let reply: Reply | undefined;
    if (conn.isOpen) {
      try {
        await conn.sendLine('QUIT', 'quit', this.timeouts.quit);
        reply = await conn.readReply('QUIT', this.timeouts.quit);
      } catch {
        // The server may close first; QUIT is best effort.
      }
    }
    await conn.close();
    return reply;
  }

  /** Drop the connection without QUIT. */
  close(): void {
    this.connection?.destroy();
  }

  /**
   * Cancel: a connect or a wait under way fails with 'cancelled' and the connection is dropped (no
   * QUIT); nothing is sent after it. The same as aborting the signal given in the options.
   */
  cancel(): void {
    this.cancelled = true;
    this.cancelConnect?.();
    this.connection?.cancel();
  }

  /** The connection, for the mail transaction and tests. */
  get link(): Connection {
    return this.conn;
  }
}

/** The verb of a command line, for naming the stage in errors. */
function verbOf(line: string): string {
  const space = line.indexOf(' ');
  const verb = space < 0 ? line : line.slice(0, space);
  return /^(MAIL|RCPT)$/i.test(verb) ? line.slice(0, line.indexOf(':') + 1 || undefined).toUpperCase() : verb.toUpperCase() || line;
}
