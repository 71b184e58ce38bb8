import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { TestServerStatus } from '../../shared/ipc/contract.js';
import { REQUEST_CHANNELS } from '../../shared/ipc/schemas.js';
import { apiUrlFromLocation, createWebBridge, downloadHref, type WebBridge } from '../../renderer/src/lib/web-bridge.js';

/**
 * The renderer's WebSocket client against a real `ws` server on loopback. Node 20 has no global WebSocket, so the
 * bridge is given `ws`'s constructor.
 */

interface Incoming {
  id: number;
  channel: string;
  request: unknown;
}

interface Peer {
  url: string;
  server: WebSocketServer;
  /** The server side of the first connection. */
  client: Promise<WebSocket>;
  /** Every request the server received, in order. */
  received: Incoming[];
  /** Resolves when `n` requests have arrived. */
  waitFor(n: number): Promise<void>;
}

const servers: WebSocketServer[] = [];
const bridges: WebBridge[] = [];

afterEach(async () => {
  for (const b of bridges.splice(0)) b.close();
  for (const s of servers.splice(0)) {
    for (const c of s.clients) c.terminate();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

async function startPeer(answer?: (message: Incoming, socket: WebSocket) => void): Promise<Peer> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/api' });
  servers.push(server);
  await once(server, 'listening');
  const received: Incoming[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const client = new Promise<WebSocket>((resolve) => {
    server.on('connection', (socket) => {
      resolve(socket);
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as Incoming;
        received.push(message);
        for (const w of waiters.filter((w) => received.length >= w.n)) w.resolve();
        answer?.(message, socket);
      });
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/api?token=t0ken`,
    server,
    client,
    received,
    waitFor: (n) => (received.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
  };
}

function bridgeTo(url: string): WebBridge {
  const bridge = createWebBridge({ url, WebSocket });
  bridges.push(bridge);
  return bridge;
}

const STATUS: TestServerStatus = { running: true, listeners: [], messageCount: 0 };

describe('web bridge', () => {
  it('has one method per request channel', () => {
    const bridge = createWebBridge({ url: 'ws://127.0.0.1:9/api', WebSocket });
    bridges.push(bridge);
    for (const channel of REQUEST_CHANNELS) expect(typeof bridge[channel]).toBe('function');
    expect(typeof bridge.on).toBe('function');
  });

  it('sends {id, channel, request} and matches answers to requests by id, whatever their order', async () => {
    const peer = await startPeer();
    const bridge = bridgeTo(peer.url);
    // Written before the socket is open: queued, then sent on open.
    const a = bridge['testServer.status']({});
    const b = bridge['sessions.open']({ id: 'abc' });
    const c = bridge['app.info']({});
    await peer.waitFor(3);

    expect(peer.received.map((m) => m.channel)).toEqual(['testServer.status', 'sessions.open', 'app.info']);
    expect(peer.received[1]?.request).toEqual({ id: 'abc' });
    const ids = peer.received.map((m) => m.id);
    expect(new Set(ids).size).toBe(3);

    const socket = await peer.client;
    // Answer in reverse order.
    for (const m of [...peer.received].reverse()) {
      socket.send(JSON.stringify({ id: m.id, result: { ok: true, value: `answer to ${m.channel}` } }));
    }
    expect(await a).toEqual({ ok: true, value: 'answer to testServer.status' });
    expect(await b).toEqual({ ok: true, value: 'answer to sessions.open' });
    expect(await c).toEqual({ ok: true, value: 'answer to app.info' });

    // Once open, a call goes out at once; an error Result comes back as it was sent.
    const d = bridge['sessions.delete']({ id: 'x' });
    await peer.waitFor(4);
    const m = peer.received[3]!;
    socket.send(JSON.stringify({ id: m.id, result: { ok: false, error: { code: 'not-found', message: 'no such session' } } }));
    expect(await d).toEqual({ ok: false, error: { code: 'not-found', message: 'no such session' } });
  });

  it('ignores answers to unknown ids and garbage, and turns a malformed result into an internal error', async () => {
    const peer = await startPeer((m, socket) => {
      socket.send('not json');
      socket.send(JSON.stringify({ id: 9999, result: { ok: true, value: 'stray' } }));
      socket.send(JSON.stringify({ id: m.id, result: { value: 'no ok field' } }));
    });
    const bridge = bridgeTo(peer.url);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const result = await bridge['app.info']({});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('internal');
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });

  it('dispatches pushed events to the subscribers of that channel until they unsubscribe', async () => {
    const peer = await startPeer((m, socket) => socket.send(JSON.stringify({ id: m.id, result: { ok: true, value: null } })));
    const bridge = bridgeTo(peer.url);
    const statuses: TestServerStatus[] = [];
    const batches: unknown[] = [];
    const stopStatus = bridge.on('test-server', (s) => statuses.push(s));
    const stopOther = bridge.on('transcript', (b) => batches.push(b));
    await bridge['app.info']({}); // the socket is open
    const socket = await peer.client;

    socket.send(JSON.stringify({ event: 'test-server', payload: STATUS }));
    socket.send(JSON.stringify({ event: 'progress', payload: { sessionId: 's', bytesSent: 1, totalBytes: 2 } }));
    // A round trip after the events guarantees they were handled.
    await bridge['app.info']({});
    expect(statuses).toEqual([STATUS]);
    expect(batches).toEqual([]);

    stopStatus();
    socket.send(JSON.stringify({ event: 'test-server', payload: { ...STATUS, running: false } }));
    socket.send(JSON.stringify({ event: 'transcript', payload: { sessionId: 's', events: [] } }));
    await bridge['app.info']({});
    expect(statuses).toEqual([STATUS]);
    expect(batches).toEqual([{ sessionId: 's', events: [] }]);
    stopOther();
  });

  it('a listener that throws does not stop the others', async () => {
    const peer = await startPeer((m, socket) => socket.send(JSON.stringify({ id: m.id, result: { ok: true, value: null } })));
    const bridge = bridgeTo(peer.url);
    const seen: string[] = [];
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      bridge.on('test-server', () => {
        throw new Error('boom');
      });
      bridge.on('test-server', () => seen.push('second'));
      await bridge['app.info']({});
      (await peer.client).send(JSON.stringify({ event: 'test-server', payload: STATUS }));
      await bridge['app.info']({});
      expect(error).toHaveBeenCalledTimes(1);
    } finally {
      error.mockRestore();
    }
    expect(seen).toEqual(['second']);
  });

  it('fails every pending call with server-disconnected when the server closes, and every later call too', async () => {
    const peer = await startPeer(); // never answers
    const bridge = bridgeTo(peer.url);
    const lost: string[] = [];
    bridge.onClose((e) => lost.push(e.code));
    const pending = [bridge['app.info']({}), bridge['session.run']({ operation: 'probe', connection: { host: '127.0.0.1' } })];
    await peer.waitFor(2);
    (await peer.client).close(1001, 'host stopping');

    for (const result of await Promise.all(pending)) {
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe('server-disconnected');
        expect(result.error.message).toContain('host stopping');
      }
    }
    expect(lost).toEqual(['server-disconnected']);

    const later = await bridge['app.info']({});
    expect(later).toMatchObject({ ok: false, error: { code: 'server-disconnected' } });
    // A listener added after the close still hears about it.
    const late = await new Promise<string>((resolve) => bridge.onClose((e) => resolve(e.code)));
    expect(late).toBe('server-disconnected');
  });

  it('fails calls with server-disconnected when nothing listens', async () => {
    const peer = await startPeer();
    const url = peer.url;
    await new Promise<void>((resolve) => peer.server.close(() => resolve()));
    servers.splice(servers.indexOf(peer.server), 1);
    const bridge = bridgeTo(url);
    const result = await bridge['app.info']({});
    expect(result).toMatchObject({ ok: false, error: { code: 'server-disconnected' } });
  });

  it('fails pending calls when the app closes the bridge', async () => {
    const peer = await startPeer();
    const bridge = bridgeTo(peer.url);
    const pending = bridge['testServer.start']({});
    await peer.waitFor(1);
    bridge.close();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'server-disconnected' } });
  });

  it('without a WebSocket implementation, every call fails cleanly', async () => {
    // As in a page (or Node 20) without one: Node 22 and later have a global WebSocket, so it is taken away here.
    vi.stubGlobal('WebSocket', undefined);
    try {
      const bridge = createWebBridge({ url: 'ws://127.0.0.1:9/api' });
      expect(await bridge['app.info']({})).toMatchObject({
        ok: false,
        error: { code: 'server-disconnected', message: expect.stringContaining('no WebSocket support') },
      });
      expect(await bridge['testServer.start']({})).toMatchObject({ ok: false, error: { code: 'server-disconnected' } });
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('apiUrlFromLocation', () => {
  it('derives the WebSocket endpoint and token from the page address', () => {
    expect(apiUrlFromLocation({ protocol: 'http:', host: '127.0.0.1:4321', search: '?token=abc_DEF-123' })).toBe(
      'ws://127.0.0.1:4321/api?token=abc_DEF-123',
    );
    expect(apiUrlFromLocation({ protocol: 'https:', host: '[::1]:8443', search: '?x=1&token=a%2Bb' })).toBe(
      'wss://[::1]:8443/api?token=a%2Bb',
    );
    expect(apiUrlFromLocation({ protocol: 'http:', host: '127.0.0.1:1', search: '' })).toBe('ws://127.0.0.1:1/api?token=');
  });
});

describe('downloadHref', () => {
  it('adds the page token to a download path of this host, and to nothing else', () => {
    expect(downloadHref('/export/20260101T000000000Z-ab_c.html', { search: '?token=a%2Bb' })).toBe(
      '/export/20260101T000000000Z-ab_c.html?token=a%2Bb',
    );
    expect(downloadHref('/export/x.json', { search: '' })).toBe('/export/x.json?token=');
    // The token must never travel to another host or be hidden in a crafted URL.
    for (const path of [
      '//evil.example/x',
      'https://evil.example/x',
      'export/x.json',
      '/export/x.json?y=1',
      '/export/x y',
      '/\\evil.example',
    ]) {
      expect(() => downloadHref(path, { search: '?token=t' }), path).toThrow(/not a download path/);
    }
  });
});
