// A Chromium trace of one page's main thread: every task it ran, with its wall time and the thread's own CPU time.
// Used where a wall-clock measure (PerformanceObserver 'longtask') would also count time spent waiting for a core.
import type { Page } from '@playwright/test';

export interface MainThreadTask {
  /** Milliseconds since the trace began. */
  at: number;
  wallMs: number;
  cpuMs: number;
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string; data?: { frames?: { url?: string; processId?: number; parent?: string }[] } };
}

export async function startMainThreadTrace(page: Page): Promise<{ stop(): Promise<MainThreadTask[]> }> {
  const cdp = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', ({ value }) => events.push(...(value as unknown as TraceEvent[])));
  await cdp.send('Tracing.start', {
    categories: 'devtools.timeline,disabled-by-default-devtools.timeline',
    transferMode: 'ReportEvents',
  });
  return {
    async stop() {
      const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
      await cdp.send('Tracing.end');
      await complete;
      await cdp.detach();
      return mainThreadTasks(events, new URL(page.url()).origin);
    },
  };
}

/** The tasks of the renderer main thread that shows `origin` (its top frame, as the trace's start event names it). */
export function mainThreadTasks(events: TraceEvent[], origin: string): MainThreadTask[] {
  const started = events.find((e) => e.name === 'TracingStartedInBrowser');
  const frame = started?.args?.data?.frames?.find((f) => !f.parent && f.url?.startsWith(origin));
  if (frame?.processId === undefined) throw new Error(`the trace names no top frame at ${origin}`);
  const main = events.find(
    (e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === frame.processId && e.args?.name === 'CrRendererMain',
  );
  if (!main) throw new Error(`the trace names no main thread for renderer process ${frame.processId}`);
  const runs = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.name === 'RunTask');
  const t0 = Math.min(...events.filter((e) => e.ts > 0).map((e) => e.ts));
  return runs.map((e) => ({
    at: Math.round((e.ts - t0) / 1000),
    wallMs: Math.round((e.dur ?? 0) / 1000),
    cpuMs: Math.round((e.tdur ?? e.dur ?? 0) / 1000),
  }));
}
