import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import type { SessionRecord, TranscriptEvent } from '../../shared/session-record.js';
import { exportRecord } from '../../electron/app/services/session-export.js';
import { rebuild } from '../../electron/app/services/session-log-store.js';
import { expect, test } from './fixtures.js';
import {
  expectPageNotScrollable,
  field,
  openTab,
  probe,
  readDownload,
  screenshot,
  useTestAccount,
  useTestListener,
  sessionRowAction,
} from './steps.js';

/**
 * Export from the Sessions tab in each format — JSON record, smtplib-style text transcript, self-contained HTML
 * report — of sessions that authenticated with the test account by PLAIN and by LOGIN, and prove that neither the
 * password nor its base64 forms (what PLAIN and LOGIN put on the wire) are in any exported file or session log. The
 * web host streams each export as a download from its `/export/` path (the file never passes through the page); a
 * saved session of several pages downloads byte for byte as the exporter makes it.
 */

// In Electron an export goes through the native save dialog (main writes the file), not a browser download.
test.skip(
  ({ appHost }) => appHost === 'electron',
  'exports are browser downloads only in the web host; Electron shows a native save dialog',
);

const FORMATS = [
  { value: 'json', label: 'JSON', extension: 'json' },
  { value: 'txt', label: 'TXT', extension: 'txt' },
  { value: 'html', label: 'HTML', extension: 'html' },
] as const;

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** The password as it could leak: itself, and what PLAIN and LOGIN send for it (with and without base64 padding). */
function secretForms(user: string, password: string): string[] {
  const forms = [password, b64(`\0${user}\0${password}`), b64(`${user}\0${user}\0${password}`), b64(password)];
  return [...new Set([...forms, ...forms.map((f) => f.replace(/=+$/, ''))])];
}

function expectNoSecret(content: string, secrets: string[], what: string): void {
  for (const secret of secrets) expect(content.includes(secret), `${what} contains the secret form ${secret}`).toBe(false);
}

/** Pick the format in "Export as" and export one session row; returns the downloaded file's name and text. */
async function exportRow(
  page: Page,
  panel: Locator,
  row: Locator,
  format: (typeof FORMATS)[number],
): Promise<{ name: string; content: string }> {
  await panel.getByLabel('Export as', { exact: true }).selectOption(format.value);
  const download = page.waitForEvent('download');
  await sessionRowAction(row, new RegExp(`^Export the session of .* as ${format.label}$`));
  const file = await download;
  // Streamed by the web host, with the page's token; not a Blob made in the page.
  const url = new URL(file.url());
  expect(url.pathname).toMatch(new RegExp(`^/export/[A-Za-z0-9_-]+\\.${format.extension}$`));
  expect(url.searchParams.get('token')).toBeTruthy();
  expect(await file.failure()).toBeNull();
  return { name: file.suggestedFilename(), content: await readDownload(file) };
}

test('export JSON, text and HTML of authenticated sessions: the content checks out, the password is in none', async ({ app }) => {
  const { page } = app;
  await useTestListener(page, 'STARTTLS');
  const port = await field.port(page).inputValue();
  const account = await useTestAccount(page);
  const secrets = secretForms(account.user, account.password);

  // Two sessions: AUTH PLAIN (the password in the initial response) and AUTH LOGIN (the password as its own step).
  for (const mechanism of ['PLAIN', 'LOGIN'] as const) {
    await field.mechanism(page).selectOption(mechanism.toLowerCase());
    await field.password(page).fill(account.password);
    await probe(page, 'ok', `smtp://127.0.0.1:${port} (tls: starttls)`);
    const auth = (await openTab(page, 'Overview')).locator('[data-auth]');
    await expect(auth).toHaveAttribute('data-auth', 'ok');
    await expect(auth).toContainText(mechanism);
  }

  const panel = await openTab(page, 'Sessions');
  await panel.getByRole('button', { name: 'Refresh', exact: true }).click();
  const rows = panel.getByRole('table', { name: 'Saved sessions' }).locator('tbody tr[data-session-id]');
  await expect(rows).toHaveCount(2);
  await expect(rows.and(page.locator('[data-status="ok"]'))).toHaveCount(2);
  await expectPageNotScrollable(page);
  await screenshot(page, 'sessions');

  const mechanismsSeen: string[] = [];
  for (let i = 0; i < 2; i++) {
    const row = rows.nth(i);
    const files = new Map<string, { name: string; content: string }>();
    for (const format of FORMATS) {
      const file = await exportRow(page, panel, row, format);
      expect(file.name).toMatch(new RegExp(`^smtp-lens-probe-127\\.0\\.0\\.1-.*\\.${format.extension}$`));
      expectNoSecret(file.content, secrets, file.name);
      files.set(format.value, file);
    }

    // JSON: the session record itself, with its events; AUTH redacted at capture.
    const record = JSON.parse(files.get('json')!.content) as SessionRecord;
    expect(record.version).toBe(1);
    expect(record.tool).toBe('smtp-lens');
    // The app's Probe runs on a live session of its own, logged as the probe it is.
    expect(record.operation).toBe('probe');
    expect(record.target).toMatchObject({ protocol: 'smtp', tls: 'starttls', host: '127.0.0.1', port: Number(port) });
    expect(record.result.ok).toBe(true);
    expect(record.tls?.authorized).toBe(true);
    expect(record.auth?.ok).toBe(true);
    expect(record.auth?.code).toBe(235);
    const mechanism = record.auth!.mechanism;
    expect(['PLAIN', 'LOGIN']).toContain(mechanism);
    mechanismsSeen.push(mechanism);
    expect(record.events.length).toBeGreaterThan(20);
    await expect(row.locator('td.size-cell .lines')).toHaveText(`${record.events.length} lines`);
    for (const event of record.events)
      expect(event).toMatchObject({
        t: expect.any(Number),
        wall: expect.any(Number),
        dir: expect.stringMatching(/^(send|recv|info|error)$/),
      });
    const authLines = record.events.filter((e) => e.dir === 'send' && e.redacted);
    expect(authLines.length).toBeGreaterThan(0);
    for (const e of authLines) expect(e.text).toMatch(/<redacted \d+ bytes>/);
    expect(record.events.some((e) => e.dir === 'send' && e.text.startsWith(`AUTH ${mechanism}`))).toBe(true);
    expect(record.auth!.steps.every((s) => !s.sent.includes(account.password))).toBe(true);

    // Text: smtplib's debug style, one send:/reply: line per wire line, times first.
    const text = files.get('txt')!.content;
    expect(text.split('\n')[0]).toBe(`# smtp-lens probe smtp://127.0.0.1:${port} (tls: starttls)`);
    expect(text).toMatch(/^\d\d:\d\d:\d\d\.\d{6} reply: b'220 localhost ESMTP SMTP Lens test server \(starttls listener\)\\r\\n'$/m);
    expect(text).toMatch(/^\d\d:\d\d:\d\d\.\d{6} send: 'EHLO \[127\.0\.0\.1\]\\r\\n'$/m);
    expect(text).toMatch(/^\d\d:\d\d:\d\d\.\d{6} send: 'STARTTLS\\r\\n'$/m);
    // PLAIN: "AUTH PLAIN <redacted …>"; LOGIN: "AUTH LOGIN", then the user name and the password, each redacted.
    expect(text).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{6} send: \\[tls\\] 'AUTH ${mechanism}\\b`, 'm'));
    expect(text).toMatch(/^\d\d:\d\d:\d\d\.\d{6} send: \[tls\] '(AUTH PLAIN )?<redacted \d+ bytes>\\r\\n'$/m);
    expect(text).toMatch(/^\d\d:\d\d:\d\d\.\d{6} reply: \[tls\] b'235 2\.7\.0 Authentication successful\\r\\n'$/m);
    const wireLines = text.split('\n').filter((l) => / (send|reply):/.test(l));
    expect(wireLines.length).toBe(record.events.filter((e) => e.dir === 'send' || e.dir === 'recv').length);
    expect(text.trimEnd().split('\n').at(-1)).toBe('# result: OK');

    // HTML: a whole document, nothing that runs or loads, the capability table and the transcript.
    const html = files.get('html')!.content;
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toMatch(/<\/html>\s*$/);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/\s(src|srcset)=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).toContain('<h2>Capabilities (EHLO)</h2>');
    expect(html).toContain('<th>Extension</th><th>Parameters</th>');
    expect(html).toContain('<code>PIPELINING</code>');
    expect(html).toContain('<code>AUTH</code></td><td><code>PLAIN LOGIN CRAM-MD5</code>');
    expect(html).toContain('<table class="transcript">');
    expect(html).toContain('EHLO [127.0.0.1]');
    expect(html).toContain(`AUTH ${mechanism}`);
    expect(html).toMatch(/<td class="text">(AUTH PLAIN )?&lt;redacted \d+ bytes&gt;<\/td>/);
    expect(html).toContain(`${record.events.length} lines`);
    expect(html.match(/<tr class="dir-/g)?.length).toBe(record.events.length);
  }
  expect(mechanismsSeen.sort()).toEqual(['LOGIN', 'PLAIN']);

  // The logs the exports were made from hold no secret either.
  const folder = path.join(app.dataDir, 'sessions');
  const logs = (await readdir(folder)).filter((n) => n.endsWith('.jsonl'));
  expect(logs).toHaveLength(2);
  for (const name of logs) expectNoSecret(await readFile(path.join(folder, name), 'utf8'), secrets, name);

  await expect(panel.getByRole('status').filter({ hasText: /^Downloading HTML: smtp-lens-probe-/ })).toBeVisible();
  expect(app.errors).toEqual([]);
});

test.describe('a saved session of several pages', () => {
  const ID = '20260103T000000000Z-0e2e0e8a9b0c';
  const TOTAL = 60_000;
  let logText = '';

  test.use({
    dataDirSetup: {
      prepare: async (dataDir) => {
        const start = Date.UTC(2026, 0, 3);
        const record = {
          version: 1,
          tool: 'smtp-lens',
          operation: 'session',
          startedAt: new Date(start).toISOString(),
          durationMs: TOTAL,
          target: { protocol: 'smtp', tls: 'starttls', host: '192.0.2.60', port: 25, ehloName: 'client.example.test' },
          greeting: { code: 220, text: 'mx.example.test ESMTP <ready>' },
          helloVerb: 'EHLO',
          capabilities: [{ name: 'PIPELINING', params: [] }],
          result: { ok: true },
        };
        const event = (i: number): TranscriptEvent => ({
          t: i * 1000,
          wall: start + i,
          dir: (['send', 'recv', 'info'] as const)[i % 3]!,
          tls: i > 10,
          text: i % 2 === 0 ? `RCPT TO:<user${i}@example.org> 'é€😀'` : '250 2.1.5 Ok <&>',
        });
        const lines = [JSON.stringify({ type: 'start', version: 1, id: ID, record })];
        for (let i = 0; i < TOTAL; i += 700)
          lines.push(JSON.stringify({ type: 'events', events: Array.from({ length: Math.min(700, TOTAL - i) }, (_, k) => event(i + k)) }));
        lines.push(JSON.stringify({ type: 'end', eventCount: TOTAL, record }));
        logText = lines.join('\n') + '\n';
        await mkdir(path.join(dataDir, 'sessions'), { recursive: true });
        await writeFile(path.join(dataDir, 'sessions', `${ID}.jsonl`), logText, { mode: 0o600 });
      },
    },
  });

  test('downloads in each format exactly what the exporter makes of the whole record', async ({ app }) => {
    const { page } = app;
    const record = rebuild(ID, logText).record;
    const panel = await openTab(page, 'Sessions');
    const row = panel.getByRole('table', { name: 'Saved sessions' }).locator(`tbody tr[data-session-id="${ID}"]`);
    await expect(row.locator('td.size-cell .lines')).toHaveText(`${TOTAL.toLocaleString('en')} lines`);
    for (const format of FORMATS) {
      const file = await exportRow(page, panel, row, format);
      const expected = exportRecord(record, format.value);
      expect(file.name).toBe(expected.filename);
      expect(file.content.length, format.value).toBe(expected.content.length);
      expect(file.content === expected.content, `the ${format.value} download differs from the exporter's output`).toBe(true);
      await expect(panel.getByRole('status').filter({ hasText: `Downloading ${format.label}: ${expected.filename}` })).toBeVisible();
    }
    expect(app.errors).toEqual([]);
  });
});
