#!/usr/bin/env node
// Nodemailer as a benchmark peer, two ways: its low-level SMTPConnection (nodemailer/lib/smtp-connection)
// and its SMTP transport (createTransport, pooled on one connection so it is "one connection" too).
// Prints one JSON line, the same fields as the other clients.
//
//   send:  connection|transport  --host H --port P | --socket PATH  [--lmtp]  --message FILE --count N
// (SMTPConnection has no public NOOP, so it measures no round trip of its own.)
//   probe: connection  --host H --port P  --count N  [--concurrency C]  [--starttls --ca FILE]
import net from 'node:net';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import nodemailer from 'nodemailer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';

const args = process.argv.slice(2);
const [mode, flavour] = args;
const value = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const flag = (name) => args.includes(name);
const host = value('--host', '127.0.0.1');
const port = Number(value('--port', '25'));
const socketPath = value('--socket');
const lmtp = flag('--lmtp');
const envelope = { from: 'sender@bench.test', to: ['rcpt@bench.test'] };

function peakRssKb() {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) : undefined;
}

/** An open Unix-socket connection, for SMTPConnection's `connection` option (it has no socket-path option). */
function unixSocket(path) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path, () => resolve(socket));
    socket.once('error', reject);
  });
}

async function openConnection(extra = {}) {
  const options = { host, port, lmtp, name: 'client.bench.test', ignoreTLS: !extra.requireTLS, ...extra };
  if (socketPath) options.connection = await unixSocket(socketPath);
  const connection = new SMTPConnection(options);
  connection.on('error', () => {});
  await new Promise((resolve, reject) => connection.connect((error) => (error ? reject(error) : resolve())));
  return connection;
}

function quit(connection) {
  return new Promise((resolve) => {
    connection.once('end', resolve);
    connection.quit();
  });
}

async function send() {
  const count = Number(value('--count', '1'));
  const file = value('--message');
  const size = statSync(file).size;
  // A small message is read once and sent from memory; a large one is streamed from the file.
  const inMemory = size <= 1024 * 1024 ? readFileSync(file) : undefined;
  const body = () => inMemory ?? createReadStream(file);
  const started = performance.now();
  let sendSeconds;
  if (flavour === 'transport') {
    const transport = nodemailer.createTransport({
      host,
      port,
      lmtp,
      ...(socketPath
        ? { getSocket: (_options, callback) => unixSocket(socketPath).then((connection) => callback(null, { connection }), callback) }
        : {}),
      pool: true,
      maxConnections: 1,
      maxMessages: Infinity,
      ignoreTLS: true,
      name: 'client.bench.test',
    });
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const info = await transport.sendMail({ envelope, raw: inMemory ?? { path: file } });
      if (info.rejected?.length) throw new Error(`rejected: ${info.rejected}`);
    }
    sendSeconds = (performance.now() - t0) / 1000;
    transport.close();
  } else {
    const connection = await openConnection();
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const info = await new Promise((resolve, reject) =>
        connection.send(envelope, body(), (error, info) => (error ? reject(error) : resolve(info))),
      );
      if (info.rejected?.length) throw new Error(`rejected: ${info.rejected}`);
    }
    sendSeconds = (performance.now() - t0) / 1000;
    await quit(connection);
  }
  return { messages: count, bytes: size * count, seconds: (performance.now() - started) / 1000, sendSeconds };
}

async function probes() {
  const count = Number(value('--count', '1'));
  const concurrency = Number(value('--concurrency', '1'));
  const tls = flag('--starttls') ? { requireTLS: true, tls: { ca: readFileSync(value('--ca'), 'utf8'), rejectUnauthorized: true } } : {};
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const connection = await openConnection(tls);
      if (flag('--starttls') && !connection.secure) throw new Error('STARTTLS was not used');
      await quit(connection);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { connections: count, concurrency, seconds: (performance.now() - t0) / 1000 };
}

try {
  const result = mode === 'probe' ? await probes() : await send();
  const client = mode === 'probe' || flavour !== 'transport' ? 'nodemailer-connection' : 'nodemailer-transport';
  process.stdout.write(JSON.stringify({ client, ...result, peakRssKb: peakRssKb() }) + '\n');
} catch (error) {
  process.stderr.write(`nodemailer-client: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
}
