import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { testPki } from './certs.js';

/**
 * A real SMTP/LMTP server (the smtp-server library) on loopback or a Unix socket, for end-to-end
 * tests of the engine and the CLI. Every accepted message is kept with its envelope and exact bytes.
 */

export type LibraryTlsMode = 'none' | 'starttls' | 'implicit';

/** A reply to give instead of accepting: code and text (smtp-server puts the enhanced code in front itself). */
export interface Refusal {
  code: number;
  message: string;
}

export interface LibraryServerOptions {
  /** 'none' (STARTTLS disabled), 'starttls' (test PKI, advertised) or 'implicit' (TLS from the first byte). */
  tls?: LibraryTlsMode;
  /** Key and certificate to serve instead of the test PKI's leaf (a self-signed one, say). */
  credentials?: { key: string; cert: string };
  /** Speak LMTP (LHLO, one reply per recipient after DATA). */
  lmtp?: boolean;
  /** Listen on a Unix socket in a fresh temp folder instead of TCP. */
  unix?: boolean;
  /** TCP address to listen on (default 127.0.0.1); '::1' for IPv6 loopback. */
  host?: string;
  /** Offer AUTH and accept this account; `token` is the XOAUTH2 access token (default: the password). */
  auth?: { user: string; password: string; token?: string; methods?: string[]; required?: boolean };
  /** MAIL FROM addresses to refuse (550 unless given). */
  refuseSenders?: Record<string, Refusal> | string[];
  /** RCPT TO addresses to refuse (550 unless given). */
  refuseRecipients?: Record<string, Refusal> | string[];
  /** LMTP: recipients whose delivery fails after DATA (the others get 250). */
  lmtpFailures?: Record<string, Refusal>;
  /** Refuse every message after DATA with this reply. */
  dataRefusal?: Refusal;
  size?: number;
  banner?: string;
  /** Commands to disable beyond those the options imply. */
  disabledCommands?: string[];
  hideSTARTTLS?: boolean;
  hidePIPELINING?: boolean;
  /** Advertise ENHANCEDSTATUSCODES and put RFC 3463 codes in replies (default true; smtp-server's own default is off). */
  enhancedStatusCodes?: boolean;
}

/** One message the server accepted (or refused after reading it), exactly as it arrived. */
export interface ReceivedMessage {
  from: string;
  to: string[];
  /** The message bytes after un-stuffing, up to and including the CRLF before the final dot. */
  raw: Buffer;
  /** Whether it arrived over TLS. */
  secure: boolean;
  /** The authenticated user, if any. */
  user?: string;
  /** The smtp-server session id: messages sent over one connection share it. */
  sessionId: string;
  /** The n-th transaction of its connection (1-based). */
  transaction: number;
  /** When its data ended (performance.now() of the test process). */
  receivedAt: number;
}

/** What the server knew about a connection when it was accepted. */
export interface ConnectionInfo {
  id: string;
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
}

export interface LibraryServer {
  /** TCP port (0 for a Unix socket). */
  port: number;
  /** TCP host the server listens on (absent for a Unix socket). */
  host?: string;
  /** Unix socket path. */
  path?: string;
  messages: ReceivedMessage[];
  connections: ConnectionInfo[];
  /** Every plaintext byte clients sent (TLS traffic excluded), in arrival order across connections. */
  readonly received: Buffer;
  close(): Promise<void>;
}

let ipv6: Promise<boolean> | undefined;

/** Whether this machine can listen on ::1 (IPv6 loopback). */
export function ipv6LoopbackAvailable(): Promise<boolean> {
  ipv6 ??= new Promise<boolean>((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(0, '::1', () => probe.close(() => resolve(true)));
  });
  return ipv6;
}

const toRefusals = (value: Record<string, Refusal> | string[] | undefined): Map<string, Refusal> => {
  const map = new Map<string, Refusal>();
  if (Array.isArray(value)) for (const a of value) map.set(a.toLowerCase(), { code: 550, message: `<${a}> refused` });
  else if (value) for (const [a, r] of Object.entries(value)) map.set(a.toLowerCase(), r);
  return map;
};

const replyError = (r: Refusal): Error & { responseCode: number } => Object.assign(new Error(r.message), { responseCode: r.code });

/** Start an smtp-server; resolves once it listens. */
export async function startLibraryServer(options: LibraryServerOptions = {}): Promise<LibraryServer> {
  const mode = options.tls ?? 'none';
  const pki = mode === 'none' ? undefined : (options.credentials ?? (await testPki()));
  const messages: ReceivedMessage[] = [];
  const connections: ConnectionInfo[] = [];
  const chunks: Buffer[] = [];
  const senders = toRefusals(options.refuseSenders);
  const recipients = toRefusals(options.refuseRecipients);
  const lmtpFailures = new Map(Object.entries(options.lmtpFailures ?? {}).map(([a, r]) => [a.toLowerCase(), r]));
  const auth = options.auth;

  const disabled = new Set(options.disabledCommands ?? []);
  if (mode === 'none') disabled.add('STARTTLS');
  if (!auth) disabled.add('AUTH');

  const serverOptions: SMTPServerOptions = {
    lmtp: options.lmtp ?? false,
    secure: mode === 'implicit',
    ...(pki ? { key: pki.key, cert: pki.cert } : {}),
    name: 'library.test',
    ...(options.banner !== undefined ? { banner: options.banner } : {}),
    ...(options.size !== undefined ? { size: options.size } : {}),
    disabledCommands: [...disabled],
    hideSTARTTLS: options.hideSTARTTLS ?? false,
    hidePIPELINING: options.hidePIPELINING ?? false,
    hideENHANCEDSTATUSCODES: options.enhancedStatusCodes === false,
    authMethods: auth?.methods ?? ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'],
    authOptional: !auth?.required,
    // The engine refuses plaintext credentials except on loopback; the server may accept them there.
    allowInsecureAuth: true,
    disableReverseLookup: true,
    logger: false,
    socketTimeout: 30_000,
    closeTimeout: 1_000,
    onConnect(session, callback) {
      connections.push({
        id: session.id,
        remoteAddress: session.remoteAddress,
        remotePort: session.remotePort,
        localAddress: session.localAddress,
      });
      callback();
    },
    onAuth(request, _session, callback) {
      if (!auth || request.username !== auth.user) return callback(null, {});
      let ok: boolean;
      if (request.method === 'XOAUTH2') ok = request.accessToken === (auth.token ?? auth.password);
      else if (request.method === 'CRAM-MD5') ok = request.validatePassword(auth.password);
      else ok = request.password === auth.password;
      if (ok) return callback(null, { user: auth.user });
      if (request.method === 'XOAUTH2') {
        return callback(null, { data: { status: '401', schemes: 'bearer', scope: 'https://mail.example/' } });
      }
      callback(null, {});
    },
    onMailFrom(address, _session, callback) {
      const refusal = senders.get(address.address.toLowerCase());
      callback(refusal ? replyError(refusal) : null);
    },
    onRcptTo(address, _session, callback) {
      const refusal = recipients.get(address.address.toLowerCase());
      callback(refusal ? replyError(refusal) : null);
    },
    onData(stream, session: SMTPServerSession, callback) {
      const parts: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => parts.push(chunk));
      stream.on('end', () => {
        const envelope = session.envelope;
        const to = envelope.rcptTo.map((r) => r.address);
        messages.push({
          from: envelope.mailFrom ? envelope.mailFrom.address : '',
          to,
          raw: Buffer.concat(parts),
          secure: session.secure,
          ...(session.user ? { user: String(session.user) } : {}),
          sessionId: session.id,
          transaction: session.transaction,
          receivedAt: performance.now(),
        });
        if (options.dataRefusal) return callback(replyError(options.dataRefusal));
        if (options.lmtp && lmtpFailures.size > 0) {
          const results = to.map((address) => {
            const failure = lmtpFailures.get(address.toLowerCase());
            return failure ? replyError(failure) : `<${address}> delivered`;
          });
          return callback(null, results);
        }
        callback(null, 'message accepted');
      });
    },
  };

  const server = new SMTPServer(serverOptions);
  server.on('error', () => {
    // A client that drops the connection mid-session is normal in these tests.
  });
  // Tap the listening socket for the plaintext bytes clients send (TLS sockets show ciphertext: skipped).
  const inner = (server as unknown as { server: net.Server }).server;
  inner.on('connection', (socket: net.Socket) => {
    if (mode === 'implicit') return;
    socket.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
  });

  let dir: string | undefined;
  let path: string | undefined;
  const host = options.host ?? '127.0.0.1';
  if (options.unix) {
    dir = mkdtempSync(join(tmpdir(), 'smtp-lens-lib-'));
    path = join(dir, 'server.sock');
  }
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    inner.once('error', onError);
    const done = (): void => {
      inner.off('error', onError);
      resolve();
    };
    if (path) server.listen(path, done);
    else server.listen(0, host, done);
  });
  const address = inner.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    ...(path ? { path } : { host }),
    messages,
    connections,
    get received() {
      return Buffer.concat(chunks);
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
