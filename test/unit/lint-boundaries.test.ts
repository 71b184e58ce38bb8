// The layer boundaries are lint rules (eslint.config.js): each one is shown to bite by linting a file that breaks
// it, written for the moment into the folder it guards, and a file that keeps it is shown to pass.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const written: string[] = [];
let counter = 0;

afterAll(async () => {
  await Promise.all(written.map((file) => rm(file, { force: true })));
});

/** Lints `code` as a new file in `folder` (from the repository root); the rule ids and messages it breaks. */
async function lintAt(folder: string, code: string, ext = 'ts'): Promise<{ rule: string | null; message: string }[]> {
  const file = path.join(ROOT, folder, `__lint-probe-${process.pid}-${counter++}.${ext}`);
  written.push(file);
  await writeFile(file, code);
  try {
    const eslint = new ESLint({ cwd: ROOT });
    const [result] = await eslint.lintFiles([file]);
    return (result?.messages ?? []).map((m) => ({ rule: m.ruleId, message: m.message }));
  } finally {
    await rm(file, { force: true });
  }
}

const uses = (value: string) => `export const probe = ${value};\n`;

describe('the engine (electron/smtp) is host-neutral', () => {
  it('refuses an import of Electron main, however many ../ it takes', async () => {
    const messages = await lintAt('electron/smtp/transport', `import { APP_ORIGIN } from '../../main/security.js';\n${uses('APP_ORIGIN')}`);
    expect(messages).toEqual([
      { rule: 'local/import-boundary', message: expect.stringMatching(/the engine imports nothing from electron\/main/) },
    ]);
  });

  it('refuses the web host, the shared app services and the renderer', async () => {
    for (const [specifier, folder] of [
      ['../web/server.js', 'electron/web'],
      ['../app/content-type.js', 'electron/app'],
      ['../../renderer/src/lib/api.js', 'renderer'],
    ] as const) {
      const messages = await lintAt('electron/smtp', `import * as m from '${specifier}';\n${uses('m')}`);
      expect(messages.map((m) => m.message)).toEqual([expect.stringContaining(`the engine imports nothing from ${folder}/`)]);
    }
  });

  it('refuses electron itself', async () => {
    const messages = await lintAt('electron/smtp', `import { app } from 'electron';\n${uses('app')}`);
    expect(messages).toEqual([{ rule: 'local/import-boundary', message: expect.stringMatching(/Electron is for electron\/main/) }]);
  });

  it('may import shared/ and Node', async () => {
    const code = `import { join } from 'node:path';\nimport type { SessionRecord } from '../../shared/session-record.js';\nexport const probe = (r: SessionRecord) => join(r.tool);\n`;
    expect(await lintAt('electron/smtp', code)).toEqual([]);
  });
});

describe('what both hosts share (electron/app, web, cli) is not Electron glue', () => {
  it('refuses electron/main and electron', async () => {
    expect(await lintAt('electron/web', `import { APP_ORIGIN } from '../main/security.js';\n${uses('APP_ORIGIN')}`)).toEqual([
      { rule: 'local/import-boundary', message: expect.stringMatching(/electron\/main is Electron glue/) },
    ]);
    expect((await lintAt('electron/app/api', `import { app } from 'electron';\n${uses('app')}`)).map((m) => m.rule)).toContain(
      'local/import-boundary',
    );
  });
});

describe('the renderer reaches main only through the bridge', () => {
  it('refuses node:* and bare Node builtins', async () => {
    for (const specifier of ['node:fs', 'fs', 'fs/promises', 'path']) {
      const messages = await lintAt('renderer/src/lib', `import * as m from '${specifier}';\n${uses('m')}`);
      expect(messages, specifier).toEqual([{ rule: 'local/import-boundary', message: expect.stringMatching(/no Node module here/) }]);
    }
  });

  it('refuses the engine and electron', async () => {
    expect(await lintAt('renderer/src/lib', `import * as m from '../../../electron/smtp/session.js';\n${uses('m')}`)).toEqual([
      { rule: 'local/import-boundary', message: expect.stringMatching(/the page imports only from renderer\/ and shared\//) },
    ]);
    expect((await lintAt('renderer/src', `import { ipcRenderer } from 'electron';\n${uses('ipcRenderer')}`)).map((m) => m.message)).toEqual(
      [expect.stringMatching(/Electron is for electron\/main/)],
    );
  });

  it('only lib/api.ts touches the bridge: the exposed global and the web bridge', async () => {
    const global = await lintAt('renderer/src/features', uses('(globalThis as { smtpLens?: unknown }).smtpLens'));
    // Both the property read and the type that names it.
    expect(global).toEqual([
      { rule: 'no-restricted-syntax', message: 'only renderer/src/lib/api.ts touches the bridge' },
      { rule: 'no-restricted-syntax', message: 'only renderer/src/lib/api.ts touches the bridge' },
    ]);
    const web = await lintAt(
      'renderer/src/features',
      `import { createWebBridge } from '../lib/web-bridge.js';\n${uses('createWebBridge')}`,
    );
    expect(web).toEqual([
      { rule: 'no-restricted-imports', message: expect.stringContaining('only renderer/src/lib/api.ts touches the bridge') },
    ]);
  });

  it('may import shared/ and React', async () => {
    const code = `import { useState } from 'react';\nimport { inertText } from '../../../shared/inert-text.js';\nexport const probe = [useState, inertText];\n`;
    expect(await lintAt('renderer/src/lib', code)).toEqual([]);
  });
});

describe('the renderer store imports no view', () => {
  it('refuses features/, app/ and components/', async () => {
    for (const folder of ['features/compose/ComposePanel.js', 'app/MainTabs.js', 'components/ErrorNote.js']) {
      const messages = await lintAt('renderer/src/store', `import * as m from '../${folder}';\n${uses('m')}`);
      expect(messages, folder).toEqual([{ rule: 'local/import-boundary', message: expect.stringMatching(/the store imports no view/) }]);
    }
  });

  it('keeps the renderer rules too', async () => {
    expect((await lintAt('renderer/src/store', `import { join } from 'node:path';\n${uses('join')}`)).map((m) => m.message)).toEqual([
      expect.stringMatching(/no Node module here/),
    ]);
  });
});

describe('shared/ is used by both sides of the bridge', () => {
  it('imports nothing outside shared/', async () => {
    expect(await lintAt('shared/ipc', `import * as m from '../../electron/smtp/session.js';\n${uses('m')}`)).toEqual([
      { rule: 'local/import-boundary', message: expect.stringMatching(/shared\/ imports nothing outside shared\//) },
    ]);
  });

  it('imports no Node module', async () => {
    expect(await lintAt('shared', `import { join } from 'node:path';\n${uses('join')}`)).toEqual([
      { rule: 'local/import-boundary', message: expect.stringMatching(/no Node module here/) },
    ]);
  });

  it('may import within shared/ and packages', async () => {
    expect(
      await lintAt(
        'shared/ipc',
        `import { z } from 'zod';\nimport { inertText } from '../inert-text.js';\nexport const probe = [z, inertText];\n`,
      ),
    ).toEqual([]);
  });
});

describe('only the IPC router listens for IPC', () => {
  it('refuses ipcMain anywhere else in main', async () => {
    expect(await lintAt('electron/main', `import { ipcMain } from 'electron';\n${uses('ipcMain')}`)).toEqual([
      { rule: 'no-restricted-imports', message: expect.stringContaining('only electron/main/ipc-router.ts imports ipcMain') },
    ]);
  });

  it('lets main import the rest of electron', async () => {
    expect(await lintAt('electron/main', `import { app } from 'electron';\n${uses('app')}`)).toEqual([]);
  });
});
