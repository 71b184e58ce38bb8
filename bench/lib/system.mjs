// What the benchmark needs from the machine: the peers' programs (installing postfix's test tools
// through apt when they are missing and we are root), CPU pinning, and a description of the machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, rmSync, copyFileSync, statSync } from 'node:fs';
import os from 'node:os';

export const SMTP_SINK = '/usr/sbin/smtp-sink';
export const SMTP_SOURCE = '/usr/sbin/smtp-source';

/** A fatal set-up problem: printed plainly, the run exits non-zero. */
export class SetupError extends Error {}

function have(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** The PID of a running postfix master, if any (read from its pid file, checked in /proc). */
function postfixMasterPid() {
  const file = '/var/spool/postfix/pid/master.pid';
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!pid || !existsSync(`/proc/${pid}/comm`)) return undefined;
  return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'master' ? pid : undefined;
}

/**
 * Make sure smtp-sink and smtp-source (Debian package postfix), python3, swaks (scenario 8) and taskset are there.
 * Missing postfix is installed non-interactively as root ("No configuration", and no service may start
 * while apt runs); anything else missing, or not being root, is a SetupError saying what to do.
 */
export function ensurePrerequisites(log) {
  const missing = [];
  if (!existsSync(SMTP_SINK) || !existsSync(SMTP_SOURCE)) missing.push('postfix');
  if (!have('python3')) missing.push('python3');
  if (!have('taskset')) missing.push('util-linux');
  if (!have('swaks')) missing.push('swaks');
  if (missing.length === 0) return;
  if (!isRoot() || !have('apt-get')) {
    throw new SetupError(
      `missing: ${missing.join(', ')} (smtp-sink and smtp-source come with Debian's postfix package). ` +
        `Install them (as root on Debian: DEBIAN_FRONTEND=noninteractive apt-get install ${missing.join(' ')}, ` +
        `with debconf "postfix postfix/main_mailer_type select No configuration"), or run the benchmark as root and it will.`,
    );
  }
  log(`installing ${missing.join(', ')} with apt-get (as root; no service will be started)`);
  const masterBefore = postfixMasterPid();
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (command, args, input) => {
    const result = spawnSync(command, args, { env, input, stdio: [input ? 'pipe' : 'ignore', 'inherit', 'inherit'] });
    if (result.status !== 0) throw new SetupError(`${command} ${args.join(' ')} failed (status ${result.status})`);
  };
  // Keep packages from starting services while they are installed (restored afterwards).
  const policy = '/usr/sbin/policy-rc.d';
  const backup = existsSync(policy) ? `${policy}.smtp-lens-bench` : undefined;
  if (backup) copyFileSync(policy, backup);
  writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    if (missing.includes('postfix')) {
      run(
        'debconf-set-selections',
        [],
        'postfix postfix/main_mailer_type select No configuration\npostfix postfix/mailname string localhost\n',
      );
    }
    run('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'update', '-qq']);
    run('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '-qq', '--no-install-recommends', ...missing]);
  } finally {
    if (backup) {
      copyFileSync(backup, policy);
      rmSync(backup);
    } else rmSync(policy, { force: true });
  }
  // Whatever the package did, no postfix daemon of ours is left running.
  const master = postfixMasterPid();
  if (master && master !== masterBefore) {
    spawnSync('postfix', ['stop'], { stdio: 'ignore' });
    log('stopped the postfix daemon the package started');
  }
  if (!existsSync(SMTP_SINK) || !existsSync(SMTP_SOURCE))
    throw new SetupError('postfix was installed but smtp-sink/smtp-source are still missing');
}

/** CPUs to pin to: sinks and round-trip-bound clients share the first; throughput clients get the second. */
export function cpuPlan() {
  const count = os.availableParallelism?.() ?? os.cpus().length;
  const pinning = have('taskset');
  return { count, pinning, sink: 0, sameAsSink: 0, other: count > 1 ? 1 : 0 };
}

/** Prefix a command with taskset for one CPU (or leave it alone when pinning is unavailable). */
export function pinned(cpu, command, args, plan) {
  if (!plan.pinning || cpu === undefined) return [command, args];
  return ['taskset', ['-c', String(cpu), command, ...args]];
}

function firstLine(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .split('\n')[0]
      .trim();
  } catch {
    return undefined;
  }
}

/** The machine the figures were taken on. */
export function describeMachine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const mhz = /^cpu MHz\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim();
  const postfix = firstLine('dpkg-query', ['-W', '-f=${Version}', 'postfix']);
  return {
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpuModel: model,
    ...(mhz ? { cpuMHz: Number(mhz) } : {}),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    python: firstLine('python3', ['--version']),
    ...(postfix ? { postfix } : {}),
    os: existsSync('/etc/os-release') ? /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] : undefined,
  };
}

/** Load average (1 min) and a verdict on whether it is quiet enough for figures worth keeping. */
export function loadNow() {
  const [one, five] = os.loadavg();
  return { one: Math.round(one * 100) / 100, five: Math.round(five * 100) / 100 };
}

export function fileSize(path) {
  return statSync(path).size;
}
