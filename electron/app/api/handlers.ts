import type { AppInfo, ExportToFileResult, MessagePreview, ResponseMap } from '../../../shared/ipc/contract.js';
import type { ExportFormat, ParsedRequestOf, RequestChannel } from '../../../shared/ipc/schemas.js';
import { prepareMessage } from '../../smtp/live-session.js';
import { measureSource, type MessageSource } from '../../smtp/message/message-source.js';
import { AppError } from '../services/app-error.js';
import { describeExport } from '../services/session-export.js';
import type { ProfileStoreApi, SecretStore, SessionLogStoreApi, TestServerApi } from '../services/types.js';
import { exportToFile, type ChooseSavePath, type ExportJobs } from './export-to-file.js';
import type { ComposeRequest, SessionService } from './session-service.js';
import { defined } from '../../../shared/defined.js';
import type { OutsideReports } from './outside-reports.js';

/**
 * One handler per request channel; each receives the request as its schema parsed it, and who asked (the web host's
 * socket; undefined in Electron's one window): a session's events go to whoever started it.
 */
export type Handlers = {
  [C in RequestChannel]: (request: ParsedRequestOf<C>, caller?: unknown) => Promise<ResponseMap[C]>;
};

export interface HandlerServices {
  sessions: SessionService;
  profiles: ProfileStoreApi;
  logs: SessionLogStoreApi;
  testServer: TestServerApi;
  secrets: SecretStore;
  appInfo: () => AppInfo;
  /**
   * How `sessions.exportToFile` hands over the file, one of the two. Electron: ask the user where to save it (the
   * native dialog), then main writes it there. The web host: the path of its HTTP download of `id` as `format`.
   */
  chooseSavePath?: ChooseSavePath;
  downloadPath?: (id: string, format: ExportFormat) => string;
  /** Exports being written, stopped when the app quits. */
  exportJobs?: ExportJobs;
  /** The outside view (domain, matrix, compare) and the reports kept for export. */
  reports: OutsideReports;
}

/** How much of a previewed message is sent back to the renderer. */
export const PREVIEW_LIMIT = 256 * 1024;

/** Length of `bytes` without a UTF-8 sequence cut off at its end (so decoding never ends in U+FFFD). */
function wholeUtf8Length(bytes: Buffer): number {
  const end = bytes.length;
  for (let back = 1; back <= Math.min(4, end); back++) {
    const b = bytes[end - back]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: keep looking for the lead byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? end - back : end;
  }
  return end;
}

/** The first `limit` bytes of a message (only those are read), and whether there is more. */
export async function readHead(source: MessageSource, limit = PREVIEW_LIMIT): Promise<{ head: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let length = 0;
  let truncated = false;
  for await (const chunk of source.open()) {
    if (chunk.length === 0) continue;
    if (length + chunk.length > limit || length === limit) {
      chunks.push(chunk.subarray(0, limit - length));
      length = limit;
      truncated = true;
      break; // leaving the loop closes the stream: the rest is never read
    }
    chunks.push(chunk);
    length += chunk.length;
  }
  return { head: Buffer.concat(chunks, length), truncated };
}

const nonAscii = (text: string): boolean => /[^\x00-\x7f]/.test(text);

/**
 * `message.preview`: compose the message as `session.send` would (same checks: header injection, reserved
 * headers, attachments picked in a dialog, the envelope), and answer with its envelope and first 256 KB.
 * Nothing is sent anywhere.
 */
export async function previewMessage(sessions: Pick<SessionService, 'messageRequest'>, compose: ComposeRequest): Promise<MessagePreview> {
  const { message } = sessions.messageRequest(compose);
  const prepared = await prepareMessage(message);
  let { size, eightBit } = prepared.source;
  if (size === undefined || eightBit === undefined) ({ size, eightBit } = await measureSource(prepared.source));
  const { head, truncated } = await readHead(prepared.source);
  const raw = new TextDecoder('utf-8').decode(head.subarray(0, wholeUtf8Length(head)));
  const { envelope } = prepared;
  return {
    envelopeFrom: envelope.from,
    envelopeTo: [...envelope.to],
    size,
    raw,
    truncated,
    ...defined({ messageId: prepared.messageId }),
    // An envelope override can need SMTPUTF8 where the composed headers did not.
    needsSmtpUtf8: prepared.needsSmtpUtf8 || nonAscii(envelope.from) || envelope.to.some(nonAscii),
    eightBit,
  };
}

/** `sessions.exportToFile`: written by main where the user says (Electron), or a link to the web host's download. */
async function exportSessionToFile(
  services: HandlerServices,
  { id, format }: ParsedRequestOf<'sessions.exportToFile'>,
): Promise<ExportToFileResult> {
  const { logs, chooseSavePath, downloadPath, exportJobs } = services;
  if (chooseSavePath) {
    const job = (signal?: AbortSignal) => exportToFile({ logs, id, format, chooseSavePath, ...(signal ? { signal } : {}) });
    return exportJobs ? exportJobs.run(job) : job();
  }
  if (downloadPath) {
    // The log must be there (and readable) now; the download itself streams it.
    const { head } = await logs.stream(id);
    return { download: { path: downloadPath(id, format), filename: describeExport(head, format).filename } };
  }
  throw new AppError('internal', 'this host has no way to save an export');
}

/**
 * The handlers behind every channel. They assume validated input (dispatch parses it) and throw
 * SmtpError or AppError for failures; dispatch turns those into typed errors.
 */
export function createHandlers(services: HandlerServices): Handlers {
  const { sessions, profiles, logs, testServer } = services;
  return {
    'app.info': async () => services.appInfo(),
    'session.run': (request, caller) => sessions.run(request, caller),
    'session.open': (request, caller) => sessions.open(request, caller),
    'session.authenticate': (request) => sessions.authenticate(request),
    'session.send': (request) => sessions.send(request),
    'session.verify': (request) => sessions.verify(request),
    'session.raw': (request) => sessions.raw(request),
    'session.cancel': (request) => sessions.cancel(request),
    'session.close': (request) => sessions.close(request),
    'message.preview': (request) => previewMessage(sessions, request.message),
    'profiles.list': () => profiles.list(),
    'profiles.save': (request) => profiles.save(request.profile),
    'profiles.delete': async (request) => {
      await profiles.delete(request.id);
      return null;
    },
    'sessions.list': () => logs.list(),
    'sessions.open': (request) => logs.openPaged(request.id),
    'sessions.events': (request) => logs.readEvents(request.id, request.loadId, request.from, request.limit),
    'sessions.delete': async (request) => {
      await logs.delete(request.id);
      return null;
    },
    // Secrets never reach a record (the engine redacts at capture): an export is always shareable.
    'sessions.exportToFile': (request) => exportSessionToFile(services, request),
    'testServer.start': (request) => testServer.start(request.options),
    'testServer.stop': () => testServer.stop(),
    'testServer.status': async () => testServer.status(),
    'testServer.messages': async () => testServer.messages(),
    'testServer.authenticate': (request) => services.reports.authenticateMessage(request),
    'domain.check': (request) => services.reports.checkDomain(request),
    'matrix.run': (request) => services.reports.matrix(request),
    'sessions.compare': (request) => services.reports.compare(request),
    'reports.export': async (request) => services.reports.export(request.id, request.format),
  };
}
