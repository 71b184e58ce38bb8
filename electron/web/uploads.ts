import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, unlink } from 'node:fs/promises';
import type http from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

/**
 * Files the page uploads for attachments (the web host's stand-in for Electron's file dialog): the browser streams a
 * chosen file's bytes in one POST, they go straight to a file under the data folder, and the session service may then
 * attach it by id. The page never reads or encodes a file itself. Bounded: one upload's size, and all uploads
 * together (the oldest are removed first); the folder is emptied when the host starts and removed when it stops.
 */

export interface Upload {
  id: string;
  path: string;
  size: number;
}

export interface UploadStoreOptions {
  dir: string;
  /** Largest upload (default 256 MiB). */
  maxBytes?: number;
  /** Most bytes kept for all uploads together (default 1 GiB): older uploads are forgotten past it. */
  maxTotalBytes?: number;
  /** Told when an upload is kept, and when it is forgotten. */
  onAdded(upload: Upload): void;
  onRemoved(id: string): void;
}

export class UploadTooLarge extends Error {}

export class UploadStore {
  private readonly kept: Upload[] = [];
  private readonly maxBytes: number;
  private readonly maxTotalBytes: number;

  private constructor(private readonly options: UploadStoreOptions) {
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.maxTotalBytes = Math.max(this.maxBytes, options.maxTotalBytes ?? 1024 * 1024 * 1024);
  }

  /** A store with an empty folder (what a previous run left is removed). */
  static async open(options: UploadStoreOptions): Promise<UploadStore> {
    await rm(options.dir, { recursive: true, force: true });
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    return new UploadStore(options);
  }

  get limit(): number {
    return this.maxBytes;
  }

  /** Stream a request's body to a new upload. Rejects (and keeps nothing) past the size limit or when it breaks. */
  async receive(req: http.IncomingMessage): Promise<Upload> {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.maxBytes) throw new UploadTooLarge(`larger than ${this.maxBytes} bytes`);
    const id = randomBytes(12).toString('base64url');
    const path = join(this.options.dir, id);
    let size = 0;
    const max = this.maxBytes;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > max) done(new UploadTooLarge(`larger than ${max} bytes`));
        else done(null, chunk);
      },
    });
    try {
      await pipeline(req, meter, createWriteStream(path, { mode: 0o600 }));
    } catch (error) {
      await unlink(path).catch(() => undefined);
      throw error;
    }
    const upload = { id, path, size };
    this.kept.push(upload);
    this.options.onAdded(upload);
    await this.trim();
    return upload;
  }

  /** Forget the oldest uploads while all of them together are over the limit (the newest is always kept). */
  private async trim(): Promise<void> {
    let total = this.kept.reduce((sum, u) => sum + u.size, 0);
    while (total > this.maxTotalBytes && this.kept.length > 1) {
      const oldest = this.kept.shift()!;
      total -= oldest.size;
      this.options.onRemoved(oldest.id);
      await unlink(oldest.path).catch(() => undefined);
    }
  }

  /** Remove every upload and the folder. */
  async close(): Promise<void> {
    for (const upload of this.kept.splice(0)) this.options.onRemoved(upload.id);
    await rm(this.options.dir, { recursive: true, force: true });
  }
}
