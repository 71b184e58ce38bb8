import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import type { SessionRecord, TranscriptEvent } from '../../shared/session-record.js';
import { expect, test } from './fixtures.js';
import { openTab, screenshot, sessionRowAction, confirmInMenu } from './steps.js';

/**
 * A saved session too long for one answer opens page by page: the Overview and the first rows at once, the rest
 * streaming in with a progress indication, search working on what has arrived. The page answers of the web host are
 * held back at the WebSocket (Playwright's routeWebSocket) so that the test sees the session half loaded, and can
 * open another session or delete this one before the held pages arrive.
 */

// The first answer carries 10,000 events and each page 25,000 (shared/ipc/channels.ts): three pages after it.
const LONG = 64_321;
const SHORT = 7;
const LONG_ID = '20260102T000000000Z-0e2e5a6b7c8d';
const SHORT_ID = '20260101T000000000Z-0e2e1f2e3d4c';
/** On the first page, and on the last line. */
const EARLY_MARKER = 'early-4b1d';
const LAST_MARKER = 'last-9c2e';

function lines(total: number, label: string): TranscriptEvent[] {
  const start = Date.UTC(2026, 0, 2, 0, 0, 0);
  return Array.from({ length: total }, (_, i) => {
    const text =
      i === total - 1
        ? `221 2.0.0 Bye ${LAST_MARKER}`
        : i === 42 && label === 'long'
          ? `VRFY ${EARLY_MARKER}@example.test`
          : i % 2 === 0
            ? `RCPT TO:<${label}${i}@example.org>`
            : '250 2.1.5 Ok';
    return { t: i * 1000, wall: start + i, dir: i % 2 === 0 ? 'send' : 'recv', tls: false, text };
  });
}

/** A log as main writes it (start, events in batches, end); `garbled` puts one unreadable line in the middle. */
async function writeLog(dataDir: string, id: string, events: TranscriptEvent[], startedAt: string, garbled = false): Promise<void> {
  const record: Omit<SessionRecord, 'events'> = {
    version: 1,
    tool: 'smtp-lens',
    operation: 'session',
    startedAt,
    durationMs: events.length,
    target: { protocol: 'smtp', tls: 'off', host: id === LONG_ID ? '192.0.2.77' : '192.0.2.8', port: 25, ehloName: 'client.example.test' },
    greeting: { code: 220, text: 'mx.example.test ESMTP ready' },
    helloVerb: 'EHLO',
    capabilities: [
      { name: 'PIPELINING', params: [] },
      { name: 'SIZE', params: ['52428800'] },
    ],
    result: { ok: true },
  };
  const out = [JSON.stringify({ type: 'start', version: 1, id, record })];
  for (let i = 0; i < events.length; i += 500) {
    out.push(JSON.stringify({ type: 'events', events: events.slice(i, i + 500) }));
    if (garbled && i === 30_000) out.push('{"type":"events","events":[{"t":1,"wal');
  }
  out.push(JSON.stringify({ type: 'end', eventCount: events.length, record }));
  const folder = path.join(dataDir, 'sessions');
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, `${id}.jsonl`), out.join('\n') + '\n', { mode: 0o600 });
}

test.use({
  dataDirSetup: {
    prepare: async (dataDir) => {
      await writeLog(dataDir, LONG_ID, lines(LONG, 'long'), '2026-01-02T00:00:00.000Z', true);
      await writeLog(dataDir, SHORT_ID, lines(SHORT, 'short'), '2026-01-01T00:00:00.000Z');
    },
  },
});

/**
 * Route the page's API socket through the test and hold back the answers to `sessions.events` until `release()`.
 * The page is reloaded so that its socket is the routed one.
 */
async function holdPages(page: Page): Promise<{ release(): void; held(): number }> {
  const waiting: (() => void)[] = [];
  let holding = true;
  const pageRequests = new Set<number>();
  await page.routeWebSocket(/\/api\?token=/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const request = JSON.parse(String(message)) as { id: number; channel: string };
      if (request.channel === 'sessions.events') pageRequests.add(request.id);
      server.send(message);
    });
    server.onMessage((message) => {
      const id = /^\{"id":(\d+),/.exec(String(message))?.[1];
      if (holding && id !== undefined && pageRequests.has(Number(id))) waiting.push(() => ws.send(message));
      else ws.send(message);
    });
  });
  await page.reload();
  await page.locator('[data-app-state="loaded"]').waitFor({ state: 'attached' });
  return {
    release() {
      holding = false;
      for (const send of waiting.splice(0)) send();
    },
    held: () => waiting.length,
  };
}

async function openSession(page: Page, id: string): Promise<void> {
  const sessions = await openTab(page, 'Sessions');
  await sessionRowAction(sessions.locator(`tr[data-session-id="${id}"]`), /^Open the session of /);
  await expect(page.getByRole('tab', { name: 'Overview' })).toHaveAttribute('aria-selected', 'true');
}

test('a long session opens page by page: Overview and first rows at once, progress, then every event searchable', async ({ app }) => {
  test.skip(app.host === 'electron', 'holds pages back at the web host’s WebSocket');
  const { page } = app;
  const gate = await holdPages(page);
  await openSession(page, LONG_ID);

  // The Overview is there while the events are still on their way.
  await expect(page.getByText('From the history')).toBeVisible();
  await expect(page.locator('.session-bar')).toHaveAttribute('data-transcript-load', 'loading');
  await expect(page.locator('.session-bar')).toContainText('192.0.2.77:25');
  await expect(page.locator('.session-bar')).toContainText(/Loading the transcript… \d+%/);
  await expect.poll(gate.held).toBeGreaterThan(0);

  // The first rows, the progress, search over what has come.
  const panel = await openTab(page, 'Transcript');
  const list = panel.getByTestId('transcript-list');
  await expect(list.locator('[data-index="0"] .tx-text')).toHaveText('RCPT TO:<long0@example.org>');
  await expect(page.getByTestId('transcript-count')).toHaveText('10,000 lines');
  const progress = page.getByTestId('transcript-load');
  await expect(progress).toHaveAttribute('data-state', 'loading');
  await expect(progress).toHaveText('Loading 10,000 of 64,321 events…');
  await screenshot(page, 'transcript-pages-loading');

  const search = page.getByRole('searchbox', { name: 'Search' });
  const status = page.getByTestId('transcript-match-status');
  await search.fill(LAST_MARKER);
  await search.press('Enter');
  await expect(status).toHaveText('No matches yet');
  await search.fill(EARLY_MARKER);
  await search.press('Enter');
  await expect(status).toHaveText('1 of 1');

  // The held pages arrive: every event, the damaged line told, the last line found.
  gate.release();
  await expect(progress).toHaveAttribute('data-state', 'done');
  await expect(page.getByTestId('transcript-count')).toHaveText('64,321 lines');
  await expect(list).toHaveAttribute('data-rows', String(LONG));
  await expect(progress).toHaveText('All 64,321 events loaded; 1 damaged line of the log skipped');
  await expect(page.locator('.session-bar')).toHaveAttribute('data-transcript-load', 'done');
  await search.fill(LAST_MARKER);
  await search.press('Enter');
  await expect(status).toHaveText('1 of 1');
  const last = list.locator(`[data-index="${LONG - 1}"]`);
  await expect(last).toBeInViewport();
  await expect(last).toHaveClass(/\bis-current\b/);
  await expect(last.locator('.tx-text')).toHaveText(`221 2.0.0 Bye ${LAST_MARKER}`);
  await screenshot(page, 'transcript-pages-done');
  expect(app.errors).toEqual([]);
});

test('opening another session while pages are on their way shows only that session', async ({ app }) => {
  test.skip(app.host === 'electron', 'holds pages back at the web host’s WebSocket');
  const { page } = app;
  const gate = await holdPages(page);
  await openSession(page, LONG_ID);
  await expect.poll(gate.held).toBeGreaterThan(0);

  await openSession(page, SHORT_ID);
  await expect(page.locator('.session-bar')).toContainText('192.0.2.8:25');
  gate.release();

  await openTab(page, 'Transcript');
  const list = page.getByTestId('transcript-list');
  await expect(page.getByTestId('transcript-count')).toHaveText(`${SHORT} lines`);
  await expect(list.locator('[data-index="0"] .tx-text')).toHaveText('RCPT TO:<short0@example.org>');
  // Whatever the held pages carried was dropped: no line of the long session, nothing loading.
  const search = page.getByRole('searchbox', { name: 'Search' });
  await search.fill('long');
  await search.press('Enter');
  await expect(page.getByTestId('transcript-match-status')).toHaveText('No matches');
  await expect(page.getByTestId('transcript-load')).toHaveCount(0);
  await expect(page.locator('.session-bar')).toHaveAttribute('data-transcript-load', 'none');
  // Reopening the long one still works, to its end.
  await openSession(page, LONG_ID);
  await openTab(page, 'Transcript');
  await expect(page.getByTestId('transcript-load')).toHaveAttribute('data-state', 'done');
  await expect(page.getByTestId('transcript-count')).toHaveText('64,321 lines');
  expect(app.errors).toEqual([]);
});

test('deleting a session whose events are loading stops the loading and says why, keeping what came', async ({ app }) => {
  test.skip(app.host === 'electron', 'holds pages back at the web host’s WebSocket');
  const { page } = app;
  const gate = await holdPages(page);
  await openSession(page, LONG_ID);
  await expect.poll(gate.held).toBeGreaterThan(0);

  const sessions = await openTab(page, 'Sessions');
  await sessionRowAction(sessions.locator(`tr[data-session-id="${LONG_ID}"]`), /^Delete the session/);
  await confirmInMenu(page);
  await expect(sessions.locator(`tr[data-session-id="${LONG_ID}"]`)).toHaveCount(0);
  gate.release();

  await openTab(page, 'Transcript');
  const progress = page.getByTestId('transcript-load');
  await expect(progress).toHaveAttribute('data-state', 'failed');
  await expect(progress).toHaveText('Loading stopped after 10,000 events: The session log was deleted while its events were loading.');
  await expect(page.getByTestId('transcript-count')).toHaveText('10,000 lines');
  await screenshot(page, 'transcript-pages-stopped');
  expect(app.errors).toEqual([]);
});
