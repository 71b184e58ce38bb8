import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, test as base, type Browser, type ElectronApplication, type Page } from '@playwright/test';
import { startWebHost } from '../../electron/web/server.js';

/**
 * Fixtures for the end-to-end tests: `app` is the SMTP Lens window, loaded (the bridge answered `app.info`), on a
 * fresh data directory — either the renderer served by the loopback web host (started in this process) in
 * Chromium, or the Electron app, according to the project's `appHost`.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RENDERER_DIR = path.join(ROOT, 'out', 'renderer');

export interface AppFixtureOptions {
  /** Which host serves the renderer. */
  appHost: 'web' | 'electron';
  /** The Electron executable (electron project only). */
  electronPath: string | undefined;
}

/** Per-test options (`test.use({ ... })` in a spec file). */
export interface AppTestOptions {
  /**
   * `prepare` runs on the fresh data directory before the app starts (web host or Electron, whose user-data
   * directory it is): pre-populate session logs, profiles. Undefined: the app starts on an empty directory.
   * An object, because Playwright takes a function given to `test.use` for a fixture of its own:
   * `test.use({ dataDirSetup: { prepare: writeLogs } })`.
   */
  dataDirSetup: { prepare(dataDir: string): Promise<void> | void } | undefined;
}

export interface AppUnderTest {
  page: Page;
  host: 'web' | 'electron';
  /** The fresh data directory (web) or user-data directory (electron). */
  dataDir: string;
  /** Console errors and uncaught exceptions of the page so far (CSP violations show up here). */
  errors: string[];
}

interface WorkerFixtures {
  /** Chromium, launched once per worker and only for the web project. */
  webBrowser: Browser | undefined;
}

export const test = base.extend<{ app: AppUnderTest } & AppTestOptions, AppFixtureOptions & WorkerFixtures>({
  dataDirSetup: [undefined, { option: true }],
  appHost: ['web', { option: true, scope: 'worker' }],
  electronPath: [undefined, { option: true, scope: 'worker' }],

  webBrowser: [
    async ({ appHost, playwright, launchOptions, headless }, use) => {
      if (appHost !== 'web') {
        await use(undefined);
        return;
      }
      const browser = await playwright.chromium.launch({ ...launchOptions, headless });
      await use(browser);
      await browser.close();
    },
    { scope: 'worker' },
  ],

  app: async ({ appHost, electronPath, webBrowser, viewport, dataDirSetup }, use, testInfo) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), `smtp-lens-e2e-${appHost}-`));
    try {
      await dataDirSetup?.prepare(dataDir);
    } catch (error) {
      await rm(dataDir, { recursive: true, force: true });
      throw error;
    }
    const errors: string[] = [];
    const watch = (page: Page) => {
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    };

    let page: Page;
    let close: () => Promise<void>;
    if (appHost === 'web') {
      if (!webBrowser) throw new Error('no browser for the web project');
      if (!existsSync(path.join(RENDERER_DIR, 'index.html'))) {
        throw new Error(`${RENDERER_DIR} has no build: run "npm run build" (npm run test:e2e does) first`);
      }
      const host = await startWebHost({ host: '127.0.0.1', port: 0, rendererDir: RENDERER_DIR, dataDir });
      const context = await webBrowser.newContext({ viewport });
      page = await context.newPage();
      watch(page);
      await page.goto(host.url);
      close = async () => {
        await context.close();
        await host.close();
      };
    } else {
      if (!electronPath) throw new Error('no Electron executable for the electron project');
      let electronApp: ElectronApplication | undefined;
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
      electronApp = await _electron.launch({
        executablePath: electronPath,
        args: ['.', `--user-data-dir=${dataDir}`],
        cwd: ROOT,
        env,
      });
      page = await electronApp.firstWindow();
      watch(page);
      close = async () => {
        await electronApp?.close();
        electronApp = undefined;
      };
    }

    try {
      await page.locator('[data-app-state="loaded"]').waitFor({ state: 'attached', timeout: 20_000 });
      await use({ page, host: appHost, dataDir, errors });
    } finally {
      if (testInfo.status !== testInfo.expectedStatus && !page.isClosed()) {
        const shot = await page.screenshot({ fullPage: true }).catch(() => undefined);
        if (shot) await testInfo.attach('app-on-failure', { body: shot, contentType: 'image/png' });
        if (errors.length) await testInfo.attach('page-errors', { body: errors.join('\n'), contentType: 'text/plain' });
      }
      await close();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
});

export { expect } from '@playwright/test';

/** The repository root, for tests that write artefacts (screenshots go to test-output/screenshots/). */
export const REPO_ROOT = ROOT;
