#!/usr/bin/env node
// SMTP Lens benchmarks: the engine against Python's smtplib, Nodemailer and postfix's smtp-source,
// all sending to the same sinks on loopback and Unix sockets. See BENCHMARKS.md for what each scenario
// shows and the latest figures.
//
//   npm run bench                      build the engine, run every scenario, write bench/results/latest.*
//   node bench/run.mjs --quick         a tiny run (smoke test of the harness; nothing is written by default)
//   node bench/run.mjs --scenarios 1,6 --reps 3
//
// Options: --reps N (default 5; scenario 6: 3)  --warmup N (default 1)  --scenarios LIST  --out DIR
//          --quick  --no-doc (do not update BENCHMARKS.md)  --no-install (never call apt-get)
//
// Methodology: every sink is pinned to CPU 0; clients of round-trip-bound scenarios run on the same CPU
// (waking a process on the other CPU of a 2-CPU VM varies 2-6x from run to run and swamps the figures),
// clients of the throughput scenario (3) on CPU 1. Clients run one at a time, in alternation, the order
// rotating every round, after a warm-up round; each figure is a median with its min-max.
// SMTP Lens runs as the app runs it: full transcript capture on, the body summarised.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { consoleReport, markdownReport, median, summarise } from './lib/report.mjs';
import { freePort, runClient, startDaemon, stopDaemons, waitForGreeting } from './lib/processes.mjs';
import { SMTP_SINK, SMTP_SOURCE, SetupError, cpuPlan, describeMachine, ensurePrerequisites, loadNow, pinned } from './lib/system.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const NODE = process.execPath;
const PEERS = join(here, 'peers');
const SINKS = join(here, 'sinks');

// ---------------------------------------------------------------------------------------------- options

function parseOptions(argv) {
  const value = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const options = {
    quick,
    reps: Number(value('--reps') ?? (quick ? 1 : 5)),
    warmup: Number(value('--warmup') ?? (quick ? 0 : 1)),
    scenarios: value('--scenarios')
      ?.split(',')
      .map((s) => s.trim()),
    out: value('--out') ?? (quick ? undefined : join(here, 'results')),
    updateDoc: !quick && !argv.includes('--no-doc'),
    install: !argv.includes('--no-install'),
  };
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      readFileSync(fileURLToPath(import.meta.url), 'utf8')
        .split('\n')
        .slice(1, 17)
        .map((l) => l.replace(/^\/\/ ?/, ''))
        .join('\n') + '\n',
    );
    process.exit(0);
  }
  return options;
}

// ------------------------------------------------------------------------------------------- messages

const SENDER = 'sender@bench.test';
const RECIPIENT = 'rcpt@bench.test';

/** A message of exactly `size` bytes with CRLF line endings: headers, then 76-character lines of base64 text. */
function makeMessage(size, subject) {
  const header = `From: <${SENDER}>\r\nTo: <${RECIPIENT}>\r\nSubject: ${subject}\r\nMessage-ID: <bench-${size}@bench.test>\r\nMIME-Version: 1.0\r\n\r\n`;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const line = Buffer.alloc(78);
  let seed = 12345;
  const body = Buffer.alloc(size - header.length);
  let at = 0;
  while (at < body.length) {
    const left = body.length - at;
    const textLength = Math.min(76, Math.max(0, left - 2));
    for (let i = 0; i < textLength; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      line[i] = alphabet.charCodeAt(seed % 64);
    }
    line[textLength] = 0x0d;
    line[textLength + 1] = 0x0a;
    const piece = line.subarray(0, Math.min(textLength + 2, left));
    piece.copy(body, at);
    at += piece.length;
  }
  return Buffer.concat([Buffer.from(header, 'latin1'), body]);
}

/** smtp-source -F appends CRLF to each line it reads, so it gets the same message with bare LFs. */
const withLf = (message) => Buffer.from(message.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');

// ------------------------------------------------------------------------------------------- clients

const lens = (ctx, cpu, mode, args) => pinned(cpu, NODE, [join(PEERS, 'smtp-lens-client.mjs'), mode, ...args], ctx.cpu);
const smtplib = (ctx, cpu, mode, args) => pinned(cpu, 'python3', [join(PEERS, 'smtplib_client.py'), mode, ...args], ctx.cpu);
const nodemailer = (ctx, cpu, mode, flavour, args) =>
  pinned(cpu, NODE, [join(PEERS, 'nodemailer-client.mjs'), mode, flavour, ...args], ctx.cpu);
const minimal = (ctx, cpu, mode, args) => pinned(cpu, NODE, [join(PEERS, 'node-minimal.mjs'), mode, ...args], ctx.cpu);
const REFERENCE_NOTE = 'not a peer: raw Node sockets, nothing recorded (bench/peers/node-minimal.mjs), what the Node runtime alone costs';
const WARM_LABEL = 'SMTP Lens, warm process (as in the app)';
const WARM_NOTE =
  'the same work first done untimed in the same process until its rate settles (two passes within 5%, at most 8; bench/peers/warm-up.mjs): the engine compiled and steady, as in the app (one long-running process); every other row is a fresh process, as a CLI run is';
const WARM_REFERENCE_LABEL = 'reference: minimal Node client, warm';
const smtpSource = (ctx, cpu, args) =>
  pinned(cpu, SMTP_SOURCE, ['-f', SENDER, '-t', RECIPIENT, '-M', 'client.bench.test', ...args], ctx.cpu);

const tcp = (port) => ['--host', '127.0.0.1', '--port', String(port)];

/** Messages per second, from the client's own timing of its sending loop (smtp-source: its whole run). */
const msgRate = (count) => (run) => count / (run.report.sendSeconds ?? run.wallMs / 1000);
/** MB per second (10^6 bytes) for one message of `bytes`. */
const mbRate = (bytes) => (run) => bytes / 1e6 / (run.report.sendSeconds ?? run.wallMs / 1000);
const connRate = (run) => run.report.connections / run.report.seconds;

function sendClients(
  ctx,
  { count, file, fileLf, target, cpu, lmtp = false, noops = 0, transport = true, reference = false, warm = false, sourceTarget, unit },
) {
  const where = target.socket ? ['--socket', target.socket] : tcp(target.port);
  const common = [...where, ...(lmtp ? ['--lmtp'] : []), '--message', file, '--count', String(count)];
  const rate = unit === 'MB/s' ? mbRate(ctx.sizes[file] * count) : msgRate(count);
  const clients = [
    {
      id: 'smtp-lens',
      label: 'SMTP Lens',
      command: () => lens(ctx, cpu, 'send', [...common, ...(noops ? ['--noops', String(noops)] : [])]),
      metric: rate,
    },
    {
      id: 'smtp-source',
      label: `smtp-source${lmtp ? ' -L' : ''}`,
      command: () =>
        smtpSource(ctx, cpu, [...(lmtp ? ['-L'] : []), ...(count > 1 ? ['-d'] : []), '-m', String(count), '-F', fileLf, sourceTarget]),
      metric: rate,
      note: 'timed as a whole process (start, connect and QUIT included: a few ms)',
    },
    {
      id: 'smtplib',
      label: lmtp ? 'smtplib.LMTP' : 'smtplib',
      command: () => smtplib(ctx, cpu, 'send', [...common, ...(noops ? ['--noops', String(noops)] : [])]),
      metric: rate,
    },
    {
      id: 'nodemailer-connection',
      label: 'Nodemailer smtp-connection',
      command: () => nodemailer(ctx, cpu, 'send', 'connection', common),
      metric: rate,
    },
  ];
  if (transport) {
    clients.push({
      id: 'nodemailer-transport',
      label: 'Nodemailer transport (pooled, 1 connection)',
      command: () => nodemailer(ctx, cpu, 'send', 'transport', common),
      metric: rate,
    });
  }
  if (warm) {
    clients.splice(1, 0, {
      id: 'smtp-lens-warm',
      label: WARM_LABEL,
      command: () => lens(ctx, cpu, 'send', [...common, '--warm']),
      metric: rate,
      note: WARM_NOTE,
    });
  }
  if (reference) {
    clients.push({
      id: 'node-minimal',
      label: 'reference: minimal Node client',
      command: () => minimal(ctx, cpu, 'send', common),
      metric: rate,
      note: REFERENCE_NOTE,
    });
    if (warm)
      clients.push({
        id: 'node-minimal-warm',
        label: WARM_REFERENCE_LABEL,
        command: () => minimal(ctx, cpu, 'send', [...common, '--warm']),
        metric: rate,
      });
  }
  return clients;
}

// ----------------------------------------------------------------------------------------- scenarios

function scenarios(ctx) {
  const { counts, cpu } = ctx;
  const same = cpu.sameAsSink;
  const other = cpu.other;
  const m1k = ctx.files.m1k;
  const big = ctx.files.big;
  /** One big message to a sink on `port` (scenarios 3 and 3b differ only in the sink). */
  const oneBigMessage = (port) =>
    sendClients(ctx, {
      count: 1,
      file: big,
      fileLf: ctx.files.bigLf,
      target: { port },
      sourceTarget: `127.0.0.1:${port}`,
      cpu: other,
      unit: 'MB/s',
    });
  return [
    {
      id: '1',
      title: `${counts.messages.toLocaleString('en-US')} messages of 1 KB over one connection to smtp-sink (PIPELINING advertised)`,
      unit: 'msg/s',
      higherIsBetter: true,
      clients: sendClients(ctx, {
        count: counts.messages,
        file: m1k,
        fileLf: ctx.files.m1kLf,
        target: { port: ctx.smtpSink },
        sourceTarget: `127.0.0.1:${ctx.smtpSink}`,
        cpu: same,
        reference: true,
        warm: true,
      }),
    },
    {
      id: '1b',
      title: `${counts.messages.toLocaleString('en-US')} messages of 1 KB to a sink offering CHUNKING and PIPELINING (bench/sinks/fast-sink.mjs)`,
      description:
        'DATA costs a round trip per message (the 354 must come before the body). With CHUNKING, BDAT needs no 354, so whole ' +
        'messages can be sent ahead of their replies (a window). smtp-source (no pipelining, no BDAT) for reference.',
      unit: 'msg/s',
      higherIsBetter: true,
      lens: 'smtp-lens-data',
      clients: [
        {
          id: 'smtp-lens-data',
          label: 'SMTP Lens, DATA',
          command: () =>
            lens(ctx, same, 'send', [...tcp(ctx.fastChunking), '--message', m1k, '--count', String(counts.messages), '--bdat', 'off']),
          metric: msgRate(counts.messages),
        },
        {
          id: 'smtp-lens-bdat',
          label: 'SMTP Lens, BDAT (window 1)',
          command: () =>
            lens(ctx, same, 'send', [...tcp(ctx.fastChunking), '--message', m1k, '--count', String(counts.messages), '--bdat', 'on']),
          metric: msgRate(counts.messages),
        },
        {
          id: 'smtp-lens-bdat-window',
          label: 'SMTP Lens, BDAT (window 32)',
          command: () =>
            lens(ctx, same, 'send', [
              ...tcp(ctx.fastChunking),
              '--message',
              m1k,
              '--count',
              String(counts.messages),
              '--bdat',
              'on',
              '--window',
              '32',
            ]),
          metric: msgRate(counts.messages),
        },
        {
          id: 'smtp-source',
          label: 'smtp-source',
          command: () =>
            smtpSource(ctx, same, ['-d', '-m', String(counts.messages), '-F', ctx.files.m1kLf, `127.0.0.1:${ctx.fastChunking}`]),
          metric: msgRate(counts.messages),
        },
      ],
    },
    {
      id: '2',
      title: `The same over LMTP on a Unix socket (smtp-sink -L)`,
      unit: 'msg/s',
      higherIsBetter: true,
      clients: sendClients(ctx, {
        count: counts.messages,
        file: m1k,
        fileLf: ctx.files.m1kLf,
        target: { socket: ctx.lmtpSink },
        lmtp: true,
        sourceTarget: `unix:${ctx.lmtpSink}`,
        cpu: same,
        transport: false,
        reference: true,
        warm: true,
      }),
    },
    {
      id: '3',
      title: `One ${formatMB(ctx.sizes[big])} message to smtp-sink: throughput and peak memory`,
      unit: 'MB/s',
      higherIsBetter: true,
      clients: oneBigMessage(ctx.smtpSink),
    },
    {
      id: '3b',
      title: `One ${formatMB(ctx.sizes[big])} message to a faster sink (bench/sinks/fast-sink.mjs): the clients' own ceilings`,
      unit: 'MB/s',
      higherIsBetter: true,
      clients: oneBigMessage(ctx.fastPlain),
    },
    {
      id: '4a',
      title: `${counts.probes.toLocaleString('en-US')} probes (connect, EHLO, QUIT) to smtp-sink, one after another`,
      unit: 'conn/s',
      higherIsBetter: true,
      clients: probeClients(ctx, { count: counts.probes, concurrency: 1, port: ctx.smtpSink, cpu: same }),
    },
    {
      id: '4b',
      title: `${counts.probes.toLocaleString('en-US')} probes to smtp-sink, 16 at a time`,
      unit: 'conn/s',
      higherIsBetter: true,
      clients: probeClients(ctx, { count: counts.probes, concurrency: 16, port: ctx.smtpSink, cpu: same }),
    },
    {
      id: '5',
      title: `${counts.tlsProbes.toLocaleString('en-US')} STARTTLS probes (connect, EHLO, STARTTLS, EHLO, QUIT), certificate verified (bench/sinks/tls-stub.mjs)`,
      unit: 'conn/s',
      higherIsBetter: true,
      clients: probeClients(ctx, {
        count: counts.tlsProbes,
        concurrency: 1,
        port: ctx.tlsStub,
        cpu: same,
        tls: ['--starttls', '--ca', ctx.files.ca],
      }),
    },
    {
      id: '6',
      title: `${counts.delayedMessages.toLocaleString('en-US')} messages of 1 KB through a proxy adding ${ctx.delayMs} ms each way: round trips per message`,
      description:
        `Round trips per message = (NOOPs per second on the same path) ÷ (messages per second). SMTP Lens and smtplib time ${counts.noops} ` +
        'NOOPs on their own connection; for smtp-source and Nodemailer (no NOOP of their own) the median of those two in the same round is used.',
      unit: 'round trips/msg',
      higherIsBetter: false,
      reps: ctx.options.quick ? 1 : Math.min(ctx.options.reps, 3),
      clients: sendClients(ctx, {
        count: counts.delayedMessages,
        file: m1k,
        fileLf: ctx.files.m1kLf,
        target: { port: ctx.proxy },
        sourceTarget: `127.0.0.1:${ctx.proxy}`,
        cpu: same,
        noops: counts.noops,
        transport: false,
      }).map((client) => ({
        ...client,
        metric: (run) => ({
          messageRate: client.metric(run),
          noopRate: run.report.noops ? run.report.noops / run.report.noopSeconds : undefined,
        }),
      })),
      // The metric needs the round's NOOP rates: computed once the round is done.
      finishRound(roundRuns) {
        const noopRates = roundRuns.map((r) => r.raw?.noopRate).filter((x) => x !== undefined);
        const reference = noopRates.length ? median(noopRates) : undefined;
        for (const run of roundRuns) {
          const noopRate = run.raw.noopRate ?? reference;
          run.value = noopRate !== undefined ? noopRate / run.raw.messageRate : undefined;
        }
      },
    },
    {
      id: '8',
      title: 'One-shot runs as whole processes: a probe (connect, EHLO, QUIT) to smtp-sink, and --help',
      description:
        'Wall time from spawn to exit, as an admin feels a command: each client a fresh process, run one after another, ' +
        `the order rotating, ${ctx.options.quick ? 2 : Math.max(ctx.options.reps, 30)} rounds after the warm-up (which also fills ` +
        "Node's compile cache where the Node version has one). `node -e 0` is the floor: starting Node itself.",
      unit: 'ms',
      higherIsBetter: false,
      reps: ctx.options.quick ? 2 : Math.max(ctx.options.reps, 30),
      lens: 'smtp-lens-probe',
      clients: oneShotClients(ctx, ctx.smtpSink, same),
    },
    rendererScenario(),
  ];
}

/** Scenario 8: whole processes, timed by the runner from spawn to exit. */
function oneShotClients(ctx, port, cpu) {
  const wall = (run) => run.wallMs;
  const bin = join(root, 'bin', 'smtp-lens.cjs');
  return [
    {
      id: 'smtp-lens-probe',
      label: 'smtp-lens probe',
      command: () => pinned(cpu, NODE, [bin, 'probe', ...tcp(port), '--quiet'], ctx.cpu),
      metric: wall,
    },
    { id: 'smtp-lens-help', label: 'smtp-lens --help', command: () => pinned(cpu, NODE, [bin, '--help'], ctx.cpu), metric: wall },
    {
      id: 'swaks',
      label: 'swaks --quit-after EHLO',
      command: () => pinned(cpu, 'swaks', ['--server', `127.0.0.1:${port}`, '--quit-after', 'EHLO', '--silent', '2'], ctx.cpu),
      metric: wall,
    },
    {
      id: 'smtplib',
      label: 'python3 smtplib (connect, ehlo, quit)',
      command: () => pinned(cpu, 'python3', ['-c', `import smtplib; s = smtplib.SMTP('127.0.0.1', ${port}); s.ehlo(); s.quit()`], ctx.cpu),
      metric: wall,
    },
    {
      id: 'node-minimal',
      label: 'reference: minimal Node client, one probe',
      command: () => minimal(ctx, cpu, 'probe', [...tcp(port), '--count', '1']),
      metric: wall,
      note: REFERENCE_NOTE,
    },
    {
      id: 'node-e-0',
      label: 'node -e 0',
      command: () => pinned(cpu, NODE, ['-e', '0'], ctx.cpu),
      metric: wall,
      note: 'Node starting and exiting: the floor for any Node program',
    },
  ];
}

function probeClients(ctx, { count, concurrency, port, cpu, tls = [] }) {
  const args = [...tcp(port), '--count', String(count), '--concurrency', String(concurrency), ...tls];
  return [
    { id: 'smtp-lens', label: 'SMTP Lens', command: () => lens(ctx, cpu, 'probe', args), metric: connRate },
    {
      id: 'smtp-lens-warm',
      label: WARM_LABEL,
      command: () => lens(ctx, cpu, 'probe', [...args, '--warm']),
      metric: connRate,
      note: WARM_NOTE,
    },
    {
      id: 'smtplib',
      label: `smtplib${concurrency > 1 ? ` (${concurrency} threads)` : ''}`,
      command: () => smtplib(ctx, cpu, 'probe', args),
      metric: connRate,
    },
    {
      id: 'nodemailer-connection',
      label: 'Nodemailer smtp-connection',
      command: () => nodemailer(ctx, cpu, 'probe', 'connection', args),
      metric: connRate,
    },
    {
      id: 'node-minimal',
      label: 'reference: minimal Node client',
      command: () => minimal(ctx, cpu, 'probe', args),
      metric: connRate,
      note: REFERENCE_NOTE,
    },
    {
      id: 'node-minimal-warm',
      label: WARM_REFERENCE_LABEL,
      command: () => minimal(ctx, cpu, 'probe', [...args, '--warm']),
      metric: connRate,
    },
  ];
}

/**
 * Scenario 7 — the app's renderer showing a long live transcript in Chromium — joins when the new
 * transcript view lands. The hook: a module bench/scenarios/renderer.mjs exporting
 *   export const title: string;
 *   export async function run(ctx): Promise<{ unit, higherIsBetter, rows: [{ client, label, median, min, max, runs, peakRssMB? }], description? }>
 * where ctx = { root, tmp, options: { quick, reps, warmup }, cpu, log, engine: path of out/node/electron/smtp }.
 * Until that module exists the scenario is listed as pending.
 */
function rendererScenario() {
  const module = join(here, 'scenarios', 'renderer.mjs');
  return {
    id: '7',
    title: 'The renderer in Chromium: a long live transcript',
    external: module,
    pending: existsSync(module) ? undefined : 'pending: the new transcript view is not there yet (add bench/scenarios/renderer.mjs)',
  };
}

function formatMB(bytes) {
  return `${Math.round(bytes / 1e6)} MB`;
}

// ---------------------------------------------------------------------------------------------- runs

async function runScenario(ctx, scenario) {
  if (scenario.pending) return { id: scenario.id, title: scenario.title, skipped: scenario.pending };
  if (scenario.external) {
    const plugin = await import(pathToFileURL(scenario.external).href);
    const result = await plugin.run({
      root,
      tmp: ctx.tmp,
      options: ctx.options,
      cpu: ctx.cpu,
      log: ctx.log,
      engine: join(root, 'out', 'node', 'electron', 'smtp'),
    });
    return { id: scenario.id, title: plugin.title ?? scenario.title, ...result };
  }
  const reps = scenario.reps ?? ctx.options.reps;
  const rounds = ctx.options.warmup + reps;
  const runs = [];
  const failures = {};
  for (let round = 0; round < rounds; round++) {
    const warm = round < ctx.options.warmup;
    const order = scenario.clients.map((_, i) => scenario.clients[(i + round) % scenario.clients.length]);
    const roundRuns = [];
    for (const client of order) {
      let run;
      try {
        run = await runClient(client.label, client.command());
      } catch (error) {
        // One client failing is reported in its row; the others still run.
        ctx.log(`  ${scenario.id}: ${client.label} failed: ${error.message}`);
        failures[client.id] ??= error.message.split('\n')[0].slice(0, 300);
        continue;
      }
      const raw = client.metric(run);
      const entry = { client: client.id, round, warm, peakRssKb: run.peakRssKb, wallMs: run.wallMs, report: run.report };
      if (typeof raw === 'number') entry.value = raw;
      else entry.raw = raw;
      roundRuns.push(entry);
    }
    scenario.finishRound?.(roundRuns);
    runs.push(...roundRuns);
    ctx.log(
      `  ${scenario.id} ${warm ? 'warm-up' : `round ${round - ctx.options.warmup + 1}/${reps}`}: ` +
        roundRuns.map((r) => `${r.client} ${r.value === undefined ? '–' : r.value.toFixed(r.value < 10 ? 2 : 0)}`).join(', '),
    );
  }
  const measured = runs.filter((r) => !r.warm);
  const rows = summarise(scenario, measured);
  for (const row of rows) if (failures[row.client]) row.note = `FAILED: ${failures[row.client]}`;
  return {
    id: scenario.id,
    title: scenario.title,
    ...(scenario.description ? { description: scenario.description } : {}),
    unit: scenario.unit,
    higherIsBetter: scenario.higherIsBetter,
    lens: scenario.lens ?? 'smtp-lens',
    rows,
    runs: measured.map(({ report, ...rest }) => ({
      ...rest,
      events: report.events,
      ...(report.warm ? { warmedInProcess: true, warmUpRates: report.warmUpRates } : {}),
    })),
  };
}

// ------------------------------------------------------------------------------------------- targets

function evaluateTargets(results) {
  const find = (id) => results.scenarios.find((s) => s.id === id && !s.skipped);
  const row = (scenario, client) => scenario?.rows.find((r) => r.client === client);
  const targets = [];
  const ratioTarget = (id, peer, factor, what, lens = 'smtp-lens') => {
    const s = find(id);
    const lensRow = row(s, lens);
    const peerRow = row(s, peer);
    if (!lensRow?.median || !peerRow?.median) return;
    const ratio = lensRow.median / peerRow.median;
    targets.push({
      text: `${what}: ${lens === 'smtp-lens' ? 'SMTP Lens' : lensRow.label} at least ${factor}× ${peerRow.label}`,
      met: ratio >= factor,
      detail: `${ratio.toFixed(2)}× (${Math.round(lensRow.median).toLocaleString('en-US')} vs ${Math.round(peerRow.median).toLocaleString('en-US')} ${s.unit})`,
    });
  };
  // Each ratio target is judged for a fresh process (as a CLI run) and, where the scenario has the row,
  // for the engine warm in its process (as in the app): both are shown, neither hides the other.
  const both = (id, peer, factor, what) => {
    ratioTarget(id, peer, factor, what);
    ratioTarget(id, peer, factor, what, 'smtp-lens-warm');
  };
  both('1', 'smtp-source', 1.5, 'Scenario 1');
  both('1', 'smtplib', 3, 'Scenario 1');
  both('2', 'smtp-source', 1.5, 'Scenario 2');
  both('2', 'smtplib', 3, 'Scenario 2');
  const s3 = find('3');
  if (s3) {
    const lensRow = row(s3, 'smtp-lens');
    const source = row(s3, 'smtp-source');
    if (lensRow?.median && source?.median) {
      targets.push({
        text: 'Scenario 3: SMTP Lens at least as fast as smtp-sink accepts from smtp-source',
        met: lensRow.median >= source.median * 0.98,
        detail: `${lensRow.median.toFixed(1)} vs ${source.median.toFixed(1)} MB/s (within 2% counts as equal: the sink is the bound)`,
      });
    }
    const peaks = ['3', '3b'].map((id) => row(find(id), 'smtp-lens')?.peakRssMB).filter((x) => x !== undefined);
    if (peaks.length) {
      targets.push({
        text: 'Scenario 3: SMTP Lens peak RSS under 120 MB',
        met: Math.max(...peaks) < 120,
        detail: `${Math.max(...peaks).toFixed(1)} MB`,
      });
    }
  }
  both('4a', 'smtplib', 1, 'Scenario 4 (sequential)');
  both('4b', 'smtplib', 1, 'Scenario 4 (16 at a time)');
  both('5', 'smtplib', 1, 'Scenario 5');
  const s6 = find('6');
  const lens6 = row(s6, 'smtp-lens');
  if (lens6?.median !== undefined) {
    targets.push({
      text: 'Scenario 6: at most 1.1 round trips per message with PIPELINING',
      met: lens6.median <= 1.1,
      detail: `${lens6.median.toFixed(2)} (smtplib ${row(s6, 'smtplib')?.median?.toFixed(2) ?? '–'})`,
    });
  }
  // Where Node itself cannot reach a target, the minimal Node client (raw sockets, nothing recorded) beside ours.
  for (const id of ['4a', '4b', '5']) {
    const s = find(id);
    const lensRow = row(s, 'smtp-lens');
    const minimalRow = row(s, 'node-minimal');
    if (!lensRow?.median || !minimalRow?.median) continue;
    const ratio = lensRow.median / minimalRow.median;
    targets.push({
      text: `Scenario ${id}: SMTP Lens (fresh) within 10% of the minimal Node client (fresh)`,
      met: ratio >= 0.9,
      detail: `${ratio.toFixed(2)}× (${Math.round(lensRow.median).toLocaleString('en-US')} vs ${Math.round(minimalRow.median).toLocaleString('en-US')} ${s.unit})`,
    });
  }
  const s8 = find('8');
  const floor = row(s8, 'node-e-0')?.median;
  for (const [client, factor] of [
    ['smtp-lens-probe', 1.25],
    ['smtp-lens-help', 1.1],
  ]) {
    const r = row(s8, client);
    if (!r?.median || !floor) continue;
    targets.push({
      text: `Scenario 8: ${r.label} at most ${factor}× node -e 0 (whole process)`,
      met: r.median <= floor * factor,
      detail: `${(r.median / floor).toFixed(2)}× (${r.median.toFixed(1)} vs ${floor.toFixed(1)} ms; minimal Node client ${row(s8, 'node-minimal')?.median?.toFixed(1) ?? '–'} ms, swaks ${row(s8, 'swaks')?.median?.toFixed(1) ?? '–'} ms, smtplib ${row(s8, 'smtplib')?.median?.toFixed(1) ?? '–'} ms)`,
    });
  }
  // Scenario 7 (bench/scenarios/renderer.mjs) judges its own targets.
  targets.push(...(find('7')?.targets ?? []));
  return targets;
}

// ---------------------------------------------------------------------------------------------- main

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const log = (line) => process.stderr.write(line + '\n');
  if (!existsSync(join(root, 'out', 'node', 'electron', 'smtp', 'live-session.js'))) {
    throw new SetupError('the engine is not built: run "npm run build:node" first (npm run bench does it)');
  }
  if (options.install) ensurePrerequisites(log);
  const cpu = cpuPlan();
  const loadStart = loadNow();
  if (loadStart.one > 0.7) log(`note: load average ${loadStart.one} — other work is running; figures will be noisy`);

  const tmp = mkdtempSync(join(tmpdir(), 'smtp-lens-bench-'));
  const cleanUp = () => {
    stopDaemons();
    rmSync(tmp, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    cleanUp();
    process.exit(130);
  });
  try {
    const counts = options.quick
      ? { messages: 50, probes: 40, tlsProbes: 10, delayedMessages: 20, noops: 10, bigBytes: 1_000_000 }
      : { messages: 10_000, probes: 2_000, tlsProbes: 300, delayedMessages: 500, noops: 200, bigBytes: 25_000_000 };

    // Messages, each also with bare LFs for smtp-source -F.
    const files = {};
    const sizes = {};
    const write = (name, data) => {
      const path = join(tmp, name);
      writeFileSync(path, data);
      sizes[path] = data.length;
      return path;
    };
    const small = makeMessage(1024, 'one kilobyte');
    const large = makeMessage(counts.bigBytes, 'large');
    files.m1k = write('m1k.eml', small);
    files.m1kLf = write('m1k-lf.eml', withLf(small));
    files.big = write('big.eml', large);
    files.bigLf = write('big-lf.eml', withLf(large));
    files.ca = join(tmp, 'ca.pem');

    // Peers, all on CPU 0 but the proxy.
    log('starting the sinks');
    const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    const drop = asRoot ? ['-u', 'nobody'] : [];
    const smtpSink = await freePort();
    await startDaemon('smtp-sink', pinned(cpu.sink, SMTP_SINK, [...drop, `127.0.0.1:${smtpSink}`, '1024'], cpu), () =>
      waitForGreeting({ host: '127.0.0.1', port: smtpSink }),
    );
    const lmtpSink = join(tmp, 'lmtp.sock');
    await startDaemon('smtp-sink -L', pinned(cpu.sink, SMTP_SINK, [...drop, '-L', `unix:${lmtpSink}`, '1024'], cpu), () =>
      waitForGreeting({ path: lmtpSink }),
    );
    const fastPlain = Number(
      (await startDaemon('fast-sink', pinned(cpu.sink, NODE, [join(SINKS, 'fast-sink.mjs'), '--listen', '127.0.0.1:0'], cpu))).where,
    );
    const fastChunking = Number(
      (
        await startDaemon(
          'fast-sink --chunking',
          pinned(cpu.sink, NODE, [join(SINKS, 'fast-sink.mjs'), '--listen', '127.0.0.1:0', '--chunking'], cpu),
        )
      ).where,
    );
    const tlsStub = Number(
      (
        await startDaemon(
          'tls-stub',
          pinned(cpu.sink, NODE, [join(SINKS, 'tls-stub.mjs'), '--listen', '127.0.0.1:0', '--ca-out', files.ca], cpu),
        )
      ).where,
    );
    const delayMs = 1;
    const proxy = Number(
      (
        await startDaemon(
          'delay-proxy',
          pinned(
            cpu.other,
            NODE,
            [join(SINKS, 'delay-proxy.mjs'), '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${smtpSink}`, '--delay-ms', String(delayMs)],
            cpu,
          ),
        )
      ).where,
    );

    const ctx = { options, cpu, counts, files, sizes, tmp, log, smtpSink, lmtpSink, fastPlain, fastChunking, tlsStub, proxy, delayMs };
    const all = scenarios(ctx);
    const selected = options.scenarios
      ? all.filter((s) => options.scenarios.includes(s.id) || options.scenarios.includes(s.id.replace(/[a-z]$/, '')))
      : all;
    const started = new Date();
    const results = {
      startedAt: started.toISOString(),
      machine: describeMachine(),
      settings: {
        reps: options.reps,
        warmup: options.warmup,
        quick: options.quick,
        counts,
        pinning: cpu.pinning
          ? `Sinks pinned to CPU ${cpu.sink}; clients of scenarios 1, 2, 4, 5 and 6 on the same CPU, of scenario 3 on CPU ${cpu.other}; the proxy on CPU ${cpu.other}.`
          : 'taskset was not available: nothing was pinned.',
      },
      load: { start: loadStart },
      scenarios: [],
    };
    for (const scenario of selected) {
      if (scenario.external) results.load.beforeRenderer = loadNow();
      log(`scenario ${scenario.id}: ${scenario.title}`);
      results.scenarios.push(await runScenario(ctx, scenario));
    }
    results.load.end = loadNow();
    // Only the load at the start says whether other work was running: the benchmark's own pinned client and sink
    // keep the 1-minute average near 1 while it runs, and Chromium (scenario 7) uses both CPUs.
    results.busy = results.load.start.one > 0.7;
    results.finishedAt = new Date().toISOString();
    results.targets = evaluateTargets(results);

    process.stdout.write(consoleReport(results) + '\n');
    const markdown = markdownReport(results);
    if (options.out) {
      mkdirSync(options.out, { recursive: true });
      writeFileSync(join(options.out, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
      writeFileSync(join(options.out, 'latest.md'), markdown);
      log(`wrote ${join(options.out, 'latest.json')} and latest.md`);
    }
    if (options.updateDoc && !options.scenarios) updateBenchmarksDoc(markdown, log);
    if (results.busy)
      log(`note: the load average was ${results.load.start.one} at the start (other work running): re-run on a quiet machine`);
    const failed = results.scenarios.flatMap((sc) =>
      (sc.rows ?? []).filter((r) => r.note?.startsWith('FAILED')).map((r) => `${sc.id} ${r.label}`),
    );
    if (failed.length) {
      log(`some clients failed (see their rows): ${failed.join('; ')}`);
      process.exitCode = 1;
    }
    return results;
  } finally {
    cleanUp();
  }
}

/** Replace the generated part of BENCHMARKS.md (between its markers) with the latest figures. */
function updateBenchmarksDoc(markdown, log) {
  const path = join(root, 'BENCHMARKS.md');
  if (!existsSync(path)) return;
  const text = readFileSync(path, 'utf8');
  const start = '<!-- bench:latest:start -->';
  const end = '<!-- bench:latest:end -->';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return;
  writeFileSync(path, text.slice(0, a + start.length) + '\n' + markdown + text.slice(b));
  log('updated the figures in BENCHMARKS.md');
}

main().catch((error) => {
  stopDaemons();
  if (error instanceof SetupError) {
    process.stderr.write(`bench: ${error.message}\n`);
    process.exit(3);
  }
  process.stderr.write(`bench: ${error?.stack ?? error}\n`);
  process.exit(1);
});
