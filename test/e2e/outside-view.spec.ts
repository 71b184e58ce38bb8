import type { Locator, Page } from '@playwright/test';
import { APP_TEST_ZONE, startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { expect, test } from './fixtures.js';
import {
  openTab,
  probe,
  readDownload,
  screenshotLightAndDark,
  screenshotsAtBothSizes,
  sessionRowAction,
  startTestServer,
  useTestListener,
} from './steps.js';

/**
 * The outside view in the app: the Domain tab against a DNS server on loopback that this spec runs (its MX host is the
 * test server's STARTTLS listener), the Matrix tab on the test server's listeners, "Compare with…" of two saved sessions
 * into the Compare tab, each report exported; and sender authentication of a received message, asking the resolver set
 * in the Domain tab.
 */

let dns: DnsServer;
test.beforeAll(async () => {
  dns = await startDnsServer(APP_TEST_ZONE);
});
test.afterAll(async () => dns?.close());

const resolver = () => `${dns.address.host}:${dns.address.port}`;

/** The port of a test server listener, read from its table (the server must run). */
async function listenerPort(page: Page, kind: 'plain' | 'starttls' | 'implicit'): Promise<string> {
  const panel = await startTestServer(page);
  const address = (await panel.locator(`tr[data-listener="${kind}"] td.mono`).innerText()).trim();
  return /:(\d+)/.exec(address)![1]!;
}

/** Press an export button of a report and read the download (the web host's page downloads what main made). */
async function exportAs(
  page: Page,
  panel: Locator,
  what: string,
  label: 'HTML' | 'Text' | 'JSON',
): Promise<{ name: string; content: string }> {
  const download = page.waitForEvent('download');
  await panel.getByRole('button', { name: `Export the ${what} as ${label}` }).click();
  const file = await download;
  return { name: file.suggestedFilename(), content: await readDownload(file) };
}

test.skip(({ appHost }) => appHost === 'electron', 'exports are browser downloads in the web host; Electron shows a save dialog');

test('Domain: every MX host through the chosen resolver, DANE and MTA-STS columns, exported as HTML and JSON', async ({ app }) => {
  const { page } = app;
  const port = await listenerPort(page, 'starttls');
  const panel = await openTab(page, 'Domain');
  await panel.getByRole('textbox', { name: 'Domain', exact: true }).fill('app.test');
  await panel.getByLabel('DNS resolver').fill('not an address');
  await panel.getByRole('button', { name: 'Check domain' }).click();
  await expect(panel.getByRole('alert')).toContainText('resolver');
  expect(dns.asked).toEqual([]);

  await panel.getByLabel('DNS resolver').fill(resolver());
  await panel.getByLabel('Port', { exact: true }).fill(port);
  await panel.getByRole('button', { name: 'Check domain' }).click();
  const report = panel.locator('[data-report-kind="domain"]');
  await expect(report).toBeVisible({ timeout: 30_000 });
  await expect(panel.getByRole('alert')).toHaveCount(0);
  await expect(report.getByRole('heading', { name: 'Domain app.test' })).toBeVisible();
  const hosts = report.getByRole('table', { name: 'MX hosts and addresses' });
  await expect(hosts).toContainText('mx1.app.test');
  await expect(hosts).toContainText('127.0.0.1');
  await expect(hosts).toContainText('mx2.app.test');
  // The test server's certificate does not name mx1.app.test: the verdict is not "ok".
  await expect(report.getByTestId('report-verdict')).not.toHaveClass(/tone-ok/);
  expect(dns.asked).toContain('MX app.test');

  const html = await exportAs(page, panel, 'domain report', 'HTML');
  expect(html.name).toMatch(/^smtp-lens-domain-app\.test-.*\.html$/);
  expect(html.content).toContain('mx1.app.test');
  expect(html.content).not.toMatch(/<script/i);
  const json = await exportAs(page, panel, 'domain report', 'JSON');
  expect(JSON.parse(json.content)).toMatchObject({ kind: 'domain', report: { domain: 'app.test' } });
  await expect(panel.getByRole('status')).toContainText('Downloading JSON');

  // The resolver is the app's setting: it survives a reload with the form.
  await page.waitForTimeout(400);
  await page.reload();
  await expect((await openTab(page, 'Domain')).getByLabel('DNS resolver')).toHaveValue(resolver());
  await panel.getByRole('button', { name: 'Check domain' }).click();
  await expect(report).toBeVisible({ timeout: 30_000 });
  await screenshotsAtBothSizes(page, 'domain');
  expect(app.errors).toEqual([]);
});

test('Matrix: every port × TLS mode of the test server, exported as text', async ({ app }) => {
  const { page } = app;
  const plain = await listenerPort(page, 'plain');
  const implicit = await listenerPort(page, 'implicit');
  await useTestListener(page, 'SMTP');
  // Plaintext against the SMTPS listener waits for a greeting that never comes: bounded by the stage timeout.
  const sidebar = page.getByRole('complementary', { name: 'Connection settings' });
  await sidebar.getByText('Session options').click();
  await sidebar.getByLabel('Timeout per stage (s)').fill('3');
  const panel = await openTab(page, 'Matrix');
  await panel.getByLabel('Ports').fill(`${plain}, ${implicit}`);
  await panel.getByLabel('STARTTLS').uncheck();
  await panel.getByRole('button', { name: 'Run matrix' }).click();
  const report = panel.locator('[data-report-kind="matrix"]');
  await expect(report).toBeVisible({ timeout: 30_000 });
  const table = report.getByRole('table', { name: 'Port matrix' });
  await expect(table.locator('tbody tr')).toHaveCount(4);
  await expect(table).toContainText(plain);
  await expect(table).toContainText(implicit);
  const txt = await exportAs(page, panel, 'matrix', 'Text');
  expect(txt.name).toMatch(/^smtp-lens-matrix-127\.0\.0\.1-.*\.txt$/);
  expect(txt.content).toContain(implicit);
  await screenshotsAtBothSizes(page, 'matrix');

  // A Unix socket has no ports: said before anything runs.
  await useTestListener(page, 'LMTP');
  await openTab(page, 'Matrix');
  await panel.getByRole('button', { name: 'Run matrix' }).click();
  await expect(panel.getByRole('alert')).toContainText('Unix socket');
  expect(app.errors).toEqual([]);
});

test('Compare: "Compare with…" on two saved sessions shows what changed, exported as text', async ({ app }) => {
  const { page } = app;
  await useTestListener(page, 'SMTP');
  await probe(page, 'ok');
  await useTestListener(page, 'STARTTLS');
  await probe(page, 'ok', /starttls/);
  const sessions = await openTab(page, 'Sessions');
  const rows = sessions.getByRole('table', { name: 'Saved sessions' }).locator('tbody tr');
  await expect(rows).toHaveCount(2);
  // Newest first: B (STARTTLS) is the first row, A (plaintext) the second.
  await sessionRowAction(rows.nth(1), /^Compare the session of .* with another$/);
  await expect(sessions.getByRole('status')).toContainText('A is the session of');
  await sessionRowAction(rows.nth(0), /^Compare the session of .* with the session of /);
  const panel = page.getByRole('tabpanel', { name: 'Compare' });
  await expect(page.getByRole('tab', { name: 'Compare' })).toHaveAttribute('aria-selected', 'true');
  const report = panel.locator('[data-report-kind="compare"]');
  await expect(report).toBeVisible({ timeout: 30_000 });
  await expect(report.getByRole('table', { name: 'Differences' })).toContainText(/TLS/);
  await expect(report.getByRole('table', { name: 'Timings side by side' })).toBeVisible();
  const txt = await exportAs(page, panel, 'comparison', 'Text');
  expect(txt.content).toMatch(/^A: session of /);
  await screenshotsAtBothSizes(page, 'compare');
  expect(app.errors).toEqual([]);
});

test('Test server: SPF, DKIM and DMARC of a received message, asked of the resolver set in the Domain tab', async ({ app }) => {
  const { page } = app;
  const domain = await openTab(page, 'Domain');
  await domain.getByLabel('DNS resolver').fill(resolver());
  await useTestListener(page, 'SMTP');
  const compose = await openTab(page, 'Compose');
  await compose.getByLabel('From', { exact: true }).fill('someone@app.test');
  await compose.getByLabel('To', { exact: true }).fill('rcpt@example.test');
  await compose.getByLabel('Subject', { exact: true }).fill('sender authentication');
  await compose.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(compose.getByRole('region', { name: 'Delivery outcome' }).locator('[data-verdict]')).toHaveAttribute(
    'data-verdict',
    'delivered',
    { timeout: 30_000 },
  );
  const server = await openTab(page, 'Test server');
  await server.getByRole('button', { name: /^View the message from someone@app\.test/ }).click();
  const auth = server.getByRole('region', { name: 'Sender authentication' });
  await expect(auth).toContainText(`DNS: ${resolver()}`);
  await auth.getByRole('button', { name: 'Check SPF, DKIM, DMARC' }).click();
  const table = auth.getByRole('table', { name: 'Sender authentication' });
  await expect(table.locator('tr').filter({ hasText: 'SPF' }).locator('[data-verdict]')).toHaveAttribute('data-verdict', 'pass', {
    timeout: 30_000,
  });
  await expect(table.locator('tr').filter({ hasText: 'DKIM' }).locator('[data-verdict]')).toHaveAttribute('data-verdict', 'none');
  expect(dns.asked).toContain('TXT app.test');
  // The verdicts are below the message list: scrolled into view at each size.
  for (const [width, height] of [
    [1440, 900],
    [1024, 700],
  ] as const) {
    await page.setViewportSize({ width, height });
    await auth.scrollIntoViewIfNeeded();
    await screenshotLightAndDark(page, `test-server-sender-auth-${width}`);
  }
  expect(app.errors).toEqual([]);
});
