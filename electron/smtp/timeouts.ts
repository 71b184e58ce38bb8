/** Per-stage timeouts in milliseconds. */
export interface StageTimeouts {
  connect: number;
  tlsHandshake: number;
  greeting: number;
  ehlo: number;
  starttls: number;
  auth: number;
  mail: number;
  rcpt: number;
  /** Waiting for the 354 after DATA (or for a BDAT chunk's reply). */
  dataInit: number;
  /** Each block of body bytes the server must accept (we wait this long for the socket to drain). */
  dataBlock: number;
  /** Waiting for the reply to the final dot (or BDAT LAST). */
  dataEnd: number;
  /** RSET, NOOP, VRFY, EXPN, HELP and raw commands. */
  command: number;
  quit: number;
}

const MINUTE = 60_000;

/**
 * RFC 5321 §4.5.3.2 defaults: greeting 5 min, MAIL 5 min, RCPT 5 min, DATA initiation 2 min,
 * data block 3 min, final dot 10 min. The RFC sets none for connect, TLS, EHLO or QUIT; ours are our choice.
 */
export const RFC5321_TIMEOUTS: StageTimeouts = {
  connect: 30_000,
  tlsHandshake: 30_000,
  greeting: 5 * MINUTE,
  ehlo: 5 * MINUTE,
  starttls: 2 * MINUTE,
  auth: 5 * MINUTE,
  mail: 5 * MINUTE,
  rcpt: 5 * MINUTE,
  dataInit: 2 * MINUTE,
  dataBlock: 3 * MINUTE,
  dataEnd: 10 * MINUTE,
  command: 5 * MINUTE,
  quit: 10_000,
};

/** Defaults overridden by the caller's values; a single number sets every stage (like swaks' and smtplib's timeout). */
export function resolveTimeouts(overrides?: Partial<StageTimeouts> | number): StageTimeouts {
  if (typeof overrides === 'number') {
    const all = {} as StageTimeouts;
    for (const stage of Object.keys(RFC5321_TIMEOUTS) as (keyof StageTimeouts)[]) all[stage] = overrides;
    return all;
  }
  return { ...RFC5321_TIMEOUTS, ...overrides };
}
