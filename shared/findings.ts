/**
 * Findings: named evidence of how a server behaved, gathered while a session runs. Each id is stable (callers,
 * monitoring and diffs switch on it); the catalog says what it means, why it matters and where the rule is written.
 * Pure data, shared by the engine, the CLI, the exports and the app.
 */

export type FindingSeverity = 'info' | 'warning' | 'error';

export const FINDING_IDS = [
  'unsolicited-reply',
  'bare-lf-in-reply',
  'bare-cr-in-reply',
  'reply-line-too-long',
  'lmtp-reply-count',
  'plaintext-after-starttls',
  'auth-before-tls',
  'starttls-offered-after-tls',
  'capabilities-changed-across-tls',
  'no-enhanced-status-codes',
  'enhanced-code-mismatch',
  'helo-fallback',
  'greeting-delay',
  'size-exceeded-accepted',
  'prdr-offered',
  'pipelining-without-advertising',
  'certificate-expires-soon',
  'certificate-name-mismatch',
  'weak-tls-version',
  'self-signed-certificate',
] as const;

export type FindingId = (typeof FINDING_IDS)[number];

/** One finding in a session record. */
export interface Finding {
  id: FindingId;
  severity: FindingSeverity;
  /** The catalog's title. */
  title: string;
  /** What was seen in this session, in words (server text in it is shown as received; display layers make it inert). */
  detail: string;
  /** Indices into the record's `events` where it was seen (the first few). */
  events: number[];
}

export interface FindingDefinition {
  severity: FindingSeverity;
  title: string;
  /** Why it matters, one sentence. */
  why: string;
  /** The rule, e.g. "RFC 5321 §4.2". */
  reference: string;
}

export const FINDINGS: Record<FindingId, FindingDefinition> = {
  'unsolicited-reply': {
    severity: 'error',
    title: 'Reply sent out of turn',
    why: 'A reply that answers no command shifts every later reply onto the wrong command, so outcomes read from it cannot be trusted.',
    reference: 'RFC 5321 §4.1.1, §4.2; RFC 2920 §3',
  },
  'bare-lf-in-reply': {
    severity: 'warning',
    title: 'Reply line ended in a bare LF',
    why: 'Replies must end each line in CRLF; strict clients reject bare LF, and lenient ones disagree on where lines end.',
    reference: 'RFC 5321 §2.3.8, §4.2',
  },
  'bare-cr-in-reply': {
    severity: 'warning',
    title: 'Bare CR inside a reply line',
    why: 'A CR without LF is not a line end, so what the server meant as two lines is one line here (an extension such as PIPELINING may be lost).',
    reference: 'RFC 5321 §2.3.8',
  },
  'reply-line-too-long': {
    severity: 'warning',
    title: 'Reply line longer than 512 octets',
    why: 'Clients need only accept reply lines of 512 octets including CRLF; longer ones may be cut or refused.',
    reference: 'RFC 5321 §4.5.3.1.5',
  },
  'lmtp-reply-count': {
    severity: 'error',
    title: 'Wrong number of LMTP replies after the data',
    why: 'An LMTP server must answer the end of the data once per accepted recipient; with fewer or more, per-recipient outcomes are lost or shifted.',
    reference: 'RFC 2033 §4.2',
  },
  'plaintext-after-starttls': {
    severity: 'error',
    title: 'Data sent after the STARTTLS reply, before the handshake',
    why: 'Bytes read in plaintext before TLS and used after it are the response-injection attack; the session was stopped.',
    reference: 'RFC 3207 §4.2; CVE-2021-22947 (class)',
  },
  'auth-before-tls': {
    severity: 'warning',
    title: 'Plaintext password mechanisms offered without TLS',
    why: 'PLAIN and LOGIN send the password readably; offering them on an unencrypted link invites clients to do so.',
    reference: 'RFC 4954 §4, §9; RFC 8314 §3',
  },
  'starttls-offered-after-tls': {
    severity: 'warning',
    title: 'STARTTLS still offered inside TLS',
    why: 'A server must not advertise STARTTLS once TLS is in force; a client that believes it can break the session.',
    reference: 'RFC 3207 §4.2',
  },
  'capabilities-changed-across-tls': {
    severity: 'info',
    title: 'Capabilities differ before and after TLS',
    why: 'What is offered only after TLS (often AUTH) or only before it is worth knowing when a client decides whether to encrypt.',
    reference: 'RFC 3207 §4.2',
  },
  'no-enhanced-status-codes': {
    severity: 'info',
    title: 'No enhanced status codes',
    why: 'Without them (or when they are advertised but missing from replies) clients cannot tell, for example, a full mailbox from an unknown user.',
    reference: 'RFC 2034 §3; RFC 3463',
  },
  'enhanced-code-mismatch': {
    severity: 'warning',
    title: 'Enhanced status code of another class than the reply',
    why: 'The class of the enhanced code must equal the first digit of the reply code; a mismatch leaves the outcome ambiguous.',
    reference: 'RFC 3463 §2; RFC 2034 §3',
  },
  'helo-fallback': {
    severity: 'warning',
    title: 'EHLO refused: fell back to HELO',
    why: 'Without EHLO there are no extensions: no STARTTLS, no AUTH, no SIZE, no 8BITMIME.',
    reference: 'RFC 5321 §3.2, §4.1.4',
  },
  'greeting-delay': {
    severity: 'info',
    title: 'Greeting later than 2 seconds',
    why: 'A slow greeting is often deliberate (a greet pause against spam bots) but delays every client, and clients with short timeouts give up.',
    reference: 'RFC 5321 §4.5.3.2.1',
  },
  'size-exceeded-accepted': {
    severity: 'warning',
    title: 'Message larger than the advertised SIZE was accepted',
    why: 'The SIZE the server advertises is not the limit it enforces, so clients that respect it refuse messages needlessly, or the limit is enforced later.',
    reference: 'RFC 1870 §6',
  },
  'prdr-offered': {
    severity: 'info',
    title: 'PRDR offered',
    why: 'With PRDR a server can accept the message for some recipients and refuse it for others after the data; ask for it with --prdr.',
    reference: 'draft-hall-prdr',
  },
  'pipelining-without-advertising': {
    severity: 'warning',
    title: 'Pipelined commands answered although PIPELINING is not advertised',
    why: 'The server handled commands sent in one group (or answered part of a group before all of it was sent) without offering PIPELINING; a client may not rely on that.',
    reference: 'RFC 2920 §3.1',
  },
  'certificate-expires-soon': {
    severity: 'warning',
    title: 'Certificate expires within 30 days',
    why: 'Once it expires, verifying clients refuse the connection (and MTA-STS or DANE senders stop delivering).',
    reference: 'RFC 5280 §4.1.2.5',
  },
  'certificate-name-mismatch': {
    severity: 'error',
    title: 'Certificate does not name this host',
    why: 'Clients that verify the certificate against the host they connect to refuse it.',
    reference: 'RFC 6125 §6; RFC 3207 §4.1',
  },
  'weak-tls-version': {
    severity: 'warning',
    title: 'TLS older than 1.2 negotiated',
    why: 'TLS 1.0 and 1.1 are deprecated and refused by current clients.',
    reference: 'RFC 8996',
  },
  'self-signed-certificate': {
    severity: 'warning',
    title: 'Self-signed certificate',
    why: 'No public CA vouches for it: verifying clients refuse it unless they trust it explicitly.',
    reference: 'RFC 5280 §3.2',
  },
};

/** The catalog entry of a finding id. */
export function findingDefinition(id: FindingId): FindingDefinition {
  return FINDINGS[id];
}
