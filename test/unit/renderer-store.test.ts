import { describe, expect, it, vi } from 'vitest';
import type { Result, TestServerStatus } from '../../shared/ipc/contract.js';
import type { SessionRecord, TranscriptEvent } from '../../shared/session-record.js';
import type { AppApi } from '../../renderer/src/lib/api.js';
import { toConnectionSettings, DEFAULT_CONNECTION_FORM } from '../../renderer/src/store/connection-form.js';
import { createAppStore } from '../../renderer/src/store/index.js';

/** The renderer's store (no React, no bridge): slices driven through a fake API. */

const event = (text: string, dir: TranscriptEvent['dir'] = 'recv'): TranscriptEvent => ({ t: 1, wall: 0, dir, tls: false, text });

const RECORD: SessionRecord = {
  version: 1,
  tool: 'smtp-lens',
  operation: 'probe',
  startedAt: '2025-01-01T00:00:00.000Z',
  durationMs: 12,
  target: { protocol: 'smtp', tls: 'off', host: '127.0.0.1', port: 2525, ehloName: 'x' },
  capabilities: [{ name: 'PIPELINING', params: [] }],
  events: [event('220 hi'), event('EHLO x', 'send')],
  result: { ok: true },
};

const STATUS: TestServerStatus = {
  running: true,
  listeners: [
    { kind: 'starttls', protocol: 'smtp', tls: 'starttls', host: '127.0.0.1', port: 2587 },
    { kind: 'plain', protocol: 'smtp', tls: 'off', host: '127.0.0.1', port: 2525 },
  ],
  messageCount: 0,
};

function fakeApi(overrides: Partial<AppApi> = {}): AppApi {
  return {
    appInfo: async () => ({ ok: true, value: { version: '0', host: 'web', secretStorage: { available: false }, dataDirectory: '/tmp' } }),
    probe: async () => ({ ok: true, value: RECORD }),
    startTestServer: async () => ({ ok: true, value: STATUS }),
    stopTestServer: async () => ({ ok: true, value: { running: false, listeners: [], messageCount: 0 } }),
    testServerStatus: async () => ({ ok: true, value: { running: false, listeners: [], messageCount: 0 } }),
    subscribe: () => () => {},
    onBridgeLost: () => () => {},
    ...overrides,
  };
}

describe('connection form', () => {
  it('turns the form into settings, leaving defaults out', () => {
    expect(toConnectionSettings({ ...DEFAULT_CONNECTION_FORM, host: ' mx.example.net ', port: '587', tls: 'starttls' })).toEqual({
      ok: true,
      settings: { protocol: 'smtp', tls: 'starttls', verify: true, host: 'mx.example.net', port: 587 },
    });
    expect(toConnectionSettings({ ...DEFAULT_CONNECTION_FORM, target: 'socket', socketPath: '/run/lmtp', protocol: 'lmtp' })).toEqual({
      ok: true,
      settings: { protocol: 'lmtp', tls: 'off', verify: true, socketPath: '/run/lmtp' },
    });
  });

  it('refuses what a person mistyped, naming the fields', () => {
    const bad = toConnectionSettings({ ...DEFAULT_CONNECTION_FORM, host: '', port: '70000', ehloName: 'a\r\nb' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('invalid-input');
      expect(bad.error.issues?.map((i) => i.path).sort()).toEqual(['ehloName', 'host', 'port']);
    }
  });
});

describe('store', () => {
  it('init marks the app loaded once app.info answers, or failed', async () => {
    const store = createAppStore(fakeApi());
    expect(store.getState().ui.appState).toBe('loading');
    await store.getState().init();
    expect(store.getState().ui.appState).toBe('loaded');

    const failing = createAppStore(fakeApi({ appInfo: async () => ({ ok: false, error: { code: 'server-disconnected', message: 'gone' } }) }));
    await failing.getState().init();
    expect(failing.getState().ui).toMatchObject({ appState: 'failed', loadError: { code: 'server-disconnected' } });
  });

  it('probe: invalid input fails without a request', async () => {
    const probe = vi.fn(fakeApi().probe);
    const store = createAppStore(fakeApi({ probe }));
    await store.getState().probe();
    expect(probe).not.toHaveBeenCalled();
    expect(store.getState().session).toMatchObject({ status: 'done', error: { code: 'invalid-input' } });
  });

  it('probe: live transcript batches of the running session are appended, then the record wins', async () => {
    let answer!: (r: Result<SessionRecord>) => void;
    const store = createAppStore(fakeApi({ probe: () => new Promise((resolve) => (answer = resolve)) }));
    store.getState().setConnectionField('host', '127.0.0.1');
    const running = store.getState().probe();
    expect(store.getState().session.status).toBe('running');

    store.getState().appendTranscript({ sessionId: 's1', events: [event('220 hi')] });
    store.getState().appendTranscript({ sessionId: 'other', events: [event('not mine')] });
    store.getState().appendTranscript({ sessionId: 's1', events: [event('EHLO x', 'send')] });
    expect(store.getState().session.transcript.map((e) => e.text)).toEqual(['220 hi', 'EHLO x']);

    answer({ ok: true, value: RECORD });
    await running;
    expect(store.getState().session).toMatchObject({ status: 'done', sessionId: 's1', record: RECORD });
    expect(store.getState().session.transcript).toBe(RECORD.events);

    // Batches after the end are not this session's live transcript any more.
    store.getState().appendTranscript({ sessionId: 's1', events: [event('late')] });
    expect(store.getState().session.transcript).toBe(RECORD.events);
  });

  it('probe: a failed request keeps the live transcript and shows the error', async () => {
    const store = createAppStore(
      fakeApi({ probe: async () => ({ ok: false, error: { code: 'busy', message: 'another operation runs' } }) }),
    );
    store.getState().setConnectionField('host', '127.0.0.1');
    await store.getState().probe();
    expect(store.getState().session).toMatchObject({ status: 'done', error: { code: 'busy' } });
    expect(store.getState().session.record).toBeUndefined();
  });

  it('the built-in test server fills the form with its plain listener', async () => {
    const store = createAppStore(fakeApi());
    await store.getState().startBuiltInTestServer();
    expect(store.getState().testServer).toMatchObject({ busy: false, status: { running: true } });
    expect(store.getState().connection).toMatchObject({ target: 'tcp', host: '127.0.0.1', port: '2525', tls: 'off', protocol: 'smtp' });
  });

  it('when the test server cannot start but already runs, its status is used', async () => {
    const store = createAppStore(
      fakeApi({
        startTestServer: async () => ({ ok: false, error: { code: 'busy', message: 'already running' } }),
        testServerStatus: async () => ({ ok: true, value: STATUS }),
      }),
    );
    await store.getState().startBuiltInTestServer();
    expect(store.getState().testServer.error).toBeUndefined();
    expect(store.getState().connection.port).toBe('2525');
  });

  it('a test server that cannot start reports why and leaves the form alone', async () => {
    const store = createAppStore(
      fakeApi({ startTestServer: async () => ({ ok: false, error: { code: 'internal', message: 'EADDRINUSE' } }) }),
    );
    await store.getState().startBuiltInTestServer();
    expect(store.getState().testServer).toMatchObject({ busy: false, error: { code: 'internal' } });
    expect(store.getState().connection.host).toBe('');
  });
});
