import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../shared/session-record.js';
import { EXIT } from '../../electron/cli/exit-codes.js';
import { assertCliBuilt, cli, type Run } from '../helpers/cli.js';
import { testPki, type TestPki } from '../helpers/certs.js';
import { ipv6LoopbackAvailable, startLibraryServer, type LibraryServer, type LibraryServerOptions } from '../helpers/library-server.js';

/**
 * Black-box tests of the built command line: `node bin/smtp-lens.cjs ...` against real servers on
 * loopback (smtp-server, or a few lines of node:net for faults it cannot produce).
 */

const hasIpv6 = await ipv6LoopbackAvailable();
if (!hasIpv6) console.warn('IPv6 loopback (::1) is not available on this machine: the IPv6 CLI test is skipped');

const USER = 'cli-user@example.test';
// A recognisable secret: it must never show up anywhere the CLI writes.
const CANARY = 'Canary-Pa55w0rd-7f3e9c1d';

let pki: TestPki;
let dir: string;
let caFile: string;
const servers: LibraryServer[] = [];
const rawServers: net.Server[] = [];

beforeAll(async () => {
  assertCliBuilt();
  pki = await testPki();
  dir = await mkdtemp(join(tmpdir(), 'smtp-lens-cli-'));
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, pki.caCert);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(rawServers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

async function server(options: LibraryServerOptions = {}): Promise<LibraryServer> {
  const s = await startLibraryServer(options);
  servers.push(s);
  return s;
}

/** A raw TCP server on loopback whose handler does whatever a test needs. */
async function rawServer(onSocket: (socket: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const s = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  const close = s.close.bind(s);
  s.close = ((cb?: (err?: Error) => void) => {
    for (const socket of sockets) socket.destroy();
    return close(cb);
  }) as typeof s.close;
  rawServers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as net.AddressInfo).port;
}

const target = (s: LibraryServer): string[] => (s.path ? ['--socket', s.path] : ['--host', s.host!, '--port', String(s.port)]);
const json = (run: Run): SessionRecord => JSON.parse(run.stdout) as SessionRecord;

describe('probe', () => {
  it('prints the live transcript (S:/C: lines) and the capability table, and exits 0', async () => {
    const s = await server({ size: 1048576 });
    const run = await cli(['probe', ...target(s), '--ehlo', 'client.example.test']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(EXIT.ok);
    const lines = run.stdout.split('\n');
    expect(lines.some((l) => /^\s*\+\d+\.\d{6}\s+S: 220 library\.test ESMTP/.test(l))).toBe(true);
    expect(lines.some((l) => /\sC: EHLO client\.example\.test$/.test(l))).toBe(true);
    expect(lines.some((l) => /\sS: 250-PIPELINING$/.test(l))).toBe(true);
    expect(lines.some((l) => /\sC: QUIT$/.test(l))).toBe(true);
    expect(lines.some((l) => /\sS: 221 /.test(l))).toBe(true);
    // The capability table: a heading, then one indented row per extension with its parameters.
    const table = lines.indexOf('Capabilities: ');
    expect(table).toBeGreaterThan(0);
    const rows = lines
      .slice(table + 1)
      .filter((l) => l.startsWith('  '))
      .map((l) => l.trim().split(/\s+/));
    expect(rows).toEqual(
      expect.arrayContaining([['PIPELINING'], ['8BITMIME'], ['SMTPUTF8'], ['ENHANCEDSTATUSCODES'], ['SIZE', '1048576']]),
    );
    expect(run.stdout).toMatch(/^Result:\s+OK$/m);
    expect(s.connections).toHaveLength(1);
  });

  it('--json prints the whole session record (STARTTLS with --ca, AUTH with --password-env)', async () => {
    const s = await server({ tls: 'starttls', auth: { user: USER, password: CANARY } });
    const run = await cli(
      [
        'probe',
        ...target(s),
        '--tls',
        'starttls',
        '--ca',
        caFile,
        '--auth',
        'plain',
        '--user',
        USER,
        '--password-env',
        'LENS_SECRET',
        '--json',
      ],
      { LENS_SECRET: CANARY },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(EXIT.ok);
    const record = json(run);
    expect(record).toMatchObject({ version: 1, tool: 'smtp-lens', operation: 'probe' });
    expect(record.target).toMatchObject({ protocol: 'smtp', tls: 'starttls', host: '127.0.0.1', port: s.port });
    expect(record.greeting).toEqual({ code: 220, text: expect.stringMatching(/^library\.test ESMTP/) });
    for (const c of record.capabilities) {
      expect(Object.keys(c).sort()).toEqual(['name', 'params']);
      expect(typeof c.name).toBe('string');
      expect(Array.isArray(c.params)).toBe(true);
    }
    expect(record.capabilities).toContainEqual({ name: 'AUTH', params: ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'] });
    expect(record.tls).toMatchObject({
      protocol: 'TLSv1.3',
      cipher: expect.stringMatching(/^TLS_/),
      authorized: true,
    });
    // Leaf first; with --ca the chain goes on to the test CA.
    expect(record.tls?.peerCertificate[0]).toMatchObject({ fingerprint256: pki.fingerprint256, subject: 'CN=localhost' });
    expect(record.tls?.peerCertificate.at(-1)?.subject).toBe('CN=SMTP Lens Test CA');
    expect(record.tls).not.toHaveProperty('authorizationError');
    expect(record.auth).toMatchObject({ mechanism: 'PLAIN', ok: true, code: 235, enhancedCode: '2.7.0', text: expect.any(String) });
    expect(record.events.length).toBeGreaterThan(5);
    for (const e of record.events) {
      expect(typeof e.t).toBe('number');
      expect(['send', 'recv', 'info', 'error']).toContain(e.dir);
      expect(typeof e.text).toBe('string');
      expect(typeof e.tls).toBe('boolean');
    }
    expect(record.events.some((e) => e.dir === 'send' && e.tls && e.text.startsWith('AUTH PLAIN <redacted'))).toBe(true);
    expect(record.result).toEqual({ ok: true });
  });

  it('--json with --insecure shows why the certificate was not verified', async () => {
    const s = await server({ tls: 'implicit' });
    const run = await cli(['probe', ...target(s), '--tls', 'implicit', '--insecure', '--json']);
    expect(run.code).toBe(EXIT.ok);
    const record = json(run);
    expect(record.tls).toMatchObject({ via: 'implicit', authorized: false, verificationRequired: false });
    expect(record.tls?.authorizationError).toMatch(/^[A-Z_]+$/);
  });

  it('--export x.json writes the record and --export x.txt the timestamped transcript', async () => {
    const s = await server();
    const jsonPath = join(dir, 'probe.json');
    const txtPath = join(dir, 'probe.txt');
    const a = await cli(['probe', ...target(s), '--export', jsonPath, '--quiet']);
    expect(a.code).toBe(EXIT.ok);
    const record = JSON.parse(await readFile(jsonPath, 'utf8')) as SessionRecord;
    expect(record.operation).toBe('probe');
    expect(record.greeting?.code).toBe(220);
    expect(record.result.ok).toBe(true);
    expect(record.events.some((e) => e.dir === 'send' && e.text.startsWith('EHLO '))).toBe(true);

    const b = await cli(['probe', ...target(s), '--export', txtPath, '--quiet']);
    expect(b.code).toBe(EXIT.ok);
    const text = await readFile(txtPath, 'utf8');
    expect(text).toMatch(new RegExp(`^# smtp-lens probe smtp://127\\.0\\.0\\.1:${s.port} \\(tls: off\\)`));
    expect(text).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{6} reply: b'220 library\.test ESMTP.*\\r\\n'$/m);
    expect(text).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{6} send: 'EHLO .*\\r\\n'$/m);
    expect(text).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{6} send: 'QUIT\\r\\n'$/m);
    expect(text.trimEnd().split('\n').at(-1)).toBe('# result: OK');

    const bad = await cli(['probe', ...target(s), '--export', join(dir, 'probe.pdf')]);
    expect(bad.code).toBe(EXIT.usage);
  });
});

describe('exit codes, each from a real server', () => {
  const message = ['--from', 'sender@example.test', '--subject', 'exit codes', '--body', 'hello'];

  it('0: success', async () => {
    const s = await server();
    const run = await cli(['send', ...target(s), ...message, '--to', 'rcpt@example.test', '--quiet']);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/^Result:\s+OK \(delivered\)$/m);
    expect(s.messages).toHaveLength(1);
  });

  it('2: usage errors (unknown option, missing --host, a password on the command line)', async () => {
    const unknown = await cli(['probe', '--host', '127.0.0.1', '--bogus']);
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.stderr).toMatch(/bogus/);
    expect(unknown.stderr).toMatch(/usage: smtp-lens/);

    const noHost = await cli(['probe']);
    expect(noHost.code).toBe(EXIT.usage);
    expect(noHost.stderr).toMatch(/--host or --socket is required/);

    const s = await server({ auth: { user: USER, password: CANARY } });
    const password = await cli(['probe', ...target(s), '--auth', 'plain', '--user', USER, '--password', CANARY]);
    expect(password.code).toBe(EXIT.usage);
    expect(password.stderr).toMatch(/--password-env/);
    expect(password.stdout + password.stderr).not.toContain(CANARY);
    // Refused before connecting.
    expect(s.connections).toHaveLength(0);

    const command = await cli(['frobnicate', '--host', '127.0.0.1']);
    expect(command.code).toBe(EXIT.usage);
  });

  it('3: connection failure', async () => {
    const port = await rawServer(() => {});
    await new Promise<void>((r) => rawServers.pop()!.close(() => r()));
    const run = await cli(['probe', '--host', '127.0.0.1', '--port', String(port)]);
    expect(run.code).toBe(EXIT.connection);
    expect(run.stderr).toMatch(/cannot connect/);
  });

  it('4: STARTTLS required but not offered', async () => {
    const s = await server();
    const run = await cli(['probe', ...target(s), '--tls', 'starttls']);
    expect(run.code).toBe(EXIT.tls);
    expect(run.stderr).toMatch(/STARTTLS/);
  });

  it('4: a self-signed certificate without --ca (STARTTLS and implicit TLS)', async () => {
    const self = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    const credentials = { key: self.private, cert: self.cert };
    const starttls = await server({ tls: 'starttls', credentials });
    const a = await cli(['probe', ...target(starttls), '--tls', 'starttls', '--json']);
    expect(a.code).toBe(EXIT.tls);
    expect(json(a).result.error?.code).toBe('tls-failed');
    expect(json(a).tls?.authorizationError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');

    const implicit = await server({ tls: 'implicit', credentials });
    const b = await cli(['probe', ...target(implicit), '--tls', 'implicit']);
    expect(b.code).toBe(EXIT.tls);
    expect(b.stderr).toMatch(/self-signed/);
  });

  it('5: authentication failure', async () => {
    const s = await server({ auth: { user: USER, password: CANARY } });
    const run = await cli(['probe', ...target(s), '--auth', 'login', '--user', USER, '--password-env', 'LENS_SECRET'], {
      LENS_SECRET: 'not-the-password',
    });
    expect(run.code).toBe(EXIT.auth);
    expect(run.stdout).toMatch(/Auth:\s+LOGIN FAILED: 535/);
  });

  it('6: sender refused', async () => {
    const s = await server({ refuseSenders: ['sender@example.test'] });
    const run = await cli(['send', ...target(s), ...message, '--to', 'rcpt@example.test']);
    expect(run.code).toBe(EXIT.senderRefused);
    expect(s.messages).toHaveLength(0);
  });

  it('7: every recipient refused', async () => {
    const s = await server({ refuseRecipients: ['a@example.test', 'b@example.test'] });
    const run = await cli(['send', ...target(s), ...message, '--to', 'a@example.test', '--to', 'b@example.test']);
    expect(run.code).toBe(EXIT.recipientsRefused);
    expect(s.messages).toHaveLength(0);
  });

  it('8: some recipients refused — the per-recipient grid shows which', async () => {
    const s = await server({ refuseRecipients: { 'nobody@example.test': { code: 550, message: 'no such user here' } } });
    const run = await cli([
      'send',
      ...target(s),
      ...message,
      '--to',
      'alice@example.test',
      '--to',
      'nobody@example.test',
      '--to',
      'carol@example.test',
    ]);
    expect(run.code).toBe(EXIT.someRecipientsRefused);
    const lines = run.stdout.split('\n');
    const grid = lines.slice(lines.indexOf('Recipients:   ') + 1, lines.indexOf('Recipients:   ') + 4);
    expect(grid[0]).toMatch(/^ {2}alice@example\.test {2}delivered {2}rcpt 250 2\.1\.5 Accepted {2}data 250 2\.6\.0 /);
    expect(grid[1]).toMatch(
      /^ {2}nobody@example\.test {2}REFUSED {2}rcpt 550 5\.1\.1 no such user here — permanent failure: bad destination mailbox address$/,
    );
    expect(grid[2]).toMatch(/^ {2}carol@example\.test {2}delivered /);
    expect(run.stdout).toMatch(/^Result:\s+FAILED \[some-recipients-refused\]/m);
    expect(run.stderr).toMatch(/refused: nobody@example\.test/);
    expect(s.messages).toHaveLength(1);
    expect(s.messages[0]!.to).toEqual(['alice@example.test', 'carol@example.test']);

    const record = json(
      await cli(['send', ...target(s), ...message, '--to', 'alice@example.test', '--to', 'nobody@example.test', '--json']),
    );
    expect(record.recipients).toEqual([
      {
        address: 'alice@example.test',
        accepted: true,
        rcpt: { code: 250, enhancedCode: '2.1.5', text: expect.any(String) },
        data: { code: 250, enhancedCode: '2.6.0', text: expect.any(String) },
        delivered: true,
      },
      {
        address: 'nobody@example.test',
        accepted: false,
        rcpt: { code: 550, enhancedCode: '5.1.1', text: expect.stringContaining('no such user here') },
        delivered: false,
        failure: 'permanent',
      },
    ]);
    expect(record.result).toMatchObject({ ok: false, verdict: 'partial', error: { code: 'some-recipients-refused' } });
  });

  it('9: the message refused after DATA', async () => {
    const s = await server({ dataRefusal: { code: 554, message: 'content rejected' } });
    const run = await cli(['send', ...target(s), ...message, '--to', 'rcpt@example.test', '--json']);
    expect(run.code).toBe(EXIT.dataRefused);
    expect(json(run).result.error).toMatchObject({ code: 'data-refused', replyCode: 554, enhancedCode: '5.6.0' });
  });

  it('10: a server that answers with garbage is a protocol error', async () => {
    const port = await rawServer((socket) => socket.write('HELLO I AM NOT AN SMTP SERVER\r\n'));
    const run = await cli(['probe', '--host', '127.0.0.1', '--port', String(port), '--timeout', '5']);
    expect(run.code).toBe(EXIT.protocol);
    expect(run.stdout).toMatch(/FAILED \[protocol-error\]/);
  });

  it('11: a silent server times out (--timeout 0.3)', async () => {
    const port = await rawServer(() => {});
    const started = Date.now();
    const run = await cli(['probe', '--host', '127.0.0.1', '--port', String(port), '--timeout', '0.3']);
    expect(run.code).toBe(EXIT.timeout);
    expect(run.stderr).toMatch(/300ms/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('where to connect', () => {
  it('LMTP over a Unix socket: LHLO, and a recipient refused after DATA exits 8', async () => {
    const s = await server({
      lmtp: true,
      unix: true,
      lmtpFailures: { 'bob@example.test': { code: 452, message: 'mailbox busy' } },
    });
    const run = await cli([
      'send',
      '--socket',
      s.path!,
      '--protocol',
      'lmtp',
      '--from',
      'a@example.test',
      '--to',
      'alice@example.test',
      '--to',
      'bob@example.test',
      '--body',
      'x',
    ]);
    expect(run.code).toBe(EXIT.someRecipientsRefused);
    expect(run.stdout).toMatch(/\sC: LHLO /);
    expect(run.stdout).toMatch(/^ {2}alice@example\.test {2}delivered /m);
    expect(run.stdout).toMatch(
      /^ {2}bob@example\.test {2}TEMPORARY FAILURE {2}rcpt 250 .* {2}data 452 4\.2\.2 mailbox busy — persistent transient failure: mailbox full$/m,
    );
  });

  it('--source-address binds the local end', async () => {
    const s = await server();
    const run = await cli(['probe', ...target(s), '--source-address', '127.0.0.1', '--json']);
    expect(run.code).toBe(EXIT.ok);
    expect(json(run).target.localAddress).toBe('127.0.0.1');
    expect(s.connections[0]?.remotePort).toBe(json(run).target.localPort);
  });

  it.skipIf(!hasIpv6)('IPv6 loopback: --host ::1 (skipped when this machine has no ::1)', async () => {
    const s = await server({ host: '::1' });
    const run = await cli(['probe', '--host', '::1', '--port', String(s.port), '--json']);
    expect(run.code).toBe(EXIT.ok);
    expect(json(run).target).toMatchObject({ host: '::1', remoteAddress: '::1' });
  });
});

describe('verify and raw', () => {
  it('verify: VRFY an address (smtp-server answers 252)', async () => {
    const s = await server();
    const run = await cli(['verify', ...target(s), 'someone@example.test']);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/\sC: VRFY someone@example\.test$/m);
    expect(run.stdout).toMatch(/^Command:\s+VRFY someone@example\.test -> 252 2\.1\.5 /m);
  });

  it('verify with --expn on a server without EXPN exits 13 (command failed)', async () => {
    const s = await server();
    const run = await cli(['verify', ...target(s), '--expn', 'staff']);
    expect(run.code).toBe(EXIT.commandFailed);
    expect(run.stdout).toMatch(/^Command:\s+EXPN staff -> 500 /m);
  });

  it('raw --command NOOP --command "HELP" prints each reply', async () => {
    const s = await server();
    const run = await cli(['raw', ...target(s), '--command', 'NOOP', '--command', 'HELP']);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/\sC: NOOP$/m);
    expect(run.stdout).toMatch(/\sS: 250 2\.0\.0 OK$/m);
    expect(run.stdout).toMatch(/\sC: HELP$/m);
    expect(run.stdout).toMatch(/\sS: 214 2\.0\.0 See https:\/\/tools\.ietf\.org\/html\/rfc5321 for details$/m);
    expect(run.stdout).toMatch(/^Command:\s+NOOP -> 250 2\.0\.0 OK$/m);
    expect(run.stdout).toMatch(/^Command:\s+HELP -> 214 /m);
  });
});

describe('secrets', () => {
  /** Every form in which the canary could leak: as is, and base64 of it and of the SASL messages carrying it. */
  const leaks = (secret: string): string[] => [
    secret,
    Buffer.from(secret).toString('base64'),
    Buffer.from(`\0${USER}\0${secret}`).toString('base64'),
    Buffer.from(`user=${USER}\x01auth=Bearer ${secret}\x01\x01`).toString('base64'),
    // base64 of the secret at each alignment inside a longer message
    Buffer.from(`x${secret}`).toString('base64').slice(4, -4),
    Buffer.from(`xx${secret}`).toString('base64').slice(4, -4),
  ];

  const cases: { name: string; mechanism: string; via: 'env' | 'file'; right: boolean }[] = [
    { name: 'PLAIN via --password-env', mechanism: 'plain', via: 'env', right: true },
    { name: 'LOGIN via --password-file', mechanism: 'login', via: 'file', right: true },
    { name: 'CRAM-MD5 via --password-file', mechanism: 'cram-md5', via: 'file', right: true },
    { name: 'XOAUTH2 via --password-env', mechanism: 'xoauth2', via: 'env', right: true },
    { name: 'PLAIN with the wrong password via --password-env', mechanism: 'plain', via: 'env', right: false },
  ];

  for (const c of cases) {
    it(`${c.name}: works, and the secret is in neither stdout, stderr, the .json nor the .txt export`, async () => {
      const s = await server({ auth: { user: USER, password: CANARY } });
      const secret = c.right ? CANARY : `${CANARY}-wrong`;
      const secretFile = join(dir, `secret-${c.mechanism}.txt`);
      await writeFile(secretFile, secret + '\n');
      const source = c.via === 'env' ? ['--password-env', 'LENS_SECRET'] : ['--password-file', secretFile];
      const env = c.via === 'env' ? { LENS_SECRET: secret } : {};
      const base = [...target(s), '--auth', c.mechanism, '--user', USER, ...source];
      const jsonPath = join(dir, `auth-${c.mechanism}-${c.right}.json`);
      const txtPath = join(dir, `auth-${c.mechanism}-${c.right}.txt`);

      const human = await cli(['probe', ...base, '--export', txtPath], env);
      const machine = await cli(
        ['send', ...base, '--from', 'a@example.test', '--to', 'b@example.test', '--body', 'x', '--json', '--export', jsonPath],
        env,
      );
      const expected = c.right ? EXIT.ok : EXIT.auth;
      expect(human.code, human.stderr).toBe(expected);
      expect(machine.code, machine.stderr).toBe(expected);
      expect(json(machine).auth).toMatchObject({ mechanism: c.mechanism.toUpperCase(), ok: c.right });
      if (c.right) expect(s.messages).toHaveLength(1);
      if (c.right) expect(s.messages[0]!.user).toBe(USER);

      const outputs = {
        'probe stdout': human.stdout,
        'probe stderr': human.stderr,
        'send stdout': machine.stdout,
        'send stderr': machine.stderr,
        '.json export': await readFile(jsonPath, 'utf8'),
        '.txt export': await readFile(txtPath, 'utf8'),
      };
      expect(outputs['.txt export']).toContain('<redacted');
      for (const [where, text] of Object.entries(outputs)) {
        for (const leak of leaks(secret)) {
          expect(text.includes(leak), `${where} contains ${JSON.stringify(leak)}`).toBe(false);
        }
      }
    });
  }
});

describe('CR/LF injection', () => {
  it('CR/LF in --ehlo exits 2 and the server receives nothing of it', async () => {
    const s = await server();
    const run = await cli(['probe', ...target(s), '--ehlo', 'client.example.test\r\nMAIL FROM:<injected@evil.test>']);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stdout + run.stderr).toMatch(/CR, LF or NUL/);
    expect(s.connections).toHaveLength(0);
    expect(s.received.toString('latin1')).not.toMatch(/injected|evil|MAIL FROM/i);
    expect(s.messages).toHaveLength(0);
  });

  it('CR/LF in --to exits 2 and the server receives nothing of it', async () => {
    const s = await server();
    const run = await cli([
      'send',
      ...target(s),
      '--from',
      'a@example.test',
      '--to',
      'b@example.test\r\nRCPT TO:<injected@evil.test>',
      '--body',
      'x',
    ]);
    expect(run.code).toBe(EXIT.usage);
    // Refused while composing, before connecting.
    expect(s.connections).toHaveLength(0);
    const received = s.received.toString('latin1');
    expect(received).not.toMatch(/injected|evil/i);
    expect(received).not.toMatch(/MAIL FROM|RCPT TO|DATA/);
    expect(s.messages).toHaveLength(0);

    const lf = await cli(['send', ...target(s), '--from', 'a@example.test', '--to', 'b@example.test\nDATA', '--body', 'x']);
    expect(lf.code).toBe(EXIT.usage);
    expect(s.received.toString('latin1')).not.toMatch(/MAIL FROM|RCPT TO|DATA/);
    expect(s.messages).toHaveLength(0);
  });
});

describe('send --dump (a dry run)', () => {
  it('prints the envelope and the exact message, CRLF line ends and all, and connects to nothing', async () => {
    const s = await server();
    const run = await cli([
      'send',
      ...target(s),
      '--dump',
      '--from',
      'Ann <ann@example.test>',
      '--to',
      'bob@example.test',
      '--bcc',
      'hidden@example.test',
      '--subject',
      'Dry run',
      '--body',
      'line one\n.line two',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(EXIT.ok);
    const [head, ...rest] = run.stdout.split('\nMAIL FROM:');
    expect(head).toMatch(/^# smtp-lens send --dump: nothing was sent; the envelope, then the message \(\d+ bytes\)$/);
    const body = 'MAIL FROM:' + rest.join('\nMAIL FROM:');
    expect(body.split('\n').slice(0, 4)).toEqual([
      'MAIL FROM:<ann@example.test>',
      'RCPT TO:<bob@example.test>',
      'RCPT TO:<hidden@example.test>',
      '',
    ]);
    const message = body.split('\n').slice(4).join('\n');
    expect(message).toMatch(/^From: Ann <ann@example\.test>\r\n/);
    expect(message).toContain('Subject: Dry run\r\n');
    expect(message).toMatch(/\r\nMessage-ID: <[^>]+@example\.test>\r\n/);
    // Bcc is in the envelope, never in the headers; the body is not dot-stuffed (that happens on the wire).
    expect(message).not.toMatch(/^Bcc:/im);
    expect(message).toMatch(/\r\n\r\nline one\r\n\.line two/);
    expect(Number(/\((\d+) bytes\)/.exec(head!)![1])).toBe(Buffer.byteLength(message));
    expect(s.connections).toHaveLength(0);
  });

  it('needs no server, and --json gives the envelope, size, Message-ID and message', async () => {
    const run = await cli(['send', '--dump', '--json', '--from', 'a@example.test', '--to', 'b@example.test', '--body', 'hi']);
    expect(run.code).toBe(EXIT.ok);
    const dump = JSON.parse(run.stdout) as { envelope: { from: string; to: string[] }; size: number; messageId: string; message: string };
    expect(dump.envelope).toEqual({ from: 'a@example.test', to: ['b@example.test'] });
    expect(dump.size).toBe(Buffer.byteLength(dump.message));
    expect(dump.message).toContain(`Message-ID: ${dump.messageId}\r\n`);
  });

  it('refuses what send would refuse (CR/LF in a recipient) and prints no message', async () => {
    const run = await cli(['send', '--dump', '--from', 'a@example.test', '--to', 'b@example.test\r\nRCPT TO:<x@evil.test>', '--body', 'x']);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/to\[0\] contains a control character/);
  });

  it('goes with send only', async () => {
    const run = await cli(['probe', '--dump', '--host', '127.0.0.1']);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/--dump goes with send/);
  });
});
