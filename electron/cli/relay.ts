import { inertText } from '../../shared/inert-text.js';
import type { RelayOutcome } from '../smtp/relay-test.js';
import { takeOwnOptions } from './arg-values.js';
import { UsageError } from './usage-error.js';

/** `smtp-lens relay-test`'s own options, taken out of argv (the rest are probe's connection and AUTH options). */
export function splitRelayArgs(argv: string[]): { from: string; to: string; localDomain?: string; json: boolean; rest: string[] } {
  const own = takeOwnOptions(argv, 'relay-test', ['--from', '--to', '--local-domain'], ['--json']);
  const values = new Map([...own.values].map(([k, v]) => [k, v.at(-1)!]));
  const json = own.flags.has('--json');
  const rest = own.rest;
  const to = values.get('--to') ?? 'nobody@relay-test.invalid';
  if (!/^[^@\s<>]+@[^@\s<>]+$/.test(to)) throw new UsageError(`relay-test: --to must be user@external-domain (got "${to}")`);
  const from = values.get('--from') ?? 'smtp-lens@relay-test.invalid';
  if (/[\s<>]/.test(from)) throw new UsageError(`relay-test: --from must be an address (got "${from}")`);
  const localDomain = values.get('--local-domain');
  if (localDomain !== undefined && !/^[A-Za-z0-9.-]+$/.test(localDomain))
    throw new UsageError('relay-test: --local-domain must be a domain name');
  return { from, to, ...(localDomain !== undefined ? { localDomain } : {}), json, rest };
}

const reply = (r?: { code: number; text: string }): string => (r ? inertText(`${r.code} ${r.text}`) : '—');

export function formatRelay(outcomes: RelayOutcome[], localDomain: string): string {
  const lines = [`Relay test (never DATA: nothing is relayed); the server's own domain taken as ${inertText(localDomain)}`];
  for (const o of outcomes) {
    const word = {
      accepted: 'ACCEPTED',
      refused: 'refused',
      deferred: 'deferred',
      'sender-refused': 'sender refused',
      'not-tried': 'not tried',
    }[o.verdict];
    lines.push(`  ${word.padEnd(15)} ${o.trick.title}: MAIL FROM:<${inertText(o.trick.mailFrom)}> RCPT TO:<${inertText(o.trick.rcptTo)}>`);
    lines.push(`  ${''.padEnd(15)} MAIL ${reply(o.mail)}   RCPT ${reply(o.rcpt)}${o.reason ? `   (${inertText(o.reason)})` : ''}`);
  }
  const accepted = outcomes.filter((o) => o.verdict === 'accepted');
  const undecided = outcomes.filter((o) => o.verdict !== 'accepted' && o.verdict !== 'refused');
  if (accepted.length)
    lines.push(`Result:    ${accepted.length} trick(s) accepted: ${accepted.map((o) => o.trick.id).join(', ')} — the server may relay`);
  else if (undecided.length)
    lines.push(`Result:    none accepted, but ${undecided.length} could not be judged: ${undecided.map((o) => o.trick.id).join(', ')}`);
  else lines.push('Result:    every trick refused');
  return lines.join('\n') + '\n';
}
