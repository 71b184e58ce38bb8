import { rfcRef, type Reference } from './references.js';

/**
 * SMTP reply codes in plain words (RFC 5321 §4.2, plus the codes later RFCs added: 235, 334, 432, 454, 530, 534,
 * 535, 538 for AUTH and STARTTLS, 521 and 556 for hosts and domains that take no mail). A code that is not in the
 * table is explained by its digits. Pure data and functions.
 */

export type ReplyOutcome = 'success' | 'intermediate' | 'transient' | 'permanent';

export interface ReplyCodeInfo {
  code: number;
  /** A short name ("Service ready"). */
  title: string;
  /** What it means for the person testing a server, in plain words. */
  meaning: string;
  ref: Reference;
  /** Other documents that use the code with a specific meaning. */
  also?: Reference[];
}

const r5321 = (section = '4.2.3'): Reference => rfcRef(5321, section);
const r4954 = rfcRef(4954, '6');
const r3207 = rfcRef(3207, '4');
const r7504 = rfcRef(7504);

export const REPLY_CODES: readonly ReplyCodeInfo[] = [
  {
    code: 211,
    title: 'System status',
    meaning: 'A status report or a help reply about the system, usually in answer to HELP with no argument.',
    ref: r5321(),
  },
  {
    code: 214,
    title: 'Help message',
    meaning: 'Text meant for a person: how to use the server or what a non-standard command does (the answer to HELP).',
    ref: r5321('4.1.1.8'),
  },
  {
    code: 220,
    title: 'Service ready',
    meaning:
      'The server is ready. It is the normal greeting when the connection opens, and the answer to STARTTLS that tells the client to start the TLS handshake.',
    ref: r5321('4.2.3'),
    also: [r3207],
  },
  {
    code: 221,
    title: 'Closing connection',
    meaning: 'The server is closing the connection, normally in answer to QUIT.',
    ref: r5321(),
  },
  {
    code: 235,
    title: 'Authentication succeeded',
    meaning: 'The server accepted the credentials: the session is now authenticated.',
    ref: r4954,
  },
  {
    code: 250,
    title: 'OK',
    meaning:
      'The command was accepted and completed. After EHLO or LHLO the following lines list the extensions; after the end of the data it means the server took responsibility for the message.',
    ref: r5321(),
  },
  {
    code: 251,
    title: 'User not local; will forward',
    meaning: 'The recipient is not local, but the server accepts the message and will forward it to the address it names.',
    ref: r5321('3.4'),
  },
  {
    code: 252,
    title: 'Cannot verify, will try',
    meaning:
      'The server will not confirm whether the mailbox exists (VRFY is disabled or restricted, as is common), but it will accept mail for it and attempt delivery.',
    ref: r5321('3.5.3'),
  },
  {
    code: 334,
    title: 'Authentication challenge',
    meaning:
      'The server continues an AUTH exchange: the text is a base64 challenge (possibly empty) and it waits for the client’s next response.',
    ref: rfcRef(4954, '4'),
  },
  {
    code: 354,
    title: 'Start mail input',
    meaning: 'The server accepted DATA and waits for the message, which ends with a line holding a single dot.',
    ref: r5321(),
  },
  {
    code: 421,
    title: 'Service not available',
    meaning:
      'The server is closing the connection now, temporarily: it is shutting down, overloaded, or limiting this client (too many connections, rate limits). Trying again later may work.',
    ref: r5321('3.8'),
  },
  {
    code: 432,
    title: 'Password transition needed',
    meaning: 'The account has to change its password (or re-enrol) before this mechanism can be used; it is temporary.',
    ref: r4954,
  },
  {
    code: 450,
    title: 'Mailbox unavailable (temporary)',
    meaning:
      'The action was not taken because the mailbox is unavailable for now: busy, locked, or temporarily blocked by policy (greylisting often answers 450). Trying again later may work.',
    ref: r5321(),
  },
  {
    code: 451,
    title: 'Local error (temporary)',
    meaning:
      'The server gave up on the action because of a problem on its side (a failed lookup, a crashed filter, greylisting). It is temporary: a retry may succeed.',
    ref: r5321(),
  },
  {
    code: 452,
    title: 'Insufficient storage (temporary)',
    meaning:
      'The server is short of storage, or (after RCPT) it accepts no more recipients in this transaction: send the rest in another transaction.',
    ref: r5321(),
  },
  {
    code: 454,
    title: 'Temporary failure (TLS or authentication)',
    meaning:
      'In answer to STARTTLS: TLS is not available right now. In answer to AUTH: a temporary problem on the server prevented authentication. Neither says the credentials are wrong.',
    ref: r3207,
    also: [r4954],
  },
  {
    code: 455,
    title: 'Cannot accommodate parameters',
    meaning: 'The server cannot honour the MAIL FROM or RCPT TO parameters right now; it may be able to later.',
    ref: r5321(),
  },
  {
    code: 500,
    title: 'Syntax error, command unrecognised',
    meaning:
      'The server did not recognise the command, or the line was too long. After AUTH it can also mean an authentication line was too long.',
    ref: r5321(),
  },
  {
    code: 501,
    title: 'Syntax error in arguments',
    meaning:
      'The command is known but its arguments are malformed: a bad address, a bad parameter, or (after AUTH) a response that was not valid base64 or a cancelled exchange.',
    ref: r5321(),
  },
  {
    code: 502,
    title: 'Command not implemented',
    meaning: 'The server does not implement this command (VRFY, EXPN or a non-standard command are common examples).',
    ref: r5321('4.2.4'),
  },
  {
    code: 503,
    title: 'Bad sequence of commands',
    meaning:
      'The command came at the wrong moment: RCPT before MAIL, DATA before any accepted recipient, AUTH twice, or a command that needs authentication or EHLO first.',
    ref: r5321(),
  },
  {
    code: 504,
    title: 'Parameter not implemented',
    meaning: 'A parameter of the command is not supported; after AUTH, the server does not support that mechanism.',
    ref: r5321(),
  },
  {
    code: 521,
    title: 'Host does not accept mail',
    meaning:
      'This host does not accept mail at all, for anyone. It is a permanent answer, usually given as the greeting of a host that exists for other purposes.',
    ref: r7504,
  },
  {
    code: 530,
    title: 'Authentication or TLS required',
    meaning:
      'The server requires something first: authentication (a submission server that refuses unauthenticated senders) or, with "Must issue a STARTTLS command first", an encrypted connection.',
    ref: r4954,
    also: [r3207],
  },
  {
    code: 534,
    title: 'Mechanism too weak',
    meaning: 'The server refuses this authentication mechanism as too weak for this account; use a stronger one.',
    ref: r4954,
  },
  {
    code: 535,
    title: 'Authentication credentials invalid',
    meaning: 'The server refused the credentials: the user name or password (or token) is wrong, or the account may not log in this way.',
    ref: r4954,
  },
  {
    code: 538,
    title: 'Encryption required for this mechanism',
    meaning: 'The mechanism is allowed only on an encrypted connection: use STARTTLS or implicit TLS first.',
    ref: r4954,
  },
  {
    code: 550,
    title: 'Mailbox unavailable',
    meaning:
      'The action was refused permanently: the mailbox does not exist, access is denied, or the command was rejected by policy (relaying denied, spam or reputation checks). The text usually says which.',
    ref: r5321(),
  },
  {
    code: 551,
    title: 'User not local',
    meaning: 'The recipient is not handled here; the server suggests another address and does not forward the message.',
    ref: r5321('3.4'),
  },
  {
    code: 552,
    title: 'Exceeded storage allocation',
    meaning: 'The message is too big for the mailbox or the server (or a mailbox is over quota). It is permanent for this message.',
    ref: r5321(),
  },
  {
    code: 553,
    title: 'Mailbox name not allowed',
    meaning: 'The address is not acceptable: bad syntax, or a sender the server will not accept for this session.',
    ref: r5321(),
  },
  {
    code: 554,
    title: 'Transaction failed',
    meaning:
      'The transaction failed permanently. As a greeting it means "no SMTP service here" (often a blocked client); after the data, the message was refused.',
    ref: r5321(),
  },
  {
    code: 555,
    title: 'Parameters not recognised',
    meaning: 'A MAIL FROM or RCPT TO parameter is unknown to the server or not implemented.',
    ref: r5321(),
  },
  {
    code: 556,
    title: 'Domain does not accept mail',
    meaning:
      'The recipient’s domain does not accept mail at all (it publishes a "null MX"). Usually reported by a relaying server about the destination.',
    ref: r7504,
  },
];

const BY_CODE = new Map(REPLY_CODES.map((info) => [info.code, info]));

/** First digit: what kind of answer it is (RFC 5321 §4.2.1). */
export const REPLY_CLASSES: Readonly<Record<'2' | '3' | '4' | '5', { outcome: ReplyOutcome; name: string; text: string }>> = {
  '2': { outcome: 'success', name: 'Positive completion', text: 'The command succeeded.' },
  '3': {
    outcome: 'intermediate',
    name: 'Positive intermediate',
    text: 'Accepted so far; the server waits for more (the message after DATA, the next step of AUTH).',
  },
  '4': {
    outcome: 'transient',
    name: 'Transient negative completion',
    text: 'Failed for now; the same command may succeed if tried again later.',
  },
  '5': {
    outcome: 'permanent',
    name: 'Permanent negative completion',
    text: 'Failed permanently; repeating the command unchanged will fail again.',
  },
};

/** Second digit: what the answer is about (RFC 5321 §4.2.1). */
export const REPLY_CATEGORIES: Readonly<Record<string, { name: string; text: string }>> = {
  '0': { name: 'Syntax', text: 'about syntax: the command or its arguments' },
  '1': { name: 'Information', text: 'information: status or help' },
  '2': { name: 'Connections', text: 'about the connection' },
  '3': {
    name: 'Authentication (unspecified in RFC 5321)',
    text: 'unspecified by RFC 5321; in practice used for authentication (RFC 4954: 334, 432, 530, 534, 535, 538)',
  },
  '4': { name: 'Unspecified', text: 'unspecified by RFC 5321' },
  '5': { name: 'Mail system', text: 'about the mail system: mailboxes, storage and policy' },
};

export interface ReplyCodeExplanation {
  /** The code as a number, or null when the input is not a three-digit number. */
  code: number | null;
  /** A three-digit code with a first digit of 2 to 5 and a second digit of 0 to 5. */
  valid: boolean;
  /** It has an entry of its own (rather than an explanation by its digits). */
  known: boolean;
  title: string;
  meaning: string;
  outcome?: ReplyOutcome;
  /** "5yz Permanent negative completion" */
  classLabel?: string;
  classText?: string;
  /** "x5z Mail system" */
  categoryLabel?: string;
  categoryText?: string;
  ref: Reference;
  also?: Reference[];
}

/** Explain any reply code: its own entry when there is one, otherwise what its digits say. */
export function explainReplyCode(input: number | string): ReplyCodeExplanation {
  const text = String(input).trim();
  if (!/^\d{3}$/.test(text)) {
    return {
      code: null,
      valid: false,
      known: false,
      title: 'Not a reply code',
      meaning: `"${text}" is not an SMTP reply code: a reply code has three digits, the first from 2 to 5.`,
      ref: r5321('4.2'),
    };
  }
  const code = Number(text);
  const first = text[0] as '2' | '3' | '4' | '5';
  const second = text[1]!;
  const cls = REPLY_CLASSES[first];
  if (!cls) {
    return {
      code,
      valid: false,
      known: false,
      title: 'Not a valid reply code',
      meaning: `${code} is outside the ranges SMTP defines: the first digit must be 2, 3, 4 or 5.`,
      ref: r5321('4.2.1'),
    };
  }
  const category = REPLY_CATEGORIES[second] ?? {
    name: 'Undefined',
    text: `in a category RFC 5321 does not define (second digit ${second})`,
  };
  const digits = {
    outcome: cls.outcome,
    classLabel: `${first}yz ${cls.name}`,
    classText: cls.text,
    categoryLabel: `x${second}z ${category.name}`,
    categoryText: category.text,
  };
  const info = BY_CODE.get(code);
  if (info) {
    return {
      code,
      valid: true,
      known: true,
      title: info.title,
      meaning: info.meaning,
      ...digits,
      ref: info.ref,
      ...(info.also ? { also: info.also } : {}),
    };
  }
  return {
    code,
    valid: true,
    known: false,
    title: `${cls.name} (${category.name.toLowerCase()})`,
    meaning: `${code} has no standard meaning of its own. By its digits: ${cls.text.charAt(0).toLowerCase()}${cls.text.slice(1, -1)}; the reply is ${category.text}.`,
    ...digits,
    ref: r5321('4.2.1'),
  };
}

/** Whether a reply code means success, more to come, a temporary or a permanent failure (undefined if invalid). */
export function replyOutcome(code: number): ReplyOutcome | undefined {
  const first = String(code)[0] as '2' | '3' | '4' | '5';
  return code >= 200 && code <= 599 ? REPLY_CLASSES[first]?.outcome : undefined;
}
