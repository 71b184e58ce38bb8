import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ProfileSummary } from '../../shared/ipc/contract.js';
import type { ProfileStore } from '../app/services/profile-store.js';
import { UsageError } from './usage-error.js';
import { COMPOSING_OPTIONS } from './options.js';

/**
 * Defaults for the command line, from (highest first): the command line itself, `--profile NAME` (a profile the app
 * saved), `SMTP_LENS_<OPTION>` environment variables, and `$XDG_CONFIG_HOME/smtp-lens/config.json`. An option given
 * at a higher level hides the same option below it, and the options it excludes (--socket hides --host/--port,
 * --message-file the composing ones, …). What is taken is added to argv, so every check of the options applies.
 */

type Value = string | boolean | string[];
export type OptionValues = Record<string, Value | undefined>;

/** What argv cannot carry: PEM text from a profile (the CLI takes files). */
export interface Extras {
  caPem?: string;
  clientCertPem?: string;
}

export interface Defaults {
  argv: string[];
  extras: Extras;
  /** Where each default came from, for --json notes and tests: option → "profile Office", "SMTP_LENS_HOST", "config.json". */
  sources: Record<string, string>;
}

/** Options no default may set: commands, secrets, what a run prints instead of running. */
const NOT_DEFAULTS = new Set(['help', 'password', 'command', 'dump', 'as', 'profile', 'expn']);

/** Groups that exclude each other: taking one side from a level hides the other side below it. */
const EXCLUSIVE: [string[], string[]][] = [
  [['host', 'port'], ['socket']],
  [['password-env'], ['password-file']],
  [['body'], ['body-file']],
  [['quit-after'], ['drop-after']],
  [['no-pipelining'], ['force-pipelining']],
  [[...COMPOSING_OPTIONS], ['message-file']],
];

type Spec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

/** Where the app keeps profiles: SMTP_LENS_DATA_DIR, else Electron's userData folder for this app on each system. */
export function appDataDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  if (env.SMTP_LENS_DATA_DIR) return path.resolve(env.SMTP_LENS_DATA_DIR);
  const home = env.HOME ?? os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'smtp-lens');
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'smtp-lens');
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'smtp-lens');
}

/** The config file: SMTP_LENS_CONFIG, else $XDG_CONFIG_HOME/smtp-lens/config.json (~/.config by default). */
export function configPath(env: NodeJS.ProcessEnv): string {
  if (env.SMTP_LENS_CONFIG) return path.resolve(env.SMTP_LENS_CONFIG);
  return path.join(env.XDG_CONFIG_HOME || path.join(env.HOME ?? os.homedir(), '.config'), 'smtp-lens', 'config.json');
}

/** One value of a default, checked against the option's type. */
function checked(spec: Spec, name: string, value: unknown, where: string): Value | undefined {
  const option = spec[name];
  if (!option || NOT_DEFAULTS.has(name)) throw new UsageError(`${where}: "${name}" is not an option a default can set`);
  if (option.type === 'boolean') {
    if (typeof value !== 'boolean') throw new UsageError(`${where}: "${name}" takes true or false`);
    return value || undefined;
  }
  if (option.multiple) {
    const list = Array.isArray(value) ? value : [value];
    if (!list.every((v) => typeof v === 'string' || typeof v === 'number'))
      throw new UsageError(`${where}: "${name}" takes a string or a list of strings`);
    return list.map(String);
  }
  if (typeof value !== 'string' && typeof value !== 'number') throw new UsageError(`${where}: "${name}" takes a string or a number`);
  return String(value);
}

/** config.json: `{ "defaults": { "host": "mx.example.net", "tls": "starttls", "timeout": 30, … } }`. */
function fromConfig(spec: Spec, file: string): OptionValues {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UsageError(`${file}: expected an object with "defaults"`);
  const unknownKeys = Object.keys(parsed).filter((k) => k !== 'defaults');
  if (unknownKeys.length) throw new UsageError(`${file}: unknown key "${unknownKeys[0]}" (only "defaults")`);
  const defaults = (parsed as { defaults?: unknown }).defaults ?? {};
  if (typeof defaults !== 'object' || defaults === null || Array.isArray(defaults))
    throw new UsageError(`${file}: "defaults" must be an object`);
  const out: OptionValues = {};
  for (const [name, value] of Object.entries(defaults)) out[name] = checked(spec, name, value, file);
  return out;
}

/** SMTP_LENS_HOST=…, SMTP_LENS_TLS=starttls, SMTP_LENS_PASSWORD_ENV=…: single-valued options and flags only. */
function fromEnv(spec: Spec, env: NodeJS.ProcessEnv): { values: OptionValues; sources: Record<string, string> } {
  const values: OptionValues = {};
  const sources: Record<string, string> = {};
  for (const [name, option] of Object.entries(spec)) {
    if (NOT_DEFAULTS.has(name) || option.multiple) continue;
    const variable = `SMTP_LENS_${name.toUpperCase().replaceAll('-', '_')}`;
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    if (option.type === 'boolean') {
      if (!/^(1|true|yes|0|false|no)$/i.test(raw)) throw new UsageError(`${variable} takes 1/true/yes or 0/false/no (got "${raw}")`);
      if (/^(1|true|yes)$/i.test(raw)) values[name] = true;
    } else values[name] = raw;
    if (values[name] !== undefined) sources[name] = variable;
  }
  return { values, sources };
}

/** A saved profile as option values: its connection and its AUTH user and mechanism (never a secret). */
function fromProfile(profile: ProfileSummary): { values: OptionValues; extras: Extras } {
  const c = profile.connection;
  const values: OptionValues = {
    ...(c.socketPath !== undefined ? { socket: c.socketPath } : {}),
    ...(c.host !== undefined ? { host: c.host } : {}),
    ...(c.port !== undefined ? { port: String(c.port) } : {}),
    ...(c.protocol !== undefined ? { protocol: c.protocol } : {}),
    ...(c.tls !== undefined ? { tls: c.tls } : {}),
    ...(c.verify === false ? { insecure: true } : {}),
    ...(c.servername !== undefined ? { servername: c.servername } : {}),
    ...(c.minVersion !== undefined ? { 'tls-min-version': c.minVersion } : {}),
    ...(c.maxVersion !== undefined ? { 'tls-max-version': c.maxVersion } : {}),
    ...(c.ciphers !== undefined ? { ciphers: c.ciphers } : {}),
    ...(c.ehloName !== undefined ? { ehlo: c.ehloName } : {}),
    ...(c.sourceAddress !== undefined ? { 'source-address': c.sourceAddress } : {}),
    ...(c.timeoutSeconds !== undefined ? { timeout: String(c.timeoutSeconds) } : {}),
    ...(c.deadlineSeconds !== undefined ? { deadline: String(c.deadlineSeconds) } : {}),
    ...(c.allowPlaintextAuth ? { 'allow-plaintext-auth': true } : {}),
    ...(c.captureData ? { 'capture-data': true } : {}),
    ...(profile.auth ? { user: profile.auth.user, auth: profile.auth.mechanism } : {}),
    ...(profile.auth?.authzid !== undefined ? { authzid: profile.auth.authzid } : {}),
  };
  return {
    values,
    extras: {
      ...(c.caPem !== undefined ? { caPem: c.caPem } : {}),
      ...(c.clientCertPem !== undefined ? { clientCertPem: c.clientCertPem } : {}),
    },
  };
}

async function findProfile(env: NodeJS.ProcessEnv, name: string): Promise<ProfileSummary> {
  const dir = appDataDir(env);
  let store: ProfileStore;
  try {
    // Only --profile needs the store (and the schemas it checks profiles with): loaded here, not at start-up.
    const [{ ProfileStore }, { noSecretStore }] = await Promise.all([
      import('../app/services/profile-store.js'),
      import('../app/services/secret-store.js'),
    ]);
    store = await ProfileStore.open(dir, noSecretStore('the command line cannot open the app key store'));
  } catch (error) {
    throw new UsageError(`--profile: cannot read the profiles in ${dir}: ${(error as Error).message}`);
  }
  const all = await store.list();
  const matches = all.filter((p) => p.id === name || p.name.toLowerCase() === name.toLowerCase());
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1)
    throw new UsageError(
      `--profile "${name}": ${matches.length} profiles have that name; give its id (${matches.map((p) => p.id).join(', ')})`,
    );
  const known = all.map((p) => `"${p.name}"`).join(', ');
  throw new UsageError(`--profile "${name}": no such profile in ${dir}${known ? ` (there are ${known})` : ' (there are none)'}`);
}

/** The option names a level's values take, with what each one excludes. */
function excluded(taken: Set<string>): Set<string> {
  const out = new Set<string>();
  for (const [a, b] of EXCLUSIVE) {
    if (a.some((k) => taken.has(k))) b.forEach((k) => out.add(k));
    if (b.some((k) => taken.has(k))) a.forEach((k) => out.add(k));
  }
  return out;
}

/** argv with the defaults of the profile, the environment and the config file added where argv does not decide. */
export async function withDefaults(argv: string[], spec: Spec, env: NodeJS.ProcessEnv): Promise<Defaults> {
  let given: OptionValues;
  try {
    given = parseArgs({ args: argv, options: { ...spec, profile: { type: 'string' } }, allowPositionals: true, strict: true })
      .values as OptionValues;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const profileName = given.profile as string | undefined;
  const rest = profileName === undefined ? argv : withoutProfile(argv);
  const taken = new Set(Object.keys(given).filter((k) => given[k] !== undefined && k !== 'profile'));
  const levels: { name: string; values: OptionValues; sources?: Record<string, string> }[] = [];
  let extras: Extras = {};
  if (profileName !== undefined) {
    const profile = await findProfile(env, profileName);
    const made = fromProfile(profile);
    levels.push({ name: `profile "${profile.name}"`, values: made.values });
    extras = made.extras;
    if (profile.connection.clientCertPem !== undefined && !taken.has('client-key')) {
      throw new UsageError(
        `--profile "${profile.name}" has a client certificate whose key is in the app's key store, which the command line cannot open: give --client-key FILE`,
      );
    }
    if (taken.has('ca')) delete extras.caPem;
    if (taken.has('client-cert')) delete extras.clientCertPem;
  }
  const fromEnvironment = fromEnv(spec, env);
  levels.push({ name: 'environment', values: fromEnvironment.values, sources: fromEnvironment.sources });
  levels.push({ name: path.basename(configPath(env)), values: fromConfig(spec, configPath(env)) });

  const added: string[] = [];
  const sources: Record<string, string> = {};
  for (const level of levels) {
    const hidden = excluded(taken);
    const now: string[] = [];
    for (const [name, value] of Object.entries(level.values)) {
      if (value === undefined || taken.has(name) || hidden.has(name)) continue;
      if (name === 'ca' && extras.caPem !== undefined) continue;
      if (name === 'client-cert' && extras.clientCertPem !== undefined) continue;
      now.push(name);
      sources[name] = level.sources?.[name] ?? level.name;
      if (value === true) added.push(`--${name}`);
      else if (Array.isArray(value)) for (const v of value) added.push(`--${name}=${v}`);
      else if (typeof value === 'string') added.push(`--${name}=${value}`);
    }
    now.forEach((n) => taken.add(n));
  }
  return { argv: [...rest, ...added], extras, sources };
}

/** argv without --profile and its value (it is not an option of the commands themselves). */
function withoutProfile(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (a === '--profile') i++;
    else if (!a.startsWith('--profile=')) out.push(a);
  }
  return out;
}
