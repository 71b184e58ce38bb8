import { formatReplyWire } from '../../../../shared/explain/reply-text.js';

/**
 * Formatting for the result banner. Pure (no React, no DOM).
 */

const RUNNING: Record<string, string> = {
  probe: 'Probing…',
  connect: 'Connecting…',
  authenticate: 'Authenticating…',
  verify: 'Verifying the address…',
  raw: 'Sending the command…',
  send: 'Sending the message…',
  close: 'Disconnecting…',
};

/** What the banner says while an operation runs. */
export function runningLabel(activity: string | undefined): string {
  return (activity && RUNNING[activity]) || 'Working…';
}

/** Milliseconds in words: "12 ms", "1.25 s". */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** A reply as it looked on the wire (see formatReplyWire): empty when there is no reply code and no text. */
export function formatReplyLines(code: number | undefined, enhancedCode: string | undefined, text: string | undefined): string {
  return formatReplyWire({ code, enhancedCode, text });
}
