#!/usr/bin/env node
// A minimal SMTP server with STARTTLS for the TLS probe benchmark (smtp-sink has no TLS): greeting,
// EHLO (advertising STARTTLS before TLS, not after), STARTTLS, NOOP, RSET, QUIT. One certificate made
// at start-up by a throw-away CA, both ECDSA P-256; the CA is written to --ca-out for the clients.
// The server builds its SecureContext once, so the clients are what is measured.
//
//   node tls-stub.mjs --listen 127.0.0.1:0 --ca-out FILE
// Prints "listening <port>" on stdout once ready; stops on SIGTERM.
import net from 'node:net';
import tls from 'node:tls';
import { writeFileSync } from 'node:fs';
// The same throw-away CA and leaf as the tests' (the built module: `npm run bench` builds first).
const { makeLocalPki } = await import(new URL('../../out/node/electron/app/services/local-pki.js', import.meta.url).href);

const args = process.argv.slice(2);
const value = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const listen = value('--listen', '127.0.0.1:0');
const caOut = value('--ca-out');

const pki = await makeLocalPki('SMTP Lens Bench CA');
if (caOut) writeFileSync(caOut, pki.caCert);
const secureContext = tls.createSecureContext({ cert: pki.cert, key: pki.key });

const hello = (secure) =>
  ['250-tls-stub', '250-PIPELINING', '250-8BITMIME', ...(secure ? [] : ['250-STARTTLS']), '250 ENHANCEDSTATUSCODES']
    .map((l) => l + '\r\n')
    .join('');

/** Speak SMTP on a socket: plain, or TLS once STARTTLS has upgraded it. */
function speak(socket, secure) {
  let buffer = '';
  const onData = (chunk) => {
    buffer += chunk.toString('latin1');
    let lf;
    let out = '';
    while ((lf = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, lf).replace(/\r$/, '');
      buffer = buffer.slice(lf + 1);
      const verb = line.slice(0, 8).toUpperCase();
      if (verb.startsWith('EHLO') || verb.startsWith('LHLO')) out += hello(secure);
      else if (verb.startsWith('HELO')) out += '250 tls-stub\r\n';
      else if (verb.startsWith('STARTTLS') && !secure) {
        socket.off('data', onData);
        if (out) socket.write(out);
        if (buffer.length) {
          // Pipelined past STARTTLS: refuse rather than read plaintext into the TLS session.
          socket.end('554 5.5.1 Error: command pipelined after STARTTLS\r\n');
          return;
        }
        socket.write('220 2.0.0 Ready to start TLS\r\n');
        const secureSocket = new tls.TLSSocket(socket, { isServer: true, secureContext });
        secureSocket.on('error', () => socket.destroy());
        speak(secureSocket, true);
        return;
      } else if (verb.startsWith('NOOP') || verb.startsWith('RSET')) out += '250 2.0.0 Ok\r\n';
      else if (verb.startsWith('QUIT')) {
        socket.end(out + '221 2.0.0 Bye\r\n');
        return;
      } else out += '502 5.5.2 Error: command not recognized\r\n';
    }
    if (out) socket.write(out);
  };
  socket.on('data', onData);
  socket.on('error', () => {});
}

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => {});
  socket.write('220 tls-stub ESMTP\r\n');
  speak(socket, false);
});
const colon = listen.lastIndexOf(':');
server.listen(Number(listen.slice(colon + 1)), listen.slice(0, colon), () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
