import { memo } from 'react';
import type { TranscriptEvent } from '../../../../shared/session-record.js';
import { DIRECTION_MARK, replyClass, splitText } from '../../lib/transcript/format.js';

export interface TranscriptRowProps {
  /** The event's index in the buffer (stable: the React key and `data-index`). */
  eventIndex: number;
  /** 1-based position among the shown rows. */
  position: number;
  /** Offset from the top of the scrolled content, in pixels (stable while the list scrolls, below the height cap). */
  top: number;
  event: TranscriptEvent;
  /** The time column, already formatted for the mode. */
  time: string;
  selected: boolean;
  /** The keyboard cursor is on this row: it carries the id that the list's aria-activedescendant names. */
  cursorId: string | undefined;
  /** A search hit; `needle` is the normalised query (empty for rows that are not hits, so they ignore the query). */
  match: boolean;
  current: boolean;
  needle: string;
}

/**
 * One transcript line. Memoised: its props are primitives and the event object (the same object for the same index),
 * so it renders again only when what it shows changes — not when a batch arrives or the list scrolls.
 *
 * Lean on purpose, since following a fast session replaces every visible row many times a second: few elements, few
 * attributes. Mouse and keyboard are handled by the list (one delegated handler); the full text's tooltip is set
 * when the pointer comes over a row; the padlock is one element drawn by CSS.
 */
export const TranscriptRow = memo(function TranscriptRow(props: TranscriptRowProps) {
  const { event } = props;
  const code = replyClass(event);
  // Stripes by position (not :nth-child, whose parity changes as rows come and go).
  let className = props.position % 2 === 0 ? `tx-row tx-even tx-${event.dir}` : `tx-row tx-${event.dir}`;
  if (props.selected) className += ' is-selected';
  if (props.cursorId) className += ' is-cursor';
  if (props.match) className += ' is-match';
  if (props.current) className += ' is-current';
  const parts = props.needle || event.redacted || event.text.includes('<redacted') ? splitText(event.text, props.needle) : null;
  return (
    <div
      role="option"
      id={props.cursorId}
      className={className}
      style={{ top: props.top }}
      aria-selected={props.selected}
      aria-posinset={props.position}
      data-index={props.eventIndex}
      data-dir={event.dir}
    >
      <span className="tx-time">{props.time}</span>
      <span className="tx-tls">{event.tls ? <span className="tx-lock" role="img" aria-label="TLS" /> : null}</span>
      <span className="tx-dir">{DIRECTION_MARK[event.dir]}</span>
      {event.bareLf ? (
        <span className="tx-flag" title="This line ended in a bare LF, not CRLF">
          LF
        </span>
      ) : null}
      <span className={code ? `tx-text tx-code-${code}` : 'tx-text'}>
        {parts === null
          ? event.text
          : parts.map((part, i) =>
              part.match ? (
                <mark key={i} className={part.redacted ? 'tx-hit tx-redacted' : 'tx-hit'}>
                  {part.text}
                </mark>
              ) : part.redacted ? (
                <span key={i} className="tx-redacted">
                  {part.text}
                </span>
              ) : (
                part.text
              ),
            )}
      </span>
    </div>
  );
});
