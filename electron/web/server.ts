// Over 450 lines: the web host's HTTP and WebSocket edge, whose checks (host, origin, token, CSP) belong together.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { join, resolve, sep } from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { UploadStore, UploadTooLarge } from './uploads.js';
import type { EventChannel, EventMap, Result } from '../../shared/ipc/contract.js';
import { createAppServices, type AppServices } from '../app/api/create-app.js';
import { noSecretStore } from '../app/services/secret-store.js';
import type { SecretStore } from '../app/services/types.js';
import { contentTypeFor } from '../app/content-type.js';
import { DOWNLOAD_PREFIX, downloadPath, serveExportDownload } from './export-download.js';
import { COMMON_HEADERS, sendPlain } from './http-responses.js';
import { isLoopback } from '../smtp/transport/loopback.js';
import { defined } from '../../shared/defined.js';

/**
 * The loopback web host: serves the built renderer to a browser on this machine and carries the same
 * contract as Electron's IPC over one WebSocket. Only this machine, and only a page that knows the
 * random token, may use it:
 *
 * - it listens on a loopback address only;
 * - every request's Host must name this loopback port (DNS rebinding);
 * - the page (index.html) needs `?token=`; the WebSocket at `/api` needs the token and an Origin of
 *   this host (no other site can open it from the user's browser); so do exports downloaded from
 *   `/export/<id>.<format>` (an Origin or Sec-Fetch-Site naming another origin is refused);
 * - no CORS headers, a strict CSP, nosniff, no caching of the page.
 *
 * Protocol, one JSON text message each way:
 *   client → server  {"id": number, "channel": string, "request": unknown}
 *   server → client  {"id": number, "result": Result}         the answer to request `id`
 *                    {"event": EventChannel, "payload": …}    pushed to every connected client
 * A message that is not JSON (or a binary frame) closes the socket with 1003; a JSON message
 * without a numeric id is ignored; an unknown channel or invalid request is answered with an error.
 */

export interface WebHostOptions {
  /** 0 (default) for a random free port. */
  port?: number;
  /** Loopback address to listen on (default 127.0.0.1). */
  host?: string;
  /** Listen on a non-loopback address. Not exposed by the CLI: the page and API would be reachable from the network. */
  allowRemote?: boolean;
  /** The Vite build output (index.html and assets/). */
  rendererDir: string;
  /** Where profiles and session logs go. */
  dataDir: string;
  /** A fixed token (tests); a random 32-byte one otherwise. */
  token?: string;
  /** Secrets cannot be stored in a plain Node process unless a store is given. */
  secrets?: SecretStore;
  /** Largest WebSocket message (default 64 MB). */
  maxPayload?: number;
  /** Largest attachment the page may upload (default 256 MiB). */
  maxUploadBytes?: number;
  /** Version shown in app.info (default: package.json). */
  version?: string;
}

export interface WebHost {
  /** The page to open: http://127.0.0.1:PORT/?token=… */
  url: string;
  port: number;
  token: string;
  services: AppServices;
  /** Close every session (QUIT, bounded), stop the test server, and stop listening. */
  close(): Promise<void>;
}

const DEFAULT_MAX_PAYLOAD = 64 * 1024 * 1024;
/** Where the page streams attachments (see receiveUpload). */
export const UPLOAD_PATH = '/upload';
/** A client that does not read its events is dropped rather than allowed to grow main's memory. */
const MAX_BUFFERED = 64 * 1024 * 1024;

/** Whether a host to listen on is loopback (see the engine's isLoopback). */
export const isLoopbackHost = (host: string): boolean => isLoopback(host);

/** Compare two secrets in constant time (hashing first makes the lengths equal). */
export function tokensEqual(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

const hostLiteral = (host: string): string => (net.isIPv6(host) ? `[${host}]` : host);

/** The values of Host (and of Origin's authority) that name this server. */
function allowedAuthorities(bindHost: string, port: number): Set<string> {
  const set = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  set.add(`${hostLiteral(bindHost)}:${port}`);
  return set;
}

function contentSecurityPolicy(port: number, bindHost: string): string {
  const ws = [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`];
  const own = `ws://${hostLiteral(bindHost)}:${port}`;
  if (!ws.includes(own)) ws.push(own);
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${ws.join(' ')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** Split a request target into its raw path and its query. */
function splitTarget(target: string): { path: string; query: URLSearchParams } {
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const query = new URLSearchParams(q === -1 ? '' : target.slice(q + 1));
  return { path: rawPath, query };
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\n\r\n${body}`,
  );
  // Give the client a moment to read the answer, then make sure the socket is gone.
  setTimeout(() => socket.destroy(), 1000).unref();
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolveListen, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolveListen();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host, exclusive: true });
  });
}

/** Start the web host; resolves once it listens. */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const bindHost = options.host ?? '127.0.0.1';
  if (!options.allowRemote && !isLoopbackHost(bindHost)) {
    throw new Error(`the web host listens on loopback only (127.0.0.1 or ::1), not ${bindHost}`);
  }
  const listenHost = bindHost === 'localhost' ? '127.0.0.1' : bindHost.replace(/^\[(.*)\]$/, '$1');
  const requestedPort = options.port ?? 0;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
    throw new Error(`not a port: ${requestedPort}`);
  }
  const token = options.token ?? randomBytes(32).toString('base64url');
  if (token.length < 16) throw new Error('the token must be at least 16 characters');
  const rendererDir = resolve(options.rendererDir);
  const assetsDir = join(rendererDir, 'assets');

  const clients = new Set<WebSocket>();
  // A session's events go to the tab that started it (the socket its request came on); the rest to every tab.
  const broadcast = <E extends EventChannel>(event: E, payload: EventMap[E], to?: unknown): void => {
    if (clients.size === 0) return;
    const message = JSON.stringify({ event, payload });
    if (to !== undefined) {
      if (clients.has(to as WebSocket)) send(to as WebSocket, message);
      return;
    }
    for (const ws of clients) send(ws, message);
  };
  const send = (ws: WebSocket, message: string): void => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED) {
      ws.terminate();
      return;
    }
    ws.send(message);
  };

  const services = await createAppServices({
    dataDir: options.dataDir,
    secrets: options.secrets ?? noSecretStore('the web host has no key store; passwords are asked for each time'),
    emit: broadcast,
    host: 'web',
    // `sessions.exportToFile` answers with this link; serveExport streams the file from it.
    downloadPath,
    ...defined({ version: options.version }),
  });

  let uploads: UploadStore;
  try {
    uploads = await UploadStore.open({
      dir: join(options.dataDir, 'uploads'),
      ...defined({ maxBytes: options.maxUploadBytes }),
      onAdded: (upload) => services.sessions.allowUpload(upload.id, upload.path),
      onRemoved: (id) => services.sessions.forgetUpload(id),
    });
  } catch (error) {
    await services.shutdown(1000);
    throw error;
  }

  let authorities = new Set<string>();
  let csp = '';

  const hostAllowed = (req: http.IncomingMessage): boolean => {
    const host = req.headers.host;
    return typeof host === 'string' && authorities.has(host.toLowerCase());
  };

  const originAllowed = (origin: string | undefined): boolean => {
    if (typeof origin !== 'string') return false;
    const match = /^http:\/\/([^/]+)$/.exec(origin.toLowerCase());
    return match !== null && authorities.has(match[1]!);
  };

  async function serveIndex(req: http.IncomingMessage, res: http.ServerResponse, query: URLSearchParams): Promise<void> {
    if (!tokensEqual(query.get('token'), token)) {
      sendPlain(res, 403, 'Forbidden: open the address smtp-lens printed (it carries the access token).');
      return;
    }
    let html: Buffer;
    try {
      html = await readFile(join(rendererDir, 'index.html'));
    } catch {
      sendPlain(res, 500, 'The renderer is not built: run npm run build.');
      return;
    }
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': html.length,
      'Cache-Control': 'no-store',
      'Content-Security-Policy': csp,
    });
    res.end(req.method === 'HEAD' ? undefined : html);
  }

  async function serveAsset(req: http.IncomingMessage, res: http.ServerResponse, rawPath: string): Promise<void> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(rawPath.slice('/assets/'.length));
    } catch {
      sendPlain(res, 400, 'Bad request');
      return;
    }
    if (decoded.length === 0 || decoded.includes('\0') || decoded.includes('\\')) {
      sendPlain(res, 404, 'Not found');
      return;
    }
    const file = resolve(assetsDir, decoded);
    if (!file.startsWith(assetsDir + sep)) {
      sendPlain(res, 404, 'Not found');
      return;
    }
    let real: string;
    let realRoot: string;
    let size: number;
    try {
      [real, realRoot] = await Promise.all([realpath(file), realpath(assetsDir)]);
      // A symbolic link inside assets/ must not lead outside it.
      if (!real.startsWith(realRoot + sep)) {
        sendPlain(res, 404, 'Not found');
        return;
      }
      const info = await stat(real);
      if (!info.isFile()) {
        sendPlain(res, 404, 'Not found');
        return;
      }
      size = info.size;
    } catch {
      sendPlain(res, 404, 'Not found');
      return;
    }
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'Content-Type': contentTypeFor(real),
      'Content-Length': size,
      // Vite names assets by content hash.
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(real);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  /**
   * An export as a download: like the API, only with the token, and only for the app's own page (a request that
   * says it comes from another origin or site is refused; a download link clicked in the page is same-origin).
   */
  async function serveExport(req: http.IncomingMessage, res: http.ServerResponse, rawPath: string, query: URLSearchParams): Promise<void> {
    if (!tokensEqual(query.get('token'), token)) {
      sendPlain(res, 403, 'Forbidden: an export needs the access token of the page.');
      return;
    }
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    if ((origin !== undefined && !originAllowed(origin)) || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
      sendPlain(res, 403, 'Forbidden');
      return;
    }
    await serveExportDownload(req, res, services.logs, rawPath);
  }

  /**
   * An attachment's bytes, streamed by the page (`fetch` with the File as the body): only with the token, only from
   * the app's own page, at most the store's limit. Answers `{ id, size }`; a send then names the upload by id.
   */
  async function receiveUpload(req: http.IncomingMessage, res: http.ServerResponse, query: URLSearchParams): Promise<void> {
    const refuse = (status: number, message: string): void => {
      // Read no more of a refused body.
      res.setHeader('Connection', 'close');
      sendPlain(res, status, message);
      req.resume();
    };
    if (!tokensEqual(query.get('token'), token)) return refuse(403, 'Forbidden: an upload needs the access token of the page.');
    const site = req.headers['sec-fetch-site'];
    if (!originAllowed(req.headers.origin) || (site !== undefined && site !== 'same-origin')) return refuse(403, 'Forbidden');
    try {
      const upload = await uploads.receive(req);
      const body = JSON.stringify({ id: upload.id, size: upload.size });
      res.writeHead(200, {
        ...COMMON_HEADERS,
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        'Cache-Control': 'no-store',
      });
      res.end(body);
    } catch (error) {
      if (error instanceof UploadTooLarge)
        refuse(413, `The file is too large: one attachment can be at most ${Math.round(uploads.limit / 1048576)} MiB.`);
      else if (!res.headersSent) refuse(400, 'The upload broke off.');
    }
  }

  const server = http.createServer((req, res) => {
    void (async () => {
      if (!hostAllowed(req)) {
        sendPlain(res, 421, 'Misdirected request: use the address smtp-lens printed.');
        return;
      }
      if (req.method === 'POST') {
        const { path, query } = splitTarget(req.url ?? '/');
        if (path === UPLOAD_PATH) await receiveUpload(req, res, query);
        else sendPlain(res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendPlain(res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
        return;
      }
      const { path, query } = splitTarget(req.url ?? '/');
      if (path === '/' || path === '/index.html') await serveIndex(req, res, query);
      else if (path.startsWith('/assets/')) await serveAsset(req, res, path);
      else if (path.startsWith(DOWNLOAD_PREFIX)) await serveExport(req, res, path, query);
      else sendPlain(res, 404, 'Not found');
    })().catch((error: unknown) => {
      console.error('smtp-lens web host: request failed:', error);
      if (!res.headersSent) sendPlain(res, 500, 'Internal error');
      else res.destroy();
    });
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    perMessageDeflate: false,
    clientTracking: false,
  });

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const { path, query } = splitTarget(req.url ?? '/');
    if (!hostAllowed(req)) return refuseUpgrade(socket, 403, 'Forbidden');
    if (path !== '/api') return refuseUpgrade(socket, 404, 'Not Found');
    if (!tokensEqual(query.get('token'), token)) return refuseUpgrade(socket, 403, 'Forbidden');
    if (!originAllowed(req.headers.origin)) return refuseUpgrade(socket, 403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });

  function onConnection(ws: WebSocket): void {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        ws.close(1003, 'binary messages are not accepted');
        return;
      }
      let message: unknown;
      try {
        message = JSON.parse(rawToString(data));
      } catch {
        ws.close(1003, 'malformed JSON');
        return;
      }
      if (typeof message !== 'object' || message === null || Array.isArray(message)) {
        ws.close(1003, 'expected a JSON object');
        return;
      }
      const { id, channel, request } = message as { id?: unknown; channel?: unknown; request?: unknown };
      if (typeof id !== 'number' || !Number.isFinite(id)) return;
      void services.dispatch(channel, request, ws).then(
        (result: Result<unknown>) => reply(ws, id, result),
        (error: unknown) => {
          // dispatch never throws; this is a last resort.
          console.error('smtp-lens web host: dispatch failed:', error);
          reply(ws, id, { ok: false, error: { code: 'internal', message: 'An unexpected error occurred.' } });
        },
      );
    });
  }

  function reply(ws: WebSocket, id: number, result: Result<unknown>): void {
    let text: string;
    try {
      text = JSON.stringify({ id, result });
    } catch (error) {
      console.error('smtp-lens web host: could not serialise a result:', error);
      text = JSON.stringify({ id, result: { ok: false, error: { code: 'internal', message: 'The answer could not be serialised.' } } });
    }
    send(ws, text);
  }

  try {
    await listen(server, requestedPort, listenHost);
  } catch (error) {
    await services.shutdown(1000);
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : requestedPort;
  authorities = allowedAuthorities(listenHost, port);
  csp = contentSecurityPolicy(port, listenHost);
  const url = `http://${hostLiteral(listenHost)}:${port}/?token=${encodeURIComponent(token)}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await services.shutdown(3000);
      await uploads.close().catch((error: unknown) => console.error('smtp-lens web host: could not remove the uploads:', error));
      for (const ws of clients) ws.close(1001, 'the server is shutting down');
      await new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      });
      for (const ws of clients) ws.terminate();
      clients.clear();
      wss.close();
    })();
    return closing;
  };

  return { url, port, token, services, close };
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
