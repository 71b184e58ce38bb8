import type { Direction, TranscriptEvent } from '../../../../shared/session-record.js';
import { formatDelta, formatRelative, formatWallTime } from '../../../../shared/transcript-format.js';
import { eventAt, type RowView } from './buffer.js';
import { lowerBound } from './index-list.js';

/** How the time column reads: wall-clock (UTC), since the session started, or since the line shown above. */
export type TimeMode = 'absolute' | 'relative' | 'delta';

export const TIME_MODES: readonly { value: TimeMode; label: string }[] = [
  { value: 'absolute', label: 'Absolute (UTC)' },
  { value: 'relative', label: 'Relative to start' },
  { value: 'delta', label: 'Delta from previous' },
];

/** The time column of one line. For 'delta', `previous` is the line shown above it (none for the first row). */
export function timeText(mode: TimeMode, event: TranscriptEvent, previous: TranscriptEvent | undefined): string {
  switch (mode) {
    case 'absolute':
      return formatWallTime(event.wall);
    case 'relative':
      return formatRelative(event.t);
    case 'delta':
      return formatDelta(previous ? event.t - previous.t : 0);
  }
}

/** What the direction column shows, and what it means (for assistive technology and tooltips). */
export const DIRECTION_MARK: Record<Direction, string> = { send: 'C:', recv: 'S:', info: 'info', error: 'error' };
export const DIRECTION_NAME: Record<Direction, string> = { send: 'client', recv: 'server', info: 'info', error: 'error' };

const COPY_MARK: Record<Direction, string> = { send: 'C:', recv: 'S:', info: 'info:', error: 'error:' };

/** The class digit of a reply line (2 to 5), or 0 when the line is not a received reply. */
export function replyClass(event: TranscriptEvent): number {
  if (event.dir !== 'recv') return 0;
  const text = event.text;
  if (text.length < 3) return 0;
  const d0 = text.charCodeAt(0);
  if (d0 < 50 || d0 > 53) return 0; // '2'..'5'
  const d1 = text.charCodeAt(1);
  const d2 = text.charCodeAt(2);
  if (d1 < 48 || d1 > 57 || d2 < 48 || d2 > 57) return 0;
  if (text.length > 3) {
    const sep = text.charCodeAt(3);
    if (sep !== 32 && sep !== 45) return 0; // ' ' or '-'
  }
  return d0 - 48;
}

/** One line as copied: "HH:MM:SS.ffffff C: text" (UTC, like smtplib's debug output). */
export function copyLine(event: TranscriptEvent): string {
  return `${formatWallTime(event.wall)} ${COPY_MARK[event.dir]} ${event.text}`;
}

/** The copied text of rows [fromRow, toRow) of a view, one line each. */
export function copyRows(events: readonly TranscriptEvent[], view: RowView, fromRow: number, toRow: number): string {
  const lines: string[] = [];
  const end = Math.min(toRow, view.length);
  for (let r = Math.max(0, fromRow); r < end; r++) lines.push(copyLine(events[eventAt(view, r)] as TranscriptEvent));
  return lines.join('\n');
}

/** A piece of a line's text: a search hit, a redaction marker, or neither. */
export interface TextPart {
  text: string;
  match: boolean;
  redacted: boolean;
}

const REDACTION = /<redacted(?: \d+ bytes)?>/g;

/**
 * A line's text cut into parts so that search hits (for the normalised, lower-cased needle) and redaction markers
 * can be styled. One part when there is nothing to mark.
 */
export function splitText(text: string, needle: string): TextPart[] {
  // Boundaries where marking starts or stops: [start, end, kind] ranges.
  const ranges: [number, number, 'match' | 'redacted'][] = [];
  if (needle.length > 0) {
    const lower = text.toLowerCase();
    // Offsets are only right when lower-casing kept the length (nearly always): otherwise do not mark hits.
    if (lower.length === text.length) {
      for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, at + needle.length)) {
        ranges.push([at, at + needle.length, 'match']);
      }
    }
  }
  if (text.includes('<redacted')) {
    for (const m of text.matchAll(REDACTION)) ranges.push([m.index, m.index + m[0].length, 'redacted']);
  }
  if (ranges.length === 0) return [{ text, match: false, redacted: false }];

  const cuts = new Set<number>([0, text.length]);
  for (const [start, end] of ranges) {
    cuts.add(start);
    cuts.add(end);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const parts: TextPart[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const start = points[i] as number;
    const end = points[i + 1] as number;
    if (start === end) continue;
    let match = false;
    let redacted = false;
    for (const [s, e, kind] of ranges) {
      if (s <= start && end <= e) {
        if (kind === 'match') match = true;
        else redacted = true;
      }
    }
    const last = parts[parts.length - 1];
    if (last && last.match === match && last.redacted === redacted) last.text += text.slice(start, end);
    else parts.push({ text: text.slice(start, end), match, redacted });
  }
  return parts;
}

/** "3,401": numbers in the toolbar, grouped the same way whatever the locale of the machine. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "12 of 3,401": the current hit among the hits of the shown lines (so far, while a saved session is `loading`). */
export function matchStatus(hits: Uint32Array, matchEvent: number, loading = false): string {
  if (hits.length === 0) return loading ? 'No matches yet' : 'No matches';
  const i = lowerBound(hits, matchEvent);
  const ordinal = matchEvent >= 0 && hits[i] === matchEvent ? formatCount(i + 1) : '–';
  return `${ordinal} of ${formatCount(hits.length)}`;
}
