import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import {
  expectPageNotScrollable,
  field,
  openTab,
  probe,
  screenshot,
  screenshotLightAndDark,
  useBuiltInTestServer,
  useTestListener,
} from './steps.js';

/**
 * A probe of the built-in test server in each TLS mode, through the UI: plain SMTP, STARTTLS (verified against the
 * test certificate that "Use this listener" trusts, and refused without it), implicit TLS, and LMTP over the Unix
 * socket. Each checks what the Overview and the Transcript say about that mode specifically.
 */

/** The transcript list, after opening the Transcript tab and waiting for the probe's last line. */
async function openTranscript(page: Page): Promise<Locator> {
  const panel = await openTab(page, 'Transcript');
  const list = panel.getByTestId('transcript-list');
  await expect(list.locator('[data-index="0"]')).toBeVisible();
  // The probe ends with QUIT and the server's 221.
  await expect(list.locator('[data-dir="recv"] .tx-text', { hasText: /^221 / })).toBeVisible();
  // A probe's transcript is short: every line is drawn, so a line missing from the DOM is missing from the transcript.
  expect(await list.getByRole('option').count()).toBe(Number(await list.getAttribute('data-rows')));
  return list;
}

/** Rows of the transcript whose text matches, by direction. */
const lines = (list: Locator, dir: 'send' | 'recv' | 'info', text: RegExp): Locator =>
  list.locator(`[data-dir="${dir}"]`).filter({ has: list.page().locator('.tx-text', { hasText: text }) });

/** With "TLS only" ticked, how many of how many lines remain ("3 of 15 lines" → [3, 15]; "15 lines" → [15, 15]). */
async function tlsOnlyCount(page: Page): Promise<[number, number]> {
  const tlsOnly = page.getByRole('checkbox', { name: 'TLS only' });
  await tlsOnly.check();
  const count = page.getByTestId('transcript-count');
  await expect(count).toHaveText(/^[\d,]+ (of [\d,]+ )?lines?$/);
  const text = (await count.textContent()) ?? '';
  await tlsOnly.uncheck();
  await expect(count).toHaveText(/^[\d,]+ lines?$/);
  const numbers = [...text.matchAll(/[\d,]+/g)].map((m) => Number(m[0].replace(/,/g, '')));
  return [numbers[0]!, numbers[1] ?? numbers[0]!];
}

test('plain SMTP: EHLO capabilities with AUTH and no STARTTLS, nothing encrypted', async ({ app }) => {
  const { page } = app;
  await useBuiltInTestServer(page);
  const port = await field.port(page).inputValue();
  await probe(page, 'ok', `smtp://127.0.0.1:${port} (tls: off)`);

  const overview = page.getByRole('tabpanel', { name: 'Overview' });
  await expect(overview.locator('[data-tls]')).toHaveAttribute('data-tls', 'none');
  const server = overview.locator('.server-summary');
  await expect(server.locator('.reply-code-button[data-code="220"]')).toBeVisible();
  await expect(server).toContainText('SMTP Lens test server (plain listener)');
  await expect(server).toContainText('EHLO [127.0.0.1]');

  const capabilities = overview.getByRole('table', { name: 'Capabilities' });
  await expect(overview.getByRole('heading', { name: 'Capabilities (EHLO)' })).toBeVisible();
  for (const name of ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'AUTH', 'SIZE']) {
    await expect(capabilities.getByRole('rowheader', { name, exact: true })).toBeVisible();
  }
  // The plain listener offers no STARTTLS, so there is nothing to compare.
  await expect(capabilities.locator('tr[data-capability="STARTTLS"]')).toHaveCount(0);
  await expect(overview.getByRole('table', { name: 'Before and after STARTTLS' })).toHaveCount(0);
  // AUTH offered in clear: only acceptable because the link is loopback, and the Overview says so.
  await expect(overview).toContainText('acceptable here only because the link does not leave this machine');
  await expectPageNotScrollable(page);
  await screenshotLightAndDark(page, 'overview-plain');

  const list = await openTranscript(page);
  await expect(lines(list, 'recv', /^220 .*plain listener/)).toBeVisible();
  await expect(lines(list, 'send', /^EHLO \[127\.0\.0\.1\]$/)).toHaveCount(1);
  await expect(lines(list, 'send', /^STARTTLS$/)).toHaveCount(0);
  await expect(list.locator('.tx-lock')).toHaveCount(0);
  const [encrypted, total] = await tlsOnlyCount(page);
  expect(encrypted).toBe(0);
  expect(total).toBeGreaterThanOrEqual(10);
  expect(app.errors).toEqual([]);
});

test('STARTTLS: verified with the test CA the listener button sets; protocol, cipher, capabilities before and after', async ({ app }) => {
  const { page } = app;
  await useTestListener(page, 'STARTTLS');
  const port = await field.port(page).inputValue();
  // The listener button trusted the test certificate and left verification on.
  await page.getByText('TLS options').click();
  await expect(page.getByLabel("Verify the server's certificate")).toBeChecked();
  await expect(page.locator('[data-field="caPem"]')).toContainText('built-in test server certificate — loaded');

  await probe(page, 'ok', `smtp://127.0.0.1:${port} (tls: starttls)`);
  const overview = await openTab(page, 'Overview');
  const tls = overview.locator('[data-tls]');
  await expect(tls).toHaveAttribute('data-tls', 'verified');
  await expect(tls.getByRole('heading', { name: 'TLS (STARTTLS)' })).toBeVisible();
  const facts = tls.locator('dl.tls-summary');
  const fact = (name: string) => facts.locator(`dt:text-is("${name}") + dd`);
  await expect(fact('Protocol')).toHaveText(/^TLSv1\.[23]$/);
  await expect(fact('Cipher')).toHaveText(/^(TLS_)?[A-Z0-9]+(_[A-Z0-9]+)+$/);
  await expect(fact('Started by')).toHaveText(/^STARTTLS/);
  await expect(fact('Verification')).toHaveText('Required');
  await expect(tls.getByRole('list', { name: 'Certificate chain' }).getByRole('article')).toHaveCount(1);
  await expect(tls.getByRole('list', { name: 'Certificate chain' })).toContainText('localhost');

  await expect(overview.getByRole('heading', { name: 'Capabilities (EHLO, after STARTTLS)' })).toBeVisible();
  const compare = overview.getByRole('table', { name: 'Before and after STARTTLS' });
  await expect(compare.locator('tr[data-capability="STARTTLS"]')).toHaveAttribute('data-change', 'removed');
  await expect(overview.getByRole('table', { name: 'Capabilities' }).locator('tr[data-capability="STARTTLS"]')).toHaveCount(0);
  await expectPageNotScrollable(page);
  await screenshotLightAndDark(page, 'overview-starttls');

  // The transcript: STARTTLS in clear, EHLO again inside TLS.
  const list = await openTranscript(page);
  const starttls = lines(list, 'send', /^STARTTLS$/);
  await expect(starttls).toHaveCount(1);
  await expect(starttls.locator('.tx-lock')).toHaveCount(0);
  await expect(lines(list, 'recv', /^220 2\.0\.0 /)).toHaveCount(1);
  const ehlo = lines(list, 'send', /^EHLO /);
  await expect(ehlo).toHaveCount(2);
  await expect(ehlo.first().locator('.tx-lock')).toHaveCount(0);
  await expect(ehlo.last().locator('.tx-lock')).toHaveCount(1);
  await expect(lines(list, 'info', /^TLS started \(starttls\): TLSv1\.[23] .*certificate verified/)).toBeVisible();
  const [encrypted, total] = await tlsOnlyCount(page);
  expect(encrypted).toBeGreaterThan(0);
  expect(encrypted).toBeLessThan(total);
  await screenshotLightAndDark(page, 'transcript');

  // Without the test CA the same probe fails verification: it is the CA that made it pass.
  await page.getByRole('button', { name: 'Clear trusted ca (pem)' }).click();
  await expect(page.locator('[data-field="caPem"]')).toContainText('none');
  const banner = await probe(page, 'error');
  await expect(banner).toHaveAttribute('data-error-code', 'tls-failed');
  await openTab(page, 'Overview');
  await expect(page.getByRole('tabpanel', { name: 'Overview' }).locator('[data-tls]')).toHaveAttribute('data-tls', 'failed');
  await screenshot(page, 'overview-starttls-unverified');
  expect(app.errors).toEqual([]);
});

test('implicit TLS: encrypted from the greeting on, verified, no STARTTLS', async ({ app }) => {
  const { page } = app;
  await useTestListener(page, 'SMTPS');
  const port = await field.port(page).inputValue();
  await probe(page, 'ok', `smtps://127.0.0.1:${port} (tls: implicit)`);

  const overview = await openTab(page, 'Overview');
  const tls = overview.locator('[data-tls]');
  await expect(tls).toHaveAttribute('data-tls', 'verified');
  await expect(tls.getByRole('heading', { name: 'TLS (implicit)' })).toBeVisible();
  await expect(tls.locator('dt:text-is("Started by") + dd')).toHaveText(/^Implicit TLS/);
  await expect(tls.locator('dt:text-is("Protocol") + dd')).toHaveText(/^TLSv1\.[23]$/);
  await expect(overview.locator('.server-summary')).toContainText('implicit listener');
  await expect(overview.getByRole('heading', { name: 'Capabilities (EHLO)' })).toBeVisible();
  await expect(overview.getByRole('table', { name: 'Before and after STARTTLS' })).toHaveCount(0);
  await screenshot(page, 'overview-implicit');

  const list = await openTranscript(page);
  // The greeting already came through TLS; no STARTTLS was needed.
  await expect(lines(list, 'recv', /^220 .*implicit listener/).locator('.tx-lock')).toHaveCount(1);
  await expect(lines(list, 'send', /^EHLO /)).toHaveCount(1);
  await expect(lines(list, 'send', /^EHLO /).locator('.tx-lock')).toHaveCount(1);
  await expect(lines(list, 'send', /^STARTTLS$/)).toHaveCount(0);
  await expect(lines(list, 'info', /^TLS started \(implicit\)/)).toBeVisible();
  // Only the connect note precedes the handshake.
  const [encrypted, total] = await tlsOnlyCount(page);
  expect(encrypted).toBe(total - 1);
  expect(app.errors).toEqual([]);
});

test('LMTP over the Unix socket: LHLO, LMTP capabilities without AUTH', async ({ app }) => {
  const { page } = app;
  await useTestListener(page, 'LMTP');
  const socketPath = await field.socketPath(page).inputValue();
  await probe(page, 'ok', `lmtp://${socketPath} (tls: off)`);

  const overview = await openTab(page, 'Overview');
  const server = overview.locator('.server-summary');
  await expect(server).toContainText(`lmtp://${socketPath}`);
  await expect(server).toContainText('LHLO');
  await expect(server).toContainText('LMTP SMTP Lens test server (lmtp listener)');
  await expect(overview.getByRole('heading', { name: 'Capabilities (LHLO)' })).toBeVisible();
  await expect(overview).toContainText('LMTP: LHLO advertises extensions the way EHLO does');
  const capabilities = overview.getByRole('table', { name: 'Capabilities' });
  for (const name of ['PIPELINING', '8BITMIME', 'ENHANCEDSTATUSCODES', 'SIZE']) {
    await expect(capabilities.getByRole('rowheader', { name, exact: true })).toBeVisible();
  }
  // The LMTP listener takes no AUTH and no STARTTLS.
  await expect(capabilities.locator('tr[data-capability="AUTH"]')).toHaveCount(0);
  await expect(capabilities.locator('tr[data-capability="STARTTLS"]')).toHaveCount(0);
  await expect(overview.locator('[data-tls]')).toHaveAttribute('data-tls', 'none');
  await screenshot(page, 'overview-lmtp');

  const list = await openTranscript(page);
  await expect(lines(list, 'info', new RegExp(`^connected to ${socketPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`))).toBeVisible();
  await expect(lines(list, 'send', /^LHLO /)).toHaveCount(1);
  await expect(lines(list, 'send', /^(EHLO|HELO) /)).toHaveCount(0);
  await expect(lines(list, 'recv', /^250 SIZE \d+$/)).toBeVisible();
  expect(app.errors).toEqual([]);
});

test('the explanation side panel for a reply code of the probe', async ({ app }) => {
  const { page } = app;
  await useTestListener(page, 'STARTTLS');
  await probe(page, 'ok', /\(tls: starttls\)/);
  const overview = await openTab(page, 'Overview');
  await overview.locator('.server-summary .reply-code-button[data-code="220"]').click();
  const explain = page.getByRole('complementary', { name: 'Explain', exact: true });
  await expect(explain).toContainText('Service ready');
  await explain.getByLabel('Reply or status code').fill('550 5.1.1');
  await explain.getByRole('button', { name: 'Explain', exact: true }).click();
  await expect(explain).toContainText('Bad destination mailbox address');
  await screenshotLightAndDark(page, 'explain-panel');
  expect(app.errors).toEqual([]);
});
