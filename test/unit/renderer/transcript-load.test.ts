import { describe, expect, it } from 'vitest';
import { SESSION_PAGE } from '../../../shared/ipc/channels.js';
import type { OpenedSession, Result, SessionEventsPage } from '../../../shared/ipc/contract.js';
import type { TranscriptEvent } from '../../../shared/session-record.js';
import { loadStatus } from '../../../renderer/src/lib/transcript/load-status.js';
import { matchStatus } from '../../../renderer/src/lib/transcript/format.js';
import { createAppStore } from '../../../renderer/src/store/index.js';
import { SHOW_ALL, filterMask } from '../../../renderer/src/lib/transcript/filter.js';
import { failed, fakeApi, flush, ok, record } from './fake-api.js';

/**
 * A long saved session opened page by page: the record and its first page at once, the rest appended as the pages
 * come, progress, search over what has come so far, and loads that end early — another session opened, a live one
 * started, the log deleted, a page failing. Pages of a load that is no longer shown never reach the transcript.
 */

const ev = (session: string, i: number): TranscriptEvent => ({
  t: i,
  wall: 0,
  dir: i % 2 ? 'recv' : 'send',
  tls: false,
  text: `${session} line ${i}`,
});
const range = (session: string, from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from) }, (_, k) => ev(session, from + k));

/** A session of `total` events whose pages are answered only when the test says so. */
/** `expected`: the count the log gives (null: none). */
function pagedSession(session: string, total: number, first = 10, expected: number | null = total) {
  const opened: OpenedSession = {
    record: record({ events: range(session, 0, first) }),
    status: 'ok',
    damagedLines: 0,
    ...(first < total
      ? {
          more: {
            loadId: `load-${session}`,
            next: first,
            ...(expected !== null ? { expectedEvents: expected } : {}),
            bytesRead: first * 10,
            bytes: total * 10,
          },
        }
      : {}),
  };
  const asked: { from: number; limit: number; answer(result?: Result<SessionEventsPage>): void }[] = [];
  const sessionEvents = (id: string, loadId: string, from: number, limit: number) =>
    new Promise<Result<SessionEventsPage>>((resolve) => {
      expect(id).toBe(session);
      expect(loadId).toBe(`load-${session}`);
      const to = Math.min(total, from + limit);
      const page: SessionEventsPage = {
        events: range(session, from, to),
        next: Math.max(from, to),
        done: to >= total,
        damagedLines: 0,
        bytesRead: to * 10,
        bytes: total * 10,
      };
      asked.push({ from, limit, answer: (result = ok(page)) => resolve(result) });
    });
  return { opened, asked, sessionEvents };
}

const texts = (store: ReturnType<typeof createAppStore>) => store.getState().transcript.buffer.events.map((e) => e.text);

/** Answer the oldest unanswered page request (in the order they were made), then let the loop go on. */
async function answerNext(session: ReturnType<typeof pagedSession>, result?: Result<SessionEventsPage>) {
  const next = session.asked.shift();
  if (!next) throw new Error('no page was asked for');
  next.answer(result);
  await flush();
}

describe('a saved session opened page by page', () => {
  it('shows the record and first page at once, then appends every page in order with its progress', async () => {
    const total = 10 + 2 * SESSION_PAGE + 123;
    const big = pagedSession('big', total);
    const store = createAppStore(fakeApi({ openSession: async () => ok(big.opened), sessionEvents: big.sessionEvents }));
    expect(await store.getState().reopenSession('big')).toBe(true);

    // The Overview's record is there with the first page; the transcript says it is loading.
    expect(store.getState().session).toMatchObject({ source: 'history', sessionId: 'big' });
    expect(texts(store)).toEqual(range('big', 0, 10).map((e) => e.text));
    expect(store.getState().transcript.load).toMatchObject({ state: 'loading', expected: total, sessionId: 'big' });
    expect(loadStatus(store.getState().transcript.load, 10)?.text).toBe(`Loading 10 of ${total.toLocaleString('en-US')} events…`);
    // Two pages asked for at a time, each where the one before ends.
    expect(big.asked.map((a) => a.from)).toEqual([10, 10 + SESSION_PAGE]);

    await answerNext(big);
    expect(store.getState().transcript.buffer.length).toBe(10 + SESSION_PAGE);
    expect(store.getState().transcript.load?.bytesRead).toBe((10 + SESSION_PAGE) * 10);
    expect(big.asked.map((a) => a.from)).toEqual([10 + SESSION_PAGE, 10 + 2 * SESSION_PAGE]);
    await answerNext(big);
    await answerNext(big);
    expect(store.getState().transcript.load?.state).toBe('done');
    expect(texts(store)).toEqual(range('big', 0, total).map((e) => e.text));
    // Past the count the log gave, nothing more is asked for.
    expect(big.asked).toEqual([]);
    expect(loadStatus(store.getState().transcript.load, total)).toMatchObject({
      state: 'done',
      text: `All ${total.toLocaleString('en-US')} events loaded`,
    });
  });

  it('searches what has come so far, and finds more as pages arrive', async () => {
    const total = 10 + SESSION_PAGE + 50;
    const big = pagedSession('big', total);
    const store = createAppStore(fakeApi({ openSession: async () => ok(big.opened), sessionEvents: big.sessionEvents }));
    await store.getState().reopenSession('big');
    const last = `big line ${total - 1}`;
    store.getState().setTranscriptQuery(last);
    const hits = () => store.getState().transcript.buffer.matches(store.getState().transcript.query, filterMask(SHOW_ALL));
    expect(hits()).toHaveLength(0);
    expect(matchStatus(hits(), store.getState().transcript.matchEvent, true)).toBe('No matches yet');

    // Among the first page: none; the next brings line 2501, the last lines 25010 to 25019.
    store.getState().setTranscriptQuery('line 2501');
    expect(hits()).toHaveLength(0);
    await answerNext(big);
    expect(Array.from(hits())).toEqual([2501]);
    await answerNext(big);
    expect(Array.from(hits())).toEqual([2501, ...Array.from({ length: 10 }, (_, i) => 25010 + i)]);

    store.getState().setTranscriptQuery(last);
    expect(Array.from(hits())).toEqual([total - 1]);
    expect(store.getState().transcript.matchEvent).toBe(total - 1);
    expect(matchStatus(hits(), store.getState().transcript.matchEvent, false)).toBe('1 of 1');
  });

  it('ignores the pages of a session once another is opened: none of its events reach the other', async () => {
    const a = pagedSession('a', 10 + 3 * SESSION_PAGE);
    const b = pagedSession('b', 10 + 3 * SESSION_PAGE);
    const sessions: Record<string, ReturnType<typeof pagedSession>> = { a, b };
    const api = fakeApi({
      openSession: async (id) => ok(sessions[id]!.opened),
      sessionEvents: (id, loadId, from, limit) => sessions[id]!.sessionEvents(id, loadId, from, limit),
    });
    const store = createAppStore(api);
    await store.getState().reopenSession('a');
    await answerNext(a);
    await store.getState().reopenSession('b');
    // A's pages come in late: dropped, and A's loop asks for nothing more.
    const askedOfA = a.asked.length;
    while (a.asked.length) await answerNext(a);
    expect(a.asked).toHaveLength(0);
    expect(api.calls.filter((c) => c.method === 'sessionEvents' && c.args[0] === 'a')).toHaveLength(2 + 1);
    expect(askedOfA).toBe(2);
    while (b.asked.length) await answerNext(b);
    expect(store.getState().transcript.load).toMatchObject({ sessionId: 'b', state: 'done' });
    expect(texts(store).every((t) => t.startsWith('b '))).toBe(true);
    expect(store.getState().transcript.buffer.length).toBe(10 + 3 * SESSION_PAGE);
  });

  it('drops the answer to an open that a later one overtook', async () => {
    const a = pagedSession('a', 5, 5);
    const b = pagedSession('b', 5, 5);
    let releaseA!: () => void;
    const slowA = new Promise<void>((resolve) => (releaseA = resolve));
    const store = createAppStore(
      fakeApi({
        openSession: async (id) => {
          if (id === 'a') await slowA;
          return ok((id === 'a' ? a : b).opened);
        },
      }),
    );
    const first = store.getState().reopenSession('a');
    expect(await store.getState().reopenSession('b')).toBe(true);
    releaseA();
    expect(await first).toBe(false);
    expect(store.getState().session.sessionId).toBe('b');
    expect(texts(store)).toEqual(range('b', 0, 5).map((e) => e.text));
  });

  it('stops when a live session starts: its own lines are shown, the pages are not', async () => {
    const big = pagedSession('big', 10 + 2 * SESSION_PAGE);
    const store = createAppStore(fakeApi({ openSession: async () => ok(big.opened), sessionEvents: big.sessionEvents }));
    await store.getState().reopenSession('big');
    store.getState().resetTranscript('live');
    store.getState().appendTranscriptBatch({ sessionId: 'live', events: [ev('live', 0)] });
    while (big.asked.length) await answerNext(big);
    expect(store.getState().transcript.load).toBeUndefined();
    expect(texts(store)).toEqual(['live line 0']);
  });

  it('keeps what came when a page fails, and says why', async () => {
    const big = pagedSession('big', 10 + 3 * SESSION_PAGE);
    const store = createAppStore(fakeApi({ openSession: async () => ok(big.opened), sessionEvents: big.sessionEvents }));
    await store.getState().reopenSession('big');
    await answerNext(big);
    await answerNext(big, failed({ code: 'not-found', message: 'the session log big was deleted while it was being read' }));
    const { load } = store.getState().transcript;
    expect(load).toMatchObject({ state: 'failed', error: { code: 'not-found' } });
    expect(store.getState().transcript.buffer.length).toBe(10 + SESSION_PAGE);
    expect(loadStatus(load, 10 + SESSION_PAGE)?.text).toBe(
      `Loading stopped after ${(10 + SESSION_PAGE).toLocaleString('en-US')} events: the session log big was deleted while it was being read`,
    );
    // Nothing more is asked for after the failure; the page that was already on its way is dropped.
    while (big.asked.length) await answerNext(big);
    expect(store.getState().transcript.buffer.length).toBe(10 + SESSION_PAGE);
  });

  it('stops loading a session whose log is deleted meanwhile', async () => {
    const big = pagedSession('big', 10 + 3 * SESSION_PAGE);
    const store = createAppStore(fakeApi({ openSession: async () => ok(big.opened), sessionEvents: big.sessionEvents }));
    await store.getState().reopenSession('big');
    expect(await store.getState().deleteSessionLog('big')).toBe(true);
    expect(store.getState().transcript.load).toMatchObject({ state: 'failed', error: { message: expect.stringMatching(/deleted/) } });
    while (big.asked.length) await answerNext(big);
    expect(store.getState().transcript.buffer.length).toBe(10);
  });

  it('counts bytes when the log does not say how many events it holds, and tells of damaged lines', async () => {
    const total = 10 + SESSION_PAGE;
    const big = pagedSession('big', total, 10, null);
    const store = createAppStore(fakeApi({ openSession: async () => ok(big.opened), sessionEvents: big.sessionEvents }));
    await store.getState().reopenSession('big');
    expect(loadStatus(store.getState().transcript.load, 10)).toMatchObject({
      state: 'loading',
      text: 'Loading 10 events so far (0% of the log)…',
    });
    await answerNext(
      big,
      ok({ events: range('big', 10, total), next: total, done: true, damagedLines: 2, bytesRead: total * 10, bytes: total * 10 }),
    );
    expect(loadStatus(store.getState().transcript.load, total)?.text).toBe(
      `All ${total.toLocaleString('en-US')} events loaded; 2 damaged lines of the log skipped`,
    );
  });

  it('opens a short session whole, as before; damaged lines are still told', async () => {
    const store = createAppStore(
      fakeApi({
        openSession: async () => ok<OpenedSession>({ record: record({ events: range('s', 0, 3) }), status: 'open', damagedLines: 1 }),
      }),
    );
    await store.getState().reopenSession('s');
    expect(texts(store)).toEqual(range('s', 0, 3).map((e) => e.text));
    expect(store.getState().transcript.load).toMatchObject({ state: 'done', damagedLines: 1 });
    expect(loadStatus(store.getState().transcript.load, 3)?.text).toBe('All 3 events loaded; 1 damaged line of the log skipped');
  });

  it('ignores pages given with a token that is not the shown load', () => {
    const store = createAppStore(fakeApi());
    const token = store.getState().loadTranscript(record({ events: range('x', 0, 2) }), 'x', {
      damagedLines: 0,
      more: { loadId: 'l', next: 2, bytesRead: 1, bytes: 10 },
    });
    expect(token).toBeTypeOf('number');
    const page: SessionEventsPage = { events: range('x', 2, 4), next: 4, done: false, damagedLines: 0, bytesRead: 5, bytes: 10 };
    expect(store.getState().appendTranscriptPage(token! + 1, page)).toBe(false);
    expect(store.getState().appendTranscriptPage(token!, page)).toBe(true);
    store.getState().clearTranscript();
    expect(store.getState().appendTranscriptPage(token!, { ...page, events: range('x', 4, 6) })).toBe(false);
    expect(store.getState().transcript.buffer.length).toBe(0);
  });
});
