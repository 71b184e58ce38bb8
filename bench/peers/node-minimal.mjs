#!/usr/bin/env node
// A reference, not a peer: the least a Node client can do for each scenario — raw sockets, replies
// matched by counting, no transcript, no record, no timeouts, no checks beyond the reply code. It shows
// what the Node runtime itself costs on this machine (its event loop, net and tls), so SMTP Lens's
// figures can be read against it: what is above it is the engine's; what it cannot beat is the runtime's.
//
//   send:  --host H --port P | --socket PATH  [--lmtp]  --message FILE --count N
//          DATA pipelined like SMTP Lens: "<body>.\r\nMAIL…\r\nRCPT…\r\nDATA\r\n" in one write per message
//   probe: --host H --port P  --count N  [--concurrency C]  [--starttls --ca FILE]
//   both:  [--warm]  first do the same work, untimed, in this process until its rate settles (warm-up.mjs)
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { warmUp } from './warm-up.mjs';

const args = process.argv.slice(2);
const mode = args[0];
const value = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const flag = (name) => args.includes(name);
const target = value('--socket') ? { path: value('--socket') } : { host: value('--host', '127.0.0.1'), port: Number(value('--port')) };
const lmtp = flag('--lmtp');

function peakRssKb() {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) : undefined;
}

/** Call onReply(code) for each complete reply (last line of a multi-line one) arriving on a socket. */
function replies(socket, onReply) {
  let pending = '';
  const onData = (chunk) => {
    pending += chunk.toString('latin1');
    let lf;
    while ((lf = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, lf);
      pending = pending.slice(lf + 1);
      if (line[3] !== '-') onReply(Number(line.slice(0, 3)), line);
    }
  };
  socket.on('data', onData);
  return () => socket.off('data', onData);
}

function dotStuff(message) {
  const text = message.toString('latin1').replace(/\r?\n/g, '\r\n');
  const body = text.replace(/^\./gm, '..');
  return Buffer.from(body.endsWith('\r\n') ? body + '.\r\n' : body + '\r\n.\r\n', 'latin1');
}

function send() {
  const count = Number(value('--count', '1'));
  const body = dotStuff(readFileSync(value('--message')));
  const envelope = 'MAIL FROM:<sender@bench.test>\r\nRCPT TO:<rcpt@bench.test>\r\nDATA\r\n';
  const withNext = Buffer.concat([body, Buffer.from(envelope, 'latin1')]);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let sendStarted = 0;
    const socket = net.connect(target);
    socket.setNoDelay(true);
    socket.on('error', reject);
    let stage = 'greeting';
    let sent = 0; // messages whose envelope went out
    let expected = 0; // replies still due before the next 354
    replies(socket, (code, line) => {
      if (code >= 400) {
        reject(new Error(`refused: ${line}`));
        socket.destroy();
        return;
      }
      if (stage === 'greeting') {
        socket.write(`${lmtp ? 'LHLO' : 'EHLO'} client.bench.test\r\n`);
        stage = 'hello';
      } else if (stage === 'hello') {
        sendStarted = performance.now();
        socket.write(envelope);
        sent = 1;
        expected = 3;
        stage = 'mail';
      } else if (stage === 'mail') {
        if (--expected > 0) return;
        // The 354 of message `sent`: its body, and the next envelope in the same write.
        if (sent < count) {
          socket.write(withNext);
          sent++;
          expected = 4; // the final reply of the previous message, then MAIL, RCPT, DATA
        } else {
          socket.write(body);
          stage = 'last';
        }
      } else if (stage === 'last') {
        const sendSeconds = (performance.now() - sendStarted) / 1000;
        socket.write('QUIT\r\n');
        stage = 'quit';
        socket.once('close', () =>
          resolve({ messages: count, bytes: body.length * count, seconds: (performance.now() - started) / 1000, sendSeconds }),
        );
      }
    });
  });
}

function probeOnce(context) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(target);
    socket.setNoDelay(true);
    socket.on('error', reject);
    let step = 0;
    const stop = replies(socket, (code, line) => {
      if (code >= 400) {
        reject(new Error(line));
        return;
      }
      switch (step++) {
        case 0: // greeting
          socket.write('EHLO client.bench.test\r\n');
          break;
        case 1: // EHLO
          socket.write(context ? 'STARTTLS\r\n' : 'QUIT\r\n');
          break;
        case 2: // 221 to QUIT, or 220 to STARTTLS
          if (!context) {
            socket.end();
            break;
          }
          stop();
          upgrade();
          break;
      }
    });
    const upgrade = () => {
      const secure = tls.connect(
        { socket, secureContext: context, checkServerIdentity: (_name, cert) => tls.checkServerIdentity(target.host, cert) },
        () => {
          if (!secure.authorized) {
            reject(new Error(`not verified: ${secure.authorizationError}`));
            return;
          }
          let secureStep = 0;
          replies(secure, () => {
            if (secureStep++ === 0) secure.write('QUIT\r\n');
            else secure.end();
          });
          secure.write('EHLO client.bench.test\r\n');
        },
      );
      secure.on('error', reject);
      secure.on('close', resolve);
    };
    socket.on('close', () => {
      if (!context) resolve();
    });
  });
}

async function probes() {
  const count = Number(value('--count', '1'));
  const concurrency = Number(value('--concurrency', '1'));
  const context = flag('--starttls') ? tls.createSecureContext({ ca: readFileSync(value('--ca'), 'utf8') }) : undefined;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await probeOnce(context);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { connections: count, concurrency, seconds: (performance.now() - t0) / 1000 };
}

try {
  const run = mode === 'probe' ? probes : send;
  const rateOf = mode === 'probe' ? (r) => r.connections / r.seconds : (r) => r.messages / r.sendSeconds;
  const warm = flag('--warm') ? await warmUp(run, rateOf) : undefined;
  const result = { ...(await run()), ...(warm ? { warm: true, warmUpRates: warm.map(Math.round) } : {}) };
  process.stdout.write(JSON.stringify({ client: 'node-minimal', ...result, peakRssKb: peakRssKb() }) + '\n');
} catch (error) {
  process.stderr.write(`node-minimal: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
}
