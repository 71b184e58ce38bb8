import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../shared/session-record.js';
import { EXIT } from '../../electron/cli/exit-codes.js';
import { testPki, type TestPki } from '../helpers/certs.js';
import { assertCliBuilt, cli, type Run } from '../helpers/cli.js';
import { greetAndEhlo, scriptedServers, type FakeConnection, type ScriptedServer } from '../helpers/fake-server.js';

/**
 * What a front end tells the server, as the server sees it byte for byte: the HAProxy PROXY header (v1 and v2, before
 * anything, even an implicit TLS handshake), postfix XCLIENT (then EHLO again) and XFORWARD (before MAIL).
 */

let pki: TestPki;
let caFile: string;
beforeAll(async () => {
  assertCliBuilt();
  pki = await testPki();
  const dir = await mkdtemp(join(tmpdir(), 'smtp-lens-frontend-'));
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, pki.caCert);
});
afterEach(async () => {
  await scriptedServer.closeAll();
});

const scriptedServer = scriptedServers();
/** A scripted server; the lines each connection sent are kept. */
const scripted = (script: (conn: FakeConnection) => Promise<void>): Promise<ScriptedServer> =>
  scriptedServer.start(script, ['--ehlo', 'client.test']);
const record = (run: Run): SessionRecord => JSON.parse(run.stdout) as SessionRecord;

/** After whatever came first: greet, EHLO, then QUIT. */
async function plainSession(conn: FakeConnection, extensions: string[] = ['PIPELINING']): Promise<void> {
  await greetAndEhlo(conn, extensions);
  if ((await conn.readLine()) === 'QUIT') conn.reply('221 bye');
  conn.end();
}

describe('--proxy-header', () => {
  it('v1 with both ends given: the exact line, before the greeting is even sent', async () => {
    let header = '';
    const { args } = await scripted(async (conn) => {
      header = (await conn.readUntil('\r\n')).toString('latin1');
      await plainSession(conn);
    });
    const run = await cli([
      'probe',
      ...args,
      '--proxy-header',
      'v1',
      '--proxy-source',
      '192.0.2.10:40000',
      '--proxy-dest',
      '198.51.100.1:25',
    ]);
    expect(run.code).toBe(EXIT.ok);
    expect(header).toBe('PROXY TCP4 192.0.2.10 198.51.100.1 40000 25\r\n');
    expect(run.stdout).toMatch(/C: PROXY TCP4 192\.0\.2\.10 198\.51\.100\.1 40000 25$/m);
  });

  it("v1 by default names this connection's own ends", async () => {
    let header = '';
    let ends = '';
    const { args } = await scripted(async (conn) => {
      header = (await conn.readUntil('\r\n')).toString('latin1');
      ends = `${conn.socket.remoteAddress} ${conn.socket.localAddress} ${conn.socket.remotePort} ${conn.socket.localPort}`;
      await plainSession(conn);
    });
    const run = await cli(['probe', ...args, '--proxy-header', 'v1']);
    expect(run.code).toBe(EXIT.ok);
    expect(header).toBe(`PROXY TCP4 ${ends.replace(/::ffff:/g, '')}\r\n`);
  });

  it('v2 over IPv4: signature, PROXY command, TCP4, length 12, the addresses and ports', async () => {
    let header: Buffer = Buffer.alloc(0);
    const { args } = await scripted(async (conn) => {
      header = await conn.readBytes(28);
      await plainSession(conn);
    });
    const run = await cli([
      'probe',
      ...args,
      '--proxy-header',
      'v2',
      '--proxy-source',
      '192.0.2.10:40000',
      '--proxy-dest',
      '198.51.100.1:25',
    ]);
    expect(run.code).toBe(EXIT.ok);
    const expected = Buffer.concat([
      Buffer.from('0d0a0d0a000d0a515549540a', 'hex'),
      Buffer.from([0x21, 0x11, 0x00, 0x0c]),
      Buffer.from([192, 0, 2, 10, 198, 51, 100, 1]),
      Buffer.from([0x9c, 0x40, 0x00, 0x19]),
    ]);
    expect(header.toString('hex')).toBe(expected.toString('hex'));
  });

  it('v2 over IPv6: TCP6, length 36', async () => {
    let header: Buffer = Buffer.alloc(0);
    const { args } = await scripted(async (conn) => {
      header = await conn.readBytes(52);
      await plainSession(conn);
    });
    const run = await cli([
      'probe',
      ...args,
      '--proxy-header',
      'v2',
      '--proxy-source',
      '[2001:db8::1]:40000',
      '--proxy-dest',
      '[2001:db8:0:0:0:0:0:2]:587',
    ]);
    expect(run.code).toBe(EXIT.ok);
    expect(header.subarray(12, 16).toString('hex')).toBe('21210024');
    expect(header.subarray(16, 32).toString('hex')).toBe('20010db8000000000000000000000001');
    expect(header.subarray(32, 48).toString('hex')).toBe('20010db8000000000000000000000002');
    expect(header.subarray(48).toString('hex')).toBe('9c40024b');
  });

  it('with implicit TLS the header goes first, in plaintext, and the handshake after it', async () => {
    let header: Buffer = Buffer.alloc(0);
    const { args } = await scripted(async (conn) => {
      header = await conn.readBytes(28);
      await conn.startTls({ key: pki.key, cert: pki.cert });
      await plainSession(conn);
    });
    const run = await cli([
      'probe',
      ...args,
      '--tls',
      'implicit',
      '--ca',
      caFile,
      '--servername',
      'localhost',
      '--proxy-header',
      'v2',
      '--proxy-source',
      '192.0.2.10:40000',
      '--proxy-dest',
      '198.51.100.1:465',
      '--json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(EXIT.ok);
    expect(header.subarray(0, 12).toString('hex')).toBe('0d0a0d0a000d0a515549540a');
    const r = record(run);
    expect(r.tls?.via).toBe('implicit');
    expect(r.tls?.authorized).toBe(true);
  });

  it('ends of two address families are refused before anything is written', async () => {
    const { args, server } = await scripted(async (conn) => {
      await conn.waitClosed();
    });
    const run = await cli([
      'probe',
      ...args,
      '--proxy-header',
      'v1',
      '--proxy-source',
      '192.0.2.10:40000',
      '--proxy-dest',
      '[2001:db8::2]:25',
    ]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/one address family/);
    expect(server.connections[0]?.received.length ?? 0).toBe(0);
  });

  it.each([
    [['--proxy-source', '192.0.2.1:1'], /go with --proxy-header/],
    [['--proxy-header', 'v3'], /--proxy-header must be one of v1, v2/],
    [['--proxy-header', 'v1', '--proxy-source', 'example.org:25'], /IP address and port/],
  ])('%j is a usage error', async (extra, message) => {
    const run = await cli(['probe', '--host', '127.0.0.1', ...extra]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(message);
  });
});

describe('--xclient', () => {
  const XCLIENT = 'XCLIENT NAME ADDR PORT PROTO HELO LOGIN DESTADDR DESTPORT';

  it('after EHLO, xtext-encoded; the 220 is a new greeting, so EHLO again; only the new capabilities count', async () => {
    const lines: string[] = [];
    const { args } = await scripted(async (conn) => {
      await greetAndEhlo(conn, [XCLIENT, 'PIPELINING']);
      lines.push(await conn.readLine());
      conn.reply('220 fake.test ESMTP now for 192.0.2.1');
      lines.push(await conn.readLine());
      conn.reply('250-fake.test', '250 8BITMIME');
      lines.push(await conn.readLine());
      conn.reply('221 bye');
      conn.end();
    });
    const run = await cli([
      'probe',
      ...args,
      '--xclient',
      'ADDR=192.0.2.1',
      '--xclient',
      'name=client.example.org',
      '--xclient',
      'HELO=my host+1',
      '--json',
    ]);
    expect(run.code).toBe(EXIT.ok);
    expect(lines).toEqual(['XCLIENT ADDR=192.0.2.1 NAME=client.example.org HELO=my+20host+2B1', 'EHLO client.test', 'QUIT']);
    const r = record(run);
    expect(r.xclient).toMatchObject({ command: 'XCLIENT ADDR=192.0.2.1 NAME=client.example.org HELO=my+20host+2B1', reply: { code: 220 } });
    expect(r.capabilities.map((c) => c.name)).toEqual(['8BITMIME']);
  });

  it('[UNAVAILABLE] goes as it is', async () => {
    let line = '';
    const { args } = await scripted(async (conn) => {
      await greetAndEhlo(conn, [XCLIENT]);
      line = await conn.readLine();
      conn.reply('220 ok');
      await conn.readLine();
      conn.reply('250 fake.test');
      if ((await conn.readLine()) === 'QUIT') conn.reply('221 bye');
      conn.end();
    });
    const run = await cli(['probe', ...args, '--xclient', 'NAME=[UNAVAILABLE]']);
    expect(run.code).toBe(EXIT.ok);
    expect(line).toBe('XCLIENT NAME=[UNAVAILABLE]');
  });

  it('not advertised → exit 14 and no XCLIENT on the wire', async () => {
    const { args, server } = await scripted(plainSession);
    const run = await cli(['probe', ...args, '--xclient', 'ADDR=192.0.2.1']);
    expect(run.code).toBe(EXIT.notSupported);
    expect(run.stderr).toMatch(/does not advertise XCLIENT/);
    expect(server.connections[0]!.received.toString()).not.toMatch(/XCLIENT/);
  });

  it('an attribute the server does not list → exit 14', async () => {
    const { args } = await scripted((conn) => plainSession(conn, ['XCLIENT NAME ADDR']));
    const run = await cli(['probe', ...args, '--xclient', 'LOGIN=alice']);
    expect(run.code).toBe(EXIT.notSupported);
    expect(run.stderr).toMatch(/does not take LOGIN/);
  });

  it('refused → exit 13', async () => {
    const { args } = await scripted(async (conn) => {
      await greetAndEhlo(conn, [XCLIENT]);
      await conn.readLine();
      conn.reply('550 5.7.0 insufficient authorization');
      if ((await conn.readLine()) === 'QUIT') conn.reply('221 bye');
      conn.end();
    });
    const run = await cli(['probe', ...args, '--xclient', 'ADDR=192.0.2.1']);
    expect(run.code).toBe(EXIT.commandFailed);
    expect(run.stderr).toMatch(/refused XCLIENT: 550/);
  });
});

describe('--xforward', () => {
  it('right before MAIL, answered 250; the record keeps the exchange', async () => {
    const lines: string[] = [];
    const { args } = await scripted(async (conn) => {
      await greetAndEhlo(conn, ['XFORWARD NAME ADDR PROTO HELO SOURCE']);
      for (;;) {
        const line = await conn.readLine();
        lines.push(line);
        if (line.startsWith('XFORWARD') || line.startsWith('MAIL') || line.startsWith('RCPT')) conn.reply('250 ok');
        else if (line === 'DATA') conn.reply('354 go');
        else if (line === 'QUIT') {
          conn.reply('221 bye');
          conn.end();
          return;
        } else if (line === '.') conn.reply('250 queued');
      }
    });
    const run = await cli([
      'send',
      ...args,
      '--from',
      'a@example.org',
      '--to',
      'b@example.org',
      '--body',
      'x',
      '--xforward',
      'NAME=spike.porcupine.org',
      '--xforward',
      'ADDR=168.100.189.2',
      '--json',
    ]);
    expect(run.code).toBe(EXIT.ok);
    const at = lines.findIndex((l) => l.startsWith('XFORWARD'));
    expect(lines[at]).toBe('XFORWARD NAME=spike.porcupine.org ADDR=168.100.189.2');
    expect(lines[at + 1]).toMatch(/^MAIL FROM:<a@example\.org>/);
    expect(record(run).commands?.[0]).toMatchObject({
      command: 'XFORWARD NAME=spike.porcupine.org ADDR=168.100.189.2',
      reply: { code: 250 },
    });
  });

  it.each([
    [['probe', '--xforward', 'ADDR=1.2.3.4'], /--xforward goes with send/],
    [['send', '--from', 'a@b.example', '--to', 'c@d.example', '--count', '2', '--xforward', 'ADDR=1.2.3.4'], /does not go with --count/],
    [['probe', '--xclient', 'nonsense'], /NAME=VALUE/],
  ])('%j is a usage error', async (extra, message) => {
    const run = await cli([...extra, '--host', '127.0.0.1']);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(message);
  });
});
