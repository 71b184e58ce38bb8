import { formatRelative, formatWallTime } from '../../../../shared/transcript-format.js';
import { DIRECTION_NAME } from '../../lib/transcript/format.js';
import { useAppStore } from '../../store/index.js';

/** The cursor's line in full (long lines are cut in the list), selectable as text. */
export function TranscriptDetail() {
  const buffer = useAppStore((s) => s.transcript.buffer);
  const focus = useAppStore((s) => s.transcript.selection?.focus ?? -1);
  // Re-read when a record replaces the events.
  useAppStore((s) => s.transcript.version);
  const event = focus >= 0 ? buffer.at(focus) : undefined;
  if (!event) {
    return (
      <div className="tx-detail tx-detail-empty" aria-label="Line details">
        Select a line to see it in full. Click, Shift+click, arrow keys; Ctrl+A selects all, Ctrl+C copies.
      </div>
    );
  }
  const flags = [event.tls ? 'inside TLS' : 'plaintext', event.redacted ? 'redacted' : '', event.bareLf ? 'ended in a bare LF' : '']
    .filter(Boolean)
    .join(' · ');
  return (
    <div className="tx-detail" aria-label="Line details" data-testid="transcript-detail">
      <div className="tx-detail-meta">
        <span>line {focus + 1}</span>
        <span>{formatWallTime(event.wall)} UTC</span>
        <span>{formatRelative(event.t)} s</span>
        <span>{DIRECTION_NAME[event.dir]}</span>
        <span>{flags}</span>
      </div>
      <pre className="tx-detail-text">{event.text}</pre>
    </div>
  );
}
