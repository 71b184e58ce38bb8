import type { Capability } from '../../../shared/session-record.js';
import type { Reply } from './reply.js';

// Old Outlook/Exchange servers advertise "AUTH=LOGIN" (a pre-RFC 2554 draft form) next to, or instead of, "AUTH LOGIN".
const LEGACY_AUTH = /^AUTH=/i;

/**
 * The ESMTP extensions a server advertised in its EHLO/LHLO reply, like smtplib's `esmtp_features`.
 * Names are kept upper case and compared ignoring case; order is the server's.
 */
export class Capabilities {
  // Map preserves insertion order, which is the order the server advertised.
  private readonly table = new Map<string, string[]>();

  private constructor() {}

  /** Parse an EHLO/LHLO reply: the first line is the server's name and greeting, every following line one extension. */
  static fromEhlo(reply: Reply): Capabilities {
    const caps = new Capabilities();
    for (let i = 1; i < reply.lines.length; i++) {
      const words = reply.lines[i]!.text.split(' ').filter((word) => word !== '');
      const keyword = words[0];
      if (keyword === undefined) continue; // "250-" with no text advertises nothing
      if (LEGACY_AUTH.test(keyword)) {
        const first = keyword.slice('AUTH='.length);
        caps.add('AUTH', first === '' ? words.slice(1) : [first, ...words.slice(1)]);
      } else {
        caps.add(keyword, words.slice(1));
      }
    }
    return caps;
  }

  /** Rebuild from a stored list (a session record's `capabilities`), applying the same merging rules. */
  static fromList(list: readonly Capability[]): Capabilities {
    const caps = new Capabilities();
    for (const capability of list) caps.add(capability.name, capability.params);
    return caps;
  }

  /** No extensions: what a HELO session (or a server that refused EHLO) has. */
  static empty(): Capabilities {
    return new Capabilities();
  }

  /** The extensions in advertised order, as fresh copies the caller may change. */
  list(): Capability[] {
    return [...this.table].map(([name, params]) => ({ name, params: [...params] }));
  }

  /** Whether an extension was advertised, ignoring case (smtplib's `has_extn`). */
  has(name: string): boolean {
    return this.table.has(name.toUpperCase());
  }

  /** The parameters advertised with an extension (a copy), or undefined when it was not advertised. */
  params(name: string): string[] | undefined {
    const params = this.table.get(name.toUpperCase());
    return params === undefined ? undefined : [...params];
  }

  /**
   * The SIZE limit in bytes (RFC 1870): undefined when SIZE is not advertised at all; 0 when it is
   * advertised without a fixed limit ("SIZE", "SIZE 0", or a value that is not a number).
   */
  get size(): number | undefined {
    const params = this.table.get('SIZE');
    if (params === undefined) return undefined;
    const value = params[0];
    if (value === undefined || !/^\d+$/.test(value)) return 0;
    const limit = Number(value);
    return Number.isSafeInteger(limit) ? limit : 0;
  }

  /** The advertised AUTH mechanisms, upper case, without duplicates, in first-seen order ([] when none). */
  get authMechanisms(): string[] {
    return [...(this.table.get('AUTH') ?? [])];
  }

  /** Add one extension; a repeated keyword keeps its first entry, except that AUTH mechanisms are merged. */
  private add(keyword: string, params: readonly string[]): void {
    const name = keyword.toUpperCase();
    if (name === 'AUTH') {
      // Mechanism names are case-insensitive (RFC 4422), so they are stored upper case and deduplicated.
      const mechanisms = this.table.get(name) ?? [];
      for (const param of params) {
        const mechanism = param.toUpperCase();
        if (!mechanisms.includes(mechanism)) mechanisms.push(mechanism);
      }
      this.table.set(name, mechanisms);
      return;
    }
    if (!this.table.has(name)) this.table.set(name, [...params]);
  }
}

/** Whether an extension is in a capability table, ignoring case (smtplib's `has_extn`). */
export function hasExtension(capabilities: Capabilities, name: string): boolean {
  return capabilities.has(name);
}
