import type { SessionStage } from '../../../../shared/session-record.js';

/**
 * Words for the live status line: where a running session is, how long it has waited there (of how long it may),
 * and how much of a body has gone. Pure (no React, no DOM).
 */

/** The stage in words: "Waiting for the greeting…", "Sending the message body…". */
export function stageWords(stage: SessionStage | undefined, fallback: string): string {
  if (!stage) return fallback;
  switch (stage.name) {
    case 'connect':
      return 'Connecting…';
    case 'tls-handshake':
      return 'TLS handshake…';
    case 'body':
      return 'Sending the message body…';
    case 'reply': {
      const command = stage.command ?? '';
      if (command === 'greeting') return 'Waiting for the greeting…';
      if (command === 'final dot' || command === 'BDAT LAST') return 'Waiting for the answer to the message…';
      if (command.includes('(PRDR')) return 'Waiting for the per-recipient answers (PRDR)…';
      if (command === 'QUIT') return 'Closing (QUIT)…';
      return command ? `Waiting for the answer to ${command}…` : 'Waiting for the server…';
    }
  }
}

/** A wait in words: "12 s", "1 min 05 s", "5 min". */
export function formatWait(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${String(rest).padStart(2, '0')} s`;
}

/** "12 s of 5 min" (the stage's timeout), or "12 s" when there is none. */
export function elapsedWords(elapsedMs: number, timeoutMs: number | undefined): string {
  return timeoutMs ? `${formatWait(elapsedMs)} of ${formatWait(timeoutMs)}` : formatWait(elapsedMs);
}

const MB = 1024 * 1024;

/** Bytes in the unit of the total, as the app's sizes are (1 MB = 1024 KB): "14.2 of 28.6 MB", "512 of 1,024 bytes". */
export function bytesWords(sent: number, total: number): string {
  if (total >= MB) return `${(sent / MB).toFixed(1)} of ${(total / MB).toFixed(1)} MB`;
  if (total >= 10 * 1024) return `${Math.round(sent / 1024)} of ${Math.round(total / 1024)} KB`;
  return `${sent.toLocaleString('en')} of ${total.toLocaleString('en')} bytes`;
}
