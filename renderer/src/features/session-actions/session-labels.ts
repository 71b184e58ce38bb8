import type { SessionState } from '../../../../shared/ipc/contract.js';
import type { SessionRecord } from '../../../../shared/session-record.js';
import { recordStatus, STATUS_WORDS, type SessionStatus } from '../../../../shared/session-status.js';
import type { SessionActivity, SessionView } from '../../store/session-slice.js';

/** Words for the session state indicator and the running activity. Pure. */

export const ACTIVITY_LABELS: Record<SessionActivity, string> = {
  probe: 'Probing…',
  connect: 'Connecting…',
  authenticate: 'Authenticating…',
  verify: 'Verifying…',
  raw: 'Waiting for the reply…',
  send: 'Sending…',
  close: 'Closing…',
};

export const STATE_LABELS: Record<SessionState, string> = {
  connecting: 'Connecting',
  ready: 'Ready',
  busy: 'Busy',
  closed: 'Closed',
  failed: 'Failed',
};

/** The indicator's dot: a session state while it runs, or how it ended (the shared status vocabulary). */
export type IndicatorDot = SessionState | 'idle' | SessionStatus;

/**
 * The indicator: a dot class and a word. Once a session has ended, its record says how, in the words every view
 * uses (Delivered, Partial, Unknown, Failed, Cancelled, Interrupted): a cancelled run is grey "Cancelled", a send whose
 * link was lost before the answer "Unknown", not a bare red "Failed".
 */
export function sessionIndicator(
  session: Pick<SessionView, 'status' | 'state' | 'open' | 'activity' | 'source' | 'cancelling'>,
  record?: Pick<SessionRecord, 'result'>,
): {
  dot: IndicatorDot;
  label: string;
} {
  if (session.status === 'idle') return { dot: 'idle', label: 'No session' };
  if (session.status === 'running') {
    if (session.cancelling) return { dot: 'busy', label: 'Cancelling…' };
    const dot: SessionState = session.state === 'ready' || session.state === undefined ? 'busy' : session.state;
    return { dot, label: session.activity ? ACTIVITY_LABELS[session.activity] : 'Working…' };
  }
  if (session.open) return { dot: 'ready', label: 'Open — ready for commands' };
  const status = record ? recordStatus(record) : undefined;
  if (session.source === 'history') {
    return status && status !== 'ok'
      ? { dot: status, label: `From the history — ${STATUS_WORDS[status]}` }
      : { dot: 'closed', label: 'From the history' };
  }
  if (status === 'unknown') return { dot: 'unknown', label: 'Unknown — the link was lost before the answer' };
  if (status && status !== 'ok') return { dot: status, label: STATUS_WORDS[status] };
  if (session.state) return { dot: session.state, label: STATE_LABELS[session.state] };
  return { dot: 'idle', label: 'No session' };
}
