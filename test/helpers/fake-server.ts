import net from 'node:net';
import tls from 'node:tls';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A scripted raw SMTP peer on loopback or a Unix socket, for byte-level faults the library server
 * cannot produce. The test writes exact bytes and reads exactly what the client sent.
 */
export class FakeConnection {
  // Chunks are kept in lists and joined lazily: a client streaming megabytes must not cost O(n²) copies.
  private receivedChunks: Buffer[] = [];
  private pendingChunks: Buffer[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  constructor(public socket: net.Socket) {
    this.listen(socket);
  }

  /** Every byte the client sent, across TLS upgrades (plaintext view). */
  get received(): Buffer {
    if (this.receivedChunks.length !== 1) this.receivedChunks = [Buffer.concat(this.receivedChunks)];
    return this.receivedChunks[0]!;
  }

  private get buffer(): Buffer {
    if (this.pendingChunks.length !== 1) this.pendingChunks = [Buffer.concat(this.pendingChunks)];
    return this.pendingChunks[0]!;
  }

  private set buffer(value: Buffer) {
    this.pendingChunks = [value];
  }

  private listen(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.receivedChunks.push(chunk);
      this.pendingChunks.push(chunk);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private async waitFor<T>(take: () => T | undefined, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = take();
      if (value !== undefined) return value;
      if (this.closed) throw new Error(`client closed the connection; unread: ${JSON.stringify(this.buffer.toString())}`);
      if (Date.now() > deadline) throw new Error(`fake server timed out waiting; buffer: ${JSON.stringify(this.buffer.toString())}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Send raw bytes (no CRLF added). */
  write(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** Send reply lines, each ended with CRLF. */
  reply(...lines: string[]): void {
    this.write(lines.map((l) => l + '\r\n').join(''));
  }

  /** The next line the client sent, without CRLF. */
  readLine(timeoutMs?: number): Promise<string> {
    return this.waitFor(() => {
      const at = this.buffer.indexOf('\r\n');
      if (at < 0) return undefined;
      const line = this.buffer.subarray(0, at).toString('utf8');
      this.buffer = this.buffer.subarray(at + 2);
      return line;
    }, timeoutMs);
  }

  /** Bytes up to and including `terminator`. */
  readUntil(terminator: string | Buffer, timeoutMs?: number): Promise<Buffer> {
    return this.waitFor(() => {
      const at = this.buffer.indexOf(terminator);
      if (at < 0) return undefined;
      const end = at + Buffer.byteLength(terminator);
      const data = this.buffer.subarray(0, end);
      this.buffer = this.buffer.subarray(end);
      return Buffer.from(data);
    }, timeoutMs);
  }

  /** Exactly n bytes. */
  readBytes(n: number, timeoutMs?: number): Promise<Buffer> {
    return this.waitFor(() => {
      if (this.buffer.length < n) return undefined;
      const data = this.buffer.subarray(0, n);
      this.buffer = this.buffer.subarray(n);
      return Buffer.from(data);
    }, timeoutMs);
  }

  /** Resolves when the client has closed its side. */
  waitClosed(timeoutMs = 5000): Promise<true> {
    return this.waitFor(() => (this.closed ? true : undefined), timeoutMs).catch(() => {
      if (this.closed) return true as const;
      throw new Error('client did not close');
    });
  }

  /** Bytes received but not yet read by the script. */
  get unread(): Buffer {
    return this.buffer;
  }

  /** Take over the socket with TLS (server side), after the script sent its 220 to STARTTLS. */
  async startTls(
    options: { key: string; cert: string } & Pick<tls.TlsOptions, 'minVersion' | 'maxVersion' | 'ciphers'>,
  ): Promise<tls.TLSSocket> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    const secure = new tls.TLSSocket(plain, { isServer: true, ...options });
    await new Promise<void>((resolve, reject) => {
      secure.once('secure', resolve);
      secure.once('error', reject);
    });
    this.socket = secure;
    this.listen(secure);
    return secure;
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export interface FakeServer {
  port: number;
  /** Set when listening on a Unix socket. */
  path?: string;
  /** Each accepted connection, in order. */
  connections: FakeConnection[];
  /** Errors the script threw (a test should assert this stays empty). */
  scriptErrors: Error[];
  /** Resolves when the script for the n-th connection finished. */
  done(index?: number): Promise<void>;
  close(): Promise<void>;
}

export interface FakeServerOptions {
  /** Listen on a Unix socket in a fresh temp folder instead of TCP. */
  unix?: boolean;
  /** Implicit TLS with these credentials (and versions, ciphers). */
  tls?: { key: string; cert: string } & Pick<tls.TlsOptions, 'minVersion' | 'maxVersion' | 'ciphers'>;
  host?: string;
}

/** Start a fake server; `script` runs once per accepted connection. */
export async function startFakeServer(
  script: (conn: FakeConnection, index: number) => Promise<void>,
  options: FakeServerOptions = {},
): Promise<FakeServer> {
  const connections: FakeConnection[] = [];
  const scripts: Promise<void>[] = [];
  const scriptErrors: Error[] = [];
  const onSocket = (socket: net.Socket): void => {
    const conn = new FakeConnection(socket);
    const index = connections.push(conn) - 1;
    scripts[index] = script(conn, index).catch((error: Error) => {
      scriptErrors.push(error);
    });
  };
  const server = options.tls ? tls.createServer({ ...options.tls }, onSocket) : net.createServer(onSocket);
  let dir: string | undefined;
  let path: string | undefined;
  if (options.unix) {
    dir = mkdtempSync(join(tmpdir(), 'smtp-lens-fake-'));
    path = join(dir, 'fake.sock');
  }
  await new Promise<void>((resolve) => {
    if (path) server.listen(path, resolve);
    else server.listen(0, options.host ?? '127.0.0.1', resolve);
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    ...(path ? { path } : {}),
    connections,
    scriptErrors,
    async done(index = 0) {
      const deadline = Date.now() + 5000;
      while (!scripts[index] && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      await scripts[index];
    },
    async close() {
      for (const c of connections) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A typical ESMTP greeting and EHLO exchange; returns the EHLO line the client sent. */
export async function greetAndEhlo(conn: FakeConnection, extensions: string[] = ['PIPELINING', '8BITMIME']): Promise<string> {
  conn.reply('220 fake.test ESMTP ready');
  const ehlo = await conn.readLine();
  const lines = ['fake.test greets you', ...extensions];
  conn.reply(...lines.map((l, i) => `250${i === lines.length - 1 ? ' ' : '-'}${l}`));
  return ehlo;
}

export interface ScriptedServer {
  /** CLI arguments that point at it (host, port, a short timeout, and any given). */
  args: string[];
  server: FakeServer;
  /** Everything the first connection sent, once the client has closed it. */
  seen(): Promise<Buffer>;
}

/**
 * Scripted servers for black-box CLI tests: a script may stop where the client hangs up (that is what most of them
 * test), so its errors are swallowed; `closeAll` in afterEach.
 */
export function scriptedServers(): {
  start(script: (conn: FakeConnection) => Promise<void>, extraArgs?: string[]): Promise<ScriptedServer>;
  closeAll(): Promise<void>;
} {
  const started: FakeServer[] = [];
  return {
    async start(script, extraArgs = []) {
      const server = await startFakeServer(async (conn) => {
        try {
          await script(conn);
        } catch {
          // The client hung up where the test makes it.
        }
      });
      started.push(server);
      return {
        args: ['--host', '127.0.0.1', '--port', String(server.port), '--timeout', '5', ...extraArgs],
        server,
        async seen() {
          await server.done();
          const conn = server.connections[0];
          if (!conn) throw new Error('the client never connected');
          await conn.waitClosed().catch(() => true);
          return conn.received;
        },
      };
    },
    async closeAll() {
      await Promise.all(started.splice(0).map((s) => s.close()));
    },
  };
}
