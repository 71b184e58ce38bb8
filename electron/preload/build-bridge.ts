import { EVENT_CHANNELS } from '../../shared/ipc/contract.js';
import type { Bridge, ErrorDto, EventChannel, ExportedFile, Result } from '../../shared/ipc/contract.js';
import { DIALOG_CHANNELS, REQUEST_CHANNELS } from '../../shared/ipc/channels.js';

/**
 * The pure part of the preload: builds what is exposed as `window.smtpLens` from two functions the preload gets
 * from ipcRenderer. No `electron` import, so it is unit-tested under plain Node and its shape is checked there.
 *
 * The bridge has exactly one method per request channel (built by iterating REQUEST_CHANNELS), `on` for the
 * contract's event channels only, and the two Electron-only dialogs. Nothing else: no generic invoke, no
 * ipcRenderer, no way to name an arbitrary channel.
 */

/** The Electron-only dialog channels: in the contract's channel map (shared/ipc/channels.ts). */
export { DIALOG_CHANNELS };

/** The global name under which the bridge is exposed. */
export const BRIDGE_KEY = 'smtpLens';

export interface BridgePorts {
  /** ipcRenderer.invoke(channel, payload). */
  invoke(channel: string, payload: unknown): Promise<unknown>;
  /** Subscribes to an event channel; the listener gets the payload only. Returns an unsubscribe. */
  subscribe(channel: EventChannel, listener: (payload: unknown) => void): () => void;
}

function internalError(cause: unknown): Result<never> {
  const message = cause instanceof Error ? cause.message : String(cause);
  const error: ErrorDto = { code: 'internal', message: `IPC failed: ${message}` };
  return { ok: false, error };
}

/** Invokes and turns a rejected invoke (no handler, serialisation failure) into a Result too. */
async function call(ports: BridgePorts, channel: string, payload: unknown): Promise<Result<unknown>> {
  try {
    return (await ports.invoke(channel, payload)) as Result<unknown>;
  } catch (cause) {
    return internalError(cause);
  }
}

export function buildBridge(ports: BridgePorts): Bridge {
  const bridge: Record<string, unknown> = {};
  for (const channel of REQUEST_CHANNELS) {
    bridge[channel] = (request?: unknown) => call(ports, channel, request === undefined ? {} : request);
  }
  bridge.on = (channel: unknown, listener: unknown): (() => void) => {
    if (typeof channel !== 'string' || !(EVENT_CHANNELS as readonly string[]).includes(channel)) {
      throw new TypeError(`smtpLens.on: unknown event channel ${JSON.stringify(String(channel))}`);
    }
    if (typeof listener !== 'function') throw new TypeError('smtpLens.on: the listener must be a function');
    let unsubscribe: (() => void) | null = ports.subscribe(channel as EventChannel, (payload) => {
      (listener as (payload: unknown) => void)(payload);
    });
    return () => {
      unsubscribe?.();
      unsubscribe = null;
    };
  };
  bridge.saveFile = (file: ExportedFile) => call(ports, DIALOG_CHANNELS.saveFile, file);
  bridge.pickFiles = (options: { purpose: string }) => call(ports, DIALOG_CHANNELS.pickFiles, options);
  return Object.freeze(bridge) as unknown as Bridge;
}
