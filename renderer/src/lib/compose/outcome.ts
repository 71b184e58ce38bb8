import type { ErrorDto } from '../../../../shared/ipc/contract.js';
import { stripEnhancedCode } from '../../../../shared/explain/reply-text.js';
import type { RecipientOutcome, ReplyInfo, SessionRecord, Verdict } from '../../../../shared/session-record.js';

/**
 * What became of a sent message, per recipient and overall, in plain words. Pure functions over the session
 * record, no DOM.
 */

/**
 * delivered; failed for now (4xx, the sender may retry); failed for good (5xx); unknown (the link was lost after the
 * message was sent and before the server answered: it may have been delivered); not-sent (the transaction broke off
 * before the end of the message).
 */
export type OutcomeStatus = 'delivered' | 'temporary' | 'permanent' | 'unknown' | 'not-sent';

export interface OutcomeRow {
  address: string;
  /** The reply to RCPT TO. */
  rcpt: ReplyInfo;
  /** Whether RCPT TO was accepted (250/251). */
  accepted: boolean;
  /** The reply after the data: LMTP's own for this recipient, or SMTP's one final reply. */
  data?: ReplyInfo;
  /** Whether `data` is this recipient's own reply (LMTP) rather than the shared one (SMTP). */
  perRecipientData: boolean;
  status: OutcomeStatus;
  /** Short words for the status column. */
  label: string;
  /** One sentence: where it ended and why. */
  explanation: string;
}

export interface VerdictSummary {
  verdict: Verdict;
  tone: 'ok' | 'partial' | 'error' | 'unknown';
  /** "Delivered to all 3 recipients". */
  title: string;
  /** What stopped it, when something did. */
  detail?: string;
  delivered: number;
  total: number;
}

/** "250 2.1.5 Ok" */
export function formatReply(reply: ReplyInfo | undefined): string {
  if (!reply) return '';
  // The text keeps the enhanced code it started with on the wire: shown once.
  const text = stripEnhancedCode(reply.text, reply.enhancedCode).replace(/\n/g, ' / ');
  return [String(reply.code), reply.enhancedCode, text].filter((p) => p !== undefined && p !== '').join(' ');
}

const klass = (code: number): string => `${Math.floor(code / 100)}xx`;

/** `perRecipient`: each recipient got its own reply after the data, by LMTP or by PRDR. */
function explain(
  r: RecipientOutcome,
  perRecipient: 'LMTP' | 'PRDR' | undefined,
): { status: OutcomeStatus; label: string; explanation: string } {
  if (r.delivered) {
    return {
      status: 'delivered',
      label: 'Delivered',
      explanation:
        perRecipient === 'LMTP'
          ? 'Accepted for this mailbox after the data (LMTP).'
          : perRecipient === 'PRDR'
            ? 'Accepted for this recipient after the data (PRDR).'
            : 'The server accepted the message for this recipient.',
    };
  }
  if (!r.accepted) {
    const temporary = r.failure === 'temporary' || (r.failure === undefined && r.rcpt.code < 500);
    return temporary
      ? {
          status: 'temporary',
          label: 'Deferred',
          explanation: `Refused for now at RCPT TO (${klass(r.rcpt.code)}, temporary): the server asks the sender to try again later.`,
        }
      : {
          status: 'permanent',
          label: 'Refused',
          explanation: `Refused at RCPT TO (${klass(r.rcpt.code)}, permanent): the server will not take mail for this recipient.`,
        };
  }
  if (r.failure === 'unknown') {
    return {
      status: 'unknown',
      label: 'Unknown',
      explanation:
        'Accepted at RCPT TO; the connection was lost after the message was sent and before the server answered for this recipient: it may have been delivered.',
    };
  }
  if (r.data) {
    const temporary = r.failure === 'temporary' || (r.failure === undefined && r.data.code < 500);
    const after =
      perRecipient === 'LMTP'
        ? 'after the data, for this mailbox (LMTP)'
        : perRecipient === 'PRDR'
          ? 'after the data, for this recipient (PRDR)'
          : 'after the data';
    return temporary
      ? {
          status: 'temporary',
          label: 'Deferred',
          explanation: `Accepted at RCPT TO, then refused for now ${after} (${klass(r.data.code)}, temporary).`,
        }
      : {
          status: 'permanent',
          label: 'Refused',
          explanation: `Accepted at RCPT TO, then refused ${after} (${klass(r.data.code)}, permanent).`,
        };
  }
  return {
    status: 'not-sent',
    label: 'Not delivered',
    explanation: 'Accepted at RCPT TO, but the transaction stopped before the server took the message.',
  };
}

/** One row per envelope recipient, in the order they were sent. */
export function outcomeRows(record: SessionRecord): OutcomeRow[] {
  const lmtp = record.target.protocol === 'lmtp';
  // With PRDR, as with LMTP, each recipient has its own reply after the data.
  const perRecipient = lmtp ? 'LMTP' : record.message?.prdr ? 'PRDR' : undefined;
  return (record.recipients ?? []).map((r) => ({
    address: r.address,
    rcpt: r.rcpt,
    accepted: r.accepted,
    ...(r.data ? { data: r.data } : {}),
    perRecipientData: perRecipient !== undefined,
    ...explain(r, perRecipient),
  }));
}

/** The overall verdict of a send, in words; from the record's result, or from its recipients when it has none. */
export function verdictSummary(record: SessionRecord, requestError?: ErrorDto): VerdictSummary {
  const recipients = record.recipients ?? [];
  const total = recipients.length || record.message?.envelopeTo.length || 0;
  const delivered = recipients.filter((r) => r.delivered).length;
  const verdict: Verdict = record.result.verdict ?? (delivered === 0 ? 'none' : delivered === recipients.length ? 'delivered' : 'partial');
  const error = requestError ?? record.result.error;
  const detail = error ? error.message : undefined;
  const plural = (n: number): string => `${n} recipient${n === 1 ? '' : 's'}`;
  switch (verdict) {
    case 'delivered':
      return {
        verdict,
        tone: 'ok',
        title: total === 1 ? 'Delivered to the recipient' : `Delivered to all ${plural(total)}`,
        ...(detail ? { detail } : {}),
        delivered,
        total,
      };
    case 'partial':
      return {
        verdict,
        tone: 'partial',
        title: `Partly delivered: ${delivered} of ${plural(total)}`,
        detail: detail ?? 'Some recipients were refused; see the table for each one.',
        delivered,
        total,
      };
    case 'none':
      return {
        verdict,
        tone: 'error',
        title:
          total === 0 ? 'Not delivered' : total === 1 ? 'Not delivered to the recipient' : `Not delivered to any of the ${plural(total)}`,
        ...(detail ? { detail } : {}),
        delivered,
        total,
      };
    case 'unknown': {
      const unknown = recipients.filter((r) => r.failure === 'unknown').length;
      return {
        verdict,
        tone: 'unknown',
        title: unknown === 1 && total === 1 ? 'Delivery unknown' : `Delivery unknown for ${plural(unknown)}`,
        detail:
          detail ??
          'The connection was lost after the message was sent and before the server answered: it may have been delivered. Check before sending it again.',
        delivered,
        total,
      };
    }
  }
}
