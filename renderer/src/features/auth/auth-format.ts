import type { ReplyInfo } from '../../../../shared/session-record.js';

/**
 * Helpers for showing an AUTH exchange. Pure (no React, no DOM).
 */

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function decodeBase64(text: string): string | undefined {
  if (typeof atob !== 'function') return undefined;
  try {
    return atob(text);
  } catch {
    return undefined;
  }
}

/**
 * A 334 challenge decoded when it is printable text ("VXNlcm5hbWU6" → "Username:", a SCRAM server-first message);
 * undefined for anything else (binary challenges, other replies, empty challenges).
 */
export function decodeChallenge(reply: ReplyInfo): string | undefined {
  if (reply.code !== 334) return undefined;
  const text = reply.text.trim();
  if (text.length === 0 || text.length % 4 !== 0 || !BASE64.test(text)) return undefined;
  const decoded = decodeBase64(text);
  if (decoded === undefined || decoded.length === 0) return undefined;
  // Printable ASCII only: anything else is binary (or a language this view should not guess).
  return /^[\x20-\x7e]+$/.test(decoded) ? decoded : undefined;
}

/** Milliseconds in words: "38 ms", "1.25 s". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return ms < 1000 ? `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
