import type { AppInfo, ExportedFile, ResponseMap } from '../../../shared/ipc/contract.js';
import type { ParsedRequestOf, RequestChannel } from '../../../shared/ipc/schemas.js';
import { formatHtmlReport } from '../../../shared/report-html.js';
import type { SessionRecord } from '../../../shared/session-record.js';
import { formatTextTranscript } from '../../../shared/transcript-format.js';
import type { ProfileStoreApi, SecretStore, SessionLogStoreApi, TestServerApi } from '../services/types.js';
import type { SessionService } from './session-service.js';

/** One handler per request channel; each receives the request as its schema parsed it. */
export type Handlers = {
  [C in RequestChannel]: (request: ParsedRequestOf<C>) => Promise<ResponseMap[C]>;
};

export type ExportFormat = ParsedRequestOf<'sessions.export'>['format'];

export interface HandlerServices {
  sessions: SessionService;
  profiles: ProfileStoreApi;
  logs: SessionLogStoreApi;
  testServer: TestServerApi;
  secrets: SecretStore;
  appInfo: () => AppInfo;
  /** Turn a record into a file; `exportRecord` below unless replaced. */
  exportRecord?: (record: SessionRecord, format: ExportFormat) => ExportedFile;
}

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
  const when = String(record.startedAt ?? '').replace(/\.\d+Z$/, 'Z').replace(/:/g, '');
  return `smtp-lens-${safePart(String(record.operation ?? 'session'), 16)}-${safePart(where)}-${safePart(when, 32)}.${ext}`;
}

/** The record as a file: JSON (the record itself), a text transcript, or a self-contained HTML report. */
export function exportRecord(record: SessionRecord, format: ExportFormat): ExportedFile {
  switch (format) {
    case 'json':
      return { filename: exportFilename(record, 'json'), mimeType: 'application/json', content: JSON.stringify(record, null, 2) + '\n' };
    case 'txt':
      return { filename: exportFilename(record, 'txt'), mimeType: 'text/plain; charset=utf-8', content: formatTextTranscript(record) };
    case 'html':
      return { filename: exportFilename(record, 'html'), mimeType: 'text/html; charset=utf-8', content: formatHtmlReport(record) };
  }
}

/**
 * The handlers behind every channel. They assume validated input (dispatch parses it) and throw
 * SmtpError or AppError for failures; dispatch turns those into typed errors.
 */
export function createHandlers(services: HandlerServices): Handlers {
  const { sessions, profiles, logs, testServer } = services;
  const toFile = services.exportRecord ?? exportRecord;
  return {
    'app.info': async () => services.appInfo(),
    'session.probe': (request) => sessions.probe(request),
    'session.start': (request) => sessions.start(request),
    'session.authenticate': (request) => sessions.authenticate(request),
    'session.send': (request) => sessions.send(request),
    'session.verify': (request) => sessions.verify(request),
    'session.raw': (request) => sessions.raw(request),
    'session.cancel': (request) => sessions.cancel(request),
    'session.close': (request) => sessions.close(request),
    'profiles.list': () => profiles.list(),
    'profiles.save': (request) => profiles.save(request.profile),
    'profiles.delete': async (request) => {
      await profiles.delete(request.id);
      return null;
    },
    'sessions.list': () => logs.list(),
    'sessions.open': (request) => logs.open(request.id),
    'sessions.delete': async (request) => {
      await logs.delete(request.id);
      return null;
    },
    // Secrets never reach a record (the engine redacts at capture), so `redact` has nothing more to
    // remove: an export is always shareable.
    'sessions.export': async (request) => toFile(await logs.open(request.id), request.format),
    'testServer.start': (request) => testServer.start(request.options),
    'testServer.stop': () => testServer.stop(),
    'testServer.status': async () => testServer.status(),
    'testServer.messages': async () => testServer.messages(),
  };
}
