import { describe, expect, it, vi } from 'vitest';
import type { Result, StartedSession } from '../../../shared/ipc/contract.js';
import type { SessionRecord } from '../../../shared/session-record.js';
import { DEFAULT_AUTH_FORM } from '../../../renderer/src/store/connection-form.js';
import { connectStoreToEvents, createAppStore } from '../../../renderer/src/store/index.js';
import { sessionIndicator } from '../../../renderer/src/features/session-actions/session-labels.js';
import { event, failed, fakeApi, flush, ok, record } from './fake-api.js';

/** The session slice: Probe and Connect as one request to main, the session's events by its id, state changes. */

const shownTexts = (store: ReturnType<typeof createAppStore>) => store.getState().transcript.buffer.events.map((e) => e.text);

/** A store fed by the fake main's events. */
const storeOn = (api: ReturnType<typeof fakeApi>) => {
  const store = createAppStore(api);
  connectStoreToEvents(store, api);
  return store;
};

describe('probe', () => {
  it('invalid input fails without a request, naming the fields', async () => {
    const api = fakeApi();
    const store = storeOn(api);
    store.getState().setConnectionField('host', '');
    store.getState().setAuth({ ...DEFAULT_AUTH_FORM, user: 'alice' });
    await store.getState().probe();
    expect(api.calls).toEqual([]);
    expect(store.getState().session).toMatchObject({ status: 'done', error: { code: 'invalid-input' } });
    expect(store.getState().session.error?.issues?.map((i) => i.path)).toEqual(['host', 'auth.secret']);
    expect(store.getState().session.error?.message).toContain('Enter a host name or address.');
    expect(store.getState().formAttempted).toBe(true);
  });

  it('is one session.run request with the connection and AUTH; the record told by session-done is the result', async () => {
    const final = record({ operation: 'probe', auth: { mechanism: 'PLAIN', ok: true, steps: [], durationMs: 2 } });
    const api = fakeApi({}, { runRecord: () => final });
    const store = storeOn(api);
    store.getState().setConnectionField('host', '127.0.0.1');
    store.getState().setAuth({ ...DEFAULT_AUTH_FORM, user: 'alice', secret: 'pw', mechanism: 'plain' });
    await store.getState().probe();
    expect(api.calls.map((c) => c.method)).toEqual(['runSession', 'listSessions']);
    expect(api.calls[0]?.args).toEqual([
      {
        operation: 'probe',
        connection: { protocol: 'smtp', tls: 'off', verify: true, host: '127.0.0.1', port: 25 },
        auth: { mechanism: 'plain', user: 'alice', secret: 'pw' },
      },
    ]);
    const { session } = store.getState();
    expect(session).toMatchObject({ status: 'done', activity: 'probe', sessionId: 's1', open: false, state: 'closed', source: 'live' });
    // As main sent it: without events (they were streamed), with their count.
    expect(session.record).toMatchObject({ auth: { ok: true }, events: [], eventCount: 2 });
  });

  it('a session that failed ends failed, with its record', async () => {
    const refused = record({ greeting: undefined, result: { ok: false, error: { code: 'connect-failed', message: 'refused' } } });
    const store = storeOn(fakeApi({}, { runRecord: () => refused }));
    store.getState().setConnectionField('host', '127.0.0.1');
    await store.getState().probe();
    expect(store.getState().session).toMatchObject({
      status: 'done',
      state: 'failed',
      record: { result: { ok: false, error: { code: 'connect-failed' } } },
    });
    expect(sessionIndicator(store.getState().session, store.getState().session.record).dot).toBe('failed');
  });

  it('a refused request shows its error and keeps no session', async () => {
    const store = storeOn(fakeApi({ runSession: async () => failed({ code: 'busy', message: 'too many sessions' }) }));
    store.getState().setConnectionField('host', '127.0.0.1');
    await store.getState().probe();
    expect(store.getState().session).toMatchObject({ status: 'done', error: { code: 'busy' } });
    expect(store.getState().session.record).toBeUndefined();
    expect(store.getState().session.sessionId).toBeUndefined();
  });

  it('passes the active profile so main can use its stored password and client key', async () => {
    const api = fakeApi({
      listProfiles: async () =>
        ok([
          {
            id: 'p1',
            name: 'Office',
            connection: { host: 'mx', clientCertPem: 'CERT' },
            auth: { mechanism: 'auto', user: 'alice' },
            hasSecret: true,
            hasClientKey: true,
            updatedAt: '',
          },
        ]),
    });
    const store = storeOn(api);
    await store.getState().loadProfiles();
    store.getState().applyProfile('p1');
    // The stored certificate is no PEM here; give one that passes the form's check.
    store
      .getState()
      .setConnection({ ...store.getState().connection, clientCertPem: '-----BEGIN CERTIFICATE-----\n', clientKeyStored: true });
    await store.getState().probe();
    const run = api.calls.find((c) => c.method === 'runSession')?.args[0] as { profileId?: string; auth?: unknown };
    expect(run.profileId).toBe('p1');
    expect(run.auth).toEqual({ mechanism: 'auto', user: 'alice', profileId: 'p1' });
  });

  it('shows where the session is from its progress, and forgets it when the session ends', async () => {
    const api = fakeApi({}, { hold: true });
    const store = storeOn(api);
    store.getState().setConnectionField('host', '127.0.0.1');
    const running = store.getState().probe();
    await flush();
    api.emit('progress', { sessionId: 'other', stage: { name: 'connect' }, elapsedMs: 1 });
    expect(store.getState().session.progress).toBeUndefined();
    api.emit('progress', {
      sessionId: 's1',
      stage: { name: 'reply', command: 'greeting', timeoutMs: 300_000 },
      elapsedMs: 4200,
      hint: { text: 'No greeting yet', suggestTls: 'implicit' },
    });
    expect(store.getState().session.progress).toMatchObject({
      stage: { command: 'greeting' },
      elapsedMs: 4200,
      hint: { suggestTls: 'implicit' },
    });
    api.finish('s1', record());
    await running;
    expect(store.getState().session.progress).toBeUndefined();
  });
});

describe("a session's events, by its id", () => {
  it("lines and states of the session this window started are shown; another session's are not", async () => {
    const api = fakeApi({}, { hold: true });
    const store = storeOn(api);
    store.getState().setConnectionField('host', '127.0.0.1');
    const running = store.getState().connect();
    await flush();
    expect(store.getState().session).toMatchObject({ status: 'running', activity: 'connect', sessionId: 's1' });
    // A session kept open is logged as a session, not as a probe.
    expect(api.calls[0]).toMatchObject({ method: 'openLiveSession', args: [expect.anything(), undefined, 'session'] });

    api.emit('session-state', { sessionId: 'other', state: 'failed' });
    api.emit('transcript', { sessionId: 's1', events: [event('220 hi')] });
    api.emit('transcript', { sessionId: 'other', events: [event('not mine')] });
    api.emit('transcript', { sessionId: 's1', events: [event('EHLO x', 'send')] });
    expect(store.getState().session.state).toBe('connecting');
    api.finish('s1', record(), true);
    await running;
    expect(store.getState().session).toMatchObject({ status: 'done', sessionId: 's1', state: 'ready', open: true });
    expect(store.getState().transcript.sessionId).toBe('s1');
    expect(shownTexts(store)).toEqual(['220 hi', 'EHLO x']);

    api.emit('transcript', { sessionId: 's1', events: [event('NOOP', 'send')] });
    api.emit('transcript', { sessionId: 'other', events: [event('still not mine')] });
    expect(shownTexts(store)).toEqual(['220 hi', 'EHLO x', 'NOOP']);
  });

  it('an opening that failed leaves no session open', async () => {
    const failedOpen = record({ result: { ok: false, error: { code: 'timeout', message: 'no greeting' } } });
    const store = storeOn(fakeApi({}, { openRecord: () => failedOpen }));
    store.getState().setConnectionField('host', '127.0.0.1');
    await store.getState().connect();
    expect(store.getState().session).toMatchObject({ status: 'done', open: false, state: 'failed', record: { result: { ok: false } } });
  });

  it('connect with a user authenticates as a step on the opened session', async () => {
    const api = fakeApi();
    const store = storeOn(api);
    store.getState().setConnectionField('host', '127.0.0.1');
    store.getState().setAuth({ ...DEFAULT_AUTH_FORM, user: 'alice', secret: 'pw' });
    await store.getState().connect();
    expect(api.calls.map((c) => c.method)).toEqual(['openLiveSession', 'authenticate', 'listSessions']);
    expect(store.getState().session).toMatchObject({ open: true, record: { auth: { ok: true } } });
  });

  it('state changes of the open session update the indicator; failed or closed ends it', async () => {
    const api = fakeApi();
    const store = storeOn(api);
    store.getState().setConnectionField('host', '127.0.0.1');
    await store.getState().connect();
    expect(store.getState().session).toMatchObject({ open: true, state: 'ready' });
    expect(sessionIndicator(store.getState().session).label).toMatch(/Open/);

    api.emit('session-state', { sessionId: 'unrelated', state: 'failed' });
    expect(store.getState().session.open).toBe(true);

    api.emit('session-state', { sessionId: 's1', state: 'busy' });
    expect(store.getState().session.state).toBe('busy');
    const error = { code: 'server-disconnected' as const, message: 'gone' };
    api.emit('session-state', { sessionId: 's1', state: 'failed', error });
    expect(store.getState().session).toMatchObject({ open: false, state: 'failed', stateError: error });
    expect(sessionIndicator(store.getState().session)).toEqual({ dot: 'failed', label: 'Failed' });
  });

  it('the bridge lost before the end is told: the run ends with that error instead of waiting for ever', async () => {
    const api = fakeApi({}, { hold: true });
    const store = storeOn(api);
    store.getState().setConnectionField('host', '127.0.0.1');
    const running = store.getState().probe();
    await flush();
    store.getState().abandonSessions({ code: 'internal', message: 'The connection to SMTP Lens was lost.' });
    await running;
    expect(store.getState().session).toMatchObject({ status: 'done', error: { message: expect.stringContaining('lost') } });
  });
});

describe('an open session', () => {
  const connected = async (overrides: Parameters<typeof fakeApi>[0] = {}) => {
    const api = fakeApi(overrides);
    const store = storeOn(api);
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

  it('cancel before session.run answered cancels the session as soon as its id is known', async () => {
    let answer!: (r: Result<StartedSession>) => void;
    const api = fakeApi({ runSession: () => new Promise((resolve) => (answer = resolve)) });
    const store = storeOn(api);
    store.getState().setConnectionField('host', '127.0.0.1');
    const running = store.getState().probe();
    await flush();
    await store.getState().cancelSession();
    expect(store.getState().session.cancelling).toBe(true);
    expect(api.calls.filter((c) => c.method === 'cancel')).toEqual([]);
    answer(ok({ sessionId: 's9' }));
    await flush();
    expect(api.calls.filter((c) => c.method === 'cancel').map((c) => c.args[0])).toEqual(['s9']);
    api.finish('s9', record({ result: { ok: false, error: { code: 'cancelled', message: 'cancelled' } } }));
    await running;
    expect(store.getState().session).toMatchObject({ cancelling: false, record: { result: { error: { code: 'cancelled' } } } });
    expect(sessionIndicator(store.getState().session, store.getState().session.record)).toEqual({ dot: 'cancelled', label: 'Cancelled' });
  });

  it('cancel while main runs the session asks main to abort it, by id', async () => {
    const api = fakeApi({}, { hold: true });
    const store = storeOn(api);
    store.getState().setConnectionField('host', '127.0.0.1');
    const running = store.getState().probe();
    await flush();
    await store.getState().cancelSession();
    expect(api.calls.filter((c) => c.method === 'cancel').map((c) => c.args[0])).toEqual(['s1']);
    api.finish('s1', record({ result: { ok: false, error: { code: 'cancelled', message: 'cancelled' } } }));
    await running;
    expect(store.getState().session.status).toBe('done');
  });

  it('sessionStep lets other features run a step on the open session (Compose sends)', async () => {
    const sent = record({ result: { ok: true, verdict: 'delivered' } });
    const { api, store } = await connected({ send: async () => ok(sent) });
    const work = vi.fn((id: string) => api.send(id, { from: 'a@example.net', to: ['b@example.org'] }));
    const result = await store.getState().sessionStep('send', work);
    expect(work).toHaveBeenCalledWith('s1');
    expect(result).toBe(sent);
    expect(store.getState().session).toMatchObject({ activity: 'send', open: true, record: sent });

    await store.getState().disconnect();
    // Nothing runs on a session that is not open.
    expect(await store.getState().sessionStep('send', work)).toBeUndefined();
  });
});

describe('history', () => {
  it('showRecord puts a saved session into the Overview and Transcript, not while one is open', async () => {
    const api = fakeApi();
    const store = storeOn(api);
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
