import { execFile } from 'node:child_process';
import { expect, test } from './fixtures.js';
import { probe, screenshotsAtBothSizes, useBuiltInTestServer, useTestAccount } from './steps.js';

/**
 * "Copy as swaks command" and "Copy as Python script" for the session shown: what is copied is run with Debian's
 * swaks and python3 against the same built-in test server, with the password from the environment (never copied).
 */

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile(file, args, { timeout: 20_000, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, out: stdout + stderr }),
    );
  });
}

test('a probe with AUTH copied as swaks and as Python: each runs and authenticates; the password is not in either', async ({ app }) => {
  const { page } = app;
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await useBuiltInTestServer(page);
  const account = await useTestAccount(page);
  await probe(page, 'ok');
  const reproduce = page.getByRole('group', { name: 'Reproduce with another tool' });

  await reproduce.getByRole('button', { name: 'Copy as swaks command' }).click();
  await expect(reproduce).toContainText('Copied the swaks command');
  const swaks = await page.evaluate<string>('navigator.clipboard.readText()');
  expect(swaks).toMatch(/SWAKS_OPT_auth_password="\$SMTP_LENS_PASSWORD" swaks --server 127\.0\.0\.1 --port \d+ /);
  expect(swaks).toContain(`--auth-user ${account.user}`);
  expect(swaks).toContain('--quit-after auth');
  expect(swaks).not.toContain(account.password);
  const bySwaks = await run('bash', ['-c', swaks], { SMTP_LENS_PASSWORD: account.password });
  expect(bySwaks.code, bySwaks.out).toBe(0);
  expect(bySwaks.out).toMatch(/<-\s+235 /);

  await reproduce.getByRole('button', { name: 'Copy as Python script' }).click();
  await expect(reproduce).toContainText('Copied the Python script');
  const script = await page.evaluate<string>('navigator.clipboard.readText()');
  expect(script.startsWith('#!/usr/bin/env python3\n')).toBe(true);
  expect(script).not.toContain(account.password);
  const byPython = await run('python3', ['-c', script], { SMTP_LENS_PASSWORD: account.password });
  expect(byPython.code, byPython.out).toBe(0);
  expect(byPython.out).toMatch(/reply: retcode \(235\)/);

  // Against a wrong password, what was copied fails as the server says (it does not pass regardless).
  const wrong = await run('python3', ['-c', script], { SMTP_LENS_PASSWORD: 'not-the-password' });
  expect(wrong.code).not.toBe(0);
  expect(wrong.out).toMatch(/535/);

  await screenshotsAtBothSizes(page, 'reproduce-buttons');
  expect(app.errors).toEqual([]);
});

test('OAUTHBEARER in the mechanism list: the secret field asks for an access token', async ({ app }) => {
  const { page } = app;
  await useBuiltInTestServer(page);
  await page.getByLabel('User', { exact: true }).fill('bearer@example.test');
  const mechanism = page.getByLabel('Mechanism', { exact: true });
  await mechanism.selectOption('oauthbearer');
  await expect(mechanism).toHaveValue('oauthbearer');
  await expect(page.getByLabel('Access token', { exact: true })).toBeVisible();
  await expect(page.getByLabel('Password', { exact: true })).toHaveCount(0);
  await screenshotsAtBothSizes(page, 'auth-oauthbearer');
  expect(app.errors).toEqual([]);
});
