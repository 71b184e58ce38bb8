import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_COMMAND_NAMES } from '../../electron/cli/command-names.js';
import { PROBE_COMMANDS } from '../../electron/cli/probe-commands.js';
import { assertCliBuilt, BIN, ROOT } from '../helpers/cli.js';

/**
 * Start-up loads what a command needs and nothing else (issue: speed of a fresh process). Asserted by what is loaded,
 * never by time: `--help` loads none of the engine, a plaintext probe loads no TLS, no MIME composer, no schema
 * library and no DNS or mail-authentication package; a STARTTLS probe does load node:tls.
 */

const PRELOAD = join(ROOT, 'test/fixtures/record-loads.mjs');
let server: net.Server;
let port: number;

beforeAll(async () => {
  assertCliBuilt();
  server = net.createServer((socket) => {
    socket.write('220 startup.test ESMTP\r\n');
    socket.on('data', (data) => {
      const text = data.toString();
      if (/^EHLO/im.test(text)) socket.write('250-startup.test\r\n250 STARTTLS\r\n');
      // Says yes, then speaks no TLS: the client has loaded node:tls by the time its handshake fails.
      if (/^STARTTLS/im.test(text)) socket.end('220 go ahead\r\n');
      if (/^QUIT/im.test(text)) socket.end('221 bye\r\n');
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** The modules a CLI run loaded: file URLs relative to the repository, and builtin:NAME. */
function loads(args: string[]): Promise<{ code: number | null; loaded: string[] }> {
  const file = join(mkdtempSync(join(tmpdir(), 'smtp-lens-loads-')), 'loads.txt');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', PRELOAD, BIN, ...args],
      { env: { ...process.env, SMTP_LENS_LOADS: file, NODE_DISABLE_COMPILE_CACHE: '1' }, timeout: 20_000 },
      (error) => {
        const loaded = readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((u) => u.replace(`file://${ROOT}/`, ''));
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, loaded });
      },
    );
  });
}

const ours = (loaded: string[]) => loaded.filter((u) => u.startsWith('out/'));
const packages = (loaded: string[]) => [
  ...new Set(loaded.filter((u) => u.includes('node_modules/')).map((u) => u.split('node_modules/')[1]!.split('/')[0])),
];

describe('what a fresh run loads', () => {
  it('--help: the entry and the usage text only', async () => {
    const run = await loads(['--help']);
    expect(run.code).toBe(0);
    expect(ours(run.loaded).length).toBeLessThanOrEqual(3);
    expect(packages(run.loaded)).toEqual([]);
  });

  it('a plaintext probe: no node:tls, and no package at all (no MIME composer, schema library, DNS or DKIM)', async () => {
    const run = await loads(['probe', '--host', '127.0.0.1', '--port', String(port), '--quiet']);
    expect(run.code).toBe(0);
    expect(run.loaded).toContain('builtin:net');
    expect(run.loaded).not.toContain('builtin:tls');
    expect(packages(run.loaded)).toEqual([]);
  });

  it('a STARTTLS probe loads node:tls when it needs it', async () => {
    const run = await loads(['probe', '--host', '127.0.0.1', '--port', String(port), '--tls', 'starttls', '--quiet']);
    expect(run.code).not.toBe(0); // the handshake fails: the server only said it would

    expect(run.loaded).toContain('builtin:tls');
  });

  it('the list run.ts uses to load the probing subcommands names exactly those there are', () => {
    expect([...PROBE_COMMAND_NAMES].sort()).toEqual([...PROBE_COMMANDS.keys()].sort());
  });
});
