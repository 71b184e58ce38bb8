import type { Protocol, TlsMode } from '../../../shared/session-record.js';
import { defaultPort, type ConnectionForm } from './connection-form.js';

/**
 * The last targets the user reached (host:port or socket, protocol, TLS mode), newest first, kept in localStorage.
 * Nothing secret: no user, no password, no key, no certificate. Pure functions over a storage interface, so that
 * tests can pass a Map-backed one.
 */

export const RECENT_TARGETS_KEY = 'smtp-lens.recent-targets.v1';
export const MAX_RECENT_TARGETS = 10;

export interface RecentTarget {
  host?: string;
  port?: number;
  socketPath?: string;
  protocol: Protocol;
  tls: TlsMode;
  /** ISO 8601. */
  usedAt: string;
}

/** The part of `localStorage` used here. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const PROTOCOLS: readonly string[] = ['smtp', 'lmtp'];
const TLS_MODES: readonly string[] = ['off', 'starttls', 'starttls-optional', 'implicit'];
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Two entries for the same place are the same entry. */
export function recentKey(t: RecentTarget): string {
  const where = t.socketPath !== undefined ? `unix:${t.socketPath}` : `${t.host?.toLowerCase()}:${t.port ?? ''}`;
  return `${t.protocol}|${t.tls}|${where}`;
}

/** The target the form points at, or undefined when it does not point anywhere valid. */
export function recentFromForm(form: ConnectionForm, now: Date = new Date()): RecentTarget | undefined {
  const base = { protocol: form.protocol, tls: form.tls, usedAt: now.toISOString() };
  if (form.target === 'socket') {
    const socketPath = form.socketPath.trim();
    return socketPath.startsWith('/') && !CONTROL.test(socketPath) ? { ...base, socketPath } : undefined;
  }
  const host = form.host.trim();
  if (!host || CONTROL.test(host)) return undefined;
  const port = Number(form.port.trim() || defaultPort(form.protocol, form.tls));
  return { ...base, host, port: Number.isInteger(port) && port >= 1 && port <= 65535 ? port : defaultPort(form.protocol, form.tls) };
}

/** The list with `target` first (moved up if it was there), at most `max` long. */
export function addRecent(list: readonly RecentTarget[], target: RecentTarget, max = MAX_RECENT_TARGETS): RecentTarget[] {
  const key = recentKey(target);
  return [target, ...list.filter((t) => recentKey(t) !== key)].slice(0, max);
}

export function removeRecent(list: readonly RecentTarget[], target: RecentTarget): RecentTarget[] {
  const key = recentKey(target);
  return list.filter((t) => recentKey(t) !== key);
}

function parseOne(value: unknown): RecentTarget | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.protocol !== 'string' || !PROTOCOLS.includes(v.protocol)) return undefined;
  if (typeof v.tls !== 'string' || !TLS_MODES.includes(v.tls)) return undefined;
  const usedAt = typeof v.usedAt === 'string' && v.usedAt.length < 40 ? v.usedAt : new Date(0).toISOString();
  const base = { protocol: v.protocol as Protocol, tls: v.tls as TlsMode, usedAt };
  if (typeof v.socketPath === 'string') {
    if (!v.socketPath.startsWith('/') || v.socketPath.length > 1024 || CONTROL.test(v.socketPath)) return undefined;
    return { ...base, socketPath: v.socketPath };
  }
  if (typeof v.host !== 'string' || !v.host || v.host.length > 255 || CONTROL.test(v.host)) return undefined;
  if (typeof v.port !== 'number' || !Number.isInteger(v.port) || v.port < 1 || v.port > 65535) return undefined;
  return { ...base, host: v.host, port: v.port };
}

/** The stored list; junk (an older format, a hand-edited value) is skipped, never thrown. */
export function loadRecent(storage: StorageLike | undefined): RecentTarget[] {
  if (!storage) return [];
  try {
    const text = storage.getItem(RECENT_TARGETS_KEY);
    if (!text) return [];
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return [];
    const list: RecentTarget[] = [];
    for (const item of parsed) {
      const target = parseOne(item);
      if (target && !list.some((t) => recentKey(t) === recentKey(target))) list.push(target);
    }
    return list.slice(0, MAX_RECENT_TARGETS);
  } catch {
    return [];
  }
}

/** Store the list; a full or forbidden storage is not an error worth showing. */
export function saveRecent(storage: StorageLike | undefined, list: readonly RecentTarget[]): void {
  if (!storage) return;
  try {
    storage.setItem(RECENT_TARGETS_KEY, JSON.stringify(list.slice(0, MAX_RECENT_TARGETS)));
  } catch {
    // Private mode, quota: recent targets are a convenience.
  }
}

/** The page's localStorage, when there is one and it may be used. */
export function browserStorage(): StorageLike | undefined {
  try {
    return (globalThis as { localStorage?: StorageLike }).localStorage;
  } catch {
    return undefined;
  }
}

/** "smtp://mx.example.net:587 · starttls", "lmtp:/run/dovecot/lmtp". */
export function describeRecent(t: RecentTarget): string {
  const scheme = `${t.protocol}${t.tls === 'implicit' ? 's' : ''}`;
  if (t.socketPath !== undefined) return `${scheme}:${t.socketPath}${t.tls === 'off' || t.tls === 'implicit' ? '' : ` · ${t.tls}`}`;
  const host = t.host?.includes(':') ? `[${t.host}]` : t.host;
  return `${scheme}://${host}:${t.port}${t.tls === 'off' || t.tls === 'implicit' ? '' : ` · ${t.tls}`}`;
}

/** The form pointing at a recent target; the other settings (TLS options, timeouts) stay as they are. */
export function applyRecent(form: ConnectionForm, t: RecentTarget): ConnectionForm {
  if (t.socketPath !== undefined) {
    return { ...form, target: 'socket', socketPath: t.socketPath, protocol: t.protocol, tls: t.tls };
  }
  const port = String(t.port ?? defaultPort(t.protocol, t.tls));
  return {
    ...form,
    target: 'tcp',
    host: t.host ?? '',
    port,
    portTouched: port !== String(defaultPort(t.protocol, t.tls)),
    protocol: t.protocol,
    tls: t.tls,
  };
}
