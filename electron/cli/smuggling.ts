import { inertText } from '../../shared/inert-text.js';
import { SMUGGLING_VARIANTS, type SmugglingOutcome } from '../smtp/smuggling-test.js';
import { takeOwnOptions } from './arg-values.js';
import { UsageError } from './usage-error.js';

export interface SmugglingArgs {
  from: string;
  to: string;
  variants?: string[];
  json: boolean;
  rest: string[];
}

const ADDRESS = /^[^@\s<>]+@[^@\s<>]+$/;

/** `smtp-lens smuggling-test`'s own options, taken out of argv (the rest are probe's connection and AUTH options). */
export function splitSmugglingArgs(argv: string[]): SmugglingArgs {
  const own = takeOwnOptions(argv, 'smuggling-test', ['--from', '--to', '--variant'], ['--i-own-this-server', '--json']);
  const values = new Map([...own.values].map(([k, v]) => [k, v.at(-1)!]));
  const variants = (own.values.get('--variant') ?? []).flatMap((v) => v.split(','));
  const owned = own.flags.has('--i-own-this-server');
  const json = own.flags.has('--json');
  const rest = own.rest;
  if (!owned) {
    throw new UsageError(
      'smuggling-test sends messages with non-standard line endings and, to a vulnerable server, a smuggled second ' +
        'message: run it only against a server you run, and say so with --i-own-this-server',
    );
  }
  const from = values.get('--from');
  const to = values.get('--to');
  if (from === undefined || to === undefined) throw new UsageError('smuggling-test: --from and --to are needed (your own addresses)');
  for (const [name, value] of [
    ['--from', from],
    ['--to', to],
  ] as const) {
    if (!ADDRESS.test(value)) throw new UsageError(`smuggling-test: ${name} must be user@domain (got "${inertText(value)}")`);
  }
  const known = new Set(SMUGGLING_VARIANTS.map((v) => v.id));
  const unknown = variants.filter((v) => !known.has(v));
  if (unknown.length) {
    throw new UsageError(`smuggling-test: unknown --variant ${unknown.join(', ')} (one of ${[...known].join(', ')})`);
  }
  return { from, to, ...(variants.length ? { variants } : {}), json, rest };
}

const reply = (r?: { code: number; text: string }): string => (r ? inertText(`${r.code} ${r.text}`) : '—');

export function formatSmuggling(outcomes: SmugglingOutcome[]): string {
  const words: Record<SmugglingOutcome['verdict'], string> = {
    smuggled: 'SMUGGLED',
    'not-smuggled': 'not smuggled',
    refused: 'refused',
    'not-tried': 'not tried',
    unknown: 'unknown',
  };
  const lines = ['SMTP smuggling self-test (CVE-2023-51764/51765/51766): one message per end-of-data variant'];
  for (const o of outcomes) {
    lines.push(`  ${words[o.verdict].padEnd(13)} ${o.variant.label.padEnd(14)} end of data: ${reply(o.end)}`);
    if (o.smuggled.length) lines.push(`  ${''.padEnd(13)} answered inside the message: ${o.smuggled.map((r) => reply(r)).join(' | ')}`);
    if (o.reason) lines.push(`  ${''.padEnd(13)} (${inertText(o.reason)})`);
  }
  const smuggled = outcomes.filter((o) => o.verdict === 'smuggled');
  const undecided = outcomes.filter((o) => o.verdict === 'unknown' || o.verdict === 'not-tried');
  if (smuggled.length)
    lines.push(
      `Result:  the server ended the data at ${smuggled.map((o) => o.variant.label).join(', ')}: it can be used for SMTP smuggling`,
    );
  else if (undecided.length) lines.push(`Result:  none smuggled, but ${undecided.length} could not be judged`);
  else lines.push('Result:  no variant ended the data (each was taken as message text or refused)');
  return lines.join('\n') + '\n';
}
