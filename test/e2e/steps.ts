import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, REPO_ROOT } from './fixtures.js';

/**
 * Steps the end-to-end specs share: the built-in test server and its listeners, a probe and its result, screenshots.
 * Everything goes through the UI (the page of the `app` fixture), so the steps work against the web host and Electron.
 */

/** Where the specs write their screenshots (kept after the run; the report lists them). */
export const SCREENSHOTS = path.join(REPO_ROOT, 'test-output', 'screenshots');

/** A full-page screenshot `test-output/screenshots/<name>.png` in the page's current colour scheme. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** `<name>.png` in the light scheme and `<name>-dark.png` in the dark one; the page is left in the light scheme. */
export async function screenshotLightAndDark(page: Page, name: string): Promise<void> {
  await page.emulateMedia({ colorScheme: 'light' });
  await screenshot(page, name);
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, `${name}-dark`);
  await page.emulateMedia({ colorScheme: 'light' });
}

/** The sidebar: the profiles, the connection and authentication forms. */
const sidebar = (page: Page): Locator => page.getByRole('complementary', { name: 'Connection settings' });

/** The connection form's fields the steps read. */
export const field = {
  host: (page: Page) => sidebar(page).getByLabel('Host', { exact: true }),
  port: (page: Page) => sidebar(page).getByLabel('Port', { exact: true }),
  tls: (page: Page) => sidebar(page).getByLabel('TLS', { exact: true }),
  protocol: (page: Page) => sidebar(page).getByLabel('Protocol', { exact: true }),
  socketPath: (page: Page) => sidebar(page).getByLabel('Socket path', { exact: true }),
  user: (page: Page) => sidebar(page).getByLabel('User', { exact: true }),
  password: (page: Page) => sidebar(page).getByLabel('Password', { exact: true }),
  mechanism: (page: Page) => sidebar(page).getByLabel('Mechanism', { exact: true }),
};

/**
 * "Use built-in test server" in the sidebar: starts the server and points the form at its plain listener. The Port
 * field starts at 25, so this waits for the host (only the server's answer fills it) and a port other than 25.
 */
export async function useBuiltInTestServer(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Use built-in test server' }).click();
  await expect(field.host(page)).not.toHaveValue('', { timeout: 30_000 });
  await expect(field.port(page)).toHaveValue(/^\d+$/);
  await expect(field.port(page)).not.toHaveValue('25');
  await expect(field.tls(page)).toHaveValue('off');
}

/** Open the Test server tab; returns its panel. */
export async function openTestServerTab(page: Page): Promise<Locator> {
  await page.getByRole('tab', { name: /^Test server/ }).click();
  const panel = page.getByRole('tabpanel', { name: /^Test server/ });
  await expect(panel).toBeVisible();
  return panel;
}

/** Open the Test server tab and start the server with every listener unless it runs; returns the tab's panel. */
export async function startTestServer(page: Page): Promise<Locator> {
  const panel = await openTestServerTab(page);
  const state = panel.locator('[data-test-server]');
  if ((await state.getAttribute('data-test-server')) !== 'running') {
    await panel.getByRole('button', { name: 'Start test server' }).click();
  }
  await expect(panel.locator('[data-test-server="running"]')).toBeVisible({ timeout: 30_000 });
  return panel;
}

/** The listeners' names in the Test server tab ("Use the STARTTLS listener"). */
export type ListenerName = 'SMTP' | 'STARTTLS' | 'SMTPS' | 'LMTP';

/** Start the test server if needed and press "Use this listener" of one listener; returns the tab's panel. */
export async function useTestListener(page: Page, name: ListenerName): Promise<Locator> {
  const panel = await startTestServer(page);
  await panel.getByRole('button', { name: `Use the ${name} listener`, exact: true }).click();
  switch (name) {
    case 'SMTP':
    case 'STARTTLS':
    case 'SMTPS': {
      const row = panel
        .getByRole('table', { name: 'Test server listeners' })
        .locator(`tr[data-listener="${name === 'SMTP' ? 'plain' : name === 'STARTTLS' ? 'starttls' : 'implicit'}"]`);
      const address = (await row.locator('td.mono').innerText()).trim();
      const port = /:(\d+)/.exec(address)?.[1];
      expect(port, `the ${name} listener's address ${address}`).toBeDefined();
      await expect(field.protocol(page)).toHaveValue('smtp');
      await expect(field.port(page)).toHaveValue(port!);
      await expect(field.tls(page)).toHaveValue(name === 'SMTP' ? 'off' : name === 'STARTTLS' ? 'starttls' : 'implicit');
      break;
    }
    case 'LMTP':
      await expect(field.protocol(page)).toHaveValue('lmtp');
      await expect(field.socketPath(page)).toHaveValue(/^\/.*\.sock$/);
      await expect(field.tls(page)).toHaveValue('off');
      break;
  }
  return panel;
}

/**
 * "Use account" in the Test server tab (the server must run): fills User and Password with the test account.
 * Returns the account as the form now holds it, after checking the tab shows the same password.
 */
export async function useTestAccount(page: Page): Promise<{ user: string; password: string }> {
  const panel = await startTestServer(page);
  await panel.getByRole('button', { name: 'Use account', exact: true }).click();
  await expect(field.user(page)).toHaveValue('tester');
  await expect(field.password(page)).not.toHaveValue('');
  const account = { user: await field.user(page).inputValue(), password: await field.password(page).inputValue() };
  await expect(panel.locator('dl.kv').filter({ hasText: 'Password' })).toContainText(account.password);
  return account;
}

/** Clear the authentication form (no AUTH on the next session). */
export async function clearAuth(page: Page): Promise<void> {
  await field.user(page).fill('');
  await field.password(page).fill('');
}

/** The banner with the outcome of the last operation (`data-result` running, ok or error). */
export function resultBanner(page: Page): Locator {
  return page.locator('.result-banner[data-result]');
}

/**
 * Press Probe and wait until the banner shows the result of this probe: the `target` text (`describeTarget`:
 * "smtps://127.0.0.1:1234 (tls: implicit)") tells it apart from the previous one. Returns the banner.
 */
export async function probe(page: Page, expected: 'ok' | 'error', target?: string | RegExp): Promise<Locator> {
  await page.getByRole('button', { name: 'Probe', exact: true }).click();
  const banner = resultBanner(page);
  await expect(banner).toHaveAttribute('data-result', expected, { timeout: 30_000 });
  if (target !== undefined) await expect(banner).toContainText(target);
  return banner;
}

/** Open a main tab by its label; returns its panel. */
export async function openTab(
  page: Page,
  name: 'Overview' | 'Transcript' | 'Compose' | 'Sessions' | 'Test server' | 'Domain' | 'Matrix' | 'Compare',
): Promise<Locator> {
  const tab = page.getByRole('tab', { name: new RegExp(`^${name}`) });
  await tab.click();
  await expect(tab).toHaveAttribute('aria-selected', 'true');
  return page.getByRole('tabpanel', { name: new RegExp(`^${name}`) });
}

/** Read a downloaded (web host) file as text. */
export async function readDownload(download: { path(): Promise<string> }): Promise<string> {
  return readFile(await download.path(), 'utf8');
}

/** The window itself never scrolls: the panels scroll inside it (nothing may stick out below the app). */
export async function expectPageNotScrollable(page: Page): Promise<void> {
  // A string: the tests are type-checked without the DOM library.
  const sizes = await page.evaluate<{ content: number; window: number }>(
    '({ content: document.documentElement.scrollHeight, window: window.innerHeight })',
  );
  expect(sizes.content, 'the height of the page content').toBeLessThanOrEqual(sizes.window);
}

/**
 * An action of a row's "⋯" menu (the Sessions table, the profiles): open the menu named `menu` inside `scope`, then
 * press the item by its accessible name ("Open the session of …", "Delete profile Office").
 */
export async function menuAction(scope: Locator, menu: string | RegExp, item: string | RegExp): Promise<void> {
  await scope.getByRole('button', { name: menu }).click();
  await scope.page().getByRole('menu').getByRole('menuitem', { name: item }).click();
}

/** An action of a saved session's row (its menu is "Actions for the session of …"). */
export async function sessionRowAction(row: Locator, item: string | RegExp): Promise<void> {
  await menuAction(row, /^Actions for the session of /, item);
}

/** Answer the open menu's question ("Delete this log?") with its button. */
export async function confirmInMenu(page: Page, label = 'Delete'): Promise<void> {
  await page.getByRole('menu').getByRole('menuitem', { name: label, exact: true }).click();
}

/** Screenshots at the two window sizes, light and dark: `<name>-1440`, `<name>-1440-dark`, `<name>-1024`, `<name>-1024-dark`. */
export async function screenshotsAtBothSizes(page: Page, name: string): Promise<void> {
  for (const [width, height] of [
    [1440, 900],
    [1024, 700],
  ] as const) {
    await page.setViewportSize({ width, height });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await screenshot(page, `${name}-${width}${scheme === 'dark' ? '-dark' : ''}`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 860 });
}

/** Point the connection form at a loopback port. */
export async function pointAt(page: Page, port: number): Promise<void> {
  await field.host(page).fill('127.0.0.1');
  await field.port(page).fill(String(port));
}
