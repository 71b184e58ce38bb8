import type { SessionRecord } from './session-record.js';
import { defined } from './defined.js';

/**
 * One vocabulary for how a session ended, used by every view of it: the Sessions list, the session bar, the Overview,
 * the exports. A send says what became of the message (Delivered, Partial, Unknown, Failed); any session may have
 * been Cancelled (by the user) or Interrupted (its log ends early: the app or CLI stopped while it ran); a session
 * that did what it was asked without a message is OK. Pure.
 */
export type SessionStatus = 'delivered' | 'partial' | 'unknown' | 'failed' | 'cancelled' | 'interrupted' | 'ok' | 'open';

export const STATUS_WORDS: Record<SessionStatus, string> = {
  delivered: 'Delivered',
  partial: 'Partial',
  unknown: 'Unknown',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
  ok: 'OK',
  open: 'Open',
};

/** One sentence for each, where the word alone may not say enough (tooltips, exports). */
export const STATUS_MEANINGS: Record<SessionStatus, string> = {
  delivered: 'The server accepted the message for every recipient.',
  partial: 'The server accepted the message for some recipients only.',
  unknown: 'The link was lost after the message was sent and before the server answered: it may or may not have been accepted.',
  failed: 'The session did not do what it was asked: see the error.',
  cancelled: 'Cancelled before it finished; the connection was dropped.',
  interrupted: 'The session log ends before the session did: the app or the CLI stopped while it ran.',
  ok: 'The session did what it was asked.',
  open: 'The session is still running.',
};

export interface StatusInput {
  /** The log's state, when known (the history): open or interrupted win over the record's own result. */
  log?: 'ok' | 'failed' | 'open' | 'interrupted';
  ok: boolean;
  verdict?: SessionRecord['result']['verdict'];
  errorCode?: string;
  interrupted?: boolean;
}

/** How a session ended, from its result (and its log's state). */
export function sessionStatus(input: StatusInput): SessionStatus {
  if (input.log === 'open') return 'open';
  if (input.log === 'interrupted' || input.interrupted) return 'interrupted';
  // What became of a message is what matters most, however the session went on after it.
  if (input.verdict === 'delivered') return 'delivered';
  if (input.verdict === 'partial') return 'partial';
  if (input.verdict === 'unknown') return 'unknown';
  if (input.errorCode === 'cancelled') return 'cancelled';
  if (input.ok) return 'ok';
  return 'failed';
}

/** The status of a record. */
export function recordStatus(record: Pick<SessionRecord, 'result'>, log?: StatusInput['log']): SessionStatus {
  const r = record.result;
  return sessionStatus({
    ok: r.ok,
    ...defined({ log, verdict: r.verdict }),
    ...(r.error?.code !== undefined ? { errorCode: r.error.code } : {}),
    ...(r.interrupted ? { interrupted: true } : {}),
  });
}

/** The tone of each status, as a CSS/colour family: green, amber, amber-grey, red, grey. */
export const STATUS_TONES: Record<SessionStatus, 'ok' | 'partial' | 'unknown' | 'failed' | 'neutral'> = {
  delivered: 'ok',
  ok: 'ok',
  partial: 'partial',
  unknown: 'unknown',
  failed: 'failed',
  cancelled: 'neutral',
  interrupted: 'neutral',
  open: 'neutral',
};
