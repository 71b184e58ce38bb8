import type { Bridge, ErrorDto, EventChannel, EventMap, Result } from '../../../shared/ipc/contract.js';
import { REQUEST_CHANNELS, type RequestChannel } from '../../../shared/ipc/channels.js';

/**
 * The contract (`Bridge`) over the loopback web host's WebSocket, for when the renderer runs in a browser rather
 * than in Electron. Protocol, one JSON object per message:
 *
 *   client → server  {"id": number, "channel": RequestChannel, "request": unknown}
 *   server → client  {"id": number, "result": Result}            the answer to request `id`
 *                    {"event": EventChannel, "payload": unknown}   a pushed event
 *
 * There is no reconnection: once the socket closes (or never opens), every pending call and every later call
 * resolves to a Result error with code 'server-disconnected', and `onClose` listeners are told once.
 *
 * This module is also type-checked and unit-tested under Node (no DOM lib), so it names no DOM type: the socket is
 * described structurally, and the constructor can be passed in (Node 20 has no global WebSocket; tests pass `ws`'s).
 */

/**
 * An event handler property. Declared through a method so that its parameter is checked bivariantly: the browser's
 * and `ws`'s sockets, whose handlers take their own richer event types, both fit.
 */
type Handler<E> = { handle(event: E): void }['handle'];

/** The part of a WebSocket (the browser's, or the `ws` package's) that the bridge uses. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Where a page was loaded from: the fields of `location` the bridge needs. */
export interface LocationLike {
  protocol: string;
  host: string;
  search: string;
}

export interface WebBridgeOptions {
  /** The WebSocket URL; by default derived from the page's location (see `apiUrlFromLocation`). */
  url?: string;
  /** The WebSocket implementation; by default `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor;
}

/** A `Bridge` plus what only a socket-based bridge has. */
export interface WebBridge extends Bridge {
  /** Called once when the connection is lost or could not be made. Returns an unsubscribe function. */
  onClose(listener: (error: ErrorDto) => void): () => void;
  /** Close the socket (pending calls fail with 'server-disconnected'). */
  close(): void;
}

const OPEN = 1;
const CONNECTING = 0;

/**
 * The web host's API endpoint for a page served at http://127.0.0.1:PORT/?token=T: ws://127.0.0.1:PORT/api?token=T.
 * The token is read from the page's query string.
 */
export function apiUrlFromLocation(location: LocationLike): string {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api?token=${encodeURIComponent(token)}`;
}

/**
 * The URL of a download the web host serves at `path` (an export: `sessions.exportToFile` answers with its path), for
 * a page served at http://127.0.0.1:PORT/?token=T: `path?token=T`, relative to the page (same origin).
 */
export function downloadHref(path: string, location: Pick<LocationLike, 'search'>): string {
  // Only a path of this host: the token must never go anywhere else (`//host/…` would be another host).
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(path) || path.startsWith('//')) throw new Error(`not a download path of this host: ${path}`);
  const token = new URLSearchParams(location.search).get('token') ?? '';
  return `${path}?token=${encodeURIComponent(token)}`;
}

const disconnected = (message: string): ErrorDto => ({ code: 'server-disconnected', message });

type AnyListener = (payload: unknown) => void;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isResult(value: unknown): value is Result<unknown> {
  if (!isRecord(value)) return false;
  if (value.ok === true) return 'value' in value;
  return value.ok === false && isRecord(value.error) && typeof value.error.code === 'string';
}

export function createWebBridge(options: WebBridgeOptions = {}): WebBridge {
  const global = globalThis as { WebSocket?: WebSocketConstructor; location?: LocationLike };
  const Ctor = options.WebSocket ?? global.WebSocket;
  const url = options.url ?? (global.location ? apiUrlFromLocation(global.location) : undefined);

  let nextId = 1;
  const pending = new Map<number, (result: Result<unknown>) => void>();
  /** Messages written before the socket opened. */
  const outbox: string[] = [];
  const listeners = new Map<EventChannel, Set<AnyListener>>();
  const closeListeners = new Set<(error: ErrorDto) => void>();
  let closedWith: ErrorDto | undefined;
  let socket: WebSocketLike | undefined;

  function shutDown(error: ErrorDto): void {
    if (closedWith) return;
    closedWith = error;
    outbox.length = 0;
    const waiting = [...pending.values()];
    pending.clear();
    for (const resolve of waiting) resolve({ ok: false, error });
    for (const listener of [...closeListeners]) {
      try {
        listener(error);
      } catch (err) {
        console.error('smtp-lens: a close listener threw', err);
      }
    }
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = null;
      // Not null: `ws` reports closing a connecting socket as an error event, which must have a handler.
      socket.onerror = () => {};
      if (socket.readyState === OPEN || socket.readyState === CONNECTING) {
        try {
          socket.close();
        } catch {
          // Already closing.
        }
      }
    }
  }

  function dispatchEvent(channel: EventChannel, payload: unknown): void {
    const set = listeners.get(channel);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(payload);
      } catch (err) {
        console.error(`smtp-lens: a listener for "${channel}" threw`, err);
      }
    }
  }

  function onMessage(data: unknown): void {
    if (typeof data !== 'string') return; // The host only sends text frames.
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      console.warn('smtp-lens: ignoring a message that is not JSON');
      return;
    }
    if (!isRecord(message)) return;
    if (typeof message.id === 'number') {
      const resolve = pending.get(message.id);
      if (!resolve) return;
      pending.delete(message.id);
      resolve(
        isResult(message.result)
          ? message.result
          : { ok: false, error: { code: 'internal', message: 'The server sent a malformed answer.' } },
      );
    } else if (typeof message.event === 'string') {
      dispatchEvent(message.event as EventChannel, message.payload);
    }
  }

  if (!Ctor) {
    shutDown(disconnected('This browser has no WebSocket support.'));
  } else if (!url) {
    shutDown(disconnected('No address to reach the SMTP Lens server at.'));
  } else {
    try {
      socket = new Ctor(url);
      socket.onopen = () => {
        for (const message of outbox.splice(0)) socket?.send(message);
      };
      socket.onmessage = (event) => onMessage(event.data);
      socket.onerror = () => {
        // A close event follows; it carries what there is to say.
      };
      socket.onclose = (event) => {
        const why = event.reason ? `: ${event.reason}` : event.code ? ` (code ${event.code})` : '';
        shutDown(disconnected(`The connection to the SMTP Lens server was closed${why}.`));
      };
    } catch (err) {
      shutDown(disconnected(`Could not connect to the SMTP Lens server: ${err instanceof Error ? err.message : String(err)}`));
    }
  }

  function call(channel: RequestChannel, request: unknown): Promise<Result<unknown>> {
    if (closedWith) return Promise.resolve({ ok: false, error: closedWith });
    const id = nextId++;
    const message = JSON.stringify({ id, channel, request: request ?? {} });
    return new Promise((resolve) => {
      pending.set(id, resolve);
      if (socket?.readyState === OPEN) {
        try {
          socket.send(message);
        } catch (err) {
          shutDown(disconnected(`Could not send to the SMTP Lens server: ${err instanceof Error ? err.message : String(err)}`));
        }
      } else {
        outbox.push(message);
      }
    });
  }

  const methods = Object.fromEntries(
    REQUEST_CHANNELS.map((channel) => [channel, (request: unknown) => call(channel, request)]),
  ) as unknown as Bridge;

  const on = <E extends EventChannel>(channel: E, listener: (payload: EventMap[E]) => void): (() => void) => {
    let set = listeners.get(channel);
    if (!set) listeners.set(channel, (set = new Set()));
    // A wrapper per subscription, so subscribing one function twice needs two unsubscribes.
    const wrapped: AnyListener = (payload) => listener(payload as EventMap[E]);
    set.add(wrapped);
    return () => {
      set.delete(wrapped);
    };
  };

  return {
    ...methods,
    on,
    onClose(listener) {
      if (closedWith) {
        const error = closedWith;
        let wanted = true;
        queueMicrotask(() => {
          if (wanted) listener(error);
        });
        return () => {
          wanted = false;
        };
      }
      closeListeners.add(listener);
      return () => {
        closeListeners.delete(listener);
      };
    },
    close() {
      shutDown(disconnected('The connection to the SMTP Lens server was closed by the app.'));
    },
  };
}
