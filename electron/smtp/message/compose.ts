import { randomBytes } from 'node:crypto';
import { resolve as resolvePath } from 'node:path';
import { domainToASCII } from 'node:url';
import addressparser, { type Address } from 'nodemailer/lib/addressparser';
import MailComposer, { type MailComposerAttachment, type MailComposerOptions } from 'nodemailer/lib/mail-composer';
import { foldLines, quoteString } from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';
import { SmtpError, escapeBytes, isSmtpError } from '../errors.js';
import { checkFileUnchanged, measureSource, stampFile, type FileStamp, type MessageSource } from './message-source.js';

/** One attachment: a file on disk (streamed when sending, never loaded) or content in memory. */
export interface AttachmentInput {
  path?: string;
  filename?: string;
  content?: Buffer | string;
  contentType?: string;
  /** Content-ID: an inline part the HTML shows as `cid:<this>` (the message becomes multipart/related). */
  cid?: string;
}

/** What a composed message is made of; address fields take "Name <a@b>", "a@b" or a list in one string. */
export interface ComposeInput {
  from: string;
  sender?: string;
  to?: string[];
  cc?: string[];
  bcc?: string[];
  replyTo?: string[];
  subject?: string;
  text?: string;
  html?: string;
  attachments?: AttachmentInput[];
  /** Extra headers, emitted in order after the standard ones. */
  headers?: { name: string; value: string }[];
  /** A Date (written as RFC 5322 in UTC), or RFC 5322 date text written exactly as given (it must parse as a date). */
  date?: Date | string;
  /** With or without angle brackets; generated from the From domain when missing. */
  messageId?: string;
  /** Put UTF-8 in headers raw (RFC 6532, needs SMTPUTF8) instead of RFC 2047 encoded-words. */
  utf8Headers?: boolean;
}

/** The SMTP envelope: MAIL FROM and RCPT TO addresses ('' is the null sender). */
export interface Envelope {
  from: string;
  to: string[];
}

/** A message ready to send. */
export interface ComposedMessage {
  /** Exact size and eightBit known; bytes identical on every open(). */
  source: MessageSource;
  /** Sender else From; then To, Cc, Bcc in that order, exact duplicates removed. */
  envelope: Envelope;
  /** The Message-ID as written in the header, angle brackets included: "<id@domain>". */
  messageId: string;
  /** Whether any envelope address or raw header needs SMTPUTF8. */
  needsSmtpUtf8: boolean;
}

// Fields the composer writes itself; taking them from `headers` too would duplicate or contradict them.
const RESERVED_HEADERS = new Map<string, string>([
  ['from', 'from'],
  ['sender', 'sender'],
  ['to', 'to'],
  ['cc', 'cc'],
  ['bcc', 'bcc'],
  ['reply-to', 'replyTo'],
  ['subject', 'subject'],
  ['date', 'date'],
  ['message-id', 'messageId'],
  ['mime-version', ''],
  ['content-type', ''],
  ['content-transfer-encoding', ''],
]);

// RFC 5322 ftext: printable US-ASCII except the colon.
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;
// Anything that could end a header line early (CR, LF) or that no header may carry (NUL and the
// other controls, DEL); HT stays, it is ordinary folding whitespace.
const HEADER_CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
const PATH_CONTROL = /[\x00\r\n]/;
// An address with no specials can go bare in a header, anything else is unambiguous only inside <>.
const PLAIN_ADDRESS = /^[^\s"(),:;<>@[\\\]]+@[^\s"(),:;<>@[\\\]]+$/;
// A display name made only of atext (RFC 6532 adds all of UTF-8) and spaces needs no quoting.
const RAW_PHRASE = /^[\p{L}\p{N}\p{M}!#$%&'*+\-/=?^_`{|}~ ]+$/u;
const MAX_LINE_OCTETS = 998;

/** Reject a value that would break out of its header (or any other control character) — header injection. */
function checkHeaderText(field: string, value: string): void {
  const m = HEADER_CONTROL.exec(value);
  if (m) {
    throw new SmtpError('invalid-input', `${field} contains a control character (${escapeBytes(m[0])})`);
  }
}

/** Parse one address-list string, insisting that every mailbox has an address. */
function parseAddressInput(field: string, value: string): Address[] {
  checkHeaderText(field, value);
  const list = addressparser(value);
  const check = (entries: Address[]): void => {
    for (const entry of entries) {
      if (entry.group !== undefined) check(entry.group);
      else if (!entry.address) throw new SmtpError('invalid-input', `${field}: no e-mail address in ${JSON.stringify(value)}`);
    }
  };
  check(list);
  if (list.length === 0) throw new SmtpError('invalid-input', `${field}: no e-mail address in ${JSON.stringify(value)}`);
  return list;
}

/** The mailbox addresses of parsed entries, groups flattened. */
function mailboxes(entries: Address[]): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    if (entry.group !== undefined) out.push(...mailboxes(entry.group));
    else out.push(entry.address);
  }
  return out;
}

/** A display name as RFC 6532 allows it: raw UTF-8, quoted only when it carries specials. */
function rawPhrase(name: string): string {
  return RAW_PHRASE.test(name) && name.trim() === name ? name : quoteString(name);
}

/** Format parsed addresses with UTF-8 left as is (the utf8Headers form). */
function rawAddressList(entries: Address[]): string {
  return entries
    .map((entry) => {
      if (entry.group !== undefined) return `${rawPhrase(entry.name)}:${rawAddressList(entry.group)};`;
      const addr = PLAIN_ADDRESS.test(entry.address) ? entry.address : `<${entry.address}>`;
      return entry.name ? `${rawPhrase(entry.name)} <${entry.address}>` : addr;
    })
    .join(', ');
}

/** Fold a header field at whitespace and refuse it if a line still exceeds RFC 5322's 998 octets. */
function headerField(name: string, value: string): string {
  const folded = value === '' ? `${name}:` : foldLines(`${name}: ${value}`, 76);
  for (const line of folded.split('\r\n')) {
    if (Buffer.byteLength(line, 'utf8') > MAX_LINE_OCTETS) {
      throw new SmtpError('invalid-input', `header ${name} has a word too long to fit a ${MAX_LINE_OCTETS}-octet line`);
    }
  }
  return folded + '\r\n';
}

/** Normalise a caller's Message-ID to "<id>", refusing whitespace, controls and stray brackets. */
function normalizeMessageId(value: string): string {
  checkHeaderText('messageId', value);
  const bare = value.startsWith('<') && value.endsWith('>') ? value.slice(1, -1) : value;
  if (bare === '' || /[\s<>]/.test(bare)) {
    throw new SmtpError('invalid-input', `messageId ${JSON.stringify(value)} is not a valid msg-id`);
  }
  return `<${bare}>`;
}

/** A fresh Message-ID whose right-hand side is the From domain (as an A-label), like most MUAs do. */
function generateMessageId(fromAddress: string): string {
  const at = fromAddress.lastIndexOf('@');
  const domain = at < 0 ? '' : fromAddress.slice(at + 1);
  const right = domain.startsWith('[') ? domain : domainToASCII(domain) || 'localhost';
  return `<${Date.now().toString(36)}.${randomBytes(10).toString('hex')}@${right}>`;
}

interface PreparedAttachment {
  options: MailComposerAttachment;
  /** Set for attachments read from disk, to check the file did not change between passes. */
  file?: { path: string; stamp: FileStamp };
}

/** Validate one attachment and turn it into MailComposer's shape (a path is resolved to an absolute file). */
async function prepareAttachment(input: AttachmentInput, index: number): Promise<PreparedAttachment> {
  const field = `attachments[${index}]`;
  if (input.filename !== undefined) checkHeaderText(`${field}.filename`, input.filename);
  if (input.contentType !== undefined) checkHeaderText(`${field}.contentType`, input.contentType);
  if ((input.path === undefined) === (input.content === undefined)) {
    throw new SmtpError('invalid-input', `${field}: give exactly one of path or content`);
  }
  const base: MailComposerAttachment = {};
  if (input.filename !== undefined) base.filename = input.filename;
  if (input.contentType !== undefined) base.contentType = input.contentType;
  if (input.cid !== undefined) {
    // A msg-id's left side: visible ASCII without the brackets that enclose it.
    if (!/^[\x21-\x3b\x3d\x3f-\x7e]+$/.test(input.cid))
      throw new SmtpError('invalid-input', `${field}.cid must be visible ASCII without < or >`);
    base.cid = input.cid;
  }
  if (input.path !== undefined) {
    if (PATH_CONTROL.test(input.path)) throw new SmtpError('invalid-input', `${field}.path contains a control character`);
    // Absolute, so MailComposer can never take it for a data: or http: URL.
    const path = resolvePath(input.path);
    const stamp = await stampFile(path, `${field}.path`);
    return { options: { ...base, path }, file: { path, stamp } };
  }
  return { options: { ...base, content: input.content } };
}

/** Compose a MIME message with MailComposer; the result can be streamed any number of times. */
export async function composeMessage(input: ComposeInput): Promise<ComposedMessage> {
  const utf8 = input.utf8Headers === true;

  const from = parseAddressInput('from', input.from);
  const sender = input.sender === undefined ? undefined : parseAddressInput('sender', input.sender);
  const lists = {
    to: (input.to ?? []).map((v, i) => ({ raw: v, parsed: parseAddressInput(`to[${i}]`, v) })),
    cc: (input.cc ?? []).map((v, i) => ({ raw: v, parsed: parseAddressInput(`cc[${i}]`, v) })),
    bcc: (input.bcc ?? []).map((v, i) => ({ raw: v, parsed: parseAddressInput(`bcc[${i}]`, v) })),
    replyTo: (input.replyTo ?? []).map((v, i) => ({ raw: v, parsed: parseAddressInput(`replyTo[${i}]`, v) })),
  };
  if (input.subject !== undefined) checkHeaderText('subject', input.subject);
  const extra = input.headers ?? [];
  extra.forEach((h, i) => {
    if (!FIELD_NAME.test(h.name)) {
      throw new SmtpError('invalid-input', `headers[${i}].name ${JSON.stringify(h.name)} is not a valid header name`);
    }
    const reserved = RESERVED_HEADERS.get(h.name.toLowerCase());
    if (reserved !== undefined) {
      const hint = reserved ? `; use the ${reserved} field` : '; the composer sets it';
      throw new SmtpError('invalid-input', `headers[${i}]: ${h.name} cannot be given as an extra header${hint}`);
    }
    checkHeaderText(`headers[${i}].value (${h.name})`, h.value);
  });
  if (typeof input.date === 'string') {
    checkHeaderText('date', input.date);
    if (input.date.trim() === '' || Number.isNaN(Date.parse(input.date))) {
      throw new SmtpError(
        'invalid-input',
        `date ${JSON.stringify(input.date)} is not a date (RFC 5322: "Thu, 03 Dec 2026 09:30:00 +0100")`,
      );
    }
  } else if (input.date !== undefined && Number.isNaN(input.date.getTime())) {
    throw new SmtpError('invalid-input', 'date is not a valid date');
  }
  const attachments = await Promise.all((input.attachments ?? []).map(prepareAttachment));

  // Envelope as smtplib's send_message derives it from the headers it would write.
  const envelopeFrom = mailboxes(sender ?? from)[0] ?? '';
  const recipients: string[] = [];
  for (const entry of [...lists.to, ...lists.cc, ...lists.bcc]) {
    for (const addr of mailboxes(entry.parsed)) if (!recipients.includes(addr)) recipients.push(addr);
  }
  const envelope: Envelope = { from: envelopeFrom, to: recipients };

  // Everything that must not change between open() calls is fixed here, once.
  const messageId = input.messageId === undefined ? generateMessageId(mailboxes(from)[0] ?? '') : normalizeMessageId(input.messageId);
  const date = typeof input.date === 'string' ? input.date.trim() : (input.date ?? new Date());
  const baseBoundary = randomBytes(8).toString('hex');

  // The message-level header fields are written here rather than by MailComposer: it cannot leave
  // UTF-8 raw in address fields, and writing them ourselves keeps Bcc out by construction.
  // Non-UTF-8 mode still uses Nodemailer's own encoder, so the output is what MailComposer would write.
  const addressField = (name: string, entries: { raw: string; parsed: Address[] }[]): string => {
    if (entries.length === 0) return '';
    const value = utf8
      ? entries.map((e) => rawAddressList(e.parsed)).join(', ')
      : MimeNode.encodeHeaderValue(
          name,
          entries.map((e) => e.raw),
        );
    return headerField(name, value);
  };
  const textField = (name: string, value: string): string => headerField(name, utf8 ? value : MimeNode.encodeHeaderValue(name, value));

  let prefixText = addressField('From', [{ raw: input.from, parsed: from }]);
  if (sender && input.sender !== undefined) prefixText += addressField('Sender', [{ raw: input.sender, parsed: sender }]);
  prefixText += addressField('Reply-To', lists.replyTo);
  prefixText += addressField('To', lists.to);
  prefixText += addressField('Cc', lists.cc);
  if (input.subject) prefixText += textField('Subject', input.subject);
  for (const h of extra) prefixText += textField(h.name, h.value);
  const prefix = Buffer.from(prefixText, 'utf8');

  const composerOptions = (): MailComposerOptions => ({
    messageId,
    date,
    text: input.text,
    html: input.html,
    // MailComposer mutates attachment objects, so each pass gets fresh copies.
    attachments: attachments.map((a) => ({ ...a.options })),
    baseBoundary,
    newline: 'win',
    disableUrlAccess: true,
  });

  const source: MessageSource = {
    size: undefined,
    eightBit: undefined,
    async *open() {
      for (const a of attachments) {
        if (a.file) await checkFileUnchanged(a.file.path, a.file.stamp, 'attachment');
      }
      yield prefix;
      // A new MIME tree per pass: MailComposer reads attachment files lazily as the stream is consumed,
      // so memory stays flat whatever their size; fixed date, id and boundary keep the bytes identical.
      const stream = new MailComposer(composerOptions()).compile().createReadStream();
      try {
        for await (const chunk of stream) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      } catch (err) {
        if (isSmtpError(err)) throw err;
        throw new SmtpError('invalid-input', `composing the message failed: ${(err as Error).message}`, { cause: err });
      }
    },
  };

  // One counting pass so SIZE= and BODY=8BITMIME can be decided before MAIL FROM.
  const measured = await measureSource(source);
  const needsSmtpUtf8 =
    [envelope.from, ...envelope.to].some((a) => /[^\x00-\x7f]/.test(a)) || prefix.some((b) => b >= 0x80) || /[^\x00-\x7f]/.test(messageId);

  return {
    source: { size: measured.size, eightBit: measured.eightBit, open: source.open },
    envelope,
    messageId,
    needsSmtpUtf8,
  };
}
