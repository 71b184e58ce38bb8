import type { SessionRecord, TranscriptEvent } from '../../../shared/session-record.js';

/** A small session record for the session-log tests; anything may be overridden. */
export function sampleRecord(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    version: 1,
    tool: 'smtp-lens/0.1.0',
    operation: 'send',
    startedAt: '2024-05-01T12:00:00.000Z',
    durationMs: 0,
    target: { protocol: 'smtp', tls: 'starttls', host: 'mail.example.test', port: 587, ehloName: 'client.test' },
    capabilities: [],
    events: [],
    result: { ok: false },
    ...overrides,
  };
}

/**
 * `count` transcript events numbered from `from`, alternating send and receive. With `multiByte`, every fifth
 * text holds characters of two, three and four bytes, so that chunk edges in a reader fall inside them.
 */
export function events(from: number, count: number, { multiByte = false } = {}): TranscriptEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    t: (from + i) * 1000,
    wall: 1714564800000 + from + i,
    dir: (from + i) % 2 === 0 ? 'send' : 'recv',
    tls: false,
    text: multiByte && (from + i) % 5 === 0 ? `line ${from + i} é€😀` : `line ${from + i}`,
  }));
}
