import type { SavedSessionSummary } from '../../../../shared/ipc/contract.js';

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
    const text = `${s.target} ${s.operation} ${s.status} ${statusPill(s).label} ${s.errorCode ?? ''} ${formatLocalTime(s.startedAt)}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

export const STATUS_LABELS: Record<SavedSessionSummary['status'], string> = { ok: 'OK', failed: 'Failed', open: 'Open', interrupted: 'Interrupted' };

/**
 * How a saved session's status reads in the history: its label and the pill's tone. A send delivered to some
 * recipients only is "Partly delivered" (amber), one whose outcome is unknown "Unknown" (amber-grey), not "Failed".
 */
export function statusPill(s: Pick<SavedSessionSummary, 'status' | 'verdict'>): { label: string; tone: string } {
  if (s.status === 'interrupted') return { label: 'Interrupted', tone: 'interrupted' };
  if (s.status === 'failed' && s.verdict === 'partial') return { label: 'Partly delivered', tone: 'partial' };
  if (s.status === 'failed' && s.verdict === 'unknown') return { label: 'Unknown', tone: 'unknown' };
  return { label: STATUS_LABELS[s.status], tone: s.status };
}
