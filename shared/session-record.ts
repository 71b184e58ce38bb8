import type { SmtpErrorInfo } from './errors.js';
import type { Finding } from './findings.js';
import type { StageTimings } from './timings.js';

export type { Finding };

/** The session record: one typed, JSON-serialisable object that the CLI prints, the app shows and exports. */

export type Protocol = 'smtp' | 'lmtp';
export type TlsMode = 'off' | 'starttls' | 'starttls-optional' | 'implicit';
export type Operation = 'probe' | 'send' | 'verify' | 'raw' | 'session';

/** The port used when none is given: 24 for LMTP, 465 for implicit TLS (SMTPS), 25 otherwise. */
export function defaultPort(protocol: Protocol, tls: TlsMode): number {
  if (protocol === 'lmtp') return 24;
  return tls === 'implicit' ? 465 : 25;
}

export interface Target {
  protocol: Protocol;
  tls: TlsMode;
  /** Host as the user typed it (name, IPv4 or IPv6 literal); absent for a Unix socket. */
  host?: string;
  port?: number;
  /** Absolute path of a Unix-domain socket. */
  socketPath?: string;
  /** Name sent in EHLO/HELO/LHLO. */
  ehloName: string;
  /** Local and remote addresses as the socket reported them. */
  localAddress?: string;
  localPort?: number;
  remoteAddress?: string;
  remotePort?: number;
}

export type Direction = 'send' | 'recv' | 'info' | 'error';

/**
 * Where a session is while it runs: connecting, the TLS handshake, waiting for a reply (named by the command it
 * answers: "greeting", "EHLO", "final dot"), or sending a message's body. `timeoutMs`: how long the wait may take.
 */
export interface SessionStage {
  name: 'connect' | 'tls-handshake' | 'reply' | 'body';
  /** For a reply: the command it answers ("greeting", "EHLO", "MAIL FROM:", "final dot"). */
  command?: string;
  timeoutMs?: number;
}

/** What to try next while a wait goes on (a silent port that may expect implicit TLS). */
export interface SessionHint {
  text: string;
  suggestTls?: TlsMode;
}

export interface TranscriptEvent {
  /** Microseconds since the session started, from a monotonic clock. */
  t: number;
  /** Wall-clock time in milliseconds since the Unix epoch. */
  wall: number;
  dir: Direction;
  /** Whether the line travelled inside TLS. */
  tls: boolean;
  /** One line without its CRLF (control characters other than TAB escaped), or an informational message. */
  text: string;
  /** Set when part of the line was replaced by a redaction marker at capture. */
  redacted?: boolean;
  /** Set on a received line that ended in a bare LF rather than CRLF. */
  bareLf?: boolean;
}

export interface ReplyInfo {
  code: number;
  enhancedCode?: string;
  /** Text of all lines, joined with "\n" (without the code and separator). */
  text: string;
}

export interface Capability {
  /** Extension keyword in upper case, as smtplib's esmtp_features keys are lower case: compare ignoring case. */
  name: string;
  /** Parameters after the keyword, split on spaces. */
  params: string[];
}

export interface CertificateInfo {
  subject: string;
  issuer: string;
  subjectAltNames: string[];
  validFrom: string;
  validTo: string;
  /** SHA-256 fingerprint, upper-case hex pairs joined by colons. */
  fingerprint256: string;
  serialNumber: string;
}

export interface TlsInfo {
  /** How TLS started: implicitly on connect or through STARTTLS. */
  via: 'implicit' | 'starttls';
  protocol: string | null;
  cipher: string | null;
  /** Whether the peer's certificate chain and name were verified. */
  authorized: boolean;
  /** Why not, when not (Node's reason code, e.g. DEPTH_ZERO_SELF_SIGNED_CERT or ERR_TLS_CERT_ALTNAME_INVALID). */
  authorizationError?: string;
  /** Whether the leaf certificate names `servername`, checked even when the chain did not verify (absent: no name or no certificate). */
  nameMatches?: boolean;
  /** Whether verification was asked for (false under --insecure). */
  verificationRequired: boolean;
  /** The name the certificate was checked against and sent as SNI. */
  servername?: string;
  /** Leaf first. */
  peerCertificate: CertificateInfo[];
  /**
   * The client certificate this session held for the server (--client-cert): sent when the server asked for one;
   * TLS does not tell the client whether the server checked it.
   */
  clientCertificate?: Pick<CertificateInfo, 'subject' | 'issuer' | 'fingerprint256' | 'validTo'>;
}

export interface AuthStep {
  /** What the client sent, redacted ("AUTH PLAIN <redacted 28 bytes>"). */
  sent: string;
  reply: ReplyInfo;
}

export interface AuthResult {
  mechanism: string;
  ok: boolean;
  code?: number;
  enhancedCode?: string;
  text?: string;
  steps: AuthStep[];
  /** Milliseconds from the AUTH command to its final reply. */
  durationMs: number;
  /** For SCRAM: whether the server's signature was verified. */
  serverSignatureVerified?: boolean;
  /** What the server said about a failure inside the exchange, decoded (XOAUTH2/OAUTHBEARER send a JSON error in a 334). */
  /** XOAUTH2 / OAUTHBEARER: the server's JSON error challenge, decoded (openidConfiguration: RFC 7628's discovery URL). */
  serverError?: { text: string; status?: string; schemes?: string; scope?: string; openidConfiguration?: string };
}

export interface RecipientOutcome {
  address: string;
  accepted: boolean;
  rcpt: ReplyInfo;
  /** Reply after the data: for LMTP one per accepted recipient; for SMTP the shared final reply. */
  data?: ReplyInfo;
  /** Whether the message reached this recipient (false also when that is unknown: see `failure`). */
  delivered: boolean;
  /**
   * Why not delivered: 'temporary' for 4xx, 'permanent' for 5xx, 'unknown' when the connection was lost (or timed out)
   * after the end of the message was sent and before this recipient's reply: the server may have accepted it.
   * Absent when delivered.
   */
  failure?: 'temporary' | 'permanent' | 'unknown';
}

/**
 * delivered: to every recipient; partial: to some, and the others were refused; none: to nobody; unknown: the answer
 * for some recipient never came (the link was lost after the end of the message was sent), so it may have been
 * delivered.
 */
export type Verdict = 'delivered' | 'partial' | 'none' | 'unknown';

export interface MessageSummary {
  envelopeFrom: string;
  envelopeTo: string[];
  /** Bytes of the message as given to DATA/BDAT (before dot-stuffing). */
  size: number;
  /** Bytes actually written for the body, including dot-stuffing and the terminator (or BDAT chunks). */
  wireBytes: number;
  method: 'DATA' | 'BDAT';
  messageId?: string;
  mailParams: string[];
  /** PRDR was used: the server's 353 and its final reply for the message (absent when it never came). */
  prdr?: { intro: ReplyInfo; final?: ReplyInfo };
}

/** One message of a batch that was not delivered to every recipient. */
export interface BatchFailure {
  /** Position in the batch, from 0. */
  index: number;
  verdict: Verdict;
  /** Why nobody got it (absent for a partial delivery: see the recipients). */
  error?: SmtpErrorInfo;
  recipients: RecipientOutcome[];
}

/** Many messages sent on one connection (a load test, `smtp-lens send --count N`). */
export interface BatchSummary {
  /** Messages started; those still under way when the connection failed count as failed. */
  attempted: number;
  delivered: number;
  partial: number;
  failed: number;
  /** Messages whose end was sent but whose reply never came (the connection was lost): they may have been delivered. */
  unknown?: number;
  method?: 'DATA' | 'BDAT';
  /** Whether messages were pipelined with each other (the end of one with the next one's commands). */
  pipelined: boolean;
  /** BDAT: most whole messages on the wire ahead of their replies. */
  window: number;
  onFailure: 'continue' | 'stop';
  /** Set when onFailure 'stop' ended the batch early. */
  stopped?: boolean;
  durationMs: number;
  messagesPerSecond: number;
  /** The first failures in detail (at most 100 by default); all are counted above. */
  failures: BatchFailure[];
}

export interface CommandExchange {
  command: string;
  reply: ReplyInfo;
}

export interface SessionResult {
  ok: boolean;
  verdict?: Verdict;
  error?: SmtpErrorInfo;
  /** Set on a saved session whose log ends before the session did (killed): the result above is then `interrupted`. */
  interrupted?: true;
}

/** The stages a session can be told to stop after (swaks' --quit-after/--drop-after), in the order they happen. */
export const STOP_STAGES = ['connect', 'greeting', 'ehlo', 'tls', 'auth', 'mail', 'rcpt'] as const;
export type StopStage = (typeof STOP_STAGES)[number];

/** A session that stopped where it was told to: after `stage`, with QUIT (`quit`) or by dropping the link. */
export interface StoppedAfter {
  stage: StopStage;
  quit: boolean;
}

export interface SessionRecord {
  version: 1;
  tool: string;
  operation: Operation;
  /** Wall-clock start, ISO 8601. */
  startedAt: string;
  durationMs: number;
  target: Target;
  greeting?: ReplyInfo;
  /** The greeting verb that succeeded: EHLO, HELO or LHLO. */
  helloVerb?: 'EHLO' | 'HELO' | 'LHLO';
  /** Capabilities in force at the end (after STARTTLS, the new list only). */
  capabilities: Capability[];
  /** The list advertised before STARTTLS, when STARTTLS happened. */
  capabilitiesBeforeTls?: Capability[];
  tls?: TlsInfo;
  /** Set when TLS was optional and not used, saying why: the link was plaintext. */
  tlsSkipped?: string;
  auth?: AuthResult;
  /** Set when AUTH was optional and not done, saying why (not offered, or no usable mechanism). */
  authSkipped?: string;
  message?: MessageSummary;
  recipients?: RecipientOutcome[];
  /** Set when many messages were sent in one step; `message` then describes the first of them. */
  batch?: BatchSummary;
  /** VRFY/EXPN/raw commands and their replies. */
  commands?: CommandExchange[];
  /** Where the time went, per stage, in ms (shared/timings.ts); absent in logs written before it existed. */
  timings?: StageTimings;
  /** A successful XCLIENT (postfix) and the new greeting that answered it; the session greeted again after it. */
  xclient?: CommandExchange;
  /** Set when the session stopped at a stage as asked (no message was sent after it); absent when it failed before. */
  stoppedAfter?: StoppedAfter;
  /** Named evidence of how the server behaved (see shared/findings.ts); absent in logs written before findings existed. */
  findings?: Finding[];
  /** Transcript events not kept because the session passed the transcript's cap (counted, not stored). */
  eventsDropped?: { count: number; bytes: number };
  /** Set when `events` is left out (a live session's answers: its events were streamed): how many there are. */
  eventCount?: number;
  events: TranscriptEvent[];
  result: SessionResult;
}

/** A record without its transcript: a log's head lines hold it, and a session's end carries it (its events were streamed). */
export type RecordWithoutEvents = Omit<SessionRecord, 'events'>;

export function withoutEvents(record: SessionRecord): RecordWithoutEvents {
  const { events: _events, ...rest } = record;
  return rest;
}
