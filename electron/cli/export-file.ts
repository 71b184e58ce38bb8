import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import type { SessionRecord, TranscriptEvent } from '../../shared/session-record.js';
import { formatHtmlReport } from '../../shared/report-html.js';
import { formatTextTranscript, textTranscriptLine } from '../../shared/transcript-format.js';

/** The formats `--export` writes, by file name ending. */
export type ExportKind = 'json' | 'txt' | 'html';

/** The format of an export path, or undefined when its ending is not one of ours. */
export function exportKind(path: string): ExportKind | undefined {
  if (path.endsWith('.json')) return 'json';
  if (path.endsWith('.txt') || path.endsWith('.log')) return 'txt';
  if (path.endsWith('.html') || path.endsWith('.htm')) return 'html';
  return undefined;
}

/** The whole export of a finished session record. */
export function exportText(record: SessionRecord, kind: ExportKind): string {
  if (kind === 'json') return JSON.stringify(record, null, 2) + '\n';
  if (kind === 'txt') return formatTextTranscript(record);
  return formatHtmlReport(record);
}

const FLUSH_MS = 100;
const FLUSH_BYTES = 64 * 1024;

/**
 * `--export FILE` as the session runs: a text transcript is appended to `FILE.partial` event by event (flushed at
 * least every 100 ms), so a run that is killed leaves everything up to its last moments there. When the session
 * ends, FILE is written whole (a temporary file renamed into place) and the partial file is removed.
 */
export class ExportFile {
  readonly partialPath: string;
  private fd: number | undefined;
  private pending: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Why the partial file could not be kept, once it could not. */
  problem: string | undefined;

  constructor(
    readonly path: string,
    readonly kind: ExportKind,
    /** The first lines: what runs, against what (the record is not known yet). */
    head: string,
  ) {
    this.partialPath = `${path}.partial`;
    try {
      this.fd = openSync(this.partialPath, 'w', 0o600);
      writeSync(
        this.fd,
        `${head}# partial: written while the session runs; ${path} replaces it when the session ends. A file without a "# result:" line was interrupted.\n`,
      );
    } catch (error) {
      this.problem = `cannot write ${this.partialPath}: ${(error as Error).message}`;
      this.fd = undefined;
    }
  }

  /** One transcript event, as it is captured. */
  readonly onEvent = (event: TranscriptEvent): void => {
    if (this.fd === undefined) return;
    const line = textTranscriptLine(event);
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  };

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.fd === undefined || this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    try {
      writeSync(this.fd, text);
    } catch (error) {
      this.problem = `cannot write ${this.partialPath}: ${(error as Error).message}`;
      this.closePartial();
    }
  }

  private closePartial(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // Nothing more to do with it.
    }
    this.fd = undefined;
  }

  /** Write the finished export and remove the partial file; throws when the export cannot be written. */
  finish(record: SessionRecord): void {
    this.flush();
    this.closePartial();
    const temporary = `${this.path}.tmp-${process.pid}`;
    try {
      const fd = openSync(temporary, 'w', 0o644);
      try {
        writeSync(fd, exportText(record, this.kind));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, this.path);
    } catch (error) {
      try {
        unlinkSync(temporary);
      } catch {
        // It was never made.
      }
      throw error;
    }
    try {
      unlinkSync(this.partialPath);
    } catch {
      // Already gone (it could not be written): nothing to remove.
    }
  }
}
