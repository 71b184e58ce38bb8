import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exit-codes.js';
import { assertCliBuilt, cli } from '../helpers/cli.js';
import { startLibraryServer, type LibraryServer } from '../helpers/library-server.js';

/** The message options of send: what they write, seen in a dry run and in what a real server received. */

const servers: LibraryServer[] = [];
beforeAll(() => assertCliBuilt());
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const BASE = ['send', '--from', 'Alice <alice@example.org>', '--to', 'bob@example.org', '--subject', 'options', '--body', 'hello'];

interface Dump {
  envelope: { from: string; to: string[] };
  messageId: string;
  message: string;
}
async function dump(...extra: string[]): Promise<Dump> {
  const run = await cli([...BASE, '--dump', '--json', ...extra]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(EXIT.ok);
  return JSON.parse(run.stdout) as Dump;
}
/** The header block of a message, unfolded, as [name, value] pairs. */
function headers(message: string): [string, string][] {
  const head = message.slice(0, message.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
  return head.split('\r\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]);
}
const header = (message: string, name: string): string[] =>
  headers(message)
    .filter(([n]) => n.toLowerCase() === name.toLowerCase())
    .map(([, v]) => v);

describe('--date, --message-id, --sender', () => {
  it('an RFC 5322 --date is written exactly as given, zone and all', async () => {
    const d = await dump('--date', 'Tue, 01 Dec 2026 09:30:00 +0100');
    expect(header(d.message, 'Date')).toEqual(['Tue, 01 Dec 2026 09:30:00 +0100']);
  });

  it('an ISO 8601 --date is written as RFC 5322 in UTC', async () => {
    const d = await dump('--date', '2026-12-01T09:30:00+01:00');
    expect(header(d.message, 'Date')).toEqual(['Tue, 01 Dec 2026 08:30:00 +0000']);
  });

  it('--message-id is written in angle brackets and reported', async () => {
    const d = await dump('--message-id', 'test-42@lens.example');
    expect(header(d.message, 'Message-ID')).toEqual(['<test-42@lens.example>']);
    expect(d.messageId).toBe('<test-42@lens.example>');
  });

  it('--sender writes Sender: and becomes the envelope sender (smtplib send_message)', async () => {
    const d = await dump('--sender', 'robot@example.org');
    expect(header(d.message, 'Sender')).toEqual(['robot@example.org']);
    expect(header(d.message, 'From')).toEqual(['Alice <alice@example.org>']);
    expect(d.envelope.from).toBe('robot@example.org');
  });

  it('--header "Date: …", "Message-ID: …" and "Sender: …" work as the options do, once each', async () => {
    const d = await dump(
      '--header',
      'Date: Tue, 01 Dec 2026 09:30:00 -0500',
      '--header',
      'Message-ID: <h@lens.example>',
      '--header',
      'Sender: s@example.org',
    );
    expect(header(d.message, 'Date')).toEqual(['Tue, 01 Dec 2026 09:30:00 -0500']);
    expect(header(d.message, 'Message-ID')).toEqual(['<h@lens.example>']);
    expect(header(d.message, 'Sender')).toEqual(['s@example.org']);
    expect(d.envelope.from).toBe('s@example.org');
  });

  it('another --header still goes out as given, after the standard ones', async () => {
    const d = await dump('--header', 'X-Test: one', '--header', 'X-Test: two');
    expect(header(d.message, 'X-Test')).toEqual(['one', 'two']);
  });

  it('what the server receives carries them', async () => {
    const s = await startLibraryServer();
    servers.push(s);
    const run = await cli([
      ...BASE,
      '--host',
      '127.0.0.1',
      '--port',
      String(s.port),
      '--date',
      'Tue, 01 Dec 2026 09:30:00 +0100',
      '--message-id',
      'wire@lens.example',
      '--sender',
      'robot@example.org',
    ]);
    expect(run.code).toBe(EXIT.ok);
    expect(s.messages).toHaveLength(1);
    const m = s.messages[0]!;
    expect(m.from).toBe('robot@example.org');
    const text = m.raw.toString('utf8');
    expect(header(text, 'Date')).toEqual(['Tue, 01 Dec 2026 09:30:00 +0100']);
    expect(header(text, 'Message-ID')).toEqual(['<wire@lens.example>']);
  });

  it.each([
    [['--header', 'Date: Tue, 01 Dec 2026 09:30:00 +0100', '--date', '2026-12-01'], /Date is given twice/],
    [['--header', 'Subject: x'], /use --subject, which writes that header/],
    [['--header', 'From: x@example.org'], /use --from/],
    [['--header', 'Content-Type: text/html'], /the MIME composer writes it/],
    [['--date', 'next tuesday'], /--date: "next tuesday" is not a date/],
    [['--date', '2026-13-45'], /not a valid ISO 8601 date/],
    [['--message-id', 'two words@x'], /not a valid msg-id/],
  ])('%j is refused before connecting (exit 2)', async (extra, message) => {
    const run = await cli([...BASE, '--host', '127.0.0.1', '--port', '1', ...extra]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(message);
  });
});
