import { readFileSync } from 'node:fs';
import type { SessionRecord } from '../../shared/session-record.js';
import { formatDiff } from '../../shared/session-diff.js';
import { UsageError } from './usage-error.js';

/** `smtp-lens diff A.json B.json [--json]`: two saved records compared; exit 0 when they agree, 1 when not (as diff(1)). */

function readRecord(path: string): SessionRecord {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`diff: ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const r = value as Partial<SessionRecord>;
  if (typeof r !== 'object' || r === null || r.version !== 1 || typeof r.target !== 'object' || !Array.isArray(r.capabilities)) {
    throw new UsageError(`diff: ${path} is not a session record (smtp-lens … --json, or --export FILE.json)`);
  }
  return r as SessionRecord;
}

export function parseDiff(argv: string[]): { a: SessionRecord; b: SessionRecord; json: boolean } {
  const json = argv.includes('--json');
  const files = argv.filter((a) => a !== '--json');
  const unknown = files.find((f) => f.startsWith('--'));
  if (unknown) throw new UsageError(`diff: unknown option ${unknown}`);
  if (files.length !== 2) throw new UsageError('diff takes two session records: smtp-lens diff A.json B.json');
  return { a: readRecord(files[0]!), b: readRecord(files[1]!), json };
}

export { formatDiff };
