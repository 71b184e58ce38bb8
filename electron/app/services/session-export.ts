import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ExportedFile } from '../../../shared/ipc/contract.js';
import type { ExportFormat } from '../../../shared/ipc/schemas.js';
import { htmlReportEnd, htmlReportHead, htmlTranscriptRow, formatHtmlReport } from '../../../shared/report-html.js';
import type { SessionRecord, TranscriptEvent } from '../../../shared/session-record.js';
import { formatTextTranscript, textTranscriptEnd, textTranscriptHead, textTranscriptLine } from '../../../shared/transcript-format.js';
import { AppError } from './app-error.js';
import type { SessionRecordStream } from './types.js';

/**
 * A saved session as a file to keep: the JSON record, the smtplib-style text transcript, or the self-contained HTML
 * report. `exportRecord` makes one string of a record in memory; `exportChunks` makes the same bytes piece by piece
 * from a log streamed page by page, giving the event loop back between pieces, so that exporting a session of any
 * size neither holds its whole text nor keeps main from answering anything else for long.
 *
 * Secrets never reach a record (the engine redacts them at capture, and the log store refuses a record with a
 * secret-like key), so an export has nothing more to remove: it is always shareable.
 */

/** File name extension and Content-Type of each format. */
export const EXPORT_TYPES: Record<ExportFormat, { extension: string; mimeType: string }> = {
  json: { extension: 'json', mimeType: 'application/json' },
  txt: { extension: 'txt', mimeType: 'text/plain; charset=utf-8' },
  html: { extension: 'html', mimeType: 'text/html; charset=utf-8' },
};

/** A file-name-safe fragment: letters, digits, dot, dash and underscore. */
function safePart(value: string, max = 64): string {
  const cleaned = value
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return cleaned.slice(0, max) || 'unknown';
}

/** `smtp-lens-<operation>-<host>-<startedAt>.<ext>`, with only safe characters. */
export function exportFilename(record: SessionRecord, ext: string): string {
  // Logs rebuilt after a crash may lack fields: never fail an export over the name.
  const t: Partial<SessionRecord['target']> = record.target ?? {};
  const where = t.socketPath !== undefined ? (t.socketPath.split('/').filter(Boolean).pop() ?? 'socket') : (t.host ?? 'unknown');
  const when = String(record.startedAt ?? '')
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '');
  return `smtp-lens-${safePart(String(record.operation ?? 'session'), 16)}-${safePart(where)}-${safePart(when, 32)}.${ext}`;
}

/** The name and type of a record's export (only the fields other than `events` are read). */
export function describeExport(record: SessionRecord, format: ExportFormat): { filename: string; mimeType: string } {
  const { extension, mimeType } = EXPORT_TYPES[format];
  return { filename: exportFilename(record, extension), mimeType };
}

/** The record as a file, all in memory: JSON (the record itself), a text transcript, or a self-contained HTML report. */
export function exportRecord(record: SessionRecord, format: ExportFormat): ExportedFile {
  const content =
    format === 'json' ? JSON.stringify(record, null, 2) + '\n' : format === 'txt' ? formatTextTranscript(record) : formatHtmlReport(record);
  return { ...describeExport(record, format), content };
}

/** Events formatted per piece, before the event loop gets a turn. */
const SLICE_EVENTS = 1000;

export interface ExportChunksOptions {
  /** Stops the export at the next piece; the signal's reason (an Error) is what is thrown. */
  signal?: AbortSignal;
}

/**
 * The export of a streamed record, piece by piece: exactly the text `exportRecord` makes of the same record, as
 * strings of the text of up to 1000 events each. After each piece the generator waits for the event loop's
 * next turn (setImmediate), so I/O, IPC and timers run between pieces; and it makes the next piece only when the
 * consumer asks for it, so a consumer that awaits its writes has backpressure. The HTML report says how many lines
 * the transcript has before the first one, so for HTML the events are counted first (a read of the log without
 * keeping them).
 */
export async function* exportChunks(
  source: SessionRecordStream,
  format: ExportFormat,
  options: ExportChunksOptions = {},
): AsyncGenerator<string> {
  const { signal } = options;
  const expected = format === 'html' ? await countEvents(source, signal) : undefined;
  const layout = layoutOf(source.head, format, expected ?? 0);
  stopIfAborted(signal);
  yield layout.before;
  let index = 0;
  for await (const page of source.events()) {
    for (let at = 0; at < page.length; at += SLICE_EVENTS) {
      stopIfAborted(signal);
      const slice = page.slice(at, at + SLICE_EVENTS);
      yield layout.rows(slice, index);
      index += slice.length;
      await nextTurn();
    }
  }
  if (expected !== undefined && index !== expected) {
    throw new AppError('storage-failed', `the session log changed while it was exported (${expected} events, then ${index})`);
  }
  yield layout.after(index);
}

/** What `JSON.stringify({ events }, null, 2)` puts around the events (there are some). */
const JSON_ROWS_BEFORE = '{\n  "events": [';
const JSON_ROWS_AFTER = '\n  ]\n}';

/** What surrounds the events in a format, and the text of some of them (`first`: the index of the first one given). */
interface Layout {
  before: string;
  rows(events: TranscriptEvent[], first: number): string;
  after(count: number): string;
}

/**
 * The parts of each format for a record whose events come separately. Everything but the rows is made here, before
 * any output, so that a record an exporter cannot describe fails before a file is begun.
 */
function layoutOf(head: SessionRecord, format: ExportFormat, eventCount: number): Layout {
  switch (format) {
    case 'json': {
      const { before, after } = jsonAroundEvents(head);
      return {
        before: `${before}[`,
        // The events as JSON.stringify(record, null, 2) puts them in the record's array: stringified in an object's
        // array of their own (so at the same depth), without what surrounds them (and after a comma, but for the first).
        rows: (events, first) => {
          const text = JSON.stringify({ events }, null, 2);
          return (first === 0 ? '' : ',') + text.slice(JSON_ROWS_BEFORE.length, text.length - JSON_ROWS_AFTER.length);
        },
        after: (count) => `${count === 0 ? ']' : '\n  ]'}${after}\n`,
      };
    }
    case 'txt': {
      const end = textTranscriptEnd(head);
      return { before: textTranscriptHead(head), rows: (events) => events.map((e) => textTranscriptLine(e)).join(''), after: () => end };
    }
    case 'html': {
      const end = htmlReportEnd(head);
      return {
        before: htmlReportHead(head, eventCount),
        rows: (events, first) => (first === 0 ? '' : '\n') + events.map((e) => htmlTranscriptRow(e)).join('\n'),
        after: () => end,
      };
    }
  }
}

/**
 * `JSON.stringify(record, null, 2)` split where the value of `events` goes: the text before it (ending in
 * `"events": `) and after it (without the final newline). Each other field is stringified on its own and indented one
 * level, which is what the whole stringify gives (JSON strings hold no raw newline, so every newline is indentation).
 */
function jsonAroundEvents(record: SessionRecord): { before: string; after: string } {
  const fields: string[] = [];
  let eventsAt = -1;
  for (const key of Object.keys(record)) {
    if (key === 'events') {
      eventsAt = fields.length;
      fields.push(`${JSON.stringify(key)}: `);
      continue;
    }
    const value = JSON.stringify((record as unknown as Record<string, unknown>)[key], null, 2);
    if (value === undefined) continue; // as JSON.stringify leaves out undefined values
    fields.push(`${JSON.stringify(key)}: ${value.replace(/\n/g, '\n  ')}`);
  }
  if (eventsAt < 0) throw new AppError('internal', 'the record to export has no events field');
  const text = (list: string[]) => list.join(',\n  ');
  const before = `{\n  ${fields
    .slice(0, eventsAt)
    .map((f) => `${f},\n  `)
    .join('')}${fields[eventsAt]}`;
  const rest = fields.slice(eventsAt + 1);
  return { before, after: `${rest.length > 0 ? `,\n  ${text(rest)}` : ''}\n}` };
}

/** The number of events of a streamed record (read page by page, not kept). */
async function countEvents(source: SessionRecordStream, signal: AbortSignal | undefined): Promise<number> {
  let count = 0;
  for await (const page of source.events()) {
    stopIfAborted(signal);
    count += page.length;
  }
  return count;
}

function stopIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  throw signal.reason instanceof Error ? signal.reason : new AppError('storage-failed', 'the export was stopped');
}
