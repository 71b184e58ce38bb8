#!/usr/bin/env node
// A TCP proxy on loopback that holds every chunk for a fixed delay in each direction, so a round trip
// costs at least twice that: the benchmark's stand-in for a server a little way off. It shows how many
// round trips a client needs per message (pipelining), not how much CPU it uses.
//
//   node delay-proxy.mjs --listen 127.0.0.1:0 --target 127.0.0.1:PORT --delay-ms 1
// Prints "listening <port>" on stdout; stops on SIGTERM. Order within a direction is kept.
import net from 'node:net';

const args = process.argv.slice(2);
const value = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const [listenHost, listenPort] = split(value('--listen', '127.0.0.1:0'));
const [targetHost, targetPort] = split(value('--target'));
const delayMs = Number(value('--delay-ms', '1'));

function split(hostPort) {
  if (!hostPort) {
    process.stderr.write('delay-proxy: --target HOST:PORT is required\n');
    process.exit(2);
  }
  const colon = hostPort.lastIndexOf(':');
  return [hostPort.slice(0, colon), Number(hostPort.slice(colon + 1))];
}

/** Forward from one socket to another, each chunk leaving `delayMs` after it arrived. */
function delayed(from, to) {
  const queue = []; // [dueAt, chunk]
  let timer;
  const pump = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length && queue[0][0] <= now) to.write(queue.shift()[1]);
    if (queue.length) timer = setTimeout(pump, Math.max(0, queue[0][0] - now));
    else if (from.readableEnded) to.end();
  };
  from.on('data', (chunk) => {
    queue.push([performance.now() + delayMs, chunk]);
    timer ??= setTimeout(pump, delayMs);
  });
  from.on('end', () => {
    if (!queue.length && !timer) to.end();
  });
}

// Half-open sockets: an end (FIN) travels with the same delay as the data before it, after that data.
const server = net.createServer({ allowHalfOpen: true }, (client) => {
  client.setNoDelay(true);
  const upstream = net.connect({ host: targetHost, port: targetPort, allowHalfOpen: true });
  upstream.setNoDelay(true);
  delayed(client, upstream);
  delayed(upstream, client);
  const drop = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', drop);
  upstream.on('error', drop);
  // Once both directions have ended, let go of both sockets.
  const closeWhenDone = () => {
    if (client.readableEnded && upstream.readableEnded && client.writableFinished && upstream.writableFinished) drop();
  };
  for (const socket of [client, upstream]) {
    socket.on('end', closeWhenDone);
    socket.on('finish', closeWhenDone);
  }
});
server.listen(listenPort, listenHost, () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
