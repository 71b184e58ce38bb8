import type { ExportToFileResult } from '../../../shared/ipc/contract.js';
import type { ExportFormat } from '../../../shared/ipc/schemas.js';
import { AppError } from '../services/app-error.js';
import { writeStreamAtomic } from '../services/atomic-file.js';
import { describeExport, exportChunks } from '../services/session-export.js';
import type { SessionLogStoreApi } from '../services/types.js';

/**
 * `sessions.exportToFile` where main itself asks where to save (Electron's native save dialog, injected so that this
 * runs and is tested under plain Node): the log is streamed through the exporter into a temporary file next to the
 * chosen one, which is renamed over it once complete. The file never passes through the renderer, and a failure
 * (or quitting) leaves nothing at the chosen path.
 */

/** Asks the user where to save a file offered under `defaultName`; undefined when they cancel. */
export type ChooseSavePath = (defaultName: string) => Promise<string | undefined>;

export interface ExportToFileOptions {
  logs: Pick<SessionLogStoreApi, 'stream'>;
  id: string;
  format: ExportFormat;
  chooseSavePath: ChooseSavePath;
  /** Stops the export (its temporary file removed); its reason is the error thrown. */
  signal?: AbortSignal;
}

/** Permission bits of an exported file before the umask, as any file the user saves (it is theirs to share). */
const EXPORT_MODE = 0o666;

export async function exportToFile(options: ExportToFileOptions): Promise<ExportToFileResult> {
  const { logs, id, format, chooseSavePath, signal } = options;
  // A log that is gone fails here, before a dialog is shown for it.
  const source = await logs.stream(id);
  const path = await chooseSavePath(describeExport(source.head, format).filename);
  if (path === undefined) return { cancelled: true };
  await writeStreamAtomic(path, exportChunks(source, format, signal ? { signal } : {}), { mode: EXPORT_MODE });
  return { saved: path };
}

/** Exports under way, so that quitting stops them (their temporary files removed) rather than leaving them half-written. */
export class ExportJobs {
  private readonly controller = new AbortController();
  private readonly running = new Set<Promise<unknown>>();

  /** Run `job` with the signal that `stop` fires. */
  run<T>(job: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.controller.signal.aborted) return Promise.reject(this.controller.signal.reason);
    const promise = job(this.controller.signal);
    this.running.add(promise);
    const done = () => this.running.delete(promise);
    promise.then(done, done);
    return promise;
  }

  /** Stop every export and wait until each has cleaned up. */
  async stop(): Promise<void> {
    this.controller.abort(new AppError('storage-failed', 'the export was stopped: the app is quitting'));
    await Promise.allSettled([...this.running]);
  }
}
