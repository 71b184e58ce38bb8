import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SessionRecord, TranscriptEvent } from '../../shared/session-record.js';
import { expect, test } from './fixtures.js';
import { openTab, screenshot, sessionRowAction } from './steps.js';

/**
 * A transcript of 200,000 lines, written as a session log into the data directory before the app starts, reopened
 * from the Sessions tab (its events come page by page after the Overview: see transcript-pages.spec.ts): the
 * Transcript scrolls to its end and finds one line among them, while only the rows in view exist in the DOM.
 */

const LINES = 200_000;
const MARKER_INDEX = 150_000;
/** Occurs on line MARKER_INDEX only. */
const MARKER = 'needle-5f0c1d9e';
const SESSION_ID = '20260101T000000000Z-0e2e1a2b3c4d';
/** More rows than this in the DOM means the list is not virtualised. */
const MAX_ROWS_IN_DOM = 200;

/** One SMTP transaction after another, as a server under a load test would see it; `n` counts transactions. */
function transaction(n: number): Pick<TranscriptEvent, 'dir' | 'text'>[] {
  return [
    { dir: 'send', text: `MAIL FROM:<sender${n}@example.test> SIZE=${1000 + (n % 9000)}` },
    { dir: 'recv', text: '250 2.1.0 Ok' },
    { dir: 'send', text: `RCPT TO:<rcpt${n}@example.org>` },
    { dir: 'recv', text: '250 2.1.5 Ok' },
    { dir: 'send', text: 'DATA' },
    { dir: 'recv', text: '354 End data with <CR><LF>.<CR><LF>' },
    { dir: 'info', text: `DATA: ${1000 + (n % 9000)} bytes in ${20 + (n % 30)} lines (not captured)` },
    { dir: 'recv', text: `250 2.0.0 Ok: queued as ${(0x10000 + n).toString(16).toUpperCase()}` },
    { dir: 'send', text: 'RSET' },
    { dir: 'recv', text: '250 2.0.0 Ok' },
  ];
}

function makeEvents(): TranscriptEvent[] {
  const start = Date.UTC(2026, 0, 1, 0, 0, 0);
  const head: Pick<TranscriptEvent, 'dir' | 'text'>[] = [
    { dir: 'info', text: 'connected to 192.0.2.25:25 (192.0.2.25 port 25 from 192.0.2.10 port 50514)' },
    { dir: 'recv', text: '220 mx.example.test ESMTP ready' },
    { dir: 'send', text: 'EHLO client.example.test' },
    { dir: 'recv', text: '250-mx.example.test' },
    { dir: 'recv', text: '250-PIPELINING' },
    { dir: 'recv', text: '250-SIZE 52428800' },
    { dir: 'recv', text: '250 ENHANCEDSTATUSCODES' },
  ];
  const lines = [...head];
  for (let n = 0; lines.length < LINES - 2; n++) lines.push(...transaction(n));
  lines.length = LINES - 2;
  lines.push({ dir: 'send', text: 'QUIT' }, { dir: 'recv', text: '221 2.0.0 Bye' });
  lines[MARKER_INDEX] = { dir: 'send', text: `VRFY ${MARKER}@example.test` };
  // 2 ms between lines: the session lasts 400 s.
  return lines.map((l, i) => ({ t: i * 2000, wall: start + i * 2, dir: l.dir, tls: false, text: l.text }));
}

/** A session log as main writes it: a start line, events in batches, an end line (see session-log-store.ts). */
async function writeLargeSessionLog(dataDir: string): Promise<void> {
  const events = makeEvents();
  const record: Omit<SessionRecord, 'events'> = {
    version: 1,
    tool: 'smtp-lens',
    operation: 'session',
    startedAt: new Date(events[0]!.wall).toISOString(),
    durationMs: events.at(-1)!.wall - events[0]!.wall,
    target: { protocol: 'smtp', tls: 'off', host: '192.0.2.25', port: 25, ehloName: 'client.example.test' },
    greeting: { code: 220, text: 'mx.example.test ESMTP ready' },
    helloVerb: 'EHLO',
    capabilities: [
      { name: 'PIPELINING', params: [] },
      { name: 'SIZE', params: ['52428800'] },
      { name: 'ENHANCEDSTATUSCODES', params: [] },
    ],
    result: { ok: true },
  };
  const out: string[] = [JSON.stringify({ type: 'start', version: 1, id: SESSION_ID, record })];
  for (let i = 0; i < events.length; i += 1000) out.push(JSON.stringify({ type: 'events', events: events.slice(i, i + 1000) }));
  out.push(JSON.stringify({ type: 'end', eventCount: events.length, record }));
  const folder = path.join(dataDir, 'sessions');
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, `${SESSION_ID}.jsonl`), out.join('\n') + '\n', { mode: 0o600 });
}

test.use({ dataDirSetup: { prepare: writeLargeSessionLog } });

test('a transcript of 200,000 lines: reopened, scrolled to the end, searched, only the rows in view in the DOM', async ({ app }) => {
  test.setTimeout(120_000);
  const { page } = app;

  const sessions = await openTab(page, 'Sessions');
  const row = sessions.locator(`tr[data-session-id="${SESSION_ID}"]`);
  await expect(row).toBeVisible();
  await expect(row.locator('td.size-cell .lines')).toHaveText(`${LINES.toLocaleString('en')} lines`);
  await sessionRowAction(row, /^Open the session of /);
  await expect(page.getByRole('tab', { name: 'Overview' })).toHaveAttribute('aria-selected', 'true', { timeout: 30_000 });
  await expect(page.getByText('From the history')).toBeVisible();

  const panel = await openTab(page, 'Transcript');
  const list = panel.getByTestId('transcript-list');
  const rows = list.getByRole('option');
  await expect(page.getByTestId('transcript-load')).toHaveAttribute('data-state', 'done');
  await expect(page.getByTestId('transcript-load')).toHaveText('All 200,000 events loaded');
  await expect(page.getByTestId('transcript-count')).toHaveText('200,000 lines');
  await expect(list).toHaveAttribute('data-rows', String(LINES));
  // A history session opens at its top.
  await expect(list.locator('[data-index="0"]')).toBeInViewport();
  await expect(list.locator('[data-index="0"] .tx-text')).toHaveText(/^connected to 192\.0\.2\.25:25/);
  await expect(list.locator('[data-index="1"] .tx-text')).toHaveText('220 mx.example.test ESMTP ready');
  expect(await rows.count()).toBeGreaterThan(10);
  expect(await rows.count()).toBeLessThan(MAX_ROWS_IN_DOM);

  // Scrolling the container to the middle draws the rows there.
  await list.evaluate((el, top) => {
    el.scrollTop = top;
  }, 100_000 * 20);
  await expect(list.locator('[data-index="100000"]')).toBeInViewport();
  await expect(list.locator('[data-index="0"]')).toHaveCount(0);
  expect(await rows.count()).toBeLessThan(MAX_ROWS_IN_DOM);

  // End on the focused list: the last line, selected and in view.
  await list.focus();
  await page.keyboard.press('End');
  const last = list.locator(`[data-index="${LINES - 1}"]`);
  await expect(last).toBeInViewport();
  await expect(last).toHaveAttribute('aria-selected', 'true');
  await expect(last.locator('.tx-text')).toHaveText('221 2.0.0 Bye');
  await expect(list.locator('[data-index="100000"]')).toHaveCount(0);
  expect(await rows.count()).toBeLessThan(MAX_ROWS_IN_DOM);
  await screenshot(page, 'transcript-large-end');

  // Search: one hit among 200,000 lines, brought into view.
  const search = page.getByRole('searchbox', { name: 'Search' });
  await search.fill(MARKER);
  await search.press('Enter');
  await expect(page.getByTestId('transcript-match-status')).toHaveText('1 of 1');
  const hit = list.locator(`[data-index="${MARKER_INDEX}"]`);
  await expect(hit).toBeInViewport();
  await expect(hit).toHaveClass(/\bis-current\b/);
  await expect(hit.locator('mark')).toHaveText(MARKER);
  await expect(hit.locator('.tx-text')).toHaveText(`VRFY ${MARKER}@example.test`);
  await expect(list.locator('.is-match')).toHaveCount(1);
  await expect(last).toHaveCount(0);
  expect(await rows.count()).toBeLessThan(MAX_ROWS_IN_DOM);
  await screenshot(page, 'transcript-large-search');
  expect(app.errors).toEqual([]);
});
