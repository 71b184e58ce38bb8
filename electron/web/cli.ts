#!/usr/bin/env node
import { existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startWebHost, type WebHost } from './server.js';

/**
 * `npm run web`: serve the built renderer on a loopback port and print the address to open.
 * It builds nothing itself; `npm run build` makes out/renderer.
 */

const DEFAULT_PORT = 5178;

const USAGE = `usage: smtp-lens-web [--port N] [--data-dir DIR] [--renderer-dir DIR]

Serves SMTP Lens to a browser on this machine only (127.0.0.1), protected by a random token in the
address it prints. --port 0 picks a free port; the default is ${DEFAULT_PORT}, or a free port when
${DEFAULT_PORT} is taken.
`;

/** Where the app keeps its data when run as a web host: the platform's usual per-user place. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = os.homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'smtp-lens');
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'smtp-lens');
  const xdg = env.XDG_DATA_HOME;
  // XDG: a relative value is invalid and must be ignored.
  return join(xdg && xdg.startsWith('/') ? xdg : join(home, '.local', 'share'), 'smtp-lens');
}

/** The project root: the nearest directory above this module with a package.json. */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be 0-65535 (got "${value}")`);
  }
  return port;
}

const isAddressInUse = (error: unknown): boolean => (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';

export async function main(argv = process.argv.slice(2)): Promise<number> {
  let values: { port?: string; 'data-dir'?: string; 'renderer-dir'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        'renderer-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`smtp-lens-web: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }

  let port: number | undefined;
  try {
    port = values.port !== undefined ? parsePort(values.port) : undefined;
  } catch (error) {
    process.stderr.write(`smtp-lens-web: ${(error as Error).message}\n`);
    return 2;
  }
  const rendererDir = resolve(values['renderer-dir'] ?? join(projectRoot(), 'out', 'renderer'));
  if (!existsSync(join(rendererDir, 'index.html'))) {
    process.stderr.write(`smtp-lens-web: ${join(rendererDir, 'index.html')} does not exist; build the renderer first: npm run build\n`);
    return 1;
  }
  const dataDir = resolve(values['data-dir'] ?? defaultDataDir());

  let host: WebHost;
  try {
    try {
      host = await startWebHost({ port: port ?? DEFAULT_PORT, rendererDir, dataDir });
    } catch (error) {
      // The default port is a convenience; when it is taken, any free port will do.
      if (port !== undefined || !isAddressInUse(error)) throw error;
      host = await startWebHost({ port: 0, rendererDir, dataDir });
    }
  } catch (error) {
    process.stderr.write(`smtp-lens-web: could not start: ${(error as Error).message}\n`);
    return 1;
  }

  process.stdout.write(
    `SMTP Lens is served on this machine only.\nOpen: ${host.url}\n` +
      `(the address carries an access token: do not share it)\ndata: ${dataDir}\nPress Ctrl+C to stop.\n`,
  );

  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        process.stderr.write(`smtp-lens-web: ${signal} again, exiting now\n`);
        process.exit(130);
      }
      stopping = true;
      process.stdout.write('\nClosing sessions and the test server…\n');
      host.close().then(
        () => resolveExit(0),
        (error: unknown) => {
          process.stderr.write(`smtp-lens-web: error while stopping: ${(error as Error).message}\n`);
          resolveExit(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`smtp-lens-web: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
