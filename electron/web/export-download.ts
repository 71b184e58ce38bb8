import type http from 'node:http';
import type { ExportFormat, ParsedRequestOf } from '../../shared/ipc/schemas.js';
import { ExportRequestSchema } from '../../shared/ipc/schemas.js';
import { toErrorDto } from '../app/api/dispatch.js';
import { AppError } from '../app/services/app-error.js';
import { describeExport, exportChunks } from '../app/services/session-export.js';
import type { SessionLogStoreApi, SessionRecordStream } from '../app/services/types.js';
import { COMMON_HEADERS, sendPlain } from './http-responses.js';

/**
 * The web host's exports: `GET /export/<id>.<format>?token=…` streams the export of a saved session as an attachment,
 * made piece by piece from the log as the browser takes it (backpressure: the next piece is made once the socket has
 * room), so neither the web host nor the page ever holds the whole file. The renderer starts it by clicking a hidden
 * link to the path `sessions.exportToFile` answered with. server.ts checks Host, the token and where the request comes
 * from before handing it here.
 */

export const DOWNLOAD_PREFIX = '/export/';

/** The path of the download of session `id` as `format` (the page adds its token). */
export function downloadPath(id: string, format: ExportFormat): string {
  return `${DOWNLOAD_PREFIX}${id}.${format}`;
}

/** The request a download path names, checked with the same schema as `sessions.exportToFile`; undefined when invalid. */
export function parseDownloadPath(rawPath: string): ParsedRequestOf<'sessions.exportToFile'> | undefined {
  if (!rawPath.startsWith(DOWNLOAD_PREFIX)) return undefined;
  const name = rawPath.slice(DOWNLOAD_PREFIX.length);
  const dot = name.lastIndexOf('.');
  if (dot < 0) return undefined;
  const parsed = ExportRequestSchema.safeParse({ id: name.slice(0, dot), format: name.slice(dot + 1) });
  return parsed.success ? parsed.data : undefined;
}

const closedEarly = () => new AppError('storage-failed', 'the download was closed before its end');

/** Stream the export a download path names into `res`. Never throws. */
export async function serveExportDownload(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  logs: Pick<SessionLogStoreApi, 'stream'>,
  rawPath: string,
): Promise<void> {
  const request = parseDownloadPath(rawPath);
  if (!request) {
    sendPlain(res, 404, 'Not found');
    return;
  }
  let source: SessionRecordStream;
  try {
    source = await logs.stream(request.id);
  } catch (error) {
    sendError(res, error);
    return;
  }
  const { filename, mimeType } = describeExport(source.head, request.format);
  const headers = {
    ...COMMON_HEADERS,
    'Content-Type': mimeType,
    // exportFilename gives only letters, digits, dot, dash and underscore: nothing to quote or encode.
    'Content-Disposition': `attachment; filename="${filename}"`,
    'Cache-Control': 'no-store',
    // Should a browser ever show it rather than save it: nothing in it may run or load.
    'Content-Security-Policy': "default-src 'none'; sandbox",
  };
  if (req.method === 'HEAD') {
    res.writeHead(200, headers);
    res.end();
    return;
  }

  const stop = new AbortController();
  res.once('close', () => stop.abort(closedEarly()));
  const chunks = exportChunks(source, request.format, { signal: stop.signal });
  let next: IteratorResult<string>;
  try {
    // The first piece before the status: a log that cannot be read (or, for HTML, counted) is still an error status.
    next = await chunks.next();
  } catch (error) {
    sendError(res, error);
    return;
  }
  res.writeHead(200, headers);
  try {
    for (; !next.done; next = await chunks.next()) {
      if (res.destroyed) throw closedEarly();
      if (!res.write(next.value)) await drained(res);
    }
    res.end();
  } catch (error) {
    // The status is sent: only a response cut short (no final chunk) tells the browser the file is incomplete.
    await chunks.return(undefined).catch(() => undefined);
    if (!res.destroyed) console.warn(`smtp-lens web host: the export of ${request.id} stopped: ${toErrorDto(error).message}`);
    res.destroy();
  }
}

/** An export that could not begin: its typed error as the status and a plain-text "code: message". */
function sendError(res: http.ServerResponse, error: unknown): void {
  if (res.destroyed || res.headersSent) return;
  const dto = toErrorDto(error, 'export download');
  const status = dto.code === 'not-found' ? 404 : dto.code === 'invalid-input' ? 400 : 500;
  sendPlain(res, status, `${dto.code}: ${dto.message}`);
}

/** Resolves once `res` can take more, or rejects when it closes first. */
function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(closedEarly());
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}
