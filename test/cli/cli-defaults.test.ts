import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../shared/session-record.js';
import { EXIT } from '../../electron/cli/exit-codes.js';
import { ProfileStore } from '../../electron/app/services/profile-store.js';
import { noSecretStore } from '../../electron/app/services/secret-store.js';
import { assertCliBuilt, cli, type Run } from '../helpers/cli.js';
import { testPki } from '../helpers/certs.js';
import { startLibraryServer, type LibraryServer } from '../helpers/library-server.js';

/**
 * Defaults from a profile the app saved (--profile), SMTP_LENS_* variables and config.json, in that order below the
 * command line, each hiding what the level above excludes; against a real server.
 */

const USER = 'profile-user@example.test';
const SECRET = 'Profile-Secret-09f2';
const servers: LibraryServer[] = [];
let home: string;

beforeAll(async () => {
  assertCliBuilt();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(options: Parameters<typeof startLibraryServer>[0] = {}): Promise<LibraryServer> {
  const s = await startLibraryServer(options);
  servers.push(s);
  return s;
}

/** A fresh XDG_CONFIG_HOME with config.json holding `defaults`, and an empty profile folder. */
async function freshHome(defaults?: unknown): Promise<NodeJS.ProcessEnv> {
  home = await mkdtemp(join(tmpdir(), 'smtp-lens-defaults-'));
  if (defaults !== undefined) {
    await mkdir(join(home, 'smtp-lens'), { recursive: true });
    await writeFile(join(home, 'smtp-lens', 'config.json'), typeof defaults === 'string' ? defaults : JSON.stringify({ defaults }));
  }
  return { XDG_CONFIG_HOME: home, SMTP_LENS_DATA_DIR: join(home, 'data') };
}

const record = (run: Run): SessionRecord => JSON.parse(run.stdout) as SessionRecord;

describe('config.json and SMTP_LENS_*', () => {
  it('config.json gives host, port and EHLO name; SMTP_LENS_EHLO is above it; the command line above both', async () => {
    const s = await server();
    const env = await freshHome({ host: '127.0.0.1', port: s.port, ehlo: 'from-config.test', timeout: 5 });
    const fromConfig = record(await cli(['probe', '--json'], env));
    expect(fromConfig.target).toMatchObject({ host: '127.0.0.1', port: s.port, ehloName: 'from-config.test' });
    expect(fromConfig.result.ok).toBe(true);
    const fromEnv = record(await cli(['probe', '--json'], { ...env, SMTP_LENS_EHLO: 'from-env.test' }));
    expect(fromEnv.target.ehloName).toBe('from-env.test');
    const fromCli = record(await cli(['probe', '--json', '--ehlo', 'from-cli.test'], { ...env, SMTP_LENS_EHLO: 'from-env.test' }));
    expect(fromCli.target.ehloName).toBe('from-cli.test');
  });

  it('--socket on the command line hides the configured --host and --port (no conflict)', async () => {
    const s = await server({ unix: true });
    const env = await freshHome({ host: 'mx.example.invalid', port: 25 });
    const run = await cli(['probe', '--socket', s.path!, '--json'], env);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(record(run).target.socketPath).toBe(s.path);
  });

  it.each([
    [{ hots: 'x' }, /"hots" is not an option a default can set/],
    [{ password: 'x' }, /"password" is not an option a default can set/],
    [{ insecure: 'yes' }, /"insecure" takes true or false/],
    ['{"defaults": ', /is not JSON/],
    [{ tls: 'sometimes', host: 'h' }, /--tls must be one of/],
  ])('config %j → a clear usage error', async (defaults, message) => {
    const env = await freshHome(defaults);
    const run = await cli(['probe'], env);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(message);
  });

  it('a flag variable that is not a yes or a no is refused', async () => {
    const run = await cli(['probe', '--host', 'h'], { ...(await freshHome()), SMTP_LENS_INSECURE: 'maybe' });
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/SMTP_LENS_INSECURE takes 1\/true\/yes or 0\/false\/no/);
  });
});

describe('--profile', () => {
  type Connection = Parameters<ProfileStore['save']>[0]['connection'];
  const conn = (c: Partial<Connection>): Connection => ({
    protocol: 'smtp',
    tls: 'off',
    verify: true,
    allowPlaintextAuth: false,
    captureData: false,
    ...c,
  });
  async function saveProfile(env: NodeJS.ProcessEnv, profile: Parameters<ProfileStore['save']>[0]): Promise<void> {
    const store = await ProfileStore.open(env.SMTP_LENS_DATA_DIR!, noSecretStore('tests'));
    await store.save(profile);
  }

  it('uses the saved connection (STARTTLS with its CA) and AUTH user; the password from --password-env; a profile is above SMTP_LENS_*', async () => {
    const s = await server({ tls: 'starttls', auth: { user: USER, password: SECRET } });
    const env = await freshHome();
    await saveProfile(env, {
      name: 'Office relay',
      connection: conn({ host: '127.0.0.1', port: s.port, tls: 'starttls', caPem: (await testPki()).caCert, ehloName: 'profile.test' }),
      auth: { mechanism: 'plain', user: USER },
    });
    const run = await cli(['probe', '--profile', 'office relay', '--password-env', 'PW', '--json'], {
      ...env,
      PW: SECRET,
      SMTP_LENS_EHLO: 'env.test',
    });
    expect(run.code, run.stderr).toBe(EXIT.ok);
    const r = record(run);
    expect(r.target).toMatchObject({ host: '127.0.0.1', port: s.port, tls: 'starttls', ehloName: 'profile.test' });
    expect(r.tls).toMatchObject({ authorized: true });
    expect(r.auth).toMatchObject({ mechanism: 'PLAIN', ok: true });
    expect(run.stdout).not.toContain(SECRET);
  });

  it('without a password, and no terminal to ask in: says the key store is not open to the command line', async () => {
    const env = await freshHome();
    await saveProfile(env, { name: 'Office', connection: conn({ host: '127.0.0.1', port: 1 }), auth: { mechanism: 'auto', user: USER } });
    const run = await cli(['probe', '--profile', 'Office'], env);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(
      /profile "Office"'s password is kept in the app's key store, which the command line cannot open: give --password-env/,
    );
  });

  it('an unknown profile names the ones there are', async () => {
    const env = await freshHome();
    await saveProfile(env, { name: 'Office', connection: conn({ host: 'h' }) });
    const run = await cli(['probe', '--profile', 'Home'], env);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/--profile "Home": no such profile in .* \(there are "Office"\)/);
  });

  it('a client certificate whose key is in the key store needs --client-key', async () => {
    const env = await freshHome();
    const pki = await testPki();
    await saveProfile(env, { name: 'Mutual', connection: conn({ host: 'h', tls: 'implicit', clientCertPem: pki.cert }) });
    const run = await cli(['probe', '--profile', 'Mutual'], env);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/whose key is in the app's key store.*give --client-key FILE/);
  });
});
