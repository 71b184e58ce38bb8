import { describe, expect, it } from 'vitest';
import type { safeStorage } from 'electron';
import { AppError } from '../../../electron/app/services/app-error.js';
import {
  noSecretStore,
  openSafeStorageSecretStore,
  safeStorageSecretStore,
  type SafeStorageLike,
} from '../../../electron/app/services/secret-store.js';

// Electron's real safeStorage must fit the structural type the store accepts (checked at compile time only).
type ElectronSafeStorage = typeof safeStorage;
const fits: ElectronSafeStorage extends SafeStorageLike ? true : false = true;
void fits;

/** A stand-in for the OS key store: reversible, and the plain text never appears in the ciphertext. */
function fakeSafeStorage(options: { backend?: string; available?: boolean; async?: boolean } = {}): SafeStorageLike & { calls: string[] } {
  const calls: string[] = [];
  const seal = (s: string) => Buffer.concat([Buffer.from('v10'), Buffer.from(s, 'utf8').map((b) => b ^ 0x5a)]);
  const open = (b: Buffer) => {
    if (b.subarray(0, 3).toString() !== 'v10')
      throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return Buffer.from(b.subarray(3).map((x) => x ^ 0x5a)).toString('utf8');
  };
  const fake: SafeStorageLike & { calls: string[] } = {
    calls,
    isEncryptionAvailable: () => options.available ?? true,
    getSelectedStorageBackend: () => options.backend ?? 'gnome_libsecret',
    encryptString: (s) => (calls.push('encryptString'), seal(s)),
    decryptString: (b) => (calls.push('decryptString'), open(b)),
  };
  if (options.async) {
    fake.isAsyncEncryptionAvailable = async () => options.available ?? true;
    fake.encryptStringAsync = async (s) => (calls.push('encryptStringAsync'), seal(s));
    fake.decryptStringAsync = async (b) => (calls.push('decryptStringAsync'), { shouldReEncrypt: false, result: open(b) });
  }
  return fake;
}

const CANARY = 'Canary-Secret-3b91f0';

describe('noSecretStore', () => {
  it('is unavailable and refuses with its reason', async () => {
    const store = noSecretStore('no key store here');
    expect(store.available).toBe(false);
    expect(store.reason).toBe('no key store here');
    await expect(store.encrypt('x')).rejects.toMatchObject({ code: 'secret-store-unavailable', message: 'no key store here' });
    await expect(store.decrypt('eA==')).rejects.toBeInstanceOf(AppError);
  });
});

describe('safeStorageSecretStore', () => {
  it('round-trips through the key store as base64 ciphertext', async () => {
    const store = safeStorageSecretStore(fakeSafeStorage(), { platform: 'linux' });
    expect(store.available).toBe(true);
    const cipher = await store.encrypt(CANARY);
    expect(cipher).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(cipher, 'base64').toString('latin1')).not.toContain(CANARY);
    expect(await store.decrypt(cipher)).toBe(CANARY);
  });

  it('prefers the async variants when present', async () => {
    const fake = fakeSafeStorage({ async: true });
    const store = safeStorageSecretStore(fake, { platform: 'darwin' });
    expect(await store.decrypt(await store.encrypt(CANARY))).toBe(CANARY);
    expect(fake.calls).toEqual(['encryptStringAsync', 'decryptStringAsync']);
  });

  it('on Linux, basic_text means there is no key store', async () => {
    const store = safeStorageSecretStore(fakeSafeStorage({ backend: 'basic_text', available: true }), { platform: 'linux' });
    expect(store.available).toBe(false);
    expect(store.reason).toMatch(/no key store \(basic_text\)/);
    expect(store.reason).toMatch(/asked for each time/);
    await expect(store.encrypt(CANARY)).rejects.toMatchObject({ code: 'secret-store-unavailable' });
  });

  it('on Linux, an unknown backend (or none reported) is unavailable too', () => {
    expect(safeStorageSecretStore(fakeSafeStorage({ backend: 'unknown' }), { platform: 'linux' }).reason).toMatch(/unknown/);
    const { getSelectedStorageBackend: _omit, ...withoutBackend } = fakeSafeStorage();
    expect(safeStorageSecretStore(withoutBackend, { platform: 'linux' }).available).toBe(false);
  });

  it('ignores the Linux backend on other platforms', () => {
    expect(safeStorageSecretStore(fakeSafeStorage({ backend: 'basic_text' }), { platform: 'win32' }).available).toBe(true);
  });

  it('is unavailable when the OS says encryption is not available', () => {
    const store = safeStorageSecretStore(fakeSafeStorage({ available: false }), { platform: 'darwin' });
    expect(store.available).toBe(false);
    expect(store.reason).toMatch(/not available/);
  });

  it('reports a ciphertext that cannot be decrypted as secret-store-unavailable', async () => {
    const store = safeStorageSecretStore(fakeSafeStorage(), { platform: 'darwin' });
    await expect(store.decrypt(Buffer.from('garbage').toString('base64'))).rejects.toMatchObject({ code: 'secret-store-unavailable' });
    await expect(store.decrypt('not base64!')).rejects.toMatchObject({ code: 'secret-store-unavailable' });
  });
});

describe('openSafeStorageSecretStore', () => {
  it('asks isAsyncEncryptionAvailable and applies the Linux rule', async () => {
    expect((await openSafeStorageSecretStore(fakeSafeStorage({ async: true }), { platform: 'linux' })).available).toBe(true);
    expect((await openSafeStorageSecretStore(fakeSafeStorage({ async: true, available: false }), { platform: 'darwin' })).available).toBe(
      false,
    );
    const basic = await openSafeStorageSecretStore(fakeSafeStorage({ async: true, backend: 'basic_text' }), { platform: 'linux' });
    expect(basic.available).toBe(false);
    expect(basic.reason).toMatch(/basic_text/);
  });
});
