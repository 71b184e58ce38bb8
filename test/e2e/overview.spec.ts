import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, REPO_ROOT, test } from './fixtures.js';

/**
 * The Overview: result, server, authentication, TLS and capabilities of a probe of the built-in test server's
 * STARTTLS listener; reply codes explained on focus and in the side panel; a refused login in plain words with
 * the raw reply behind a disclosure.
 */

const SCREENSHOTS = path.join(REPO_ROOT, 'test-output', 'screenshots');

async function probeStarttlsWithAccount(page: Page, password?: string): Promise<void> {
  await page.getByRole('tab', { name: /^Test server/ }).click();
  const panel = page.getByRole('tabpanel', { name: /^Test server/ });
  await panel.getByRole('button', { name: 'Start test server' }).click();
  await panel.getByRole('button', { name: 'Use the STARTTLS listener' }).click();
  await expect(page.getByLabel('TLS', { exact: true })).toHaveValue('starttls');
  await panel.getByRole('button', { name: 'Use account' }).click();
  if (password !== undefined) await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('tab', { name: 'Overview' }).click();
  await page.getByRole('button', { name: 'Probe', exact: true }).click();
}

test('overview of a STARTTLS probe with AUTH: TLS verified, capabilities before and after, codes explained', async ({ app }) => {
  const { page } = app;
  await probeStarttlsWithAccount(page);
  await expect(page.locator('[data-result="ok"]')).toBeVisible({ timeout: 30_000 });
  const overview = page.getByRole('tabpanel', { name: 'Overview' });

  // Authentication in plain words, the secret redacted.
  const auth = overview.locator('[data-auth]');
  await expect(auth).toHaveAttribute('data-auth', 'ok');
  await expect(auth).toContainText('The server accepted the credentials');
  await expect(auth.getByRole('table', { name: 'Authentication steps' })).toContainText('redacted');

  // TLS: verified against the test certificate the listener button trusted; the chain with its fingerprint.
  const tls = overview.locator('[data-tls]');
  await expect(tls).toHaveAttribute('data-tls', 'verified');
  await expect(tls.getByRole('list', { name: 'Certificate chain' }).getByRole('article')).toHaveCount(1);
  await expect(tls.getByRole('button', { name: 'Copy the SHA-256 fingerprint of certificate 1' })).toBeVisible();

  // Capabilities explained, SIZE in MB, AUTH mechanisms as chips, RFC links that open outside the app.
  const capabilities = overview.getByRole('table', { name: 'Capabilities' });
  await expect(capabilities.getByRole('rowheader', { name: 'AUTH', exact: true })).toBeVisible();
  await expect(capabilities.locator('[data-mechanism="PLAIN"]')).toBeVisible();
  await expect(capabilities.locator('tr[data-capability="SIZE"]')).toContainText(/bytes \(\d+(\.\d)? MB\)/);
  const rfc = capabilities.locator('tr[data-capability="PIPELINING"]').getByRole('link', { name: /RFC 2920/ });
  await expect(rfc).toHaveAttribute('href', 'https://www.rfc-editor.org/rfc/rfc2920');
  await expect(rfc).toHaveAttribute('target', '_blank');

  // STARTTLS is offered before the handshake only.
  const compare = overview.getByRole('table', { name: 'Before and after STARTTLS' });
  await expect(compare.locator('tr[data-capability="STARTTLS"]')).toHaveAttribute('data-change', 'removed');

  // A reply code: its meaning on focus, the side panel on Enter, Escape gives the focus back.
  const greeting = overview.locator('.server-summary .reply-code-button[data-code="220"]');
  await greeting.focus();
  const tooltip = page.getByRole('tooltip').filter({ hasText: 'Service ready' });
  await expect(tooltip).toBeVisible();
  await expect(greeting).toHaveAccessibleDescription(/Service ready/);
  await page.keyboard.press('Escape');
  await expect(tooltip).toBeHidden();
  await page.keyboard.press('Enter');
  const explain = page.getByRole('complementary', { name: 'Explain', exact: true });
  await expect(explain.getByRole('heading', { name: 'Explain', exact: true })).toBeFocused();
  await expect(explain).toContainText('Service ready');
  await expect(explain.getByRole('link', { name: /RFC 5321 §4\.2\.3/ })).toHaveAttribute(
    'href',
    'https://www.rfc-editor.org/rfc/rfc5321#section-4.2.3',
  );

  // Look a code up by hand.
  await explain.getByLabel('Reply or status code').fill('550 5.7.1');
  await explain.getByRole('button', { name: 'Explain', exact: true }).click();
  await expect(explain).toContainText('Delivery not authorized, message refused');
  await expect(explain).toContainText('Security or policy status');

  await page.screenshot({ path: path.join(SCREENSHOTS, 'overview.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'overview-dark.png'), fullPage: true });

  await explain.getByLabel('Reply or status code').press('Escape');
  await expect(explain).toHaveCount(0);
  await expect(greeting).toBeFocused();
  expect(app.errors).toEqual([]);
});

test('a refused login: the error in plain words, the raw reply behind a disclosure', async ({ app }) => {
  const { page } = app;
  await probeStarttlsWithAccount(page, 'not-the-password');
  const banner = page.getByRole('alert').and(page.locator('[data-result]'));
  await expect(banner).toHaveAttribute('data-error-code', 'auth-failed', { timeout: 30_000 });
  await expect(banner.locator('.error-code')).toHaveText('auth-failed');
  await expect(banner).toContainText('Authentication failed');
  await expect(banner.locator('.reply-code-button[data-code="535"]')).toBeVisible();

  const raw = banner.getByRole('group').filter({ hasText: 'Show raw reply' });
  const reply = banner.getByLabel('Server reply');
  await expect(reply).toBeHidden();
  await banner.getByText('Show raw reply').click();
  await expect(reply).toBeVisible();
  await expect(reply).toHaveText(/^535 5\.7\.8 /);
  await expect(raw).toContainText('AUTH');

  const auth = page.getByRole('tabpanel', { name: 'Overview' }).locator('[data-auth]');
  await expect(auth).toHaveAttribute('data-auth', 'failed');
  await expect(auth).toContainText('The server refused the credentials');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'overview-auth-failed.png'), fullPage: true });
  expect(app.errors).toEqual([]);
});
