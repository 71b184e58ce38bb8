import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { SecureVersion } from 'node:tls';
import type { Protocol, TlsMode } from '../../shared/session-record.js';
import type { ComposeInput } from '../smtp/message/compose.js';
import type { AuthRequest, ProbeRequest, RawRequest, SendRequest, SendRequestOptions, VerifyRequest } from '../smtp/operations.js';
import type { SessionOptions } from '../smtp/session.js';
import type { DsnNotify } from '../smtp/transaction.js';
import { defined } from '../../shared/defined.js';
import { parseCodeQuery } from '../../shared/explain/query.js';
import { usesToken } from '../../shared/mechanisms.js';
import { oneOf } from './arg-values.js';
import { attribute, proxyOption, stopStage } from './session-args.js';
import { cliDate, dkimOption, extraHeaders, inlineImage } from './message-args.js';
import { UsageError } from './usage-error.js';
import { COMPOSING_OPTIONS, OPTIONS } from './options.js';
import type { AsOption } from './reproduce.js';

export { UsageError };
export { USAGE } from './usage.js';

export { OPTIONS };

export type Command = 'probe' | 'send' | 'verify' | 'raw';

/** What a profile gives that argv cannot carry (see defaults.ts), and a secret asked for in a terminal. */
export interface ParseExtras {
  caPem?: string;
  clientCertPem?: string;
  secret?: string;
  /** Set when the AUTH user came from a profile: 'profile "Office"'. */
  profileAuth?: string;
}

export interface Output {
  json: boolean;
  /** send --dump: print the envelope and the message instead of sending (connects to nothing). */
  dump?: boolean;
  exportPath?: string;
  quiet: boolean;
  /** --timing: the per-stage latency table after the summary. */
  timing?: boolean;
  /** --hex: a hex dump of every write and read. */
  hex?: boolean;
  /** --save-chain: where to write the peer's certificate chain as PEM. */
  saveChain?: string;
  /** --connections N / --rate R: a load test over several connections, paced (send). */
  load?: { connections: number; rate?: number };
  /** --as swaks|smtplib: print what does the same session with that tool instead of running it. */
  as?: AsOption;
}

export type Parsed =
  | { command: 'help' }
  | { command: 'explain'; query: string }
  | { command: 'probe'; request: ProbeRequest; output: Output }
  | { command: 'send'; request: SendRequest; output: Output }
  | { command: 'verify'; request: VerifyRequest; output: Output }
  | { command: 'raw'; request: RawRequest; output: Output };

function seconds(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${option} takes a positive number of seconds (got "${value}")`);
  return Math.round(n * 1000);
}

function readText(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--${option}: cannot read ${path}: ${(error as Error).message}`);
  }
}

function wholeNumber(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${option} takes a whole number of at least 1 (got "${value}")`);
  return n;
}

function tlsVersion(value: string | undefined, option: string): SecureVersion | undefined {
  const versions = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
  if (value === undefined) return undefined;
  const found = versions.find((v) => v.toLowerCase() === value.toLowerCase());
  if (!found) throw new UsageError(`--${option} must be one of ${versions.join(', ')}`);
  return found;
}

/** Read the secret from an environment variable or a file (one trailing newline dropped). */
function readSecret(values: Record<string, unknown>, env: NodeJS.ProcessEnv, asked?: string): string | undefined {
  const fromEnv = values['password-env'] as string | undefined;
  const fromFile = values['password-file'] as string | undefined;
  if (asked !== undefined && !fromEnv && !fromFile) return asked;
  if (fromEnv && fromFile) throw new UsageError('give either --password-env or --password-file, not both');
  if (fromEnv) {
    const secret = env[fromEnv];
    if (secret === undefined) throw new UsageError(`--password-env: the environment variable ${fromEnv} is not set`);
    return secret;
  }
  if (fromFile) return readText(fromFile, 'password-file').replace(/\r?\n$/, '');
  return undefined;
}

/** Parse argv (without node and script) into a request for one of the operations. */
export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv = process.env, extras: ParseExtras = {}): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0 || positionals[0] === 'help') return { command: 'help' };
  if (positionals[0] === 'explain') {
    if (positionals.length < 2)
      throw new UsageError('explain needs a CODE: 550, 5.7.1, or a reply such as "550 5.7.1 Relay access denied"');
    const query = positionals.slice(1).join(' ');
    if (!parseCodeQuery(query)) {
      throw new UsageError(
        `explain takes a reply code (550), an enhanced status code (5.7.1), or both, with any text after them (got "${query}")`,
      );
    }
    return { command: 'explain', query };
  }
  const command = positionals[0] as Command;
  if (!['probe', 'send', 'verify', 'raw'].includes(command)) throw new UsageError(`unknown command "${positionals[0]}"`);
  if (values.password !== undefined) {
    throw new UsageError(
      'a password is never taken on the command line (it would show in ps and shell history); use --password-env VAR or --password-file FILE',
    );
  }

  const protocol = oneOf<Protocol>(values.protocol, ['smtp', 'lmtp'], 'protocol');
  const tls = oneOf<TlsMode>(values.tls, ['off', 'starttls', 'starttls-optional', 'implicit'], 'tls');
  if (values.socket && values.host) throw new UsageError('give either --host or --socket, not both');
  if (values.dump && command !== 'send') throw new UsageError('--dump goes with send (it prints the message send would send)');
  // A dry run connects to nothing: it needs no server.
  if (!values.socket && !values.host && !values.dump) throw new UsageError('--host or --socket is required');
  if (values.socket && values.port) throw new UsageError('--port does not apply to a Unix socket');
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port must be 1-65535 (got "${values.port}")`);
  }
  if (values.helo && protocol === 'lmtp') throw new UsageError('--helo does not apply to LMTP (it greets with LHLO)');
  if (values.helo && (tls === 'starttls' || tls === 'starttls-optional')) {
    throw new UsageError('--helo gets no extension list, so the server cannot offer STARTTLS: drop --helo or use --tls implicit');
  }
  if (values['client-key'] && !values['client-cert'] && extras.clientCertPem === undefined) {
    throw new UsageError('--client-key needs --client-cert');
  }

  const proxy = proxyOption(values['proxy-header'], values['proxy-source'], values['proxy-dest']);
  const xclient = values.xclient?.map((a) => attribute(a, '--xclient'));
  const connection: SessionOptions = {
    ...(proxy ? { proxy } : {}),
    ...(xclient ? { xclient } : {}),
    protocol,
    tls,
    host: values.host ?? (values.socket ? undefined : 'localhost'),
    port,
    socketPath: values.socket,
    sourceAddress: values['source-address'],
    ehloName: values.ehlo,
    ...(values.helo ? { helo: true } : {}),
    timeouts: seconds(values.timeout, 'timeout'),
    deadlineMs: seconds(values.deadline, 'deadline'),
    captureData: values['capture-data'] ?? false,
    allowPlaintextAuth: values['allow-plaintext-auth'] ?? false,
    tlsOptions: {
      verify: !values.insecure,
      ...(values.ca ? { ca: readText(values.ca, 'ca') } : extras.caPem !== undefined ? { ca: extras.caPem } : {}),
      ...(values.servername ? { servername: values.servername } : {}),
      ...(values['tls-min-version'] ? { minVersion: tlsVersion(values['tls-min-version'], 'tls-min-version') } : {}),
      ...(values['tls-max-version'] ? { maxVersion: tlsVersion(values['tls-max-version'], 'tls-max-version') } : {}),
      ...(values.ciphers ? { ciphers: values.ciphers } : {}),
      ...(values['client-cert']
        ? { cert: readText(values['client-cert'], 'client-cert') }
        : extras.clientCertPem !== undefined
          ? { cert: extras.clientCertPem }
          : {}),
      ...(values['client-key'] ? { key: readText(values['client-key'], 'client-key') } : {}),
    },
  };

  let auth: AuthRequest | undefined;
  const asTool = oneOf(values.as, ['swaks', 'smtplib'] as const, 'as');
  if (asTool && command !== 'probe' && command !== 'send') throw new UsageError('--as goes with probe and send');
  if (asTool && (values.dump || values.json || values.export || values.count !== undefined)) {
    throw new UsageError('--as prints a command instead of running: it does not go with --dump, --json, --export or --count');
  }
  // --as runs nothing: the secret is not read now, only named for when what it prints runs.
  const secret = asTool ? (values.auth || values.user ? '' : undefined) : readSecret(values, env, extras.secret);
  if (values['auth-optional'] && !values.auth && !values.user) throw new UsageError('--auth-optional goes with --auth/--user');
  if (values.auth || values.user) {
    const mechanism = oneOf(
      values.auth ?? 'auto',
      ['auto', 'plain', 'login', 'cram-md5', 'xoauth2', 'oauthbearer', 'scram-sha-1', 'scram-sha-256'],
      'auth',
    );
    if (!values.user) throw new UsageError('--auth needs --user');
    if (secret === undefined) {
      throw new UsageError(
        extras.profileAuth
          ? `${extras.profileAuth}'s password is kept in the app's key store, which the command line cannot open: give --password-env VAR or --password-file FILE (or run it in a terminal to be asked)`
          : '--auth needs a secret: --password-env VAR or --password-file FILE',
      );
    }
    const isToken = usesToken(mechanism);
    auth = {
      user: values.user,
      ...(isToken ? { token: secret } : { password: secret }),
      ...(values.authzid ? { authzid: values.authzid } : {}),
      mechanism,
      initialResponse: !values['no-initial-response'],
      ...(values['auth-optional'] ? { optional: true } : {}),
    };
  } else if (secret !== undefined) {
    throw new UsageError('a password was given but no --user/--auth');
  }

  const output: Output = {
    json: values.json ?? false,
    exportPath: values.export,
    quiet: values.quiet ?? false,
    ...(values.dump ? { dump: true } : {}),
    ...(values.timing ? { timing: true } : {}),
    ...(values.hex ? { hex: true } : {}),
    ...(values['save-chain'] !== undefined ? { saveChain: values['save-chain'] } : {}),
    ...(asTool
      ? {
          as: {
            tool: asTool,
            ...defined({
              caFile: values.ca,
              certFile: values['client-cert'],
              keyFile: values['client-key'],
              secretEnv: values['password-env'],
              passwordFile: values['password-file'],
              messageFile: values['message-file'],
            }),
            ...(values.timeout !== undefined ? { timeoutSeconds: Number(values.timeout) } : {}),
          },
        }
      : {}),
  };
  const stopAfter = stopStage(values['quit-after'], values['drop-after'], command);
  if (stopAfter && values.dump) throw new UsageError('--dump connects to nothing: it does not go with --quit-after/--drop-after');
  if (stopAfter && (stopAfter.stage === 'mail' || stopAfter.stage === 'rcpt') && values.count !== undefined) {
    throw new UsageError(`--count sends messages: it does not go with stopping after ${stopAfter.stage}`);
  }
  const base = { connection, ...(auth ? { auth } : {}), ...(stopAfter ? { stopAfter } : {}) };
  if (values.xforward && command !== 'send') throw new UsageError('--xforward goes with send (it describes the client of a transaction)');
  if (values.xforward && values.count !== undefined)
    throw new UsageError('--xforward holds for one transaction: it does not go with --count');
  if ((values.xforward || values.xclient) && values.dump)
    throw new UsageError('--dump connects to nothing: --xclient/--xforward do not apply');

  if (command === 'probe') return { command, request: base, output };
  if (command === 'verify') {
    const addresses = positionals.slice(1);
    if (addresses.length === 0) throw new UsageError('verify needs an ADDRESS (or several)');
    return { command, request: { ...base, addresses, expand: values.expn ?? false }, output };
  }
  if (command === 'raw') {
    if (!values.command?.length) throw new UsageError('raw needs at least one --command "..."');
    return { command, request: { ...base, commands: values.command }, output };
  }

  // send
  const dsnNotify = values['dsn-notify']
    ?.split(',')
    .map((v) => oneOf<Lowercase<DsnNotify>>(v.trim(), ['never', 'success', 'failure', 'delay'], 'dsn-notify')!.toUpperCase() as DsnNotify);
  const ret = oneOf(values['dsn-ret'], ['full', 'hdrs'], 'dsn-ret');
  const options: SendRequestOptions = {
    bdat: oneOf(values.bdat, ['off', 'auto', 'on'], 'bdat') ?? 'auto',
    smtpUtf8: values.smtputf8 ?? false,
    force: values['force-params'] ?? false,
    pipelining: values['force-pipelining'] ? 'force' : !values['no-pipelining'],
    prdr: values.prdr ?? false,
    mailParams: values['mail-param'] ?? [],
    rcptParams: values['rcpt-param'] ?? [],
    ...(ret || values['dsn-envid'] || dsnNotify || values['dsn-orcpt']
      ? {
          dsn: {
            ...(ret ? { ret: ret.toUpperCase() as 'FULL' | 'HDRS' } : {}),
            ...(values['dsn-envid'] ? { envid: values['dsn-envid'] } : {}),
            ...(dsnNotify ? { notify: dsnNotify } : {}),
            orcpt: values['dsn-orcpt'] ?? false,
          },
        }
      : {}),
  };
  const count = values.count === undefined ? undefined : wholeNumber(values.count, 'count');
  if (values.connections !== undefined || values.rate !== undefined) {
    const connections = values.connections === undefined ? 1 : wholeNumber(values.connections, 'connections');
    if (connections > 1000) throw new UsageError('--connections: at most 1000');
    let rate: number | undefined;
    if (values.rate !== undefined) {
      rate = Number(values.rate);
      if (!Number.isFinite(rate) || rate <= 0) throw new UsageError(`--rate takes messages per second above 0 (got "${values.rate}")`);
    }
    const clash = (['export', 'hex', 'save-chain', 'quit-after', 'drop-after', 'xforward', 'dump', 'timing', 'as'] as const).find(
      (o) => values[o] !== undefined,
    );
    if (clash) throw new UsageError(`--connections/--rate run a load test: --${clash} does not go with it`);
    output.load = { connections, ...(rate !== undefined ? { rate } : {}) };
    // Each connection sends the message --count times (once by default).
    options.count = count ?? 1;
  }
  const window = values.window === undefined ? undefined : wholeNumber(values.window, 'window');
  const onFailure = oneOf(values['on-failure'], ['continue', 'stop'] as const, 'on-failure');
  if ((window !== undefined || onFailure !== undefined) && count === undefined) {
    throw new UsageError('--window and --on-failure go with --count');
  }
  if (count !== undefined) {
    options.count = count;
    if (window !== undefined) options.window = window;
    if (onFailure !== undefined) options.onFailure = onFailure;
  }
  if (values['no-pipelining'] && values['force-pipelining'])
    throw new UsageError('give either --no-pipelining or --force-pipelining, not both');
  const envelope = {
    ...(values['envelope-from'] !== undefined ? { from: values['envelope-from'] } : {}),
    ...(values['envelope-to'] ? { to: values['envelope-to'] } : {}),
  };

  const dkim = dkimOption(values['dkim-domain'], values['dkim-selector'], values['dkim-key']);
  if (values['message-file']) {
    const given = COMPOSING_OPTIONS.find((o) => values[o] !== undefined);
    if (given) {
      throw new UsageError(
        `--message-file sends an existing message as it is; --${given} composes one (use --envelope-from/--envelope-to for the envelope)`,
      );
    }
    return {
      command,
      request: {
        ...base,
        message: { raw: { path: values['message-file'] } },
        envelope,
        options,
        allowLongLines: values['allow-long-lines'] ?? false,
        ...(dkim ? { dkim } : {}),
      },
      output,
    };
  }
  if (!values.from) throw new UsageError('send needs --from (or --message-file)');
  if (!values.to?.length && !values.cc?.length && !values.bcc?.length && !values['envelope-to']?.length) {
    throw new UsageError('send needs at least one recipient: --to, --cc, --bcc or --envelope-to');
  }
  if (values.body !== undefined && values['body-file']) throw new UsageError('give either --body or --body-file, not both');
  const html = values['html-file'] ? readText(values['html-file'], 'html-file') : undefined;
  const inline = (values.inline ?? []).map((path) => inlineImage(path, html));
  const { headers, date, messageId, sender } = extraHeaders(values.header ?? [], {
    date: values.date,
    messageId: values['message-id'],
    sender: values.sender,
  });
  const compose: ComposeInput = {
    from: values.from,
    ...defined({ sender, messageId }),
    ...(date !== undefined ? { date: cliDate(date) } : {}),
    ...(values.to ? { to: values.to } : {}),
    ...(values.cc ? { cc: values.cc } : {}),
    ...(values.bcc ? { bcc: values.bcc } : {}),
    ...(values['reply-to'] ? { replyTo: values['reply-to'] } : {}),
    ...defined({ subject: values.subject }),
    text: values['body-file'] ? readText(values['body-file'], 'body-file') : (values.body ?? ''),
    ...(html !== undefined ? { html } : {}),
    ...(values.attach || inline.length ? { attachments: [...inline, ...(values.attach ?? []).map((path) => ({ path }))] } : {}),
    headers,
    utf8Headers: values['utf8-headers'] ?? false,
  };
  const xforward = values.xforward?.map((a) => attribute(a, '--xforward'));
  return {
    command,
    request: { ...base, message: { compose }, envelope, options, ...(xforward ? { xforward } : {}), ...(dkim ? { dkim } : {}) },
    output,
  };
}
