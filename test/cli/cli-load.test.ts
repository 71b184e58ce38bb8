import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exit-codes.js';
import type { LoadSummary } from '../../electron/smtp/load.js';
import { assertCliBuilt, cli } from '../helpers/cli.js';
import { startLibraryServer, type LibraryServer } from '../helpers/library-server.js';

/** --connections and --rate: parallel connections, paced messages, per-connection and total rates, latency percentiles. */

const servers: LibraryServer[] = [];
beforeAll(() => assertCliBuilt());
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(options: Parameters<typeof startLibraryServer>[0] = {}): Promise<LibraryServer> {
  const s = await startLibraryServer(options);
  servers.push(s);
  return s;
}

const message = ['--from', 'load@example.test', '--to', 'sink@example.test', '--subject', 'load', '--body', 'hello\n'];
const at = (s: LibraryServer): string[] => ['--host', '127.0.0.1', '--port', String(s.port)];

describe('a load test', () => {
  it('--connections 3 --count 20: three connections of twenty messages each, counted per connection and in total', async () => {
    const s = await server();
    const run = await cli(['send', ...at(s), ...message, '--connections', '3', '--count', '20', '--json']);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    const summary = JSON.parse(run.stdout) as Omit<LoadSummary, 'records'> & { records: { events?: unknown }[] };
    // What the server saw: 60 messages over 3 sessions of 20.
    expect(s.messages).toHaveLength(60);
    const perSession = new Map<string, number>();
    for (const m of s.messages) perSession.set(m.sessionId, (perSession.get(m.sessionId) ?? 0) + 1);
    expect([...perSession.values()]).toEqual([20, 20, 20]);
    expect(summary.total).toMatchObject({ attempted: 60, delivered: 60, failed: 0 });
    expect(summary.connections.map((c) => c.delivered)).toEqual([20, 20, 20]);
    const l = summary.latencyMs!;
    expect(l.count).toBe(60);
    expect(l.min).toBeLessThanOrEqual(l.p50);
    expect(l.p50).toBeLessThanOrEqual(l.p90);
    expect(l.p90).toBeLessThanOrEqual(l.p99);
    expect(l.p99).toBeLessThanOrEqual(l.max);
    expect(summary.records).toHaveLength(3);
    expect(summary.records[0]!.events).toBeUndefined();
  });

  it('--rate paces the messages: never faster than asked, spread over the connections', async () => {
    const s = await server();
    const run = await cli(['send', ...at(s), ...message, '--connections', '2', '--count', '5', '--rate', '25', '--json']);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    const summary = JSON.parse(run.stdout) as LoadSummary;
    expect(s.messages).toHaveLength(10);
    // Ten messages at 25 a second: their starts span nine intervals of 40 ms. At the server the span of arrivals can
    // be shorter by the first message's delay (a slow first handshake on a loaded machine), so the bound is loose;
    // unpaced, the ten would arrive within a few milliseconds.
    const arrivals = s.messages.map((m) => m.receivedAt).sort((a, b) => a - b);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(9 * 40 * 0.6);
    expect(summary.rate!.asked).toBe(25);
    expect(summary.rate!.achieved).toBeLessThanOrEqual(25 * 1.1);
    expect(summary.connections.map((c) => c.attempted)).toEqual([5, 5]);
  });

  it('refused recipients: every message failed, exit 7, and the summary says so per connection', async () => {
    const s = await server({ refuseRecipients: ['sink@example.test'] });
    const run = await cli(['send', ...at(s), ...message, '--connections', '2', '--count', '3']);
    expect(run.code).toBe(EXIT.recipientsRefused);
    expect(run.stdout).toMatch(/^Delivered: +0 +failed: 6$/m);
    expect(run.stdout).toMatch(/^ {2}#1 +3 sent +0 delivered +3 failed .*recipients-refused/m);
  });

  it.each([
    [['--connections', '0'], /--connections takes a whole number of at least 1/],
    [['--rate', '0'], /--rate takes messages per second above 0/],
    [['--connections', '2', '--export', 'x.json'], /--export does not go with it/],
    [['--connections', '2', '--quit-after', 'rcpt'], /--quit-after does not go with it/],
  ])('%j is a usage error', async (extra, expected) => {
    const run = await cli(['send', '--host', '127.0.0.1', '--port', '1', ...message, ...extra]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(expected);
  });
});
