import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../shared/session-record.js';
import { EXIT } from '../../electron/cli/exit-codes.js';
import { assertCliBuilt, cli as run, type Run } from '../helpers/cli.js';
import { startLibraryServer, type LibraryServer, type LibraryServerOptions } from '../helpers/library-server.js';

/** `smtp-lens send --count N`: many messages on one connection, against a real server (smtp-server). */

const cli = (args: string[]): Promise<Run> => run(args, {}, 30_000);

const servers: LibraryServer[] = [];
async function server(options: LibraryServerOptions = {}): Promise<LibraryServer> {
  const s = await startLibraryServer(options);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

beforeAll(() => assertCliBuilt());

const message = ['--from', 'a@example.test', '--to', 'b@example.test', '--subject', 'load', '--body', 'hello\n.dot line\n'];

describe('smtp-lens send --count', () => {
  it('sends N identical messages over one connection, pipelined, and says so', async () => {
    const s = await server();
    const run = await cli(['send', '--host', '127.0.0.1', '--port', String(s.port), ...message, '--count', '25', '--json']);
    expect(run.code).toBe(EXIT.ok);
    const record = JSON.parse(run.stdout) as SessionRecord;
    expect(record.result).toEqual({ ok: true, verdict: 'delivered' });
    expect(record.batch).toMatchObject({
      attempted: 25,
      delivered: 25,
      partial: 0,
      failed: 0,
      method: 'DATA',
      pipelined: true,
      failures: [],
    });
    expect(s.messages).toHaveLength(25);
    expect(new Set(s.messages.map((m) => m.sessionId)).size).toBe(1);
    expect(s.messages.map((m) => m.transaction)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    // The same bytes every time (one composition), dot-stuffing undone by the server.
    expect(new Set(s.messages.map((m) => m.raw.toString('latin1'))).size).toBe(1);
    expect(s.messages[0]!.raw.toString('latin1')).toContain('\r\n.dot line\r\n');
    // Every transaction is in the transcript: 25 MAIL commands, 25 body summaries.
    expect(record.events.filter((e) => e.dir === 'send' && e.text.startsWith('MAIL FROM:'))).toHaveLength(25);
    expect(record.events.filter((e) => e.dir === 'info' && e.text.startsWith('message body:'))).toHaveLength(25);
  });

  it('some recipients refused in every message → exit 8 (partial), each failure counted', async () => {
    const s = await server({ refuseRecipients: ['nobody@example.test'] });
    const run = await cli([
      'send',
      '--host',
      '127.0.0.1',
      '--port',
      String(s.port),
      ...message,
      '--to',
      'nobody@example.test',
      '--count',
      '5',
      '--quiet',
    ]);
    expect(run.code).toBe(EXIT.someRecipientsRefused);
    expect(run.stdout).toMatch(/Batch: +5 messages: 0 delivered, 5 partial, 0 failed/);
    expect(s.messages).toHaveLength(5);
  });

  it("the sender refused: every message fails with the server's reply; --on-failure stop ends after the first", async () => {
    const s = await server({ refuseSenders: ['a@example.test'] });
    const all = await cli(['send', '--host', '127.0.0.1', '--port', String(s.port), ...message, '--count', '4', '--json']);
    expect(all.code).toBe(EXIT.senderRefused);
    const record = JSON.parse(all.stdout) as SessionRecord;
    expect(record.batch).toMatchObject({ attempted: 4, delivered: 0, failed: 4 });
    expect(record.result.error).toMatchObject({ code: 'sender-refused', replyCode: 550 });

    const stop = await cli([
      'send',
      '--host',
      '127.0.0.1',
      '--port',
      String(s.port),
      ...message,
      '--count',
      '4',
      '--on-failure',
      'stop',
      '--json',
    ]);
    const stopped = JSON.parse(stop.stdout) as SessionRecord;
    expect(stopped.batch).toMatchObject({ attempted: 1, failed: 1, stopped: true });
    expect(s.messages).toHaveLength(0);
  });

  it('LMTP over a Unix socket', async () => {
    const s = await server({ lmtp: true, unix: true });
    const run = await cli(['send', '--socket', s.path!, '--protocol', 'lmtp', ...message, '--count', '10', '--json']);
    expect(run.code).toBe(EXIT.ok);
    expect((JSON.parse(run.stdout) as SessionRecord).batch).toMatchObject({ delivered: 10 });
    expect(s.messages).toHaveLength(10);
  });

  it('--window and --on-failure without --count, or a count that is not a whole number, are usage errors', async () => {
    for (const args of [
      ['--window', '4'],
      ['--on-failure', 'stop'],
      ['--count', '0'],
      ['--count', '2.5'],
      ['--count', '3', '--on-failure', 'maybe'],
    ]) {
      const run = await cli(['send', '--host', '127.0.0.1', '--port', '1', ...message, ...args]);
      expect(run.code, args.join(' ')).toBe(EXIT.usage);
    }
  });
});
