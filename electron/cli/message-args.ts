import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from './usage-error.js';
import { defined } from '../../shared/defined.js';

/** The CLI's message options that need more than a copy: headers that stand for options, and --date. */

/** Headers the composer writes from an option: a --header naming one is pointed at it. */
const HEADER_OPTIONS: Record<string, string> = {
  from: '--from',
  to: '--to',
  cc: '--cc',
  bcc: '--bcc',
  'reply-to': '--reply-to',
  subject: '--subject',
};
const COMPOSER_HEADERS = new Set(['mime-version', 'content-type', 'content-transfer-encoding']);

/**
 * --header values: Date, Message-ID and Sender given as headers stand for --date, --message-id and --sender (once
 * each); a header another option writes is pointed at it; MIME structure headers are the composer's.
 */
export function extraHeaders(
  given: string[],
  options: { date?: string; messageId?: string; sender?: string },
): { headers: { name: string; value: string }[]; date?: string; messageId?: string; sender?: string } {
  const out = { ...options };
  const headers: { name: string; value: string }[] = [];
  const fromHeader: Record<string, keyof typeof options> = { date: 'date', 'message-id': 'messageId', sender: 'sender' };
  for (const h of given) {
    const colon = h.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header must look like "Name: value" (got "${h}")`);
    const name = h.slice(0, colon).trim();
    const value = h.slice(colon + 1).trim();
    const lower = name.toLowerCase();
    const field = fromHeader[lower];
    if (field) {
      const option = `--${lower}`;
      if (out[field] !== undefined) throw new UsageError(`${name} is given twice (--header "${name}: …" and ${option}, or two headers)`);
      out[field] = value;
      continue;
    }
    if (HEADER_OPTIONS[lower]) throw new UsageError(`--header "${name}: …": use ${HEADER_OPTIONS[lower]}, which writes that header`);
    if (COMPOSER_HEADERS.has(lower))
      throw new UsageError(`--header "${name}: …": the MIME composer writes it (use --message-file for a message as it is)`);
    headers.push({ name, value });
  }
  return { headers, ...defined(out) };
}

/** --date: ISO 8601 becomes a Date (written in UTC); anything else is RFC 5322 text the composer writes as given. */
export function cliDate(value: string): Date | string {
  if (/^\d{4}-\d{2}-\d{2}([T ]|$)/.test(value)) {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw new UsageError(`--date: "${value}" is not a valid ISO 8601 date`);
    return date;
  }
  if (Number.isNaN(Date.parse(value))) {
    throw new UsageError(`--date: "${value}" is not a date (RFC 5322, "Thu, 03 Dec 2026 09:30:00 +0100", or ISO 8601)`);
  }
  return value;
}

/** --inline FILE: an image the HTML shows as cid:<file name>; the HTML must refer to it, or the image is lost. */
export function inlineImage(path: string, html: string | undefined): { path: string; cid: string } {
  const cid = basename(path);
  if (html === undefined) throw new UsageError(`--inline ${path}: an inline image goes with --html-file (the HTML shows it as cid:${cid})`);
  if (!html.includes(`cid:${cid}`)) {
    throw new UsageError(`--inline ${path}: the HTML does not refer to it; show it with <img src="cid:${cid}">`);
  }
  return { path, cid };
}

/** --dkim-domain, --dkim-selector and --dkim-key go together; the key is read here and never printed. */
export function dkimOption(
  domain: string | undefined,
  selector: string | undefined,
  keyFile: string | undefined,
): { domain: string; selector: string; privateKey: string } | undefined {
  if (domain === undefined && selector === undefined && keyFile === undefined) return undefined;
  if (domain === undefined || selector === undefined || keyFile === undefined) {
    throw new UsageError('--dkim-domain, --dkim-selector and --dkim-key go together');
  }
  let privateKey: string;
  try {
    privateKey = readFileSync(keyFile, 'utf8');
  } catch (error) {
    throw new UsageError(`--dkim-key: cannot read ${keyFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return { domain, selector, privateKey };
}
