import { describe, expect, it } from 'vitest';
import { shortcutTab, tabKeyTarget } from '../../../renderer/src/app/tabs.js';
import { navigateHistory } from '../../../renderer/src/features/session-actions/command-history.js';
import { sessionIndicator } from '../../../renderer/src/features/session-actions/session-labels.js';
import { createAppStore } from '../../../renderer/src/store/index.js';
import { DEFAULT_AUTH_FORM } from '../../../renderer/src/store/connection-form.js';
import { fakeApi, flush, ok, STATUS } from './fake-api.js';

const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe('tab list keys', () => {
  it('arrows wrap, Home and End jump, other keys do nothing', () => {
    expect(tabKeyTarget('ArrowRight', 0, 5)).toBe(1);
    expect(tabKeyTarget('ArrowRight', 4, 5)).toBe(0);
    expect(tabKeyTarget('ArrowLeft', 0, 5)).toBe(4);
    expect(tabKeyTarget('Home', 3, 5)).toBe(0);
    expect(tabKeyTarget('End', 1, 5)).toBe(4);
    expect(tabKeyTarget('Enter', 1, 5)).toBeUndefined();
  });

  it('Ctrl+1..5 (or Cmd) pick a tab', () => {
    expect(shortcutTab(key('1', { ctrlKey: true }), 5)).toBe(0);
    expect(shortcutTab(key('5', { metaKey: true }), 5)).toBe(4);
    expect(shortcutTab(key('6', { ctrlKey: true }), 5)).toBeUndefined();
    expect(shortcutTab(key('1'), 5)).toBeUndefined();
    expect(shortcutTab(key('1', { ctrlKey: true, shiftKey: true }), 5)).toBeUndefined();
    expect(shortcutTab(key('1', { ctrlKey: true, altKey: true }), 5)).toBeUndefined();
  });
});

describe('command history', () => {
  const history = ['HELP', 'NOOP', 'RSET'];
  it('walks back and forward, returning to the draft', () => {
    let p = navigateHistory(history, undefined, 'VR', 'up');
    expect(p).toEqual({ index: 2, value: 'RSET' });
    p = navigateHistory(history, p.index, 'VR', 'up');
    expect(p).toEqual({ index: 1, value: 'NOOP' });
    p = navigateHistory(history, 0, 'VR', 'up');
    expect(p).toEqual({ index: 0, value: 'HELP' });
    p = navigateHistory(history, 1, 'VR', 'down');
    expect(p).toEqual({ index: 2, value: 'RSET' });
    p = navigateHistory(history, 2, 'VR', 'down');
    expect(p).toEqual({ index: undefined, value: 'VR' });
    expect(navigateHistory(history, undefined, 'VR', 'down')).toEqual({ index: undefined, value: 'VR' });
    expect(navigateHistory([], undefined, 'x', 'up')).toEqual({ index: undefined, value: 'x' });
  });
});

describe('session indicator', () => {
  it('says what is happening', () => {
    const base = { status: 'idle' as const, open: false, cancelling: false };
    expect(sessionIndicator(base).label).toBe('No session');
    expect(sessionIndicator({ ...base, status: 'running', activity: 'probe', state: 'connecting' })).toEqual({
      dot: 'connecting',
      label: 'Probing…',
    });
    expect(sessionIndicator({ ...base, status: 'running', activity: 'raw', state: 'ready', cancelling: true }).label).toBe('Cancelling…');
    expect(sessionIndicator({ ...base, status: 'done', state: 'ready', open: true }).dot).toBe('ready');
    expect(sessionIndicator({ ...base, status: 'done', state: 'closed', source: 'history' }).label).toBe('From the history');
  });
});

describe('test server slice', () => {
  it('start with the chosen listeners; status events refresh the messages', async () => {
    const messages = [
      {
        id: 'm1',
        receivedAt: '2025-01-01T00:00:00Z',
        listener: 'plain' as const,
        envelopeFrom: 'a@x',
        envelopeTo: ['b@y'],
        size: 10,
        raw: 'Subject: x\r\n\r\nhi',
        truncated: false,
        secure: false,
      },
    ];
    const api = fakeApi({ testServerMessages: async () => ok(messages) });
    const store = createAppStore(api);
    store.getState().setTestServerChoice('lmtpSocket', false);
    expect(await store.getState().startTestServer()).toBe(true);
    expect(api.calls[0]).toEqual({
      method: 'startTestServer',
      args: [{ plain: true, starttls: true, implicitTls: true, lmtpSocket: false }],
    });

    store.getState().setTestServerStatus({ ...STATUS, messageCount: 1 });
    await flush();
    expect(store.getState().testServer.messages).toEqual(messages);

    for (const k of ['plain', 'starttls', 'implicitTls'] as const) store.getState().setTestServerChoice(k, false);
    store.getState().setTestServerChoice('lmtpSocket', false);
    expect(await createAppStore(api).getState().startTestServer()).toBe(true);
  });

  it('refuses to start with no listener chosen', async () => {
    const api = fakeApi();
    const store = createAppStore(api);
    for (const k of ['plain', 'starttls', 'implicitTls', 'lmtpSocket'] as const) store.getState().setTestServerChoice(k, false);
    expect(await store.getState().startTestServer()).toBe(false);
    expect(api.calls).toEqual([]);
    expect(store.getState().testServer.error?.code).toBe('invalid-input');
  });

  it('"use this listener" fills the form with the CA; "use account" the user; a loaded profile is left', async () => {
    const api = fakeApi({
      listProfiles: async () =>
        ok([
          { id: 'p1', name: 'Real', connection: { host: 'mx' }, auth: { mechanism: 'auto', user: 'boss' }, hasSecret: true, updatedAt: '' },
        ]),
    });
    const store = createAppStore(api);
    await store.getState().loadProfiles();
    store.getState().applyProfile('p1');
    await store.getState().startTestServer();
    store.getState().useTestListener(STATUS.listeners[0]!);
    expect(store.getState().connection).toMatchObject({
      host: '127.0.0.1',
      port: '2587',
      tls: 'starttls',
      verify: true,
      caPem: STATUS.certificatePem,
    });
    // The real profile's stored password must not go to the test server.
    expect(store.getState().profiles.activeId).toBeUndefined();
    expect(store.getState().auth.useStored).toBe(false);

    store.getState().useTestListener(STATUS.listeners[2]!);
    expect(store.getState().connection).toMatchObject({
      target: 'socket',
      socketPath: '/tmp/smtp-lens/lmtp.sock',
      protocol: 'lmtp',
      tls: 'off',
    });

    store.getState().useTestAccount();
    expect(store.getState().auth).toEqual({ ...DEFAULT_AUTH_FORM, user: 'test', secret: 'pw-123456' });

    store.getState().setConnection({ ...store.getState().connection, caPem: '', verify: false });
    store.getState().useTestCertificateAsCa();
    expect(store.getState().connection).toMatchObject({
      caPem: STATUS.certificatePem,
      verify: true,
      caName: 'built-in test server certificate',
    });
  });

  it('the sidebar shortcut starts the server (or reuses a running one) and points the form at the plain listener', async () => {
    const store = createAppStore(fakeApi());
    await store.getState().startBuiltInTestServer();
    expect(store.getState().connection).toMatchObject({ target: 'tcp', host: '127.0.0.1', port: '2525', tls: 'off', protocol: 'smtp' });

    const reused = createAppStore(
      fakeApi({
        startTestServer: async () => ({ ok: false, error: { code: 'busy', message: 'already running' } }),
        testServerStatus: async () => ok(STATUS),
      }),
    );
    await reused.getState().startBuiltInTestServer();
    expect(reused.getState().testServer.error).toBeUndefined();
    expect(reused.getState().connection.port).toBe('2525');

    const broken = createAppStore(
      fakeApi({ startTestServer: async () => ({ ok: false, error: { code: 'internal', message: 'EADDRINUSE' } }) }),
    );
    await broken.getState().startBuiltInTestServer();
    expect(broken.getState().testServer).toMatchObject({ busy: false, error: { code: 'internal' } });
    expect(broken.getState().connection.host).toBe('');
  });
});

describe('ui slice', () => {
  it('init loads app info, then the test server, profiles and sessions; failure is shown', async () => {
    const api = fakeApi();
    const store = createAppStore(api);
    expect(store.getState().ui.appState).toBe('loading');
    await store.getState().init();
    expect(store.getState().ui.appState).toBe('loaded');
    expect(api.calls.map((c) => c.method).sort()).toEqual([
      'appInfo',
      'listProfiles',
      'listSessions',
      'testServerMessages',
      'testServerStatus',
    ]);

    const failing = createAppStore(
      fakeApi({ appInfo: async () => ({ ok: false, error: { code: 'server-disconnected', message: 'gone' } }) }),
    );
    await failing.getState().init();
    expect(failing.getState().ui).toMatchObject({ appState: 'failed', loadError: { code: 'server-disconnected' } });

    store.getState().setTab('sessions');
    expect(store.getState().ui.tab).toBe('sessions');
  });
});

describe('header note', () => {
  it('says why passwords are asked, once', async () => {
    const { secretStoreNote } = await import('../../../renderer/src/app/header-note.js');
    expect(secretStoreNote('the web host has no key store; passwords are asked for each time')).toBe(
      'Passwords are asked each time: the web host has no key store',
    );
    expect(secretStoreNote('Linux basic_text')).toBe('Passwords are asked each time: Linux basic_text');
    expect(secretStoreNote(undefined)).toBe('Passwords are asked each time: no OS key store is available');
  });
});
