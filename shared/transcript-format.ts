import { inertText } from './inert-text.js';
import type { SessionRecord, TranscriptEvent } from './session-record.js';

/** Pure formatters for transcripts, shared by the CLI and the app's export. No Node or DOM APIs. */

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Wall-clock time of an event as HH:MM:SS.ffffff (UTC). */
export function formatWallTime(wallMs: number): string {
  const d = new Date(Math.floor(wallMs));
  const micros = Math.floor((wallMs - Math.floor(wallMs / 1000) * 1000) * 1000);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(micros, 6)}`;
}

/** Seconds since the session started, with microseconds: "+1.234567". */
export function formatRelative(tMicros: number): string {
  return `+${(tMicros / 1e6).toFixed(6)}`;
}

/** Time since the previous line, in seconds with microseconds: "+0.000123" (never negative). */
export function formatDelta(deltaMicros: number): string {
  return formatRelative(Math.max(0, deltaMicros));
}

/** A one-line description of where a session went. */
export function describeTarget(record: SessionRecord): string {
  const t = record.target;
  const where = t.socketPath ?? (t.host?.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`);
  return `${t.protocol}${t.tls === 'implicit' ? 's' : ''}://${where} (tls: ${t.tls})`;
}

const DIR_LABEL: Record<TranscriptEvent['dir'], string> = { send: 'C:', recv: 'S:', info: '* ', error: '! ' };

/** One event for a terminal: relative time, TLS marker, direction, text (made inert, whatever log it came from). */
export function formatEventLine(event: TranscriptEvent): string {
  return `${formatRelative(event.t).padStart(11)} ${event.tls ? 'T' : ' '} ${DIR_LABEL[event.dir]} ${inertText(event.text)}`;
}

// smtplib's debug output shows Python reprs; our texts are already escaped, so only quotes need care.
const pyRepr = (text: string, bytes: boolean): string => `${bytes ? 'b' : ''}'${text.replace(/'/g, "\\'")}\\r\\n'`;

/**
 * A timestamped text transcript in the style of smtplib's debug level 2:
 * "HH:MM:SS.ffffff send: 'EHLO x\r\n'" and "HH:MM:SS.ffffff reply: b'250 ok\r\n'".
 */
export function formatTextTranscript(record: SessionRecord): string {
  return textTranscriptHead(record) + record.events.map(textTranscriptLine).join('') + textTranscriptEnd(record);
}

/*
 * The transcript in three parts, so that main can write it event by event (exports of any size): the head, one line
 * per event, the end. Each part ends with its newline; together they are exactly formatTextTranscript's text.
 */

/** The two header lines (only the record's fields other than `events` are read). */
export function textTranscriptHead(record: SessionRecord): string {
  return `# ${record.tool} ${record.operation} ${inertText(describeTarget(record))}\n# started ${record.startedAt}; times are UTC; secrets are redacted\n`;
}

/** One event's line (its text made inert, whatever log it came from). */
export function textTranscriptLine(e: TranscriptEvent): string {
  const time = formatWallTime(e.wall);
  const tls = e.tls ? ' [tls]' : '';
  const text = inertText(e.text);
  if (e.dir === 'send') return `${time} send:${tls} ${pyRepr(text, false)}\n`;
  if (e.dir === 'recv') return `${time} reply:${tls} ${pyRepr(text, true)}\n`;
  return `${time} ${e.dir}:${tls} ${text}\n`;
}

/** How a session ended, in one line: ok, interrupted (its log ends early), or failed with the error. */
export function resultLine(record: Pick<SessionRecord, 'result'>): string {
  const r = record.result;
  const outcome = r.ok
    ? 'ok'
    : r.interrupted
      ? `interrupted: ${r.error?.message ?? 'the session log ends before the session did'}`
      : `failed (${r.error?.code}): ${r.error?.message}`;
  return inertText(`${outcome}${r.verdict ? `; verdict: ${r.verdict}` : ''}`);
}

/** The findings and the result line. */
export function textTranscriptEnd(record: SessionRecord): string {
  const findings = (record.findings ?? [])
    .map((f) => `# finding: [${f.severity}] ${f.id}: ${inertText(f.title)} — ${inertText(f.detail)}\n`)
    .join('');
  const dropped = record.eventsDropped
    ? `# transcript cap: ${record.eventsDropped.count} later events counted, not kept\n`
    : '';
  return `${dropped}${findings}# result: ${resultLine(record)}\n`;
}
