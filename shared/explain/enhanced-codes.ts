import { IANA_ENHANCED_STATUS_CODES_URL, rfcRef, type Reference } from './references.js';

/**
 * Enhanced mail system status codes ("5.7.8"): RFC 3463 (classes, subjects, details) with the later registrations
 * of the IANA registry (RFC 5248) that servers commonly send. Pure data and functions.
 */

export interface EnhancedCode {
  /** Normalised "class.subject.detail" (no leading zeros). */
  code: string;
  classDigit: 2 | 4 | 5;
  subject: number;
  detail: number;
}

export interface EnhancedDetailInfo {
  /** "X.7.8" */
  key: string;
  subject: number;
  detail: number;
  name: string;
  /** Plain-words meaning. */
  text: string;
  ref: Reference;
}

const rfc3463 = (section: string): Reference => rfcRef(3463, section);
const IANA: Reference = { label: 'IANA registry', url: IANA_ENHANCED_STATUS_CODES_URL };

export const ENHANCED_CLASSES: Readonly<Record<2 | 4 | 5, { name: string; text: string }>> = {
  2: { name: 'Success', text: 'The action succeeded.' },
  4: {
    name: 'Persistent transient failure',
    text: 'A temporary condition stopped it; the same message may go through if sent again later.',
  },
  5: {
    name: 'Permanent failure',
    text: 'It will not succeed as it is; something about the message, the address or the configuration has to change.',
  },
};

export const ENHANCED_SUBJECTS: Readonly<Record<number, { name: string; text: string; ref: Reference }>> = {
  0: { name: 'Other or undefined status', text: 'No more specific subject applies.', ref: rfc3463('3.1') },
  1: {
    name: 'Addressing status',
    text: 'About the sender’s or a recipient’s address: its syntax or whether it exists.',
    ref: rfc3463('3.2'),
  },
  2: {
    name: 'Mailbox status',
    text: 'About the recipient’s mailbox: it exists but something is wrong with it (disabled, full).',
    ref: rfc3463('3.3'),
  },
  3: {
    name: 'Mail system status',
    text: 'About the receiving mail system as a whole (storage, configuration, capabilities).',
    ref: rfc3463('3.4'),
  },
  4: {
    name: 'Network and routing status',
    text: 'About getting the message to its destination: DNS, connections, routing.',
    ref: rfc3463('3.5'),
  },
  5: {
    name: 'Mail delivery protocol status',
    text: 'About the SMTP exchange itself: commands, syntax, limits.',
    ref: rfc3463('3.6'),
  },
  6: {
    name: 'Message content or media status',
    text: 'About the message’s content or its encoding.',
    ref: rfc3463('3.7'),
  },
  7: {
    name: 'Security or policy status',
    text: 'About security and policy: authentication, encryption, permissions, anti-spam checks.',
    ref: rfc3463('3.8'),
  },
};

type Row = [subject: number, detail: number, name: string, text: string, ref?: Reference];

const ROWS: Row[] = [
  // RFC 3463 §3.1
  [0, 0, 'Other undefined status', 'Nothing more specific can be said; read the reply text.'],
  // §3.2 Addressing
  [1, 0, 'Other address status', 'Something is wrong with an address, nothing more specific.'],
  [1, 1, 'Bad destination mailbox address', 'The recipient’s mailbox does not exist at that domain (the part before the @ is unknown).'],
  [1, 2, 'Bad destination system address', 'The recipient’s domain or host does not exist or does not accept mail.'],
  [1, 3, 'Bad destination mailbox address syntax', 'The recipient address is not a valid address.'],
  [1, 4, 'Destination mailbox address ambiguous', 'The recipient address matches more than one mailbox.'],
  [1, 5, 'Destination address valid', 'The recipient address is valid (a success detail, e.g. after RCPT or VRFY).'],
  [1, 6, 'Destination mailbox has moved', 'The mailbox moved away and there is no forwarding address.'],
  [1, 7, 'Bad sender’s mailbox address syntax', 'The sender address (MAIL FROM) is not a valid address.'],
  [1, 8, 'Bad sender’s system address', 'The sender’s domain does not exist or cannot receive replies.'],
  [
    1,
    9,
    'Message relayed to non-compliant mailer',
    'The message was passed to a system that does not support delivery notifications.',
    rfcRef(3886),
  ],
  [1, 10, 'Recipient address has null MX', 'The recipient’s domain publishes a "null MX": it accepts no mail at all.', rfcRef(7505)],
  // §3.3 Mailbox
  [2, 0, 'Other or undefined mailbox status', 'The mailbox exists but something is wrong with it.'],
  [2, 1, 'Mailbox disabled, not accepting messages', 'The mailbox exists but is disabled or does not accept mail at present.'],
  [2, 2, 'Mailbox full', 'The recipient’s mailbox is over its quota.'],
  [2, 3, 'Message length exceeds administrative limit', 'The message is larger than this recipient may receive.'],
  [2, 4, 'Mailing list expansion problem', 'The address is a mailing list that could not be expanded.'],
  // §3.4 Mail system
  [3, 0, 'Other or undefined mail system status', 'The receiving system has a problem, nothing more specific.'],
  [3, 1, 'Mail system full', 'The receiving system is out of storage.'],
  [3, 2, 'System not accepting network messages', 'The host is not accepting mail right now (shutting down, or by policy).'],
  [3, 3, 'System not capable of selected features', 'The system does not support a feature the message needs.'],
  [3, 4, 'Message too big for system', 'The message is larger than the system accepts at all (compare SIZE).'],
  [3, 5, 'System incorrectly configured', 'The receiving system is misconfigured; its administrator has to fix it.'],
  [
    3,
    6,
    'Requested priority was changed',
    'The message was accepted with a different priority than requested (MT-PRIORITY).',
    rfcRef(6710),
  ],
  // §3.5 Network and routing
  [4, 0, 'Other or undefined network or routing status', 'Something went wrong getting the message to its destination.'],
  [4, 1, 'No answer from host', 'The destination host could not be reached (connection refused or timed out).'],
  [4, 2, 'Bad connection', 'The connection was made but broke or misbehaved during the transaction.'],
  [4, 3, 'Directory server failure', 'A directory or DNS lookup failed (often temporary).'],
  [4, 4, 'Unable to route', 'No route to the destination: no usable MX or address for the domain.'],
  [4, 5, 'Mail system congestion', 'The system is overloaded and deferred the message.'],
  [4, 6, 'Routing loop detected', 'The message went round in circles between servers (too many Received headers).'],
  [4, 7, 'Delivery time expired', 'The message could not be delivered within the allowed time and was given up.'],
  // §3.6 Mail delivery protocol
  [5, 0, 'Other or undefined protocol status', 'Something went wrong in the SMTP exchange, nothing more specific.'],
  [5, 1, 'Invalid command', 'The command is unknown or not allowed at this point.'],
  [5, 2, 'Syntax error', 'The command could not be parsed.'],
  [5, 3, 'Too many recipients', 'More recipients than the server accepts in one transaction: send the rest in another one.'],
  [5, 4, 'Invalid command arguments', 'The command is valid but its arguments or parameters are not.'],
  [5, 5, 'Wrong protocol version', 'The protocol version is wrong (e.g. LMTP spoken to an SMTP server).'],
  [5, 6, 'Authentication exchange line too long', 'An AUTH line was longer than the server accepts.', rfcRef(4954, '6')],
  // §3.7 Message content or media
  [
    6,
    0,
    'Other or undefined media error',
    'Something about the message content was refused, nothing more specific (often content filtering).',
  ],
  [6, 1, 'Media not supported', 'The message uses a media type or encoding the destination does not support.'],
  [6, 2, 'Conversion required and prohibited', 'The content would have to be converted, but conversion is not allowed.'],
  [6, 3, 'Conversion required but not supported', 'The content would have to be converted (e.g. 8-bit to 7-bit) and this system cannot.'],
  [6, 4, 'Conversion with loss performed', 'The message was delivered after a conversion that lost information.'],
  [6, 5, 'Conversion failed', 'A needed conversion of the content failed.'],
  [6, 6, 'Message content not available', 'The content to be sent by reference (BURL) could not be fetched.', rfcRef(4468)],
  [
    6,
    7,
    'Non-ASCII addresses not permitted',
    'An internationalised (non-ASCII) address is not allowed for this sender or recipient.',
    rfcRef(6531),
  ],
  [
    6,
    8,
    'UTF-8 reply required but not permitted',
    'The server would have to answer in UTF-8, but the session did not enable SMTPUTF8.',
    rfcRef(6531),
  ],
  [
    6,
    9,
    'UTF-8 header message cannot be transferred',
    'The message has UTF-8 header fields and the next hop does not support SMTPUTF8.',
    rfcRef(6531),
  ],
  // §3.8 Security or policy
  [
    7,
    0,
    'Other or undefined security status',
    'Refused for a security or policy reason, nothing more specific. After AUTH: authentication is required, or a temporary authentication failure.',
  ],
  [
    7,
    1,
    'Delivery not authorized, message refused',
    'The sender is not allowed to send to this recipient: relaying denied, a block list, or a policy rejection. The reply text usually says which.',
  ],
  [7, 2, 'Mailing list expansion prohibited', 'The sender may not send to this mailing list.'],
  [7, 3, 'Security conversion required but not possible', 'The message would need a security conversion that cannot be done.'],
  [7, 4, 'Security features not supported', 'The message needs security features the system does not support.'],
  [7, 5, 'Cryptographic failure', 'A cryptographic operation (a TLS handshake, signature or decryption) failed.'],
  [7, 6, 'Cryptographic algorithm not supported', 'The message uses a cryptographic algorithm this system does not support.'],
  [7, 7, 'Message integrity failure', 'The message failed an integrity check: it was corrupted or altered.'],
  // Registered later (RFC 4954, RFC 5248 and others)
  [
    7,
    8,
    'Authentication credentials invalid',
    'The user name or password (or token) is wrong, or this account may not authenticate this way.',
    rfcRef(4954, '6'),
  ],
  [7, 9, 'Authentication mechanism is too weak', 'The server refuses this mechanism as too weak for this account.', rfcRef(4954, '6')],
  [7, 10, 'Encryption needed', 'An encrypted connection is needed for this, typically for a password mechanism.', rfcRef(5248)],
  [
    7,
    11,
    'Encryption required for requested authentication mechanism',
    'This mechanism is allowed only on an encrypted connection: start TLS first.',
    rfcRef(4954, '6'),
  ],
  [
    7,
    12,
    'A password transition is needed',
    'The account has to change its password before it can authenticate this way.',
    rfcRef(4954, '6'),
  ],
  [7, 13, 'User account disabled', 'The account exists but is disabled.', rfcRef(5248)],
  [7, 14, 'Trust relationship required', 'The server accepts this only from systems it has a trust relationship with.', rfcRef(5248)],
  [7, 15, 'Priority level is too low', 'The message’s priority is too low for the server to accept it now (MT-PRIORITY).', rfcRef(6710)],
  [7, 16, 'Message is too big for the specified priority', 'At this priority the message is too large (MT-PRIORITY).', rfcRef(6710)],
  [7, 17, 'Mailbox owner has changed', 'The mailbox now belongs to someone else than the sender expects (RRVS).', rfcRef(7293)],
  [7, 18, 'Domain owner has changed', 'The domain now belongs to someone else than the sender expects (RRVS).', rfcRef(7293)],
  [7, 19, 'RRVS test cannot be completed', 'The server could not check the require-recipient-valid-since condition (RRVS).', rfcRef(7293)],
  [7, 20, 'No passing DKIM signature found', 'The message has no DKIM signature that verifies.', rfcRef(7372)],
  [
    7,
    21,
    'No acceptable DKIM signature found',
    'DKIM signatures verify, but none is acceptable under the receiver’s policy.',
    rfcRef(7372),
  ],
  [
    7,
    22,
    'No valid author-matched DKIM signature found',
    'No verifying DKIM signature is from the domain in the From header.',
    rfcRef(7372),
  ],
  [7, 23, 'SPF validation failed', 'The sending host is not allowed to send for the sender’s domain by its SPF record.', rfcRef(7372)],
  [7, 24, 'SPF validation error', 'The SPF check could not be completed (a DNS error or a broken SPF record).', rfcRef(7372)],
  [
    7,
    25,
    'Reverse DNS validation failed',
    'The connecting address has no reverse DNS name, or it does not match forward DNS.',
    rfcRef(7372),
  ],
  [7, 26, 'Multiple authentication checks failed', 'Several sender authentication checks (SPF, DKIM, …) failed together.', rfcRef(7372)],
  [7, 27, 'Sender address has null MX', 'The sender’s domain publishes a "null MX", so replies could not be delivered.', rfcRef(7505)],
  [7, 28, 'Mail flood detected', 'The message looks like part of a flood of similar messages (rate or volume limits).', IANA],
  [7, 29, 'ARC validation failure', 'The message’s ARC (Authenticated Received Chain) headers failed validation.', rfcRef(8617)],
  [
    7,
    30,
    'REQUIRETLS support required',
    'The message demands TLS on every hop (REQUIRETLS) and the next hop cannot promise it.',
    rfcRef(8689),
  ],
];

/** Every detail code this module knows, keyed "X.subject.detail". */
export const ENHANCED_DETAILS: readonly EnhancedDetailInfo[] = ROWS.map(([subject, detail, name, text, ref]) => ({
  key: `X.${subject}.${detail}`,
  subject,
  detail,
  name,
  text,
  ref: ref ?? ENHANCED_SUBJECTS[subject]!.ref,
}));

const BY_KEY = new Map(ENHANCED_DETAILS.map((d) => [d.key, d]));

const PATTERN = /^([245])\.(\d{1,3})\.(\d{1,3})$/;

/** Parse "5.7.8" (surrounding white space allowed); null when it is not an enhanced status code. */
export function parseEnhancedCode(input: string): EnhancedCode | null {
  const match = PATTERN.exec(String(input).trim());
  if (!match) return null;
  const classDigit = Number(match[1]) as 2 | 4 | 5;
  const subject = Number(match[2]);
  const detail = Number(match[3]);
  return { code: `${classDigit}.${subject}.${detail}`, classDigit, subject, detail };
}

export interface EnhancedExplanation extends EnhancedCode {
  className: string;
  classText: string;
  subjectName: string;
  subjectText: string;
  /** Whether the subject is one RFC 3463 defines. */
  subjectKnown: boolean;
  detailName: string;
  detailText: string;
  /** Whether the detail code has an entry of its own. */
  detailKnown: boolean;
  /** The RFC that defines the detail (or, for an unknown detail, the subject). */
  rfc?: number;
  ref: Reference;
  /** One line: "Permanent failure · Security or policy status · Authentication credentials invalid". */
  summary: string;
}

/** Explain an enhanced status code, or return null when the input is not one. */
export function explainEnhanced(input: string): EnhancedExplanation | null {
  const parsed = parseEnhancedCode(input);
  if (!parsed) return null;
  const cls = ENHANCED_CLASSES[parsed.classDigit];
  const subject = ENHANCED_SUBJECTS[parsed.subject];
  const detail = BY_KEY.get(`X.${parsed.subject}.${parsed.detail}`);
  const ref = detail?.ref ?? subject?.ref ?? rfcRef(3463, '2');
  const detailName = detail?.name ?? 'Unknown detail';
  const detailText = detail
    ? detail.text
    : subject
      ? `${parsed.subject}.${parsed.detail} is not a registered detail code; only its subject is known (${subject.name.toLowerCase()}).`
      : `Subject ${parsed.subject} is not defined by RFC 3463; only the class is known.`;
  const explanation: EnhancedExplanation = {
    ...parsed,
    className: cls.name,
    classText: cls.text,
    subjectName: subject?.name ?? 'Unknown subject',
    subjectText: subject?.text ?? 'This subject is not defined by RFC 3463 or the registry.',
    subjectKnown: subject !== undefined,
    detailName,
    detailText,
    detailKnown: detail !== undefined,
    ref,
    summary: [cls.name, subject?.name ?? `subject ${parsed.subject}`, detail?.name ?? `detail ${parsed.detail}`].join(' · '),
  };
  if (ref.rfc !== undefined) explanation.rfc = ref.rfc;
  return explanation;
}
