import { sessionStatus, STATUS_WORDS, type SessionStatus } from '../../../../shared/session-status.js';
import type { SavedSessionSummary } from '../../../../shared/ipc/contract.js';
import { defined } from '../../../../shared/defined.js';

/** Formatting and filtering of the session history table. Pure. */

const pad = (n: number) => String(n).padStart(2, '0');

/** Local date and time to the second: "2025-01-31 14:03:09". An unreadable time is shown as given. */
export function formatLocalTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "812 B", "14.2 KB", "3.1 MB". */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Sessions whose target, operation, status or error code contains every word of the query. */
export function filterSessions(list: readonly SavedSessionSummary[], query: string): SavedSessionSummary[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...list];
  return list.filter((s) => {
    const text =
      `${s.target} ${s.operation} ${s.status} ${statusPill(s).label} ${s.errorCode ?? ''} ${formatLocalTime(s.startedAt)}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/**
 * How a saved session's status reads in the history, in the words every view uses: Delivered (green), Partial
 * (amber), Unknown (amber-grey), Failed (red), Cancelled and Interrupted (grey), OK, Open; the pill's class is the
 * status.
 */
export function statusPill(s: Pick<SavedSessionSummary, 'status' | 'verdict' | 'errorCode'>): { label: string; tone: SessionStatus } {
  const status = sessionStatus({
    log: s.status,
    ok: s.status === 'ok',
    ...defined({ verdict: s.verdict, errorCode: s.errorCode }),
  });
  return { label: STATUS_WORDS[status], tone: status };
}
