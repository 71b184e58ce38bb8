import { describe, expect, it, vi } from 'vitest';
import type { Result, StartedSession } from '../../../shared/ipc/contract.js';
import type { SessionRecord } from '../../../shared/session-record.js';
import { DEFAULT_AUTH_FORM } from '../../../renderer/src/store/connection-form.js';
import { createAppStore } from '../../../renderer/src/store/index.js';
import { EarlyStates } from '../../../renderer/src/store/session-slice.js';
import { sessionIndicator } from '../../../renderer/src/features/session-actions/session-labels.js';
import { event, failed, fakeApi, flush, ok, record } from './fake-api.js';

/** The session slice: Probe and Connect flows, live events before `session.start` answers, state changes. */

const shownTexts = (store: ReturnType<typeof createAppStore>) => store.getState().transcript.buffer.events.map((e) => e.text);

describe('probe', () => {
  it('invalid input fails without a request, naming the fields', async () => {
    const api = fakeApi();
    const store = createAppStore(api);
    store.getState().setConnectionField('host', '');
    store.getState().setAuth({ ...DEFAULT_AUTH_FORM, user: 'alice' });
    await store.getState().probe();
    expect(api.calls).toEqual([]);
    expect(store.getState().session).toMatchObject({ status: 'done', error: { code: 'invalid-input' } });
    expect(store.getState().session.error?.issues?.map((i) => i.path)).toEqual(['host', 'auth.secret']);
    expect(store.getState().session.error?.message).toContain('Enter a host name or address.');
    expect(store.getState().formAttempted).toBe(true);
  });

  it('start, AUTH when a user is given, close: the record after QUIT is the result', async () => {
    const closed = record({ auth: { mechanism: 'PLAIN', ok: true, steps: [], durationMs: 2 } });
    const api = fakeApi({ closeSession: async () => ok(closed) });
    const store = createAppStore(api);
    store.getState().setConnectionField('host', '127.0.0.1');
    store.getState().setAuth({ ...DEFAULT_AUTH_FORM, user: 'alice', secret: 'pw', mechanism: 'plain' });
    await store.getState().probe();
    expect(api.calls.map((c) => c.method)).toEqual(['startSession', 'authenticate', 'closeSession', 'listSessions']);
    expect(api.calls[0]?.args).toEqual([{ protocol: 'smtp', tls: 'off', verify: true, host: '127.0.0.1', port: 25 }, undefined, 'probe']);
    expect(api.calls[1]?.args).toEqual(['s1', { mechanism: 'plain', user: 'alice', secret: 'pw' }]);
    expect(store.getState().session).toMatchObject({ status: 'done', activity: 'probe', sessionId: 's1', record: closed, open: false, state: 'closed', source: 'live' });
  });

  it('no AUTH after a failed greeting, and no AUTH without a user', async () => {
    const api = fakeApi({ startSession: async () => ok({ sessionId: 's1', record: record({ result: { ok: false, error: { code: 'connect-failed', message: 'refused' } } }) }) });
    const store = createAppStore(api);
    store.getState().setConnectionField('host', '127.0.0.1');
    store.getState().setAuth({ ...DEFAULT_AUTH_FORM, user: 'alice', secret: 'pw' });
    await store.getState().probe();
    expect(api.calls.map((c) => c.method)).not.toContain('authenticate');
    // The session is closed in main all the same, so that its log ends.
    expect(api.calls.map((c) => c.method)).toContain('closeSession');
  });

  it('a refused start shows its error and keeps no session', async () => {
    const store = createAppStore(fakeApi({ startSession: async () => failed({ code: 'busy', message: 'too many sessions' }) }));
    store.getState().setConnectionField('host', '127.0.0.1');
    await store.getState().probe();
    expect(store.getState().session).toMatchObject({ status: 'done', error: { code: 'busy' } });
    expect(store.getState().session.record).toBeUndefined();
    expect(store.getState().session.sessionId).toBeUndefined();
  });

  it('passes the active profile so main can use its stored password and client key', async () => {
    const api = fakeApi({
      listProfiles: async () =>
        ok([{ id: 'p1', name: 'Office', connection: { host: 'mx', clientCertPem: 'CERT' }, auth: { mechanism: 'auto', user: 'alice' }, hasSecret: true, hasClientKey: true, updatedAt: '' }]),
    });
    const store = createAppStore(api);
    await store.getState().loadProfiles();
    store.getState().applyProfile('p1');
    // The stored certificate is no PEM here; give one that passes the form's check.
    store.getState().setConnection({ ...store.getState().connection, clientCertPem: '-----BEGIN CERTIFICATE-----\n', clientKeyStored: true });
    await store.getState().probe();
    const start = api.calls.find((c) => c.method === 'startSession');
    expect(start?.args[1]).toBe('p1');
    expect(api.calls.find((c) => c.method === 'authenticate')?.args[1]).toEqual({ mechanism: 'auto', user: 'alice', profileId: 'p1' });
  });
});

describe('live transcript and session-state events', () => {
  it('batches and states that arrive before session.start answers are kept for the session it names', async () => {
    let answer!: (r: Result<StartedSession>) => void;
    let operation: unknown;
    const store = createAppStore(
      fakeApi({ startSession: (...args: unknown[]) => ((operation = args[2]), new Promise((resolve) => (answer = resolve))) }),
    );
    store.getState().setConnectionField('host', '127.0.0.1');
    const running = store.getState().connect();
    await flush();
    expect(store.getState().session).toMatchObject({ status: 'running', activity: 'connect' });
    // A session kept open is logged as a session, not as a probe.
    expect(operation).toBe('session');

    // Main announces and streams before answering; another window's session streams too.
    store.getState().receiveSessionState({ sessionId: 'other', state: 'connecting' });
    store.getState().receiveSessionState({ sessionId: 's1', state: 'connecting' });
    store.getState().appendTranscriptBatch({ sessionId: 's1', events: [event('220 hi')] });
    store.getState().appendTranscriptBatch({ sessionId: 'other', events: [event('not mine')] });
    store.getState().appendTranscriptBatch({ sessionId: 's1', events: [event('EHLO x', 'send')] });
    store.getState().receiveSessionState({ sessionId: 's1', state: 'ready' });

    answer(ok({ sessionId: 's1', record: record() }));
    await running;
    expect(store.getState().session).toMatchObject({ status: 'done', sessionId: 's1', state: 'ready', open: true });
    expect(store.getState().transcript.sessionId).toBe('s1');
    expect(shownTexts(store)).toEqual(['220 hi', 'EHLO x']);

    // Later batches of the session go on; another session's do not show.
    store.getState().appendTranscriptBatch({ sessionId: 's1', events: [event('NOOP', 'send')] });
    store.getState().appendTranscriptBatch({ sessionId: 'other', events: [event('still not mine')] });
    expect(shownTexts(store)).toEqual(['220 hi', 'EHLO x', 'NOOP']);
  });

  it('state changes of the open session update the indicator; failed or closed ends it', async () => {
    const store = createAppStore(fakeApi());
    store.getState().setConnectionField('host', '127.0.0.1');
    await store.getState().connect();
    expect(store.getState().session).toMatchObject({ open: true, state: 'ready' });
    expect(sessionIndicator(store.getState().session).label).toMatch(/Open/);

    store.getState().receiveSessionState({ sessionId: 'unrelated', state: 'failed' });
    expect(store.getState().session.open).toBe(true);

    store.getState().receiveSessionState({ sessionId: 's1', state: 'busy' });
    expect(store.getState().session.state).toBe('busy');
    const error = { code: 'server-disconnected' as const, message: 'gone' };
    store.getState().receiveSessionState({ sessionId: 's1', state: 'failed', error });
    expect(store.getState().session).toMatchObject({ open: false, state: 'failed', stateError: error });
    expect(sessionIndicator(store.getState().session)).toEqual({ dot: 'failed', label: 'Failed' });
  });

  it('EarlyStates keeps the latest state per session and the first one connecting', () => {
    const early = new EarlyStates();
    early.push({ sessionId: 'a', state: 'ready' });
    early.push({ sessionId: 'b', state: 'connecting' });
    early.push({ sessionId: 'c', state: 'connecting' });
    early.push({ sessionId: 'b', state: 'ready' });
    expect(early.candidate()).toBe('b');
    expect(early.take('b')).toEqual({ sessionId: 'b', state: 'ready' });
    expect(early.take('c')).toBeUndefined();
    expect(early.candidate()).toBeUndefined();
  });
});

describe('an open session', () => {
  const connected = async (overrides: Parameters<typeof fakeApi>[0] = {}) => {
    const api = fakeApi(overrides);
    const store = createAppStore(api);
    store.getState().setConnectionField('host', '127.0.0.1');
    await store.getState().connect();
    api.calls.length = 0;
    return { api, store };
  };

  it('VRFY/EXPN, raw commands with history, NOOP; each record becomes the current one', async () => {
    const verified = record({ commands: [{ command: 'VRFY bob', reply: { code: 252, text: 'maybe' } }] });
    const { api, store } = await connected({ verify: async () => ok(verified) });
    await store.getState().verifyAddress(' bob ', false);
    expect(api.calls[0]).toEqual({ method: 'verify', args: ['s1', 'bob', false] });
    expect(store.getState().session.record).toBe(verified);
    await store.getState().verifyAddress('list', true);
    expect(api.calls[1]).toEqual({ method: 'verify', args: ['s1', 'list', true] });

    await store.getState().sendRaw('HELP');
    await store.getState().sendRaw('NOOP');
    await store.getState().sendRaw('HELP');
    expect(store.getState().session.commandHistory).toEqual(['NOOP', 'HELP']);
    expect(api.calls.filter((c) => c.method === 'raw').map((c) => c.args[1])).toEqual(['HELP', 'NOOP', 'HELP']);
  });

  it('refuses a command with a line break before sending anything', async () => {
    const { api, store } = await connected();
    await store.getState().sendRaw('NOOP\r\nRSET');
    await store.getState().verifyAddress('a\nb', false);
    expect(api.calls).toEqual([]);
    expect(store.getState().session.error?.code).toBe('invalid-input');
  });

  it('a failed step that kills the connection ends the session (and its log)', async () => {
    const { api, store } = await connected({
      raw: async () => {
        store.getState().receiveSessionState({ sessionId: 's1', state: 'failed', error: { code: 'timeout', message: 'slow' } });
        return ok(record({ result: { ok: false, error: { code: 'timeout', message: 'slow' } } }));
      },
    });
    await store.getState().sendRaw('NOOP');
    expect(store.getState().session).toMatchObject({ open: false, state: 'failed', status: 'done' });
    await flush();
    expect(api.calls.map((c) => c.method)).toContain('closeSession');
  });

  it('a session main no longer has is closed here too', async () => {
    const { store } = await connected({ raw: async () => failed({ code: 'not-found', message: 'no such session' }) });
    await store.getState().sendRaw('NOOP');
    expect(store.getState().session).toMatchObject({ open: false, state: 'closed', error: { code: 'not-found' } });
  });

  it('cancel asks main to abort the running step; disconnect closes', async () => {
    let finish!: (r: Result<SessionRecord>) => void;
    const { api, store } = await connected({ raw: () => new Promise((resolve) => (finish = resolve)) });
    const step = store.getState().sendRaw('NOOP');
    await flush();
    await store.getState().cancelSession();
    expect(api.calls.map((c) => c.method)).toEqual(['raw', 'cancel']);
    expect(store.getState().session.cancelling).toBe(true);
    finish(ok(record({ result: { ok: false, error: { code: 'cancelled', message: 'cancelled' } } })));
    await step;
    expect(store.getState().session.cancelling).toBe(false);

    await store.getState().disconnect();
    expect(store.getState().session).toMatchObject({ open: false, state: 'closed' });
    expect(api.calls.map((c) => c.method)).toContain('closeSession');
  });

  it('cancel before session.start answered cancels the session announcing itself, and again once known', async () => {
    let answer!: (r: Result<StartedSession>) => void;
    const cancelled = record({ result: { ok: false, error: { code: 'cancelled', message: 'cancelled' } } });
    const api = fakeApi({ startSession: () => new Promise((resolve) => (answer = resolve)), closeSession: async () => ok(cancelled) });
    const store = createAppStore(api);
    store.getState().setConnectionField('host', '127.0.0.1');
    const running = store.getState().probe();
    await flush();
    store.getState().receiveSessionState({ sessionId: 's9', state: 'connecting' });
    await store.getState().cancelSession();
    expect(api.calls.filter((c) => c.method === 'cancel').map((c) => c.args[0])).toEqual(['s9']);
    answer(ok({ sessionId: 's9', record: cancelled }));
    await running;
    expect(api.calls.filter((c) => c.method === 'cancel')).toHaveLength(2);
    expect(store.getState().session.record?.result.error?.code).toBe('cancelled');
  });

  it('sessionStep and runOneShot let other features run a step (Compose sends)', async () => {
    const sent = record({ result: { ok: true, verdict: 'delivered' } });
    const api = fakeApi({ send: async () => ok(sent), closeSession: async () => ok(sent) });
    const store = createAppStore(api);
    store.getState().setConnectionField('host', '127.0.0.1');
    const work = vi.fn((id: string) => api.send(id, { from: 'a@example.net', to: ['b@example.org'] }));
    const result = await store.getState().runOneShot('send', work);
    expect(work).toHaveBeenCalledWith('s1');
    expect(result).toBe(sent);
    expect(store.getState().session).toMatchObject({ activity: 'send', open: false, record: sent });

    // Nothing runs on a session that is not open.
    expect(await store.getState().sessionStep('send', work)).toBeUndefined();
  });
});

describe('history', () => {
  it('showRecord puts a saved session into the Overview and Transcript, not while one is open', async () => {
    const api = fakeApi();
    const store = createAppStore(api);
    const saved = record({ events: [event('220 old')] });
    store.getState().showRecord(saved, 'old1');
    expect(store.getState().session).toMatchObject({ source: 'history', record: saved, sessionId: 'old1', open: false });
    expect(shownTexts(store)).toEqual(['220 old']);

    store.getState().setConnectionField('host', '127.0.0.1');
    await store.getState().connect();
    store.getState().showRecord(saved, 'old1');
    expect(store.getState().session.source).toBe('live');
  });
});
