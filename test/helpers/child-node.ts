// Child Node processes for tests that need another process: one that is killed mid-write, or one that runs without
// root's privileges. A child runs the BUILT modules (out/node, made by `npm run build:node`); `ensureBuilt` builds
// them first when they are missing or older than their sources.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The built file of a source file: `electron/app/services/x.ts` → `<root>/out/node/electron/app/services/x.js`. */
export const built = (source: string): string => join(ROOT, 'out/node', source.replace(/\.ts$/, '.js'));

const newestSource = (): number => {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of ['electron/app', 'electron/smtp', 'shared']) walk(join(ROOT, dir));
  return newest;
};

/** Builds out/node when any of `sources` is missing there or older than the newest source it may import. */
export function ensureBuilt(sources: string[]): void {
  const newest = newestSource();
  const fresh = () => sources.every((s) => existsSync(built(s)) && statSync(built(s)).mtimeMs >= newest);
  if (fresh()) return;
  // tsc emits even when unrelated files in the build have type errors; what matters is the output.
  spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  if (!fresh()) throw new Error(`out/node could not be built for ${sources.join(', ')}: run "npm run build:node"`);
}

export const IS_ROOT = process.getuid?.() === 0;
/** Debian's unprivileged user. */
export const NOBODY = { uid: 65534, gid: 65534 };

/**
 * Runs `code` (an ES module; `ROOT` is in its environment) as `nobody`, and returns what it printed last, as JSON.
 * Only root can start a process as another user: used where root would ignore a permission the test is about.
 */
export async function runAsNobody(code: string, timeoutMs = 20_000): Promise<unknown> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    ...NOBODY,
    cwd: '/',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ROOT },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: timeoutMs,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const status = await new Promise<number | null>((resolveExit, reject) => {
    child.once('error', reject);
    child.once('close', resolveExit);
  });
  const last = stdout.trim().split('\n').at(-1);
  if (status !== 0 || !last) throw new Error(`the child as nobody exited with ${status}: ${stderr || stdout}`);
  return JSON.parse(last) as unknown;
}
