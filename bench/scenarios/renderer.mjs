// Scenario 7: the renderer in Chromium. A session log of 1,000,000 transcript events is written into a fresh data
// directory; the project's loopback web host (out/node/electron/web/server.js, started in this process) serves the
// built renderer (out/renderer) to Debian's Chromium, driven by playwright-core. Per round, in a fresh browser: open
// the session from the Sessions tab (the Overview at once, the events page by page after it), show the Transcript tab
// once every event is in, scroll, search, and read the memory. Everything is
// timed inside the page (performance.now(), requestAnimationFrame, PerformanceObserver); see DESCRIPTION below and
// BENCHMARKS.md for what each figure is.
//
// Loaded by bench/run.mjs (rendererScenario()): run(ctx) with ctx = { root, tmp, options: { quick, reps, warmup },
// cpu, log, engine }. Stand-alone: node bench/scenarios/renderer.mjs [--quick] [--events N] [--reps N] [--warmup N].
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CHROMIUM = process.env.SMTP_LENS_CHROMIUM ?? '/usr/bin/chromium';
/** As the end-to-end tests launch it (playwright.config.ts), plus exact heap figures for performance.memory. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-precise-memory-info',
];
const VIEWPORT = { width: 1280, height: 860 };

const FULL_EVENTS = 1_000_000;
const QUICK_EVENTS = 20_000;
const SESSION_ID = '20260101T000000000Z-bench7a1e0c5d';
/** Each occurs in one line only: the first near the end of the transcript, the second at a quarter. */
const MARKER = 'needle-7c1e4b2a';
const MARKER_2 = 'needle-0d93f6a5';
/** A term on about one line in ten (every recipient line). */
const FREQUENT = 'rcpt to:';

export const title = titleFor(FULL_EVENTS);

function titleFor(events) {
  return `The renderer in Chromium (web host): a session record of ${events.toLocaleString('en-US')} transcript events in the Transcript view`;
}

const DESCRIPTION = (events, settings) =>
  [
    `A session log of ${events.toLocaleString('en-US')} events (an SMTP session under load: EHLO, STARTTLS, AUTH, then transactions; ` +
      `${settings.logMB} MB of JSONL) is opened from the Sessions tab of the renderer served by the web host, in Chromium ${settings.chromium} ` +
      `(headless, no GPU: software compositing, frames at 60 Hz), viewport ${VIEWPORT.width}×${VIEWPORT.height}, a fresh browser per round, ` +
      `nothing pinned. Times are taken inside the page. "Painted" means: a requestAnimationFrame callback is requested once the DOM shows ` +
      `the result, and a task posted from that callback has run — that frame's style, layout and paint are done on the main thread.`,
    '',
    `- **open**: from the click on Open (the event's timestamp) to the painted Overview of the record: main reads the log's first line, its ` +
      `last record line (from the end backwards) and its first ${settings.firstPage.toLocaleString('en-US')} events, and answers \`sessions.open\` ` +
      `with the record and those events over the WebSocket; the page shows the record and starts the transcript with them. ` +
      `**all events loaded**: from the same click until the last page is in the transcript and painted: the page asks for the rest ` +
      `(\`sessions.events\`) ${settings.pageSize.toLocaleString('en-US')} events at a time, each page once the one before is in, while main ` +
      `reads the next one ahead; the Overview stays shown meanwhile. "Main's part": the same requests made in the runner's process ` +
      `without a browser, with each answer's JSON; its longest event-loop stall (perf_hooks.monitorEventLoopDelay) is how long main ` +
      `answers nothing else. The longest task in the page is taken from the click until all events are loaded (0: none over 50 ms, ` +
      `the shortest task PerformanceObserver('longtask') reports).`,
    `- **first paint**: from the click on the Transcript tab (its first visit, once every event is loaded: the panel mounts) to the painted list with its rows.`,
    `- **scroll**: the list is scrolled with the mouse wheel (${settings.wheel}) for ${settings.scrollSeconds} s; frame time is the interval between ` +
      `successive requestAnimationFrame timestamps (60 Hz: 16.7 ms is a frame on time, 33.3 one frame dropped). "Main-thread time per frame": ` +
      `from the frame's timestamp to the end of its paint. Long tasks: PerformanceObserver('longtask'), tasks over 50 ms. ` +
      `**jump**: every frame the list is set to a random place (dragging the scroll bar: every row new in every frame), ${settings.scrollSeconds} s.`,
    `- **search**: the text is put into the search box and Enter pressed in one task (input and keydown events dispatched in the page), ` +
      `to the painted list showing the hit as the current one and the count ("1 of 1"). First: the marker near the end, with the ` +
      `lower-cased index not built yet; second: another marker (index built); third: "${FREQUENT}" (${settings.frequentHits.toLocaleString('en-US')} hits).`,
    `- **memory** (MB of 2^20 bytes, as the peak RSS of the other scenarios): JS heap used (CDP Performance.getMetrics JSHeapUsedSize, after a forced garbage collection) after ` +
      `the first paint and after the searches; the renderer process's RSS after the searches (/proc). The peak RSS column: the renderer ` +
      `process's high-water mark (VmHWM) over the round.`,
  ].join('\n');

// ------------------------------------------------------------------------------------------- the log

/** A deterministic pseudo-random sequence. */
function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * The lines of one SMTP session under load, as [dir, tls, text]: greeting, EHLO, STARTTLS, EHLO again, AUTH, then
 * transactions (one to three recipients, now and then an unknown recipient or a greylisting), QUIT.
 */
function* sessionLines(total) {
  const random = prng(7);
  const pick = (n) => Math.floor(random() * n);
  const head = [
    ['info', false, 'connected to 192.0.2.25:25 (192.0.2.25 port 25 from 192.0.2.10 port 50514)'],
    ['recv', false, '220 mx.example.test ESMTP Postfix (Debian/GNU)'],
    ['send', false, 'EHLO client.example.test'],
    ['recv', false, '250-mx.example.test'],
    ['recv', false, '250-PIPELINING'],
    ['recv', false, '250-SIZE 52428800'],
    ['recv', false, '250-STARTTLS'],
    ['recv', false, '250-ENHANCEDSTATUSCODES'],
    ['recv', false, '250 8BITMIME'],
    ['send', false, 'STARTTLS'],
    ['recv', false, '220 2.0.0 Ready to start TLS'],
    ['info', true, 'TLS 1.3 established: TLS_AES_256_GCM_SHA384, certificate CN=mx.example.test verified'],
    ['send', true, 'EHLO client.example.test'],
    ['recv', true, '250-mx.example.test'],
    ['recv', true, '250-PIPELINING'],
    ['recv', true, '250-SIZE 52428800'],
    ['recv', true, '250-AUTH PLAIN LOGIN'],
    ['recv', true, '250-ENHANCEDSTATUSCODES'],
    ['recv', true, '250 8BITMIME'],
    ['send', true, 'AUTH PLAIN ********'],
    ['recv', true, '235 2.7.0 Authentication successful'],
  ];
  let emitted = 0;
  for (const line of head) {
    if (emitted >= total - 2) break;
    yield line;
    emitted++;
  }
  for (let n = 0; emitted < total - 2; n++) {
    const size = 800 + pick(40_000);
    const lines = [
      ['send', true, `MAIL FROM:<sender${n % 5000}@example.test> SIZE=${size} BODY=8BITMIME`],
      ['recv', true, '250 2.1.0 Ok'],
    ];
    const recipients = 1 + pick(3);
    let accepted = 0;
    for (let r = 0; r < recipients; r++) {
      const user = `user${pick(100_000)}`;
      lines.push(['send', true, `RCPT TO:<${user}@example.org>`]);
      if (random() < 0.03)
        lines.push(['recv', true, `550 5.1.1 <${user}@example.org>: Recipient address rejected: User unknown in virtual mailbox table`]);
      else if (random() < 0.02)
        lines.push([
          'recv',
          true,
          `450 4.7.1 <${user}@example.org>: Recipient address rejected: Greylisted, see https://postgrey.example.test/`,
        ]);
      else {
        lines.push(['recv', true, '250 2.1.5 Ok']);
        accepted++;
      }
    }
    if (accepted > 0) {
      lines.push(
        ['send', true, 'DATA'],
        ['recv', true, '354 End data with <CR><LF>.<CR><LF>'],
        ['info', true, `DATA: ${size} bytes in ${Math.ceil(size / 78)} lines (not captured)`],
        ['recv', true, `250 2.0.0 Ok: queued as ${(0x4a000000 + n * 7919).toString(16).toUpperCase()}`],
      );
    } else {
      lines.push(['send', true, 'RSET'], ['recv', true, '250 2.0.0 Ok']);
    }
    for (const line of lines) {
      if (emitted >= total - 2) break;
      yield line;
      emitted++;
    }
  }
  yield ['send', true, 'QUIT'];
  yield ['recv', true, '221 2.0.0 Bye'];
}

/**
 * Write the session log as main writes it (session-log-store.ts): a start line, events in batches of 1,000, an end
 * line. Returns where the markers are, how many lines hold the frequent term, and the file's size.
 */
function writeSessionLog(dataDir, total) {
  const folder = join(dataDir, 'sessions');
  mkdirSync(folder, { recursive: true });
  const path = join(folder, `${SESSION_ID}.jsonl`);
  const markerIndex = total - Math.max(10, Math.round(total / 1000));
  const marker2Index = Math.round(total / 4);
  const start = Date.UTC(2026, 0, 1, 0, 0, 0);
  // 1 ms between lines, with some jitter: a million lines last about 17 minutes.
  const random = prng(11);
  const record = {
    version: 1,
    tool: 'smtp-lens',
    operation: 'session',
    startedAt: new Date(start).toISOString(),
    durationMs: total,
    target: { protocol: 'smtp', tls: 'starttls', host: '192.0.2.25', port: 25, ehloName: 'client.example.test' },
    greeting: { code: 220, text: 'mx.example.test ESMTP Postfix (Debian/GNU)' },
    helloVerb: 'EHLO',
    capabilities: [
      { name: 'PIPELINING', params: [] },
      { name: 'SIZE', params: ['52428800'] },
      { name: 'AUTH', params: ['PLAIN', 'LOGIN'] },
      { name: 'ENHANCEDSTATUSCODES', params: [] },
      { name: '8BITMIME', params: [] },
    ],
    result: { ok: true },
  };
  const fd = openSync(path, 'w', 0o600);
  let bytes = 0;
  const put = (text) => {
    bytes += writeSync(fd, text);
  };
  let frequentHits = 0;
  try {
    put(JSON.stringify({ type: 'start', version: 1, id: SESSION_ID, record }) + '\n');
    let batch = [];
    let i = 0;
    let t = 0;
    for (const [dir, tls, line] of sessionLines(total)) {
      let text = line;
      if (i === markerIndex) text = `VRFY ${MARKER}@example.test`;
      else if (i === marker2Index) text = `VRFY ${MARKER_2}@example.test`;
      if (text.toLowerCase().includes(FREQUENT)) frequentHits++;
      t += 500 + Math.floor(random() * 1000);
      batch.push({ t, wall: start + Math.floor(t / 1000), dir, tls, text });
      i++;
      if (batch.length === 1000) {
        put(JSON.stringify({ type: 'events', events: batch }) + '\n');
        batch = [];
      }
    }
    if (batch.length) put(JSON.stringify({ type: 'events', events: batch }) + '\n');
    put(JSON.stringify({ type: 'end', eventCount: i, record }) + '\n');
    if (i !== total) throw new Error(`wrote ${i} events, not ${total}`);
  } finally {
    closeSync(fd);
  }
  return { markerIndex, marker2Index, frequentHits, bytes };
}

// ------------------------------------------------------------------------------------ in the page

/**
 * Installed into the page (page.evaluate): window.__bench with
 * - arm(name, arg, startEvent): from now on, wait for the DOM to satisfy predicate `name`, then for that frame to be
 *   painted; `startEvent` (e.g. 'click'): the start is the timestamp of the next such event (trusted input); several
 *   predicates may be armed for the same event;
 * - settled(name): the promise armed for predicate `name` (default: the one armed last), resolving to
 *   { start, met, painted } (performance.now() times) and the longest task in between;
 * - search(query, expect): type `query` and press Enter in one task; resolves to its timing like settled();
 * - frames.start() / frames.stop(): frame timestamps, main-thread time per frame, long tasks;
 * - jump(ms): every frame a random scroll position, for `ms`.
 * No code is compiled from strings in the page (its CSP forbids eval): predicates are named here.
 */
function installProbe() {
  const list = () => {
    for (const el of document.querySelectorAll('[data-testid="transcript-list"]')) if (el.checkVisibility()) return el;
    return null;
  };
  const inView = (row, container) => {
    const a = row.getBoundingClientRect();
    const b = container.getBoundingClientRect();
    return a.bottom > b.top && a.top < b.bottom;
  };
  const opened = () =>
    document.querySelector('[role=tab][aria-selected="true"]')?.id.endsWith('overview') === true &&
    [...document.querySelectorAll('.session-bar [role=status]')].some((e) => e.textContent === 'From the history');
  const predicates = {
    opened,
    // Every event is in the transcript: the last page appended ('done'), or all of them came with the record ('none').
    loaded: () => opened() && ['done', 'none'].includes(document.querySelector('.session-bar')?.getAttribute('data-transcript-load') ?? ''),
    rows: (min) => {
      const l = list();
      return !!l && l.querySelectorAll('[role=option][data-index]').length >= min;
    },
    hit: ({ status, index }) => {
      const s = document.querySelector('[data-testid="transcript-match-status"]');
      if (!s || !status.test(s.textContent ?? '')) return false;
      const l = list();
      const row = l?.querySelector(index === undefined ? '[role=option].is-current' : `[role=option][data-index="${index}"].is-current`);
      return !!row && inView(row, l);
    },
  };
  const afterPaint = (done) =>
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => done(performance.now());
      channel.port2.postMessage(null);
    });

  const B = {
    pending: undefined,
    /** The armed waits by predicate name. */
    armed: {},
    /** Every long task since the probe was installed: [startTime, duration]. */
    tasks: [],
    arm(name, arg, startEvent) {
      let start;
      if (startEvent) {
        document.addEventListener(
          startEvent,
          (e) => {
            start ??= e.timeStamp;
          },
          { capture: true, once: true },
        );
      }
      B.pending = B.armed[name] = new Promise((resolve) => {
        let met = false;
        const check = () => {
          if (met || !predicates[name](arg)) return;
          met = true;
          observer.disconnect();
          const metAt = performance.now();
          afterPaint((painted) => resolve({ start, met: metAt, painted }));
        };
        const observer = new MutationObserver(check);
        observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
        check();
      });
      return true;
    },
    /** The armed wait's timing, with the longest task between its start and its paint (0: none over 50 ms). */
    async settled(name) {
      const r = await (name === undefined ? B.pending : B.armed[name]);
      // Long-task entries are delivered after their task: give them a moment.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const during = B.tasks.filter(([t, d]) => t + d > r.start && t < r.painted).map(([, d]) => d);
      return { ...r, longestTask: during.length ? Math.max(...during) : 0 };
    },
    search(query, status, index) {
      const input = document.querySelector('[role=tabpanel]:not([hidden]) input[type=search][aria-label="Search"]');
      if (!input) throw new Error('no search box');
      const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
      B.arm('hit', { status: new RegExp(status), index });
      const start = performance.now();
      setValue.call(input, query);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', bubbles: true, cancelable: true }));
      B.pending = B.pending.then((r) => ({ ...r, start }));
      return B.settled();
    },
    frames: {
      start() {
        const f = { stamps: [], busy: [], longTasks: [], running: true };
        B.frames.current = f;
        f.observer = new PerformanceObserver((entries) => {
          for (const e of entries.getEntries()) f.longTasks.push(e.duration);
        });
        f.observer.observe({ type: 'longtask' });
        const loop = (ts) => {
          if (!f.running) return;
          f.stamps.push(ts);
          const channel = new MessageChannel();
          channel.port1.onmessage = () => f.busy.push(performance.now() - ts);
          channel.port2.postMessage(null);
          requestAnimationFrame(loop);
        };
        requestAnimationFrame(loop);
        const l = list();
        f.fromTop = l ? l.scrollTop : 0;
        return true;
      },
      async stop() {
        const f = B.frames.current;
        // One more frame, so that the last frame's busy time is in.
        await new Promise((r) => afterPaint(r));
        f.running = false;
        f.observer.takeRecords().forEach((e) => f.longTasks.push(e.duration));
        f.observer.disconnect();
        const deltas = f.stamps.slice(1).map((t, i) => t - f.stamps[i]);
        const l = list();
        return {
          deltas,
          busy: f.busy,
          longTasks: f.longTasks,
          fromTop: f.fromTop,
          toTop: l ? l.scrollTop : 0,
          scrollHeight: l?.scrollHeight ?? 0,
        };
      },
    },
    async jump(ms) {
      const l = list();
      const random = (() => {
        let s = 99;
        return () => {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0;
          return s / 2 ** 32;
        };
      })();
      B.frames.start();
      const until = performance.now() + ms;
      await new Promise((resolve) => {
        const step = () => {
          if (performance.now() >= until) return resolve();
          l.scrollTop = Math.floor(random() * (l.scrollHeight - l.clientHeight));
          requestAnimationFrame(step);
        };
        requestAnimationFrame(step);
      });
      return B.frames.stop();
    },
  };
  new PerformanceObserver((entries) => {
    for (const e of entries.getEntries()) B.tasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask' });
  window.__bench = B;
  return true;
}

// ------------------------------------------------------------------------------------------ rounds

const percentile = (values, p) => {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
};
/** MB as the other scenarios' peak RSS: 2^20 bytes. */
const mb = (bytes) => bytes / 2 ** 20;

/** The renderer processes of the browser and their memory (RSS and high-water mark, from /proc). */
async function rendererMemory(browser) {
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
    const renderers = processInfo.filter((p) => p.type === 'renderer');
    const read = (pid) => {
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
        return { pid, rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
      } catch {
        return undefined;
      }
    };
    // The page's renderer is the one holding the transcript: the largest.
    const all = renderers.map((p) => read(p.id)).filter(Boolean);
    return all.sort((a, b) => b.rssKb - a.rssKb)[0];
  } catch {
    return undefined;
  } finally {
    await cdp.detach().catch(() => {});
  }
}

async function jsHeap(cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const get = (name) => metrics.find((m) => m.name === name)?.value;
  return { usedBytes: get('JSHeapUsedSize'), totalBytes: get('JSHeapTotalSize') };
}

/**
 * Main's part of opening the session, without a browser, as the renderer asks for it: `sessions.open` (the record as
 * the log ends, with the first page of events) and its JSON as the web host sends it, then `sessions.events` page by
 * page until the last, each answer's JSON too. Also the longest stall of this process's event loop meanwhile (the
 * web host runs in it): how long main does not answer anything else.
 */
async function mainShare(host, pageSize) {
  const stalls = monitorEventLoopDelay({ resolution: 5 });
  stalls.enable();
  try {
    const started = performance.now();
    const answer = await host.services.dispatch('sessions.open', { id: SESSION_ID });
    if (!answer.ok) throw new Error(`sessions.open failed: ${JSON.stringify(answer.error)}`);
    const message = JSON.stringify({ id: 1, result: answer });
    const openMs = performance.now() - started;
    let events = answer.value.record.events.length;
    let pages = 0;
    let largest = message.length;
    const more = answer.value.more;
    if (more) {
      for (let from = more.next; ;) {
        const page = await host.services.dispatch('sessions.events', { id: SESSION_ID, loadId: more.loadId, from, limit: pageSize });
        if (!page.ok) throw new Error(`sessions.events failed: ${JSON.stringify(page.error)}`);
        largest = Math.max(largest, JSON.stringify({ id: 2, result: page }).length);
        events += page.value.events.length;
        pages++;
        if (page.value.done) break;
        from = page.value.next;
      }
    }
    return {
      openMs,
      messageMB: message.length / 1e6,
      loadMs: performance.now() - started,
      pages,
      events,
      largestMB: largest / 1e6,
      stallMs: stalls.max / 1e6,
    };
  } finally {
    stalls.disable();
  }
}

async function oneRound({ chromium, host, settings, log, label }) {
  const main = await mainShare(host, settings.pageSize);
  if (main.events !== settings.events) throw new Error(`main gave ${main.events} events, not ${settings.events}`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    const errors = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await cdp.send('HeapProfiler.enable');

    await page.goto(host.url);
    await page.locator('[data-app-state="loaded"]').waitFor({ state: 'attached', timeout: 30_000 });
    await page.evaluate(installProbe);

    // Open the session from the Sessions tab.
    await page.getByRole('tab', { name: /^Sessions/ }).click();
    const row = page.locator(`tr[data-session-id="${SESSION_ID}"]`);
    await row.waitFor({ timeout: 60_000 });
    // A click on the row opens it (its Open is also in the row's actions menu).
    const openButton = row.locator('td').first();
    await openButton.hover();
    await page.evaluate(() => window.__bench.arm('opened', undefined, 'click') && window.__bench.arm('loaded', undefined, 'click'));
    await openButton.click({ timeout: 10_000 });
    const opened = await page.evaluate(() => window.__bench.settled('opened'));
    const loaded = await page.evaluate(() => window.__bench.settled('loaded'));

    // The Transcript tab, first visit: the panel mounts with the record's million lines.
    const tab = page.getByRole('tab', { name: /^Transcript/ });
    await tab.hover();
    await page.evaluate(() => window.__bench.arm('rows', 10, 'click'));
    await tab.click({ timeout: 10_000 });
    const painted = await page.evaluate(() => window.__bench.settled());
    const list = page.getByTestId('transcript-list');
    const shownRows = Number(await list.getAttribute('data-rows'));
    if (shownRows !== settings.events) throw new Error(`the list shows ${shownRows} rows, not ${settings.events}`);
    await page.waitForTimeout(300);
    const heapLoaded = await jsHeap(cdp);

    // Scrolling with the wheel over the list.
    const box = await list.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.evaluate(() => window.__bench.frames.start());
    const wheelUntil = Date.now() + settings.scrollSeconds * 1000;
    let wheelEvents = 0;
    while (Date.now() < wheelUntil) {
      await page.mouse.wheel(0, settings.wheelDelta);
      wheelEvents++;
      await page.waitForTimeout(settings.wheelGapMs);
    }
    const wheel = await page.evaluate(() => window.__bench.frames.stop());
    await page.waitForTimeout(200);

    // Jumping across the whole list.
    const jump = await page.evaluate((ms) => window.__bench.jump(ms), settings.scrollSeconds * 1000);
    await page.waitForTimeout(200);

    // Search: the marker near the end (cold), another marker, a frequent term.
    const search1 = await page.evaluate(([q, index]) => window.__bench.search(q, '^1 of 1$', index), [MARKER, settings.markerIndex]);
    await page.waitForTimeout(200);
    const search2 = await page.evaluate(([q, index]) => window.__bench.search(q, '^1 of 1$', index), [MARKER_2, settings.marker2Index]);
    await page.waitForTimeout(200);
    const hitsText = settings.frequentHits.toLocaleString('en-US');
    const search3 = await page.evaluate(
      ([q, status]) => window.__bench.search(q, status, undefined),
      [FREQUENT, `^[\\d,]+ of ${hitsText}$`],
    );
    await page.waitForTimeout(200);
    const heapSearched = await jsHeap(cdp);
    const memory = await rendererMemory(browser);
    const rowsInDom = await list.locator('[role=option]').count();
    if (errors.length) throw new Error(`the page reported errors: ${errors.slice(0, 3).join('; ')}`);

    const ms = (r) => r.painted - r.start;
    const result = {
      openMs: ms(opened),
      openRecordMs: opened.met - opened.start,
      openMainMs: main.openMs,
      answerMB: main.messageMB,
      loadedMs: ms(loaded),
      loadLongestTaskMs: loaded.longestTask,
      loadMainMs: main.loadMs,
      mainStallMs: main.stallMs,
      pages: main.pages,
      largestAnswerMB: main.largestMB,
      firstPaintMs: ms(painted),
      firstPaintDomMs: painted.met - painted.start,
      firstPaintLongestTaskMs: painted.longestTask,
      wheel: {
        p50: percentile(wheel.deltas, 50),
        p95: percentile(wheel.deltas, 95),
        max: Math.max(...wheel.deltas),
        busyP95: percentile(wheel.busy, 95),
        frames: wheel.deltas.length,
        dropped: wheel.deltas.reduce((n, d) => n + Math.max(0, Math.round(d / (1000 / 60)) - 1), 0),
        longTasks: wheel.longTasks.length,
        longestTask: wheel.longTasks.length ? Math.max(...wheel.longTasks) : 0,
        events: wheelEvents,
        scrolledRows: Math.round((wheel.toTop - wheel.fromTop) / 20),
      },
      jump: {
        p50: percentile(jump.deltas, 50),
        p95: percentile(jump.deltas, 95),
        max: Math.max(...jump.deltas),
        busyP95: percentile(jump.busy, 95),
        frames: jump.deltas.length,
        longTasks: jump.longTasks.length,
      },
      search1Ms: ms(search1),
      search1LongestTaskMs: search1.longestTask,
      search2Ms: ms(search2),
      search3Ms: ms(search3),
      heapLoadedMB: mb(heapLoaded.usedBytes),
      heapSearchedMB: mb(heapSearched.usedBytes),
      rendererRssMB: memory ? memory.rssKb / 1024 : undefined,
      rendererPeakKb: memory?.hwmKb,
      rowsInDom,
    };
    log(
      `  7 ${label}: open ${result.openMs.toFixed(0)} ms (main ${result.openMainMs.toFixed(0)} ms, ${result.answerMB.toFixed(1)} MB), ` +
        `all loaded ${result.loadedMs.toFixed(0)} ms (main ${result.loadMainMs.toFixed(0)} ms in ${result.pages} pages of at most ${result.largestAnswerMB.toFixed(1)} MB, ` +
        `main's longest stall ${result.mainStallMs.toFixed(0)} ms, longest task ${result.loadLongestTaskMs.toFixed(0)} ms), first paint ${result.firstPaintMs.toFixed(1)} ms, ` +
        `wheel p50/p95/max ${result.wheel.p50.toFixed(1)}/${result.wheel.p95.toFixed(1)}/${result.wheel.max.toFixed(1)} ms ` +
        `(${result.wheel.frames} frames, ${result.wheel.scrolledRows} rows, ${result.wheel.longTasks} long tasks), ` +
        `jump p95 ${result.jump.p95.toFixed(1)} ms, search ${result.search1Ms.toFixed(0)}/${result.search2Ms.toFixed(0)}/${result.search3Ms.toFixed(0)} ms, ` +
        `heap ${result.heapLoadedMB.toFixed(0)}/${result.heapSearchedMB.toFixed(0)} MB, RSS ${result.rendererRssMB?.toFixed(0) ?? '?'} MB`,
    );
    return result;
  } finally {
    await browser.close();
  }
}

// -------------------------------------------------------------------------------------------- rows

const ROWS = [
  { client: 'open', label: 'open the session (click to painted Overview)', pick: (r) => r.openMs },
  {
    client: 'open-main',
    label: "open: main's part (the log's head and first page, the answer's JSON; no browser)",
    pick: (r) => r.openMainMs,
  },
  { client: 'loaded', label: 'open: all events loaded (click to the last page painted)', pick: (r) => r.loadedMs },
  {
    client: 'load-main',
    label: "open: main's part for all events (the first answer and every page, their JSON; no browser)",
    pick: (r) => r.loadMainMs,
  },
  { client: 'main-stall', label: "open: main's longest event-loop stall meanwhile (no browser)", pick: (r) => r.mainStallMs },
  { client: 'open-longest-task', label: 'open: longest task in the page (click to all events loaded)', pick: (r) => r.loadLongestTaskMs },
  { client: 'first-paint', label: 'first paint of the list (click on the Transcript tab to painted rows)', pick: (r) => r.firstPaintMs },
  { client: 'wheel-p50', label: 'scroll (wheel): frame time p50', pick: (r) => r.wheel.p50 },
  { client: 'wheel-p95', label: 'scroll (wheel): frame time p95', pick: (r) => r.wheel.p95 },
  { client: 'wheel-max', label: 'scroll (wheel): frame time max', pick: (r) => r.wheel.max },
  { client: 'wheel-busy-p95', label: 'scroll (wheel): main-thread time per frame p95', pick: (r) => r.wheel.busyP95 },
  { client: 'wheel-long-tasks', label: 'scroll (wheel): long tasks (count)', pick: (r) => r.wheel.longTasks },
  { client: 'jump-p95', label: 'jump (random place every frame): frame time p95', pick: (r) => r.jump.p95 },
  { client: 'jump-max', label: 'jump: frame time max', pick: (r) => r.jump.max },
  { client: 'search-first', label: 'search, first (marker near the end, index not built)', pick: (r) => r.search1Ms },
  { client: 'search-second', label: 'search, second (another marker)', pick: (r) => r.search2Ms },
  { client: 'search-frequent', label: `search, frequent term`, pick: (r) => r.search3Ms },
  { client: 'heap-loaded', label: 'memory: JS heap after first paint (MB)', pick: (r) => r.heapLoadedMB },
  { client: 'heap-searched', label: 'memory: JS heap after the searches (MB)', pick: (r) => r.heapSearchedMB, peak: true },
  { client: 'renderer-rss', label: 'memory: renderer process RSS after the searches (MB)', pick: (r) => r.rendererRssMB, peak: true },
];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function summarise(rounds) {
  const peaks = rounds.map((r) => r.rendererPeakKb).filter((x) => Number.isFinite(x));
  const peakRssMB = peaks.length ? Math.round((Math.max(...peaks) / 1024) * 10) / 10 : undefined;
  return ROWS.map((def) => {
    const values = rounds.map(def.pick).filter((v) => Number.isFinite(v));
    return {
      client: def.client,
      label: def.label,
      median: values.length ? median(values) : undefined,
      min: values.length ? Math.min(...values) : undefined,
      max: values.length ? Math.max(...values) : undefined,
      runs: values.length,
      ...(def.peak && peakRssMB !== undefined ? { peakRssMB } : {}),
    };
  });
}

/**
 * The issue's targets for scenario 7, in the shape of bench/run.mjs's evaluateTargets() entries ({ text, met,
 * detail }), judged on the medians. run.mjs adds them with `targets.push(...(find('7')?.targets ?? []))`.
 */
export function evaluateTargets(rows) {
  const row = (client) => rows.find((r) => r.client === client && r.median !== undefined);
  const f = (x) => (x === undefined ? '–' : x < 100 ? x.toFixed(1) : Math.round(x).toLocaleString('en-US'));
  const out = [];
  const paint = row('first-paint');
  const open = row('open');
  const loaded = row('loaded');
  if (open) {
    out.push({
      text: 'Scenario 7: Overview painted under 300 ms after the click on Open',
      met: open.median < 300,
      detail: `${f(open.median)} ms (max ${f(open.max)}); every event loaded after ${f(loaded?.median)} ms`,
    });
  }
  const longest = row('open-longest-task');
  if (longest) {
    out.push({
      text: 'Scenario 7: no task over 100 ms in the page while a session opens',
      met: longest.median <= 100,
      detail: `longest ${f(longest.median)} ms (max ${f(longest.max)}); main's longest event-loop stall ${f(row('main-stall')?.median)} ms`,
    });
  }
  if (paint) {
    out.push({
      text: 'Scenario 7: first paint of the list under 300 ms',
      met: paint.median < 300,
      detail: `${f(paint.median)} ms (max ${f(paint.max)}) from the click on the Transcript tab; opening the session before it: Overview ${f(open?.median)} ms, every event ${f(loaded?.median)} ms`,
    });
  }
  const wheel = row('wheel-p95');
  const jump = row('jump-p95');
  if (wheel) {
    const worst = Math.max(wheel.median, jump?.median ?? 0);
    out.push({
      text: 'Scenario 7: 95th-percentile frame under 20 ms while scrolling',
      met: worst < 20,
      detail: `wheel ${f(wheel.median)} ms, jumping ${f(jump?.median)} ms (60 Hz: 16.7 ms is no frame dropped); main thread per frame p95 ${f(row('wheel-busy-p95')?.median)} ms`,
    });
  }
  const searches = ['search-first', 'search-second', 'search-frequent'].map(row).filter(Boolean);
  if (searches.length) {
    const worst = Math.max(...searches.map((r) => r.median));
    out.push({
      text: 'Scenario 7: search under 500 ms',
      met: worst < 500,
      detail: `first ${f(row('search-first')?.median)} ms (max ${f(row('search-first')?.max)}), second ${f(row('search-second')?.median)} ms, frequent term ${f(row('search-frequent')?.median)} ms`,
    });
  }
  return out;
}

// --------------------------------------------------------------------------------------------- run

/** The renderer's build is there (built now if not); says so when the sources are newer than it. */
function ensureRenderer(root, log) {
  const index = join(root, 'out', 'renderer', 'index.html');
  if (!existsSync(index)) {
    log('  7: building the renderer (npm run build:renderer)');
    execFileSync('npm', ['run', 'build:renderer'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    return;
  }
  const built = statSync(index).mtimeMs;
  const newest = (dir) => {
    let latest = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }
    return latest;
  };
  if (newest(join(root, 'renderer', 'src')) > built) {
    log('  7: note: renderer/src is newer than out/renderer: run "npm run build:renderer" to measure the current code');
  }
}

/**
 * Scenario 7 for bench/run.mjs. A missing prerequisite (Chromium, playwright-core) or a failure is returned as
 * `skipped` (the other scenarios' figures are still written); a failure also sets the exit status to 1.
 */
export async function run(ctx) {
  try {
    return await measure(ctx);
  } catch (error) {
    if (error instanceof Prerequisite) return { skipped: error.message };
    ctx.log(`  7: failed: ${error?.stack ?? error}`);
    process.exitCode = 1;
    return {
      skipped: `FAILED: ${String(error?.message ?? error)
        .split('\n')[0]
        .slice(0, 300)}`,
    };
  }
}

class Prerequisite extends Error {}

async function measure(ctx) {
  const { root, options, log } = ctx;
  const events = options.events ?? (options.quick ? QUICK_EVENTS : FULL_EVENTS);
  const reps = options.quick ? 1 : options.reps;
  const warmup = options.quick ? 0 : options.warmup;
  const scrollSeconds = options.quick ? 1 : 3;

  const server = join(root, 'out', 'node', 'electron', 'web', 'server.js');
  if (!existsSync(server)) throw new Prerequisite('the web host is not built: run "npm run build:node" first (npm run bench does it)');
  if (!existsSync(CHROMIUM)) throw new Prerequisite(`no Chromium at ${CHROMIUM} (set SMTP_LENS_CHROMIUM)`);
  ensureRenderer(root, log);
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new Prerequisite('playwright-core is not installed (npm install)');
  }
  const { startWebHost } = await import(pathToFileURL(server).href);
  // The page sizes the renderer asks for (shared/ipc/channels.ts).
  const { SESSION_FIRST_PAGE, SESSION_PAGE } = await import(pathToFileURL(join(root, 'out', 'node', 'shared', 'ipc', 'channels.js')).href);

  const dataDir = mkdtempSync(join(ctx.tmp ?? tmpdir(), 'renderer-data-'));
  try {
    log(`  7: writing a session log of ${events.toLocaleString('en-US')} events`);
    const written = writeSessionLog(dataDir, events);
    const chromiumVersion = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .match(/[\d.]+/)?.[0];
    const settings = {
      events,
      ...written,
      logMB: Math.round(written.bytes / 1e6),
      scrollSeconds,
      wheelDelta: 100,
      wheelGapMs: 16,
      chromium: chromiumVersion ?? '?',
      firstPage: SESSION_FIRST_PAGE,
      pageSize: SESSION_PAGE,
    };
    settings.wheel = `a wheel event of ${settings.wheelDelta} px every ${settings.wheelGapMs} ms plus its round trip, smooth scrolling as Chromium does it`;

    const host = await startWebHost({ host: '127.0.0.1', port: 0, rendererDir: join(root, 'out', 'renderer'), dataDir });
    const rounds = [];
    try {
      for (let i = 0; i < warmup + reps; i++) {
        const warm = i < warmup;
        const label = warm ? 'warm-up' : `round ${i - warmup + 1}/${reps}`;
        const result = await oneRound({ chromium, host, settings, log, label });
        if (!warm) rounds.push(result);
      }
    } finally {
      await host.close();
    }
    const rows = summarise(rounds);
    return {
      title: titleFor(events),
      description: DESCRIPTION(events, settings),
      unit: 'ms (memory: MB)',
      higherIsBetter: false,
      lens: 'none',
      rows,
      targets: evaluateTargets(rows),
      settings: {
        events,
        logBytes: written.bytes,
        firstPage: SESSION_FIRST_PAGE,
        pageSize: SESSION_PAGE,
        markerIndex: written.markerIndex,
        marker2Index: written.marker2Index,
        frequentHits: written.frequentHits,
        reps,
        warmup,
        scrollSeconds,
        viewport: VIEWPORT,
        chromium: chromiumVersion,
      },
      runs: rounds,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// Stand-alone: node bench/scenarios/renderer.mjs [--quick] [--events N] [--reps N] [--warmup N]
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const value = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const options = {
    quick,
    reps: Number(value('--reps') ?? (quick ? 1 : 5)),
    warmup: Number(value('--warmup') ?? (quick ? 0 : 1)),
    ...(value('--events') ? { events: Number(value('--events')) } : {}),
  };
  const tmp = mkdtempSync(join(tmpdir(), 'smtp-lens-bench-renderer-'));
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  run({ root, tmp, options, log: (l) => process.stderr.write(l + '\n') })
    .then((result) => {
      if (result.skipped) {
        process.stdout.write(`skipped: ${result.skipped}\n`);
        return;
      }
      for (const row of result.rows) {
        process.stdout.write(
          `${row.label.padEnd(80)} ${row.median?.toFixed(1).padStart(8)}  (${row.min?.toFixed(1)}–${row.max?.toFixed(1)})${row.peakRssMB ? `  peak RSS ${row.peakRssMB} MB` : ''}\n`,
        );
      }
      for (const t of result.targets) process.stdout.write(`[${t.met ? 'met' : 'MISSED'}] ${t.text}: ${t.detail}\n`);
    })
    .catch((error) => {
      process.stderr.write(`${error?.stack ?? error}\n`);
      process.exitCode = 1;
    })
    .finally(() => rmSync(tmp, { recursive: true, force: true }));
}
