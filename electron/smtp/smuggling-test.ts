import type { ReplyInfo, SessionRecord } from '../../shared/session-record.js';
import { LiveSession } from './live-session.js';
import { opened, type ProbeRequest } from './operations.js';
import { replyInfo } from './protocol/reply.js';
import type { SmugglingExchange } from './session.js';
import { Transcript } from './transcript.js';

/**
 * The SMTP smuggling self-test (CVE-2023-51764 postfix, CVE-2023-51765 sendmail, CVE-2023-51766 exim): for each
 * non-standard end-of-data sequence, one connection and one message whose body carries that sequence followed by a
 * complete second transaction (MAIL, RCPT, DATA, a short message) and then the real <CR><LF>.<CR><LF>. A server that
 * takes the sequence as the end of the data answers the commands after it — replies between the end of the data and
 * QUIT's 221 — and so would let a sender smuggle a message past an upstream filter. Opt-in only
 * (--i-own-this-server): the smuggled message is delivered when the server is vulnerable.
 */

export interface SmugglingVariant {
  id: string;
  /** As the admin reads it: "<LF>.<LF>". */
  label: string;
  bytes: string;
}

export const SMUGGLING_VARIANTS: readonly SmugglingVariant[] = [
  { id: 'lf-dot-lf', label: '<LF>.<LF>', bytes: '\n.\n' },
  { id: 'cr-dot-cr', label: '<CR>.<CR>', bytes: '\r.\r' },
  { id: 'lf-dot-crlf', label: '<LF>.<CR><LF>', bytes: '\n.\r\n' },
  { id: 'crlf-dot-lf', label: '<CR><LF>.<LF>', bytes: '\r\n.\n' },
  { id: 'cr-dot-crlf', label: '<CR>.<CR><LF>', bytes: '\r.\r\n' },
  { id: 'crlf-dot-cr', label: '<CR><LF>.<CR>', bytes: '\r\n.\r' },
  { id: 'lf-dot-cr', label: '<LF>.<CR>', bytes: '\n.\r' },
  { id: 'cr-dot-lf', label: '<CR>.<LF>', bytes: '\r.\n' },
];

/**
 * smuggled: the server answered commands carried inside the message — it ended the data at the variant.
 * not-smuggled: one reply to the whole message, then QUIT's 221.
 * refused: the message carrying the variant was refused (many servers now refuse bare CR or LF), nothing answered.
 * not-tried: the session, MAIL, RCPT or DATA failed first. unknown: the connection ended before QUIT was answered.
 */
export type SmugglingVerdict = 'smuggled' | 'not-smuggled' | 'refused' | 'not-tried' | 'unknown';

export interface SmugglingOutcome {
  variant: SmugglingVariant;
  verdict: SmugglingVerdict;
  /** The reply to the end of the data (at the variant when smuggled, at the real end otherwise). */
  end?: ReplyInfo;
  /** Replies to the smuggled commands. */
  smuggled: ReplyInfo[];
  reason?: string;
  record: SessionRecord;
}

export interface SmugglingTestRequest extends ProbeRequest {
  from: string;
  to: string;
  /** Only these variants (ids); all by default. */
  variants?: readonly string[];
  now?: Date;
}

/** More replies than a smuggled transaction can earn (MAIL, RCPT, DATA, end) is a flood, not an answer. */
const MAX_SMUGGLED_REPLIES = 8;

/** The message for one variant: its body holds the variant, a second transaction, and the real end. */
export function smugglingPayload(variant: SmugglingVariant, from: string, to: string, now: Date): Buffer {
  const date = now.toUTCString().replace(/GMT$/, '+0000');
  const head = (subject: string): string => `From: <${from}>\r\nTo: <${to}>\r\nDate: ${date}\r\nSubject: ${subject}\r\n\r\n`;
  return Buffer.from(
    head(`SMTP Lens smuggling self-test: ${variant.label}`) +
      `This message carries the ${variant.label} sequence and, after it, a second transaction.` +
      variant.bytes +
      `MAIL FROM:<${from}>\r\nRCPT TO:<${to}>\r\nDATA\r\n` +
      head(`SMTP Lens smuggled message: the data ended at ${variant.label}`) +
      `If this arrived as a message of its own, the server took ${variant.label} as the end of the data (SMTP smuggling).\r\n` +
      '.\r\n',
    'latin1',
  );
}

function verdictOf(exchange: SmugglingExchange, record: SessionRecord): { verdict: SmugglingVerdict; reason?: string } {
  const failure = record.result.error?.message;
  if (exchange.extra.length > 0) return { verdict: 'smuggled' };
  if (!exchange.end) {
    const step = !exchange.mail
      ? 'the session did not get to MAIL'
      : exchange.mail.code !== 250
        ? `MAIL answered ${exchange.mail.code}`
        : !exchange.rcpt
          ? 'no reply to RCPT'
          : exchange.rcpt.code !== 250 && exchange.rcpt.code !== 251
            ? `RCPT answered ${exchange.rcpt.code}`
            : !exchange.data
              ? 'no reply to DATA'
              : exchange.data.code !== 354
                ? `DATA answered ${exchange.data.code}`
                : 'no reply to the end of the data';
    return { verdict: exchange.data?.code === 354 ? 'unknown' : 'not-tried', reason: failure ? `${step}: ${failure}` : step };
  }
  if (exchange.end.code >= 400) return { verdict: 'refused' };
  if (exchange.quit) return { verdict: 'not-smuggled' };
  return { verdict: 'unknown', reason: `the connection ended before QUIT was answered${failure ? `: ${failure}` : ''}` };
}

/** One variant on its own connection. */
async function tryVariant(request: SmugglingTestRequest, variant: SmugglingVariant, now: Date): Promise<SmugglingOutcome> {
  const live = new LiveSession({ ...request.connection, transcript: new Transcript() }, 'raw');
  const exchange: SmugglingExchange = { extra: [] };
  const how = await opened(live, request, 'raw');
  let record: SessionRecord;
  if (how === 'go-on') {
    const payload = smugglingPayload(variant, request.from, request.to, now);
    record = await live.smuggle({ from: request.from, to: request.to }, payload, MAX_SMUGGLED_REPLIES, exchange);
    // A server that took MAIL and refused later still gets a polite QUIT; one that answered QUIT is closed already.
    if (!exchange.quit) record = await live.close();
  } else record = await live.close();
  const { verdict, reason } = verdictOf(exchange, record);
  return {
    variant,
    verdict,
    ...(exchange.end ? { end: replyInfo(exchange.end) } : {}),
    smuggled: exchange.extra.map(replyInfo),
    ...(reason ? { reason } : {}),
    record,
  };
}

export async function smugglingTest(request: SmugglingTestRequest): Promise<SmugglingOutcome[]> {
  const now = request.now ?? new Date();
  const variants = request.variants ? SMUGGLING_VARIANTS.filter((v) => request.variants!.includes(v.id)) : SMUGGLING_VARIANTS;
  const outcomes: SmugglingOutcome[] = [];
  // One after another: each is a message to the admin's own server, and their order is the report's.
  for (const variant of variants) outcomes.push(await tryVariant(request, variant, now));
  return outcomes;
}
