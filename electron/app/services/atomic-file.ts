import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AppError } from './app-error.js';

/**
 * Small, careful file helpers for the app's own data files (profiles, settings) and the exports it writes: a write
 * either replaces the whole file or leaves the old one untouched, and a file that cannot be read back is
 * kept aside for the user instead of being overwritten.
 *
 * `fs` is used through the `node:fs/promises` default export on purpose: tests can then make one call
 * fail (e.g. `vi.spyOn(fs, 'rename')`) to simulate a crash between the write and the rename.
 */

export interface WriteFileAtomicOptions {
  /** Permission bits of a newly created file (default 0o600: these files are the user's own). */
  mode?: number;
}

/**
 * Write `data` to `path` atomically: into a uniquely named temporary file in the same folder, flushed
 * to disk, then renamed over the target; the folder is then flushed too where the platform allows.
 * On failure the temporary file is removed, the old file (if any) is left as it was, and an
 * AppError('storage-failed') is thrown.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteFileAtomicOptions = {}): Promise<void> {
  await writeStreamAtomic(path, [data], options);
}

/**
 * Write the pieces of `chunks` to `path` atomically, as `writeFileAtomic` writes one: each piece is written (strings
 * as UTF-8) before the next is asked for, so a producer that makes its pieces on demand never gets ahead of the disk.
 * A failure to write (no space, no permission, the rename refused) is an AppError('storage-failed'); a failure of
 * `chunks` itself is thrown as it is. Either way the temporary file is removed and the target left as it was.
 */
export async function writeStreamAtomic(
  path: string,
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const folder = dirname(path);
  const temp = join(folder, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const io = async <T>(step: () => Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (error) {
      throw new AppError('storage-failed', `could not write ${path}: ${describeError(error)}`, { cause: error });
    }
  };
  let handle: fs.FileHandle | undefined;
  let created = false;
  try {
    // 'wx': never reuse (or follow a link planted at) an existing name.
    handle = await io(() => fs.open(temp, 'wx', options.mode ?? 0o600));
    created = true;
    const file = handle;
    for await (const chunk of chunks) {
      const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      await io(async () => {
        for (let offset = 0; offset < data.length;) offset += (await file.write(data, offset, data.length - offset)).bytesWritten;
      });
    }
    await io(() => file.sync());
    handle = undefined;
    await io(() => file.close());
    await io(() => fs.rename(temp, path));
  } catch (error) {
    if (handle) await handle.close().catch(() => undefined);
    if (created) await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncFolder(folder);
}

/** Flush a folder's entries (the rename) to disk. Not possible on Windows, nor on some file systems. */
async function syncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(folder, 'r');
    await handle.sync();
  } catch {
    // The data itself is already flushed and renamed; a folder that cannot be synced is not an error.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

export type ReadJsonResult<T> =
  | { value: T }
  | { missing: true }
  | {
      corrupt: true;
      /** Where the unreadable file now is (its bytes unchanged). */
      movedTo: string;
      /** Why it was unreadable. */
      reason: string;
    };

/**
 * Read and validate a JSON file. `validate` returns the typed value or throws (a zod schema's `parse`
 * fits). A file that is not JSON or fails validation is moved aside to `<name>.corrupt-<ISO time
 * without colons>` (never overwriting an earlier one, never deleted) and reported as corrupt; the
 * caller can then start afresh without losing the user's data. A missing file is reported as missing;
 * a file that cannot be read at all (permissions, a folder in its place) throws AppError('storage-failed').
 */
export async function readJsonFile<T>(path: string, validate: (value: unknown) => T): Promise<ReadJsonResult<T>> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { missing: true };
    throw new AppError('storage-failed', `could not read ${path}: ${describeError(error)}`, { cause: error });
  }
  let reason: string;
  try {
    // A byte-order mark (a hand edit in some editors) is not a reason to discard the file.
    const parsed: unknown = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
    try {
      return { value: validate(parsed) };
    } catch (error) {
      reason = `invalid content: ${describeValidation(error)}`;
    }
  } catch (error) {
    reason = `not valid JSON: ${describeError(error)}`;
  }
  const movedTo = await moveAside(path);
  return { corrupt: true, movedTo, reason };
}

/** Move `path` to a free `<path>.corrupt-<time>[-n]` name; returns the new path. */
export async function moveAside(path: string, now: Date = new Date()): Promise<string> {
  const stamp = now.toISOString().replace(/:/g, '');
  for (let attempt = 0; attempt < 1000; attempt++) {
    const target = `${path}.corrupt-${stamp}${attempt === 0 ? '' : `-${attempt}`}`;
    try {
      // A hard link fails if the target exists, so an earlier copy is never replaced.
      await fs.link(path, target);
      await fs.unlink(path);
      return target;
    } catch (error) {
      const code = errorCode(error);
      if (code === 'EEXIST') continue;
      if (code === 'ENOENT' && !(await exists(path))) {
        throw new AppError('storage-failed', `could not move ${path} aside: it disappeared`, { cause: error });
      }
      // No hard links on this file system: check the name is free, then rename.
      if (await exists(target)) continue;
      try {
        await fs.rename(path, target);
        return target;
      } catch (renameError) {
        throw new AppError('storage-failed', `could not move ${path} aside: ${describeError(renameError)}`, { cause: renameError });
      }
    }
  }
  throw new AppError('storage-failed', `could not move ${path} aside: too many earlier copies`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch {
    return false;
  }
}

export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
    ? (error as { code: string }).code
    : undefined;
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A short reason from a validation error: zod's issues as "path: message", else the message. */
function describeValidation(error: unknown): string {
  const issues = (error as { issues?: unknown }).issues;
  if (Array.isArray(issues) && issues.length > 0) {
    const shown = issues.slice(0, 3).map((issue: { path?: unknown[]; message?: unknown }) => {
      const path = Array.isArray(issue.path) && issue.path.length > 0 ? issue.path.join('.') : '(root)';
      return `${path}: ${String(issue.message)}`;
    });
    const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
    return shown.join('; ') + more;
  }
  return describeError(error);
}
