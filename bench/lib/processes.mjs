// Child processes of the benchmark: long-running peers (sinks, proxy, TLS stub) and one-shot clients
// whose wall time and peak memory are measured. Every child is tracked by PID and ended by PID.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';

const daemons = new Set();

/** End every long-running peer we started (SIGTERM, by PID). */
export function stopDaemons() {
  for (const child of daemons) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
  daemons.clear();
}

/**
 * Start a long-running peer. Ready when `ready` resolves: by default when it prints "listening X"
 * (X is returned); for programs that print nothing, pass a function that polls.
 */
export async function startDaemon(name, [command, args], ready) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  daemons.add(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  const exited = new Promise((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`${name} exited early (${signal ?? code}): ${stderr.trim()}`))),
  );
  exited.catch(() => {});
  const listening = ready
    ? ready()
    : new Promise((resolve) => {
        let out = '';
        child.stdout.on('data', (chunk) => {
          out += chunk;
          const match = /listening (\S+)/.exec(out);
          if (match) resolve(match[1]);
        });
      });
  const timeout = new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`${name} did not start within 20 s: ${stderr.trim()}`)), 20_000).unref(),
  );
  const where = await Promise.race([listening, exited, timeout]);
  child.stdout.resume();
  return { child, pid: child.pid, where };
}

/** Resolve once something accepts connections and greets on host:port or a Unix socket. */
export async function waitForGreeting(target, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(target);
      const done = (result) => {
        socket.destroy();
        resolve(result);
      };
      socket.once('data', (chunk) => done(chunk.toString('latin1').startsWith('220')));
      socket.once('error', () => done(false));
      setTimeout(() => done(false), 1000).unref();
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing greets on ${JSON.stringify(target)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A free TCP port on loopback (bound and released; good enough for a benchmark). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function vmHwmKb(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Run one client to completion. Returns its wall time, its peak RSS (the client's own report of its
 * VmHWM when it gives one — exact; else the last VmHWM read from /proc while it ran, every 10 ms) and
 * the JSON it printed last. Throws with its stderr when it fails.
 */
export function runClient(name, [command, args], { timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let polledRssKb;
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
    const poll = setInterval(() => {
      const kb = vmHwmKb(child.pid);
      if (kb !== undefined) polledRssKb = Math.max(polledRssKb ?? 0, kb);
    }, 10);
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearInterval(poll);
      clearTimeout(killer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      const wallMs = performance.now() - started;
      clearInterval(poll);
      clearTimeout(killer);
      if (code !== 0) {
        reject(new Error(`${name} failed (${signal ?? `status ${code}`}): ${stderr.trim() || stdout.trim()}`));
        return;
      }
      const lastLine = stdout.trim().split('\n').pop() ?? '';
      let report = {};
      if (lastLine.startsWith('{')) {
        try {
          report = JSON.parse(lastLine);
        } catch {
          reject(new Error(`${name} printed something that is not JSON: ${lastLine}`));
          return;
        }
      }
      resolve({ wallMs, peakRssKb: report.peakRssKb ?? polledRssKb, report });
    });
  });
}
