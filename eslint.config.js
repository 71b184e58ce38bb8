// Lint for every contributor (`npm run lint`, a step of `npm test`): typescript-eslint's recommended rules, a few
// type-aware ones where a mistake is silent at run time (a promise nobody awaits), React's hook rules, and the
// boundaries between the layers (eslint/import-boundary.js), which fail the build.
import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';
import local, { NODE_BUILTINS } from './eslint/import-boundary.js';

const noElectron = { pattern: '^electron(/.*)?$', message: 'Electron is for electron/main and electron/preload only' };
const noNode = { pattern: NODE_BUILTINS, message: 'no Node module here: this code also runs in the page' };

export default tseslint.config(
  {
    ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', 'test-output/**', 'test-results/**', 'bench/results/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { local },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-control-regex': 'off',
    },
  },
  {
    // Plain JavaScript (bench, scripts, configs): no type information.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: globals.node,
    },
  },
  {
    // CommonJS entry points (the CLI's bin: its bundle is CommonJS, see rolldown.cli.config.mjs).
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Functions of this benchmark run in the page (page.evaluate).
    files: ['bench/scenarios/renderer.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    files: ['renderer/src/**/*.tsx', 'renderer/src/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },

  // The boundaries.
  {
    files: ['electron/smtp/**'],
    rules: {
      'local/import-boundary': [
        'error',
        {
          deny: ['electron/main', 'electron/preload', 'electron/app', 'electron/web', 'electron/cli', 'renderer'].map((path) => ({
            path,
            message: `the engine imports nothing from ${path}/: it is used by every host`,
          })),
          denyModules: [noElectron],
        },
      ],
    },
  },
  {
    files: ['electron/app/**', 'electron/web/**', 'electron/cli/**'],
    rules: {
      'local/import-boundary': [
        'error',
        {
          deny: [
            { path: 'electron/main', message: 'electron/main is Electron glue: shared code lives in electron/app/' },
            { path: 'renderer', message: 'the page is built on its own: share through shared/' },
          ],
          denyModules: [noElectron],
        },
      ],
    },
  },
  {
    files: ['renderer/**'],
    rules: {
      'local/import-boundary': [
        'error',
        {
          allowOnly: ['renderer', 'shared'],
          allowOnlyMessage: 'the page imports only from renderer/ and shared/: it reaches main through the bridge',
          denyModules: [noElectron, noNode],
        },
      ],
    },
  },
  {
    // The store holds state and talks to the API: it imports no view (features/, app/, components/).
    files: ['renderer/src/store/**'],
    rules: {
      'local/import-boundary': [
        'error',
        {
          deny: ['renderer/src/features', 'renderer/src/app', 'renderer/src/components'].map((path) => ({
            path,
            message: `the store imports no view: ${path}/ builds on the store, not the other way round`,
          })),
          allowOnly: ['renderer', 'shared'],
          allowOnlyMessage: 'the page imports only from renderer/ and shared/: it reaches main through the bridge',
          denyModules: [noElectron, noNode],
        },
      ],
    },
  },
  {
    files: ['shared/**'],
    rules: {
      'local/import-boundary': [
        'error',
        {
          allowOnly: ['shared'],
          allowOnlyMessage: 'shared/ imports nothing outside shared/: both sides of the bridge use it',
          denyModules: [noElectron, noNode],
        },
      ],
    },
  },
  {
    // Only lib/api.ts touches the bridge: the exposed global and the web host's WebSocket client.
    files: ['renderer/src/**'],
    ignores: ['renderer/src/lib/api.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[property.name='smtpLens']", message: 'only renderer/src/lib/api.ts touches the bridge' },
        { selector: "TSPropertySignature[key.name='smtpLens']", message: 'only renderer/src/lib/api.ts touches the bridge' },
      ],
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '(^|/)web-bridge(\\.js)?$', message: 'only renderer/src/lib/api.ts touches the bridge' }] },
      ],
    },
  },
  {
    // Only the IPC router listens for IPC.
    // (The page cannot import electron at all: see its boundary above.)
    files: ['electron/**', 'shared/**', 'test/**', 'bench/**'],
    ignores: ['electron/main/ipc-router.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', importNames: ['ipcMain'], message: 'only electron/main/ipc-router.ts imports ipcMain' }] },
      ],
    },
  },
);
