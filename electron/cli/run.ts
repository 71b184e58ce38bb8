import { writeFileSync } from 'node:fs';
import { withoutEvents, type SessionRecord } from '../../shared/session-record.js';
import { inertText } from '../../shared/inert-text.js';
import { describeTarget, formatEventLine } from '../../shared/transcript-format.js';
import { SmtpError } from '../smtp/errors.js';
import { probe, raw, send, verify, type SendRequest } from '../smtp/operations.js';
import { defined } from '../../shared/defined.js';
import { defaultPort } from '../smtp/session.js';
import { Transcript } from '../smtp/transcript.js';
import { USAGE, UsageError, type Output, type Parsed } from './args.js';
import type { PreparedMessage } from '../smtp/live-session.js';
import type { AsOption, reproduce as Reproduce } from './reproduce.js';
import { PROBE_COMMAND_NAMES } from './command-names.js';

/*
 * Start-up: a run loads only what its command needs. Every module below the first branch that takes it is imported
 * where it is used (serve and its test server, DNS and mailauth, the matrix, relay and smuggling tests, exports,
 * reproductions, composition and DKIM through prepareMessage), so `--help` and a probe parse no code they never run.
 */
import { EXIT, exitCodeFor } from './exit-codes.js';
import { formatExplanation } from './explain.js';
import { formatSummary, formatTimings } from './summary.js';
import { parseWithDefaults } from './parse-with-defaults.js';

/** Where the CLI writes. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * A stream that stops being written once its reader has gone (`smtp-lens … | head -1`): EPIPE ends the output
 * quietly instead of crashing the run with an unhandled error.
 */
function quietOnClose(stream: NodeJS.WritableStream): { write: (text: string) => void; closed: () => boolean } {
  let closed = false;
  // EPIPE (the reader went away) or any other write failure: stop writing, let the session end on its own.
  stream.on?.('error', () => {
    closed = true;
  });
  return {
    write: (text) => {
      if (closed) return;
      try {
        stream.write(text);
      } catch {
        closed = true;
      }
    },
    closed: () => closed,
  };
}

/** Run the command line; resolves to the exit status. */
export async function run(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const stdout = quietOnClose(io.stdout);
  const stderr = quietOnClose(io.stderr);
  if (argv[0] === 'serve') return runServe(argv.slice(1), stdout, stderr);
  if (argv[0] === 'check') return runCheck(argv.slice(1), stdout, stderr);
  if (argv[0] !== undefined && PROBE_COMMAND_NAMES.has(argv[0])) {
    const { PROBE_COMMANDS } = await import('./probe-commands.js');
    return PROBE_COMMANDS.get(argv[0])!(argv.slice(1), stdout, stderr);
  }
  if (argv[0] === 'diff') {
    const [{ formatDiff, parseDiff }, { diffSessions }] = await Promise.all([import('./diff.js'), import('../../shared/session-diff.js')]);
    let parsedDiff;
    try {
      parsedDiff = parseDiff(argv.slice(1));
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      stderr.write(`smtp-lens: ${inertText(error.message)}\n`);
      return EXIT.usage;
    }
    const d = diffSessions(parsedDiff.a, parsedDiff.b);
    stdout.write(parsedDiff.json ? JSON.stringify(d, null, 2) + '\n' : formatDiff(d));
    // As diff(1): 0 the same, 1 different.
    return d.differs ? 1 : EXIT.ok;
  }
  if (argv[0] === 'mx') {
    const { parseMx, runMx } = await import('./mx.js');
    let args;
    try {
      args = parseMx(argv.slice(1));
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      stderr.write(`smtp-lens: ${inertText(error.message)}\n\n${USAGE}`);
      return EXIT.usage;
    }
    return runMx(args, stdout, stderr);
  }
  let parsed: Parsed;
  try {
    parsed = await parseWithDefaults(argv, process.env);
  } catch (error) {
    if (error instanceof UsageError || error instanceof SmtpError) {
      stderr.write(`smtp-lens: ${inertText(error.message)}\n\n${USAGE}`);
      return EXIT.usage;
    }
    throw error;
  }
  if (parsed.command === 'help') {
    stdout.write(USAGE);
    return EXIT.ok;
  }
  if (parsed.command === 'explain') {
    stdout.write(formatExplanation(parsed.query));
    return EXIT.ok;
  }
  const exportPath = parsed.output.exportPath;
  const exporting = exportPath === undefined ? undefined : await import('./export-file.js');
  const kind = exportPath === undefined ? undefined : exporting!.exportKind(exportPath);
  if (exportPath !== undefined && !kind) {
    stderr.write(`smtp-lens: --export: the file name must end in .json, .txt or .html\n`);
    return EXIT.usage;
  }

  if (parsed.command === 'send' && parsed.output.dump) return dumpMessage(parsed.request, parsed.output.json, io.stdout, stderr);
  if ((parsed.command === 'probe' || parsed.command === 'send') && parsed.output.as) {
    return printReproduction(parsed.command, parsed.request, parsed.output.as, stdout, stderr);
  }

  if (parsed.command === 'send' && parsed.output.load) return runLoad(parsed.request, parsed.output, stdout, stderr);

  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const live = !parsed.output.json && !parsed.output.quiet;
  const exportFile = exportPath && kind ? new exporting!.ExportFile(exportPath, kind, exportHead(parsed)) : undefined;
  const hex = (parsed.output.hex && !parsed.output.json) || parsed.output.saveChain !== undefined ? await import('./hex.js') : undefined;
  if (exportFile?.problem) stderr.write(`smtp-lens: ${exportFile.problem}; the export is written when the session ends\n`);
  const transcript = new Transcript({
    onEvent: (event) => {
      if (live) stdout.write(formatEventLine(event) + '\n');
      exportFile?.onEvent(event);
    },
  });
  const out = parsed.output;
  let chain: readonly Buffer[] = [];
  const connection = {
    ...parsed.request.connection,
    transcript,
    signal: controller.signal,
    ...(out.hex && !out.json ? { onWire: (dir: 'send' | 'recv', bytes: Buffer) => stdout.write(hex!.hexDump(dir, bytes)) } : {}),
    ...(out.saveChain !== undefined ? { onPeerChain: (der: readonly Buffer[]) => (chain = der) } : {}),
  };

  let record: SessionRecord;
  try {
    switch (parsed.command) {
      case 'probe':
        record = await probe({ ...parsed.request, connection });
        break;
      case 'send':
        record = await send({ ...parsed.request, connection });
        break;
      case 'verify':
        record = await verify({ ...parsed.request, connection });
        break;
      case 'raw':
        record = await raw({ ...parsed.request, connection });
        break;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  if (parsed.output.json) stdout.write(JSON.stringify(record, null, 2) + '\n');
  else {
    stdout.write(formatSummary(record));
    if (out.timing) stdout.write(formatTimings(record));
  }
  if (out.saveChain !== undefined) {
    if (chain.length === 0) stderr.write(`smtp-lens: --save-chain: no certificate chain to save (TLS was not used)\n`);
    else {
      try {
        writeFileSync(out.saveChain, hex!.chainPem(chain));
      } catch (error) {
        stderr.write(`smtp-lens: cannot write ${out.saveChain}: ${(error as Error).message}\n`);
        return EXIT.internal;
      }
    }
  }
  if (exportFile) {
    try {
      exportFile.finish(record);
    } catch (error) {
      stderr.write(`smtp-lens: cannot write ${exportFile.path}: ${(error as Error).message}\n`);
      return EXIT.internal;
    }
  }
  const error = record.result.error;
  if (error && !parsed.output.json) {
    stderr.write(`smtp-lens: ${inertText(error.message)}\n`);
    if (error.hint) stderr.write(`smtp-lens: hint: ${inertText(error.hint)}\n`);
  }
  return exitCodeFor(error?.code);
}

/** The head of the partial export: what runs against what, before the record exists. */
function exportHead(parsed: Exclude<Parsed, { command: 'help' } | { command: 'explain' }>): string {
  const c = parsed.request.connection;
  const target = describeTarget({
    target: {
      protocol: c.protocol ?? 'smtp',
      tls: c.tls ?? 'off',
      ehloName: '',
      ...(c.socketPath !== undefined
        ? { socketPath: c.socketPath }
        : { host: c.host, port: c.port ?? defaultPort(c.protocol ?? 'smtp', c.tls ?? 'off') }),
    },
  } as SessionRecord);
  return `# smtp-lens ${parsed.command} ${inertText(target)}\n# started ${new Date().toISOString()}; times are UTC; secrets are redacted\n`;
}

/**
 * send --dump: the envelope and the exact bytes send would put after DATA (headers, MIME, CRLF line ends; before
 * dot-stuffing), made by the same composer, and no connection at all.
 */
async function dumpMessage(
  request: SendRequest,
  json: boolean,
  out: NodeJS.WritableStream,
  stderr: { write: (text: string) => void },
): Promise<number> {
  const [{ prepareMessage }, { messageBytes }] = await Promise.all([import('../smtp/live-session.js'), import('./message-bytes.js')]);
  let prepared: PreparedMessage;
  try {
    prepared = await prepareMessage(request);
  } catch (error) {
    if (!(error instanceof SmtpError)) throw error;
    stderr.write(`smtp-lens: ${inertText(error.message)}\n`);
    return exitCodeFor(error.code);
  }
  const { envelope } = prepared;
  const message = await messageBytes(prepared);
  if (json) {
    const dump = {
      envelope: { from: envelope.from, to: [...envelope.to] },
      size: message.length,
      ...defined({ messageId: prepared.messageId }),
      needsSmtpUtf8: prepared.needsSmtpUtf8,
      message: message.toString('utf8'),
    };
    out.write(JSON.stringify(dump, null, 2) + '\n');
    return EXIT.ok;
  }
  const head = [
    `# smtp-lens send --dump: nothing was sent; the envelope, then the message (${message.length.toLocaleString('en-US')} bytes)`,
    `MAIL FROM:<${envelope.from}>`,
    ...envelope.to.map((to) => `RCPT TO:<${to}>`),
    '',
  ].join('\n');
  out.write(head + '\n');
  out.write(message);
  return EXIT.ok;
}

/** --as swaks|smtplib: what does the same session with that tool, on stdout; what differs, on stderr. */
async function printReproduction(
  command: 'probe' | 'send',
  request: Parameters<typeof Reproduce>[1],
  as: AsOption,
  stdout: { write: (text: string) => void },
  stderr: { write: (text: string) => void },
): Promise<number> {
  const [{ reproduce }, { NotReproducible }] = await Promise.all([import('./reproduce.js'), import('../../shared/reproduce/spec.js')]);
  try {
    const made = await reproduce(command, request, as);
    stdout.write(made.text);
    for (const note of made.notes) stderr.write(`smtp-lens: note: ${note}\n`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof NotReproducible) {
      stderr.write(`smtp-lens: --as ${as.tool}: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof SmtpError) {
      stderr.write(`smtp-lens: ${inertText(error.message)}\n`);
      return exitCodeFor(error.code);
    }
    throw error;
  }
}

/** `smtp-lens serve …`: its own options; a usage error prints the usage as every command does. */
async function runServe(argv: string[], stdout: { write: (t: string) => void }, stderr: { write: (t: string) => void }): Promise<number> {
  const { parseServe, serve } = await import('./serve.js');
  let options;
  try {
    options = parseServe(argv, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    stderr.write(`smtp-lens: ${inertText(error.message)}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (options === 'help') {
    stdout.write(USAGE);
    return EXIT.ok;
  }
  return serve(options, { stdout, stderr });
}

/**
 * --connections / --rate: the load test; the summary (or --json) on stdout. The exit status is the first failing
 * connection's (by its error), 0 when every message was delivered.
 */
async function runLoad(
  request: SendRequest,
  output: Output,
  stdout: { write: (t: string) => void },
  stderr: { write: (t: string) => void },
): Promise<number> {
  const [{ sendLoad }, { formatLoad, loadJson }] = await Promise.all([import('../smtp/load.js'), import('./load-summary.js')]);
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let summary;
  try {
    summary = await sendLoad({ ...request, connection: { ...request.connection, signal: controller.signal } }, output.load!);
  } catch (error) {
    if (!(error instanceof SmtpError)) throw error;
    stderr.write(`smtp-lens: ${inertText(error.message)}\n`);
    return exitCodeFor(error.code);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  stdout.write(output.json ? loadJson(summary) : formatLoad(summary));
  const failed = summary.records.find((r) => r.result.error);
  if (!failed) return EXIT.ok;
  if (!output.json) stderr.write(`smtp-lens: ${inertText(failed.result.error!.message)}\n`);
  return exitCodeFor(failed.result.error!.code);
}

/**
 * `smtp-lens check [probe options] [--format nagios|prometheus|json] [--warning S --critical S] [--cert-warning D
 * --cert-critical D]`: one probe, judged; the exit status is the state (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) in
 * every format, and a usage error is UNKNOWN (3), as the plugin guidelines ask.
 */
async function runCheck(argv: string[], stdout: { write: (t: string) => void }, stderr: { write: (t: string) => void }): Promise<number> {
  const { evaluate, formatNagios, formatPrometheus, splitCheckArgs, STATE } = await import('./check.js');
  const unknown = (message: string, format: string): number => {
    if (format === 'nagios') stdout.write(`SMTP UNKNOWN - ${message.replace(/[\r\n|]+/g, ' ')}\n`);
    else stderr.write(`smtp-lens check: ${inertText(message)}\n`);
    return STATE.unknown;
  };
  let split;
  try {
    split = splitCheckArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return unknown(error.message, 'nagios');
  }
  const { options, rest } = split;
  if (rest.some((a) => a === '--domain' || a.startsWith('--domain='))) {
    const { checkDomain } = await import('./check-domain.js');
    return checkDomain(rest, options, stdout, (message) => unknown(message, options.format));
  }
  let parsed: Parsed;
  try {
    parsed = await parseWithDefaults(['probe', ...rest], process.env);
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof SmtpError)) throw error;
    return unknown(error.message, options.format);
  }
  if (parsed.command !== 'probe') return unknown('check takes probe options', options.format);
  const record = await probe({ ...parsed.request, connection: { ...parsed.request.connection, transcript: new Transcript() } });
  const evaluated = evaluate(record, options);
  if (options.format === 'nagios') stdout.write(formatNagios(record, options, evaluated));
  else if (options.format === 'prometheus') stdout.write(formatPrometheus([record]));
  else stdout.write(JSON.stringify({ state: evaluated.state, reasons: evaluated.reasons, record: withoutEvents(record) }, null, 2) + '\n');
  return evaluated.state;
}
