import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exit-codes.js';
import { assertCliBuilt, cli, ROOT } from '../helpers/cli.js';
import { testPki } from '../helpers/certs.js';
import { startLibraryServer, type LibraryServer, type LibraryServerOptions, type ReceivedMessage } from '../helpers/library-server.js';

/**
 * --as swaks / --as smtplib: what they print is run with Debian's swaks and python3 against a real server, and the
 * server must receive the same envelope and message (byte for byte) as from `smtp-lens send` with the same options.
 * The secret is read from the environment when it runs and is never in what was printed.
 */

const USER = 'as-user@example.test';
const SECRET = 'As-Secret-88c1f';
const servers: LibraryServer[] = [];
let dir: string;
let caFile: string;

beforeAll(async () => {
  assertCliBuilt();
  dir = await mkdtemp(join(tmpdir(), 'smtp-lens-as-'));
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, (await testPki()).caCert);
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(options: LibraryServerOptions): Promise<LibraryServer> {
  const s = await startLibraryServer(options);
  servers.push(s);
  return s;
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run what --as printed: a shell command line with bash, a script with python3; the secret in $LENS_PW. */
function runPrinted(tool: 'swaks' | 'smtplib', text: string): Promise<Ran> {
  const [file, args] = tool === 'swaks' ? ['bash', ['-c', text]] : ['python3', ['-c', text]];
  return new Promise((done) => {
    execFile(file, args as string[], { cwd: ROOT, timeout: 20_000, env: { ...process.env, LENS_PW: SECRET } }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

const received = (m: ReceivedMessage): object => ({
  from: m.from,
  to: m.to,
  raw: m.raw.toString('latin1'),
  secure: m.secure,
  user: m.user,
});

const composed = [
  '--from',
  'Sender <sender@example.test>',
  '--to',
  'one@example.test',
  '--to',
  'two@example.test',
  '--subject',
  'Reproduced – grüße',
  '--body',
  'First line\n.a line that starts with a dot\nnon-ASCII: café\nshell and Python text: $HOME `id` \\ \' " {x}\n\nlast line\n',
  '--header',
  'X-Test: as',
  '--date',
  'Thu, 03 Dec 2026 10:00:00 +0000',
  '--message-id',
  '<reproduced@example.test>',
];

describe.each(['swaks', 'smtplib'] as const)('--as %s', (tool) => {
  it('STARTTLS (verified against --ca), AUTH PLAIN, two recipients: the server receives what smtp-lens send delivers', async () => {
    const s = await server({ tls: 'starttls', auth: { user: USER, password: SECRET, methods: ['PLAIN', 'LOGIN'] } });
    const at = ['--host', '127.0.0.1', '--port', String(s.port), '--tls', 'starttls', '--ca', caFile, '--ehlo', 'client.test'];
    const auth = ['--auth', 'plain', '--user', USER, '--password-env', 'LENS_PW'];
    const sent = await cli(['send', ...at, ...auth, ...composed, '--quiet'], { LENS_PW: SECRET });
    expect(sent.code, sent.stderr).toBe(EXIT.ok);

    const printed = await cli(['send', ...at, ...auth, ...composed, '--as', tool]);
    expect(printed.code, printed.stderr).toBe(EXIT.ok);
    expect(printed.stdout).not.toContain(SECRET);
    expect(printed.stdout).toContain('LENS_PW');
    const ran = await runPrinted(tool, printed.stdout);
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);

    expect(s.messages).toHaveLength(2);
    expect(received(s.messages[1]!)).toEqual(received(s.messages[0]!));
    expect(s.messages[1]).toMatchObject({ secure: true, user: USER, to: ['one@example.test', 'two@example.test'] });
  });

  it('a --message-file over LMTP on a Unix socket: the same file arrives, read when it runs', async () => {
    const s = await server({ lmtp: true, unix: true });
    const file = join(dir, `message-${tool}.eml`);
    await writeFile(file, 'From: a@example.test\r\nTo: b@example.test\r\nSubject: file\r\n\r\n.leading dot\r\nbody\r\n');
    const args = ['send', '--socket', s.path!, '--protocol', 'lmtp', '--message-file', file, '--ehlo', 'client.test'];
    const sent = await cli([...args, '--quiet']);
    expect(sent.code, sent.stderr).toBe(EXIT.ok);
    const printed = await cli([...args, '--as', tool]);
    expect(printed.code, printed.stderr).toBe(EXIT.ok);
    expect(printed.stdout).toContain(file);
    const ran = await runPrinted(tool, printed.stdout);
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    expect(s.messages).toHaveLength(2);
    expect(received(s.messages[1]!)).toEqual(received(s.messages[0]!));
  });

  it('--quit-after rcpt: no DATA; a refused recipient is a failure (exit 1)', async () => {
    const s = await server({ refuseRecipients: ['nobody@example.test'] });
    const printed = await cli([
      'send',
      '--host',
      '127.0.0.1',
      '--port',
      String(s.port),
      '--from',
      'a@example.test',
      '--to',
      'b@example.test',
      '--to',
      'nobody@example.test',
      '--quit-after',
      'rcpt',
      '--as',
      tool,
    ]);
    expect(printed.code, printed.stderr).toBe(EXIT.ok);
    const ran = await runPrinted(tool, printed.stdout);
    const wire = s.received.toString('latin1');
    expect(wire).toMatch(/RCPT TO:<b@example\.test>/i);
    expect(wire).toMatch(/RCPT TO:<nobody@example\.test>/i);
    expect(wire).not.toMatch(/^DATA/im);
    expect(wire).toMatch(/^QUIT/im);
    expect(s.messages).toHaveLength(0);
    // swaks exits 0 when it quits where it was told to, whatever RCPT said (one of the reasons to use ours).
    if (tool === 'smtplib') expect(ran.code).toBe(1);
  });
});

describe('what cannot be reproduced is refused, naming it', () => {
  it.each([
    [['--auth', 'xoauth2', '--user', 'u'], 'swaks', /swaks has no XOAUTH2/],
    [['--auth', 'scram-sha-256', '--user', 'u'], 'smtplib', /smtplib has no SCRAM/],
    [['--auth', 'plain', '--user', 'u', '--authzid', 'z'], 'swaks', /authorization identity/],
    [['--proxy-header', 'v1'], 'swaks', /--proxy-header has no equivalent/],
    [['--xclient', 'NAME=x'], 'smtplib', /--xclient has no equivalent/],
    [['--dsn-notify', 'never'], 'smtplib', /--dsn-\* has no equivalent/],
    [['--tls', 'starttls', '--servername', 'other.test'], 'smtplib', /cannot send another TLS server name/],
  ])('%j with --as %s', async (extra, tool, message) => {
    const run = await cli(['send', '--host', 'localhost', '--from', 'a@b.test', '--to', 'c@d.test', ...extra, '--as', tool]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it.each([
    [['verify', 'x@y.test', '--host', 'h', '--as', 'swaks'], /--as goes with probe and send/],
    [['send', '--dump', '--from', 'a@b.test', '--to', 'c@d.test', '--as', 'smtplib'], /does not go with --dump/],
    [['probe', '--host', 'h', '--as', 'sendmail'], /--as must be one of swaks, smtplib/],
  ])('%j is a usage error', async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(message);
  });
});
