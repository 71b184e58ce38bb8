/**
 * Where a session's time went, per stage, in milliseconds: what `--timing` prints and every record carries. A stage
 * that did not happen is absent. Pure.
 */

export const TIMING_STAGES = [
  'connect',
  'tlsHandshake',
  'greeting',
  'ehlo',
  'starttls',
  'auth',
  'mail',
  'rcpt',
  'data',
  'endOfData',
] as const;
export type TimingStage = (typeof TIMING_STAGES)[number];

/**
 * connect: the TCP connect; tlsHandshake: the implicit TLS handshake; greeting: connected to greeting; ehlo: every
 * EHLO/HELO/LHLO exchange; starttls: STARTTLS and its handshake; auth: the AUTH exchange; mail, rcpt, data: from the
 * command (or, pipelined, the previous reply) to its reply; endOfData: the body's end (or BDAT) to the final reply.
 */
export type StageTimings = Partial<Record<TimingStage, number>>;

export const TIMING_LABELS: Record<TimingStage, string> = {
  connect: 'connect',
  tlsHandshake: 'TLS handshake',
  greeting: 'greeting',
  ehlo: 'EHLO',
  starttls: 'STARTTLS + handshake',
  auth: 'AUTH',
  mail: 'MAIL',
  rcpt: 'RCPT',
  data: 'DATA',
  endOfData: 'end of data',
};
