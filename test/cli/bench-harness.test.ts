import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * A smoke test of the benchmark harness itself (bench/run.mjs --quick): it starts its peers, runs every
 * client of scenario 1 once with 50 messages and writes its table. The figures mean nothing at that
 * size; `npm run bench` takes the real ones. Skipped where postfix's smtp-sink or python3 is missing
 * (the harness would install them through apt, which a test never does).
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ready = existsSync('/usr/sbin/smtp-sink') && existsSync('/usr/sbin/smtp-source') && existsSync('/usr/bin/python3');

describe.skipIf(!ready)('bench/run.mjs --quick', () => {
  it('runs scenario 1 against its own sinks and writes the table as JSON and Markdown', async () => {
    const out = mkdtempSync(join(tmpdir(), 'smtp-lens-bench-test-'));
    try {
      const run = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
        execFile(
          process.execPath,
          [join(ROOT, 'bench/run.mjs'), '--quick', '--scenarios', '1', '--no-install', '--out', out],
          { cwd: ROOT, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
          (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^1\. 50 messages of 1 KB over one connection to smtp-sink/m);
      const results = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8'));
      const one = results.scenarios.find((s: { id: string }) => s.id === '1');
      expect(one.rows.map((r: { client: string }) => r.client)).toEqual([
        'smtp-lens',
        'smtp-lens-warm',
        'smtp-source',
        'smtplib',
        'nodemailer-connection',
        'nodemailer-transport',
        'node-minimal',
        'node-minimal-warm',
      ]);
      for (const row of one.rows) expect(row.median, row.client).toBeGreaterThan(0);
      // SMTP Lens ran with its transcript on: 9 events per message at least.
      const lens = one.runs.find((r: { client: string }) => r.client === 'smtp-lens');
      expect(lens.events).toBeGreaterThanOrEqual(50 * 9);
      // The warm row did its work twice in one process and reports the second, timed pass.
      const warm = one.runs.find((r: { client: string }) => r.client === 'smtp-lens-warm');
      expect(warm.events).toBeGreaterThanOrEqual(50 * 9);
      expect(warm.warmedInProcess).toBe(true);
      expect(lens.warmedInProcess).toBeUndefined();
      expect(one.rows.find((r: { client: string }) => r.client === 'smtp-lens-warm').label).toMatch(/warm process/);
      expect(results.machine).toMatchObject({ nproc: expect.any(Number), node: process.version });
      expect(readFileSync(join(out, 'latest.md'), 'utf8')).toMatch(/\| SMTP Lens \| [\d,.]+ \|/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
