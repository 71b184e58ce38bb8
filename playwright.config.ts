import { defineConfig } from '@playwright/test';
import { electronExecutable } from './test/e2e/electron-binary.js';
import type { AppFixtureOptions } from './test/e2e/fixtures.js';

/**
 * End-to-end tests of the renderer. `web-chromium` serves the built renderer (out/renderer, built by `npm run
 * test:e2e` first) from the project's loopback web host, started in-process per test, and drives the system's
 * Chromium (never a downloaded browser). `electron` drives the real app, and exists only where the Electron binary
 * is installed.
 */

const CHROMIUM = process.env.SMTP_LENS_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const electron = electronExecutable();

export default defineConfig<AppFixtureOptions>({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-output/e2e',
  workers: 1,
  retries: 0,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'web-chromium',
      use: {
        appHost: 'web',
        browserName: 'chromium',
        headless: true,
        viewport: { width: 1280, height: 860 },
        launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS },
      },
    },
    ...(electron
      ? [
          {
            name: 'electron',
            use: { appHost: 'electron' as const, electronPath: electron },
          },
        ]
      : []),
  ],
});
