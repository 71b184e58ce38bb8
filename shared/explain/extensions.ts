import type { Capability } from '../session-record.js';
import { IANA_MAIL_PARAMETERS_URL, rfcRef, type Reference } from './references.js';
import { SUPPORTED_MECHANISMS } from '../mechanisms.js';

/**
 * EHLO/LHLO keywords in plain words, with the document that defines each and a formatter for their parameters
 * (SIZE in bytes and MB, AUTH mechanisms with a note on their strength, LIMITS, …). Pure data and functions.
 */

export type ExtensionStatus = 'standard' | 'experimental' | 'obsolete' | 'draft' | 'vendor' | 'unknown';

export interface ExtensionInfo {
  keyword: string;
  title: string;
  /** One line: what the server offers by advertising it. */
  summary: string;
  status: ExtensionStatus;
  /** Where it is defined; for a vendor extension, the vendor's name with no link when no allowed host has it. */
  ref: Reference;
}

const vendor = (label: string): Reference => ({ label });

const EXTENSIONS_LIST: ExtensionInfo[] = [
  {
    keyword: 'SIZE',
    title: 'Message size declaration',
    summary:
      'The largest message the server accepts; the client can declare a message’s size in MAIL FROM so an oversized one is refused before it is sent.',
    status: 'standard',
    ref: rfcRef(1870),
  },
  {
    keyword: 'PIPELINING',
    title: 'Command pipelining',
    summary: 'The client may send MAIL, RCPT and DATA in one batch without waiting for each reply, saving round trips.',
    status: 'standard',
    ref: rfcRef(2920),
  },
  {
    keyword: '8BITMIME',
    title: '8-bit MIME transport',
    summary: 'Message bodies may contain 8-bit data (declared with BODY=8BITMIME) instead of being encoded to 7-bit.',
    status: 'standard',
    ref: rfcRef(6152),
  },
  {
    keyword: 'SMTPUTF8',
    title: 'Internationalised email',
    summary: 'Addresses and header fields may contain UTF-8 (non-ASCII) characters when the client asks for it in MAIL FROM.',
    status: 'standard',
    ref: rfcRef(6531),
  },
  {
    keyword: 'DSN',
    title: 'Delivery status notifications',
    summary:
      'The client may ask for delivery reports (success, failure, delay) per recipient and how much of the message a bounce returns.',
    status: 'standard',
    ref: rfcRef(3461),
  },
  {
    keyword: 'CHUNKING',
    title: 'Chunked transfer (BDAT)',
    summary: 'The message may be sent in counted chunks with BDAT instead of DATA, with no dot-stuffing or end-of-data line.',
    status: 'standard',
    ref: rfcRef(3030),
  },
  {
    keyword: 'BINARYMIME',
    title: 'Binary MIME',
    summary: 'Message bodies may contain binary data (BODY=BINARYMIME); it requires CHUNKING to send them.',
    status: 'standard',
    ref: rfcRef(3030),
  },
  {
    keyword: 'ENHANCEDSTATUSCODES',
    title: 'Enhanced status codes',
    summary: 'Replies carry an RFC 3463 status code ("5.7.8") after the reply code, saying more precisely what happened.',
    status: 'standard',
    ref: rfcRef(2034),
  },
  {
    keyword: 'STARTTLS',
    title: 'Upgrade to TLS',
    summary:
      'The client may switch this connection to TLS with STARTTLS; everything after the handshake, including credentials, is encrypted.',
    status: 'standard',
    ref: rfcRef(3207),
  },
  {
    keyword: 'AUTH',
    title: 'Authentication',
    summary: 'The client may log in with one of the listed SASL mechanisms (submission servers usually require it).',
    status: 'standard',
    ref: rfcRef(4954),
  },
  {
    keyword: 'DELIVERBY',
    title: 'Deliver by',
    summary: 'The client may ask that the message be delivered within a time limit, or a report be returned if it is not.',
    status: 'standard',
    ref: rfcRef(2852),
  },
  {
    keyword: 'ETRN',
    title: 'Remote queue starting',
    summary: 'A client may ask the server to start delivering mail queued for a domain (for sites that connect intermittently).',
    status: 'standard',
    ref: rfcRef(1985),
  },
  {
    keyword: 'VRFY',
    title: 'Verify an address',
    summary: 'The server answers VRFY, which asks whether an address exists. Many servers disable it to prevent address harvesting.',
    status: 'standard',
    ref: rfcRef(5321, '4.1.1.6'),
  },
  {
    keyword: 'EXPN',
    title: 'Expand a mailing list',
    summary: 'The server answers EXPN, which lists the members of a mailing list. Usually disabled for privacy.',
    status: 'standard',
    ref: rfcRef(5321, '4.1.1.7'),
  },
  {
    keyword: 'HELP',
    title: 'Help',
    summary: 'The server answers HELP with text meant for a person.',
    status: 'standard',
    ref: rfcRef(5321, '4.1.1.8'),
  },
  {
    keyword: 'REQUIRETLS',
    title: 'Require TLS for the whole path',
    summary: 'The client may require that the message travel only over verified TLS on every hop, or be returned.',
    status: 'standard',
    ref: rfcRef(8689),
  },
  {
    keyword: 'MT-PRIORITY',
    title: 'Message transfer priority',
    summary: 'The client may give the message a priority (from -9 to 9) that relays take into account; the parameter names the policy.',
    status: 'standard',
    ref: rfcRef(6710),
  },
  {
    keyword: 'FUTURERELEASE',
    title: 'Future release',
    summary: 'The client may ask the server to hold the message and release it at a later time; parameters give the longest hold.',
    status: 'standard',
    ref: rfcRef(4865),
  },
  {
    keyword: 'LIMITS',
    title: 'Announced limits',
    summary:
      'The server announces its limits up front (recipients per transaction, transactions per session), so the client can stay within them.',
    status: 'standard',
    ref: rfcRef(9422),
  },
  {
    keyword: 'BURL',
    title: 'Message by reference',
    summary: 'A submission client may send the message by URL (from an IMAP server) instead of uploading it.',
    status: 'standard',
    ref: rfcRef(4468),
  },
  {
    keyword: 'ATRN',
    title: 'Authenticated TURN (on-demand relay)',
    summary: 'An authenticated client may reverse the roles and receive the mail queued for its domains over this connection.',
    status: 'standard',
    ref: rfcRef(2645),
  },
  {
    keyword: 'MTRK',
    title: 'Message tracking',
    summary: 'The client may ask that the message’s progress be tracked for later queries.',
    status: 'standard',
    ref: rfcRef(3885),
  },
  {
    keyword: 'NO-SOLICITING',
    title: 'No soliciting',
    summary: 'The server states that it does not want unsolicited mail of the kinds its parameters name.',
    status: 'standard',
    ref: rfcRef(3865),
  },
  {
    keyword: 'RRVS',
    title: 'Require recipient valid since',
    summary: 'The client may ask that the message be refused if the recipient mailbox changed owner since a given date.',
    status: 'standard',
    ref: rfcRef(7293),
  },
  {
    keyword: 'CONNEG',
    title: 'Content negotiation',
    summary: 'The server can report what content the recipient can handle (used with Internet fax).',
    status: 'standard',
    ref: rfcRef(4141),
  },
  {
    keyword: 'SUBMITTER',
    title: 'Responsible submitter',
    summary: 'The client may name the party responsible for submitting the message (experimental).',
    status: 'experimental',
    ref: rfcRef(4405),
  },
  {
    keyword: 'CHECKPOINT',
    title: 'Checkpoint and restart',
    summary: 'An interrupted transfer may be resumed where it stopped (experimental; rarely seen).',
    status: 'experimental',
    ref: rfcRef(1845),
  },
  {
    keyword: 'UTF8SMTP',
    title: 'Experimental internationalised email',
    summary: 'The experimental predecessor of SMTPUTF8; obsolete, replaced by SMTPUTF8.',
    status: 'obsolete',
    ref: rfcRef(5336),
  },
  {
    keyword: 'PRDR',
    title: 'Per-recipient data responses',
    summary:
      'After the data the server answers once per recipient, so it can accept the message for some and refuse it for others. Defined only in an Internet-Draft: there is no RFC.',
    status: 'draft',
    ref: { label: 'Internet-Draft (no RFC)', url: 'https://datatracker.ietf.org/doc/draft-hall-prdr/' },
  },
  {
    keyword: 'XCLIENT',
    title: 'Override client attributes (Postfix)',
    summary:
      'A trusted proxy may tell Postfix the original client’s name, address and other attributes. Non-standard, and normally restricted to trusted hosts.',
    status: 'vendor',
    ref: vendor('Postfix (non-standard): XCLIENT_README'),
  },
  {
    keyword: 'XFORWARD',
    title: 'Forward client attributes (Postfix)',
    summary: 'A trusted content filter may pass the original client’s attributes on for logging. Non-standard.',
    status: 'vendor',
    ref: vendor('Postfix (non-standard): XFORWARD_README'),
  },
  {
    keyword: 'XVERP',
    title: 'Variable envelope return path (Postfix)',
    summary: 'The client may ask the server to rewrite the return path per recipient (VERP) to identify bounces. Non-standard.',
    status: 'vendor',
    ref: vendor('Postfix (non-standard): VERP_README'),
  },
  {
    keyword: 'VERB',
    title: 'Verbose mode (Sendmail)',
    summary: 'The client may ask Sendmail for verbose delivery information. Non-standard.',
    status: 'vendor',
    ref: vendor('Sendmail (non-standard)'),
  },
  {
    keyword: 'ONEX',
    title: 'One transaction only (Sendmail)',
    summary: 'The client announces it will send only one message on this connection. Non-standard.',
    status: 'vendor',
    ref: vendor('Sendmail (non-standard)'),
  },
  {
    keyword: 'XEXCH50',
    title: 'Exchange properties (Microsoft)',
    summary: 'Legacy Microsoft Exchange extension that passes Exchange-specific message properties between Exchange servers. Non-standard.',
    status: 'vendor',
    ref: vendor('Microsoft Exchange (non-standard)'),
  },
  {
    keyword: 'X-EXPS',
    title: 'Exchange server authentication (Microsoft)',
    summary: 'Microsoft Exchange’s authentication between Exchange servers (GSSAPI or NTLM). Non-standard.',
    status: 'vendor',
    ref: vendor('Microsoft Exchange (non-standard)'),
  },
  {
    keyword: 'X-LINK2STATE',
    title: 'Link state routing (Microsoft)',
    summary: 'Legacy Microsoft Exchange extension that exchanges routing information between Exchange servers. Non-standard.',
    status: 'vendor',
    ref: vendor('Microsoft Exchange (non-standard)'),
  },
  {
    keyword: 'X-ANONYMOUSTLS',
    title: 'Anonymous TLS (Microsoft)',
    summary: 'Microsoft Exchange’s TLS between its own servers. Non-standard.',
    status: 'vendor',
    ref: vendor('Microsoft Exchange (non-standard)'),
  },
  {
    keyword: 'TURN',
    title: 'Turn (reverse roles)',
    summary: 'The original, unauthenticated role reversal from RFC 821. Obsolete and unsafe; replaced by ATRN and ETRN.',
    status: 'obsolete',
    ref: rfcRef(821),
  },
];

export const EXTENSIONS: ReadonlyMap<string, ExtensionInfo> = new Map(EXTENSIONS_LIST.map((e) => [e.keyword, e]));

export interface ExtensionExplanation extends ExtensionInfo {
  /** It has an entry of its own. */
  known: boolean;
}

/** Explain an EHLO keyword (case-insensitive). Unknown keywords are flagged as such. */
export function explainExtension(name: string): ExtensionExplanation {
  const keyword = name.trim().toUpperCase();
  const info = EXTENSIONS.get(keyword);
  if (info) return { ...info, known: true };
  const privateName = /^X/.test(keyword);
  return {
    keyword,
    title: 'Unknown extension',
    summary: privateName
      ? 'Not an extension SMTP Lens knows. Keywords starting with X are private, non-standard extensions of one server product.'
      : 'Not an extension SMTP Lens knows: it may be registered in the IANA registry, or be specific to one server product.',
    status: 'unknown',
    known: false,
    ref: { label: 'IANA registry', url: IANA_MAIL_PARAMETERS_URL },
  };
}

// --- Parameters -------------------------------------------------------------------------------------------------

/** 1234567 → "1,234,567" (always this grouping, whatever the locale). */
export function groupDigits(n: number): string {
  const [int, frac] = String(n).split('.');
  return int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (frac ? `.${frac}` : '');
}

/** Bytes in binary units, one decimal at most: 52428800 → "50 MB", 35882577 → "34.2 MB", 1000 → "1000 bytes". */
export function formatBytes(bytes: number): string {
  const units = ['KB', 'MB', 'GB', 'TB'];
  if (bytes < 1024) return `${groupDigits(bytes)} bytes`;
  let value = bytes;
  let unit = 'bytes';
  for (const u of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = u;
  }
  const rounded = Math.round(value * 10) / 10;
  return `${groupDigits(rounded)} ${unit}`;
}

export interface SizeLimit {
  /** The limit in bytes, or null when there is none (SIZE without a number, SIZE 0, or a value that is not a number). */
  bytes: number | null;
  text: string;
}

/** SIZE's parameter in words: "52,428,800 bytes (50 MB)", or that there is no fixed limit. */
export function formatSizeLimit(params: readonly string[]): SizeLimit {
  const value = params[0];
  if (value === undefined) return { bytes: null, text: 'no fixed limit announced' };
  if (!/^\d+$/.test(value)) return { bytes: null, text: `"${value}" is not a number: no fixed limit` };
  const bytes = Number(value);
  if (bytes === 0) return { bytes: null, text: 'no fixed limit (0)' };
  if (!Number.isSafeInteger(bytes)) return { bytes: null, text: `${value} bytes: too large to be a limit` };
  return { bytes, text: bytes < 1024 ? `${groupDigits(bytes)} bytes` : `${groupDigits(bytes)} bytes (${formatBytes(bytes)})` };
}

/** How much an AUTH mechanism protects the secret. */
export type MechanismStrength = 'cleartext' | 'token' | 'legacy' | 'strong' | 'external' | 'none' | 'unknown';

export interface AuthMechanismInfo {
  name: string;
  strength: MechanismStrength;
  /** A few words: "password sent (TLS only)". */
  short: string;
  /** One sentence about what it sends and how safe that is. */
  note: string;
  /** SMTP Lens can authenticate with it. */
  supported: boolean;
  ref?: Reference;
}

const MECHANISMS: Record<string, Omit<AuthMechanismInfo, 'name' | 'supported'>> = {
  PLAIN: {
    strength: 'cleartext',
    short: 'password sent; safe only under TLS',
    note: 'Sends the user name and password themselves (base64 is not encryption): acceptable only inside TLS.',
    ref: rfcRef(4616),
  },
  LOGIN: {
    strength: 'cleartext',
    short: 'password sent; safe only under TLS',
    note: 'Sends the user name and then the password (base64 is not encryption): acceptable only inside TLS. Non-standard but widespread.',
    ref: { label: 'Internet-Draft (no RFC)', url: 'https://datatracker.ietf.org/doc/draft-murchison-sasl-login/' },
  },
  'CRAM-MD5': {
    strength: 'legacy',
    short: 'legacy challenge–response',
    note: 'The password is not sent, but the exchange uses MD5 and the server must keep the password in recoverable form. Legacy: prefer SCRAM.',
    ref: rfcRef(2195),
  },
  'DIGEST-MD5': {
    strength: 'legacy',
    short: 'historic, avoid',
    note: 'An older challenge–response mechanism, declared historic because of its weaknesses.',
    ref: rfcRef(6331),
  },
  'SCRAM-SHA-1': {
    strength: 'strong',
    short: 'salted challenge–response',
    note: 'The password never crosses the wire, the server stores only a salted hash, and the server proves it knows it too.',
    ref: rfcRef(5802),
  },
  'SCRAM-SHA-1-PLUS': {
    strength: 'strong',
    short: 'salted challenge–response, channel binding',
    note: 'SCRAM-SHA-1 bound to the TLS channel, which also defeats a man in the middle.',
    ref: rfcRef(5802),
  },
  'SCRAM-SHA-256': {
    strength: 'strong',
    short: 'salted challenge–response',
    note: 'The password never crosses the wire, the server stores only a salted hash, and the server proves it knows it too.',
    ref: rfcRef(7677),
  },
  'SCRAM-SHA-256-PLUS': {
    strength: 'strong',
    short: 'salted challenge–response, channel binding',
    note: 'SCRAM-SHA-256 bound to the TLS channel, which also defeats a man in the middle.',
    ref: rfcRef(7677),
  },
  XOAUTH2: {
    strength: 'token',
    short: 'OAuth 2.0 token; safe only under TLS',
    note: 'Sends an OAuth 2.0 access token (Google, Microsoft) instead of a password; whoever sees it can use it until it expires, so only inside TLS.',
  },
  OAUTHBEARER: {
    strength: 'token',
    short: 'OAuth 2.0 token; safe only under TLS',
    note: 'The standard form of sending an OAuth 2.0 bearer token; like a password, it must only travel inside TLS.',
    ref: rfcRef(7628),
  },
  GSSAPI: {
    strength: 'strong',
    short: 'Kerberos',
    note: 'Kerberos single sign-on: no password is sent to the mail server.',
    ref: rfcRef(4752),
  },
  NTLM: {
    strength: 'legacy',
    short: 'legacy Windows challenge–response',
    note: 'Microsoft’s older Windows authentication; weak by today’s standards.',
  },
  EXTERNAL: {
    strength: 'external',
    short: 'identity from outside (TLS client certificate)',
    note: 'The identity comes from outside SASL, usually the TLS client certificate; nothing secret is sent.',
    ref: rfcRef(4422),
  },
  ANONYMOUS: {
    strength: 'none',
    short: 'no credentials',
    note: 'Logs in without credentials.',
    ref: rfcRef(4505),
  },
};

/** The mechanisms SMTP Lens itself can use. */
export { SUPPORTED_MECHANISMS };

/** One AUTH mechanism with a note on its strength. */
export function describeMechanism(name: string): AuthMechanismInfo {
  const upper = name.toUpperCase();
  const known = MECHANISMS[upper];
  const supported = SUPPORTED_MECHANISMS.includes(upper);
  if (known) return { name: upper, supported, ...known };
  return { name: upper, strength: 'unknown', short: 'unknown mechanism', note: 'A SASL mechanism SMTP Lens does not know.', supported };
}

export interface ParamItem {
  value: string;
  note?: string;
}

export interface FormattedParams {
  kind: 'none' | 'size' | 'auth' | 'list' | 'raw';
  /** One line, for text output (CLI, report). */
  text: string;
  size?: SizeLimit;
  mechanisms?: AuthMechanismInfo[];
  items?: ParamItem[];
}

const LIMIT_NAMES: Record<string, string> = {
  RCPTMAX: 'recipients per transaction',
  RCPTDOMAINMAX: 'recipient domains per transaction',
  MAILMAX: 'transactions per session',
};

function seconds(value: string): string {
  if (!/^\d+$/.test(value)) return value;
  const n = Number(value);
  const units: [number, string][] = [
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, unit] of units) {
    if (n >= size && n % size === 0) return `${groupDigits(n)} s (${n / size} ${unit}${n / size === 1 ? '' : 's'})`;
  }
  return `${groupDigits(n)} s`;
}

/** An extension's parameters in words, according to the extension. */
export function formatCapabilityParams(capability: Capability): FormattedParams {
  const name = capability.name.toUpperCase();
  const params = capability.params;
  if (name === 'SIZE') {
    const size = formatSizeLimit(params);
    return { kind: 'size', text: size.text, size };
  }
  if (name === 'AUTH') {
    const mechanisms = params.map(describeMechanism);
    return { kind: 'auth', text: mechanisms.map((m) => m.name).join(' ') || 'no mechanisms listed', mechanisms };
  }
  if (params.length === 0) return { kind: 'none', text: '' };
  if (name === 'LIMITS') {
    const items = params.map((p): ParamItem => {
      const [key, value] = p.split('=', 2);
      const meaning = key ? LIMIT_NAMES[key.toUpperCase()] : undefined;
      return meaning && value !== undefined ? { value: p, note: `at most ${value} ${meaning}` } : { value: p };
    });
    return { kind: 'list', text: params.join(' '), items };
  }
  if (name === 'DELIVERBY' && params[0] !== undefined) {
    return {
      kind: 'list',
      text: params.join(' '),
      items: [{ value: params[0], note: `shortest by-time accepted: ${seconds(params[0])}` }],
    };
  }
  if (name === 'FUTURERELEASE') {
    const items: ParamItem[] = [];
    if (params[0] !== undefined) items.push({ value: params[0], note: `longest hold: ${seconds(params[0])}` });
    if (params[1] !== undefined) items.push({ value: params[1], note: 'latest release time' });
    return { kind: 'list', text: params.join(' '), items };
  }
  if (name === 'MT-PRIORITY' && params[0] !== undefined) {
    return { kind: 'list', text: params.join(' '), items: [{ value: params[0], note: 'priority assignment policy' }] };
  }
  if (name === 'XCLIENT' || name === 'XFORWARD') {
    return { kind: 'list', text: params.join(' '), items: params.map((value) => ({ value })) };
  }
  return { kind: 'raw', text: params.join(' ') };
}
