// Over 450 lines: the SMTP session state machine (greeting, EHLO/HELO, STARTTLS, AUTH, QUIT) in one place, by design.
import os from 'node:os';
import net from 'node:net';
import {
  defaultPort,
  type AuthResult,
  type Capability,
  type CommandExchange,
  type Protocol,
  type SessionHint,
  type SessionStage,
  type Target,
  type TlsInfo,
  type TlsMode,
} from '../../shared/session-record.js';
import { authenticate } from './auth/authenticate.js';
import { chooseMechanism, createSaslClient, type SaslCredentials } from './auth/sasl.js';
import { SmtpError } from './errors.js';
import { FindingLog } from './findings.js';
import { Capabilities } from './protocol/capabilities.js';
import { kindOfCommand, type ReplyKind } from './protocol/reply-rules.js';
import { replyInfo, type Reply } from './protocol/reply.js';
import { noteCapabilities, noteTls, noteTlsCapabilityChange } from './server-findings.js';
import { assertEhloName, assertWireSafe } from './protocol/wire-safety.js';
import type { StageTimings, TimingStage } from '../../shared/timings.js';
import { resolveTimeouts, type StageTimeouts } from './timeouts.js';
import { Transcript, redactionMarker } from './transcript.js';
import { proxyHeader, type ProxyHeaderInput } from './protocol/proxy-header.js';
import { assertAttributesOffered, type Attribute } from './protocol/attributes.js';
import { Connection, normaliseHost, type Expectation, type TlsSettings } from './transport/connection.js';
import { isLoopback } from './transport/loopback.js';

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
  /** Send a PROXY protocol header (HAProxy) before anything else, so the server sees these ends as the client's. */
  proxy?: ProxyHeaderInput;
  /** XCLIENT attributes (postfix), sent after EHLO (and TLS) when the server offers XCLIENT; then EHLO again. */
  xclient?: Attribute[];
  /** Told the peer's certificate chain as DER, leaf first, after each handshake (--save-chain). */
  onPeerChain?: (der: readonly Buffer[]) => void;
  /** Told every write and read as bytes, redacted as the transcript is (--hex). */
  onWire?: (dir: 'send' | 'recv', bytes: Buffer) => void;
  /** Greet with HELO, not EHLO (smtplib's helo()): no extensions, so no STARTTLS, AUTH or PIPELINING. SMTP only. */
  helo?: boolean;
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
  /** Told where the session is each time it starts to wait: connecting, a TLS handshake, a reply (for a live status line). */
  onStage?: (stage: SessionStage) => void;
  /** Told a hint while a wait goes on (a port that sends nothing may expect implicit TLS). */
  onHint?: (hint: SessionHint) => void;
}

/** Where open() may stop before its end (see SmtpSession.open). */
export type OpenUntil = 'connect' | 'greeting' | 'ehlo';

export interface AuthOptions {
  /** A mechanism name, or 'auto' (the strongest both sides support). */
  mechanism?: string;
  /** Send an RFC 4954 initial response where the mechanism allows (default true). */
  initialResponse?: boolean;
}

export { defaultPort };

/** A greeting later than this is a finding. */
const GREETING_DELAY_MS = 2000;
/** With no byte at all after this long (or half the greeting timeout, if shorter), the transcript suggests implicit TLS. */
const SILENT_GREETING_HINT_MS = 3000;

/** One line of a pipelined group and the reply (or replies, for the end of a message) it expects. */
export interface GroupCommand {
  line: string;
  /** The redacted form for the transcript, when it differs. */
  shown?: string;
  expect: Expectation | readonly Expectation[];
}

/** Bytes (already recorded in the transcript) written with a group, and the replies they are owed. */
export interface GroupBytes {
  bytes: readonly Buffer[];
  expect: readonly Expectation[];
}

/** Whether a host as given is really a URL, or carries credentials (`smtp://user:pass@host`), rather than a name or address. */
export function isUrlLikeHost(host: string): boolean {
  return /[/@\s]/.test(host);
}

/** Refuse a URL-like host; nothing of it is repeated, so a password typed there reaches no transcript, record or error. */
function assertPlainHost(host: string): void {
  if (isUrlLikeHost(host)) {
    throw new SmtpError(
      'invalid-input',
      'the host must be a host name or an IP address, not a URL (and credentials never go in it: use the user and password settings)',
    );
  }
}

/**
 * One SMTP or LMTP session: an explicit state machine whose steps await the next reply.
 * The model is smtplib.SMTP; every method that talks to the server records to the transcript.
 * Every command goes through the connection's reply ledger, so each reply is matched to the command it answers.
 */
/** What the smuggling self-test's transaction got, filled in as the replies arrive. */
export interface SmugglingExchange {
  mail?: Reply;
  rcpt?: Reply;
  data?: Reply;
  end?: Reply;
  /** Replies between the end of the data and QUIT's 221: answers to commands carried inside the message. */
  extra: Reply[];
  quit?: Reply;
}

export class SmtpSession {
  readonly protocol: Protocol;
  readonly tlsMode: TlsMode;
  readonly transcript: Transcript;
  readonly timeouts: StageTimeouts;
  readonly target: Target;
  /** Named evidence of how the server behaved, filled as the session runs. */
  readonly findings = new FindingLog();
  greeting: Reply | undefined;
  helloVerb: 'EHLO' | 'HELO' | 'LHLO' | undefined;
  helloReply: Reply | undefined;
  capabilities: Capabilities = Capabilities.empty();
  capabilitiesBeforeTls: Capability[] | undefined;
  tlsInfo: TlsInfo | undefined;
  /** Why TLS was not used although it was optional. */
  tlsSkipped: string | undefined;
  authResult: AuthResult | undefined;
  /** Where the time went, per stage, in ms (see shared/timings.ts). */
  readonly timings: StageTimings = {};
  /** A successful XCLIENT and the new greeting it was answered with. */
  xclientExchange: CommandExchange | undefined;
  private connection: Connection | undefined;
  private readonly tlsSettings: TlsSettings;
  private readonly deadline: number | undefined;
  /** The last reply was a 334 to a raw AUTH: the next raw line is a SASL response and is redacted. */
  private rawSaslPending = false;
  /** A raw DATA was answered 354: raw lines are the message until a lone ".". */
  private rawBody = false;
  /** A mail transaction is open (MAIL was accepted and the transaction has not ended): AUTH is not allowed. */
  private transactionOpen = false;
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
    } else {
      assertPlainHost(options.host);
    }
    const host = options.host !== undefined ? normaliseHost(options.host) : undefined;
    const port = options.socketPath === undefined ? (options.port ?? defaultPort(this.protocol, this.tlsMode)) : undefined;
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new SmtpError('invalid-input', `port must be a whole number from 1 to 65535, not ${port}`);
    }
    if (options.ehloName !== undefined) assertEhloName(options.ehloName);
    if (options.helo && this.protocol === 'lmtp') throw new SmtpError('invalid-input', 'LMTP greets with LHLO: HELO does not apply');
    if (options.helo && (this.tlsMode === 'starttls' || this.tlsMode === 'starttls-optional')) {
      throw new SmtpError('invalid-input', 'HELO gets no extension list, so STARTTLS cannot be offered: greet with EHLO for STARTTLS');
    }
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

  /** Set when a reply out of turn followed the answer to the end of a message (see Connection.endAnswerDoubt). */
  get endAnswerDoubt(): string | undefined {
    return this.connection?.endAnswerDoubt;
  }

  /** An expectation for a reply of `kind` to `command`, timed by `stage`'s timeout (a timeout names the command). */
  expect(kind: ReplyKind, command: string, stage: keyof StageTimeouts, extra: Partial<Expectation> = {}): Expectation {
    return { command, kind, stage: command, timeoutMs: this.timeouts[stage], ...extra };
  }

  /** The TLS client key to present with the configured certificate; only before connecting. */
  useClientKey(key: string): void {
    if (this.connection) throw new SmtpError('invalid-input', 'the session is connected already: too late for a client key');
    this.tlsSettings.key = key;
  }

  /**
   * Connect and read the greeting; implicit TLS is negotiated before it. With `readGreeting` false the greeting is
   * not waited for (a drop right after connecting): undefined is returned once the link is up.
   */
  async connect(readGreeting: false): Promise<undefined>;
  async connect(readGreeting?: true): Promise<Reply>;
  async connect(readGreeting = true): Promise<Reply | undefined> {
    const { target } = this;
    if (this.cancelled) {
      const error = new SmtpError('cancelled', 'cancelled before connecting');
      this.transcript.error(error.message);
      throw error;
    }
    const greetingExpected = this.expect('greeting', 'greeting', 'greeting');
    const startedAt = performance.now();
    this.options.onStage?.({ name: 'connect', timeoutMs: this.timeouts.connect });
    this.connection = await Connection.open({
      target: { host: target.host, port: target.port, socketPath: target.socketPath, sourceAddress: this.options.sourceAddress },
      transcript: this.transcript,
      implicitTls: this.tlsMode === 'implicit' ? this.tlsSettings : undefined,
      ...(this.options.proxy ? { preamble: (socket: net.Socket) => proxyHeader(this.options.proxy!, socket) } : {}),
      connectTimeoutMs: this.timeouts.connect,
      tlsHandshakeTimeoutMs: this.timeouts.tlsHandshake,
      deadline: this.deadline,
      signal: this.options.signal,
      maxLineLength: this.options.maxLineLength,
      maxLinesPerReply: this.options.maxLinesPerReply,
      greeting: greetingExpected,
      findings: this.findings,
      // Kept even when verification fails, so the record can say why.
      onTls: (info, der) => {
        this.tlsInfo = info;
        this.options.onPeerChain?.(der);
        noteTls(this.findings, info, this.transcript.lastIndex);
      },
      onConnecting: (cancel) => {
        this.cancelConnect = cancel;
      },
      onStage: this.options.onStage,
      ...(this.options.onWire ? { onWire: this.options.onWire } : {}),
    })
      .catch((error: unknown) => {
        if (error instanceof SmtpError) this.transcript.error(error.message);
        throw error;
      })
      .finally(() => {
        this.cancelConnect = undefined;
      });
    const conn = this.connection;
    this.time('connect', conn.connectedAt - startedAt);
    if (conn.secureAt !== undefined) this.time('tlsHandshake', conn.secureAt - conn.connectedAt);
    this.tlsInfo = conn.tlsInfo;
    Object.assign(target, {
      localAddress: conn.localAddress,
      localPort: conn.localPort,
      remoteAddress: conn.remoteAddress,
      remotePort: conn.remotePort,
    });
    if (!target.ehloName) target.ehloName = this.defaultEhloName();
    if (!readGreeting) return undefined;
    const connectedAt = performance.now();
    // A port that says nothing may be waiting for a TLS ClientHello: say so while the wait goes on.
    const implicitHint =
      this.tlsMode === 'implicit'
        ? undefined
        : 'this port may expect implicit TLS (SMTPS, usually port 465): try implicit TLS (--tls implicit)';
    const hintAfter = Math.min(SILENT_GREETING_HINT_MS, Math.round(this.timeouts.greeting / 2));
    const hintTimer = implicitHint
      ? setTimeout(() => {
          if (conn.bytesReceived !== 0 || !conn.isOpen) return;
          this.transcript.info(`no greeting after ${(hintAfter / 1000).toFixed(1)} s: ${implicitHint}`);
          this.options.onHint?.({
            text: `No greeting after ${Math.round(hintAfter / 1000)} s: this port may expect implicit TLS (SMTPS, usually port 465).`,
            suggestTls: 'implicit',
          });
        }, hintAfter)
      : undefined;
    hintTimer?.unref();
    let greeting: Reply;
    try {
      greeting = await conn.nextReply();
    } catch (error) {
      if (error instanceof SmtpError && implicitHint && conn.bytesReceived === 0 && error.code === 'timeout') {
        throw error.withHint(`the server sent nothing: ${implicitHint}`, 'implicit');
      }
      throw error;
    } finally {
      clearTimeout(hintTimer);
    }
    this.greeting = greeting;
    const waited = performance.now() - connectedAt;
    this.time('greeting', waited);
    if (waited > GREETING_DELAY_MS) {
      this.findings.add('greeting-delay', `the greeting came ${(waited / 1000).toFixed(1)} s after the connection was made`, [greeting.at]);
    }
    if (greeting.code !== 220) {
      throw new SmtpError('greeting-refused', `the server refused the connection: ${greeting.code} ${greeting.text}`, {
        reply: greeting,
        command: 'greeting',
      });
    }
    // Anything sent right behind the greeting answers nothing: let it arrive (and fail the session) before EHLO.
    await conn.settle();
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

  /**
   * Send one command and read its reply. `shown` is the redacted form for the transcript; `kind` says which replies
   * can answer it (by default, what its verb expects).
   */
  async command(line: string, stage: keyof StageTimeouts, shown?: string, kind: ReplyKind = kindOfCommand(line)): Promise<Reply> {
    assertWireSafe(line, 'command');
    const conn = this.conn;
    await conn.sendLine(line, this.expect(kind, verbOf(shown ?? line), stage), shown);
    const reply = await conn.nextReply();
    this.track(line, reply);
    return reply;
  }

  /** Keep the transaction state the AUTH rules need, from a command and its reply. */
  private track(line: string, reply: Reply): void {
    const verb = /^\s*([A-Za-z]+)/.exec(line)?.[1]?.toUpperCase();
    if (verb === 'MAIL' && reply.code === 250) this.transactionOpen = true;
    else if ((verb === 'RSET' || verb === 'EHLO' || verb === 'HELO' || verb === 'LHLO') && reply.code === 250) this.transactionOpen = false;
  }

  /** A mail transaction began (MAIL accepted) or ended (its outcome, a refusal, RSET). */
  set inTransaction(open: boolean) {
    this.transactionOpen = open;
  }

  get inTransaction(): boolean {
    return this.transactionOpen;
  }

  /** Add `ms` to a stage's time. */
  time(stage: TimingStage, ms: number): void {
    this.timings[stage] = Math.round(((this.timings[stage] ?? 0) + ms) * 1000) / 1000;
  }

  /** EHLO (LHLO for LMTP), falling back to HELO when an SMTP server refuses EHLO with 5xx. */
  async hello(): Promise<Reply> {
    const started = performance.now();
    try {
      return await this.greet();
    } finally {
      this.time('ehlo', performance.now() - started);
    }
  }

  private async greet(): Promise<Reply> {
    const name = this.target.ehloName;
    if (this.protocol === 'lmtp') {
      const reply = await this.command(`LHLO ${name}`, 'ehlo');
      if (reply.code !== 250) {
        throw new SmtpError('helo-refused', `the server refused LHLO: ${reply.code} ${reply.text}`, { reply, command: 'LHLO' });
      }
      return this.accepted('LHLO', reply);
    }
    if (this.options.helo) {
      const helo = await this.command(`HELO ${name}`, 'ehlo');
      if (helo.code !== 250) {
        throw new SmtpError('helo-refused', `the server refused HELO: ${helo.code} ${helo.text}`, { reply: helo, command: 'HELO' });
      }
      return this.accepted('HELO', helo);
    }
    const ehlo = await this.command(`EHLO ${name}`, 'ehlo');
    if (ehlo.code === 250) return this.accepted('EHLO', ehlo);
    if (ehlo.code < 500) {
      throw new SmtpError('helo-refused', `the server refused EHLO: ${ehlo.code} ${ehlo.text}`, { reply: ehlo, command: 'EHLO' });
    }
    this.findings.add('helo-fallback', `EHLO was refused (${ehlo.code} ${ehlo.text}); the session went on with HELO`, [ehlo.at]);
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
    if (verb !== 'HELO') {
      noteCapabilities(this.findings, this.capabilities, this.isTls, reply.at);
      this.connection?.expectEnhancedCodes(this.capabilities.has('ENHANCEDSTATUSCODES'));
    }
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
    const started = performance.now();
    await conn.sendLine('STARTTLS', this.expect('starttls', 'STARTTLS', 'starttls', { upgrade: true }));
    const reply = await conn.nextReply();
    if (reply.code !== 220) {
      throw new SmtpError('tls-not-offered', `the server refused STARTTLS: ${reply.code} ${reply.text}`, {
        reply,
        command: 'STARTTLS',
      });
    }
    // The TLS findings were noted as the handshake finished (onTls), also when verification then failed.
    try {
      this.tlsInfo = await conn.upgradeToTls(this.tlsSettings, this.target.host, this.timeouts.tlsHandshake);
    } finally {
      this.time('starttls', performance.now() - started);
    }
    const before = this.capabilities.list();
    this.capabilitiesBeforeTls = before;
    // RFC 3207 §4.2: forget everything learnt before TLS, greet again.
    this.capabilities = Capabilities.empty();
    this.helloVerb = undefined;
    this.authResult = undefined;
    const again = await this.hello();
    noteTlsCapabilityChange(this.findings, before, this.capabilities.list(), again.at);
    return this.tlsInfo;
  }

  /**
   * Greet and apply the TLS mode: what every operation does first. `until` stops early: right after the connection
   * is made (no greeting read), after the greeting, or after the first EHLO (before any STARTTLS).
   */
  async open(until?: OpenUntil): Promise<void> {
    if (until === 'connect') {
      await this.connect(false);
      return;
    }
    await this.connect();
    if (until === 'greeting') return;
    await this.hello();
    if (until === 'ehlo') return;
    await this.applyTlsMode();
    if (this.options.xclient?.length) await this.xclient(this.options.xclient);
  }

  /** STARTTLS as the TLS mode asks (required, or optional with the reason noted when it was not used). */
  private async applyTlsMode(): Promise<void> {
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

  /**
   * XCLIENT (postfix): the server takes these attributes as the client's and answers with a new greeting (220); the
   * session then greets again and only the new capability list counts. Throws not-supported when XCLIENT or an
   * attribute is not offered, command-failed when it is refused.
   */
  async xclient(attributes: readonly Attribute[]): Promise<Reply> {
    const line = assertAttributesOffered('XCLIENT', attributes, this.capabilities.params('XCLIENT'));
    const reply = await this.command(line, 'ehlo', undefined, 'xclient');
    if (reply.code !== 220) {
      throw new SmtpError('command-failed', `the server refused XCLIENT: ${reply.code} ${reply.text}`, { reply, command: 'XCLIENT' });
    }
    this.xclientExchange = { command: line, reply: replyInfo(reply) };
    this.capabilities = Capabilities.empty();
    this.helloVerb = undefined;
    this.transactionOpen = false;
    await this.hello();
    return reply;
  }

  /**
   * XFORWARD (postfix) before a transaction: the line sent and its 250, or command-failed; not-supported when it or
   * an attribute is not offered.
   */
  async xforward(attributes: readonly Attribute[]): Promise<{ command: string; reply: Reply }> {
    const line = assertAttributesOffered('XFORWARD', attributes, this.capabilities.params('XFORWARD'));
    const reply = await this.command(line, 'mail', undefined, 'xforward');
    if (reply.code !== 250) {
      throw new SmtpError('command-failed', `the server refused XFORWARD: ${reply.code} ${reply.text}`, { reply, command: 'XFORWARD' });
    }
    return { command: line, reply };
  }

  /** Whether credentials may be sent now: over TLS, loopback, a Unix socket, or with explicit permission. */
  private plaintextAuthAllowed(): boolean {
    if (this.isTls || this.options.allowPlaintextAuth) return true;
    if (this.target.socketPath !== undefined) return true;
    return isLoopback(this.connection?.remoteAddress);
  }

  /** RFC 4954 §4: no AUTH inside a mail transaction, and none after a successful one. Throws invalid-input. */
  private assertAuthAllowedNow(): void {
    if (this.transactionOpen) {
      throw new SmtpError('invalid-input', 'AUTH is not allowed during a mail transaction (RFC 4954 §4); end it first (RSET)', {
        command: 'AUTH',
      });
    }
    if (this.authResult?.ok) {
      throw new SmtpError(
        'invalid-input',
        `already authenticated (as ${this.authResult.mechanism}); a second AUTH is not allowed (RFC 4954 §4)`,
        {
          command: 'AUTH',
        },
      );
    }
  }

  /** AUTH with the chosen mechanism (no fallback to another after a failure), or the strongest advertised. */
  async authenticate(credentials: SaslCredentials, options: AuthOptions = {}): Promise<AuthResult> {
    assertWireSafe(credentials.user, 'user name');
    if (credentials.authzid !== undefined) assertWireSafe(credentials.authzid, 'authorization identity');
    this.assertAuthAllowedNow();
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
    const { host, port } = this.target;
    const client = createSaslClient(mechanism, credentials, {
      ...(host !== undefined ? { host } : {}),
      ...(port !== undefined ? { port } : {}),
    });
    const conn = this.conn;
    const command = `AUTH ${mechanism}`;
    const authStarted = performance.now();
    const outcome = await authenticate(
      {
        send: (line, shown) => conn.sendLine(line, this.expect('auth', command, 'auth', { stage: 'AUTH' }), shown),
        read: () => conn.nextReply(),
      },
      client,
      { initialResponse: options.initialResponse },
    );
    this.time('auth', performance.now() - authStarted);
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

  async rset(): Promise<Reply> {
    const reply = await this.command('RSET', 'command');
    if (reply.code === 250) this.transactionOpen = false;
    return reply;
  }

  /**
   * Any command line, like smtplib's docmd. AUTH arguments, and the line after a 334 to it, are redacted.
   * The same rules hold as for the engine's own commands: AUTH inside a transaction or after a successful AUTH is
   * refused before it is sent. After a raw DATA answered 354, lines are the message (no reply each) until ".".
   * Returns the reply, or undefined for a message line (it has none).
   */
  async docmd(line: string): Promise<Reply | undefined> {
    return (await this.rawLine(line)).reply;
  }

  /** docmd, also returning the line as the transcript shows it (AUTH arguments redacted): what a record may keep. */
  async rawLine(line: string): Promise<{ reply?: Reply; shown: string }> {
    assertWireSafe(line, 'raw command');
    if (this.rawBody) {
      if (line !== '.') {
        // A message line: dot-stuffed as DATA requires, and answered by nothing until the end.
        const conn = this.conn;
        this.transcript.sent(line);
        await conn.write((line.startsWith('.') ? '.' : '') + line + '\r\n', 'data block', this.timeouts.dataBlock);
        return { shown: line };
      }
      this.rawBody = false;
      const reply = await this.command('.', 'dataEnd', undefined, 'data-end');
      this.transactionOpen = false;
      return { reply, shown: line };
    }
    const auth = /^(AUTH\s+\S+)\s+(\S.*)$/i.exec(line);
    if (/^AUTH(\s|$)/i.test(line) && !this.rawSaslPending) this.assertAuthAllowedNow();
    let shown = line;
    let kind: ReplyKind = kindOfCommand(line);
    if (this.rawSaslPending) {
      shown = line === '*' || line === '' ? line : redactionMarker(line.length);
      kind = 'auth';
    } else if (auth) shown = `${auth[1]} ${auth[2] === '=' ? '=' : redactionMarker(auth[2]!.length)}`;
    const reply = await this.command(line, 'command', shown, kind);
    const inAuth = this.rawSaslPending || /^AUTH\s/i.test(line);
    this.rawSaslPending = reply.code === 334 && inAuth;
    if (inAuth && reply.code === 235) {
      this.authResult = {
        mechanism: /^AUTH\s+(\S+)/i.exec(line)?.[1]?.toUpperCase() ?? 'AUTH',
        ok: true,
        code: 235,
        text: reply.text,
        steps: [],
        durationMs: 0,
      };
    }
    if (/^DATA$/i.test(line.trim()) && reply.code === 354) this.rawBody = true;
    return { reply, shown };
  }

  /**
   * The smuggling self-test's one transaction (smuggling-test.ts is the only caller, behind --i-own-this-server): MAIL,
   * RCPT, DATA, then `payload` exactly as given — bare CR and LF included, which every other path refuses or turns
   * into CRLF — and QUIT in the same write. The end of the data is owed one reply and QUIT its 221; any reply
   * between them answers a command the payload carried inside the message, so the server ended the data early.
   * Up to `maxExtra` such replies are taken (more is a flood, and the connection's rules apply). `into` is filled in
   * as replies arrive, so a failure part-way still tells what happened.
   */
  async smugglingExchange(
    envelope: { from: string; to: string },
    payload: Buffer,
    maxExtra: number,
    into: SmugglingExchange,
  ): Promise<void> {
    const conn = this.conn;
    into.mail = await this.command(`MAIL FROM:<${envelope.from}>`, 'mail');
    if (into.mail.code !== 250) return;
    into.rcpt = await this.command(`RCPT TO:<${envelope.to}>`, 'rcpt');
    if (into.rcpt.code !== 250 && into.rcpt.code !== 251) return;
    into.data = await this.command('DATA', 'dataInit', undefined, 'data');
    if (into.data.code !== 354) return;
    for (const line of payload.toString('latin1').split('\r\n').slice(0, -1)) this.transcript.sent(line);
    this.transcript.sent('QUIT');
    let left = maxExtra;
    const quitOrSmuggled = (): Expectation => ({
      ...this.expect('any', 'QUIT (or a command smuggled in the message)', 'quit'),
      then: (reply) => (reply.code === 221 || --left < 0 ? undefined : [quitOrSmuggled()]),
    });
    await conn.send(
      [payload, 'QUIT\r\n'],
      [this.expect('data-end', 'end of data', 'dataEnd'), quitOrSmuggled()],
      'data end',
      this.timeouts.dataEnd,
    );
    into.end = await conn.nextReply();
    for (;;) {
      const reply = await conn.nextReply();
      if (reply.code === 221) {
        into.quit = reply;
        break;
      }
      into.extra.push(reply);
      if (into.extra.length > maxExtra) break;
    }
    await conn.close();
  }

  /** QUIT and close; never throws (a session that is already gone is simply closed). */
  async quit(): Promise<Reply | undefined> {
    const conn = this.connection;
    if (!conn) return undefined;
    let reply: Reply | undefined;
    if (conn.isOpen) {
      try {
        await conn.sendLine('QUIT', this.expect('quit', 'QUIT', 'quit'));
        reply = await conn.nextReply();
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

  // --- The small API a mail transaction needs: send a group, take N replies. -------------------------------

  /**
   * Write a pipelined group in one write: bytes that go first (the end of an earlier message, owed its replies),
   * then command lines, each recorded in the transcript and owed its reply, then bytes that go last (a BDAT chunk).
   * Every expectation is registered before anything is written.
   */
  async sendGroup(
    group: {
      before?: GroupBytes;
      commands: readonly GroupCommand[];
      /** The command lines' bytes, CRLF after each, when the caller has them made already (they are not checked again). */
      bytes?: Buffer;
      after?: readonly Buffer[];
      /** Called once the command lines are in the transcript (what `after` holds is recorded by the caller then). */
      onRecorded?: () => void;
    },
    stage: keyof StageTimeouts,
  ): Promise<void> {
    const conn = this.conn;
    const expectations: Expectation[] = [];
    const parts: (Buffer | string)[] = [];
    if (group.before) {
      expectations.push(...group.before.expect);
      parts.push(...group.before.bytes);
    }
    let lines = '';
    const made = group.bytes;
    for (const command of group.commands) {
      if (!made) assertWireSafe(command.line, 'command');
      this.transcript.sent(command.shown ?? command.line, command.shown !== undefined && command.shown !== command.line);
      if (Array.isArray(command.expect)) expectations.push(...(command.expect as readonly Expectation[]));
      else expectations.push(command.expect as Expectation);
      if (!made) lines += command.line + '\r\n';
    }
    group.onRecorded?.();
    if (made) parts.push(made);
    else if (lines) parts.push(Buffer.from(lines, 'utf8'));
    if (group.after) parts.push(...group.after);
    await conn.send(parts, expectations, stageName(stage), this.timeouts[stage]);
  }

  /** Write bytes owed `expect` replies (the end of a message, a BDAT chunk): registered, then written. */
  async sendBytes(parts: readonly Buffer[], expect: readonly Expectation[], stage: keyof StageTimeouts): Promise<void> {
    await this.conn.send(parts, expect, stageName(stage), this.timeouts[stage]);
  }

  /** Write message bytes that no reply answers (the body before its end). */
  async writeBody(parts: readonly Buffer[]): Promise<void> {
    await this.conn.writeParts(parts, 'data block', this.timeouts.dataBlock);
  }

  /** Exactly `count` replies, in the order their commands went out. */
  replies(count: number): Promise<Reply[]> {
    return this.conn.replies(count);
  }

  /** The next `count` replies if all have arrived, without a wait (none taken otherwise). */
  ready(count: number): Reply[] | undefined {
    return this.conn.ready(count);
  }

  /** The next reply. */
  nextReply(): Promise<Reply> {
    return this.conn.nextReply();
  }

  /** Replies arrived and not yet taken. */
  get waitingReplies(): number {
    return this.connection?.waiting ?? 0;
  }

  /** Let replies already on their way arrive before the end of a message is sent (see Connection.settle). */
  settle(): Promise<void> {
    return this.conn.settle();
  }
}

/** The name a write's timeout error gives its stage. */
function stageName(stage: keyof StageTimeouts): string {
  return stage === 'dataBlock' ? 'data block' : stage;
}

/** The verb of a command line, for naming the stage in errors. */
function verbOf(line: string): string {
  const space = line.indexOf(' ');
  const verb = space < 0 ? line : line.slice(0, space);
  return /^(MAIL|RCPT)$/i.test(verb) ? line.slice(0, line.indexOf(':') + 1 || undefined).toUpperCase() : verb.toUpperCase() || line;
}
