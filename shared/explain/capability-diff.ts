import type { Capability } from '../session-record.js';

/**
 * What changed in the advertised extensions across STARTTLS: the list before the handshake against the list in
 * force after it. The classic finding is AUTH appearing only after TLS; STARTTLS itself disappears (RFC 3207 §4.2
 * forbids advertising it again). Pure.
 */

export type CapabilityChange = 'added' | 'removed' | 'changed' | 'same';

export interface CapabilityDiffRow {
  /** Upper-case keyword. */
  name: string;
  before?: Capability;
  after?: Capability;
  change: CapabilityChange;
}

export interface CapabilityDiff {
  /** Every keyword of both lists: the "after" order first, then the keywords only "before" had. */
  rows: CapabilityDiffRow[];
  added: string[];
  removed: string[];
  changed: string[];
  /** Whether the lists differ at all. */
  differs: boolean;
}

// AUTH mechanisms are a set (case-insensitive); other parameters are compared as given.
function sameParams(name: string, a: readonly string[], b: readonly string[]): boolean {
  if (name === 'AUTH') {
    const left = new Set(a.map((m) => m.toUpperCase()));
    const right = new Set(b.map((m) => m.toUpperCase()));
    return left.size === right.size && [...left].every((m) => right.has(m));
  }
  return a.length === b.length && a.every((p, i) => p === b[i]);
}

export function diffCapabilities(before: readonly Capability[], after: readonly Capability[]): CapabilityDiff {
  const index = (list: readonly Capability[]) => {
    const map = new Map<string, Capability>();
    for (const c of list) {
      const name = c.name.toUpperCase();
      if (!map.has(name)) map.set(name, c);
    }
    return map;
  };
  const was = index(before);
  const now = index(after);
  const rows: CapabilityDiffRow[] = [];
  for (const [name, capability] of now) {
    const old = was.get(name);
    if (!old) rows.push({ name, after: capability, change: 'added' });
    else rows.push({ name, before: old, after: capability, change: sameParams(name, old.params, capability.params) ? 'same' : 'changed' });
  }
  for (const [name, capability] of was) {
    if (!now.has(name)) rows.push({ name, before: capability, change: 'removed' });
  }
  const of = (change: CapabilityChange) => rows.filter((r) => r.change === change).map((r) => r.name);
  const added = of('added');
  const removed = of('removed');
  const changed = of('changed');
  return { rows, added, removed, changed, differs: added.length + removed.length + changed.length > 0 };
}

/** Plain-words remarks about a before/after difference (the ones an administrator looks for). */
export function describeTlsCapabilityDiff(diff: CapabilityDiff): string[] {
  const notes: string[] = [];
  if (diff.added.includes('AUTH')) {
    notes.push('AUTH is offered only after STARTTLS: the server keeps credentials off the plaintext link (good practice).');
  } else if (diff.changed.includes('AUTH')) {
    notes.push('The AUTH mechanisms differ before and after STARTTLS: some are offered only on one side of the handshake.');
  }
  if (diff.removed.includes('AUTH')) notes.push('AUTH was offered before STARTTLS but not after it, which is unusual.');
  if (diff.removed.includes('STARTTLS')) notes.push('STARTTLS is no longer offered once TLS is active, as RFC 3207 requires.');
  const otherAdded = diff.added.filter((n) => n !== 'AUTH');
  if (otherAdded.length) notes.push(`Offered only after STARTTLS: ${otherAdded.join(', ')}.`);
  const otherRemoved = diff.removed.filter((n) => n !== 'AUTH' && n !== 'STARTTLS');
  if (otherRemoved.length) notes.push(`Offered only before STARTTLS: ${otherRemoved.join(', ')}.`);
  const otherChanged = diff.changed.filter((n) => n !== 'AUTH');
  if (otherChanged.length) notes.push(`Parameters changed across STARTTLS: ${otherChanged.join(', ')}.`);
  return notes;
}
