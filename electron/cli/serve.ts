import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ReceivedMessage, TestServerListener } from '../../shared/ipc/contract.js';
import { inertText } from '../../shared/inert-text.js';
import { TestServer, type Account, type ListenerSpec } from '../app/services/test-server.js';
import { isLoopback } from '../smtp/transport/loopback.js';
import { oneOf } from './arg-values.js';
import { parseResolverAddress, Resolver } from '../dns/resolver.js';
import { senderAuthentication } from '../dns/sender-auth.js';
import { formatSenderAuthentication } from '../../shared/sender-auth.js';
import { EXIT } from './exit-codes.js';
import { UsageError } from './usage-error.js';

/**
 * `smtp-lens serve`: the built-in test server from the command line, one listener where the user says, printing
 * each message it receives as PyMOTW's `smtpd.DebuggingServer` does (envelope, headers, a summary of the body, or
 * the body with --print-body), optionally storing each in a Maildir. Ctrl-C stops it cleanly.
 */

export interface ServeOptions {
  spec: ListenerSpec;
  account: Account | null;
  maildir?: string;
  printBody: boolean;
  /** Evaluate SPF, DKIM, DMARC and ARC of each message with this resolver ("system": the system's first). */
  authenticate?: string;
}

const SERVE_OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  socket: { type: 'string' },
  lmtp: { type: 'boolean' },
  tls: { type: 'string' },
  'auth-user': { type: 'string' },
  'auth-password-env': { type: 'string' },
  maildir: { type: 'string' },
  'print-body': { type: 'boolean' },
  authenticate: { type: 'boolean' },
  resolver: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const DEFAULT_SERVE_PORT = 2525;

/** Parse `serve`'s own options (argv without "serve"). */
export function parseServe(argv: string[], env: NodeJS.ProcessEnv): ServeOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: SERVE_OPTIONS, allowPositionals: false, strict: true }));
  } catch (error) {
    throw new UsageError(`serve: ${(error as Error).message}`);
  }
  if (values.help) return 'help';
  const tls = oneOf(values.tls, ['off', 'starttls', 'implicit'] as const, 'tls') ?? 'off';
  if (values.socket && (values.host || values.port)) throw new UsageError('serve: give either --socket or --host/--port, not both');
  if (values.lmtp && tls !== 'off') throw new UsageError('serve: --lmtp goes with --tls off (an LMTP listener has no TLS here)');
  let port = DEFAULT_SERVE_PORT;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`serve: --port must be 0-65535 (got "${values.port}")`);
  }
  const kind: TestServerListener['kind'] = values.lmtp
    ? 'lmtp'
    : tls === 'starttls'
      ? 'starttls'
      : tls === 'implicit'
        ? 'implicit'
        : 'plain';
  const spec: ListenerSpec = values.socket ? { kind, socketPath: values.socket } : { kind, host: values.host ?? '127.0.0.1', port };
  let account: Account | null = null;
  if (values['auth-user'] !== undefined || values['auth-password-env'] !== undefined) {
    if (!values['auth-user'] || !values['auth-password-env'])
      throw new UsageError('serve: --auth-user and --auth-password-env go together');
    if (values.lmtp) throw new UsageError('serve: an LMTP listener offers no AUTH');
    const password = env[values['auth-password-env']];
    if (password === undefined || password === '') {
      throw new UsageError(`serve: --auth-password-env: the environment variable ${values['auth-password-env']} is not set`);
    }
    account = { user: values['auth-user'], password };
  }
  if (values.resolver !== undefined && !values.authenticate) throw new UsageError('serve: --resolver goes with --authenticate');
  if (values.resolver !== undefined) {
    try {
      parseResolverAddress(values.resolver);
    } catch (error) {
      throw new UsageError(`serve: --resolver: ${(error as Error).message}`);
    }
  }
  return {
    spec,
    account,
    printBody: values['print-body'] ?? false,
    ...(values.maildir !== undefined ? { maildir: values.maildir } : {}),
    ...(values.authenticate ? { authenticate: values.resolver ?? 'system' } : {}),
  };
}

/** Store one message in a Maildir (tmp/ then new/, as the format asks, so a reader never sees half a message). */
async function toMaildir(dir: string, whole: Buffer): Promise<string> {
  const name = `${Date.now()}.${randomUUID()}.${os.hostname().replace(/[/:]/g, '_')}`;
  const tmp = path.join(dir, 'tmp', name);
  await writeFile(tmp, whole, { mode: 0o600 });
  const final = path.join(dir, 'new', name);
  await rename(tmp, final);
  return final;
}

/** The header block (unfolded lines kept as they are) and the body of a message. */
function split(whole: Buffer): { headers: string[]; body: Buffer } {
  const text = whole.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  if (end < 0) return { headers: text.split(/\r?\n/).filter(Boolean), body: Buffer.alloc(0) };
  const gap = /\r?\n\r?\n/.exec(text.slice(end))![0].length;
  return { headers: text.slice(0, end).split(/\r?\n/), body: whole.subarray(Buffer.byteLength(text.slice(0, end + gap), 'latin1')) };
}

/** One received message as DebuggingServer prints it: envelope, headers, then the body or how big it is. */
export function formatReceived(
  message: ReceivedMessage,
  whole: Buffer,
  printBody: boolean,
  stored?: string,
  authentication?: string[],
): string {
  const { headers, body } = split(whole);
  const lines = [
    '---------- MESSAGE FOLLOWS ----------',
    `received: ${message.receivedAt} (${message.secure ? 'TLS' : 'plaintext'}${message.user !== undefined ? `, authenticated as ${inertText(message.user)}` : ''})`,
    `mail from: <${inertText(message.envelopeFrom)}>`,
    `rcpt to: ${message.envelopeTo.map((t) => `<${inertText(t)}>`).join(', ')}`,
    `size: ${message.size.toLocaleString('en-US')} bytes${stored ? `; stored as ${stored}` : ''}`,
    '',
    // Headers as UTF-8 where they are, every control character made visible: a client cannot drive this terminal.
    ...headers.map((h) => inertText(Buffer.from(h, 'latin1').toString('utf8'))),
    '',
  ];
  if (printBody) {
    const text = body.toString('utf8').replace(/\r\n/g, '\n');
    lines.push(
      ...text
        .replace(/\n$/, '')
        .split('\n')
        .map((l) => inertText(l)),
    );
  } else {
    const count =
      body.length === 0
        ? 0
        : body
            .toString('latin1')
            .replace(/\r?\n$/, '')
            .split(/\r?\n/).length;
    lines.push(`(body: ${count.toLocaleString('en-US')} lines, ${body.length.toLocaleString('en-US')} bytes; --print-body shows it)`);
  }
  if (authentication) lines.push('', ...authentication);
  lines.push('------------ END MESSAGE ------------', '');
  return lines.join('\n');
}

const describe = (l: TestServerListener): string =>
  l.socketPath !== undefined
    ? `${l.protocol} on ${l.socketPath}`
    : `${l.protocol}://${l.host?.includes(':') ? `[${l.host}]` : l.host}:${l.port} (tls: ${l.tls})`;

/** Run until SIGINT or SIGTERM (or `signal`); resolves to the exit status. */
export async function serve(
  options: ServeOptions,
  io: { stdout: { write: (t: string) => void }; stderr: { write: (t: string) => void } },
  signal?: AbortSignal,
): Promise<number> {
  const maildir = options.maildir;
  if (maildir !== undefined) {
    try {
      for (const sub of ['tmp', 'new', 'cur']) await mkdir(path.join(maildir, sub), { recursive: true, mode: 0o700 });
    } catch (error) {
      io.stderr.write(`smtp-lens serve: cannot make the Maildir ${maildir}: ${(error as Error).message}\n`);
      return EXIT.usage;
    }
  }
  let received = 0;
  const pending = new Set<Promise<unknown>>();
  let resolver: Resolver | undefined;
  if (options.authenticate !== undefined) {
    try {
      resolver = new Resolver(options.authenticate === 'system' ? {} : { address: parseResolverAddress(options.authenticate) });
    } catch (error) {
      io.stderr.write(`smtp-lens serve: --authenticate: ${inertText((error as Error).message)}\n`);
      return EXIT.usage;
    }
  }
  const authenticationOf = async (message: ReceivedMessage, whole: Buffer): Promise<string[] | undefined> => {
    if (!resolver) return undefined;
    try {
      return formatSenderAuthentication(await senderAuthentication(message, whole, resolver));
    } catch (error) {
      // The verdicts are unknown, not "none": say why.
      return [`sender authentication: unknown (${inertText((error as Error).message)})`];
    }
  };
  const server = new TestServer({
    listeners: [options.spec],
    account: options.account,
    log: (message) => io.stderr.write(`smtp-lens serve: ${message}\n`),
    deliver: async (message, whole) => {
      const stored = maildir !== undefined ? await toMaildir(maildir, whole) : undefined;
      received++;
      // Answered first, judged after: SPF can take many DNS round trips, and the client is not kept waiting for them.
      const printed = authenticationOf(message, whole).then((lines) =>
        io.stdout.write(formatReceived(message, whole, options.printBody, stored, lines)),
      );
      pending.add(printed);
      void printed.finally(() => pending.delete(printed));
    },
  });
  let status;
  try {
    status = await server.start();
  } catch (error) {
    io.stderr.write(`smtp-lens serve: ${inertText((error as Error).message)}\n`);
    return EXIT.connection;
  }
  const listener = status.listeners[0]!;
  let certFile: string | undefined;
  if (status.certificatePem && status.fingerprint256) {
    certFile = path.join(os.tmpdir(), `smtp-lens-serve-${process.pid}.pem`);
    await writeFile(certFile, status.certificatePem, { mode: 0o644 });
    io.stderr.write(`smtp-lens serve: certificate SHA-256 ${status.fingerprint256}, written to ${certFile} (trust it with --ca)\n`);
  }
  if (options.account) io.stderr.write(`smtp-lens serve: AUTH PLAIN LOGIN CRAM-MD5 for ${inertText(options.account.user)}\n`);
  if (listener.host !== undefined && !isLoopback(listener.host)) {
    io.stderr.write('smtp-lens serve: warning: this address is reachable from other machines\n');
  }
  // Last, so that a script can wait for this line: from here on, the server answers.
  io.stderr.write(`smtp-lens serve: listening on ${describe(listener)}; Ctrl-C stops\n`);

  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
  await server.stop();
  await Promise.all(pending);
  if (certFile) await rm(certFile, { force: true });
  io.stderr.write(`smtp-lens serve: stopped; ${received} message${received === 1 ? '' : 's'} received\n`);
  return EXIT.ok;
}
