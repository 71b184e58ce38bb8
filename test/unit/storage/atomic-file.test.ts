import fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../electron/app/services/app-error.js';
import { moveAside, readJsonFile, writeFileAtomic } from '../../../electron/app/services/atomic-file.js';
import { ensureBuilt, IS_ROOT, runAsNobody } from '../../helpers/child-node.js';

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'smtp-lens-atomic-'));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await fs.chmod(dir, 0o700).catch(() => undefined);
  await fs.rm(dir, { recursive: true, force: true });
});

const parseObject = (value: unknown): { n: number } => {
  if (typeof value !== 'object' || value === null || typeof (value as { n?: unknown }).n !== 'number') {
    throw new Error('n must be a number');
  }
  return value as { n: number };
};

describe('writeFileAtomic', () => {
  it('creates and replaces a file, leaving no temporary files', async () => {
    const path = join(dir, 'data.json');
    await writeFileAtomic(path, '{"n":1}');
    await writeFileAtomic(path, Buffer.from('{"n":2}'));
    expect(await fs.readFile(path, 'utf8')).toBe('{"n":2}');
    expect(await fs.readdir(dir)).toEqual(['data.json']);
  });

  it.skipIf(process.platform === 'win32')('creates new files readable by the owner only', async () => {
    const path = join(dir, 'private.json');
    await writeFileAtomic(path, '{}');
    expect((await fs.stat(path)).mode & 0o777).toBe(0o600);
  });

  it('keeps the old content and removes the temporary file when the rename fails (a crash before it)', async () => {
    const path = join(dir, 'data.json');
    await writeFileAtomic(path, 'old content');
    vi.spyOn(fs, 'rename').mockRejectedValueOnce(Object.assign(new Error('simulated crash'), { code: 'EIO' }));
    const error = await writeFileAtomic(path, 'new content').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('storage-failed');
    expect((error as AppError).message).toContain('simulated crash');
    expect(await fs.readFile(path, 'utf8')).toBe('old content');
    expect(await fs.readdir(dir)).toEqual(['data.json']);
  });

  it('fails with storage-failed and no leftovers when the target cannot be replaced', async () => {
    // Renaming a file over a non-empty folder fails on every platform.
    const path = join(dir, 'occupied');
    await fs.mkdir(path);
    await fs.writeFile(join(path, 'inside'), 'x');
    await expect(writeFileAtomic(path, 'data')).rejects.toMatchObject({ code: 'storage-failed' });
    expect(await fs.readdir(dir)).toEqual(['occupied']);
  });

  // Root ignores a folder's permissions: as root the write is made by a child running as nobody, for whom the folder
  // (root's, 0755) is read-only; otherwise in this process, with the folder made read-only.
  it.skipIf(process.platform === 'win32')(
    'fails with storage-failed in a read-only folder, leaving the old file intact',
    async () => {
      const path = join(dir, 'data.json');
      await writeFileAtomic(path, 'old content');
      if (IS_ROOT) {
        ensureBuilt(['electron/app/services/atomic-file.ts']);
        await fs.chmod(dir, 0o755);
        await fs.chmod(path, 0o644);
        const result = await runAsNobody(`
        const { writeFileAtomic } = await import(process.env.ROOT + '/out/node/electron/app/services/atomic-file.js');
        try { await writeFileAtomic(${JSON.stringify(path)}, 'new content'); console.log(JSON.stringify({ written: true })); }
        catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message })); }
      `);
        expect(result).toMatchObject({ code: 'storage-failed', message: expect.stringContaining(path) });
      } else {
        await fs.chmod(dir, 0o500);
        await expect(writeFileAtomic(path, 'new content')).rejects.toMatchObject({ code: 'storage-failed' });
        await fs.chmod(dir, 0o700);
      }
      expect(await fs.readFile(path, 'utf8')).toBe('old content');
      expect(await fs.readdir(dir)).toEqual(['data.json']);
    },
    120_000,
  );
});

describe('readJsonFile', () => {
  it('reads and validates', async () => {
    const path = join(dir, 'ok.json');
    await fs.writeFile(path, '\uFEFF{"n":3}');
    expect(await readJsonFile(path, parseObject)).toEqual({ value: { n: 3 } });
  });

  it('reports a missing file', async () => {
    expect(await readJsonFile(join(dir, 'nope.json'), parseObject)).toEqual({ missing: true });
  });

  it('moves a file that is not JSON aside, byte for byte', async () => {
    const path = join(dir, 'bad.json');
    const bytes = Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0xff, 0xfe, 0x00, 0x0a]);
    await fs.writeFile(path, bytes);
    const result = await readJsonFile(path, parseObject);
    expect(result).toMatchObject({ corrupt: true });
    if (!('corrupt' in result)) throw new Error('expected corrupt');
    expect(result.reason).toMatch(/not valid JSON/);
    expect(result.movedTo).toMatch(/bad\.json\.corrupt-\d{4}-\d\d-\d\dT\d{6}\.\d{3}Z$/);
    expect(Buffer.compare(await fs.readFile(result.movedTo), bytes)).toBe(0);
    await expect(fs.access(path)).rejects.toThrow();
  });

  it('moves a file that fails validation aside and says why', async () => {
    const path = join(dir, 'invalid.json');
    await fs.writeFile(path, '{"n":"three"}');
    const result = await readJsonFile(path, parseObject);
    if (!('corrupt' in result)) throw new Error('expected corrupt');
    expect(result.reason).toContain('n must be a number');
    expect(await fs.readFile(result.movedTo, 'utf8')).toBe('{"n":"three"}');
  });

  it('never overwrites an earlier copy kept aside', async () => {
    const path = join(dir, 'p.json');
    const now = new Date('2024-05-01T12:00:00.000Z');
    await fs.writeFile(path, 'first');
    const first = await moveAside(path, now);
    await fs.writeFile(path, 'second');
    const second = await moveAside(path, now);
    expect(first).not.toBe(second);
    expect(first).toBe(`${path}.corrupt-2024-05-01T120000.000Z`);
    expect(await fs.readFile(first, 'utf8')).toBe('first');
    expect(await fs.readFile(second, 'utf8')).toBe('second');
  });

  it('throws storage-failed (and moves nothing) when the file cannot be read', async () => {
    const path = join(dir, 'folder.json');
    await fs.mkdir(path);
    await expect(readJsonFile(path, parseObject)).rejects.toMatchObject({ code: 'storage-failed' });
    expect((await fs.stat(path)).isDirectory()).toBe(true);
  });
});
