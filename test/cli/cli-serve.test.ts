import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exit-codes.js';
import { assertCliBuilt, BIN, cli, ROOT } from '../helpers/cli.js';

/**
 * `smtp-lens serve`: the debugging server of the seeds. Python's smtplib sends to it (STARTTLS trusting the
 * certificate it printed, AUTH with the account it was given, LMTP on a Unix socket); it prints what it received,
 * stores it in a Maildir, and stops cleanly on Ctrl-C (SIGINT) with exit 0.
 */

const SECRET = 'Serve-Secret-4c2a';
let dir: string;
const running: ChildProcess[] = [];

beforeAll(async () => {
  assertCliBuilt();
  dir = await mkdtemp(join(tmpdir(), 'smtp-lens-serve-'));
});
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

interface Served {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  port?: number;
  certFile?: string;
  /** SIGINT, then the exit status. */
  stop(): Promise<number | null>;
}

/** Start `smtp-lens serve …` and wait for its "listening on" line. */
async function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  running.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 10_000;
  // serve prints this line last, once it answers.
  while (!/Ctrl-C stops\n/.test(err)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const port = /listening on \w+:\/\/127\.0\.0\.1:(\d+)/.exec(err)?.[1];
  const certFile = /written to (\S+)/.exec(err)?.[1];
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    ...(port ? { port: Number(port) } : {}),
    ...(certFile ? { certFile } : {}),
    async stop() {
      child.kill('SIGINT');
      return exited;
    },
  };
}

function python(script: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile('python3', ['-c', script], { timeout: 20_000, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, out: stdout + stderr }),
    );
  });
}

const MESSAGE =
  'From: py@example.test\r\nTo: one@example.test\r\nSubject: from smtplib \\u00e9\r\n\r\nline one\r\n.dotted\r\nline three\r\n';

describe('smtp-lens serve', () => {
  it('receives a message Python smtplib sends over STARTTLS with AUTH: prints it, stores it in the Maildir, stops on SIGINT', async () => {
    const maildir = join(dir, 'Maildir');
    const s = await startServe(
      ['--port', '0', '--tls', 'starttls', '--auth-user', 'py-user', '--auth-password-env', 'SERVE_PW', '--maildir', maildir],
      {
        SERVE_PW: SECRET,
      },
    );
    expect(s.port).toBeGreaterThan(0);
    const sent = await python(
      `import os, smtplib, ssl
ctx = ssl.create_default_context(cafile=${JSON.stringify(s.certFile)})
with smtplib.SMTP('127.0.0.1', ${s.port}, local_hostname='py.test') as c:
    c.starttls(context=ctx)
    c.login('py-user', os.environ['PW'])
    c.sendmail('py@example.test', ['one@example.test', 'two@example.test'], ${JSON.stringify(MESSAGE)}.encode())
`,
      { PW: SECRET },
    );
    expect(sent.code, sent.out).toBe(0);
    await waitFor(() => s.stdout().includes('END MESSAGE'));
    const out = s.stdout();
    expect(out).toContain('mail from: <py@example.test>');
    expect(out).toContain('rcpt to: <one@example.test>, <two@example.test>');
    expect(out).toMatch(/received: \S+ \(TLS, authenticated as py-user\)/);
    expect(out).toContain('Subject: from smtplib \\u00e9');
    expect(out).toContain('(body: 3 lines, 31 bytes; --print-body shows it)');
    expect(out).not.toContain('line one');
    expect(s.stderr()).not.toContain(SECRET);

    const stored = await readdir(join(maildir, 'new'));
    expect(stored).toHaveLength(1);
    expect(await readFile(join(maildir, 'new', stored[0]!), 'utf8')).toBe(MESSAGE);
    expect(await readdir(join(maildir, 'tmp'))).toEqual([]);

    expect(await s.stop()).toBe(EXIT.ok);
    expect(s.stderr()).toMatch(/stopped; 1 message received/);
  });

  it('a wrong password is refused (535) and nothing is received', async () => {
    const s = await startServe(['--port', '0', '--auth-user', 'py-user', '--auth-password-env', 'SERVE_PW'], { SERVE_PW: SECRET });
    const sent = await python(`import smtplib
with smtplib.SMTP('127.0.0.1', ${s.port}) as c:
    c.login('py-user', 'wrong')
`);
    expect(sent.code).not.toBe(0);
    expect(sent.out).toMatch(/535/);
    expect(await s.stop()).toBe(EXIT.ok);
    expect(s.stdout()).toBe('');
  });

  it('LMTP on a Unix socket with --print-body: smtplib.LMTP delivers, the body is printed with controls made visible', async () => {
    const socket = join(dir, 'lmtp.sock');
    const s = await startServe(['--socket', socket, '--lmtp', '--print-body']);
    const sent = await python(`import smtplib
c = smtplib.LMTP(${JSON.stringify(socket)})
c.sendmail('a@example.test', ['b@example.test'], b'Subject: lmtp\\r\\n\\r\\nhello\\r\\nbell \\x1b[31m here\\r\\n')
c.quit()
`);
    expect(sent.code, sent.out).toBe(0);
    await waitFor(() => s.stdout().includes('END MESSAGE'));
    expect(s.stdout()).toContain('hello\nbell \\x1b[31m here\n');
    expect(s.stdout()).not.toContain('\x1b');
    expect(await s.stop()).toBe(EXIT.ok);
  });

  it('refuses what it cannot do before listening', async () => {
    for (const [args, message] of [
      [['--lmtp', '--tls', 'starttls'], /--lmtp goes with --tls off/],
      [['--auth-user', 'u'], /--auth-user and --auth-password-env go together/],
      [['--auth-user', 'u', '--auth-password-env', 'NOT_SET_ANYWHERE_42'], /NOT_SET_ANYWHERE_42 is not set/],
      [['--socket', '/tmp/x.sock', '--port', '25'], /either --socket or --host\/--port/],
      [['--tls', 'sometimes'], /--tls must be one of off, starttls, implicit/],
    ] as const) {
      const run = await cli(['serve', ...args]);
      expect(run.code, args.join(' ')).toBe(EXIT.usage);
      expect(run.stderr).toMatch(message);
    }
  });

  it('a port in use is a clear error, not a crash', async () => {
    const first = await startServe(['--port', '0']);
    const run = await cli(['serve', '--port', String(first.port)]);
    expect(run.code).toBe(EXIT.connection);
    expect(run.stderr).toMatch(/could not listen: .*EADDRINUSE/);
    await first.stop();
  });
});

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
