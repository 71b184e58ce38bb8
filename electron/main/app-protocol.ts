import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import { contentTypeFor } from '../app/content-type.js';
import { APP_SCHEME, CONTENT_SECURITY_POLICY, appResponseHeaders, resolveAppPath } from './security.js';

/**
 * The app:// protocol: the renderer build is served from `app://smtp-lens/…` (a real, secure origin) instead of
 * file://. Thin glue; the path decision is resolveAppPath in security.ts.
 */

/** Must run before the app is ready (main.ts calls it at start-up, synchronously). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false, stream: true },
    },
  ]);
}

function notFound(status = 404, text = 'Not Found'): Response {
  return new Response(text, {
    status,
    headers: {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
    },
  });
}

/** Serves files of `rendererRoot` on app://; call once the app is ready. */
export function handleAppProtocol(rendererRoot: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return notFound(405, 'Method Not Allowed');
    const file = resolveAppPath(rendererRoot, request.url);
    if (file === null) return notFound();
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return notFound(); // missing, a directory, unreadable
    }
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
      status: 200,
      headers: appResponseHeaders(contentTypeFor(file)),
    });
  });
}
