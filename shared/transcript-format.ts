import { inertText } from './inert-text.js';
import type { SessionRecord, TranscriptEvent } from './session-record.js';
import { recordStatus, STATUS_WORDS } from './session-status.js';

/** Pure formatters for transcripts, shared by the CLI and the app's export. No Node or DOM APIs. */

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Wall-clock time of an event as HH:MM:SS.ffffff (UTC). */
export function formatWallTime(wallMs: number): string {
  const d = new Date(Math.floor(wallMs));
  const micros = Math.floor((wallMs - Math.floor(wallMs / 1000) * 1000) * 1000);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(micros, 6)}`;
}

/** Wall-clock time of an event as HH:MM:SS.ffffff in the local time zone (the exports' time column). */
export function formatLocalWallTime(wallMs: number): string {
  const d = new Date(Math.floor(wallMs));
  const micros = Math.floor((wallMs - Math.floor(wallMs / 1000) * 1000) * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(micros, 6)}`;
}

/** The local zone's offset at that moment: "UTC+01:00", "UTC-04:30", "UTC". */
export function zoneLabel(ms: number): string {
  const offset = -new Date(ms).getTimezoneOffset();
  if (offset === 0) return 'UTC';
  const sign = offset > 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * A moment in local time with its zone, for people: "2026-12-02 08:22:03 (UTC+01:00)". An ISO timestamp that does not
 * parse is given back as it is.
 */
export function formatLocalDateTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const d = new Date(ms);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return `${date} ${time} (${zoneLabel(ms)})`;
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
  const started = Date.parse(record.startedAt);
  const zone = Number.isNaN(started) ? 'local time' : zoneLabel(started);
  return (
    `# ${record.tool} ${record.operation} ${inertText(describeTarget(record))}\n` +
    `# started ${inertText(formatLocalDateTime(record.startedAt))} = ${inertText(record.startedAt)}; times are ${zone}; secrets are redacted\n`
  );
}

/** One event's line (its text made inert, whatever log it came from). */
export function textTranscriptLine(e: TranscriptEvent): string {
  const time = formatLocalWallTime(e.wall);
  const tls = e.tls ? ' [tls]' : '';
  const text = inertText(e.text);
  if (e.dir === 'send') return `${time} send:${tls} ${pyRepr(text, false)}\n`;
  if (e.dir === 'recv') return `${time} reply:${tls} ${pyRepr(text, true)}\n`;
  return `${time} ${e.dir}:${tls} ${text}\n`;
}

/**
 * How a session ended, in one line, in the words every view uses: "Delivered", "Partial: … (some-recipients-refused)",
 * "Cancelled: …", "Interrupted: …", "Failed (code): …", "OK".
 */
export function resultLine(record: Pick<SessionRecord, 'result'>): string {
  const r = record.result;
  const word = STATUS_WORDS[recordStatus(record)];
  if (r.ok || !r.error) return inertText(word);
  // A message cut off with its session: what became of it is part of the answer.
  const delivery =
    r.verdict === 'unknown'
      ? '; delivery unknown'
      : r.verdict === 'partial'
        ? '; partly delivered'
        : r.verdict === 'delivered'
          ? '; delivered'
          : '';
  if (r.interrupted) return inertText(`${word}: ${r.error.message ?? 'the session log ends before the session did'}${delivery}`);
  return inertText(`${word} (${r.error.code}): ${r.error.message}`);
}

/** The findings and the result line. */
export function textTranscriptEnd(record: SessionRecord): string {
  const findings = (record.findings ?? [])
    .map((f) => `# finding: [${f.severity}] ${f.id}: ${inertText(f.title)} — ${inertText(f.detail)}\n`)
    .join('');
  const dropped = record.eventsDropped ? `# transcript cap: ${record.eventsDropped.count} later events counted, not kept\n` : '';
  return `${dropped}${findings}# result: ${resultLine(record)}\n`;
}
