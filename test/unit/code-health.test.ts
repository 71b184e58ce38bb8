// The tree's own rules that a linter does not check: no file of the app over 450 lines without a reason on its first
// line.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/child-node.js';

const MAX_LINES = 450;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|tsx|css)$/.test(entry.name) ? [path] : [];
  });
}

describe('file size', () => {
  const files = [...sources(join(ROOT, 'electron')), ...sources(join(ROOT, 'renderer/src'))];

  it('finds the sources', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it(`no file in electron/ or renderer/ is over ${MAX_LINES} lines without a one-line reason at its top`, () => {
    const unexplained = files
      .map((file) => ({ file: relative(ROOT, file), text: readFileSync(file, 'utf8') }))
      .filter(({ text }) => text.split('\n').length > MAX_LINES && !/^(\/\/|\/\*) Over 450 lines: \S/.test(text))
      .map(({ file }) => file);
    expect(unexplained).toEqual([]);
  });
});
