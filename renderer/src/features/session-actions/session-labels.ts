import type { SessionState } from '../../../../shared/ipc/contract.js';
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

/**
 * The indicator: a dot class and a word. `verdict`: the delivery verdict of the last step — a session that ended
 * with the delivery unknown says so (amber-grey) rather than a bare "Failed".
 */
export function sessionIndicator(
  session: Pick<SessionView, 'status' | 'state' | 'open' | 'activity' | 'source' | 'cancelling'>,
  verdict?: string,
): {
  dot: SessionState | 'idle' | 'unknown';
  label: string;
} {
  if (session.status === 'idle') return { dot: 'idle', label: 'No session' };
  if (session.source === 'history') return { dot: 'closed', label: 'From the history' };
  if (session.status === 'running') {
    if (session.cancelling) return { dot: 'busy', label: 'Cancelling…' };
    const dot: SessionState = session.state === 'ready' || session.state === undefined ? 'busy' : session.state;
    return { dot, label: session.activity ? ACTIVITY_LABELS[session.activity] : 'Working…' };
  }
  if (session.open) return { dot: 'ready', label: 'Open — ready for commands' };
  if (session.state === 'failed' && verdict === 'unknown') return { dot: 'unknown', label: 'Link lost — delivery unknown' };
  if (session.state) return { dot: session.state, label: STATE_LABELS[session.state] };
  return { dot: 'idle', label: 'No session' };
}
