import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { probe, send } from '../../electron/smtp/operations.js';
import { SmtpSession } from '../../electron/smtp/session.js';
import {
  expectLine,
  fakeServer,
  greetAndEhlo,
  rejection,
  scriptsOk,
  sleep,
  tcp,
  until,
  useFakeServers,
  wire,
  type FakeConnection,
} from '../helpers/support.js';

useFakeServers();

const message = { raw: Buffer.from('From: a@example.org\r\nTo: b@example.org\r\n\r\nhello\r\n') };
const LONG = 10_000;

/** Send one byte at a time, forever, until the client hangs up; returns how many went out. */
async function trickle(conn: FakeConnection, text: string, everyMs = 50): Promise<number> {
  let sent = 0;
  while (!conn.closed) {
    conn.write(text[sent % text.length]!);
    sent++;
    await sleep(everyMs);
  }
  return sent;
}

describe('timeouts', () => {
  it('a server that never greets → timeout at the greeting stage', async () => {
    const server = await fakeServer(async (conn) => {
      await conn.waitClosed();
    });
    const started = performance.now();
    const record = await probe({ connection: tcp(server, { timeouts: { greeting: 250 } }) });
    const elapsed = performance.now() - started;
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'timeout', stage: 'greeting' });
    expect(record.result.error?.message).toMatch(/250ms \(greeting\)/);
    expect(elapsed).toBeGreaterThanOrEqual(240);
    expect(elapsed).toBeLessThan(1500);
    // A peer that never spoke gets no commands, and no QUIT on a link declared dead.
    expect(wire(server.connections[0])).toBe('');
  });

  it('a greeting trickled one byte per 50 ms is not saved by each byte: timeout at the greeting stage', async () => {
    let bytes = 0;
    const server = await fakeServer(async (conn) => {
      bytes = await trickle(conn, '220 fake.test this greeting never ends ');
    });
    const started = performance.now();
    const record = await probe({ connection: tcp(server, { timeouts: { greeting: 400 } }) });
    const elapsed = performance.now() - started;
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'timeout', stage: 'greeting' });
    expect(record.result.error?.message).toMatch(/bytes of an unfinished reply arrived/);
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(1500);
    expect(bytes).toBeGreaterThanOrEqual(5);
  });

  it('an EHLO reply trickled line by line (each line complete, the reply never) → timeout naming EHLO', async () => {
    const server = await fakeServer(async (conn) => {
      conn.reply('220 fake.test');
      await expectLine(conn, 'EHLO client.test');
      while (!conn.closed) {
        conn.write('250-X-SLOW\r\n');
        await sleep(40);
      }
    });
    const started = performance.now();
    const record = await probe({ connection: tcp(server, { timeouts: { ehlo: 350 } }) });
    const elapsed = performance.now() - started;
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'timeout', stage: 'EHLO' });
    expect(elapsed).toBeGreaterThanOrEqual(340);
    expect(elapsed).toBeLessThan(1500);
    expect(wire(server.connections[0])).toBe('EHLO client.test\r\n');
  });

  it('silence after the final dot → the final-dot wait times out, and delivery is unknown (not refused)', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await conn.readUntil('DATA\r\n');
      conn.reply('250 ok', '250 ok', '354 go');
      await conn.readUntil('\r\n.\r\n');
      await conn.waitClosed();
    });
    const started = performance.now();
    const record = await send({ connection: tcp(server, { timeouts: { dataEnd: 300 } }), message });
    const elapsed = performance.now() - started;
    await scriptsOk(server);
    // The timeout names the final-dot wait; the outcome is unknown, as the server may have taken the message.
    expect(record.result.error).toMatchObject({ code: 'delivery-unknown', stage: 'final dot' });
    expect(record.result.error?.message).toMatch(/no complete reply within 300ms \(final dot\)/);
    expect(record.result.verdict).toBe('unknown');
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
    expect(record.recipients?.[0]).toMatchObject({ accepted: true, delivered: false, failure: 'unknown' });
    // Nothing after the body: the link is declared dead, no QUIT.
    expect(wire(server.connections[0]).endsWith('\r\n.\r\n')).toBe(true);
  });

  it('a server that stops reading mid-DATA → timeout naming the data block stage', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await conn.readUntil('DATA\r\n');
      conn.reply('250 ok', '250 ok', '354 go');
      // Stop reading: the client's writes back up until the socket buffers are full.
      conn.socket.pause();
      await until(() => finished, 5000, 'the client to give up');
      conn.socket.resume();
      await conn.waitClosed();
    });
    let finished = false;
    const body = Buffer.alloc(32 * 1024 * 1024, 'all work and no play\r\n');
    const raw = Buffer.concat([Buffer.from('From: a@example.org\r\nTo: b@example.org\r\n\r\n'), body]);
    const started = performance.now();
    const record = await send({ connection: tcp(server, { timeouts: { dataBlock: 300 } }), message: { raw } });
    finished = true;
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'timeout', stage: 'data block' });
    expect(record.result.error?.message).toMatch(/stopped reading/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('silence after MAIL (not pipelined) → timeout naming MAIL FROM:', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, []);
      await expectLine(conn, 'MAIL FROM:<a@example.org>');
      await conn.waitClosed();
    });
    const record = await send({ connection: tcp(server, { timeouts: { mail: 250 } }), message });
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'timeout', stage: 'MAIL FROM:' });
  });

  it('the overall deadline fires although every stage has time left', async () => {
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, []);
      await expectLine(conn, 'MAIL FROM:<a@example.org>');
      await conn.waitClosed();
    });
    const started = performance.now();
    const record = await send({
      connection: tcp(server, { deadlineMs: 400, timeouts: { greeting: LONG, ehlo: LONG, mail: LONG, quit: LONG } }),
      message,
    });
    const elapsed = performance.now() - started;
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'timeout', stage: 'overall deadline', command: 'MAIL FROM:' });
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(2000);
  });

  it('an overall deadline shorter than a silent greeting names the deadline, not the greeting', async () => {
    const server = await fakeServer(async (conn) => {
      await conn.waitClosed();
    });
    const record = await probe({ connection: tcp(server, { deadlineMs: 300, timeouts: { greeting: LONG } }) });
    expect(record.result.error).toMatchObject({ code: 'timeout', stage: 'overall deadline' });
  });

  it('an AbortSignal fired mid-session → cancelled, promptly', async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await conn.readUntil('DATA\r\n');
      // Everything is sent and the client waits for replies: cancel now.
      abortedAt = performance.now();
      controller.abort();
      await conn.waitClosed();
    });
    const record = await send({ connection: tcp(server, { signal: controller.signal, timeouts: { mail: LONG } }), message });
    const finished = performance.now();
    await scriptsOk(server);
    expect(record.result.error?.code).toBe('cancelled');
    expect(finished - abortedAt).toBeLessThan(500);
    // No QUIT after a cancellation: the link is dropped.
    expect(wire(server.connections[0])).not.toContain('QUIT');
  });

  it('an AbortSignal already fired → cancelled before connecting', async () => {
    const server = await fakeServer(async (conn) => {
      await conn.waitClosed();
    });
    const controller = new AbortController();
    controller.abort();
    const record = await probe({ connection: tcp(server, { signal: controller.signal }) });
    expect(record.result.error?.code).toBe('cancelled');
    await sleep(30);
    expect(server.connections).toHaveLength(0);
  });

  it('an AbortSignal fired while waiting for the greeting (session API) → cancelled', async () => {
    const server = await fakeServer(async (conn) => {
      await conn.waitClosed();
    });
    const controller = new AbortController();
    const session = new SmtpSession(tcp(server, { signal: controller.signal, timeouts: { greeting: LONG } }));
    setTimeout(() => controller.abort(), 50);
    const error = await rejection(session.connect());
    expect(error.code).toBe('cancelled');
    expect(session.isConnected).toBe(false);
  });

  it('a connect to a closed port → connect-failed', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const record = await probe({ connection: { host: '127.0.0.1', port, ehloName: 'client.test', timeouts: 1000 } });
    expect(record.result.error?.code).toBe('connect-failed');
    expect(record.result.error?.message).toMatch(/ECONNREFUSED/);
    expect(record.greeting).toBeUndefined();
  });

  it('a connect to a Unix socket path that does not exist → connect-failed', async () => {
    const record = await probe({
      connection: { socketPath: '/tmp/smtp-lens-no-such-dir/none.sock', ehloName: 'client.test', timeouts: 1000 },
    });
    expect(record.result.error?.code).toBe('connect-failed');
    expect(record.result.error?.message).toMatch(/ENOENT/);
  });
});

/**
 * A TCP listener on loopback that completes no more handshakes: a child process listens with a backlog
 * of 1 and is stopped (SIGSTOP) so it never accepts; we fill its accept queue with plain connections,
 * after which the kernel drops every further SYN — a connect then hangs as it would to a blackholed
 * address, without sending anything off this machine.
 */
async function unanswerableListener(): Promise<{ port: number; release: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    ['-e', "const s=require('net').createServer();s.listen({port:0,host:'127.0.0.1',backlog:1},()=>console.log(s.address().port))"],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('error', reject);
  });
  child.kill('SIGSTOP');
  const fillers: net.Socket[] = [];
  // Fill the accept queue: connects complete (in the kernel) until it is full, then one never does.
  for (let i = 0; i < 8; i++) {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    fillers.push(socket);
    const connected = await Promise.race([
      new Promise<boolean>((resolve) => socket.once('connect', () => resolve(true))),
      sleep(300).then(() => false),
    ]);
    if (!connected) break;
  }
  return {
    port,
    release: async () => {
      for (const socket of fillers) socket.destroy();
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));
    },
  };
}

describe('connect timeout', () => {
  it('a listener that answers no SYN → timeout at the connect stage, within its budget, nothing sent', async () => {
    const listener = await unanswerableListener();
    try {
      const started = performance.now();
      const record = await probe({
        connection: { host: '127.0.0.1', port: listener.port, ehloName: 'client.test', timeouts: { connect: 400 } },
      });
      const elapsed = performance.now() - started;
      expect(record.result.ok).toBe(false);
      expect(record.result.error).toMatchObject({ code: 'timeout', stage: 'connect' });
      expect(record.result.error?.message).toMatch(/^connecting to 127\.0\.0\.1:\d+ timed out after 400ms \(connect\)$/);
      expect(elapsed).toBeGreaterThanOrEqual(390);
      expect(elapsed).toBeLessThan(3000);
      expect(record.greeting).toBeUndefined();
      expect(record.events.some((e) => e.dir === 'send')).toBe(false);
    } finally {
      await listener.release();
    }
  });

  it('the overall deadline bounds a hanging connect too', async () => {
    const listener = await unanswerableListener();
    try {
      const record = await probe({
        connection: { host: '127.0.0.1', port: listener.port, ehloName: 'client.test', timeouts: { connect: 10_000 }, deadlineMs: 300 },
      });
      expect(record.result.error).toMatchObject({ code: 'timeout', stage: 'overall deadline' });
      expect(record.result.error?.message).toMatch(/^connecting to 127\.0\.0\.1:\d+ timed out after (29\d|300)ms \(overall deadline\)$/);
    } finally {
      await listener.release();
    }
  });
});

describe('implicit TLS handshake timeout', () => {
  it('a server that accepts but never answers the ClientHello → timeout at the tls-handshake stage', async () => {
    const server = await fakeServer(async (conn) => {
      await conn.waitClosed();
    });
    const started = performance.now();
    const record = await probe({
      connection: tcp(server, { tls: 'implicit', tlsOptions: { verify: false }, timeouts: { tlsHandshake: 300 } }),
    });
    const elapsed = performance.now() - started;
    await scriptsOk(server);
    expect(record.result.error).toMatchObject({ code: 'timeout', stage: 'tls-handshake' });
    expect(record.result.error?.message).toMatch(/^TLS handshake with 127\.0\.0\.1:\d+ timed out after 300ms \(tls-handshake\)$/);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2000);
    expect(record.greeting).toBeUndefined();
  });
});
