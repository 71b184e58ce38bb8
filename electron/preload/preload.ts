import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import { BRIDGE_KEY, buildBridge } from './build-bridge.js';

/**
 * The preload of the main window. It runs sandboxed, so it is bundled (vite.preload.config.ts) into one CommonJS
 * file whose only require is `electron`. It exposes the bridge built by build-bridge.ts and nothing else:
 * ipcRenderer itself never reaches the page, and event listeners never see the IpcRendererEvent (which would give
 * the page `event.sender`, i.e. ipcRenderer).
 */
const bridge = buildBridge({
  invoke: (channel, payload) => ipcRenderer.invoke(channel, payload),
  subscribe: (channel, listener) => {
    const wrapped = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, wrapped);
    return () => {
      ipcRenderer.removeListener(channel, wrapped);
    };
  },
});

contextBridge.exposeInMainWorld(BRIDGE_KEY, bridge);
