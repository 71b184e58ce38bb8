#!/usr/bin/env node
// SMTP Lens as a benchmark client: the engine driven the way the app and the CLI drive it (LiveSession,
// full transcript capture on, the body summarised as the app's default), from the compiled engine in
// out/node (npm run build:node). Prints one JSON line with what it did and how long it took.
//
//   send:  --host H --port P | --socket PATH  [--lmtp]  --message FILE --count N  [--noops N]
//          [--bdat off|auto|on] [--window N]
//   probe: --host H --port P  --count N  [--concurrency C]  [--starttls --ca FILE]  (verified against the host)
//   both:  [--warm]  first do the same work, untimed, in this process until its rate settles (warm-up.mjs): the
//          figure is then the engine warm, as in the app (a long-running process), not a fresh process, as a CLI run is
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { warmUp } from './warm-up.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const engine = (path) => import(join(root, 'out', 'node', 'electron', 'smtp', path));
const { LiveSession, prepareMessage } = await engine('live-session.js');
const { probe } = await engine('operations.js');

const args = process.argv.slice(2);
const mode = args[0];
const value = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const flag = (name) => args.includes(name);

const connection = {
  ...(value('--socket') ? { socketPath: value('--socket') } : { host: value('--host', '127.0.0.1'), port: Number(value('--port')) }),
  protocol: flag('--lmtp') ? 'lmtp' : 'smtp',
  ehloName: 'client.bench.test',
  // The app's default: every line recorded, the body summarised.
  captureData: false,
};

/** Peak resident set size of this process so far, in KiB (the kernel's high-water mark). */
function peakRssKb() {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) : undefined;
}

async function send() {
  const warm = flag('--warm') ? await warmUp(sendOnce, (r) => r.messages / r.sendSeconds) : undefined;
  return { ...(await sendOnce()), ...(warm ? { warm: true, warmUpRates: warm.map(Math.round) } : {}) };
}

async function sendOnce() {
  const count = Number(value('--count', '1'));
  const noops = Number(value('--noops', '0'));
  const file = value('--message');
  // A small message is read once and sent from memory; a large one is streamed from the file each time.
  const raw = statSync(file).size <= 1024 * 1024 ? readFileSync(file) : { path: file };
  const prepared = await prepareMessage({
    message: { raw },
    envelope: { from: 'sender@bench.test', to: ['rcpt@bench.test'] },
  });
  const started = performance.now();
  const live = new LiveSession(connection, 'send');
  let record = await live.open();
  if (!record.result.ok) throw new Error(`open failed: ${record.result.error?.message}`);
  let noopSeconds = 0;
  if (noops > 0) {
    const t0 = performance.now();
    for (let i = 0; i < noops; i++) {
      const reply = await live.session.noop();
      if (reply.code !== 250) throw new Error(`NOOP answered ${reply.code}`);
    }
    noopSeconds = (performance.now() - t0) / 1000;
  }
  function* messages() {
    for (let i = 0; i < count; i++) yield prepared;
  }
  const bdat = value('--bdat', 'auto');
  const window = Number(value('--window', '1'));
  const t0 = performance.now();
  await live.sendMany(messages(), { bdat, window });
  const sendSeconds = (performance.now() - t0) / 1000;
  record = await live.close();
  const seconds = (performance.now() - started) / 1000;
  const batch = record.batch;
  if (!record.result.ok || batch?.delivered !== count) {
    throw new Error(
      `not every message was delivered: ${JSON.stringify(record.result)} ${JSON.stringify(batch && { ...batch, failures: batch.failures.slice(0, 3) })}`,
    );
  }
  return {
    messages: count,
    bytes: record.message.size * count,
    seconds,
    sendSeconds,
    noops,
    noopSeconds,
    method: batch.method,
    pipelined: batch.pipelined,
    window: batch.window,
    events: record.events.length,
  };
}

async function probes() {
  const warm = flag('--warm') ? await warmUp(probesOnce, (r) => r.connections / r.seconds) : undefined;
  return { ...(await probesOnce()), ...(warm ? { warm: true, warmUpRates: warm.map(Math.round) } : {}) };
}

async function probesOnce() {
  const count = Number(value('--count', '1'));
  const concurrency = Number(value('--concurrency', '1'));
  const starttls = flag('--starttls');
  const options = starttls
    ? {
        ...connection,
        tls: 'starttls',
        tlsOptions: { verify: true, ca: readFileSync(value('--ca'), 'utf8') },
      }
    : connection;
  let next = 0;
  let events = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const record = await probe({ connection: options });
      if (!record.result.ok) throw new Error(`probe failed: ${record.result.error?.message}`);
      if (starttls && !record.tls?.authorized) throw new Error('the certificate was not verified');
      events += record.events.length;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return { connections: count, concurrency, seconds, events };
}

try {
  const result = mode === 'probe' ? await probes() : await send();
  process.stdout.write(JSON.stringify({ client: 'smtp-lens', ...result, peakRssKb: peakRssKb() }) + '\n');
} catch (error) {
  process.stderr.write(`smtp-lens-client: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
}
