/**
 * Real mail servers for the interoperability tests: postfix, dovecot (LMTP and SASL) and exim, from
 * Debian's packages, each run from a throw-away configuration in a temporary folder, on loopback high
 * ports and Unix sockets (and one address facing a test host in a network namespace made for the run).
 *
 * Nothing here touches the system's own mail configuration: postfix runs with `-c DIR`, dovecot with
 * `-c FILE`, exim with `-C FILE` (its compiled-in "Debian-exim" user exists only inside a private mount
 * namespace that sees a copy of /etc/passwd and /etc/group). Every server is started in a session of its
 * own and stopped by that session's id; the `stop` of `startServers` waits until none of its processes is left.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testPki } from '../helpers/certs.js';
import { ALICE, BOB, EXIM_AUTH, EXIM_DOMAIN, NETNS, OVER_QUOTA, POSTFIX_DOMAIN, TINY_QUOTA } from './fixtures.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const INSTALL_SCRIPT = join(HERE, 'install.sh');
const CACHE = process.env.SMTP_LENS_INTEROP_CACHE ?? '/var/cache/smtp-lens-interop';
export const EXIM_BIN = join(CACHE, 'exim4/usr/sbin/exim4');

const POSTFIX = { master: '/usr/lib/postfix/sbin/master', postfix: '/usr/sbin/postfix', postconf: '/usr/sbin/postconf' };
const DOVECOT = { dovecot: '/usr/sbin/dovecot', lmtp: '/usr/lib/dovecot/lmtp' };
const SWAKS = '/usr/bin/swaks';

export type NetnsInfo = { ok: true; name: string; serverAddress: string; clientAddress: string } | { ok: false; reason: string };

/** What the tests need to reach and inspect the servers (JSON: handed from the global setup to the test files). */
export interface InteropEnv {
  root: string;
  /** PEM of the CA that signed the servers' certificate, and a file holding it (for --ca). */
  caPem: string;
  caFile: string;
  /** SHA-256 fingerprint of the servers' certificate, as Node prints it. */
  fingerprint256: string;
  postfix: {
    /** Plain SMTP, STARTTLS offered, VRFY enabled, AUTH only after STARTTLS. */
    smtp: number;
    /** Submission: STARTTLS required, AUTH through dovecot SASL, VRFY disabled. */
    submission: number;
    /** Implicit TLS (SMTPS), AUTH through dovecot SASL. */
    smtps: number;
    /** No TLS at all and AUTH offered in plaintext: on 127.0.0.1 and, when the namespace exists, on netns.serverAddress. */
    plainAuth: number;
    /**
     * A front-end port: XCLIENT allowed from loopback (smtpd_authorized_xclient_hosts), and no relaying for
     * mynetworks (only the test domain is accepted), so a relay check has something to refuse.
     */
    frontEnd: number;
    /**
     * The CVE-2023-51764 fix switched on (smtpd_forbid_bare_newline = yes) and, unlike its default, not waived for
     * mynetworks (loopback is in it): a bare LF in the data is refused.
     */
    bareNewlineForbidden: number;
    logFile: string;
  };
  dovecot: { lmtpSocket: string; lmtpPort: number; mailRoot: string; logFile: string };
  exim: { smtp: number; smtps: number; mailRoot: string; logFile: string };
  netns: NetnsInfo;
  versions: Record<'postfix' | 'dovecot' | 'exim' | 'swaks', string>;
}

export interface RunningServers {
  env: InteropEnv;
  /** Milliseconds from nothing to every server answering. */
  startMs: number;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Installation

/** The programs the servers need, and which are missing. */
export function missingPrograms(): string[] {
  const wanted = [POSTFIX.master, POSTFIX.postfix, POSTFIX.postconf, DOVECOT.dovecot, DOVECOT.lmtp, SWAKS, EXIM_BIN];
  return wanted.filter((path) => !existsSync(path));
}

/** Why the servers cannot be installed here, or undefined when they can (root on Debian with apt). */
export function cannotInstall(): string | undefined {
  if (process.platform !== 'linux') return `this is ${process.platform}, not Debian Linux`;
  if (!existsSync('/etc/debian_version')) return 'this is not a Debian system (no /etc/debian_version)';
  if (process.getuid?.() !== 0) return 'installing and running the servers needs root';
  if (!existsSync('/usr/bin/apt-get') || !existsSync('/usr/bin/dpkg')) return 'apt-get/dpkg not found';
  return undefined;
}

/** Run install.sh (as root on Debian); resolves with its duration in ms. Its progress goes to stderr. */
export function install(): Promise<number> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn('bash', [INSTALL_SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stdout.resume();
    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      err = (err + chunk.toString()).slice(-2000);
    });
    child.on('error', fail);
    child.on('exit', (code) => {
      if (code === 0) done(performance.now() - started);
      else fail(new Error(`test/interop/install.sh failed (exit ${code}): ${err.trim().split('\n').slice(-5).join('\n')}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function run(command: string, args: string[], options: { allowFail?: boolean } = {}): Promise<string> {
  return new Promise((done, fail) => {
    execFile(command, args, { maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && !options.allowFail) fail(new Error(`${command} ${args.join(' ')} failed: ${stderr || error.message}`));
      else done(stdout + (error ? stderr : ''));
    });
  });
}

async function account(kind: 'passwd' | 'group', name: string): Promise<number> {
  const line = (await run('getent', [kind, name])).trim();
  const id = Number(line.split(':')[2]);
  if (!Number.isInteger(id)) throw new Error(`no ${kind} entry for ${name}`);
  return id;
}

/** Ports free on loopback right now (all held open together, so they differ). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((done, fail) => {
          const server = net.createServer();
          server.once('error', fail);
          server.listen(0, '127.0.0.1', () => done(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  return ports;
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** Connect, wait for a 220 greeting, QUIT. Rejects if there is no greeting within `ms`. */
function greets(target: { host: string; port: number } | { path: string }, ms = 2000): Promise<void> {
  return new Promise((done, fail) => {
    const socket = 'path' in target ? net.connect(target.path) : net.connect(target.port, target.host);
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      fail(new Error('no greeting'));
    }, ms);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (/(^|\n)220 /.test(text)) {
        clearTimeout(timer);
        socket.end('QUIT\r\n');
        socket.destroy();
        done();
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Processes: each server is started as the leader of a new session; every process it forks stays in
// that session, so the session id names all of them and nothing else.

interface ProcStat {
  pid: number;
  state: string;
  session: number;
  startTime: string;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, state: fields[0]!, session: Number(fields[3]), startTime: fields[19]! };
  } catch {
    return undefined;
  }
}

/** Processes in a session: live ones, or (with zombies) also those that exited and wait to be reaped. */
function sessionMembers(session: number, zombies = false): ProcStat[] {
  const members: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat && stat.session === session && (zombies || stat.state !== 'Z')) members.push(stat);
  }
  return members;
}

/** Processes (not this one) whose command line contains the text. */
function processesNaming(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes(text)) found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

interface Managed {
  name: string;
  pid: number;
  startTime: string;
  child: ChildProcess;
  exited: Promise<void>;
  hasExited: () => boolean;
  logFile: string;
}

function launch(name: string, command: string, args: string[], logFile: string): Managed {
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  let exited = false;
  const exitPromise = new Promise<void>((done) => {
    child.once('exit', () => {
      exited = true;
      done();
    });
    child.once('error', () => {
      exited = true;
      done();
    });
  });
  return {
    name,
    pid: child.pid,
    startTime: procStat(child.pid)?.startTime ?? '',
    child,
    exited: exitPromise,
    hasExited: () => exited,
    logFile,
  };
}

function signalSession(session: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-session, signal);
  } catch {
    // No process group left under that id.
  }
  for (const member of sessionMembers(session)) {
    try {
      process.kill(member.pid, signal);
    } catch {
      // Gone meanwhile.
    }
  }
}

/** SIGTERM the server's session, wait for it, SIGKILL whatever is left after a grace period. */
async function stopManaged(server: Managed, graceMs = 10_000): Promise<void> {
  const deadline = Date.now() + graceMs;
  signalSession(server.pid, 'SIGTERM');
  while (Date.now() < deadline && (!server.hasExited() || sessionMembers(server.pid).length > 0)) await sleep(50);
  if (!server.hasExited() || sessionMembers(server.pid).length > 0) {
    signalSession(server.pid, 'SIGKILL');
    await Promise.race([server.exited, sleep(2000)]);
  }
  const left = sessionMembers(server.pid);
  if (left.length > 0) throw new Error(`${server.name}: processes still running after stop: ${left.map((m) => m.pid).join(', ')}`);
  // Children that outlived their parent by a moment are reaped by init; give it that moment.
  const reaped = Date.now() + 3000;
  while (Date.now() < reaped && sessionMembers(server.pid, true).length > 0) await sleep(50);
}

async function waitReady(server: Managed, target: { host: string; port: number } | { path: string }, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (server.hasExited()) throw new Error(`${server.name} exited during start-up:\n${tail(server.logFile)}`);
    try {
      await greets(target);
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`${server.name} did not greet on ${JSON.stringify(target)}: ${(error as Error).message}\n${tail(server.logFile)}`, {
          cause: error,
        });
      }
      await sleep(100);
    }
  }
}

function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${path})`;
  }
}

// ---------------------------------------------------------------------------------------------
// Each run records what it started in a state file of its own, named after the test runner's pid.
// A later run cleans up after a run whose runner is gone (killed before its teardown), and leaves a
// run whose runner is still alive alone: two runs can go on side by side.

interface SavedState {
  owner: { pid: number; startTime: string };
  root?: string;
  servers: { pid: number; startTime: string }[];
  netns?: { name: string; hostInterface: string };
}

const STATE_PREFIX = 'smtp-lens-interop.';
const STATE_SUFFIX = '.state.json';
const stateFile = (pid: number): string => join(tmpdir(), `${STATE_PREFIX}${pid}${STATE_SUFFIX}`);

function saveState(state: SavedState): void {
  writeFileSync(stateFile(state.owner.pid), JSON.stringify(state));
}

async function cleanUpEarlierRuns(): Promise<void> {
  const files = readdirSync(tmpdir()).filter((f) => f.startsWith(STATE_PREFIX) && f.endsWith(STATE_SUFFIX));
  for (const file of files) {
    const path = join(tmpdir(), file);
    let state: SavedState;
    try {
      state = JSON.parse(readFileSync(path, 'utf8')) as SavedState;
    } catch {
      continue;
    }
    // Still running (the very process that wrote it): not a left-over.
    if (state.owner && procStat(state.owner.pid)?.startTime === state.owner.startTime) continue;
    for (const { pid, startTime } of state.servers ?? []) {
      // Only a process that is still the very one recorded (same start time) is that run's.
      if (procStat(pid)?.startTime === startTime) signalSession(pid, 'SIGKILL');
    }
    const root = state.root?.startsWith(join(tmpdir(), 'smtp-lens-interop-')) ? state.root : undefined;
    for (const pid of root ? processesNaming(root) : []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
    if (state.netns) await removeNetns(state.netns);
    if (root) await rm(root, { recursive: true, force: true });
    await rm(path, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The test host's network namespace (names unique to the run)

async function removeNetns(names: { name: string; hostInterface: string }): Promise<void> {
  await run('ip', ['link', 'del', names.hostInterface], { allowFail: true });
  await run('ip', ['netns', 'del', names.name], { allowFail: true });
}

const ipv4ToInt = (address: string): number => address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
const intToIpv4 = (n: number): string => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

/** Every IPv4 prefix this machine has as an address or a route (any table), as [first, last] integers. */
async function usedIpv4Ranges(): Promise<[number, number][]> {
  const text = (await run('ip', ['-4', '-o', 'addr', 'show'])) + '\n' + (await run('ip', ['-4', 'route', 'show', 'table', 'all']));
  const ranges: [number, number][] = [];
  for (const m of text.matchAll(/(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?:\/(\d{1,2}))?(?![\d.])/g)) {
    const bits = m[2] === undefined ? 32 : Number(m[2]);
    const size = 2 ** (32 - bits);
    const first = Math.floor(ipv4ToInt(m[1]!) / size) * size;
    ranges.push([first, first + size - 1]);
  }
  return ranges;
}

async function makeNetns(names: { name: string; hostInterface: string; nsInterface: string }): Promise<NetnsInfo> {
  const { name, hostInterface, nsInterface } = names;
  const { candidateSubnets } = NETNS;
  try {
    const used = await usedIpv4Ranges();
    const subnet = candidateSubnets.map(ipv4ToInt).find((first) => used.every(([from, to]) => first + 3 < from || first > to));
    if (subnet === undefined)
      return { ok: false, reason: `every candidate subnet (${candidateSubnets.join(', ')}) overlaps this machine's networks` };
    const serverAddress = intToIpv4(subnet + 1);
    const clientAddress = intToIpv4(subnet + 2);
    await run('ip', ['netns', 'add', name]);
    await run('ip', ['link', 'add', hostInterface, 'type', 'veth', 'peer', 'name', nsInterface]);
    await run('ip', ['link', 'set', nsInterface, 'netns', name]);
    await run('ip', ['addr', 'add', `${serverAddress}/30`, 'dev', hostInterface]);
    await run('ip', ['link', 'set', hostInterface, 'up']);
    await run('ip', ['netns', 'exec', name, 'ip', 'addr', 'add', `${clientAddress}/30`, 'dev', nsInterface]);
    await run('ip', ['netns', 'exec', name, 'ip', 'link', 'set', nsInterface, 'up']);
    await run('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
    return { ok: true, name, serverAddress, clientAddress };
  } catch (error) {
    await removeNetns(names);
    return { ok: false, reason: (error as Error).message.trim() };
  }
}

// ---------------------------------------------------------------------------------------------
// Configurations (written for this project; every path is inside the run's temporary folder)

interface Layout {
  root: string;
  tls: { cert: string; key: string; ca: string };
  postfix: { conf: string; queue: string; data: string; log: string; stdout: string };
  dovecot: { conf: string; passwd: string; run: string; state: string; log: string; stdout: string; mail: string };
  exim: { conf: string; spool: string; logDir: string; stdout: string; mail: string; passwd: string; group: string };
}

function layout(root: string): Layout {
  return {
    root,
    tls: { cert: join(root, 'tls/cert.pem'), key: join(root, 'tls/key.pem'), ca: join(root, 'tls/ca.pem') },
    postfix: {
      conf: join(root, 'postfix/conf'),
      queue: join(root, 'postfix/queue'),
      data: join(root, 'postfix/data'),
      log: join(root, 'postfix/postfix.log'),
      stdout: join(root, 'postfix/master.out'),
    },
    dovecot: {
      conf: join(root, 'dovecot/dovecot.conf'),
      passwd: join(root, 'dovecot/passwd'),
      run: join(root, 'dovecot/run'),
      state: join(root, 'dovecot/state'),
      log: join(root, 'dovecot/dovecot.log'),
      stdout: join(root, 'dovecot/dovecot.out'),
      mail: join(root, 'dovecot/mail'),
    },
    exim: {
      conf: join(root, 'exim/exim.conf'),
      spool: join(root, 'exim/spool'),
      logDir: join(root, 'exim/log'),
      stdout: join(root, 'exim/exim.out'),
      mail: join(root, 'exim/mail'),
      passwd: join(root, 'exim/passwd'),
      group: join(root, 'exim/group'),
    },
  };
}

interface Ports {
  smtp: number;
  submission: number;
  smtps: number;
  plainAuth: number;
  frontEnd: number;
  bareNewlineForbidden: number;
  lmtp: number;
  eximSmtp: number;
  eximSmtps: number;
}

function postfixMain(l: Layout, ports: Ports): string {
  const mailboxes = [ALICE, BOB, OVER_QUOTA].map((u) => `${u.address}=ok`).join(', ');
  return `# smtp-lens interop: a throw-away postfix instance (postfix -c ${l.postfix.conf})
compatibility_level = 3.6
queue_directory = ${l.postfix.queue}
data_directory = ${l.postfix.data}
mail_owner = postfix
setgid_group = postdrop
maillog_file = ${l.postfix.log}
maillog_file_prefixes = ${l.root}
myhostname = mx.${POSTFIX_DOMAIN}
mydomain = ${POSTFIX_DOMAIN}
myorigin = $myhostname
mydestination =
# Each listener in master.cf names its address; this is only what postfix counts as itself.
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
smtpd_peername_lookup = no
smtpd_banner = $myhostname ESMTP Postfix (smtp-lens interop)
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
disable_vrfy_command = yes
message_size_limit = 52428800
smtputf8_enable = yes

# Mail for the test domain goes to dovecot over LMTP on its Unix socket.
virtual_mailbox_domains = ${POSTFIX_DOMAIN}
virtual_mailbox_maps = inline:{ ${mailboxes} }
virtual_transport = lmtp:unix:${join(l.dovecot.run, 'lmtp')}

# Mail for exim's domain is relayed to exim on loopback (an address literal: no DNS). Nothing else ever
# leaves: every other destination, bounces included, ends in the error transport, and DNS is off.
relay_domains = ${EXIM_DOMAIN}
transport_maps = inline:{ ${EXIM_DOMAIN}=smtp:[127.0.0.1]:${ports.eximSmtp} }
default_transport = error:5.7.1 this test instance sends no mail off the machine
relay_transport = $default_transport
smtp_dns_support_level = disabled
smtp_tls_security_level = none

# TLS: STARTTLS offered; AUTH (dovecot SASL) only once encrypted, except on the plain-auth ports.
smtpd_tls_cert_file = ${l.tls.cert}
smtpd_tls_key_file = ${l.tls.key}
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = ${join(l.dovecot.run, 'auth-client')}
smtpd_sasl_auth_enable = no
lmtp_tls_security_level = none
`;
}

function postfixMaster(ports: Ports, netns: NetnsInfo): string {
  const plainAuth = '-o smtpd_tls_security_level=none -o smtpd_sasl_auth_enable=yes -o smtpd_tls_auth_only=no';
  const services = [
    `127.0.0.1:${ports.smtp} inet n - n - - smtpd -o disable_vrfy_command=no`,
    `127.0.0.1:${ports.submission} inet n - n - - smtpd -o smtpd_tls_security_level=encrypt -o smtpd_sasl_auth_enable=yes`,
    `127.0.0.1:${ports.smtps} inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_sasl_auth_enable=yes`,
    `127.0.0.1:${ports.plainAuth} inet n - n - - smtpd ${plainAuth}`,
    ...(netns.ok ? [`${netns.serverAddress}:${ports.plainAuth} inet n - n - - smtpd ${plainAuth}`] : []),
    `127.0.0.1:${ports.frontEnd} inet n - n - - smtpd -o smtpd_authorized_xclient_hosts=127.0.0.0/8 -o smtpd_relay_restrictions=reject_unauth_destination`,
    `127.0.0.1:${ports.bareNewlineForbidden} inet n - n - - smtpd -o smtpd_forbid_bare_newline=yes -o smtpd_forbid_bare_newline_exclusions=`,
  ];
  // service type private unpriv chroot wakeup maxproc command: nothing chrooted, the internal services postfix needs.
  const internal = [
    'postlog unix-dgram n - n - 1 postlogd',
    'pickup unix n - n 60 1 pickup',
    'cleanup unix n - n - 0 cleanup',
    'qmgr unix n - n 300 1 qmgr',
    'tlsmgr unix - - n 1000? 1 tlsmgr',
    'rewrite unix - - n - - trivial-rewrite',
    'bounce unix - - n - 0 bounce',
    'defer unix - - n - 0 bounce',
    'trace unix - - n - 0 bounce',
    'verify unix - - n - 1 verify',
    'flush unix n - n 1000? 0 flush',
    'proxymap unix - - n - - proxymap',
    'smtp unix - - n - - smtp',
    'showq unix n - n - - showq',
    'error unix - - n - - error',
    'retry unix - - n - - error',
    'discard unix - - n - - discard',
    'lmtp unix - - n - - lmtp',
    'anvil unix - - n - 1 anvil',
    'scache unix - - n - 1 scache',
  ];
  return ['# smtp-lens interop: listeners on loopback high ports, no chroot', ...services, ...internal, ''].join('\n');
}

function dovecotConf(l: Layout, ports: Ports): string {
  return `# smtp-lens interop: a throw-away dovecot instance (dovecot -c ${l.dovecot.conf})
base_dir = ${l.dovecot.run}
state_dir = ${l.dovecot.state}
instance_name = smtp-lens-interop
hostname = lmtp.${POSTFIX_DOMAIN}
protocols = lmtp
listen = 127.0.0.1
log_path = ${l.dovecot.log}
ssl = no
# The client-side rule (no credentials over plaintext to non-loopback hosts) is what the tests check.
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5 scram-sha-1 scram-sha-256
# Wrong passwords are what some tests send on purpose: no failure delay, no growing per-IP penalty.
auth_failure_delay = 0
# Maildirs keep CRLF line ends, so a delivered message can be compared byte for byte.
mail_location = maildir:~/Maildir
mail_save_crlf = yes
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${l.dovecot.passwd}
}
userdb {
  driver = passwd-file
  args = ${l.dovecot.passwd}
  default_fields = uid=nobody gid=nogroup home=${l.dovecot.mail}/%u
}
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${ports.lmtp}
  }
}
service auth {
  unix_listener auth-client {
    mode = 0666
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
protocol lmtp {
  mail_plugins = quota
}
plugin {
  quota = maildir:User quota
  # A full mailbox is a permanent failure (552 5.2.2), not a temporary one (452 4.2.2).
  quota_full_tempfail = no
}
`;
}

/** passwd-file: plaintext passwords ({PLAIN}) so that CRAM-MD5 and SCRAM can be computed from them. */
function dovecotPasswd(): string {
  const line = (u: { address: string; password: string }, extra = ''): string => `${u.address}:{PLAIN}${u.password}::::::${extra}\n`;
  return line(ALICE) + line(BOB) + line(OVER_QUOTA, `userdb_quota_rule=${TINY_QUOTA}`);
}

function eximConf(l: Layout, ports: Ports): string {
  const users = 'alice : bob';
  const authUser = EXIM_AUTH.address;
  const secret = EXIM_AUTH.password;
  return `# smtp-lens interop: a throw-away exim instance (exim4 -C ${l.exim.conf})
exim_path = ${EXIM_BIN}
exim_user = Debian-exim
exim_group = Debian-exim
spool_directory = ${l.exim.spool}
log_file_path = ${l.exim.logDir}/%slog
pid_file_path = ${l.exim.spool}/exim.pid
primary_hostname = mx.${EXIM_DOMAIN}
qualify_domain = ${EXIM_DOMAIN}
smtp_banner = $primary_hostname ESMTP Exim $version_number (smtp-lens interop)
local_interfaces = <; 127.0.0.1
daemon_smtp_ports = ${ports.eximSmtp} : ${ports.eximSmtps}
tls_on_connect_ports = ${ports.eximSmtps}
domainlist local_domains = ${EXIM_DOMAIN}
acl_smtp_rcpt = acl_rcpt
acl_smtp_data_prdr = acl_prdr
chunking_advertise_hosts = *
prdr_enable = true
smtputf8_advertise_hosts = *
accept_8bitmime = true
tls_advertise_hosts = *
tls_certificate = ${l.tls.cert}
tls_privatekey = ${l.tls.key}
auth_advertise_hosts = *
message_size_limit = 50M
never_users = root
keep_environment =
host_lookup =
rfc1413_hosts =
rfc1413_query_timeout = 0s

begin acl
acl_rcpt:
  accept domains = +local_domains
         local_parts = ${users}
  deny   domains = +local_domains
         message = 5.1.1 no such user here
  deny   message = 5.7.1 relaying not permitted

# PRDR: after the data, once per recipient. bob refuses a message whose Subject says "prdr-refuse".
acl_prdr:
  deny   local_parts = bob
         condition = \${if match{$h_subject:}{prdr-refuse}}
         message = 5.7.1 bob does not take this one
  accept

begin routers
maildir_users:
  driver = accept
  domains = +local_domains
  local_parts = ${users}
  transport = maildir_delivery

begin transports
maildir_delivery:
  driver = appendfile
  directory = ${l.exim.mail}/\${local_part_data}/Maildir
  maildir_format
  create_directory
  delivery_date_add = false
  envelope_to_add = false
  return_path_add = true
  use_crlf = true
  user = Debian-exim
  group = Debian-exim
  mode = 0644

begin retry
*  *  F,1h,5m

begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = \${if and {{eq{$auth2}{${authUser}}}{eq{$auth3}{${secret}}}}}
  server_set_id = $auth2
login:
  driver = plaintext
  public_name = LOGIN
  server_prompts = Username:: : Password::
  server_condition = \${if and {{eq{$auth1}{${authUser}}}{eq{$auth2}{${secret}}}}}
  server_set_id = $auth1
cram_md5:
  driver = cram_md5
  public_name = CRAM-MD5
  server_secret = \${if eq{$auth1}{${authUser}}{${secret}}fail}
  server_set_id = $auth1
`;
}

/**
 * Exim's Debian build looks up the user "Debian-exim" before it reads any configuration; without the
 * exim4-base package that user does not exist. Exim therefore runs in a private mount namespace that
 * sees copies of /etc/passwd and /etc/group with that name added (as the existing "mail" account).
 */
async function eximCommand(l: Layout, args: string[]): Promise<[string, string[]]> {
  const known = (await run('getent', ['passwd', 'Debian-exim'], { allowFail: true })).startsWith('Debian-exim:');
  if (known) return [EXIM_BIN, args];
  const uid = await account('passwd', 'mail');
  const gid = await account('group', 'mail');
  await writeFile(
    l.exim.passwd,
    (await readFile('/etc/passwd', 'utf8')) + `Debian-exim:x:${uid}:${gid}:exim (smtp-lens interop):/nonexistent:/usr/sbin/nologin\n`,
  );
  await writeFile(l.exim.group, (await readFile('/etc/group', 'utf8')) + `Debian-exim:x:${gid}:\n`);
  const script = 'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && shift 2 && exec "$@"';
  return ['unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', l.exim.passwd, l.exim.group, EXIM_BIN, ...args]];
}

// ---------------------------------------------------------------------------------------------
// Start and stop

/** Make the folder, certificate, namespace and configurations, start every server and wait until each greets. */
export async function startServers(): Promise<RunningServers> {
  const started = performance.now();
  await cleanUpEarlierRuns();
  const root = await mkdtemp(join(tmpdir(), 'smtp-lens-interop-'));
  await chmod(root, 0o755);
  const state: SavedState = { owner: { pid: process.pid, startTime: procStat(process.pid)?.startTime ?? '' }, root, servers: [] };
  saveState(state);
  const netnsNames = { name: `${NETNS.name}-${process.pid}`, hostInterface: `slh${process.pid}`, nsInterface: `sln${process.pid}` };
  const managed: Managed[] = [];
  let netns: NetnsInfo;

  const stop = async (): Promise<void> => {
    const errors: string[] = [];
    for (const server of managed.reverse()) {
      try {
        await stopManaged(server);
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
    // Anything still running whose command line names this run's folder (an exim delivery that left
    // the daemon's session, say) is this run's too.
    for (const pid of processesNaming(root)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
    if (state.netns) await removeNetns(netnsNames);
    if (errors.length === 0) {
      if (process.env.SMTP_LENS_INTEROP_KEEP !== '1') await rm(root, { recursive: true, force: true });
      await rm(stateFile(process.pid), { force: true });
    }
    if (errors.length) throw new Error(errors.join('\n'));
  };

  try {
    const l = layout(root);
    const postfixUid = await account('passwd', 'postfix');
    const nobody = await account('passwd', 'nobody');
    const nogroup = await account('group', 'nogroup');
    const mailUid = await account('passwd', 'mail');
    const mailGid = await account('group', 'mail');
    for (const dir of [
      dirname(l.tls.cert),
      l.postfix.conf,
      l.postfix.queue,
      l.postfix.data,
      l.dovecot.run,
      l.dovecot.state,
      l.dovecot.mail,
      l.exim.spool,
      l.exim.logDir,
      l.exim.mail,
    ]) {
      await mkdir(dir, { recursive: true, mode: 0o755 });
    }
    await chown(l.postfix.data, postfixUid, -1);
    await chown(l.dovecot.mail, nobody, nogroup);
    for (const dir of [l.exim.spool, l.exim.logDir, l.exim.mail]) await chown(dir, mailUid, mailGid);

    // One CA and one leaf (localhost, 127.0.0.1, ::1) for every server. The key is a throw-away test key;
    // it is world-readable because exim reads it after giving up root.
    const pki = await testPki();
    await writeFile(l.tls.ca, pki.caCert);
    await writeFile(l.tls.cert, pki.cert);
    await writeFile(l.tls.key, pki.key, { mode: 0o644 });

    state.netns = netnsNames;
    saveState(state);
    netns = await makeNetns(netnsNames);

    const [smtp, submission, smtps, plainAuth, lmtp, eximSmtp, eximSmtps, frontEnd, bareNewlineForbidden] = await freePorts(9);
    const ports: Ports = {
      smtp: smtp!,
      submission: submission!,
      smtps: smtps!,
      plainAuth: plainAuth!,
      frontEnd: frontEnd!,
      bareNewlineForbidden: bareNewlineForbidden!,
      lmtp: lmtp!,
      eximSmtp: eximSmtp!,
      eximSmtps: eximSmtps!,
    };

    await writeFile(l.dovecot.conf, dovecotConf(l, ports));
    await writeFile(l.dovecot.passwd, dovecotPasswd(), { mode: 0o644 });
    await writeFile(join(l.postfix.conf, 'main.cf'), postfixMain(l, ports));
    await writeFile(join(l.postfix.conf, 'master.cf'), postfixMaster(ports, netns));
    await writeFile(l.exim.conf, eximConf(l, ports));

    const track = (server: Managed): Managed => {
      managed.push(server);
      state.servers.push({ pid: server.pid, startTime: server.startTime });
      saveState(state);
      return server;
    };

    // dovecot first: postfix uses its SASL socket and delivers to its LMTP socket.
    const dovecot = track(launch('dovecot', DOVECOT.dovecot, ['-F', '-c', l.dovecot.conf], l.dovecot.stdout));
    const lmtpSocket = join(l.dovecot.run, 'lmtp');
    await waitReady(dovecot, { path: lmtpSocket });
    await waitReady(dovecot, { host: '127.0.0.1', port: ports.lmtp });

    // `postfix check` creates the queue directories with the right owners; master -s stays in the foreground.
    await run(POSTFIX.postfix, ['-c', l.postfix.conf, 'check']).catch((error: Error) => {
      throw new Error(`${error.message}\n${tail(l.postfix.log)}`);
    });
    const postfix = track(launch('postfix', POSTFIX.master, ['-c', l.postfix.conf, '-s'], l.postfix.stdout));
    for (const port of [ports.smtp, ports.submission, ports.plainAuth, ports.frontEnd, ports.bareNewlineForbidden])
      await waitReady(postfix, { host: '127.0.0.1', port });

    const [eximCmd, eximArgs] = await eximCommand(l, ['-C', l.exim.conf, '-bdf']);
    const exim = track(launch('exim', eximCmd, eximArgs, l.exim.stdout));
    await waitReady(exim, { host: '127.0.0.1', port: ports.eximSmtp });

    const versions = {
      postfix: (await run(POSTFIX.postconf, ['-c', l.postfix.conf, '-h', 'mail_version'])).trim(),
      dovecot: (await run(DOVECOT.dovecot, ['--version'])).trim(),
      exim: await (async () => {
        const [cmd, args] = await eximCommand(l, ['-C', l.exim.conf, '-bV']);
        const out = await run(cmd, args, { allowFail: true });
        return /Exim version (\S+)/.exec(out)?.[1] ?? 'unknown';
      })(),
      swaks: ((await run(SWAKS, ['--version'], { allowFail: true })).match(/version\s+(\S+)/i)?.[1] ?? 'unknown').trim(),
    };

    const env: InteropEnv = {
      root,
      caPem: pki.caCert,
      caFile: l.tls.ca,
      fingerprint256: pki.fingerprint256,
      postfix: {
        smtp: ports.smtp,
        submission: ports.submission,
        smtps: ports.smtps,
        plainAuth: ports.plainAuth,
        frontEnd: ports.frontEnd,
        bareNewlineForbidden: ports.bareNewlineForbidden,
        logFile: l.postfix.log,
      },
      dovecot: { lmtpSocket, lmtpPort: ports.lmtp, mailRoot: l.dovecot.mail, logFile: l.dovecot.log },
      exim: { smtp: ports.eximSmtp, smtps: ports.eximSmtps, mailRoot: l.exim.mail, logFile: join(l.exim.logDir, 'mainlog') },
      netns,
      versions,
    };
    return { env, startMs: performance.now() - started, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
