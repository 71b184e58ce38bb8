import { inertText } from './inert-text.js';

/** SPF, DKIM, DMARC and ARC verdicts for a received message (electron/dns/sender-auth.ts), each with its reason. */

export type AuthVerdict = 'pass' | 'fail' | 'neutral' | 'none' | 'temperror' | 'temperr' | 'permerror' | 'policy' | 'softfail' | 'skipped';

export interface SenderAuthentication {
  /** The resolver every DNS question went to. */
  resolver: string;
  spf: { result: AuthVerdict; domain?: string; reason: string };
  /** One per DKIM-Signature (none: the message is unsigned). */
  dkim: { result: AuthVerdict; domain: string; selector?: string; aligned?: boolean; reason: string }[];
  dmarc: { result: AuthVerdict; domain?: string; policy?: string; reason: string };
  arc?: { result: AuthVerdict; instance: number; reason: string };
  /** The Received-SPF and Authentication-Results header fields a receiving MTA would add. */
  headers: string;
}

/** Lines for a terminal or a text export. */
export function formatSenderAuthentication(a: SenderAuthentication): string[] {
  const lines = [`sender authentication (DNS from ${a.resolver}):`];
  lines.push(`  SPF    ${a.spf.result}${a.spf.domain ? ` for ${inertText(a.spf.domain)}` : ''}: ${inertText(a.spf.reason)}`);
  if (a.dkim.length === 0) lines.push('  DKIM   none: the message carries no DKIM-Signature');
  for (const d of a.dkim) {
    lines.push(
      `  DKIM   ${d.result} d=${inertText(d.domain)}${d.selector ? ` s=${inertText(d.selector)}` : ''}${d.aligned ? ' (aligned)' : ''}: ${inertText(d.reason)}`,
    );
  }
  lines.push(
    `  DMARC  ${a.dmarc.result}${a.dmarc.domain ? ` for ${inertText(a.dmarc.domain)}` : ''}${a.dmarc.policy ? ` (policy ${inertText(a.dmarc.policy)})` : ''}: ${inertText(a.dmarc.reason)}`,
  );
  if (a.arc) lines.push(`  ARC    ${a.arc.result} (i=${a.arc.instance}): ${inertText(a.arc.reason)}`);
  return lines;
}
