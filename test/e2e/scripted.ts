import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * Scripted servers on loopback for the end-to-end specs: each misbehaves exactly as its script says (`line()` reads
 * the next command line, `until(text)` skips past a text). `closeAll` after each test.
 */
export function scriptedServers() {
  const servers: Server[] = [];
  /** A scripted server on loopback: `script` gets each socket and a line reader. */
  async function scripted(
    script: (socket: Socket, line: () => Promise<string>, until: (text: string) => Promise<void>) => Promise<void>,
  ): Promise<number> {
    const server = createServer((socket) => {
      let buffer = '';
      let wake: (() => void) | undefined;
      socket.on('data', (d: Buffer) => {
        buffer += d.toString('latin1');
        wake?.();
      });
      socket.on('error', () => {});
      const next = async (take: () => string | undefined): Promise<string> => {
        for (;;) {
          const got = take();
          if (got !== undefined) return got;
          await new Promise<void>((r) => (wake = r));
        }
      };
      const line = () =>
        next(() => {
          const at = buffer.indexOf('\r\n');
          if (at < 0) return undefined;
          const text = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          return text;
        });
      const until = async (text: string) => {
        await next(() => {
          const at = buffer.indexOf(text);
          if (at < 0) return undefined;
          buffer = buffer.slice(at + text.length);
          return '';
        });
      };
      script(socket, line, until).catch(() => socket.destroy());
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }

  const closeAll = async (): Promise<void> => {
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
  };
  return { scripted, closeAll };
}

export type Scripted = ReturnType<typeof scriptedServers>['scripted'];
export type { Socket };
