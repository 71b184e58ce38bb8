import { describe, expect, it } from 'vitest';
import type { ProfileSummary } from '../../../shared/ipc/contract.js';
import type { ProfileInput } from '../../../shared/ipc/schemas.js';
import { DEFAULT_AUTH_FORM, DEFAULT_CONNECTION_FORM } from '../../../renderer/src/store/connection-form.js';
import { createAppStore } from '../../../renderer/src/store/index.js';
import { formsFromProfile, profileInputFromForm, uniqueProfileName } from '../../../renderer/src/store/profiles-slice.js';
import { failed, fakeApi, ok } from './fake-api.js';

/** Profiles in the store, against a fake API that keeps them in memory like main's ProfileStore. */

const KEY = '-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nC\n-----END CERTIFICATE-----\n';

function profileServer(secretStorage: boolean) {
  const stored = new Map<string, ProfileSummary & { secret?: string; key?: string }>();
  let n = 0;
  const saved: ProfileInput[] = [];
  const api = fakeApi({
    appInfo: async () =>
      ok({
        version: '1',
        host: 'electron',
        secretStorage: secretStorage ? { available: true } : { available: false, reason: 'basic_text' },
        dataDirectory: '/d',
      }),
    listProfiles: async () => ok([...stored.values()].map(({ secret: _s, key: _k, ...p }) => p)),
    saveProfile: async (input) => {
      saved.push(structuredClone(input));
      const id = input.id ?? `p${++n}`;
      const before = stored.get(id);
      const { clientKeyPem, ...connection } = input.connection;
      const secret = input.secret === null ? undefined : (input.secret ?? before?.secret);
      const key = clientKeyPem ?? (connection.clientCertPem ? before?.key : undefined);
      const summary = {
        id,
        name: input.name,
        connection,
        ...(input.auth ? { auth: { mechanism: input.auth.mechanism ?? 'auto', user: input.auth.user } } : {}),
        hasSecret: secret !== undefined,
        hasClientKey: key !== undefined,
        updatedAt: 'now',
      };
      stored.set(id, { ...summary, ...(secret !== undefined ? { secret } : {}), ...(key !== undefined ? { key } : {}) });
      return ok(summary);
    },
    deleteProfile: async (id) => (stored.delete(id) ? ok(null) : failed({ code: 'not-found', message: `no profile with id ${id}` })),
  });
  return { api, stored, saved };
}

async function storeWith(secretStorage: boolean) {
  const server = profileServer(secretStorage);
  const store = createAppStore(server.api);
  await store.getState().init();
  return { ...server, store };
}

describe('profiles', () => {
  it('save the form as a profile; it becomes the active one and its password is used from main', async () => {
    const { store, saved, stored } = await storeWith(true);
    store.getState().setConnection({ ...DEFAULT_CONNECTION_FORM, host: 'mx.example.net', port: '587', tls: 'starttls' });
    store.getState().setAuth({ ...DEFAULT_AUTH_FORM, user: 'alice', secret: 'pw' });
    expect(await store.getState().saveProfileFromForm(' Office ', { rememberSecret: true })).toBe(true);
    expect(saved[0]).toEqual({
      name: 'Office',
      connection: { protocol: 'smtp', tls: 'starttls', verify: true, host: 'mx.example.net', port: 587 },
      auth: { mechanism: 'auto', user: 'alice' },
      secret: 'pw',
    });
    expect(stored.get('p1')?.secret).toBe('pw');
    expect(store.getState().profiles).toMatchObject({ activeId: 'p1', list: [{ name: 'Office', hasSecret: true }] });
    expect(store.getState().auth.useStored).toBe(true);
  });

  it('without a key store the password and client key are left out, and the user is told why', async () => {
    const { store, saved } = await storeWith(false);
    store.getState().setConnection({ ...DEFAULT_CONNECTION_FORM, host: 'mx', clientCertPem: CERT, clientKeyPem: KEY });
    store.getState().setAuth({ ...DEFAULT_AUTH_FORM, user: 'alice', secret: 'pw' });
    expect(await store.getState().saveProfileFromForm('Office', { rememberSecret: true })).toBe(true);
    expect(saved[0]?.secret).toBeUndefined();
    expect(saved[0]?.connection.clientKeyPem).toBeUndefined();
    expect(saved[0]?.connection.clientCertPem).toBe(CERT);
    expect(store.getState().profiles.notice).toMatch(/without the client key and the password: basic_text/);
  });

  it('a client key is stored (encrypted by main) where a key store exists; loading the profile uses it from main', async () => {
    const { store, saved, stored } = await storeWith(true);
    store.getState().setConnection({ ...DEFAULT_CONNECTION_FORM, host: 'mx', tls: 'implicit', clientCertPem: CERT, clientKeyPem: KEY });
    await store.getState().saveProfileFromForm('mTLS', { rememberSecret: false });
    expect(saved[0]?.connection.clientKeyPem).toBe(KEY);
    expect(stored.get('p1')?.hasClientKey).toBe(true);
    store.getState().setConnection(DEFAULT_CONNECTION_FORM);
    store.getState().applyProfile('p1');
    expect(store.getState().connection).toMatchObject({ host: 'mx', clientCertPem: CERT, clientKeyPem: '', clientKeyStored: true });
  });

  it('rename keeps the stored password; duplicate makes a new name without it; delete forgets the active one', async () => {
    const { store, saved } = await storeWith(true);
    store.getState().setConnection({ ...DEFAULT_CONNECTION_FORM, host: 'mx' });
    store.getState().setAuth({ ...DEFAULT_AUTH_FORM, user: 'alice', secret: 'pw' });
    await store.getState().saveProfileFromForm('Office', { rememberSecret: true });

    expect(await store.getState().renameProfile('p1', 'Head office')).toBe(true);
    expect(saved[1]).toEqual({
      id: 'p1',
      name: 'Head office',
      connection: saved[0]!.connection,
      auth: { mechanism: 'auto', user: 'alice' },
    });
    expect(store.getState().profiles.list.find((p) => p.id === 'p1')).toMatchObject({ name: 'Head office', hasSecret: true });
    expect(await store.getState().renameProfile('p1', '  ')).toBe(false);
    expect(store.getState().profiles.error?.message).toMatch(/name/);

    expect(await store.getState().duplicateProfile('p1')).toBe(true);
    expect(saved[2]).toMatchObject({ name: 'Head office (copy)' });
    expect(saved[2]).not.toHaveProperty('secret');
    expect(store.getState().profiles.list.map((p) => p.name)).toEqual(['Head office', 'Head office (copy)']);
    expect(store.getState().profiles.notice).toMatch(/without the stored password/);
    await store.getState().duplicateProfile('p1');
    expect(store.getState().profiles.list.map((p) => p.name)).toContain('Head office (copy 2)');

    expect(store.getState().profiles.activeId).toBe('p1');
    expect(await store.getState().deleteProfile('p1')).toBe(true);
    expect(store.getState().profiles.activeId).toBeUndefined();
    expect(store.getState().auth.useStored).toBe(false);
    expect(store.getState().profiles.list.map((p) => p.id)).not.toContain('p1');
    expect(await store.getState().deleteProfile('p1')).toBe(false);
    expect(store.getState().profiles.error?.code).toBe('not-found');
  });

  it('an update without "remember" forgets the stored password', async () => {
    const { store, saved } = await storeWith(true);
    store.getState().setConnection({ ...DEFAULT_CONNECTION_FORM, host: 'mx' });
    store.getState().setAuth({ ...DEFAULT_AUTH_FORM, user: 'alice', secret: 'pw' });
    await store.getState().saveProfileFromForm('Office', { rememberSecret: true });
    await store.getState().saveProfileFromForm('Office', { rememberSecret: false, id: 'p1' });
    expect(saved[1]).toMatchObject({ id: 'p1', secret: null });
    expect(store.getState().profiles.list[0]?.hasSecret).toBe(false);
  });

  it('a form with problems is not saved', async () => {
    const { store, saved } = await storeWith(true);
    expect(await store.getState().saveProfileFromForm('Empty', { rememberSecret: false })).toBe(false);
    expect(saved).toEqual([]);
    expect(store.getState().profiles.error?.code).toBe('invalid-input');
    expect(await store.getState().saveProfileFromForm('', { rememberSecret: false })).toBe(false);
  });

  it('pure helpers', () => {
    const list = [{ name: 'A (copy)' }, { name: 'a (copy 2)' }] as ProfileSummary[];
    expect(uniqueProfileName('A', list)).toBe('A (copy 3)');
    expect(uniqueProfileName('B', list)).toBe('B (copy)');
    const built = profileInputFromForm('x', { ...DEFAULT_CONNECTION_FORM, host: 'mx' }, DEFAULT_AUTH_FORM, {
      rememberSecret: true,
      secretStorage: true,
    });
    expect(built).toEqual({
      ok: true,
      dropped: [],
      input: { name: 'x', connection: { protocol: 'smtp', tls: 'off', verify: true, host: 'mx', port: 25 } },
    });
    const forms = formsFromProfile({
      id: 'p',
      name: 'n',
      connection: { host: 'mx', tls: 'starttls' },
      auth: { mechanism: 'bogus', user: 'u' },
      hasSecret: true,
      updatedAt: '',
    });
    expect(forms.auth).toMatchObject({ mechanism: 'auto', user: 'u', useStored: true, secret: '' });
    expect(forms.connection).toMatchObject({ host: 'mx', tls: 'starttls', port: '25', clientKeyStored: false });
  });

  it('a listing that fails is shown with the profiles', async () => {
    const store = createAppStore(fakeApi({ listProfiles: async () => failed({ code: 'storage-failed', message: 'disk' }) }));
    await store.getState().loadProfiles();
    expect(store.getState().profiles).toMatchObject({ loaded: false, error: { code: 'storage-failed' } });
  });
});
