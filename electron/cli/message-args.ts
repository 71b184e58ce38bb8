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
