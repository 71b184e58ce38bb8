import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { EVENT_CHANNELS } from '../../shared/ipc/contract.js';
import type { Result } from '../../shared/ipc/contract.js';
import { DIALOG_SCHEMAS, MAX_SAVED_FILE_CHARS, REQUEST_CHANNELS } from '../../shared/ipc/schemas.js';
import { parseRequest } from '../../electron/app/api/dispatch.js';
import { BRIDGE_KEY, DIALOG_CHANNELS, buildBridge } from '../../electron/preload/build-bridge.js';
import type { BridgePorts } from '../../electron/preload/build-bridge.js';
import { contentTypeFor } from '../../electron/app/content-type.js';
import {
  APP_HOST,
  APP_INDEX_URL,
  APP_SCHEME,
  CONTENT_SECURITY_POLICY,
  allowedExternalUrl,
  appPaths,
  appResponseHeaders,
  isAllowedExternalUrl,
  isAppUrl,
  isTrustedSender,
  resolveAppPath,
  safeDefaultFilename,
  webPreferences,
} from '../../electron/main/security.js';

/**
 * The Electron binary cannot run here, so the shell's security is checked statically: the pure decisions in
 * security.ts and build-bridge.ts directly, and the glue files at source level (they must use those decisions and
 * install every guard).
 */

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const source = (file: string) => readFileSync(path.join(repo, file), 'utf8');
/** Source text without comments, so a guard mentioned only in a comment does not count. */
const code = (file: string) =>
  source(file)
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1');

describe('webPreferences', () => {
  it('is exactly the hardened set, with the preload passed in', () => {
    expect(webPreferences('/app/out/preload/preload.cjs')).toStrictEqual({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      preload: '/app/out/preload/preload.cjs',
    });
  });

  it('returns a fresh object each time (a caller cannot weaken the next window)', () => {
    const a = webPreferences('x') as Record<string, unknown>;
    a.sandbox = false;
    expect(webPreferences('x').sandbox).toBe(true);
  });

  it('points at the bundled CommonJS preload and the renderer build', () => {
    const p = appPaths('/opt/smtp-lens/resources/app.asar');
    expect(p.preload).toBe(path.join('/opt/smtp-lens/resources/app.asar', 'out', 'preload', 'preload.cjs'));
    expect(p.rendererRoot).toBe(path.join('/opt/smtp-lens/resources/app.asar', 'out', 'renderer'));
  });
});

describe('CONTENT_SECURITY_POLICY', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';')
      .map((d) => d.trim())
      .filter((d) => d !== '')
      .map((d) => {
        const [name, ...values] = d.split(/\s+/);
        return [name!, values] as const;
      }),
  );

  it('has no unsafe-inline, unsafe-eval, wildcard or remote source', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes|wasm-unsafe-eval|\*/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/https?:|ws:|wss:|blob:|filesystem:/);
  });

  it('denies by default and forbids network access from the page', () => {
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('connect-src')).toEqual(["'none'"]);
  });

  it('allows only the app itself for script, style and font; nothing else can be embedded', () => {
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('font-src')).toEqual(["'self'"]);
    expect(directives.get('img-src')).toEqual(["'self'", 'data:']);
    for (const d of ['frame-src', 'object-src', 'base-uri', 'form-action', 'frame-ancestors']) {
      expect(directives.get(d), d).toEqual(["'none'"]);
    }
  });

  it('is sent with nosniff and an exact content type on every app:// response', () => {
    const h = appResponseHeaders(contentTypeFor('/x/index.html'));
    expect(h['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(h['X-Content-Type-Options']).toBe('nosniff');
    expect(h['Content-Type']).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('/x/assets/index-abc.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('/x/assets/index-abc.css')).toBe('text/css; charset=utf-8');
    expect(contentTypeFor('/x/unknown.bin')).toBe('application/octet-stream');
  });
});

describe('resolveAppPath', () => {
  const root = path.resolve('/srv/smtp-lens/out/renderer');

  it('maps app://smtp-lens/<path> to a file under the renderer root; / is index.html', () => {
    expect(APP_SCHEME).toBe('app');
    expect(APP_HOST).toBe('smtp-lens');
    expect(resolveAppPath(root, 'app://smtp-lens/')).toBe(path.join(root, 'index.html'));
    expect(resolveAppPath(root, 'app://smtp-lens')).toBe(path.join(root, 'index.html'));
    expect(resolveAppPath(root, APP_INDEX_URL)).toBe(path.join(root, 'index.html'));
    expect(resolveAppPath(root, 'app://smtp-lens/assets/index-4f2a.js')).toBe(path.join(root, 'assets', 'index-4f2a.js'));
    expect(resolveAppPath(root, 'app://smtp-lens/assets/a%20b.css?v=1#x')).toBe(path.join(root, 'assets', 'a b.css'));
  });

  it.each([
    ['parent segment', 'app://smtp-lens/../../../etc/passwd'],
    ['parent segment inside', 'app://smtp-lens/assets/../../secret'],
    ['parent segment at the end', 'app://smtp-lens/assets/..'],
    ['dot segment', 'app://smtp-lens/./index.html'],
    ['encoded dots', 'app://smtp-lens/%2e%2e/%2e%2e/etc/passwd'],
    ['upper-case encoded dots', 'app://smtp-lens/%2E%2E/etc/passwd'],
    ['mixed encoded dots', 'app://smtp-lens/.%2e/etc/passwd'],
    ['encoded slash and dots', 'app://smtp-lens/assets%2f..%2f..%2fetc%2fpasswd'],
    ['double-encoded dots', 'app://smtp-lens/%252e%252e/etc/passwd'],
    ['backslash', 'app://smtp-lens/..\\..\\etc\\passwd'],
    ['backslash alone', 'app://smtp-lens/assets\\index.js'],
    ['encoded backslash', 'app://smtp-lens/..%5c..%5cetc%5cpasswd'],
    ['NUL', 'app://smtp-lens/index.html\0.png'],
    ['encoded NUL', 'app://smtp-lens/index.html%00.png'],
    ['absolute path via double slash', 'app://smtp-lens//etc/passwd'],
    ['Windows drive', 'app://smtp-lens/C:/Windows/win.ini'],
    ['encoded drive colon', 'app://smtp-lens/C%3a/Windows/win.ini'],
    ['other host', 'app://evil.example/index.html'],
    ['host look-alike', 'app://smtp-lens.evil.example/index.html'],
    ['credentials', 'app://user:pass@smtp-lens/index.html'],
    ['port', 'app://smtp-lens:8080/index.html'],
    ['other scheme', 'file:///srv/smtp-lens/out/renderer/index.html'],
    ['http scheme', 'http://smtp-lens/index.html'],
    ['malformed percent-encoding', 'app://smtp-lens/%E0%A4%A.js'],
    ['control character', 'app://smtp-lens/a%0ab.js'],
    ['not a URL', 'index.html'],
    ['absolute path', '/etc/passwd'],
    ['empty', ''],
  ])('refuses %s', (_name, url) => {
    expect(resolveAppPath(root, url)).toBeNull();
  });

  it('never returns a path outside the root, whatever the input', () => {
    const nasty = ['..', '%2e', '%2E', '.', '/', '%2f', '\\', '%5c', 'a', '%00', ':', '%252e'];
    for (const a of nasty)
      for (const b of nasty)
        for (const c of nasty) {
          const r = resolveAppPath(root, `app://smtp-lens/${a}${b}${c}/x`);
          if (r !== null) expect(r.startsWith(root + path.sep), r).toBe(true);
        }
  });

  it('isAppUrl accepts only the app origin', () => {
    expect(isAppUrl('app://smtp-lens/index.html')).toBe(true);
    expect(isAppUrl('app://smtp-lens.evil/index.html')).toBe(false);
    expect(isAppUrl('https://smtp-lens/index.html')).toBe(false);
    expect(isAppUrl(undefined)).toBe(false);
  });
});

describe('isAllowedExternalUrl', () => {
  it('allows https on the allow-listed hosts', () => {
    expect(isAllowedExternalUrl('https://www.rfc-editor.org/rfc/rfc5321')).toBe(true);
    expect(isAllowedExternalUrl('https://datatracker.ietf.org/doc/html/rfc3207')).toBe(true);
    expect(isAllowedExternalUrl('https://www.iana.org/assignments/smtp-enhanced-status-codes/')).toBe(true);
    expect(isAllowedExternalUrl('https://github.com/')).toBe(true);
    expect(allowedExternalUrl('https://WWW.RFC-EDITOR.ORG/rfc/rfc5321')).toBe('https://www.rfc-editor.org/rfc/rfc5321');
  });

  it.each([
    ['http', 'http://www.rfc-editor.org/rfc/rfc5321'],
    ['javascript', 'javascript:alert(1)'],
    ['javascript disguised', 'javascript://www.rfc-editor.org/%0aalert(1)'],
    ['file', 'file:///etc/passwd'],
    ['data', 'data:text/html,<script>alert(1)</script>'],
    ['smb', 'smb://www.rfc-editor.org/share'],
    ['app', 'app://smtp-lens/index.html'],
    ['other host', 'https://evil.example/'],
    ['suffix look-alike', 'https://www.rfc-editor.org.evil.example/'],
    ['prefix look-alike', 'https://evilgithub.com/'],
    ['subdomain of allowed', 'https://gist.github.com/'],
    ['userinfo trick', 'https://www.rfc-editor.org@evil.example/'],
    ['userinfo on an allowed host', 'https://user:pass@github.com/'],
    ['explicit port', 'https://github.com:8443/'],
    ['leading whitespace', ' https://github.com/'],
    ['embedded tab', 'https://git\thub.com/'],
    ['embedded newline', 'https://github.com/\nx'],
    ['backslash', 'https://github.com\\@evil.example/'],
    ['not a URL', 'github.com'],
    ['empty', ''],
  ])('refuses %s', (_name, url) => {
    expect(isAllowedExternalUrl(url)).toBe(false);
  });

  it('refuses non-strings', () => {
    expect(isAllowedExternalUrl(undefined)).toBe(false);
    expect(isAllowedExternalUrl({ toString: () => 'https://github.com/' })).toBe(false);
  });
});

describe('isTrustedSender', () => {
  it('trusts only the main frame of an app:// page', () => {
    expect(isTrustedSender('app://smtp-lens/index.html', true)).toBe(true);
    expect(isTrustedSender('app://smtp-lens/', true)).toBe(true);
  });

  it.each([
    ['a subframe of the app', 'app://smtp-lens/index.html', false],
    ['another origin', 'https://evil.example/', true],
    ['another app host', 'app://evil/index.html', true],
    ['file://', 'file:///srv/smtp-lens/out/renderer/index.html', true],
    ['about:blank', 'about:blank', true],
    ['an empty URL (frame still loading)', '', true],
    ['credentials in the URL', 'app://x@smtp-lens/index.html', true],
  ])('refuses %s', (_name, url, isMainFrame) => {
    expect(isTrustedSender(url, isMainFrame)).toBe(false);
  });
});

describe("validation of the Electron-only dialog requests (the contract's schemas, as for every channel)", () => {
  const saveFile = (payload: unknown) => parseRequest(DIALOG_SCHEMAS['dialog.saveFile'], 'dialog.saveFile', payload);
  const pickFiles = (payload: unknown) => parseRequest(DIALOG_SCHEMAS['dialog.pickFiles'], 'dialog.pickFiles', payload);

  it('saveFile: needs strings, nothing else; the suggested name is reduced to a safe base name', () => {
    expect(saveFile(null)).toMatchObject({ ok: false, error: { code: 'invalid-input', message: 'invalid request for dialog.saveFile' } });
    expect(saveFile({ filename: 'a.json', mimeType: 'application/json' })).toMatchObject({
      ok: false,
      error: { issues: [{ path: 'content' }] },
    });
    expect(saveFile({ filename: 1, mimeType: 'x', content: '' })).toMatchObject({ ok: false, error: { issues: [{ path: 'filename' }] } });
    expect(saveFile({ filename: 'a', mimeType: 'x', content: '', path: '/etc/passwd' })).toMatchObject({ ok: false });
    expect(saveFile({ filename: 'a', mimeType: 'x', content: 'x'.repeat(MAX_SAVED_FILE_CHARS + 1) })).toMatchObject({ ok: false });
    expect(saveFile({ filename: '../../.bashrc', mimeType: 'text/plain', content: 'x' })).toEqual({
      ok: true,
      value: { filename: '../../.bashrc', mimeType: 'text/plain', content: 'x' },
    });
    expect(safeDefaultFilename('../../.bashrc')).toBe('bashrc');
    expect(safeDefaultFilename('C:\\Windows\\evil:stream.txt')).toBe('evil_stream.txt');
    expect(safeDefaultFilename('')).toBe('smtp-lens-export');
  });

  it('pickFiles: only the four purposes', () => {
    for (const purpose of ['attachment', 'ca', 'client-cert', 'client-key']) {
      expect(pickFiles({ purpose })).toEqual({ ok: true, value: { purpose } });
    }
    expect(pickFiles({ purpose: 'anything' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', issues: [{ path: 'purpose' }] },
    });
    expect(pickFiles(undefined)).toMatchObject({ ok: false });
  });
});

describe('the preload bridge', () => {
  function ports() {
    const invoke = vi.fn<BridgePorts['invoke']>(async (channel, payload) => ({ ok: true, value: { channel, payload } }));
    const unsubscribe = vi.fn();
    const subscribe = vi.fn<BridgePorts['subscribe']>(() => unsubscribe);
    return { invoke, subscribe, unsubscribe };
  }

  it('has exactly one method per request channel, plus on, saveFile and pickFiles', () => {
    const bridge = buildBridge(ports());
    const expected = [...REQUEST_CHANNELS, 'on', 'saveFile', 'pickFiles'].sort();
    expect(Object.keys(bridge).sort()).toEqual(expected);
    for (const key of Object.keys(bridge)) expect(typeof (bridge as unknown as Record<string, unknown>)[key], key).toBe('function');
    expect(BRIDGE_KEY).toBe('smtpLens');
  });

  it('has no escape hatch to IPC', () => {
    const bridge = buildBridge(ports()) as unknown as Record<string, unknown>;
    for (const key of ['ipcRenderer', 'invoke', 'send', 'sendSync', 'postMessage', 'removeAllListeners', 'require', 'process']) {
      expect(key in bridge, key).toBe(false);
    }
    expect(Object.isFrozen(bridge)).toBe(true);
    expect(() => {
      bridge.invoke = () => undefined;
    }).toThrow();
  });

  it('each method invokes its own channel only', async () => {
    const p = ports();
    const bridge = buildBridge(p);
    for (const channel of REQUEST_CHANNELS) {
      const method = (bridge as unknown as Record<string, (r: unknown) => Promise<unknown>>)[channel]!;
      await expect(method({ probe: channel })).resolves.toEqual({ ok: true, value: { channel, payload: { probe: channel } } });
    }
    expect(p.invoke.mock.calls.map(([c]) => c)).toEqual([...REQUEST_CHANNELS]);
    await bridge['app.info'](undefined as never);
    expect(p.invoke).toHaveBeenLastCalledWith('app.info', {});
  });

  it('the dialogs use their own channels', async () => {
    const p = ports();
    const bridge = buildBridge(p);
    await bridge.saveFile!({ filename: 'a.txt', mimeType: 'text/plain', content: 'x' });
    await bridge.pickFiles!({ purpose: 'attachment' });
    expect(p.invoke.mock.calls.map(([c]) => c)).toEqual([DIALOG_CHANNELS.saveFile, DIALOG_CHANNELS.pickFiles]);
  });

  it('a failed invoke is a Result, not a rejection', async () => {
    const p = ports();
    p.invoke.mockRejectedValueOnce(new Error("No handler registered for 'app.info'"));
    const r = await buildBridge(p)['app.info']({});
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('internal');
  });

  it('on: contract events only; the listener gets the payload alone; unsubscribe works once', () => {
    const p = ports();
    const bridge = buildBridge(p);
    for (const channel of EVENT_CHANNELS) {
      const listener = vi.fn();
      const off = bridge.on(channel, listener);
      const [subscribedChannel, wrapped] = p.subscribe.mock.calls.at(-1)!;
      expect(subscribedChannel).toBe(channel);
      wrapped({ n: 1 });
      expect(listener).toHaveBeenCalledWith({ n: 1 });
      expect(listener.mock.calls[0]).toHaveLength(1);
      off();
      off();
    }
    expect(p.unsubscribe).toHaveBeenCalledTimes(EVENT_CHANNELS.length);
  });

  it('on: refuses unknown channels, request channels and IPC internals', () => {
    const p = ports();
    const bridge = buildBridge(p);
    const on = bridge.on as unknown as (channel: unknown, listener: unknown) => unknown;
    for (const channel of ['app.info', 'dialog:save-file', 'ELECTRON_BROWSER_REQUIRE', '', 'transcript ', undefined, 42]) {
      expect(() => on(channel, () => undefined), String(channel)).toThrow(TypeError);
    }
    expect(() => on('transcript', 'not a function')).toThrow(TypeError);
    expect(p.subscribe).not.toHaveBeenCalled();
  });
});

describe('source-level checks of the Electron glue', () => {
  it('window.ts uses webPreferences() from security.ts and installs every guard', () => {
    const w = code('electron/main/window.ts');
    expect(w).toMatch(/from '\.\/security\.js'/);
    expect(w).toMatch(/webPreferences:\s*webPreferences\(/);
    // Nobody inlines (weaker) options next to it.
    for (const option of ['nodeIntegration', 'contextIsolation', 'sandbox', 'webSecurity', 'webviewTag', 'allowRunningInsecureContent']) {
      expect(w, option).not.toMatch(new RegExp(`\\b${option}\\s*:`));
    }
    expect(w).toMatch(/setWindowOpenHandler\(/);
    expect(w).toMatch(/action:\s*'deny'/);
    expect(w).not.toMatch(/action:\s*'allow'/);
    expect(w).toMatch(/'will-navigate'/);
    expect(w).toMatch(/'will-redirect'/);
    expect(w).toMatch(/'will-attach-webview'/);
    expect(w).toMatch(/setPermissionRequestHandler\(/);
    expect(w).toMatch(/setPermissionCheckHandler\(/);
    expect(w).toMatch(/show:\s*false/);
    expect(w).toMatch(/'ready-to-show'/);
    expect(w).toMatch(/loadURL\(APP_INDEX_URL\)/);
    expect(w).not.toMatch(/loadFile\(|file:\/\//);
    expect(w).toMatch(/allowedExternalUrl\(/);
  });

  it('main.ts guards every webContents, locks to one instance and registers the scheme', () => {
    const m = code('electron/main/main.ts');
    expect(m).toMatch(/'web-contents-created'[\s\S]*hardenWebContents/);
    expect(m).toMatch(/requestSingleInstanceLock\(\)/);
    expect(m).toMatch(/registerAppScheme\(\)/);
    expect(m).toMatch(/enableSandbox\(\)/);
    expect(m).toMatch(/'before-quit'/);
  });

  it('the protocol handler serves through resolveAppPath with the CSP', () => {
    const a = code('electron/main/app-protocol.ts');
    expect(a).toMatch(/registerSchemesAsPrivileged\(/);
    expect(a).toMatch(/resolveAppPath\(/);
    expect(a).toMatch(/appResponseHeaders\(/);
    expect(a).toMatch(/supportFetchAPI:\s*false/);
    expect(a).not.toMatch(/bypassCSP:\s*true/);
  });

  it('the IPC router checks the sender on every handler', () => {
    const r = code('electron/main/ipc-router.ts');
    expect(r).toMatch(/isTrustedSender\(/);
    expect(r).toMatch(/for \(const channel of REQUEST_CHANNELS\)/);
    // All handlers go through the one checked wrapper.
    expect(r.match(/ipcMain\.handle\(/g)).toHaveLength(1);
    expect(r).not.toMatch(/ipcMain\.on\(/);
  });

  it('the preload exposes only the built bridge, never ipcRenderer', () => {
    const p = code('electron/preload/preload.ts');
    expect(p.match(/exposeInMainWorld\(/g)).toHaveLength(1);
    expect(p).toMatch(/exposeInMainWorld\(BRIDGE_KEY, bridge\)/);
    expect(p).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer/);
    // Only the wrapped listener is registered: the page never receives the IpcRendererEvent.
    expect(p).toMatch(/ipcRenderer\.on\(channel, wrapped\)/);
  });

  it('electron-builder.yml packs into asar and sets the fuses', () => {
    const y = source('electron-builder.yml').replace(/\r\n/g, '\n');
    /** `key: value` pairs of a YAML mapping's lines (top level when indent is '', one block otherwise). */
    const pairs = (text: string, indent: string) =>
      new Map(
        [...text.matchAll(new RegExp(`^${indent}([A-Za-z][\\w-]*):[ \\t]*([^#\\n]*?)[ \\t]*(?:#.*)?$`, 'gm'))].map(
          (m) => [m[1]!, m[2]!] as const,
        ),
      );
    const top = pairs(y, '');
    expect(top.get('asar')).toBe('true');
    expect(top.get('appId')).toBe('net.smtplens.app');
    expect(top.get('electronFuses')).toBe('');
    const block = y.match(/^electronFuses:[ \t]*\n((?:(?:[ \t]+[^\n]*)?\n)*)/m)?.[1] ?? '';
    const fuses = pairs(block, '[ \\t]+');
    expect(Object.fromEntries(fuses)).toStrictEqual({
      runAsNode: 'false',
      enableCookieEncryption: 'true',
      enableNodeOptionsEnvironmentVariable: 'false',
      enableNodeCliInspectArguments: 'false',
      enableEmbeddedAsarIntegrityValidation: 'true',
      onlyLoadAppFromAsar: 'true',
      grantFileProtocolExtraPrivileges: 'false',
    });
  });

  it('package.json starts the Electron main and builds the preload', () => {
    const pkg = JSON.parse(source('package.json')) as { main: string; scripts: Record<string, string> };
    expect(pkg.main).toBe('out/node/electron/main/main.js');
    expect(pkg.scripts['build:preload']).toBe('vite build --config vite.preload.config.ts');
    expect(pkg.scripts.build).toMatch(/build:node.*build:preload.*build:renderer/);
    expect(source('vite.preload.config.ts')).toMatch(/formats:\s*\['cjs'\]/);
  });
});

/**
 * The glue itself, run against a stand-in for the `electron` module (the real binary is absent): the IPC router's
 * sender check and dialogs, the app:// handler, and the guards on a webContents.
 */
/** A handler the glue registers; the tests call it with what Electron would pass. */
type AnyHandler = (...args: unknown[]) => unknown;

const fake = vi.hoisted(() => {
  // vi.hoisted runs before the imports: require is the way to reach a module here.
  // eslint-disable-next-line @typescript-eslint/no-require-imports, @typescript-eslint/consistent-type-imports
  const { EventEmitter } = require('node:events') as typeof import('node:events');
  const ipcHandlers = new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>();
  const protocolHandlers = new Map<string, (request: Request) => Promise<Response>>();
  const opened: string[] = [];
  const dialogResult = { filePaths: [] as string[] };
  class FakeWebContents extends EventEmitter {
    openHandler: ((details: { url: string }) => { action: string }) | null = null;
    permissions: { request?: AnyHandler; check?: AnyHandler; device?: AnyHandler } = {};
    session = {
      setPermissionRequestHandler: (h: AnyHandler) => (this.permissions.request = h),
      setPermissionCheckHandler: (h: AnyHandler) => (this.permissions.check = h),
      setDevicePermissionHandler: (h: AnyHandler) => (this.permissions.device = h),
    };
    setWindowOpenHandler(h: (details: { url: string }) => { action: string }) {
      this.openHandler = h;
    }
  }
  const electron = {
    ipcMain: {
      handle: (channel: string, h: (event: unknown, payload: unknown) => Promise<unknown>) => ipcHandlers.set(channel, h),
      removeHandler: (channel: string) => ipcHandlers.delete(channel),
    },
    protocol: {
      registerSchemesAsPrivileged: () => undefined,
      handle: (scheme: string, h: (request: Request) => Promise<Response>) => protocolHandlers.set(scheme, h),
    },
    shell: { openExternal: async (url: string) => void opened.push(url) },
    dialog: {
      showOpenDialog: async () => ({ canceled: false, filePaths: dialogResult.filePaths }),
      showSaveDialog: async () => ({ canceled: true }),
    },
    BrowserWindow: class {},
  };
  return { ipcHandlers, protocolHandlers, opened, dialogResult, FakeWebContents, electron };
});
vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));

describe('the Electron glue, against a stand-in electron module', () => {
  it('registerIpc: every contract channel and the two dialogs, each refusing untrusted senders', async () => {
    const { registerIpc } = await import('../../electron/main/ipc-router.js');
    const contents = new fake.FakeWebContents();
    const win = { webContents: contents, isDestroyed: () => false };
    const allowPath = vi.fn();
    const appInfo = vi.fn(async () => ({ version: '1', host: 'electron' }));
    const unregister = registerIpc({
      handlers: { 'app.info': appInfo } as never,
      sessions: { allowPath },
      getMainWindow: () => win as never,
    });
    expect([...fake.ipcHandlers.keys()].sort()).toEqual([...REQUEST_CHANNELS, ...Object.values(DIALOG_CHANNELS)].sort());

    const call = (channel: string, event: unknown, payload: unknown = {}) => fake.ipcHandlers.get(channel)!(event, payload);
    const mainFrame = { url: 'app://smtp-lens/index.html', parent: null };
    await expect(call('app.info', { sender: contents, senderFrame: mainFrame })).resolves.toEqual({
      ok: true,
      value: { version: '1', host: 'electron' },
    });
    const refused = [
      { sender: contents, senderFrame: { url: 'app://smtp-lens/index.html', parent: mainFrame } },
      { sender: contents, senderFrame: null },
      { sender: contents, senderFrame: { url: 'https://evil.example/', parent: null } },
      { sender: new fake.FakeWebContents(), senderFrame: mainFrame },
    ];
    for (const event of refused) {
      for (const channel of ['app.info', DIALOG_CHANNELS.saveFile, DIALOG_CHANNELS.pickFiles]) {
        const r = (await call(channel, event, { purpose: 'attachment' })) as Result<unknown>;
        expect(r.ok ? 'ok' : r.error.code).toBe('forbidden');
      }
    }
    expect(appInfo).toHaveBeenCalledTimes(1);

    // Picked files: stat'ed; only attachments become readable by path.
    const picked = fileURLToPath(import.meta.url);
    fake.dialogResult.filePaths = [picked];
    const attach = (await call(
      DIALOG_CHANNELS.pickFiles,
      { sender: contents, senderFrame: mainFrame },
      { purpose: 'attachment' },
    )) as Result<unknown>;
    expect(attach).toEqual({ ok: true, value: [{ path: picked, name: path.basename(picked), size: expect.any(Number) }] });
    expect(allowPath).toHaveBeenCalledWith(picked);
    allowPath.mockClear();
    await call(DIALOG_CHANNELS.pickFiles, { sender: contents, senderFrame: mainFrame }, { purpose: 'ca' });
    expect(allowPath).not.toHaveBeenCalled();
    const bad = (await call(DIALOG_CHANNELS.pickFiles, { sender: contents, senderFrame: mainFrame }, { purpose: 'x' })) as Result<unknown>;
    expect(bad.ok).toBe(false);

    unregister();
    expect(fake.ipcHandlers.size).toBe(0);
  });

  it('handleAppProtocol: serves the build with the CSP and nosniff; 404 outside it; GET/HEAD only', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(path.join(tmpdir(), 'smtp-lens-app-'));
    const root = path.join(dir, 'renderer');
    mkdirSync(path.join(root, 'assets'), { recursive: true });
    writeFileSync(path.join(root, 'index.html'), '<!doctype html>');
    writeFileSync(path.join(root, 'assets', 'a.js'), 'export {}');
    writeFileSync(path.join(dir, 'secret.txt'), 'secret');
    const { handleAppProtocol } = await import('../../electron/main/app-protocol.js');
    handleAppProtocol(root);
    const handler = fake.protocolHandlers.get('app')!;
    // Requests are built by hand: Node's Request would normalise the URL the way Chromium's does, and the handler
    // must not depend on that.
    const get = (url: string, method = 'GET') => handler({ url, method } as Request);

    const index = await get('app://smtp-lens/');
    expect(index.status).toBe(200);
    expect(await index.text()).toBe('<!doctype html>');
    expect(index.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const js = await get('app://smtp-lens/assets/a.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    for (const url of [
      'app://smtp-lens/../secret.txt',
      'app://smtp-lens/%2e%2e/secret.txt',
      'app://smtp-lens/assets',
      'app://smtp-lens/missing.js',
      'app://x/index.html',
    ]) {
      const r = await get(url);
      expect(r.status, url).toBe(404);
      expect(r.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    }
    expect((await get('app://smtp-lens/', 'POST')).status).toBe(405);
  });

  it('hardenWebContents and denyAllPermissions: no navigation, no windows, no webviews, no permissions', async () => {
    const { denyAllPermissions, hardenWebContents } = await import('../../electron/main/window.js');
    const contents = new fake.FakeWebContents();
    hardenWebContents(contents as never);
    hardenWebContents(contents as never); // idempotent: the global guard and the window both call it
    expect(contents.listenerCount('will-navigate')).toBe(1);

    const emit = (name: string, url: string) => {
      const event = {
        url,
        defaultPrevented: false,
        preventDefault() {
          this.defaultPrevented = true;
        },
      };
      contents.emit(name, event);
      return event.defaultPrevented;
    };
    expect(emit('will-navigate', 'app://smtp-lens/index.html')).toBe(false);
    expect(emit('will-navigate', 'https://evil.example/')).toBe(true);
    expect(emit('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(emit('will-navigate', 'https://www.rfc-editor.org/rfc/rfc5321')).toBe(true);
    expect(emit('will-redirect', 'https://evil.example/')).toBe(true);
    expect(emit('will-attach-webview', 'app://smtp-lens/index.html')).toBe(true);
    expect(contents.openHandler!({ url: 'https://github.com/' })).toEqual({ action: 'deny' });
    expect(contents.openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(contents.openHandler!({ url: 'app://smtp-lens/index.html' })).toEqual({ action: 'deny' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    // Only allow-listed https URLs reach the OS browser.
    expect(fake.opened).toEqual(['https://www.rfc-editor.org/rfc/rfc5321', 'https://github.com/']);

    denyAllPermissions(contents.session as never);
    const granted = await new Promise((resolve) => contents.permissions.request!(contents, 'media', resolve, {}));
    expect(granted).toBe(false);
    expect(contents.permissions.check!(contents, 'clipboard-read', 'app://smtp-lens', {})).toBe(false);
    expect(contents.permissions.device!({})).toBe(false);
  });
});
