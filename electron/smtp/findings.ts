import { FINDINGS, type Finding, type FindingId } from '../../shared/findings.js';

/** The most transcript events a finding points to (the first ones seen). */
const MAX_EVENTS = 20;

/**
 * The findings of one session, filled as it runs: one entry per id, in the order first seen. A finding seen again
 * adds its events (up to 20) and counts the occurrence in its detail.
 */
export class FindingLog {
  private readonly byId = new Map<FindingId, { finding: Finding; occurrences: number }>();

  /**
   * Note a finding; `events` are transcript indices (negative ones, for events not kept, are ignored). `again`: a
   * second sighting counts as an occurrence (false for what is read off a capability list advertised again).
   */
  add(id: FindingId, detail: string, events: readonly number[] = [], again = true): void {
    const known = this.byId.get(id);
    const kept = events.filter((e) => e >= 0);
    if (known) {
      if (again) known.occurrences++;
      for (const e of kept) if (known.finding.events.length < MAX_EVENTS && !known.finding.events.includes(e)) known.finding.events.push(e);
      return;
    }
    const { severity, title } = FINDINGS[id];
    this.byId.set(id, { finding: { id, severity, title, detail, events: kept.slice(0, MAX_EVENTS) }, occurrences: 1 });
  }

  /** The findings as plain data, copies the caller may keep. */
  list(): Finding[] {
    return [...this.byId.values()].map(({ finding, occurrences }) => ({
      ...finding,
      detail: occurrences > 1 ? `${finding.detail} (seen ${occurrences} times)` : finding.detail,
      events: [...finding.events],
    }));
  }
}
