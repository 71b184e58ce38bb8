import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, REPO_ROOT, test } from './fixtures.js';
import { menuAction, sessionRowAction, confirmInMenu } from './steps.js';

/**
 * The shell: tabs and their keys, the connection form's validation and defaults, a session kept open for commands,
 * the test server tab (listeners with its certificate as the CA, received messages), profiles, and the session
 * history with export.
 */

const SCREENSHOTS = path.join(REPO_ROOT, 'test-output', 'screenshots');

test('tabs: arrow keys move along the tab list, Ctrl+number picks one', async ({ app }) => {
  const { page } = app;
  const overview = page.getByRole('tab', { name: 'Overview' });
  await expect(overview).toHaveAttribute('aria-selected', 'true');
  await expect(overview).toHaveAttribute('tabindex', '0');
  await expect(page.getByRole('tab', { name: 'Transcript' })).toHaveAttribute('tabindex', '-1');

  await overview.focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'Transcript' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tab', { name: 'Transcript' })).toBeFocused();
  await page.keyboard.press('End');
  await expect(page.getByRole('tab', { name: 'Compare' })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowRight');
  await expect(overview).toHaveAttribute('aria-selected', 'true');

  await page.getByLabel('Host', { exact: true }).focus();
  await page.keyboard.press('Control+4');
  await expect(page.getByRole('tab', { name: /^Sessions/ })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tabpanel', { name: /^Sessions/ })).toBeVisible();

  // The explanation panel on the right.
  await page.getByRole('button', { name: 'Explain codes' }).click();
  await expect(page.getByRole('complementary', { name: 'Explanations' })).toBeVisible();
  await page.getByRole('button', { name: 'Hide explanations' }).click();
  await expect(page.getByRole('complementary', { name: 'Explanations' })).toHaveCount(0);
  expect(app.errors).toEqual([]);
});

test('the form validates as you type and follows the port defaults', async ({ app }) => {
  const { page } = app;
  const port = page.getByLabel('Port', { exact: true });
  await expect(port).toHaveValue('25');
  await page.getByLabel('TLS', { exact: true }).selectOption('implicit');
  await expect(port).toHaveValue('465');
  await page.getByLabel('Protocol').selectOption('lmtp');
  await expect(port).toHaveValue('24');
  await page.getByLabel('Protocol').selectOption('smtp');
  await port.fill('70000');
  await expect(page.getByText('A port is a number from 1 to 65535.')).toBeVisible();
  await expect(port).toHaveAttribute('aria-invalid', 'true');
  await port.fill('2525');
  await page.getByLabel('TLS', { exact: true }).selectOption('off');
  await expect(port).toHaveValue('2525');

  await page.getByLabel('Host', { exact: true }).fill('mail.example.net:587');
  await expect(page.getByText('Put the port in the Port field.')).toBeVisible();

  await page.getByLabel('Unix socket').check();
  await page.getByLabel('Socket path').fill('run/lmtp');
  await expect(page.getByText('The socket path must be absolute (start with /).')).toBeVisible();

  // Turning verification off needs a confirmation.
  await page.getByText('TLS options').click();
  const verify = page.getByLabel("Verify the server's certificate");
  await verify.click();
  await expect(page.getByRole('alertdialog', { name: 'Turn off certificate verification?' })).toBeVisible();
  await expect(verify).toBeChecked();
  await page.getByRole('button', { name: 'Keep verifying' }).click();
  await expect(verify).toBeChecked();
  await verify.click();
  await page.getByRole('button', { name: 'Turn off (insecure)' }).click();
  await expect(verify).not.toBeChecked();
  expect(app.errors).toEqual([]);
});

test('connect, authenticate, raw commands and VRFY on an open session, then disconnect', async ({ app }) => {
  const { page } = app;
  await page.getByRole('button', { name: 'Use built-in test server' }).click();
  await expect(page.getByLabel('Host', { exact: true })).not.toHaveValue('');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.locator('[data-session-state="ready"]')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText('Open — ready for commands')).toBeVisible();

  const raw = page.getByLabel('Raw command', { exact: true });
  await raw.fill('NOOP');
  await raw.press('Enter');
  await expect(page.locator('[data-result="ok"]')).toBeVisible();
  await raw.fill('HELP');
  await raw.press('Enter');
  await expect(raw).toHaveValue('');
  await raw.press('ArrowUp');
  await expect(raw).toHaveValue('HELP');
  await raw.press('ArrowUp');
  await expect(raw).toHaveValue('NOOP');
  await raw.press('ArrowDown');
  await raw.press('ArrowDown');
  await expect(raw).toHaveValue('');

  await page.getByRole('button', { name: 'RSET' }).click();
  await page.getByLabel('VRFY / EXPN').fill('postmaster@example.net');
  await page.getByRole('button', { name: 'VRFY', exact: true }).click();
  await expect(page.locator('[data-result]')).not.toHaveAttribute('data-result', 'running');

  await page.getByRole('tab', { name: 'Transcript' }).click();
  const transcript = page.getByRole('tabpanel', { name: 'Transcript' });
  await expect(transcript.locator('[data-dir="send"] .tx-text', { hasText: /^VRFY postmaster@example.net$/ })).toBeVisible();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'shell-open-session.png'), fullPage: true });

  await page.getByRole('button', { name: 'Disconnect' }).click();
  await expect(page.locator('[data-session-state="closed"]')).toBeVisible();
  await expect(transcript.locator('[data-dir="send"] .tx-text', { hasText: /^QUIT$/ })).toBeVisible();
  expect(app.errors).toEqual([]);
});

test('test server tab: a STARTTLS listener verified with the test certificate, and the LMTP socket', async ({ app }) => {
  const { page } = app;
  await page.getByRole('tab', { name: /^Test server/ }).click();
  const panel = page.getByRole('tabpanel', { name: /^Test server/ });
  await panel.getByRole('button', { name: 'Start test server' }).click();
  await expect(panel.locator('[data-test-server="running"]')).toBeVisible({ timeout: 30_000 });
  const listeners = panel.getByRole('table', { name: 'Test server listeners' });
  await expect(listeners.getByRole('row')).toHaveCount(5);
  await expect(panel.getByText(/^SHA-256$/)).toBeVisible();

  await panel.getByRole('button', { name: 'Use the STARTTLS listener' }).click();
  await expect(page.getByLabel('TLS', { exact: true })).toHaveValue('starttls');
  await panel.getByRole('button', { name: 'Use account' }).click();
  await page.getByRole('button', { name: 'Probe', exact: true }).click();
  await expect(page.locator('[data-result="ok"]')).toBeVisible({ timeout: 30_000 });
  await page.getByRole('tab', { name: 'Overview' }).click();
  // Verified against the test certificate given as the CA.
  await expect(page.getByRole('tabpanel', { name: 'Overview' })).toContainText(/verified/i);

  // The LMTP socket listener fills the socket path (it offers no AUTH: no user this time).
  await page.getByLabel('User', { exact: true }).fill('');
  await page.getByLabel('Password', { exact: true }).fill('');
  await page.getByRole('tab', { name: /^Test server/ }).click();
  await panel.getByRole('button', { name: 'Use the LMTP listener' }).click();
  await expect(page.getByLabel('Socket path')).toHaveValue(/^\//);
  await expect(page.getByLabel('Protocol')).toHaveValue('lmtp');
  await page.getByRole('button', { name: 'Probe', exact: true }).click();
  await expect(page.locator('[data-result="ok"]')).toBeVisible({ timeout: 30_000 });

  await page.getByRole('tab', { name: /^Test server/ }).click();
  await expect(panel.getByRole('heading', { name: /Received messages/ })).toBeVisible();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'shell-test-server.png'), fullPage: true });
  expect(app.errors).toEqual([]);
});

test('profiles: save, load, rename, duplicate, delete; no password stored by the web host', async ({ app }) => {
  const { page } = app;
  await page.getByLabel('Host', { exact: true }).fill('mx.example.net');
  await page.getByLabel('Port', { exact: true }).fill('587');
  await page.getByLabel('TLS', { exact: true }).selectOption('starttls');
  await page.getByLabel('User', { exact: true }).fill('alice');
  await page.getByRole('button', { name: 'Save as…' }).click();
  await expect(page.getByText(/Passwords are not stored here/)).toBeVisible();
  await page.getByLabel('Profile name').fill('Office');
  await page.getByRole('button', { name: 'Save profile' }).click();
  const list = page.getByRole('list', { name: 'Saved profiles' });
  await expect(list.getByRole('button', { name: 'Load profile Office' })).toBeVisible();
  await expect(list).toContainText('smtp://mx.example.net:587 (starttls)');

  await page.getByLabel('Host', { exact: true }).fill('other.example');
  await list.getByRole('button', { name: 'Load profile Office' }).click();
  await expect(page.getByLabel('Host', { exact: true })).toHaveValue('mx.example.net');
  await expect(page.getByLabel('User', { exact: true })).toHaveValue('alice');

  await menuAction(list, 'Actions for profile Office', 'Rename profile Office');
  await page.getByLabel('New name for Office').fill('Head office');
  await page.getByLabel('New name for Office').press('Enter');
  await expect(list.getByRole('button', { name: 'Load profile Head office' })).toBeVisible();
  await menuAction(list, 'Actions for profile Head office', 'Duplicate profile Head office');
  await expect(list.getByRole('button', { name: 'Load profile Head office (copy)' })).toBeVisible();

  await menuAction(list, 'Actions for profile Head office (copy)', 'Delete profile Head office (copy)');
  await confirmInMenu(page);
  await expect(list.getByRole('button', { name: 'Load profile Head office (copy)' })).toHaveCount(0);
  // Saved in main: the file never holds a password.
  const file = await readFile(path.join(app.dataDir, 'profiles.json'), 'utf8');
  expect(file).toContain('Head office');
  expect(file).not.toContain('secretCiphertext');
  expect(app.errors).toEqual([]);
});

test('sessions tab: history, reopen into the Overview, export as a download, delete', async ({ app }) => {
  const { page } = app;
  test.skip(app.host === 'electron', 'exports are browser downloads only in the web host; Electron shows a native save dialog');
  await page.getByRole('button', { name: 'Use built-in test server' }).click();
  await expect(page.getByLabel('Host', { exact: true })).not.toHaveValue('');
  await page.getByRole('button', { name: 'Probe', exact: true }).click();
  await expect(page.locator('[data-result="ok"]')).toBeVisible({ timeout: 30_000 });

  await page.keyboard.press('Control+4');
  const panel = page.getByRole('tabpanel', { name: /^Sessions/ });
  const table = panel.getByRole('table', { name: 'Saved sessions' });
  await expect(table.locator('tbody tr[data-status="ok"]')).toHaveCount(1);
  const row = table.locator('tbody tr').first();
  await expect(row).toContainText('probe');

  const download = page.waitForEvent('download');
  await sessionRowAction(row, /^Export the session/);
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^smtp-lens-probe-127\.0\.0\.1-.*\.html$/);
  // Streamed by the web host from its export path, not made in the page.
  expect(new URL(file.url()).pathname).toMatch(/^\/export\/[A-Za-z0-9_-]+\.html$/);
  const content = await readFile(await file.path(), 'utf8');
  expect(content).toContain('<html');
  expect(content.trimEnd().endsWith('</html>')).toBe(true);
  await expect(panel.getByText(/^Downloading HTML: smtp-lens-probe-/)).toBeVisible();

  await page.getByLabel('Export format').selectOption('json');
  const jsonDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export session', exact: true }).click();
  const jsonFile = await jsonDownload;
  expect(jsonFile.suggestedFilename()).toMatch(/\.json$/);
  const record = JSON.parse(await readFile(await jsonFile.path(), 'utf8')) as {
    operation: string;
    result: { ok: boolean };
    events: unknown[];
  };
  expect(record).toMatchObject({ operation: 'probe', result: { ok: true } });
  expect(record.events.length).toBeGreaterThan(5);

  await sessionRowAction(row, /^Open the session/);
  await expect(page.getByRole('tab', { name: 'Overview' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByText('From the history')).toBeVisible();

  await page.keyboard.press('Control+4');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'shell-sessions.png'), fullPage: true });
  await sessionRowAction(row, /^Delete the session/);
  await confirmInMenu(page);
  await expect(table).toHaveCount(0);
  await expect(panel.getByText(/No sessions yet/)).toBeVisible();
  expect(app.errors).toEqual([]);
});
