/**
 * Vitest global setup for `npm run test:interop`: installs the servers if they are missing (root on
 * Debian), starts them once for every test file, and stops them afterwards.
 *
 * Where they are missing and cannot be installed, the run fails with the reason — unless
 * SMTP_LENS_INTEROP_SKIP=1 says to skip, in which case every interop test is reported as skipped.
 * SMTP_LENS_INTEROP_KEEP=1 keeps the temporary folder (configurations, logs, Maildirs) for a post-mortem.
 */
import type { TestProject } from 'vitest/node';
import { cannotInstall, install, missingPrograms, startServers, type InteropEnv } from './servers.js';

export type InteropContext = { available: true; env: InteropEnv } | { available: false; reason: string };

declare module 'vitest' {
  export interface ProvidedContext {
    interop: InteropContext;
  }
}

const log = (line: string): void => {
  process.stderr.write(`interop: ${line}\n`);
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const skipAllowed = process.env.SMTP_LENS_INTEROP_SKIP === '1';
  const unavailable = (reason: string): (() => Promise<void>) => {
    const message = `the interoperability tests cannot run: ${reason}`;
    if (!skipAllowed) {
      throw new Error(
        `${message}. Run as root on Debian (the servers are then installed from Debian's packages), or set SMTP_LENS_INTEROP_SKIP=1 to skip them.`,
      );
    }
    log(`SKIPPED (SMTP_LENS_INTEROP_SKIP=1): ${message}`);
    project.provide('interop', { available: false, reason });
    return async () => undefined;
  };

  const missing = missingPrograms();
  if (missing.length > 0) {
    const why = cannotInstall();
    if (why) return unavailable(`${missing.join(', ')} not installed, and ${why}`);
    log(`installing (missing: ${missing.join(', ')})`);
    try {
      const ms = await install();
      log(`install took ${(ms / 1000).toFixed(1)} s`);
    } catch (error) {
      return unavailable(`installing the servers failed: ${(error as Error).message}`);
    }
  } else {
    log('servers already installed');
  }
  const still = missingPrograms();
  if (still.length > 0) return unavailable(`${still.join(', ')} still missing after the install`);
  if (process.getuid?.() !== 0) return unavailable('running the servers needs root');

  const running = await startServers();
  const { env } = running;
  log(
    `started in ${(running.startMs / 1000).toFixed(1)} s: postfix ${env.versions.postfix}, dovecot ${env.versions.dovecot}, ` +
      `exim ${env.versions.exim}, swaks ${env.versions.swaks}; folder ${env.root}`,
  );
  if (!env.netns.ok) log(`no network namespace for the non-loopback test host: ${env.netns.reason}`);
  project.provide('interop', { available: true, env });

  return async () => {
    const stopped = performance.now();
    await running.stop();
    log(`servers stopped in ${((performance.now() - stopped) / 1000).toFixed(1)} s`);
  };
}
