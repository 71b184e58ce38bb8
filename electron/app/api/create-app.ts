import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppInfo, Result } from '../../../shared/ipc/contract.js';
import { ProfileStore } from '../services/profile-store.js';
import { SessionLogStore } from '../services/session-log-store.js';
import { TestServer } from '../services/test-server.js';
import type { ProfileStoreApi, SecretStore, SessionLogStoreApi, TestServerApi } from '../services/types.js';
import { dispatch } from './dispatch.js';
import type { Emit } from './event-batcher.js';
import { ExportJobs, type ChooseSavePath } from './export-to-file.js';
import { createHandlers, type HandlerServices, type Handlers } from './handlers.js';
import { SessionService } from './session-service.js';
import { OutsideReports } from './outside-reports.js';

export interface CreateAppOptions {
  /** Where profiles, session logs and the test server's files go. */
  dataDir: string;
  secrets: SecretStore;
  /** Pushes an event to the renderer(s). */
  emit: Emit;
  host: AppInfo['host'];
  /** The app's version (Electron passes app.getVersion()); read from package.json when absent. */
  version?: string;
  /** Electron: the native save dialog, for `sessions.exportToFile` (main then writes the file where it says). */
  chooseSavePath?: ChooseSavePath;
  /** The web host: the path of its HTTP download of an export, for `sessions.exportToFile`. */
  downloadPath?: HandlerServices['downloadPath'];
}

export interface AppServices {
  handlers: Handlers;
  sessions: SessionService;
  profiles: ProfileStoreApi;
  logs: SessionLogStoreApi;
  testServer: TestServerApi;
  secrets: SecretStore;
  /** Run one request (the same function Electron's IPC router calls); `caller`: who asked (see Handlers). */
  dispatch(channel: unknown, payload: unknown, caller?: unknown): Promise<Result<unknown>>;
  /** QUIT open sessions (bounded), stop the test server and exports being written, flush the logs, stop timers. Safe to call twice. */
  shutdown(timeoutMs?: number): Promise<void>;
}

/** The version in the nearest package.json above this module (works from source and from out/node). */
export function readPackageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
        if (typeof pkg.version === 'string') return pkg.version;
      } catch {
        // Not ours or unreadable: keep looking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return '0.0.0';
}

/**
 * Build the services behind the contract and wire them together: the stores under `dataDir`, the
 * test server, the session service, and the handlers of every channel. Written once for Electron's
 * main process and the loopback web host.
 */
export async function createAppServices(options: CreateAppOptions): Promise<AppServices> {
  const { dataDir, secrets, emit, host } = options;
  const version = options.version ?? readPackageVersion();
  const profiles = await ProfileStore.open(dataDir, secrets);
  for (const warning of profiles.warnings) console.warn(`smtp-lens: ${warning}`);
  const logs = await SessionLogStore.open(dataDir);
  const testServer = new TestServer({ dataDir: join(dataDir, 'test-server') });
  const sessions = new SessionService({ profiles, logs, emit });
  const unsubscribe = testServer.onChange((status) => {
    try {
      emit('test-server', status);
    } catch (error) {
      console.error('smtp-lens: could not emit the test-server status:', error);
    }
  });

  const appInfo = (): AppInfo => ({
    version,
    host,
    secretStorage: secrets.available ? { available: true } : { available: false, ...(secrets.reason ? { reason: secrets.reason } : {}) },
    dataDirectory: dataDir,
  });
  const exportJobs = new ExportJobs();
  const reports = new OutsideReports({ logs, testServer, tool: `SMTP Lens ${version}` });
  const handlers = createHandlers({
    reports,
    sessions,
    profiles,
    logs,
    testServer,
    secrets,
    appInfo,
    exportJobs,
    ...(options.chooseSavePath ? { chooseSavePath: options.chooseSavePath } : {}),
    ...(options.downloadPath ? { downloadPath: options.downloadPath } : {}),
  });

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (timeoutMs = 3000): Promise<void> => {
    shuttingDown ??= (async () => {
      await Promise.allSettled([
        sessions.closeAll(timeoutMs),
        testServer.stop().catch((error: unknown) => console.error('smtp-lens: could not stop the test server:', error)),
        exportJobs.stop(),
      ]);
      unsubscribe();
      sessions.dispose();
      await logs.flushAll().catch((error: unknown) => console.error('smtp-lens: could not flush the session logs:', error));
    })();
    return shuttingDown;
  };

  return {
    handlers,
    sessions,
    profiles,
    logs,
    testServer,
    secrets,
    dispatch: (channel, payload, caller) => dispatch(handlers, channel, payload, caller),
    shutdown,
  };
}
