import { describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import type { SessionRecord, TranscriptEvent } from '../../../shared/session-record.js';
import { createTranscriptSlice } from '../../../renderer/src/store/transcript-slice.js';
import type { AppState } from '../../../renderer/src/store/types.js';

/** The transcript slice on its own: routing batches by session, loading records, search hits, selection, copy. */

const WALL = Date.UTC(2025, 0, 2, 3, 4, 5);
const ev = (text: string, dir: TranscriptEvent['dir'] = 'recv', tls = false): TranscriptEvent => ({ t: 0, wall: WALL, dir, tls, text });

// The slice reads and writes only its own keys: a store of it alone is enough.
const makeStore = () => createStore<AppState>()((...a) => createTranscriptSlice(...a) as AppState);

const record = (events: TranscriptEvent[]): SessionRecord => ({
  version: 1,
  tool: 'smtp-lens',
  operation: 'session',
  startedAt: '2025-01-02T03:04:05.000Z',
  durationMs: 1,
  target: { protocol: 'smtp', tls: 'off', host: '127.0.0.1', port: 25, ehloName: 'x' },
  capabilities: [],
  events,
  result: { ok: true },
});

const texts = (store: ReturnType<typeof makeStore>) => store.getState().transcript.buffer.events.map((e) => e.text);

describe('routing batches', () => {
  it('shows the session it was reset to, and keeps its later batches', () => {
    const store = makeStore();
    store.getState().resetTranscript('s1');
    store.getState().appendTranscriptBatch({ sessionId: 's1', events: [ev('220 hi')] });
    expect(store.getState().transcript).toMatchObject({ sessionId: 's1', followTail: true });
    const v1 = store.getState().transcript.version;
    store.getState().appendTranscriptBatch({ sessionId: 's1', events: [ev('EHLO x', 'send'), ev('250 ok')] });
    expect(texts(store)).toEqual(['220 hi', 'EHLO x', '250 ok']);
    expect(store.getState().transcript.version).toBeGreaterThan(v1);
  });

  it('keeps batches of other sessions of this window apart, and shows them when their session is chosen', () => {
    const store = makeStore();
    store.getState().resetTranscript('s2');
    store.getState().resetTranscript('s1');
    store.getState().appendTranscriptBatch({ sessionId: 's1', events: [ev('mine')] });
    const shown = store.getState().transcript;
    store.getState().appendTranscriptBatch({ sessionId: 's2', events: [ev('other 1')] });
    store.getState().appendTranscriptBatch({ sessionId: 's2', events: [ev('other 2')] });
    // Not shown, and no update of the shown transcript.
    expect(store.getState().transcript).toBe(shown);
    expect(texts(store)).toEqual(['mine']);
    store.getState().resetTranscript('s2');
    expect(texts(store)).toEqual(['other 1', 'other 2']);
  });

  it('ignores lines of a session this window did not start (main tells the id before any line)', () => {
    const store = makeStore();
    store.getState().resetTranscript('s1');
    const shown = store.getState().transcript;
    store.getState().appendTranscriptBatch({ sessionId: 'stranger', events: [ev('220 hi')] });
    expect(store.getState().transcript).toBe(shown);
    store.getState().resetTranscript('stranger');
    expect(texts(store)).toEqual([]);
  });

  it("keeps a live session's buffer when its final record holds the same lines", () => {
    const store = makeStore();
    store.getState().resetTranscript('s1');
    const events = [ev('220 hi'), ev('QUIT', 'send'), ev('221 bye')];
    store.getState().appendTranscriptBatch({ sessionId: 's1', events });
    store.getState().selectTranscriptLine(1);
    const buffer = store.getState().transcript.buffer;
    store.getState().loadTranscript(record([...events]), 's1');
    expect(store.getState().transcript.buffer).toBe(buffer);
    expect(store.getState().transcript.selection).toEqual({ anchor: 1, focus: 1 });
  });

  it("shows a record's events as they are (no copy), from the top", () => {
    const store = makeStore();
    const r = record([ev('220 hi'), ev('EHLO x', 'send')]);
    store.getState().loadTranscript(r, 'old');
    expect(store.getState().transcript.buffer.events).toBe(r.events);
    expect(store.getState().transcript).toMatchObject({ sessionId: 'old', followTail: false, selection: null });
    // A record that differs from the live lines replaces them.
    store.getState().resetTranscript('live');
    store.getState().appendTranscriptBatch({ sessionId: 'live', events: [ev('220 hi')] });
    const final = record([ev('220 hi'), ev('221 bye')]);
    store.getState().loadTranscript(final, 'live');
    expect(store.getState().transcript.buffer.events).toBe(final.events);
  });

  it('clears', () => {
    const store = makeStore();
    store.getState().loadTranscript(record([ev('x')]));
    store.getState().clearTranscript();
    expect(store.getState().transcript.buffer.length).toBe(0);
    expect(store.getState().transcript.sessionId).toBeUndefined();
  });
});

describe('search hits', () => {
  const lines = [
    ev('220 mx ESMTP'),
    ev('EHLO a', 'send'),
    ev('250 ok'),
    ev('EHLO b', 'send', true),
    ev('250 ok', 'recv', true),
    ev('QUIT', 'send'),
  ];

  it('goes to the first hit, then next and previous with wrap-around', () => {
    const store = makeStore();
    store.getState().loadTranscript(record(lines));
    store.getState().setTranscriptQuery('ehlo');
    expect(store.getState().transcript).toMatchObject({ matchEvent: 1, selection: { anchor: 1, focus: 1 }, followTail: false });
    store.getState().nextMatch();
    expect(store.getState().transcript.matchEvent).toBe(3);
    store.getState().nextMatch();
    expect(store.getState().transcript.matchEvent).toBe(1);
    store.getState().previousMatch();
    expect(store.getState().transcript.matchEvent).toBe(3);
    store.getState().previousMatch();
    expect(store.getState().transcript.matchEvent).toBe(1);
  });

  it('starts from the cursor when the query changes', () => {
    const store = makeStore();
    store.getState().loadTranscript(record(lines));
    store.getState().selectTranscriptLine(2);
    store.getState().setTranscriptQuery('250');
    expect(store.getState().transcript.matchEvent).toBe(2);
    store.getState().selectTranscriptLine(3);
    store.getState().setTranscriptQuery('ok');
    expect(store.getState().transcript.matchEvent).toBe(4);
  });

  it('has no hit for an empty query or nothing found, and the buttons do nothing then', () => {
    const store = makeStore();
    store.getState().loadTranscript(record(lines));
    store.getState().setTranscriptQuery('zzz');
    expect(store.getState().transcript.matchEvent).toBe(-1);
    store.getState().nextMatch();
    expect(store.getState().transcript.matchEvent).toBe(-1);
    store.getState().setTranscriptQuery('');
    store.getState().previousMatch();
    expect(store.getState().transcript.matchEvent).toBe(-1);
  });

  it('moves the current hit to one the filter still shows', () => {
    const store = makeStore();
    store.getState().loadTranscript(record(lines));
    store.getState().setTranscriptQuery('ehlo');
    expect(store.getState().transcript.matchEvent).toBe(1);
    store.getState().setTlsOnly(true);
    expect(store.getState().transcript.matchEvent).toBe(3);
    store.getState().setDirectionShown('send', false);
    expect(store.getState().transcript.matchEvent).toBe(-1);
  });
});

describe('selection and copy', () => {
  const lines = [ev('220 hi'), ev('EHLO x', 'send'), ev('250 ok'), ev('QUIT', 'send'), ev('221 bye')];

  it('extends from the anchor with shift, and copies the selected shown lines', () => {
    const store = makeStore();
    store.getState().loadTranscript(record(lines));
    store.getState().selectTranscriptLine(1);
    store.getState().selectTranscriptLine(3, true);
    expect(store.getState().transcript.selection).toEqual({ anchor: 1, focus: 3 });
    expect(store.getState().transcriptCopyText('selection')).toEqual({
      text: '03:04:05.000000 C: EHLO x\n03:04:05.000000 S: 250 ok\n03:04:05.000000 C: QUIT',
      lines: 3,
    });
    store.getState().setDirectionShown('recv', false);
    expect(store.getState().transcriptCopyText('selection').lines).toBe(2);
    expect(store.getState().transcriptCopyText('shown').text).toBe('03:04:05.000000 C: EHLO x\n03:04:05.000000 C: QUIT');
  });

  it('selects all shown lines, and copies nothing without a selection', () => {
    const store = makeStore();
    store.getState().loadTranscript(record(lines));
    expect(store.getState().transcriptCopyText('selection')).toEqual({ text: '', lines: 0 });
    store.getState().setDirectionShown('send', false);
    store.getState().selectAllTranscript();
    expect(store.getState().transcript.selection).toEqual({ anchor: 0, focus: 4 });
    expect(store.getState().transcriptCopyText('selection').lines).toBe(3);
    store.getState().clearTranscriptSelection();
    expect(store.getState().transcript.selection).toBeNull();
  });

  it('asks for the cursor to be revealed on key moves and search hits, not on clicks or batches', () => {
    const store = makeStore();
    store.getState().resetTranscript('s');
    store.getState().appendTranscriptBatch({ sessionId: 's', events: lines });
    const r0 = store.getState().transcript.revealRequest;
    store.getState().selectTranscriptLine(2);
    store.getState().appendTranscriptBatch({ sessionId: 's', events: [ev('late')] });
    expect(store.getState().transcript.revealRequest).toBe(r0);
    store.getState().selectTranscriptLine(3, false, true);
    expect(store.getState().transcript.revealRequest).toBe(r0 + 1);
    store.getState().setTranscriptQuery('bye');
    expect(store.getState().transcript.revealRequest).toBe(r0 + 2);
  });
});
