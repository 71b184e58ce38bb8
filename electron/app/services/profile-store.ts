import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { ProfileSummary } from '../../../shared/ipc/contract.js';
import { ConnectionSettingsSchema, ProfileInputSchema } from '../../../shared/ipc/schemas.js';
import { AppError } from './app-error.js';
import { readJsonFile, writeFileAtomic } from './atomic-file.js';
import type { ProfileInput, ProfileStoreApi, SecretStore } from './types.js';
import { defined } from '../../../shared/defined.js';

/**
 * Connection profiles in `<dir>/profiles.json`, written atomically on every change.
 *
 * Secrets: the password/token (`secret`) and the TLS client key (`connection.clientKeyPem`) are stored
 * only as ciphertext from the SecretStore (`secretCiphertext`, `clientKeyCiphertext`), never in plain
 * text, and never returned by `list()`. Where the store is unavailable, saving either one throws
 * AppError('secret-store-unavailable'): the caller then saves without it and asks each time.
 *
 * Client key on update: `clientKeyPem` absent keeps the stored key as long as the profile still has a
 * client certificate (list() cannot return the key, so an edited profile comes back without it);
 * `clientKeyPem: ''` forgets it, as does removing the certificate; a non-empty key replaces it.
 */

export const PROFILES_FILE = 'profiles.json';
const ID = /^[A-Za-z0-9_-]{1,64}$/;

const ciphertext = z
  .string()
  .min(1)
  .max(256 * 1024)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64');

const StoredProfileSchema = z
  .object({
    id: z.string().regex(ID, 'not a valid id'),
    name: z.string().min(1).max(200),
    connection: ConnectionSettingsSchema.refine((c) => c.clientKeyPem === undefined, {
      message: 'a client key must not be stored in plain text',
    }),
    auth: ProfileInputSchema.shape.auth,
    secretCiphertext: ciphertext.optional(),
    clientKeyCiphertext: ciphertext.optional(),
    createdAt: z.string().min(1).max(64),
    updatedAt: z.string().min(1).max(64),
  })
  .strict();

const ProfilesFileSchema = z
  .object({
    version: z.literal(1),
    profiles: z.array(StoredProfileSchema).max(10_000),
  })
  .strict()
  .refine((file) => new Set(file.profiles.map((p) => p.id)).size === file.profiles.length, {
    message: 'two profiles have the same id',
  });

type StoredProfile = z.output<typeof StoredProfileSchema>;
type StoredConnection = StoredProfile['connection'];

/** A fresh random id: 32 hex digits. */
function newId(): string {
  return randomUUID().replaceAll('-', '');
}

export class ProfileStore implements ProfileStoreApi {
  readonly warnings: string[] = [];
  private profiles: StoredProfile[] = [];
  /** Every change runs after the previous one has finished (written or failed). */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly file: string,
    private readonly secrets: SecretStore,
  ) {}

  /** Load (or start) the profiles in `dir`. A corrupt file is moved aside, reported in `warnings`, and the list starts empty. */
  static async open(dir: string, secrets: SecretStore): Promise<ProfileStore> {
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw new AppError('storage-failed', `could not create ${dir}: ${(error as Error).message}`, { cause: error });
    }
    const store = new ProfileStore(join(dir, PROFILES_FILE), secrets);
    const read = await readJsonFile(store.file, (value) => ProfilesFileSchema.parse(value));
    if ('value' in read) {
      store.profiles = read.value.profiles;
    } else if ('corrupt' in read) {
      store.warnings.push(
        `${PROFILES_FILE} could not be read (${read.reason}); it was kept as ${read.movedTo} and the profile list starts empty`,
      );
    }
    const locked = store.profiles.filter((p) => p.secretCiphertext !== undefined || p.clientKeyCiphertext !== undefined);
    if (!secrets.available && locked.length > 0) {
      store.warnings.push(
        `${locked.length} profile(s) have a stored password or client key that cannot be used now: ${secrets.reason ?? 'no key store'}`,
      );
    }
    return store;
  }

  async list(): Promise<ProfileSummary[]> {
    return [...this.profiles]
      .sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.id.localeCompare(b.id))
      .map((p) => this.summary(p));
  }

  save(input: ProfileInput): Promise<ProfileSummary> {
    return this.serialise(async () => {
      const parsed = ProfileInputSchema.safeParse(input);
      if (!parsed.success) {
        throw new AppError(
          'internal',
          `invalid profile: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      }
      const profile = parsed.data;
      const existing = profile.id === undefined ? undefined : this.profiles.find((p) => p.id === profile.id);
      if (profile.id !== undefined && !existing) throw new AppError('not-found', `no profile with id ${profile.id}`);

      const { clientKeyPem, ...rest } = profile.connection;
      const connection: StoredConnection = rest;

      // Refuse before encrypting anything, so nothing half-done is kept.
      const wantsSecret = typeof profile.secret === 'string';
      const wantsKey = typeof clientKeyPem === 'string' && clientKeyPem.length > 0;
      if ((wantsSecret || wantsKey) && !this.secrets.available) {
        const what = wantsSecret && wantsKey ? 'the password and the client key' : wantsSecret ? 'the password' : 'the client key';
        throw new AppError('secret-store-unavailable', `${what} cannot be stored: ${this.secrets.reason ?? 'no key store is available'}`);
      }

      let secretCiphertext: string | undefined;
      if (profile.secret === null) secretCiphertext = undefined;
      else if (typeof profile.secret === 'string') secretCiphertext = await this.secrets.encrypt(profile.secret);
      else secretCiphertext = existing?.secretCiphertext;

      let clientKeyCiphertext: string | undefined;
      if (wantsKey) clientKeyCiphertext = await this.secrets.encrypt(clientKeyPem);
      else if (clientKeyPem === '' || connection.clientCertPem === undefined) clientKeyCiphertext = undefined;
      else clientKeyCiphertext = existing?.clientKeyCiphertext;

      const now = new Date().toISOString();
      const entry: StoredProfile = {
        id: existing?.id ?? newId(),
        name: profile.name,
        connection,
        ...(profile.auth ? { auth: profile.auth } : {}),
        ...defined({ secretCiphertext, clientKeyCiphertext }),
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      };
      const next = existing ? this.profiles.map((p) => (p === existing ? entry : p)) : [...this.profiles, entry];
      await this.write(next);
      return this.summary(entry);
    });
  }

  delete(id: string): Promise<void> {
    return this.serialise(async () => {
      const next = this.profiles.filter((p) => p.id !== id);
      if (next.length === this.profiles.length) throw new AppError('not-found', `no profile with id ${id}`);
      await this.write(next);
    });
  }

  async secretFor(id: string): Promise<string | undefined> {
    const profile = this.find(id);
    return profile.secretCiphertext === undefined ? undefined : this.secrets.decrypt(profile.secretCiphertext);
  }

  /** The stored TLS client key of a profile, decrypted, for main's own use only. */
  async clientKeyFor(id: string): Promise<string | undefined> {
    const profile = this.find(id);
    return profile.clientKeyCiphertext === undefined ? undefined : this.secrets.decrypt(profile.clientKeyCiphertext);
  }

  /** Whether a profile has a stored client key (usable now). */
  hasClientKey(id: string): boolean {
    return this.find(id).clientKeyCiphertext !== undefined && this.secrets.available;
  }

  private find(id: string): StoredProfile {
    const profile = this.profiles.find((p) => p.id === id);
    if (!profile) throw new AppError('not-found', `no profile with id ${id}`);
    return profile;
  }

  /** What the renderer may see: no secret, no ciphertext, no client key. */
  private summary(p: StoredProfile): ProfileSummary {
    return {
      id: p.id,
      name: p.name,
      connection: structuredClone(p.connection),
      ...(p.auth ? { auth: { ...p.auth } } : {}),
      // A stored secret the key store cannot open now is no use: the renderer should ask for it.
      hasSecret: p.secretCiphertext !== undefined && this.secrets.available,
      hasClientKey: p.clientKeyCiphertext !== undefined && this.secrets.available,
      updatedAt: p.updatedAt,
    };
  }

  /** Write the new list; memory follows only once the file is safely replaced. */
  private async write(next: StoredProfile[]): Promise<void> {
    const content = { version: 1 as const, profiles: next };
    await writeFileAtomic(this.file, `${JSON.stringify(content, null, 2)}\n`);
    this.profiles = next;
  }

  private serialise<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
