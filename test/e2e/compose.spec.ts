import { expect, test } from './fixtures.js';
import { expectPageNotScrollable, openTab, screenshot, screenshotLightAndDark, useBuiltInTestServer } from './steps.js';

/**
 * Compose and send through the built-in test server to three recipients (the third in Bcc), one of whom the server refuses (550 at
 * RCPT TO): the preview shows the envelope (Bcc included) and a raw message without Bcc; the outcome grid shows
 * each recipient's replies and the overall verdict; the Test server tab shows the message as it arrived.
 */

const FROM = 'ann@example.test';
const TO = ['a@example.test', 'refuse@example.test'];
/** Delivered through the envelope only: it must appear in no header. */
const BCC = 'carol.bcc@example.test';
const SUBJECT = 'SMTP Lens e2e: partial delivery';
const BODY = 'Hello from the end-to-end test.\nSecond line: 7c1e0f3a.';

test('compose and send to three recipients, one refused: preview, outcome per recipient, the message received', async ({ app }) => {
  const { page } = app;
  await useBuiltInTestServer(page);

  const compose = await openTab(page, 'Compose');
  await compose.getByLabel('From', { exact: true }).fill(`Ann Example <${FROM}>`);
  await compose.getByLabel('To', { exact: true }).fill(TO.join(', '));
  await compose.getByLabel('Bcc', { exact: true }).fill(BCC);
  await compose.getByLabel('Subject', { exact: true }).fill(SUBJECT);
  await compose.getByLabel('Plain-text body').fill(BODY);
  // Each address is understood as typed.
  await expect(compose.getByRole('list', { name: 'To: addresses as understood' }).getByRole('listitem')).toHaveCount(2);

  // The preview: MAIL FROM and one RCPT TO per recipient (Bcc too); the raw message has no Bcc anywhere.
  await compose.getByRole('button', { name: 'Preview', exact: true }).click();
  const preview = compose.getByRole('region', { name: 'Preview' });
  const envelope = preview.getByLabel('Envelope commands');
  await expect(envelope).toContainText(`MAIL FROM:<${FROM}>`);
  for (const rcpt of [...TO, BCC]) await expect(envelope).toContainText(`RCPT TO:<${rcpt}>`);
  const raw = preview.getByLabel('Raw message', { exact: true });
  await expect(raw).toContainText(/^From: .*ann@example\.test/m);
  await expect(raw).toContainText(/^To: .*a@example\.test.*refuse@example\.test/m);
  await expect(raw).toContainText(`Subject: ${SUBJECT}`);
  await expect(raw).toContainText('Second line: 7c1e0f3a.');
  await expect(raw).not.toContainText(/^Bcc:/im);
  await expect(raw).not.toContainText(BCC);

  // Send: two delivered, one refused at RCPT TO.
  await compose.getByRole('button', { name: 'Send', exact: true }).click();
  const outcome = compose.getByRole('region', { name: 'Delivery outcome' });
  const verdict = outcome.locator('[data-verdict]');
  await expect(verdict).toHaveAttribute('data-verdict', 'partial', { timeout: 30_000 });
  await expect(verdict).toContainText('Partly delivered: 2 of 3 recipients');
  // The result banner above says the same in the same tone: amber, not the red of a failure.
  const banner = page.locator('.result-banner[data-result]');
  await expect(banner).toHaveAttribute('data-error-code', 'some-recipients-refused');
  await expect(banner).toHaveClass(/\bwarn\b/);
  await expect(banner).not.toHaveClass(/\berror\b/);

  const grid = outcome.getByRole('table', { name: 'Recipients' });
  const rows = grid.locator('tbody tr');
  await expect(rows).toHaveCount(3);
  const row = (address: string) => rows.filter({ has: page.getByRole('rowheader', { name: address, exact: true }) });
  for (const address of ['a@example.test', BCC]) {
    const delivered = row(address);
    await expect(delivered).toHaveAttribute('data-status', 'delivered');
    await expect(delivered.locator('td').nth(0).locator('.reply-code-button')).toHaveAttribute('data-code', '250');
    await expect(delivered.locator('td').nth(1).locator('.reply-code-button')).toHaveAttribute('data-code', '250');
    await expect(delivered.locator('td').nth(2)).toContainText('Delivered');
  }
  const refused = row('refuse@example.test');
  await expect(refused).toHaveAttribute('data-status', 'permanent');
  const refusal = refused.locator('td').nth(0);
  await expect(refusal.locator('.reply-code-button')).toHaveAttribute('data-code', '550');
  await expect(refusal.locator('.reply-code-button')).toHaveAttribute('data-enhanced-code', '5.1.1');
  await expect(refusal.locator('.reply-code-button')).toHaveText('550 5.1.1');
  await expect(refusal.locator('.reply-text')).toHaveText(/mailbox unavailable/);
  await expect(refused.locator('td').nth(1)).toContainText('not reached');
  await expect(refused.locator('td').nth(2)).toContainText('Refused');
  await expect(refused.locator('td').nth(2)).toContainText('Refused at RCPT TO (5xx, permanent)');
  await expectPageNotScrollable(page);
  await outcome.scrollIntoViewIfNeeded();
  await screenshotLightAndDark(page, 'compose-outcome');

  // The test server got the message for the two accepted recipients, without the Bcc header.
  const server = await openTab(page, 'Test server');
  await expect(server.getByRole('heading', { name: /Received messages/ })).toContainText('(1)');
  const received = server.getByRole('table', { name: 'Received messages' }).locator('tbody tr');
  await expect(received).toHaveCount(1);
  await expect(received).toContainText(FROM);
  await expect(received.locator('td').nth(3)).toHaveText(`a@example.test, ${BCC}`);
  await received.getByRole('button', { name: /^View the message from ann@example\.test/ }).click();
  const viewer = server.getByRole('region', { name: 'Message as received' });
  const message = viewer.getByLabel('Raw message', { exact: true });
  await expect(message).toContainText(`Subject: ${SUBJECT}`);
  await expect(message).toContainText('Hello from the end-to-end test.');
  await expect(message).toContainText('Second line: 7c1e0f3a.');
  await expect(message).toContainText(/^Message-ID: <.+>/im);
  await expect(message).not.toContainText(/^Bcc:/im);
  await expect(message).not.toContainText(BCC);
  await screenshot(page, 'test-server');
  expect(app.errors).toEqual([]);
});
