#!/usr/bin/env node
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';

/**
 * The CLI's entry. Before anything else is loaded, Node's on-disk compile cache (Node 22.1 and later; absent on older
 * Node, where this does nothing) is turned on, so that a second run does not compile the same code again. It goes
 * in the user's own cache directory (XDG_CACHE_HOME, else ~/.cache), never a shared /tmp another user could fill;
 * NODE_COMPILE_CACHE, when set, names another, and NODE_DISABLE_COMPILE_CACHE turns it off (Node reads both).
 */
const HELP = new Set(['help', '--help', '-h']);

function enableCompileCache(): void {
  const enable = (module as { enableCompileCache?: (directory?: string) => unknown }).enableCompileCache;
  if (typeof enable !== 'function' || process.env.NODE_DISABLE_COMPILE_CACHE !== undefined) return;
  try {
    if (process.env.NODE_COMPILE_CACHE) enable();
    else {
      const xdg = process.env.XDG_CACHE_HOME;
      // The XDG spec: a relative XDG_CACHE_HOME is invalid and ignored.
      const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
      enable(path.join(base, 'smtp-lens', 'compile-cache'));
    }
  } catch {
    // A cache that cannot be made only costs speed.
  }
}

// `smtp-lens`, `smtp-lens help` and `--help` print the usage and load nothing else (not even the compile cache).
const argv = process.argv.slice(2);
if (argv.length === 0 || (argv.length === 1 && HELP.has(argv[0]!))) {
  void import('./usage.js').then(({ USAGE }) => process.stdout.write(USAGE));
} else {
  enableCompileCache();
  void Promise.all([import('./exit-codes.js'), import('./run.js')]).then(([{ EXIT }, { run }]) =>
    run(argv).then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        process.stderr.write(`smtp-lens: internal error: ${error instanceof Error ? error.stack : String(error)}\n`);
        process.exitCode = EXIT.internal;
      },
    ),
  );
}
