#!/usr/bin/env node
// A fast SMTP/LMTP sink for the benchmarks: accepts everything, keeps nothing.
//
// postfix's smtp-sink reads DATA more slowly than a fast client sends it (between about 130 and 200 MB/s
// here), so a client that streams faster cannot show it against smtp-sink. This sink finds the end of DATA with one Buffer.indexOf per read
// (and a look at the seam between reads), skips BDAT chunks by count, answers every command of a read
// in one write, and optionally offers CHUNKING. It is a measuring device, not a mail server: it checks
// only what it needs to keep the replies in step with a correct client.
//
//   node fast-sink.mjs --listen 127.0.0.1:0 | --socket PATH  [--lmtp] [--chunking]
// Prints "listening <port or path>" on stdout once it accepts connections; stops on SIGTERM.
import net from 'node:net';
import { rmSync } from 'node:fs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const lmtp = flag('--lmtp');
const chunking = flag('--chunking');
const socketPath = value('--socket');
const listen = value('--listen') ?? '127.0.0.1:0';

const NAME = 'fast-sink';
const CAPABILITIES = [NAME, 'PIPELINING', '8BITMIME', 'SIZE 0', ...(chunking ? ['CHUNKING'] : []), 'ENHANCEDSTATUSCODES'];
const HELLO_REPLY = CAPABILITIES.map((c, i) => `250${i === CAPABILITIES.length - 1 ? ' ' : '-'}${c}\r\n`).join('');
const END_OF_DATA = Buffer.from('\r\n.\r\n', 'latin1');

function serve(socket) {
  socket.setNoDelay(true);
  let mode = 'command'; // 'command' | 'data' | 'bdat'
  let pending = Buffer.alloc(0); // unfinished command line
  let seam = Buffer.from('\r\n', 'latin1'); // last bytes of DATA seen, for a terminator split between reads
  let bdatLeft = 0;
  let bdatLast = false;
  let hasMail = false;
  let rcpts = 0;
  let out = '';

  const endTransaction = () => {
    if (rcpts === 0) out += '554 5.5.1 Error: no valid recipients\r\n';
    else if (lmtp) for (let i = 0; i < rcpts; i++) out += '250 2.0.0 Ok: delivered\r\n';
    else out += '250 2.0.0 Ok: queued\r\n';
    hasMail = false;
    rcpts = 0;
  };

  const command = (line) => {
    const verb = line.slice(0, 4).toUpperCase();
    switch (verb) {
      case 'EHLO':
      case 'LHLO':
        out += HELLO_REPLY;
        return;
      case 'HELO':
        out += `250 ${NAME}\r\n`;
        return;
      case 'MAIL':
        if (hasMail) out += '503 5.5.1 Error: nested MAIL command\r\n';
        else {
          hasMail = true;
          out += '250 2.1.0 Ok\r\n';
        }
        return;
      case 'RCPT':
        if (!hasMail) out += '503 5.5.1 Error: need MAIL command\r\n';
        else {
          rcpts++;
          out += '250 2.1.5 Ok\r\n';
        }
        return;
      case 'DATA':
        if (rcpts === 0) out += '554 5.5.1 Error: no valid recipients\r\n';
        else {
          out += '354 End data with <CR><LF>.<CR><LF>\r\n';
          mode = 'data';
          seam = Buffer.from('\r\n', 'latin1');
        }
        return;
      case 'BDAT': {
        const m = /^BDAT (\d+)( LAST)?\s*$/i.exec(line);
        if (!m || !chunking) {
          out += '501 5.5.4 Syntax: BDAT count [LAST]\r\n';
          return;
        }
        bdatLeft = Number(m[1]);
        bdatLast = m[2] !== undefined;
        mode = 'bdat';
        return;
      }
      case 'RSET':
        hasMail = false;
        rcpts = 0;
        out += '250 2.0.0 Ok\r\n';
        return;
      case 'NOOP':
        out += '250 2.0.0 Ok\r\n';
        return;
      case 'QUIT':
        out += '221 2.0.0 Bye\r\n';
        mode = 'quit';
        return;
      default:
        out += '502 5.5.2 Error: command not recognized\r\n';
    }
  };

  const bdatDone = () => {
    mode = 'command';
    if (!bdatLast) out += '250 2.0.0 Ok: chunk\r\n';
    else endTransaction();
  };

  socket.on('data', (chunk) => {
    let at = 0;
    while (at < chunk.length && mode !== 'quit') {
      if (mode === 'data') {
        // The terminator may straddle the previous read and this one.
        const head = chunk.subarray(at, Math.min(chunk.length, at + 4));
        const joined = Buffer.concat([seam, head]);
        let end = -1;
        const inSeam = joined.indexOf(END_OF_DATA);
        if (inSeam !== -1) end = at + (inSeam + END_OF_DATA.length - seam.length);
        else {
          const found = chunk.indexOf(END_OF_DATA, at);
          if (found !== -1) end = found + END_OF_DATA.length;
        }
        if (end === -1) {
          const rest = chunk.length - at;
          seam = rest >= 4 ? Buffer.from(chunk.subarray(chunk.length - 4)) : Buffer.concat([seam, chunk.subarray(at)]).subarray(-4);
          break;
        }
        at = end;
        mode = 'command';
        endTransaction();
        continue;
      }
      if (mode === 'bdat') {
        const take = Math.min(bdatLeft, chunk.length - at);
        bdatLeft -= take;
        at += take;
        if (bdatLeft === 0) bdatDone();
        continue;
      }
      const lf = chunk.indexOf(10, at);
      if (lf === -1) {
        pending = Buffer.concat([pending, chunk.subarray(at)]);
        if (pending.length > 65536) {
          socket.destroy();
          return;
        }
        break;
      }
      let lineBytes = chunk.subarray(at, lf);
      if (pending.length) {
        lineBytes = Buffer.concat([pending, lineBytes]);
        pending = Buffer.alloc(0);
      }
      at = lf + 1;
      const line = lineBytes.toString('latin1').replace(/\r$/, '');
      command(line);
      if (mode === 'bdat' && bdatLeft === 0) bdatDone();
    }
    if (out) {
      socket.write(out);
      out = '';
    }
    if (mode === 'quit') socket.end();
  });
  socket.on('error', () => {});
  socket.write(`220 ${NAME} ${lmtp ? 'LMTP' : 'ESMTP'}\r\n`);
}

const server = net.createServer(serve);
server.on('error', (error) => {
  process.stderr.write(`fast-sink: ${error.message}\n`);
  process.exit(1);
});
const stop = () => {
  server.close();
  if (socketPath) rmSync(socketPath, { force: true });
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

if (socketPath) {
  rmSync(socketPath, { force: true });
  server.listen(socketPath, () => process.stdout.write(`listening ${socketPath}\n`));
} else {
  const colon = listen.lastIndexOf(':');
  server.listen(Number(listen.slice(colon + 1)), listen.slice(0, colon), () =>
    process.stdout.write(`listening ${server.address().port}\n`),
  );
}
