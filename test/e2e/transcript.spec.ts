import path from 'node:path';
import { expect, REPO_ROOT, test, type AppUnderTest } from './fixtures.js';

const SCREENSHOTS = path.join(REPO_ROOT, 'test-output', 'screenshots');

/** Probe the built-in test server and open the Transcript tab; returns the list. */
async function probeAndOpenTranscript({ page }: AppUnderTest) {
  await page.getByRole('button', { name: 'Use built-in test server' }).click();
  // The port field starts at 25: wait for the host, which only the test server's answer fills in.
  await expect(page.getByLabel('Host', { exact: true })).not.toHaveValue('');
  await expect(page.getByLabel('Port', { exact: true })).toHaveValue(/^\d+$/);
  await page.getByRole('button', { name: 'Probe', exact: true }).click();
  await expect(page.getByRole('status').and(page.locator('[data-result]'))).toHaveAttribute('data-result', 'ok', { timeout: 30_000 });
  await page.getByRole('tab', { name: 'Transcript' }).click();
  const list = page.getByTestId('transcript-list');
  await expect(list).toHaveAttribute('role', 'listbox');
  await expect(list.locator('[role="option"][data-index="0"]')).toBeVisible();
  return list;
}

test('transcript: time modes, direction filter, search with next and previous', async ({ app }) => {
  const { page } = app;
  const list = await probeAndOpenTranscript(app);
  const rows = list.getByRole('option');
  const firstTime = list.locator('[data-index="0"] .tx-time');

  // Time: relative (default), absolute wall clock, delta from the line above.
  await expect(firstTime).toHaveText(/^\+\d+\.\d{6}$/);
  await page.getByLabel('Time', { exact: true }).selectOption('absolute');
  await expect(firstTime).toHaveText(/^\d\d:\d\d:\d\d\.\d{6}$/);
  await page.getByLabel('Time', { exact: true }).selectOption('delta');
  await expect(firstTime).toHaveText('+0.000000');
  await expect(list.locator('[data-index="1"] .tx-time')).toHaveText(/^\+\d+\.\d{6}$/);
  await page.getByLabel('Time', { exact: true }).selectOption('relative');

  // Reply codes are coloured by class.
  await expect(list.locator('[data-dir="recv"] .tx-text.tx-code-2').first()).toBeVisible();

  // Filter: without the server's lines only the client's and the notes remain.
  const total = await rows.count();
  await page.getByRole('checkbox', { name: 'S: server' }).uncheck();
  await expect(list.locator('[data-dir="recv"]')).toHaveCount(0);
  await expect(list.locator('[data-dir="send"]').first()).toBeVisible();
  await expect(page.getByTestId('transcript-count')).toHaveText(new RegExp(`^\\d+ of ${total} lines$`));
  await page.getByRole('checkbox', { name: 'S: server' }).check();
  await expect(rows).toHaveCount(total);

  // Search: "250" is in several replies; Enter and Shift+Enter move between hits, wrapping around.
  const search = page.getByRole('searchbox', { name: 'Search' });
  const status = page.getByTestId('transcript-match-status');
  await search.fill('250');
  await search.press('Enter');
  await expect(status).toHaveText(/^1 of \d+$/);
  const hits = Number((await status.textContent())?.split(' of ')[1]);
  expect(hits).toBeGreaterThan(1);
  await expect(list.locator('.is-match')).toHaveCount(hits);
  const current = list.locator('.is-current');
  await expect(current).toHaveCount(1);
  await expect(current.locator('mark')).toHaveText('250');
  await expect(current).toHaveAttribute('aria-selected', 'true');
  await search.press('Enter');
  await expect(status).toHaveText(`2 of ${hits}`);
  await search.press('Shift+Enter');
  await search.press('Shift+Enter');
  await expect(status).toHaveText(`${hits} of ${hits}`);
  await page.getByRole('button', { name: 'Next match' }).click();
  await expect(status).toHaveText(`1 of ${hits}`);
  // Case-insensitive.
  await search.fill('ehlo');
  await expect(status).toHaveText(/^1 of \d+$/);
  await expect(list.locator('.is-current .tx-text')).toHaveText(/^EHLO /);
  await search.fill('no such text anywhere');
  await expect(status).toHaveText('No matches');
  await search.fill('');
  await expect(status).toHaveText('');

  await page.screenshot({ path: path.join(SCREENSHOTS, 'transcript.png'), fullPage: true });
  expect(app.errors).toEqual([]);
});

test('transcript: select with mouse and keyboard, copy as text lines', async ({ app }) => {
  const { page } = app;
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  const list = await probeAndOpenTranscript(app);
  const selected = list.locator('[aria-selected="true"]');

  // Click, then Shift+click: a range.
  await list.locator('[data-index="1"]').click();
  await list.locator('[data-index="3"]').click({ modifiers: ['Shift'] });
  await expect(selected).toHaveCount(3);
  await expect(list).toBeFocused();
  await page.keyboard.press('ControlOrMeta+C');
  await expect(page.locator('.tx-copy-status')).toHaveText('Copied 3 lines');
  const copied = await page.evaluate<string>('navigator.clipboard.readText()');
  const lines = copied.split('\n');
  expect(lines).toHaveLength(3);
  for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{6} (C:|S:|info:|error:) /);
  // The copied lines are the rows' texts.
  for (const [i, index] of [1, 2, 3].entries()) {
    const text = await list.locator(`[data-index="${index}"] .tx-text`).textContent();
    expect(lines[i]?.endsWith(` ${text}`)).toBe(true);
  }

  // Keyboard: Home, Shift+Down extends, End, Ctrl+A selects all, Escape clears.
  await page.keyboard.press('Home');
  await expect(selected).toHaveCount(1);
  await expect(list.locator('[data-index="0"]')).toHaveAttribute('aria-selected', 'true');
  await expect(list).toHaveAttribute('aria-activedescendant', /.+/);
  await page.keyboard.press('Shift+ArrowDown');
  await page.keyboard.press('Shift+ArrowDown');
  await expect(selected).toHaveCount(3);
  await page.keyboard.press('End');
  await expect(selected).toHaveCount(1);
  await expect(selected).toHaveAttribute('data-index', String((await list.getByRole('option').count()) - 1));
  await page.keyboard.press('ControlOrMeta+A');
  await expect(selected).toHaveCount(await list.getByRole('option').count());
  await page.keyboard.press('Escape');
  await expect(selected).toHaveCount(0);

  // The line's full text is shown below the list.
  const ehlo = list.locator('[data-dir="send"]', { hasText: /EHLO / }).first();
  await ehlo.click();
  await expect(page.getByTestId('transcript-detail').locator('pre')).toHaveText((await ehlo.locator('.tx-text').textContent()) ?? '');

  // Follow tail is a toggle.
  const follow = page.getByRole('button', { name: 'Follow tail' });
  const pressed = await follow.getAttribute('aria-pressed');
  await follow.click();
  await expect(follow).toHaveAttribute('aria-pressed', pressed === 'true' ? 'false' : 'true');

  expect(app.errors).toEqual([]);
});

test('transcript: a live session streams in, only the rows in view exist, follow tail keeps the last one shown', async ({ app }) => {
  const { page } = app;
  await page.getByRole('button', { name: 'Use built-in test server' }).click();
  await expect(page.getByLabel('Host', { exact: true })).not.toHaveValue('');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.locator('[data-session-state="ready"]')).toBeVisible({ timeout: 30_000 });

  // Enough commands that the transcript is longer than the list is tall (and its overscan).
  const raw = page.getByLabel('Raw command', { exact: true });
  for (let i = 0; i < 45; i++) {
    await raw.fill('NOOP');
    await raw.press('Enter');
    await expect(raw).toHaveValue('');
    await expect(raw).toBeEnabled();
  }

  await page.getByRole('tab', { name: 'Transcript' }).click();
  const list = page.getByTestId('transcript-list');
  const count = page.getByTestId('transcript-count');
  await expect(count).toHaveText(/^\d+ lines$/);
  await expect.poll(async () => Number((await count.textContent())?.split(' ')[0])).toBeGreaterThanOrEqual(90);
  const total = Number(await list.getAttribute('data-rows'));

  // Following the tail: the last line is drawn and in view, the first is not in the DOM at all.
  await expect(page.getByRole('button', { name: 'Follow tail' })).toHaveAttribute('aria-pressed', 'true');
  await expect(list.locator(`[data-index="${total - 1}"]`)).toBeInViewport();
  await expect(list.locator('[data-index="0"]')).toHaveCount(0);
  expect(await list.getByRole('option').count()).toBeLessThan(total);

  // A new line arrives while following: it is shown.
  await page.getByRole('tab', { name: 'Overview' }).click();
  await raw.fill('RSET');
  await raw.press('Enter');
  await expect(raw).toHaveValue('');
  await page.getByRole('tab', { name: 'Transcript' }).click();
  await expect(list.locator('[data-dir="recv"]').last()).toBeInViewport();
  await expect(list.locator('[data-dir="send"] .tx-text', { hasText: /^RSET$/ })).toBeVisible();

  // Going to the top (keyboard) stops following; the first rows are drawn and the last are gone.
  await list.focus();
  await page.keyboard.press('Home');
  await expect(list.locator('[data-index="0"]')).toBeInViewport();
  await expect(list.locator('[data-index="0"]')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('button', { name: 'Follow tail' })).toHaveAttribute('aria-pressed', 'false');
  await expect(list.locator(`[data-index="${total - 1}"]`)).toHaveCount(0);

  // Turning it back on goes to the end again.
  await page.getByRole('button', { name: 'Follow tail' }).click();
  await expect(list.locator(`[data-index="${total - 1}"]`)).toBeInViewport();

  await page.getByRole('button', { name: 'Disconnect' }).click();
  await expect(page.locator('[data-session-state="closed"]')).toBeVisible();
  expect(app.errors).toEqual([]);
});
