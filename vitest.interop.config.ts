import { defineConfig } from 'vitest/config';

// `npm run test:interop`: the engine and the CLI against real postfix, dovecot and exim (test/interop/).
// Not part of `vitest run` (vitest.config.ts): these need root on Debian, and install and start the servers.
export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    globalSetup: ['test/interop/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: 'test-output/vitest-interop.json' },
  },
});
