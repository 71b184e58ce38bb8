import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../shared/session-record.js';
import { EXIT } from '../../electron/cli/exit-codes.js';
import { assertCliBuilt, BIN, cli, ROOT, type Run } from '../helpers/cli.js';
import { greetAndEhlo, startFakeServer, type FakeConnection, type FakeServer } from '../helpers/fake-server.js';

/**
 * The built command line against servers that misbehave in one exact way each: the exit status tells the truth,
 * hostile server text reaches no output raw, a closed stdout ends the run quietly, a killed run leaves its transcript,
 * and a reply flood does not make the process grow.
 */

let dir: string;
const servers: FakeServer[] = [];

beforeAll(async () => {
  assertCliBuilt();
  dir = await mkdtemp(join(tmpdir(), 'smtp-lens-cli-verdicts-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(script: (conn: FakeConnection) => Promise<void>): Promise<string[]> {
  const s = await startFakeServer(async (conn) => {
    try {
      await script(conn);
    } catch {
      // The client may hang up at any point of a misbehaving script: that is what is tested.
    }
  });
  servers.push(s);
  return ['--host', '127.0.0.1', '--port', String(s.port), '--ehlo', 'client.test', '--timeout', '5'];
}

const MESSAGE = ['--from', 'a@example.org', '--to', 'b@example.org', '--subject', 't', '--body', 'hello'];

/** Read MAIL, the RCPTs and DATA sent as one pipelined group. */
async function readGroup(conn: FakeConnection, lines: number): Promise<void> {
  for (let i = 0; i < lines; i++) await conn.readLine();
}

describe('exit statuses that tell the truth', () => {
  it('a 250 with the 354 before the body → exit 10, never "delivered"', async () => {
    const at = await server(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await readGroup(conn, 3);
      conn.reply('250 ok', '250 ok', '354 go', '250 early');
      await conn.waitClosed();
    });
    const run = await cli(['send', ...at, ...MESSAGE]);
    expect(run.code).toBe(EXIT.protocol);
    expect(run.stdout).not.toMatch(/\bdelivered\b/);
    expect(run.stdout).toMatch(/^Result:\s+FAILED \[protocol-error\]/m);
    expect(run.stdout).toMatch(/ERROR\s+unsolicited-reply: Reply sent out of turn/);
  });

  it('the link dropped after the final dot → exit 15, outcome unknown', async () => {
    const at = await server(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await readGroup(conn, 3);
      conn.reply('250 ok', '250 ok', '354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.destroy();
    });
    const run = await cli(['send', ...at, ...MESSAGE]);
    expect(run.code).toBe(EXIT.deliveryUnknown);
    expect(run.code).toBe(15);
    expect(run.stdout).toMatch(/b@example\.org {2}UNKNOWN \(may have been delivered\)/);
    expect(run.stdout).toMatch(/FAILED \[delivery-unknown\].*may have accepted the message/);
  });

  it('PRDR with one recipient refused after the dot → exit 8, verdict partial', async () => {
    const at = await server(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING', 'PRDR']);
      await readGroup(conn, 4);
      conn.reply('250 ok', '250 ok', '250 ok', '354 go');
      await conn.readUntil('\r\n.\r\n');
      conn.reply('353 PRDR content analysis beginning', '250 ok', '550 5.7.1 refused for c', '250 OK');
      await conn.readLine();
      conn.reply('221 bye');
      await conn.waitClosed();
    });
    const run = await cli([
      'send',
      ...at,
      '--from',
      'a@example.org',
      '--to',
      'b@example.org',
      '--to',
      'c@example.org',
      '--body',
      'x',
      '--prdr',
      '--json',
    ]);
    expect(run.code).toBe(EXIT.someRecipientsRefused);
    const record = JSON.parse(run.stdout) as SessionRecord;
    expect(record.result.verdict).toBe('partial');
    expect(record.recipients?.map((r) => [r.address, r.delivered])).toEqual([
      ['b@example.org', true],
      ['c@example.org', false],
    ]);
  });

  it('a 154 greeting and a 354 to EHLO → exit 10 (protocol errors), not 12', async () => {
    const greeting = await server(async (conn) => {
      conn.reply('154 not a greeting');
      await conn.waitClosed();
    });
    expect((await cli(['probe', ...greeting])).code).toBe(EXIT.protocol);
    const ehlo = await server(async (conn) => {
      conn.reply('220 ok');
      await conn.readLine();
      conn.reply('354 what');
      await conn.waitClosed();
    });
    const run = await cli(['probe', ...ehlo]);
    expect(run.code).toBe(EXIT.protocol);
    expect(run.stdout).toMatch(/raw: 354 what\\r\\n/);
  });

  it('SIZE 100 and a bigger message → exit 9 and no MAIL sent', async () => {
    let sawMail = false;
    const at = await server(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING', 'SIZE 100']);
      const line = await conn.readLine();
      sawMail = line.startsWith('MAIL');
      conn.reply('221 bye');
      await conn.waitClosed();
    });
    const run = await cli(['send', ...at, ...MESSAGE, '--body', 'x'.repeat(300)]);
    expect(run.code).toBe(EXIT.dataRefused);
    expect(run.stderr).toMatch(/larger than the 100 bytes the server advertises/);
    expect(sawMail).toBe(false);
  });

  it('AUTH inside a transaction, as raw commands → exit 2, AUTH never sent', async () => {
    let wire = '';
    const at = await server(async (conn) => {
      await greetAndEhlo(conn, ['AUTH PLAIN']);
      await conn.readLine();
      conn.reply('250 ok');
      await conn.readLine();
      conn.reply('221 bye');
      await conn.waitClosed();
      wire = conn.received.toString();
    });
    const run = await cli(['raw', ...at, '--command', 'MAIL FROM:<a@example.org>', '--command', 'AUTH PLAIN AGEAYg==']);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/not allowed during a mail transaction/);
    await new Promise((r) => setTimeout(r, 50));
    expect(wire).not.toContain('AUTH');
  });

  it('a URL with a password as --host → exit 2, and the password is printed nowhere', async () => {
    const run = await cli(['probe', '--host', 'smtp://alice:Secr3t-Canary@mail.example.org']);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stdout + run.stderr).not.toContain('Secr3t-Canary');
    expect(run.stderr).toMatch(/not a URL/);
  });
});

describe('server text is inert in every output', () => {
  // ESC colour, an OSC that sets the terminal title, NUL, a C1 control (NEL) and a right-to-left override.
  const HOSTILE = '\x1b[31mRED\x1b[0m \x1b]0;pwned\x07 nul\x00 nel\u0085 bidi\u202Eevil';
  const RAW = [/\x1b/, /\x07/, /\x00/, /\u0085/, /\u202e/];

  async function hostileServer(): Promise<string[]> {
    return server(async (conn) => {
      conn.write(`220 ${HOSTILE}\r\n`);
      await conn.readLine();
      conn.write(`250-fake.test ${HOSTILE}\r\n250-X-${HOSTILE}\r\n250 PIPELINING\r\n`);
      await conn.readLine();
      conn.write('221 bye\r\n');
      await conn.waitClosed();
    });
  }

  it('the live transcript, the summary, stderr, and the text and HTML exports show escapes; the JSON keeps it exact', async () => {
    const txt = join(dir, 'hostile.txt');
    const html = join(dir, 'hostile.html');
    const live = await cli(['probe', ...(await hostileServer()), '--export', txt]);
    expect(live.code).toBe(EXIT.ok);
    const report = await cli(['probe', ...(await hostileServer()), '--export', html, '--quiet']);
    expect(report.code).toBe(EXIT.ok);
    const outputs: Record<string, string> = {
      stdout: live.stdout,
      stderr: live.stderr + report.stderr,
      text: await readFile(txt, 'utf8'),
      html: await readFile(html, 'utf8'),
    };
    for (const [name, text] of Object.entries(outputs)) {
      for (const raw of RAW) expect(raw.test(text), `${name} holds ${raw}`).toBe(false);
    }
    for (const name of ['stdout', 'text', 'html'] as const) {
      // In HTML the escape itself is HTML-escaped.
      const visible = (text: string): string => (name === 'html' ? text.replace(/</g, '&lt;').replace(/>/g, '&gt;') : text);
      expect(outputs[name], name).toContain('\\x1b[31mRED');
      expect(outputs[name], name).toContain(visible('<U+202E>'));
      expect(outputs[name], name).toContain(visible('<U+0085>'));
    }
    const json = await cli(['probe', ...(await hostileServer()), '--json']);
    const record = JSON.parse(json.stdout) as SessionRecord;
    expect(record.greeting?.text).toBe(HOSTILE);
  });
});

describe('the run and its outputs when things go away', () => {
  it('`| head -1` ends the run quietly with its own status, no stack trace', async () => {
    const at = await server(async (conn) => {
      await new Promise((r) => setTimeout(r, 100));
      await greetAndEhlo(conn, ['PIPELINING', 'SIZE 1000', '8BITMIME']);
      await conn.readLine();
      conn.reply('221 bye');
      await conn.waitClosed();
    });
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} probe ${at.map((a) => JSON.stringify(a)).join(' ')} | head -1; echo "status=\${PIPESTATUS[0]}"`;
    const run = await new Promise<Run>((done) =>
      execFile('bash', ['-c', command], { cwd: ROOT, timeout: 20_000 }, (error, stdout, stderr) =>
        done({ code: error ? Number(error.code) : 0, stdout, stderr }),
      ),
    );
    expect(run.stdout.split('\n')[0]).toMatch(/connected to 127\.0\.0\.1/);
    expect(run.stdout).toMatch(/^status=0$/m);
    expect(run.stderr).toBe('');
  });

  it('a run killed with SIGKILL during DATA leaves FILE.partial with its transcript so far', async () => {
    let dotSeen: () => void = () => {};
    const dot = new Promise<void>((r) => (dotSeen = r));
    const at = await server(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await readGroup(conn, 3);
      conn.reply('250 ok', '250 ok', '354 go');
      await conn.readUntil('\r\n.\r\n');
      dotSeen();
      await conn.waitClosed(20_000);
    });
    const out = join(dir, 'killed.json');
    const child = spawn(process.execPath, [BIN, 'send', ...at, ...MESSAGE, '--export', out, '--timeout', '30'], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
    await dot;
    // Past the 100 ms flush of the partial file.
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(existsSync(out)).toBe(false);
    const partial = readFileSync(`${out}.partial`, 'utf8');
    expect(partial).toMatch(/^# smtp-lens send smtp:\/\/127\.0\.0\.1:\d+/);
    expect(partial).toContain("reply: b'354 go\\r\\n'");
    expect(partial).toContain("send: '.\\r\\n'");
    expect(partial).not.toMatch(/^# result:/m);
  });

  it('a finished run replaces FILE.partial with FILE', async () => {
    const at = await server(async (conn) => {
      await greetAndEhlo(conn, []);
      await conn.readLine();
      conn.reply('221 bye');
      await conn.waitClosed();
    });
    const out = join(dir, 'done.html');
    await writeFile(`${out}.partial`, 'stale');
    const run = await cli(['probe', ...at, '--export', out, '--quiet']);
    expect(run.code).toBe(EXIT.ok);
    expect(existsSync(`${out}.partial`)).toBe(false);
    expect(readFileSync(out, 'utf8')).toMatch(/^<!DOCTYPE html>/);
  });
});

describe('bounded resources', () => {
  /** Run the CLI and follow its peak resident memory (VmHWM) until it exits. */
  async function peakRss(args: string[]): Promise<{ code: number | null; peakMb: number; ms: number }> {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'ignore'] });
    let peakKb = 0;
    const read = (): void => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
        if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
      } catch {
        // Gone.
      }
    };
    const timer = setInterval(read, 10);
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    clearInterval(timer);
    return { code, peakMb: peakKb / 1024, ms: performance.now() - started };
  }

  /** A server that answers DATA, then floods `unit` until the client hangs up (or 600 MB went out). */
  async function floodServer(unit: string): Promise<string[]> {
    return server(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await readGroup(conn, 3);
      conn.reply('250 ok', '250 ok', '354 go');
      const block = unit.repeat(Math.ceil(65536 / unit.length));
      let sent = 0;
      while (!conn.closed && sent < 600 * 1024 * 1024) {
        conn.write(block);
        sent += block.length;
        await new Promise((r) => setImmediate(r));
      }
    });
  }

  const floods: [string, string][] = [
    ['complete replies', '250 ok\r\n'],
    ['an endless multi-line reply', '250-flood flood flood flood flood\r\n'],
    ['one endless line', 'x'],
  ];
  for (const [name, unit] of floods) {
    it(`a flood of ${name} during DATA: protocol error at once, peak RSS under 200 MB`, async () => {
      const at = await floodServer(unit === 'x' ? '250 ' + 'x'.repeat(65532) : unit);
      const { code, peakMb, ms } = await peakRss(['send', ...at, ...MESSAGE, '--quiet']);
      expect(code).toBe(EXIT.protocol);
      expect(peakMb).toBeGreaterThan(10);
      expect(peakMb).toBeLessThan(200);
      expect(ms).toBeLessThan(10_000);
    }, 30_000);
  }
});
