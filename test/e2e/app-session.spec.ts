import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page, WebSocket as PageSocket } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { scriptedServers } from './scripted.js';
import { startMainThreadTrace } from './trace.js';
import {
  field,
  openTab,
  pointAt,
  probe,
  resultBanner,
  screenshot,
  screenshotsAtBothSizes,
  sessionRowAction,
  useBuiltInTestServer,
  useTestAccount,
  useTestListener,
} from './steps.js';

/**
 * The app runs sessions in main and reads as a finished tool: one request per operation, waits that show where they
 * are, cancel in grey, a page that never blocks on a large send, the history that reopens what was seen, the status
 * words, the Sessions tab at 1024 px, notices that go with the form, and forms that survive a reload.
 */

const { scripted, closeAll } = scriptedServers();

/** `getComputedStyle` in the page, typed without the DOM library (callbacks run in the browser: written out there). */
type StyleWindow = { getComputedStyle(e: unknown): { color: string; position: string } };
test.afterEach(closeAll);

/** The request channels the page sends over the web host's socket, in order (Electron has no socket to watch). */
function watchRequests(page: Page): string[] {
  const channels: string[] = [];
  const watch = (ws: PageSocket) =>
    ws.on('framesent', (frame) => {
      const text = typeof frame.payload === 'string' ? frame.payload : frame.payload.toString('utf8');
      try {
        const message = JSON.parse(text) as { channel?: string };
        if (typeof message.channel === 'string') channels.push(message.channel);
      } catch {
        // Not ours.
      }
    });
  page.on('websocket', watch);
  return channels;
}

async function fillMessage(page: Page, to: string[], subject: string): Promise<void> {
  const compose = await openTab(page, 'Compose');
  await compose.getByLabel('From', { exact: true }).fill('Ann Example <ann@example.test>');
  await compose.getByLabel('To', { exact: true }).fill(to.join(', '));
  await compose.getByLabel('Subject', { exact: true }).fill(subject);
  await compose.getByLabel('Plain-text body').fill('Hello from SMTP Lens.');
}

test('a Compose send is one session.run request; its progress and end come as events', async ({ app }) => {
  test.skip(app.host === 'electron', 'counts the frames of the web host socket');
  const { page } = app;
  const channels = watchRequests(page);
  // The socket opened before the listener: reload so that every frame is seen.
  await page.reload();
  await page.locator('[data-app-state="loaded"]').waitFor({ state: 'attached' });
  await useBuiltInTestServer(page);
  await useTestAccount(page);
  await fillMessage(page, ['a@example.test'], 'one request');
  const before = channels.length;
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const outcome = page.getByRole('region', { name: 'Delivery outcome' });
  await expect(outcome.locator('[data-verdict]')).toHaveAttribute('data-verdict', 'delivered', { timeout: 30_000 });
  const sent = channels.slice(before).filter((c) => c.startsWith('session.'));
  expect(sent).toEqual(['session.run']);
  await screenshotsAtBothSizes(page, 'app-send-one-request');
});

test('a silent server: the stage and the time waited within 2 s, the TLS hint, then cancel in grey', async ({ app }) => {
  const { page } = app;
  // Accepts and says nothing, as an implicit-TLS port does to a client that waits for a greeting.
  const port = await scripted(async (socket) => {
    await new Promise((r) => socket.once('close', r));
  });
  await pointAt(page, port);
  await page.getByRole('button', { name: 'Probe', exact: true }).click();
  const banner = resultBanner(page);
  const started = Date.now();
  await expect(banner).toHaveAttribute('data-stage', 'reply', { timeout: 2000 });
  await expect(banner).toContainText('Waiting for the greeting…', { timeout: 2000 });
  await expect(banner.locator('.live-elapsed')).toHaveText(/^\d+ s of 5 min$/, { timeout: 2000 });
  expect(Date.now() - started).toBeLessThan(2500);
  // The time ticks.
  await expect(banner.locator('.live-elapsed')).toHaveText(/^[1-9]\d* s of 5 min$/, { timeout: 3000 });
  const hint = banner.locator('[data-hint]');
  await expect(hint).toContainText('may expect implicit TLS', { timeout: 6000 });
  await expect(hint.getByRole('button', { name: 'Retry with implicit TLS' })).toBeVisible();
  await screenshotsAtBothSizes(page, 'app-silent-server');

  await banner.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(banner).toHaveAttribute('data-status', 'cancelled', { timeout: 10_000 });
  await expect(banner).toHaveClass(/\bneutral\b/);
  await expect(banner).not.toHaveClass(/\berror\b/);
  await expect(banner.locator('.result-title')).toHaveText('Cancelled');
  await expect(page.locator('.state-dot.cancelled')).toBeVisible();
  await screenshotsAtBothSizes(page, 'app-cancelled');
  const sessions = await openTab(page, 'Sessions');
  await expect(sessions.locator('tbody tr').first().locator('.status-pill')).toHaveText('Cancelled');
  await expect(sessions.locator('tbody tr').first().locator('.status-pill')).toHaveClass(/\bcancelled\b/);
  expect(app.errors).toEqual([]);
});

test('the hint retries with implicit TLS in one click', async ({ app }) => {
  const { page } = app;
  const port = await scripted(async (socket) => {
    await new Promise((r) => socket.once('close', r));
  });
  await pointAt(page, port);
  await page.getByRole('button', { name: 'Probe', exact: true }).click();
  const banner = resultBanner(page);
  await banner.getByRole('button', { name: 'Retry with implicit TLS' }).click({ timeout: 8000 });
  await expect(field.tls(page)).toHaveValue('implicit');
  // The same probe again, now waiting in a TLS handshake (this peer never answers the hello).
  await expect(banner).toHaveAttribute('data-stage', 'tls-handshake', { timeout: 5000 });
  await banner.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(banner).toHaveAttribute('data-status', 'cancelled', { timeout: 10_000 });
});

test('a 30 MB send: the page never blocks for 100 ms, the bar moves, the file is streamed to main', async ({ app }) => {
  test.skip(app.host === 'electron', 'the desktop app sends picked files from disk');
  const { page } = app;
  // A server that takes the body slowly (about 60 KB every 10 ms), so that the send lasts long enough to watch.
  const slow = await scripted(async (socket, line, until) => {
    socket.write('220 slow.test ESMTP\r\n');
    await line();
    socket.write('250-slow.test\r\n250-SIZE 100000000\r\n250 8BITMIME\r\n');
    await line();
    socket.write('250 ok\r\n');
    await line();
    socket.write('250 ok\r\n');
    await line();
    socket.write('354 go\r\n');
    socket.on('data', () => {
      socket.pause();
      setTimeout(() => socket.resume(), 10);
    });
    await until('\r\n.\r\n');
    socket.write('250 2.0.0 queued\r\n');
    await line();
    socket.end('221 bye\r\n');
  });
  await pointAt(page, slow);
  await fillMessage(page, ['big@example.test'], '30 MB');
  // The body bar's values as they change, and the page's long tasks by the wall clock.
  // (Browser code as text: the specs compile without the DOM library.)
  await page.evaluate(`(() => {
    window.longTasks = [];
    window.barValues = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.longTasks.push({ at: Math.round(entry.startTime), ms: Math.round(entry.duration) });
    }).observe({ type: 'longtask', buffered: false });
    const sample = () => {
      for (const bar of document.querySelectorAll('progress[aria-label="Message body sent"]')) {
        if (bar.value > 0 && window.barValues.at(-1) !== bar.value) window.barValues.push(bar.value);
      }
      requestAnimationFrame(sample);
    };
    requestAnimationFrame(sample);
  })()`);
  // What blocks the page is work on its main thread. A wall-clock long task also counts the time the thread waits
  // for a core, and on a small CI machine the web host, the scripted server and Chromium's other processes all
  // want one while 30 MB goes through: traces showed 100–130 ms "long tasks" that used 2–35 ms of CPU. So the
  // assertion reads the thread's own CPU time per task from a Chromium trace.
  const trace = await startMainThreadTrace(page);
  // A file on disk, as a user picks one (a buffer would be copied into the page by the test harness itself).
  // 22 MB of attachment is a 30 MB message once base64-encoded.
  const content = Buffer.alloc(22 * 1024 * 1024);
  for (let i = 0; i < content.length; i += 4096) content.writeUInt32BE((i * 2654435761) >>> 0, i);
  const file = path.join(app.dataDir, 'big.bin');
  await writeFile(file, content);
  const upload = page.waitForResponse((r) => new URL(r.url()).pathname === '/upload');
  await page.getByLabel('Attach files').setInputFiles(file);
  expect((await upload).status()).toBe(200);
  await expect(page.getByRole('list', { name: 'Attached files' })).toContainText('big.bin');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  // While it runs the test leaves the page alone (no locator polling: DevTools commands are long tasks of their own
  // on this page's thread), checking in-page every half second for the end.
  await page.waitForFunction(
    () =>
      (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector(
        '[data-verdict="delivered"]',
      ) !== null,
    undefined,
    { polling: 500, timeout: 60_000 },
  );
  const tasks = await trace.stop();
  const { longTasks, barValues } = (await page.evaluate('({ longTasks: window.longTasks, barValues: window.barValues })')) as {
    longTasks: { at: number; ms: number }[];
    barValues: number[];
  };
  expect(tasks.length, "the trace saw the page's main thread at work").toBeGreaterThan(100);
  const busy = tasks.filter((t) => t.cpuMs > 100);
  expect(busy, `tasks over 100 ms of CPU: ${JSON.stringify(busy)}; wall-clock long tasks: ${JSON.stringify(longTasks)}`).toEqual([]);
  // And by the wall clock (PerformanceObserver), a bound that waiting for a core does not reach but a page that stops
  // answering does. Waiting for a core was at most 130 ms on the machine this was written on; on a two-core CI
  // machine, 283 and 346 ms (around the upload of the file), while no task of the page's thread used 100 ms of CPU.
  expect(
    longTasks.filter((t) => t.ms > 500),
    `wall-clock long tasks: ${JSON.stringify(longTasks)}`,
  ).toEqual([]);
  // It moved: many values on the way to the end.
  expect(new Set(barValues).size, `bar values: ${JSON.stringify(barValues)}`).toBeGreaterThanOrEqual(5);

  // The same message again, to look at while it goes: the status line's bar and the Compose progress.
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(resultBanner(page).locator('.live-body progress')).toBeVisible({ timeout: 10_000 });
  await expect(resultBanner(page).locator('.live-body')).toContainText(/of 30\.\d MB/);
  await screenshotsAtBothSizes(page, 'app-big-send');
  await expect(page.getByRole('region', { name: 'Delivery outcome' }).locator('[data-verdict]')).toHaveAttribute(
    'data-verdict',
    'delivered',
    {
      timeout: 60_000,
    },
  );
  expect(app.errors).toEqual([]);
});

test('a partial send reopened from the history shows its Delivery grid and Findings', async ({ app }) => {
  const { page } = app;
  await useBuiltInTestServer(page);
  await fillMessage(page, ['a@example.test', 'refuse@example.test'], 'partial');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Delivery outcome' }).locator('[data-verdict]')).toHaveAttribute(
    'data-verdict',
    'partial',
    {
      timeout: 30_000,
    },
  );
  // Something else shown in the meantime, then the send again from the history.
  await probe(page, 'ok');
  const sessions = await openTab(page, 'Sessions');
  const row = sessions.locator('tbody tr', { hasText: 'send' }).first();
  await expect(row.locator('.status-pill')).toHaveText('Partial');
  await row.click();
  const overview = page.getByRole('tabpanel', { name: 'Overview' });
  await expect(page.getByRole('tab', { name: 'Overview' })).toHaveAttribute('aria-selected', 'true');
  const delivery = overview.locator('.delivery-panel');
  await expect(delivery.locator('.status-pill')).toHaveText('Partial');
  await expect(delivery).toContainText('<ann@example.test>');
  await expect(delivery).toContainText('Message-ID');
  const grid = delivery.getByRole('table', { name: 'Recipients' });
  await expect(grid.locator('tbody tr')).toHaveCount(2);
  await expect(grid.locator('tr[data-status="delivered"]')).toHaveCount(1);
  await expect(grid.locator('tr[data-status="permanent"]')).toContainText('550 5.1.1');
  const findings = overview.locator('.findings-panel');
  await expect(findings).toContainText('Plaintext password mechanisms offered without TLS');
  await screenshotsAtBothSizes(page, 'app-history-partial');
  // A finding links to the line it was seen on: the Transcript opens with that line selected.
  const link = findings.getByRole('button', { name: /^line \d+$/ }).first();
  const line = Number(/\d+/.exec((await link.textContent()) ?? '')![0]);
  await link.click();
  await expect(page.getByRole('tab', { name: 'Transcript' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('[aria-selected="true"][data-index]')).toHaveAttribute('data-index', String(line - 1));
});

test('each status in its words and colours: Delivered, Partial, Failed, Unknown, Cancelled', async ({ app }) => {
  const { page } = app;
  await useBuiltInTestServer(page);
  const sendTo = async (to: string[]) => {
    await fillMessage(page, to, 'status');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await expect(resultBanner(page)).not.toHaveAttribute('data-result', 'running', { timeout: 30_000 });
  };
  await sendTo(['a@example.test']);
  await sendTo(['a@example.test', 'refuse@example.test']);
  await sendTo(['refuse@example.test']);
  // A server that drops the link after the message: nobody knows.
  const drop = await scripted(async (socket, line, until) => {
    socket.write('220 drop.test ESMTP\r\n');
    await line();
    socket.write('250 drop.test\r\n');
    await line();
    socket.write('250 ok\r\n');
    await line();
    socket.write('250 ok\r\n');
    await line();
    socket.write('354 go\r\n');
    await until('\r\n.\r\n');
    socket.destroy();
  });
  await pointAt(page, drop);
  await sendTo(['a@example.test']);
  const silent = await scripted(async (socket) => {
    await new Promise((r) => socket.once('close', r));
  });
  await pointAt(page, silent);
  await page.getByRole('button', { name: 'Probe', exact: true }).click();
  await expect(resultBanner(page)).toHaveAttribute('data-result', 'running');
  await resultBanner(page).getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(resultBanner(page)).toHaveAttribute('data-status', 'cancelled', { timeout: 10_000 });

  const sessions = await openTab(page, 'Sessions');
  const pills = sessions.locator('tbody tr .status-pill');
  await expect(pills).toHaveText(['Cancelled', 'Unknown', 'Failed', 'Partial', 'Delivered']);
  for (const [word, tone] of [
    ['Delivered', 'delivered'],
    ['Partial', 'partial'],
    ['Failed', 'failed'],
    ['Unknown', 'unknown'],
    ['Cancelled', 'cancelled'],
  ] as const) {
    await expect(pills.filter({ hasText: word })).toHaveClass(new RegExp(`\\b${tone}\\b`));
  }
  // Distinct colours: green, amber, red, amber-grey, grey.
  const colours = await pills.evaluateAll((els) => els.map((el) => (globalThis as unknown as StyleWindow).getComputedStyle(el).color));
  expect(new Set(colours).size).toBe(5);
  await screenshotsAtBothSizes(page, 'app-status-words');
});

test('the Sessions tab at 1024×700: every action reachable without scrolling sideways', async ({ app }) => {
  const { page } = app;
  await useBuiltInTestServer(page);
  await probe(page, 'ok');
  await probe(page, 'ok');
  await page.setViewportSize({ width: 1024, height: 700 });
  const sessions = await openTab(page, 'Sessions');
  const scroller = sessions.locator('.table-scroll');
  const { scrollWidth, clientWidth } = await scroller.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
  const row = sessions.locator('tbody tr').first();
  const menu = row.getByRole('button', { name: /^Actions for the session of / });
  await expect(menu).toBeInViewport();
  await menu.click();
  for (const name of [/^Open the session of /, /^Export the session of /, /^Delete the session of /]) {
    await expect(page.getByRole('menu').getByRole('menuitem', { name })).toBeInViewport();
  }
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await screenshot(page, `app-sessions-menu-1024${scheme === 'dark' ? '-dark' : ''}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.keyboard.press('Escape');
  await expect(page.getByRole('menu')).toHaveCount(0);
  await expect(menu).toBeFocused();
  await screenshotsAtBothSizes(page, 'app-sessions');
  await page.setViewportSize({ width: 1024, height: 700 });
  // The row itself opens the session.
  await row.click();
  await expect(page.getByRole('tab', { name: 'Overview' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByText('From the history')).toBeVisible();
  // Explain is a drawer over the content at this size; Escape closes it.
  await page.getByRole('button', { name: 'Explain codes' }).click();
  const drawer = page.locator('#explain-column');
  await expect(drawer).toBeVisible();
  expect(await drawer.evaluate((el) => (globalThis as unknown as StyleWindow).getComputedStyle(el).position)).toBe('fixed');
  await screenshotsAtBothSizes(page, 'app-explain-drawer');
  await page.keyboard.press('Escape');
  await expect(drawer).toHaveCount(0);
  // The menu's Open does the same.
  await openTab(page, 'Sessions');
  await sessionRowAction(sessions.locator('tbody tr').nth(1), /^Open the session of /);
  await expect(page.getByRole('tab', { name: 'Overview' })).toHaveAttribute('aria-selected', 'true');
});

test('a stale notice goes when the form that caused it is edited', async ({ app }) => {
  const { page } = app;
  await useBuiltInTestServer(page);
  await useTestAccount(page);
  await field.password(page).fill('wrong-password');
  const banner = await probe(page, 'error');
  await expect(banner).toContainText('Authentication failed');
  await screenshotsAtBothSizes(page, 'app-notice-auth');
  await openTab(page, 'Compose');
  await expect(banner).toBeVisible();
  await field.password(page).fill('a-better-password');
  await expect(resultBanner(page)).toHaveCount(0);
  // A field problem goes too, once the field is fixed.
  await field.host(page).fill('bad host');
  await page.getByRole('button', { name: 'Probe', exact: true }).click();
  await expect(resultBanner(page)).toContainText('Host');
  await field.host(page).fill('127.0.0.1');
  await expect(resultBanner(page)).toHaveCount(0);
  // And any notice can be closed.
  await field.password(page).fill('wrong-again');
  await probe(page, 'error');
  await resultBanner(page).getByRole('button', { name: 'Dismiss this notice' }).click();
  await expect(resultBanner(page)).toHaveCount(0);
});

test('a reload keeps the form and the Compose draft, never the password', async ({ app }) => {
  const { page } = app;
  await field.host(page).fill('mx.example.net');
  await field.port(page).fill('587');
  await field.tls(page).selectOption('starttls');
  await field.user(page).fill('alice');
  await field.password(page).fill('hunter2-secret');
  await fillMessage(page, ['bob@example.org'], 'draft kept');
  await page.waitForTimeout(400);
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
  expect(stored).toContain('draft kept');
  expect(stored).not.toContain('hunter2');
  await page.reload();
  await page.locator('[data-app-state="loaded"]').waitFor({ state: 'attached' });
  await expect(field.host(page)).toHaveValue('mx.example.net');
  await expect(field.port(page)).toHaveValue('587');
  await expect(field.tls(page)).toHaveValue('starttls');
  await expect(field.user(page)).toHaveValue('alice');
  await expect(field.password(page)).toHaveValue('');
  const compose = await openTab(page, 'Compose');
  await expect(compose.getByLabel('To', { exact: true })).toHaveValue('bob@example.org');
  await expect(compose.getByLabel('Subject', { exact: true })).toHaveValue('draft kept');
  await screenshotsAtBothSizes(page, 'app-reload-draft');
});

test('first run: the empty state leads to the test server, probed in one click', async ({ app }) => {
  const { page } = app;
  const first = page.locator('[data-first-run]');
  await expect(first).toBeVisible();
  await screenshotsAtBothSizes(page, 'app-first-run');
  await first.getByRole('button', { name: 'Try the built-in test server' }).click();
  await expect(resultBanner(page)).toHaveAttribute('data-result', 'ok', { timeout: 30_000 });
  await expect(field.user(page)).toHaveValue('tester');
  const shortcut = page.locator('[data-test-server-shortcut="running"]');
  await expect(shortcut).toContainText('Built-in test server running');
  await expect(shortcut.getByRole('button', { name: 'Account in the form' })).toBeDisabled();
  await screenshotsAtBothSizes(page, 'app-first-probe');
  // Its own certificate, over STARTTLS, is not "expiring".
  await useTestListener(page, 'STARTTLS');
  await probe(page, 'ok', /starttls/);
  const overview = await openTab(page, 'Overview');
  await expect(overview.locator('.tls-chain')).toBeVisible();
  await expect(overview.locator('.tls-chain')).not.toContainText(/Expires in \d+ days?/);
});
