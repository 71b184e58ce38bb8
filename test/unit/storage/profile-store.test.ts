import fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProfileStore } from '../../../electron/app/services/profile-store.js';
import { noSecretStore } from '../../../electron/app/services/secret-store.js';
import type { ProfileInput } from '../../../electron/app/services/types.js';
import { ProfileInputSchema, type ProfileInput as ProfileRequest } from '../../../shared/ipc/schemas.js';
import { fakeSecretStore } from './fake-secrets.js';

// Recognisable secrets: they must never appear in profiles.json nor in list().
const PASSWORD = 'Canary-Pa55w0rd-91c2d7';
const CLIENT_KEY = '-----BEGIN PRIVATE KEY-----\nCanary-Client-Key-5e0a8b\n-----END PRIVATE KEY-----\n';
const CLIENT_CERT = '-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n';

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'smtp-lens-profiles-'));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await fs.rm(dir, { recursive: true, force: true });
});

/** A profile as main receives it: parsed by the request schema. */
const input = (profile: ProfileRequest): ProfileInput => ProfileInputSchema.parse(profile);

const basic = {
  name: 'Office relay',
  connection: { host: 'mail.example.test', port: 587, tls: 'starttls' as const },
  auth: { mechanism: 'plain' as const, user: 'alice@example.test' },
};

const fileText = () => fs.readFile(join(dir, 'profiles.json'), 'utf8');

describe('ProfileStore', () => {
  it('starts empty without a file, and writes nothing until a change', async () => {
    const store = await ProfileStore.open(dir, fakeSecretStore());
    expect(await store.list()).toEqual([]);
    expect(store.warnings).toEqual([]);
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('round-trips profiles through the file', async () => {
    const store = await ProfileStore.open(dir, fakeSecretStore());
    const saved = await store.save(input({ ...basic, secret: PASSWORD }));
    expect(saved.id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(saved).toMatchObject({ name: 'Office relay', hasSecret: true, auth: basic.auth });
    expect(saved.connection).toMatchObject({ host: 'mail.example.test', port: 587, tls: 'starttls', verify: true });
    const other = await store.save(input({ name: 'Archive LMTP', connection: { protocol: 'lmtp', socketPath: '/run/lmtp.sock' } }));

    const reopened = await ProfileStore.open(dir, fakeSecretStore());
    expect(reopened.warnings).toEqual([]);
    expect(await reopened.list()).toEqual(await store.list());
    expect((await reopened.list()).map((p) => p.id)).toEqual([other.id, saved.id]); // sorted by name
    expect(await reopened.secretFor(saved.id)).toBe(PASSWORD);
    expect(await reopened.secretFor(other.id)).toBeUndefined();
    expect(JSON.parse(await fileText())).toMatchObject({ version: 1 });
  });

  it('updates keep the stored secret unless a new one or null is given', async () => {
    const store = await ProfileStore.open(dir, fakeSecretStore());
    const { id } = await store.save(input({ ...basic, secret: PASSWORD }));
    const renamed = await store.save(input({ ...basic, id, name: 'Renamed' }));
    expect(renamed).toMatchObject({ id, name: 'Renamed', hasSecret: true });
    expect(await store.secretFor(id)).toBe(PASSWORD);
    await store.save(input({ ...basic, id, secret: 'another' }));
    expect(await store.secretFor(id)).toBe('another');
    const forgotten = await store.save(input({ ...basic, id, secret: null }));
    expect(forgotten.hasSecret).toBe(false);
    expect(await store.secretFor(id)).toBeUndefined();
    expect(await fileText()).not.toContain('secretCiphertext');
  });

  it('never writes a secret or client key in plain text, and never lists them', async () => {
    const store = await ProfileStore.open(dir, fakeSecretStore());
    const { id } = await store.save(
      input({ ...basic, secret: PASSWORD, connection: { ...basic.connection, clientCertPem: CLIENT_CERT, clientKeyPem: CLIENT_KEY } }),
    );
    const text = await fileText();
    expect(text).not.toContain('Canary');
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).toContain('secretCiphertext');
    expect(text).toContain('clientKeyCiphertext');
    expect(text).toContain('MIIBcert'); // the certificate is public and kept

    const listed = JSON.stringify(await store.list());
    expect(listed).not.toContain('Canary');
    expect(listed).not.toContain('Ciphertext');
    expect(listed).not.toContain('clientKeyPem');
    expect(await store.clientKeyFor(id)).toBe(CLIENT_KEY);
    expect(store.hasClientKey(id)).toBe(true);
  });

  it('keeps the client key across an edit (list() cannot return it), forgets it on "" or when the certificate goes', async () => {
    const store = await ProfileStore.open(dir, fakeSecretStore());
    const withCert = { ...basic.connection, clientCertPem: CLIENT_CERT };
    const { id } = await store.save(input({ ...basic, connection: { ...withCert, clientKeyPem: CLIENT_KEY } }));
    const [listed] = await store.list();
    await store.save(input({ id, name: 'Edited', connection: listed!.connection }));
    expect(await store.clientKeyFor(id)).toBe(CLIENT_KEY);
    await store.save(input({ ...basic, id, connection: { ...withCert, clientKeyPem: '' } }));
    expect(await store.clientKeyFor(id)).toBeUndefined();
    await store.save(input({ ...basic, id, connection: { ...withCert, clientKeyPem: CLIENT_KEY } }));
    await store.save(input({ ...basic, id }));
    expect(await store.clientKeyFor(id)).toBeUndefined();
  });

  it('refuses to store a secret or a client key without a key store, and stores nothing', async () => {
    const store = await ProfileStore.open(dir, noSecretStore('this system offers no key store (basic_text)'));
    await expect(store.save(input({ ...basic, secret: PASSWORD }))).rejects.toMatchObject({
      code: 'secret-store-unavailable',
      message: expect.stringContaining('basic_text'),
    });
    await expect(
      store.save(input({ ...basic, connection: { ...basic.connection, clientCertPem: CLIENT_CERT, clientKeyPem: CLIENT_KEY } })),
    ).rejects.toMatchObject({ code: 'secret-store-unavailable' });
    expect(await store.list()).toEqual([]);
    // Without a secret the profile saves fine.
    const saved = await store.save(input(basic));
    expect(saved.hasSecret).toBe(false);
    expect(await fileText()).not.toContain('Canary');
  });

  it('reports stored secrets as unusable (hasSecret false) when the key store has gone', async () => {
    const first = await ProfileStore.open(dir, fakeSecretStore());
    const { id } = await first.save(input({ ...basic, secret: PASSWORD }));
    const later = await ProfileStore.open(dir, noSecretStore('no key store now'));
    expect(later.warnings.join('\n')).toMatch(/1 profile\(s\) have a stored password.*no key store now/);
    expect((await later.list())[0]).toMatchObject({ id, hasSecret: false });
    await expect(later.secretFor(id)).rejects.toMatchObject({ code: 'secret-store-unavailable' });
    expect(await fileText()).toContain('secretCiphertext'); // kept for when the key store is back
  });

  it('deletes, and reports unknown ids as not-found', async () => {
    const store = await ProfileStore.open(dir, fakeSecretStore());
    const { id } = await store.save(input(basic));
    await store.delete(id);
    expect(await store.list()).toEqual([]);
    expect(JSON.parse(await fileText())).toEqual({ version: 1, profiles: [] });
    await expect(store.delete(id)).rejects.toMatchObject({ code: 'not-found' });
    await expect(store.save(input({ ...basic, id }))).rejects.toMatchObject({ code: 'not-found' });
    await expect(store.secretFor(id)).rejects.toMatchObject({ code: 'not-found' });
  });

  it('keeps a corrupt profiles.json aside with its exact bytes, reports it, and starts empty', async () => {
    const original = Buffer.from('{"version":1,"profiles":[{"id":"abc","name":\n\u00e9\u0000 truncated', 'utf8');
    await fs.writeFile(join(dir, 'profiles.json'), original);
    const store = await ProfileStore.open(dir, fakeSecretStore());
    expect(await store.list()).toEqual([]);
    expect(store.warnings).toHaveLength(1);
    const aside = (await fs.readdir(dir)).find((n) => n.startsWith('profiles.json.corrupt-'));
    expect(aside).toMatch(/^profiles\.json\.corrupt-\d{4}-\d\d-\d\dT\d{6}\.\d{3}Z$/);
    expect(store.warnings[0]).toContain(aside);
    expect(Buffer.compare(await fs.readFile(join(dir, aside!)), original)).toBe(0);

    // New profiles go to a new file; the kept copy is untouched.
    await store.save(input(basic));
    expect(Buffer.compare(await fs.readFile(join(dir, aside!)), original)).toBe(0);
    expect((await ProfileStore.open(dir, fakeSecretStore())).warnings).toEqual([]);
  });

  it('treats a file failing validation (e.g. a plain-text client key) as corrupt', async () => {
    const bad = {
      version: 1,
      profiles: [
        {
          id: 'p1',
          name: 'x',
          connection: { host: 'h', clientKeyPem: CLIENT_KEY },
          createdAt: '2024-01-01T00:00:00.000Z',
          updatedAt: '2024-01-01T00:00:00.000Z',
        },
      ],
    };
    await fs.writeFile(join(dir, 'profiles.json'), JSON.stringify(bad));
    const store = await ProfileStore.open(dir, fakeSecretStore());
    expect(store.warnings[0]).toMatch(/plain text/);
    expect(await store.list()).toEqual([]);
  });

  it('serialises concurrent saves: none is lost', async () => {
    const store = await ProfileStore.open(dir, fakeSecretStore());
    const saved = await Promise.all(Array.from({ length: 20 }, (_, i) => store.save(input({ ...basic, name: `P${i}`, secret: `s${i}` }))));
    expect(new Set(saved.map((p) => p.id)).size).toBe(20);
    const reopened = await ProfileStore.open(dir, fakeSecretStore());
    expect(await reopened.list()).toHaveLength(20);
    expect(await reopened.secretFor(saved[7]!.id)).toBe('s7');
    expect((await fs.readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps the list as it was when a write fails', async () => {
    const store = await ProfileStore.open(dir, fakeSecretStore());
    await store.save(input(basic));
    vi.spyOn(fs, 'rename').mockRejectedValueOnce(Object.assign(new Error('disk full'), { code: 'ENOSPC' }));
    await expect(store.save(input({ ...basic, name: 'Second' }))).rejects.toMatchObject({ code: 'storage-failed' });
    expect(await store.list()).toHaveLength(1);
    // The queue goes on after a failure.
    await store.save(input({ ...basic, name: 'Third' }));
    expect((await store.list()).map((p) => p.name)).toEqual(['Office relay', 'Third']);
  });
});
