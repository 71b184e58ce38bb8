/**
 * Shared plumbing for the interoperability tests: the servers' addresses (from the global setup),
 * connection options, the engine and the CLI driven the same way, swaks, and Maildir read-back.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import type { Capability, SessionRecord } from '../../shared/session-record.js';
import { LiveSession, prepareMessage, type AuthRequest, type MessageRequest } from '../../electron/smtp/live-session.js';
import { LineEndingNormaliser } from '../../electron/smtp/protocol/data-encoder.js';
import type { SessionOptions } from '../../electron/smtp/session.js';
import type { SendOptions } from '../../electron/smtp/transaction.js';
import type { InteropEnv } from './servers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(ROOT, 'bin/smtp-lens.cjs');

const context = inject('interop');

/** The running servers, or undefined when the run was told to skip (SMTP_LENS_INTEROP_SKIP=1). */
export const interop: InteropEnv | undefined = context.available ? context.env : undefined;

/** describe() that is skipped, saying why, when the servers are not there. */
export function describeInterop(name: string, body: (env: InteropEnv) => void): void {
  if (interop) {
    const env = interop;
    describe(name, () => body(env));
  } else {
    const reason = context.available ? '' : context.reason;
    describe(name, () => {
      it.skip(`skipped (SMTP_LENS_INTEROP_SKIP=1): ${reason}`, () => undefined);
    });
  }
}

export const EHLO_NAME = 'client.example.net';
const STAGE_MS = 30_000;

export type Endpoint =
  | 'postfix-smtp'
  | 'postfix-submission'
  | 'postfix-smtps'
  | 'postfix-plain-auth'
  | 'postfix-front-end'
  | 'postfix-bare-newline-forbidden'
  | 'dovecot-lmtp-tcp'
  | 'dovecot-lmtp-unix'
  | 'exim-smtp'
  | 'exim-smtps';

/** Where an endpoint is and the TLS mode it is meant to be used with. */
export function endpoint(
  env: InteropEnv,
  which: Endpoint,
): { host?: string; port?: number; socketPath?: string; protocol: 'smtp' | 'lmtp'; tls: SessionOptions['tls'] } {
  const local = (port: number, tls: SessionOptions['tls']) => ({ host: '127.0.0.1', port, protocol: 'smtp' as const, tls });
  switch (which) {
    case 'postfix-smtp':
      return local(env.postfix.smtp, 'starttls');
    case 'postfix-submission':
      return local(env.postfix.submission, 'starttls');
    case 'postfix-smtps':
      return local(env.postfix.smtps, 'implicit');
    case 'postfix-plain-auth':
      return local(env.postfix.plainAuth, 'off');
    case 'postfix-front-end':
      return local(env.postfix.frontEnd, 'off');
    case 'postfix-bare-newline-forbidden':
      return local(env.postfix.bareNewlineForbidden, 'off');
    case 'dovecot-lmtp-tcp':
      return { host: '127.0.0.1', port: env.dovecot.lmtpPort, protocol: 'lmtp', tls: 'off' };
    case 'dovecot-lmtp-unix':
      return { socketPath: env.dovecot.lmtpSocket, protocol: 'lmtp', tls: 'off' };
    case 'exim-smtp':
      return local(env.exim.smtp, 'starttls');
    case 'exim-smtps':
      return local(env.exim.smtps, 'implicit');
  }
}

/** Engine connection options for an endpoint; the CA is trusted unless `ca: false`. */
export function connection(env: InteropEnv, which: Endpoint, extra: Partial<SessionOptions> & { ca?: boolean } = {}): SessionOptions {
  const { ca = true, ...rest } = extra;
  const where = endpoint(env, which);
  return {
    ...where,
    ehloName: EHLO_NAME,
    timeouts: STAGE_MS,
    tlsOptions: ca ? { ca: env.caPem } : {},
    ...rest,
  };
}

/** The same endpoint as smtp-lens options. */
export function cliConnection(env: InteropEnv, which: Endpoint, extra: { ca?: boolean; tls?: string } = {}): string[] {
  const where = endpoint(env, which);
  const args = where.socketPath ? ['--socket', where.socketPath] : ['--host', where.host!, '--port', String(where.port)];
  args.push(
    '--protocol',
    where.protocol,
    '--tls',
    extra.tls ?? where.tls ?? 'off',
    '--ehlo',
    EHLO_NAME,
    '--timeout',
    String(STAGE_MS / 1000),
  );
  if (extra.ca !== false) args.push('--ca', env.caFile);
  return args;
}

// ---------------------------------------------------------------------------------------------
// The engine

export interface Sent {
  record: SessionRecord;
  /** The message bytes as the engine put them on the wire (CRLF line ends, before dot-stuffing or BDAT framing). */
  bytes: Buffer;
}

/** Bytes of a message source, line ends normalised as the engine sends them. */
async function wireBytes(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const normaliser = new LineEndingNormaliser();
  const parts: Buffer[] = [];
  for await (const chunk of source) parts.push(normaliser.encode(chunk));
  parts.push(normaliser.end());
  return Buffer.concat(parts);
}

/**
 * Send through the engine (LiveSession: what operations.send does, step by step) and keep the exact
 * bytes of the message that was sent, to compare with what the server stored.
 */
export async function engineSend(
  conn: SessionOptions,
  message: MessageRequest,
  options: SendOptions = {},
  auth?: AuthRequest,
): Promise<Sent> {
  const prepared = await prepareMessage(message);
  const bytes = await wireBytes(prepared.source.open());
  const live = new LiveSession(conn, 'send');
  let record = await live.open();
  if (record.result.ok && auth) record = await live.authenticate(auth);
  if (record.result.ok) await live.send(prepared, options);
  record = await live.close();
  return { record, bytes };
}

// ---------------------------------------------------------------------------------------------
// The CLI

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The session record (--json). */
  record: SessionRecord;
}

/** Run `node bin/smtp-lens.cjs ... --json`; in the test host's namespace when `netns` names it. */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}, netns?: string): Promise<CliRun> {
  const [command, argv] = netns
    ? ['ip', ['netns', 'exec', netns, process.execPath, BIN, ...args, '--json']]
    : [process.execPath, [BIN, ...args, '--json']];
  return new Promise((done, fail) => {
    execFile(
      command,
      argv,
      { cwd: ROOT, timeout: 120_000, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          fail(new Error(`smtp-lens did not finish (${error.signal ?? error.message}): ${stderr}`));
          return;
        }
        let record: SessionRecord;
        try {
          record = JSON.parse(stdout) as SessionRecord;
        } catch {
          fail(new Error(`smtp-lens did not print a JSON record (exit ${error?.code ?? 0}): ${stdout}\n${stderr}`));
          return;
        }
        done({ code: error ? (error.code as number) : 0, stdout, stderr, record });
      },
    );
  });
}

/** What a session came to, for comparing the engine API with the CLI. */
export function outcome(record: SessionRecord): Record<string, unknown> {
  return {
    ok: record.result.ok,
    verdict: record.result.verdict,
    error: record.result.error?.code,
    replyCode: record.result.error?.replyCode,
    tlsAuthorized: record.tls?.authorized,
    tlsError: record.tls?.authorizationError,
    auth: record.auth ? { mechanism: record.auth.mechanism, ok: record.auth.ok, code: record.auth.code } : undefined,
    method: record.message?.method,
    recipients: record.recipients?.map((r) => ({
      address: r.address,
      accepted: r.accepted,
      rcpt: r.rcpt.code,
      data: r.data?.code,
      delivered: r.delivered,
      failure: r.failure,
    })),
    commands: record.commands?.map((c) => c.reply.code),
  };
}

// ---------------------------------------------------------------------------------------------
// swaks

/** Run swaks and return its transcript (it exits non-zero on some refusals: the transcript still counts). */
export function swaks(args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    execFile('swaks', args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') fail(new Error(`swaks did not finish: ${error.message}\n${stderr}`));
      else done(stdout + stderr);
    });
  });
}

/**
 * The extension lists of every EHLO/LHLO reply in a swaks transcript, in order (the first line of each
 * reply, the server's name, is not an extension). Received lines are "<-  " in plaintext, "<~  " in TLS.
 */
export function swaksEhloReplies(transcript: string): Capability[][] {
  const lines = transcript.split(/\r?\n/);
  const replies: Capability[][] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^ [-~]> (EHLO|LHLO) /.test(lines[i]!)) continue;
    const reply: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const m = /^<[-~] {2}(\d{3})([- ])(.*)$/.exec(lines[j]!);
      if (!m) break;
      reply.push(m[3]!);
      if (m[2] === ' ') break;
    }
    replies.push(
      reply.slice(1).map((text) => {
        const [name, ...params] = text.split(' ').filter((w) => w !== '');
        return { name: name!.toUpperCase(), params };
      }),
    );
  }
  return replies;
}

// ---------------------------------------------------------------------------------------------
// Maildir read-back

/** A Message-ID unique to this run and test. */
export function uniqueId(label: string): string {
  return `<${label}.${Date.now()}.${randomBytes(6).toString('hex')}@smtp-lens.test>`;
}

/** Wait until a message with this Message-ID is in the Maildir (new/ or cur/), and return its bytes. */
export async function waitForDelivery(maildir: string, messageId: string, ms = 30_000): Promise<Buffer> {
  const deadline = Date.now() + ms;
  const needle = Buffer.from(messageId);
  for (;;) {
    for (const sub of ['new', 'cur']) {
      let names: string[] = [];
      try {
        names = await readdir(join(maildir, sub));
      } catch {
        // Not made yet.
      }
      for (const name of names) {
        const bytes = await readFile(join(maildir, sub, name)).catch(() => undefined);
        if (bytes?.includes(needle)) return bytes;
      }
    }
    if (Date.now() > deadline) throw new Error(`no message ${messageId} arrived in ${maildir} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every message in a Maildir (new/ and cur/) that contains the text. */
export async function findDeliveries(maildir: string, text: string): Promise<Buffer[]> {
  const found: Buffer[] = [];
  for (const sub of ['new', 'cur']) {
    const names = await readdir(join(maildir, sub)).catch(() => [] as string[]);
    for (const name of names) {
      const bytes = await readFile(join(maildir, sub, name));
      if (bytes.includes(text)) found.push(bytes);
    }
  }
  return found;
}

/** Header fields an MTA or delivery agent may add above a message, and nothing else. */
export const TRACE_FIELDS = ['received', 'return-path', 'delivered-to'];

/**
 * The stored file must be the sent bytes, byte for byte, below header fields the servers added at the
 * top — and those may only be trace fields (Received, Return-Path, Delivered-To). Returns the added names.
 */
export function expectStoredAsSent(stored: Buffer, sent: Buffer, allowed: string[] = TRACE_FIELDS): string[] {
  expect(stored.length, 'the stored message is shorter than the one sent').toBeGreaterThanOrEqual(sent.length);
  const at = stored.length - sent.length;
  const tail = stored.subarray(at);
  if (!tail.equals(sent)) {
    // Name the first differing byte, which a plain equality failure would not.
    let i = 0;
    while (i < sent.length && tail[i] === sent[i]) i++;
    const show = (b: Buffer): string => JSON.stringify(b.subarray(Math.max(0, i - 40), i + 40).toString('latin1'));
    throw new Error(`stored message differs from the one sent at byte ${i} of ${sent.length}: sent ${show(sent)}, stored ${show(tail)}`);
  }
  const prefix = stored.subarray(0, at).toString('latin1');
  expect(prefix.endsWith('\r\n') || prefix === '', 'the added header block must end in CRLF').toBe(true);
  const names: string[] = [];
  for (const line of prefix.split('\r\n').slice(0, -1)) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      expect(names.length, `a continuation line before any field: ${line}`).toBeGreaterThan(0);
      continue;
    }
    const colon = line.indexOf(':');
    expect(colon, `not a header field: ${line}`).toBeGreaterThan(0);
    names.push(line.slice(0, colon));
  }
  for (const name of names) expect(allowed, `the server added ${name}, which is not a trace field`).toContain(name.toLowerCase());
  return names;
}
