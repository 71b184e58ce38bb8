import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Running the built command line (`node bin/smtp-lens.cjs …`) as a user would, for black-box tests. */

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(ROOT, 'bin/smtp-lens.cjs');
const BUILT = join(ROOT, 'out/cli/smtp-lens.cjs');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Throw unless the CLI is built (npm test builds it in pretest). */
export function assertCliBuilt(): void {
  if (!existsSync(BUILT)) {
    throw new Error(`the CLI is not built (${BUILT} is missing): run "npm run build:node" first (npm test does it via pretest)`);
  }
}

/**
 * No config file and no profiles of the machine's user reach a test run (defaults.ts reads both): each run sees an
 * empty folder unless the test sets XDG_CONFIG_HOME / SMTP_LENS_DATA_DIR itself.
 */
const EMPTY = mkdtempSync(join(tmpdir(), 'smtp-lens-cli-home-'));
export const ISOLATED: NodeJS.ProcessEnv = { XDG_CONFIG_HOME: EMPTY, SMTP_LENS_DATA_DIR: join(EMPTY, 'data'), SMTP_LENS_CONFIG: '' };

/** Run the CLI; resolves with its exit status and output whatever the status (a run that does not finish rejects). */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<Run> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, timeout: timeoutMs, env: { ...process.env, ...ISOLATED, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          fail(new Error(`smtp-lens did not finish (${error.signal ?? error.code ?? error.message}): ${stderr}`));
          return;
        }
        done({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}
