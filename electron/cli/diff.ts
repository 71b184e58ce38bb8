import { readFileSync } from 'node:fs';
import { inertText } from '../../shared/inert-text.js';
import type { SessionRecord } from '../../shared/session-record.js';
import type { Change, SessionDiff } from '../../shared/session-diff.js';
import { TIMING_LABELS } from '../../shared/timings.js';
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

const show = (v: unknown): string => (v === undefined || v === null ? '—' : inertText(String(v)));
const arrow = (c: Change<unknown>): string => `${show(c.a)} → ${show(c.b)}`;

export function formatDiff(d: SessionDiff): string {
  const lines = [`A: ${inertText(d.targets.a ?? '')}   ${d.result.a}`, `B: ${inertText(d.targets.b ?? '')}   ${d.result.b}`];
  if (d.greeting) lines.push(`Greeting:      ${arrow(d.greeting)}`);
  const caps = d.capabilities.rows.filter((r) => r.change !== 'same');
  if (caps.length) {
    const cap = (c?: { name: string; params: string[] }): string => (c ? [c.name, ...c.params].join(' ') : '');
    lines.push(
      `Capabilities:  ${caps
        .map((r) =>
          r.change === 'added'
            ? `+ ${cap(r.after)}`
            : r.change === 'removed'
              ? `- ${cap(r.before)}`
              : `~ ${cap(r.before)} → ${cap(r.after)}`,
        )
        .map(inertText)
        .join('   ')}`,
    );
  }
  const m = d.authMechanisms;
  if (m.added.length || m.removed.length)
    lines.push(`AUTH:          ${[...m.added.map((x) => `+ ${x}`), ...m.removed.map((x) => `- ${x}`)].map(inertText).join('   ')}`);
  const t = d.tls;
  const tlsParts: string[] = [];
  if (t.protocol) tlsParts.push(`protocol ${arrow(t.protocol)}`);
  if (t.cipher) tlsParts.push(`cipher ${arrow(t.cipher)}`);
  if (t.authorized) tlsParts.push(`verified ${arrow(t.authorized)}`);
  if (tlsParts.length) lines.push(`TLS:           ${tlsParts.join('; ')}`);
  const c = t.certificate;
  if (c) {
    if (c.fingerprint256) lines.push(`Certificate:   SHA-256 ${arrow(c.fingerprint256)}`);
    if (c.subject) lines.push(`               subject ${arrow(c.subject)}`);
    if (c.issuer) lines.push(`               issuer ${arrow(c.issuer)}`);
    if (c.validTo) lines.push(`               expires ${arrow(c.validTo)}`);
    if (c.namesAdded.length || c.namesRemoved.length) {
      lines.push(
        `               names ${[...c.namesAdded.map((n) => `+ ${n}`), ...c.namesRemoved.map((n) => `- ${n}`)].map(inertText).join('   ')}`,
      );
    }
  }
  const f = d.findings;
  if (f.appeared.length || f.gone.length)
    lines.push(`Findings:      ${[...f.appeared.map((x) => `+ ${x}`), ...f.gone.map((x) => `- ${x}`)].join('   ')}`);
  if (!d.differs) lines.push('No difference but the timings.');
  if (d.timings.length) {
    lines.push('Timings (ms):  stage                       A          B          B − A');
    for (const row of d.timings) {
      const cell = (v: number | undefined): string => (v === undefined ? '—' : v.toFixed(1)).padStart(9);
      const delta = row.delta === undefined ? '' : `${row.delta >= 0 ? '+' : ''}${row.delta.toFixed(1)}`.padStart(11);
      lines.push(`               ${TIMING_LABELS[row.stage].padEnd(22)} ${cell(row.a)}  ${cell(row.b)}  ${delta}`);
    }
  }
  return lines.join('\n') + '\n';
}
