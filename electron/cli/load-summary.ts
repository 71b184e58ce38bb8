import type { LoadSummary } from '../smtp/load.js';
import { inertText } from '../../shared/inert-text.js';
import { withoutEvents } from '../../shared/session-record.js';

const n = (v: number): string => v.toLocaleString('en-US');
const ms = (v: number): string => `${v.toLocaleString('en-US', { maximumFractionDigits: 1 })} ms`;

/** The load test's summary: one line per connection, the total, the rate asked and achieved, latency percentiles. */
export function formatLoad(summary: LoadSummary): string {
  const t = summary.total;
  const lines = [
    `Load:        ${n(summary.connections.length)} connection${summary.connections.length === 1 ? '' : 's'}, ${n(t.attempted)} messages in ${ms(t.durationMs)}: ${n(t.messagesPerSecond)} msg/s`,
    `Delivered:   ${n(t.delivered)}   failed: ${n(t.failed)}${t.unknown ? `   unknown (sent, never answered): ${n(t.unknown)}` : ''}`,
  ];
  if (summary.rate) lines.push(`Rate:        asked ${n(summary.rate.asked)} msg/s, achieved ${n(summary.rate.achieved)} msg/s`);
  const l = summary.latencyMs;
  if (l) {
    lines.push(
      `Latency:     p50 ${ms(l.p50)}   p90 ${ms(l.p90)}   p99 ${ms(l.p99)}   max ${ms(l.max)}   mean ${ms(l.mean)}   (${n(l.count)} messages, start to last reply)`,
    );
  }
  lines.push('Connections:');
  for (const c of summary.connections) {
    const error = c.error ? `   ${c.error.code}: ${inertText(c.error.message)}` : '';
    lines.push(
      `  #${String(c.index + 1).padEnd(4)} ${n(c.attempted).padStart(7)} sent  ${n(c.delivered).padStart(7)} delivered  ${n(c.failed).padStart(5)} failed  ${ms(c.durationMs).padStart(11)}  ${n(c.messagesPerSecond).padStart(9)} msg/s${error}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** --json: the summary, and each connection's record without its transcript. */
export function loadJson(summary: LoadSummary): string {
  const { records, ...rest } = summary;
  return JSON.stringify({ ...rest, records: records.map(withoutEvents) }, null, 2) + '\n';
}
