import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventChannel, EventMap } from '../../shared/ipc/contract.js';
import type { TranscriptEvent } from '../../shared/session-record.js';
import { EventBatcher, type Emit } from '../../electron/app/api/event-batcher.js';

type Sent = { channel: EventChannel; payload: EventMap[EventChannel] };

function recorder(): { emit: Emit; sent: Sent[]; batches: () => EventMap['transcript'][] } {
  const sent: Sent[] = [];
  const emit: Emit = (channel, payload) => {
    sent.push({ channel, payload });
  };
  const batches = () => sent.filter((s) => s.channel === 'transcript').map((s) => s.payload as EventMap['transcript']);
  return { emit, sent, batches };
}

const event = (i: number): TranscriptEvent => ({ t: i, wall: 1_700_000_000_000 + i, dir: 'recv', tls: false, text: `250-line ${i}` });

afterEach(() => {
  vi.useRealTimers();
});

describe('EventBatcher', () => {
  it('turns a burst of 10,000 events into a few batches, in order, losing nothing', async () => {
    const { emit, batches } = recorder();
    const batcher = new EventBatcher({ emit });
    for (let i = 0; i < 10_000; i++) batcher.push('s1', event(i));
    // Full batches went out at once; wait for the timer to send any remainder.
    await new Promise((resolve) => setTimeout(resolve, 120));
    const got = batches();
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThanOrEqual(11);
    for (const batch of got) {
      expect(batch.sessionId).toBe('s1');
      expect(batch.events.length).toBeLessThanOrEqual(1000);
    }
    const all = got.flatMap((b) => b.events);
    expect(all).toHaveLength(10_000);
    expect(all.map((e) => e.t)).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    batcher.dispose();
  });

  it('sends a small batch after the interval, not before', () => {
    vi.useFakeTimers();
    const { emit, batches } = recorder();
    const batcher = new EventBatcher({ emit, intervalMs: 50 });
    batcher.push('s1', event(1));
    batcher.push('s1', event(2));
    vi.advanceTimersByTime(49);
    expect(batches()).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(batches()).toEqual([{ sessionId: 's1', events: [event(1), event(2)] }]);
    // Nothing pending: no empty batch later.
    vi.advanceTimersByTime(500);
    expect(batches()).toHaveLength(1);
    batcher.dispose();
  });

  it('keeps sessions apart and flush(sessionId) sends only that session', () => {
    vi.useFakeTimers();
    const { emit, batches } = recorder();
    const batcher = new EventBatcher({ emit });
    batcher.push('a', event(1));
    batcher.push('b', event(2));
    batcher.push('a', event(3));
    batcher.flush('a');
    expect(batches()).toEqual([{ sessionId: 'a', events: [event(1), event(3)] }]);
    expect(batcher.pendingCount).toBe(1);
    vi.advanceTimersByTime(50);
    expect(batches()[1]).toEqual({ sessionId: 'b', events: [event(2)] });
    batcher.dispose();
  });

  it('flushing before a state change keeps the order lines-then-state', () => {
    vi.useFakeTimers();
    const { emit, sent } = recorder();
    const batcher = new EventBatcher({ emit });
    batcher.push('s', event(1));
    batcher.flush('s');
    emit('session-state', { sessionId: 's', state: 'ready' });
    expect(sent.map((s) => s.channel)).toEqual(['transcript', 'session-state']);
    batcher.dispose();
  });

  it('never emits more often than the interval under a steady trickle', () => {
    vi.useFakeTimers();
    const { emit, batches } = recorder();
    const batcher = new EventBatcher({ emit, intervalMs: 50 });
    // One event per millisecond for one second.
    for (let i = 0; i < 1000; i++) {
      batcher.push('s', event(i));
      vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(50);
    expect(batches().length).toBeLessThanOrEqual(21);
    expect(batches().flatMap((b) => b.events)).toHaveLength(1000);
    batcher.dispose();
  });

  it('dispose sends what is pending, then drops later events; its timer does not keep the process alive', () => {
    const { emit, batches } = recorder();
    const batcher = new EventBatcher({ emit });
    batcher.push('s', event(1));
    batcher.dispose();
    expect(batches()).toHaveLength(1);
    batcher.push('s', event(2));
    batcher.flush();
    expect(batches()).toHaveLength(1);
  });

  it('survives a sink that throws', () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const batcher = new EventBatcher({
      emit: () => {
        throw new Error('window gone');
      },
      maxPending: 2,
    });
    expect(() => {
      batcher.push('s', event(1));
      batcher.push('s', event(2));
    }).not.toThrow();
    expect(batcher.pendingCount).toBe(0);
    batcher.dispose();
    errors.mockRestore();
  });
});
