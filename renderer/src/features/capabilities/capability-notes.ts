import { describeMechanism } from '../../../../shared/explain/extensions.js';
import type { SessionRecord } from '../../../../shared/session-record.js';

/**
 * Remarks about a record's capability list that an administrator looks for: the HELO fallback (no extensions at
 * all), LMTP, and password mechanisms offered on an unencrypted link. Pure (no React, no DOM).
 */

export interface CapabilityNote {
  tone: 'info' | 'warn';
  text: string;
}

const LOOPBACK = /^(127\.|::1$|localhost$)/i;

/** Whether the link never left this machine (a Unix socket or a loopback address). */
export function isLocalLink(record: Pick<SessionRecord, 'target'>): boolean {
  const t = record.target;
  return t.socketPath !== undefined || LOOPBACK.test(t.host ?? '') || LOOPBACK.test(t.remoteAddress ?? '');
}

export function capabilityNotes(record: Pick<SessionRecord, 'helloVerb' | 'capabilities' | 'tls' | 'target'>): CapabilityNote[] {
  const notes: CapabilityNote[] = [];
  if (record.helloVerb === 'HELO') {
    notes.push({
      tone: 'warn',
      text: 'The server refused EHLO, so the session fell back to HELO. A HELO session has no extensions at all: no STARTTLS, AUTH, SIZE, PIPELINING or 8BITMIME.',
    });
  }
  if (record.helloVerb === 'LHLO') {
    notes.push({
      tone: 'info',
      text: 'LMTP: LHLO advertises extensions the way EHLO does, and the server answers once per recipient after the data.',
    });
  }
  const auth = record.capabilities.find((c) => c.name.toUpperCase() === 'AUTH');
  if (auth && !record.tls) {
    const cleartext = auth.params.map(describeMechanism).filter((m) => m.strength === 'cleartext' || m.strength === 'token');
    if (cleartext.length > 0) {
      const names = cleartext.map((m) => m.name).join(', ');
      notes.push(
        isLocalLink(record)
          ? {
              tone: 'info',
              text: `${names} ${cleartext.length === 1 ? 'is' : 'are'} offered without TLS; acceptable here only because the link does not leave this machine.`,
            }
          : {
              tone: 'warn',
              text: `${names} ${cleartext.length === 1 ? 'is' : 'are'} offered on an unencrypted connection: ${cleartext.length === 1 ? 'it sends' : 'they send'} the password or token readable by anyone on the path. Use STARTTLS or implicit TLS.`,
            },
      );
    }
  }
  return notes;
}
