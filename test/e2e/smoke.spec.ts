import { createServer } from 'node:net';
import path from 'node:path';
import { expect, REPO_ROOT, test } from './fixtures.js';

const SCREENSHOTS = path.join(REPO_ROOT, 'test-output', 'screenshots');

test('probe the built-in test server: capabilities, transcript, ok', async ({ app }) => {
  const { page } = app;

  await page.getByRole('button', { name: 'Use built-in test server' }).click();
  // The form now points at the test server's plain listener.
  await expect(page.getByLabel('Host', { exact: true })).not.toHaveValue('');
  await expect(page.getByLabel('Port', { exact: true })).toHaveValue(/^\d+$/);
  await expect(page.getByLabel('TLS', { exact: true })).toHaveValue('off');

  await page.getByRole('button', { name: 'Probe', exact: true }).click();

  const banner = page.getByRole('status').and(page.locator('[data-result]'));
  await expect(banner).toHaveAttribute('data-result', 'ok', { timeout: 30_000 });
  await expect(banner).toContainText('OK');

  // The Overview tab (shown first) has the capabilities.
  await expect(page.getByRole('tab', { name: 'Overview' })).toHaveAttribute('aria-selected', 'true');
  const capabilities = page.getByRole('table', { name: 'Capabilities' });
  await expect(capabilities.getByRole('rowheader', { name: 'PIPELINING', exact: true })).toBeVisible();
  await expect(capabilities.getByRole('rowheader', { name: 'AUTH', exact: true })).toBeVisible();

  await page.getByRole('tab', { name: 'Transcript' }).click();
  const transcript = page.getByRole('tabpanel', { name: 'Transcript' });
  await expect(transcript.locator('[data-dir="recv"] .tx-text', { hasText: /^220[ -]/ }).first()).toBeVisible();
  await expect(transcript.locator('[data-dir="send"] .tx-text', { hasText: /^EHLO / }).first()).toBeVisible();

  await page.screenshot({ path: path.join(SCREENSHOTS, 'smoke.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'smoke-dark.png'), fullPage: true });

  // Nothing was blocked by the CSP and nothing threw.
  expect(app.errors).toEqual([]);
});

test('a probe that cannot connect shows the error code and message', async ({ app }) => {
  const { page } = app;
  // A loopback port where nothing listens.
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

  await page.getByLabel('Host', { exact: true }).fill('127.0.0.1');
  await page.getByLabel('Port', { exact: true }).fill(String(port));
  await page.getByRole('button', { name: 'Probe', exact: true }).click();

  const banner = page.getByRole('alert').and(page.locator('[data-result]'));
  await expect(banner).toHaveAttribute('data-result', 'error', { timeout: 30_000 });
  await expect(banner).toHaveAttribute('data-error-code', 'connect-failed');
  await expect(banner.locator('.error-code')).toHaveText('connect-failed');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'probe-error.png'), fullPage: true });
  expect(app.errors).toEqual([]);
});

test('input the form refuses never reaches the server', async ({ app }) => {
  const { page } = app;
  await page.getByLabel('Host', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Probe', exact: true }).click();
  const banner = page.getByRole('alert').and(page.locator('[data-result]'));
  await expect(banner).toHaveAttribute('data-error-code', 'invalid-input');
  await expect(banner).toContainText('Enter a host name or address.');
});
