import type { PickPurpose } from '../../shared/ipc/contract.js';
import path from 'node:path';

/**
 * The security decisions of the Electron shell, as pure functions with no `electron` import, so that they are
 * unit-tested under plain Node (the Electron binary is not needed to check them). The Electron glue (window.ts,
 * app-protocol.ts, ipc-router.ts, main.ts) only wires these into Electron's hooks.
 */

/** The custom scheme the renderer is served from (never file://). */
export const APP_SCHEME = 'app';
/** The one host of that scheme; the page's origin is `app://smtp-lens`. */
export const APP_HOST = 'smtp-lens';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The URL the main window loads. */
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * The renderer's webPreferences. Every hardening option is spelled out (even where it is Electron's default) so a
 * change of default or a careless edit cannot weaken it silently; a test asserts each one.
 */
export function webPreferences(preload: string) {
  return {
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
    preload,
  };
}

/**
 * The Content-Security-Policy of the Electron build, sent as a response header by the app:// protocol handler.
 * No inline script or style, no eval, no network access from the page at all (it talks to main over IPC only).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "frame-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every response of the app:// protocol. */
export function appResponseHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-cache',
  };
}

/** Parses a URL, or null. */
function parseUrl(url: unknown): URL | null {
  if (typeof url !== 'string') return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** True for a URL of the app itself: `app://smtp-lens/…`, no credentials, no port. */
export function isAppUrl(url: unknown): boolean {
  const u = parseUrl(url);
  return (
    u !== null &&
    u.protocol === `${APP_SCHEME}:` &&
    u.hostname === APP_HOST &&
    u.host === APP_HOST &&
    u.username === '' &&
    u.password === '' &&
    u.port === ''
  );
}

/**
 * Maps a request for `app://smtp-lens/<path>` to a file under `rendererRoot`, or null when the request must be
 * refused. `/` is index.html. Refuses other schemes and hosts, credentials, ports, NUL, backslashes (raw or
 * encoded), `.` and `..` segments (raw or encoded), drive letters and anything that, once resolved, is not strictly
 * inside `rendererRoot`. Query and fragment are ignored.
 */
export function resolveAppPath(rendererRoot: string, requestUrl: string): string | null {
  if (typeof requestUrl !== 'string' || requestUrl.length > 4096) return null;
  // Checked on the raw string, before the URL parser normalises anything away.
  if (/[\0\\]|%00|%5c/i.test(requestUrl)) return null;
  if (!isAppUrl(requestUrl)) return null;
  // The URL parser would quietly remove `.`/`..` segments (raw or %2e-encoded); a request that has them is refused
  // outright rather than served from wherever normalisation lands.
  const afterScheme = requestUrl.slice(requestUrl.indexOf(':') + 1);
  if (/(^|\/)(\.|%2e){1,2}([/?#]|$)/i.test(afterScheme.replace(/^\/\//, ''))) return null;
  const url = new URL(requestUrl);
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return null; // malformed percent-encoding
  }
  if (pathname === '' || pathname === '/') pathname = '/index.html';
  if (!pathname.startsWith('/') || pathname.startsWith('//')) return null;
  // After one decoding there must be nothing left to decode, and nothing a file system treats specially.
  if (/[\0\\%:]/.test(pathname)) return null;
  if (/[\u0000-\u001f\u007f]/.test(pathname)) return null;
  const segments = pathname.slice(1).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return null;

  const root = path.resolve(rendererRoot);
  const resolved = path.resolve(root, ...segments);
  if (!resolved.startsWith(root + path.sep)) return null;
  return resolved;
}

/** Hosts whose https pages the app may open in the user's browser (protocol references and the project). */
export const EXTERNAL_HOSTS: readonly string[] = [
  'www.rfc-editor.org',
  'rfc-editor.org',
  'datatracker.ietf.org',
  'www.iana.org',
  'github.com',
];

/**
 * The normalised URL to hand to the OS browser, or null when it is not allowed: only `https:` on an allow-listed
 * host, with no credentials (`https://www.rfc-editor.org@evil.example/` is a URL of evil.example), no explicit port,
 * and no whitespace or control characters that a parser would silently strip.
 */
export function allowedExternalUrl(url: unknown): string | null {
  if (typeof url !== 'string' || url.length > 2048) return null;
  if (/[\u0000-\u0020\u007f\\]/.test(url)) return null;
  const u = parseUrl(url);
  if (u === null) return null;
  if (u.protocol !== 'https:') return null;
  if (u.username !== '' || u.password !== '' || u.port !== '') return null;
  if (!EXTERNAL_HOSTS.includes(u.hostname)) return null;
  return u.href;
}

export function isAllowedExternalUrl(url: unknown): boolean {
  return allowedExternalUrl(url) !== null;
}

/**
 * Whether an IPC message may be served: only from the main frame of a page of the app itself. Subframes (there
 * should be none: frame-src 'none') and any other origin are refused.
 */
export function isTrustedSender(frameUrl: unknown, isMainFrame: boolean): boolean {
  return isMainFrame === true && isAppUrl(frameUrl);
}

/** Where the packaged pieces live, relative to the app's root (the directory of package.json, or app.asar). */
export function appPaths(appRoot: string): { preload: string; rendererRoot: string } {
  return {
    preload: path.join(appRoot, 'out', 'preload', 'preload.cjs'),
    rendererRoot: path.join(appRoot, 'out', 'renderer'),
  };
}

/**
 * A suggested file name for the save dialog: the last path component only, without control or reserved
 * characters (the user still chooses the final location).
 */
export function safeDefaultFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
    .replace(/^\.+/, '')
    .slice(0, 200)
    .trim();
  return cleaned === '' ? 'smtp-lens-export' : cleaned;
}

/** Open-dialog settings per purpose: several attachments at once, a single PEM file otherwise. */
export function pickDialogOptions(purpose: PickPurpose): {
  title: string;
  multiple: boolean;
  filters: { name: string; extensions: string[] }[];
} {
  const pem = (name: string) => [
    { name, extensions: ['pem', 'crt', 'cer', 'key'] },
    { name: 'All files', extensions: ['*'] },
  ];
  switch (purpose) {
    case 'attachment':
      return { title: 'Attach files', multiple: true, filters: [] };
    case 'ca':
      return { title: 'Trust a CA certificate (PEM)', multiple: false, filters: pem('PEM certificates') };
    case 'client-cert':
      return { title: 'Client certificate (PEM)', multiple: false, filters: pem('PEM certificates') };
    case 'client-key':
      return { title: 'Client private key (PEM)', multiple: false, filters: pem('PEM keys') };
  }
}
