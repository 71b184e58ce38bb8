import { afterEach, describe, expect, it } from 'vitest';
import { formatHtmlReport } from '../../shared/report-html.js';
import type { SessionRecord } from '../../shared/session-record.js';
import { recordStatus, sessionStatus, STATUS_WORDS } from '../../shared/session-status.js';
import { formatLocalDateTime, formatTextTranscript, resultLine, zoneLabel } from '../../shared/transcript-format.js';

/** One vocabulary for how a session ended, and the exports that use it (words, no repeated codes, local times). */

const base = (patch: Partial<SessionRecord> = {}): SessionRecord => ({
  version: 1,
  tool: 'smtp-lens',
  operation: 'send',
  startedAt: '2026-12-02T07:22:03.123Z',
  durationMs: 10,
  target: { protocol: 'smtp', tls: 'off', host: 'mx.example', port: 25, ehloName: 'c.example' },
  capabilities: [],
  events: [{ t: 0, wall: Date.parse('2026-12-02T07:22:03.200Z'), dir: 'recv', tls: false, text: '220 hi' }],
  result: { ok: true },
  ...patch,
});

const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe('session status', () => {
  it.each([
    [{ ok: true, verdict: 'delivered' as const }, 'delivered'],
    [{ ok: false, verdict: 'partial' as const, errorCode: 'some-recipients-refused' }, 'partial'],
    [{ ok: false, verdict: 'unknown' as const, errorCode: 'delivery-unknown' }, 'unknown'],
    [{ ok: false, verdict: 'none' as const, errorCode: 'recipients-refused' }, 'failed'],
    [{ ok: false, errorCode: 'cancelled' }, 'cancelled'],
    // What became of the message wins over how the session went on after it.
    [{ ok: false, verdict: 'delivered' as const, errorCode: 'cancelled' }, 'delivered'],
    [{ ok: false, verdict: 'unknown' as const, log: 'interrupted' as const }, 'interrupted'],
    [{ ok: true }, 'ok'],
    [{ ok: false, errorCode: 'timeout' }, 'failed'],
    [{ ok: false, log: 'open' as const }, 'open'],
  ])('%j is %s', (input, expected) => {
    expect(sessionStatus(input)).toBe(expected);
  });

  it('words for every status', () => {
    expect(Object.values(STATUS_WORDS)).toEqual(['Delivered', 'Partial', 'Unknown', 'Failed', 'Cancelled', 'Interrupted', 'OK', 'Open']);
    expect(recordStatus(base({ result: { ok: false, error: { code: 'cancelled', message: 'cancelled' } } }))).toBe('cancelled');
  });
});

describe('exports in the same words', () => {
  const partial = base({
    result: { ok: false, verdict: 'partial', error: { code: 'some-recipients-refused', message: '1 of 2 recipients refused' } },
    auth: {
      mechanism: 'PLAIN',
      ok: true,
      code: 235,
      enhancedCode: '2.7.0',
      text: '2.7.0 Authentication successful',
      steps: [],
      durationMs: 1,
    },
  });

  it('the text transcript ends with the status word and the error, no separate verdict', () => {
    expect(resultLine(partial)).toBe('Partial (some-recipients-refused): 1 of 2 recipients refused');
    expect(resultLine(base({ result: { ok: true, verdict: 'delivered' } }))).toBe('Delivered');
    expect(resultLine(base({ result: { ok: false, error: { code: 'cancelled', message: 'cancelled by the user' } } }))).toBe(
      'Cancelled (cancelled): cancelled by the user',
    );
  });

  it('the HTML report says Partial in amber, prints an enhanced code once, and has no "(verdict: …)"', () => {
    const html = formatHtmlReport(partial);
    expect(html).toContain('<span class="partial">Partial</span>');
    expect(html).not.toContain('verdict:');
    expect(html).toContain('235 2.7.0 Authentication successful');
    expect(html).not.toContain('2.7.0 2.7.0');
  });

  it('times are local with the zone named, the UTC instant kept beside it', () => {
    process.env.TZ = 'Europe/Berlin';
    expect(zoneLabel(Date.parse('2026-12-02T07:22:03Z'))).toBe('UTC+01:00');
    expect(formatLocalDateTime('2026-12-02T07:22:03.123Z')).toBe('2026-12-02 08:22:03 (UTC+01:00)');
    const text = formatTextTranscript(base());
    expect(text).toContain('# started 2026-12-02 08:22:03 (UTC+01:00) = 2026-12-02T07:22:03.123Z; times are UTC+01:00');
    expect(text).toContain('08:22:03.200000 reply:');
    const html = formatHtmlReport(base());
    expect(html).toContain('2026-12-02 08:22:03 (UTC+01:00)');
    expect(html).toContain('times are UTC+01:00');
    process.env.TZ = 'America/St_Johns';
    expect(zoneLabel(Date.parse('2026-12-02T07:22:03Z'))).toBe('UTC-03:30');
    process.env.TZ = 'UTC';
    expect(formatLocalDateTime('2026-12-02T07:22:03.123Z')).toBe('2026-12-02 07:22:03 (UTC)');
    expect(formatLocalDateTime('not a date')).toBe('not a date');
  });
});
