import type { SessionRecord } from '../../shared/session-record.js';
import { SmtpError } from './errors.js';
import { LiveSession, prepareMessage, type PreparedMessage } from './live-session.js';
import { inMemoryIfSmall, opened, type SendRequest } from './operations.js';
import { Transcript } from './transcript.js';

/**
 * Load that looks like real traffic: `connections` connections at once, each sending the message `count` times
 * (pipelined as --count does), optionally paced to `rate` messages a second in total, evenly spaced (connection i
 * takes the slots i, i+C, i+2C, …). Every connection opens (greeting, EHLO, TLS, AUTH) before the first message
 * goes, so the rate and the throughput measure sending, not connecting.
 */

export interface LoadOptions {
  connections: number;
  /** Messages per second in total; absent: as fast as each connection goes. */
  rate?: number;
}

export interface ConnectionLoad {
  index: number;
  attempted: number;
  delivered: number;
  failed: number;
  /** Sent and never answered (the link was lost): may have been delivered. */
  unknown: number;
  durationMs: number;
  messagesPerSecond: number;
  /** Why the connection ended early, or its first refused message. */
  error?: { code: string; message: string };
}

export interface LatencySummary {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LoadSummary {
  connections: ConnectionLoad[];
  total: Omit<ConnectionLoad, 'index' | 'error'>;
  rate?: { asked: number; achieved: number };
  /** From each message's start to its last reply, ms; absent when no message finished. */
  latencyMs?: LatencySummary;
  /** Each connection's record (its transcript included, capped as every transcript is). */
  records: SessionRecord[];
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

/** Nearest-rank percentiles of latencies (ms). */
export function summarizeLatencies(values: readonly number[]): LatencySummary | undefined {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    min: round(sorted[0]!),
    p50: round(at(50)),
    p90: round(at(90)),
    p99: round(at(99)),
    max: round(sorted[sorted.length - 1]!),
    mean: round(sum / sorted.length),
  };
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Messages per second between the first and the last start: n starts span n-1 intervals. */
function achievedRate(starts: number[]): number {
  if (starts.length < 2) return 0;
  let first = Infinity;
  let last = -Infinity;
  for (const t of starts) {
    if (t < first) first = t;
    if (t > last) last = t;
  }
  return last > first ? Math.round(((starts.length - 1) / (last - first)) * 10_000) / 10 : 0;
}

export async function sendLoad(request: SendRequest, load: LoadOptions): Promise<LoadSummary> {
  const connections = Math.floor(load.connections);
  if (!(connections >= 1)) throw new SmtpError('invalid-input', 'connections must be at least 1');
  if (load.rate !== undefined && !(load.rate > 0)) throw new SmtpError('invalid-input', 'the rate must be above 0 messages a second');
  if (request.stopAfter || request.xforward?.length) {
    throw new SmtpError('invalid-input', 'a load test sends whole messages: it does not go with stopping early or XFORWARD');
  }
  const { count = 1, ...options } = request.options ?? {};
  const prepared: PreparedMessage = await inMemoryIfSmall(await prepareMessage(request));
  const signal = request.connection.signal;

  // Everyone opens first; the clock starts when the last one is ready (or has failed).
  let ready!: () => void;
  const allOpen = new Promise<void>((resolve) => (ready = resolve));
  let waiting = connections;
  const arrived = (): void => {
    if (--waiting === 0) ready();
  };
  let t0 = 0;
  const latencies: number[] = [];
  /** When each paced message was handed to its connection: the achieved rate is over their span. */
  const starts: number[] = [];
  const loads: ConnectionLoad[] = [];

  const one = async (index: number): Promise<SessionRecord> => {
    const live = new LiveSession({ ...request.connection, transcript: new Transcript() }, 'send');
    let how: Awaited<ReturnType<typeof opened>>;
    try {
      how = await opened(live, request, 'send');
    } finally {
      arrived();
    }
    await allOpen;
    const start = performance.now();
    let finished = { attempted: 0, delivered: 0, failed: 0, unknown: 0 };
    if (how === 'go-on') {
      const rate = load.rate;
      const messages = rate
        ? (async function* () {
            for (let k = 0; k < count; k++) {
              // Slot k*C + i of the whole run, evenly spaced at 1/rate seconds.
              await sleep(t0 + ((k * connections + index) / rate) * 1000 - performance.now(), signal);
              if (signal?.aborted) return;
              starts.push(performance.now());
              yield prepared;
            }
          })()
        : (function* () {
            for (let k = 0; k < count; k++) yield prepared;
          })();
      await live.sendMany(messages, {
        ...options,
        onMessage: (outcome) => {
          if (outcome.latencyMs !== undefined) latencies.push(outcome.latencyMs);
        },
      });
    }
    const record = await live.close();
    const b = record.batch;
    if (b) finished = { attempted: b.attempted, delivered: b.delivered, failed: b.failed + b.partial, unknown: b.unknown ?? 0 };
    const durationMs = b ? b.durationMs : performance.now() - start;
    const error = record.result.error ?? b?.failures[0]?.error;
    loads[index] = {
      index,
      ...finished,
      durationMs: round(durationMs),
      messagesPerSecond: durationMs > 0 ? Math.round((finished.attempted / durationMs) * 10_000) / 10 : 0,
      ...(error ? { error: { code: error.code, message: error.message } } : {}),
    };
    return record;
  };

  const runs = Array.from({ length: connections }, (_, i) => one(i));
  await allOpen;
  t0 = performance.now();
  const records = await Promise.all(runs);
  const wall = performance.now() - t0;
  const sum = (k: 'attempted' | 'delivered' | 'failed' | 'unknown'): number => loads.reduce((n, l) => n + l[k], 0);
  const attempted = sum('attempted');
  const latencyMs = summarizeLatencies(latencies);
  return {
    connections: loads,
    total: {
      attempted,
      delivered: sum('delivered'),
      failed: sum('failed'),
      unknown: sum('unknown'),
      durationMs: round(wall),
      messagesPerSecond: wall > 0 ? Math.round((attempted / wall) * 10_000) / 10 : 0,
    },
    ...(load.rate !== undefined ? { rate: { asked: load.rate, achieved: achievedRate(starts) } } : {}),
    ...(latencyMs ? { latencyMs } : {}),
    records,
  };
}
