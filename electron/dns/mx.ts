import type { MxAnswer, StringAnswer } from 'dns-packet';
import { DnsError, type Resolver } from './resolver.js';
import type { MailRoute } from '../../shared/domain-report.js';

export type { MailRoute } from '../../shared/domain-report.js';

export interface HostAddresses {
  host: string;
  /** IPv4 then IPv6, each as the resolver gave them. */
  addresses: { address: string; family: 4 | 6 }[];
  /** A lookup that failed (SERVFAIL, timeout), per type; the other may still have answered. */
  errors: string[];
  authenticated: boolean;
}

const trimDot = (name: string): string => name.replace(/\.$/, '').toLowerCase();

/** A's and AAAA's of one host (both asked; one failing does not hide the other). */
export async function addressesOf(resolver: Resolver, host: string): Promise<HostAddresses> {
  const out: HostAddresses = { host, addresses: [], errors: [], authenticated: true };
  for (const [type, family] of [
    ['A', 4],
    ['AAAA', 6],
  ] as const) {
    try {
      const r = await resolver.query(host, type);
      out.authenticated &&= r.authenticated;
      for (const a of r.answers) if (a.type === type) out.addresses.push({ address: (a as StringAnswer).data, family });
    } catch (error) {
      out.authenticated = false;
      out.errors.push(`${type}: ${(error as Error).message}`);
    }
  }
  return out;
}

export async function mailRoute(resolver: Resolver, domain: string): Promise<MailRoute> {
  const name = trimDot(domain);
  const r = await resolver.query(name, 'MX');
  if (r.rcode === 'NXDOMAIN') return { kind: 'none', reason: `${name} does not exist (NXDOMAIN)`, authenticated: r.authenticated };
  const mx = r.answers.filter((a): a is MxAnswer => a.type === 'MX');
  if (mx.length > 0) {
    // RFC 7505 §3: a null MX is the only MX, preference 0, exchange the root.
    if (mx.some((m) => trimDot(m.data.exchange) === '')) {
      if (mx.length === 1 && mx[0]!.data.preference === 0) return { kind: 'null-mx', authenticated: r.authenticated };
      throw new DnsError('malformed', `${name} mixes a null MX with other MX records (RFC 7505 §3 forbids it)`);
    }
    // Lowest preference first; equal ones by name (a sender picks among them at random: here the order is stable).
    const hosts = mx
      .map((m) => ({ preference: m.data.preference ?? 0, exchange: trimDot(m.data.exchange) }))
      .sort((a, b) => a.preference - b.preference || a.exchange.localeCompare(b.exchange));
    return { kind: 'mx', hosts, authenticated: r.authenticated };
  }
  // No MX: the domain itself, if it has an address (RFC 5321 §5.1).
  const own = await addressesOf(resolver, name);
  if (own.addresses.length > 0)
    return { kind: 'implicit', hosts: [{ preference: 0, exchange: name }], authenticated: r.authenticated && own.authenticated };
  return { kind: 'none', reason: `${name} has no MX and no address`, authenticated: r.authenticated };
}
