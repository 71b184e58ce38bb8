import { UsageError } from './usage-error.js';

/**
 * Ask for a secret in the terminal without echoing it (raw mode, one key at a time). Only called when stdin and
 * stderr are a terminal; Ctrl-C cancels (rejects), Enter ends, Backspace deletes.
 */
export function askSecret(prompt: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let secret = '';
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const done = (error?: Error): void => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(secret);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\u0003') return done(new UsageError('cancelled: no password was given'));
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u007f' || ch === '\b') secret = secret.slice(0, -1);
        else if (ch >= ' ') secret += ch;
      }
    };
    input.on('data', onData);
  });
}
