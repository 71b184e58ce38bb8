import { open as openFile } from 'node:fs/promises';
import addressparser from 'nodemailer/lib/addressparser';
import { SmtpError } from '../errors.js';
import type { Envelope } from './compose.js';
import {
  FILE_CHUNK_SIZE,
  checkFileUnchanged,
  measureBuffers,
  partsSource,
  readFileChunks,
  stampFile,
  type MessageSource,
} from './message-source.js';

/** One header field with its value unfolded (line breaks before continuation whitespace removed). */
export interface HeaderField {
  name: string;
  value: string;
}

/** A header field together with the bytes it occupies, continuation lines and terminators included. */
interface LocatedField extends HeaderField {
  start: number;
  end: number;
}

interface ScannedBlock {
  fields: LocatedField[];
  /** Bytes of the header block including the blank line (or all of the input if there is none). */
  headerLength: number;
  /** Whether the blank line that ends the block was seen. */
  complete: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;
// RFC 5322 ftext; obsolete syntax also allows whitespace between the name and the colon.
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;
// A file whose header block is bigger than this is not a message we can sensibly parse.
const MAX_HEADER_BLOCK = 4 * 1024 * 1024;

/** Walk the header block line by line (LF or CRLF), recording each field's byte range. */
function scanHeaderBlock(raw: Buffer): ScannedBlock {
  const fields: LocatedField[] = [];
  let current: { name: string; parts: string[]; start: number; end: number } | undefined;
  const flush = (): void => {
    if (!current) return;
    fields.push({ name: current.name, value: current.parts.join('').trim(), start: current.start, end: current.end });
    current = undefined;
  };
  let pos = 0;
  while (pos < raw.length) {
    const nl = raw.indexOf(LF, pos);
    const next = nl < 0 ? raw.length : nl + 1;
    let contentEnd = nl < 0 ? raw.length : nl;
    if (contentEnd > pos && raw[contentEnd - 1] === CR) contentEnd--;
    if (contentEnd === pos && nl >= 0) {
      flush();
      return { fields, headerLength: next, complete: true };
    }
    const first = raw[pos];
    if ((first === SP || first === HT) && current) {
      // Unfolding removes only the line break; the leading whitespace stays part of the value.
      current.parts.push(raw.toString('utf8', pos, contentEnd));
      current.end = next;
    } else {
      flush();
      const colon = raw.indexOf(COLON, pos);
      const name = colon >= 0 && colon < contentEnd ? raw.toString('latin1', pos, colon).replace(/[ \t]+$/, '') : '';
      // A line that is not a field (an mbox "From " line, garbage) is left in place and not parsed.
      if (FIELD_NAME.test(name)) {
        current = { name, parts: [raw.toString('utf8', colon + 1, contentEnd)], start: pos, end: next };
      }
    }
    pos = next;
  }
  flush();
  return { fields, headerLength: raw.length, complete: false };
}

/** Parse the header block of a raw message (up to the first empty line), unfolding continuation lines. */
export function parseHeaderBlock(raw: Buffer): { headers: HeaderField[]; headerLength: number } {
  const block = scanHeaderBlock(raw);
  return { headers: block.fields.map(({ name, value }) => ({ name, value })), headerLength: block.headerLength };
}

/** All values of a header, case-insensitively, in message order. */
function valuesOf(headers: HeaderField[], name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter((h) => h.name.toLowerCase() === lower).map((h) => h.value);
}

/** Addresses in header values as smtplib's getaddresses sees them: groups flattened, a bare word taken as an address. */
function addressesIn(values: string[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    for (const entry of addressparser(value, { flatten: true })) {
      if (entry.address) out.push(entry.address);
      // "To: root" names a local mailbox; addressparser reads it as a display name, Python as an address.
      else if (entry.name && !/[\s@]/.test(entry.name)) out.push(entry.name);
    }
  }
  return out;
}

/** Envelope from headers, following smtplib's send_message (one Resent-* block wins; more than one is an error). */
export function deriveEnvelope(headers: HeaderField[]): Envelope {
  const resentDates = valuesOf(headers, 'Resent-Date').length;
  if (resentDates > 1) {
    throw new SmtpError('invalid-input', "message has more than one 'Resent-' header block");
  }
  const prefix = resentDates === 1 ? 'Resent-' : '';
  // Like smtplib: the first Sender if there is one at all (even empty), else the first From.
  const senders = valuesOf(headers, `${prefix}Sender`);
  const fromValue = senders.length > 0 ? senders[0] : valuesOf(headers, `${prefix}From`)[0];
  const from = fromValue === undefined ? '' : (addressesIn([fromValue])[0] ?? '');
  const to: string[] = [];
  // Every occurrence counts (smtplib reads only the first of each); order To, Cc, Bcc.
  for (const name of ['To', 'Cc', 'Bcc']) {
    for (const addr of addressesIn(valuesOf(headers, prefix + name))) if (!to.includes(addr)) to.push(addr);
  }
  return { from, to };
}

/** Whether a field is one of those that must never be transmitted. */
function isBccField(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'bcc' || lower === 'resent-bcc';
}

/** The header block bytes with Bcc and Resent-Bcc fields cut out, everything else byte for byte. */
function stripBcc(raw: Buffer, block: ScannedBlock): Buffer {
  const keep: Buffer[] = [];
  let pos = 0;
  for (const field of block.fields) {
    if (!isBccField(field.name)) continue;
    keep.push(raw.subarray(pos, field.start));
    pos = field.end;
  }
  keep.push(raw.subarray(pos, block.headerLength));
  return keep.length === 1 ? keep[0]! : Buffer.concat(keep);
}

/** Read a file's header block (and no more than a chunk of the body) without loading the whole file. */
async function readHeaderPrefix(path: string): Promise<Buffer> {
  const handle = await openFile(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(FILE_CHUNK_SIZE);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, total);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      // Rescanning is cheap next to I/O, and header blocks are rarely more than one chunk.
      if (scanHeaderBlock(Buffer.concat(chunks, total)).complete) break;
      if (total > MAX_HEADER_BLOCK) {
        throw new SmtpError('invalid-input', `${path}: no end of the header block within ${MAX_HEADER_BLOCK} bytes`);
      }
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

/** Envelope, SMTPUTF8 need and Bcc-free header bytes for a raw message's header block. */
function analyse(raw: Buffer): { block: ScannedBlock; header: Buffer; envelope: Envelope; needsSmtpUtf8: boolean } {
  const block = scanHeaderBlock(raw);
  const envelope = deriveEnvelope(block.fields);
  const header = stripBcc(raw, block);
  const needsSmtpUtf8 = [envelope.from, ...envelope.to].some((a) => /[^\x00-\x7f]/.test(a)) || header.some((b) => b >= 0x80);
  return { block, header, envelope, needsSmtpUtf8 };
}

/** A source for a raw message with Bcc and Resent-Bcc fields removed from the header block, body untouched. */
export async function rawMessage(
  input: Buffer | { path: string },
): Promise<{ source: MessageSource; envelope: Envelope; headers: HeaderField[]; needsSmtpUtf8: boolean }> {
  if (Buffer.isBuffer(input)) {
    const { block, header, envelope, needsSmtpUtf8 } = analyse(input);
    const source = partsSource([header, input.subarray(block.headerLength)]);
    return { source, envelope, headers: strip(block.fields), needsSmtpUtf8 };
  }

  const path = input.path;
  const stamp = await stampFile(path, 'message file');
  const prefix = await readHeaderPrefix(path);
  const { block, header, envelope, needsSmtpUtf8 } = analyse(prefix);
  const bodyStart = block.headerLength;
  // The header part is measured exactly; the body is counted by stat, which is only the size as sent
  // if its line endings are already CRLF. A header block with bare LFs says the file is not, so then
  // the size is left unknown for the caller to measure.
  const bareLf = hasBareLf(prefix.subarray(0, bodyStart));
  const source: MessageSource = {
    size: bareLf ? undefined : measureBuffers([header]).size + (stamp.size - bodyStart),
    eightBit: undefined,
    async *open() {
      await checkFileUnchanged(path, stamp, 'message file');
      if (header.length > 0) yield header;
      if (bodyStart < stamp.size) yield* readFileChunks(path, bodyStart);
    },
  };
  return { source, envelope, headers: strip(block.fields), needsSmtpUtf8 };
}

/** Drop the byte ranges from located fields. */
function strip(fields: LocatedField[]): HeaderField[] {
  return fields.map(({ name, value }) => ({ name, value }));
}

/** Whether any LF in the buffer lacks a CR before it. */
function hasBareLf(buf: Buffer): boolean {
  for (let i = buf.indexOf(LF); i >= 0; i = buf.indexOf(LF, i + 1)) {
    if (i === 0 || buf[i - 1] !== CR) return true;
  }
  return false;
}
