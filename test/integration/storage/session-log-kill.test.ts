import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SessionLogStore } from '../../../electron/app/services/session-log-store.js';
import { ensureBuilt, ROOT } from '../../helpers/child-node.js';

/**
 * A session log written by a process that is then killed with SIGKILL: everything flushed before the
 * kill is there when the log is opened again, and the log reads as 'interrupted' — never as the 'ok' of its last
 * snapshot — in the listing, the record and every export.
 */

const CHILD = join(ROOT, 'test/fixtures/session-log-child.mjs');

/** The child runs the built module. */
beforeAll(() => ensureBuilt(['electron/app/services/session-log-store.ts']), 120_000);

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'smtp-lens-kill-'));
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

interface ChildRun {
  id: string;
  flushed: number;
}

/** Start the child, wait for "flushed", kill it with SIGKILL, wait for it to be gone. */
async function runAndKill(batches: number, perBatch: number): Promise<ChildRun> {
  const child = spawn(process.execPath, [CHILD, dir, String(batches), String(perBatch)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal })),
  );
  const info = await new Promise<ChildRun>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`the child never flushed: ${stderr}`)), 15_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('\nflushed\n')) {
        clearTimeout(timer);
        done(JSON.parse(stdout.split('\n')[0]!) as ChildRun);
      }
    });
    void exited.then(({ code }) => fail(new Error(`the child exited (${code}) before flushing: ${stderr}`)));
  });
  expect(child.kill('SIGKILL')).toBe(true);
  const { signal } = await exited;
  expect(signal).toBe('SIGKILL');
  return info;
}

describe('a session log survives its writer being killed', () => {
  it('keeps every flushed event and reads as interrupted', async () => {
    const { id, flushed } = await runAndKill(10, 50);
    const store = new SessionLogStore(dir);
    const opened = await store.read(id);
    expect(opened.status).toBe('interrupted');
    // The last snapshot said ok; the session never ended, so its result says interrupted.
    expect(opened.record.result).toMatchObject({ ok: false, interrupted: true, error: { code: 'interrupted' } });
    const paged = await store.openPaged(id);
    expect(paged.status).toBe('interrupted');
    expect(paged.record.result.ok).toBe(false);
    const streamed = await store.stream(id);
    expect(streamed.head.result).toMatchObject({ ok: false, interrupted: true });
    expect(opened.record.greeting).toEqual({ code: 220, text: 'child ready' });
    const texts = opened.record.events.map((e) => e.text);
    expect(texts.length).toBeGreaterThanOrEqual(flushed);
    expect(texts.slice(0, flushed)).toEqual(Array.from({ length: flushed }, (_, i) => `event ${i}`));

    const [summary] = await store.list();
    expect(summary).toMatchObject({ id, status: 'interrupted', operation: 'session', target: '127.0.0.1:2525' });
    expect(summary!.events).toBeGreaterThanOrEqual(flushed);
  });

  it('tolerates a last line cut off by the kill', async () => {
    const { id, flushed } = await runAndKill(3, 10);
    const path = join(dir, 'sessions', `${id}.jsonl`);
    // What a kill in the middle of a write leaves: part of a line, no newline.
    await fs.appendFile(path, '{"type":"events","events":[{"t":1,"wall":1,"dir":"send","tls":false,"te');
    const store = new SessionLogStore(dir);
    const opened = await store.read(id);
    expect(opened.status).toBe('interrupted');
    expect(opened.damagedLines).toBe(1);
    expect(opened.record.events.slice(0, flushed).map((e) => e.text)).toEqual(Array.from({ length: flushed }, (_, i) => `event ${i}`));
    expect((await store.list())[0]).toMatchObject({ id, status: 'interrupted' });
  });
});
