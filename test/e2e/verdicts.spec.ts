import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from './fixtures.js';
import { scriptedServers } from './scripted.js';
import { field, openTab, pointAt, probe, resultBanner, screenshot, screenshotsAtBothSizes, sessionRowAction } from './steps.js';

/**
 * The app against servers that misbehave: server text is inert on screen, a TLS mode that does not fit the port gets
 * a hint with a one-click switch, an outcome nobody knows is shown as unknown (amber-grey, not refused), and a
 * session whose log ended early is "Interrupted" in the history.
 */

const { scripted, closeAll } = scriptedServers();
test.afterEach(closeAll);

const HOSTILE = '\x1b[31mRED\x1b[0m \x1b]0;pwned\x07 nel\u0085 bidi\u202Eevil';

test('server text with ESC, OSC, C1 and a bidi override is shown as visible escapes', async ({ app }) => {
  const { page } = app;
  const port = await scripted(async (socket, line) => {
    socket.write(`220 ${HOSTILE}\r\n`);
    await line();
    socket.write(`250-fake.test ${HOSTILE}\r\n250-X-${HOSTILE}\r\n250 PIPELINING\r\n`);
    await line();
    socket.end('221 bye\r\n');
  });
  await pointAt(page, port);
  await probe(page, 'ok');
  const text = async (): Promise<string> => page.locator('body').innerText();
  for (const tab of ['Overview', 'Transcript'] as const) {
    await openTab(page, tab);
    const shown = await text();
    expect(shown, tab).toContain('\\x1b[31mRED');
    expect(shown, tab).toContain('<U+202E>evil');
    expect(shown, tab).toContain('<U+0085>');
    for (const raw of ['\x1b', '\x07', '\u0085', '\u202e'])
      expect(shown.includes(raw), `${tab} shows ${JSON.stringify(raw)} raw`).toBe(false);
  }
  await openTab(page, 'Overview');
  await screenshot(page, 'hostile-text');
  expect(app.errors).toEqual([]);
});

test('implicit TLS against a plaintext port: the hint, and a switch to STARTTLS that sets the form', async ({ app }) => {
  const { page } = app;
  const port = await scripted(async (socket) => {
    socket.write('220 plain.test ESMTP\r\n');
    await new Promise((r) => setTimeout(r, 2000));
    socket.destroy();
  });
  await pointAt(page, port);
  await field.tls(page).selectOption('implicit');
  await field.port(page).fill(String(port));
  const banner = await probe(page, 'error');
  await expect(banner).toHaveAttribute('data-error-code', 'tls-failed');
  // In plain words, with the one thing to do: retry with STARTTLS.
  await expect(banner).toContainText('This port does not speak TLS first');
  await expect(banner).not.toContainText('--tls');
  await screenshotsAtBothSizes(page, 'tls-hint');
  await banner.getByRole('button', { name: 'Retry with STARTTLS' }).click();
  // The form's TLS select (the TLS panel of the Overview is labelled "TLS" too).
  await expect(page.locator('select[name="tls"]')).toHaveValue('starttls');
  // The port was typed: it stays; and the probe ran again, with STARTTLS (this peer offers none: refused, not sent).
  await expect(field.port(page)).toHaveValue(String(port));
  await expect(resultBanner(page)).toHaveAttribute('data-error-code', /tls-not-offered|server-disconnected/, { timeout: 30_000 });
  await expect(resultBanner(page).getByRole('button', { name: 'Retry with STARTTLS' })).toHaveCount(0);
  expect(app.errors).toEqual([]);
});

test('the connection lost after the message was sent: the outcome is unknown, in amber-grey, not refused', async ({ app }) => {
  const { page } = app;
  const port = await scripted(async (socket, line, until) => {
    socket.write('220 drop.test ESMTP\r\n');
    await line();
    socket.write('250-drop.test\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n');
    for (let i = 0; i < 4; i++) await line();
    socket.write('250 2.1.0 ok\r\n250 2.1.5 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n');
    await until('\r\n.\r\n');
    socket.destroy();
  });
  await pointAt(page, port);
  const compose = await openTab(page, 'Compose');
  await compose.getByLabel('From', { exact: true }).fill('ann@example.test');
  await compose.getByLabel('To', { exact: true }).fill('bob@example.test, carol@example.test');
  await compose.getByLabel('Subject', { exact: true }).fill('dropped after the dot');
  await compose.getByLabel('Plain-text body').fill('Was it delivered?');
  await compose.getByRole('button', { name: 'Send', exact: true }).click();
  const outcome = compose.getByRole('region', { name: 'Delivery outcome' });
  const verdict = outcome.locator('[data-verdict]');
  await expect(verdict).toHaveAttribute('data-verdict', 'unknown', { timeout: 30_000 });
  await expect(verdict).toContainText('Delivery unknown for 2 recipients');
  await expect(verdict).toHaveClass(/\bunknown\b/);
  const rows = outcome.getByRole('table', { name: 'Recipients' }).locator('tbody tr');
  await expect(rows).toHaveCount(2);
  for (let i = 0; i < 2; i++) {
    await expect(rows.nth(i)).toHaveAttribute('data-status', 'unknown');
    await expect(rows.nth(i)).toContainText('Unknown');
    await expect(rows.nth(i)).toContainText('may have been delivered');
  }
  const banner = resultBanner(page);
  await expect(banner).toHaveAttribute('data-error-code', 'delivery-unknown');
  await expect(banner).toHaveClass(/\bunknown\b/);
  await expect(banner).not.toHaveClass(/\berror\b/);
  await outcome.scrollIntoViewIfNeeded();
  await screenshotsAtBothSizes(page, 'delivery-unknown');
  expect(app.errors).toEqual([]);
});

test('compose with PRDR: each recipient answered on its own after the data, one refused', async ({ app }) => {
  const { page } = app;
  let mail = '';
  const port = await scripted(async (socket, line, until) => {
    socket.write('220 prdr.test ESMTP\r\n');
    await line();
    socket.write('250-prdr.test\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250 PRDR\r\n');
    mail = await line();
    for (let i = 0; i < 3; i++) await line();
    socket.write('250 2.1.0 ok\r\n250 2.1.5 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n');
    await until('\r\n.\r\n');
    socket.write('353 PRDR content analysis beginning\r\n250 2.0.0 ok for bob\r\n550 5.7.1 carol does not want it\r\n250 2.0.0 OK\r\n');
    await line();
    socket.end('221 2.0.0 bye\r\n');
  });
  await pointAt(page, port);
  const compose = await openTab(page, 'Compose');
  await compose.getByLabel('From', { exact: true }).fill('ann@example.test');
  await compose.getByLabel('To', { exact: true }).fill('bob@example.test, carol@example.test');
  await compose.getByLabel('Subject', { exact: true }).fill('per recipient');
  await compose.getByLabel('Plain-text body').fill('One of you will refuse this.');
  await compose.getByText('Envelope, DSN and extensions').click();
  await compose.getByLabel('Ask for PRDR').check();
  await compose.getByRole('button', { name: 'Send', exact: true }).click();
  const outcome = compose.getByRole('region', { name: 'Delivery outcome' });
  await expect(outcome.locator('[data-verdict]')).toHaveAttribute('data-verdict', 'partial', { timeout: 30_000 });
  expect(mail).toBe('MAIL FROM:<ann@example.test> PRDR');
  const rows = outcome.getByRole('table', { name: 'Recipients' }).locator('tbody tr');
  await expect(rows.nth(0)).toHaveAttribute('data-status', 'delivered');
  await expect(rows.nth(0)).toContainText('Accepted for this recipient after the data (PRDR)');
  await expect(rows.nth(1)).toHaveAttribute('data-status', 'permanent');
  await expect(rows.nth(1)).toContainText('carol does not want it');
  await expect(rows.nth(1)).toContainText('after the data, for this recipient (PRDR)');
  await outcome.scrollIntoViewIfNeeded();
  await screenshotsAtBothSizes(page, 'compose-prdr');
  expect(app.errors).toEqual([]);
});

/** A session log as a killed app leaves it: a start line, some events, no end line. */
async function writeInterruptedLog(dataDir: string): Promise<void> {
  const sessions = path.join(dataDir, 'sessions');
  await mkdir(sessions, { recursive: true });
  const id = '20261201T101500000Z-0abcdef01234';
  const record = {
    version: 1,
    tool: 'smtp-lens',
    operation: 'send',
    startedAt: '2026-12-01T10:15:00.000Z',
    durationMs: 0,
    target: { protocol: 'smtp', tls: 'off', host: 'mx.example.test', port: 25, ehloName: 'client.test' },
    capabilities: [],
    result: { ok: true },
  };
  const events = ['220 mx.example.test ESMTP', 'EHLO client.test', '250 mx.example.test', 'DATA', '354 go ahead'].map((text, i) => ({
    t: i * 1000,
    wall: Date.parse(record.startedAt) + i,
    dir: i % 2 === 0 ? 'recv' : 'send',
    tls: false,
    text,
  }));
  await writeFile(
    path.join(sessions, `${id}.jsonl`),
    `${JSON.stringify({ type: 'start', version: 1, id, record })}\n${JSON.stringify({ type: 'snapshot', record })}\n${JSON.stringify({ type: 'events', events })}\n`,
  );
}

test.describe('a saved session whose log ends early', () => {
  test.use({ dataDirSetup: { prepare: writeInterruptedLog } });

  test('is "Interrupted" in the history, and its result says so when opened', async ({ app }) => {
    const { page } = app;
    const sessions = await openTab(page, 'Sessions');
    const row = sessions.locator('tr[data-status="interrupted"]');
    await expect(row).toHaveCount(1);
    await expect(row.locator('.status-pill')).toHaveText('Interrupted');
    await expect(row.locator('.status-pill')).toHaveClass(/\binterrupted\b/);
    await screenshotsAtBothSizes(page, 'sessions-interrupted');
    await sessionRowAction(row, /^Open the session/);
    const banner = resultBanner(page);
    await expect(banner).toHaveAttribute('data-error-code', 'interrupted');
    // Grey, as Interrupted is everywhere; what became of the message is said beside it.
    await expect(banner).toHaveClass(/\bneutral\b/);
    await expect(banner).toHaveAttribute('data-status', 'interrupted');
    await expect(banner).toContainText('Interrupted');
    await expect(banner).toContainText('Delivery unknown');
    expect(app.errors).toEqual([]);
  });
});
