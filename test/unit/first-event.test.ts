import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { firstEvent } from '../../electron/smtp/transport/first-event.js';

const listenerCount = (e: EventEmitter) => e.eventNames().reduce((n, name) => n + e.listenerCount(name), 0);

describe('firstEvent: the one way the transport waits for a socket', () => {
  it('settles on the first event that means something, and leaves no listener behind', async () => {
    const e = new EventEmitter();
    const failures: Error[] = [];
    const wait = firstEvent<string>(e, {
      on: { data: (chunk: string) => (chunk === 'go' ? { value: chunk } : undefined), close: () => ({ error: new Error('closed') }) },
      timeout: { ms: 10_000, error: () => new Error('timed out') },
      onFailure: (error) => failures.push(error),
    });
    e.emit('data', 'not yet');
    e.emit('data', 'go');
    e.emit('close');
    await expect(wait).resolves.toBe('go');
    expect(listenerCount(e)).toBe(0);
    expect(failures).toEqual([]);
  });

  it('fails on an error event, calling onFailure once', async () => {
    const e = new EventEmitter();
    const failures: string[] = [];
    const wait = firstEvent<void>(e, {
      on: { error: (err: Error) => ({ error: err }) },
      onFailure: (error) => failures.push(error.message),
    });
    e.emit('error', new Error('boom'));
    await expect(wait).rejects.toThrow('boom');
    expect(failures).toEqual(['boom']);
    expect(listenerCount(e)).toBe(0);
  });

  it('times out', async () => {
    const e = new EventEmitter();
    await expect(
      firstEvent<void>(e, { on: { never: () => ({ value: undefined }) }, timeout: { ms: 20, error: () => new Error('late') } }),
    ).rejects.toThrow('late');
    expect(listenerCount(e)).toBe(0);
  });

  it('aborts from any of its signals, and at once when one has aborted already', async () => {
    const e = new EventEmitter();
    const a = new AbortController();
    const b = new AbortController();
    const abort = { signals: [undefined, a.signal, b.signal], error: () => new Error('cancelled') };
    const wait = firstEvent<void>(e, { on: { never: () => ({ value: undefined }) }, abort });
    b.abort();
    await expect(wait).rejects.toThrow('cancelled');
    expect(listenerCount(e)).toBe(0);
    await expect(firstEvent<void>(e, { on: { never: () => ({ value: undefined }) }, abort })).rejects.toThrow('cancelled');
    expect(listenerCount(e)).toBe(0);
  });
});
