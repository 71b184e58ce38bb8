import { AppError } from './app-error.js';
import { describeError } from './atomic-file.js';
import type { SecretStore } from './types.js';

/**
 * Secret stores. The real one wraps Electron's `safeStorage`, which the Electron main file passes in
 * (this module never imports 'electron', so it runs in plain Node and in tests).
 */

/**
 * The parts of Electron's `safeStorage` used here (Electron 45). The async variants are preferred when
 * present; the synchronous ones are deprecated in Electron 45 but still the fallback.
 */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  /** Linux only: which password store backs the encryption. */
  getSelectedStorageBackend?(): string;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  isAsyncEncryptionAvailable?(): Promise<boolean>;
  encryptStringAsync?(plainText: string): Promise<Buffer>;
  decryptStringAsync?(encrypted: Buffer): Promise<{ shouldReEncrypt: boolean; result: string }>;
}

export interface SafeStorageOptions {
  /** The platform to apply the rules of (default process.platform; tests set it). */
  platform?: NodeJS.Platform;
}

const ASKED_EACH_TIME = 'passwords are not stored and will be asked for each time';

/** A store that stores nothing: every encrypt/decrypt fails with AppError('secret-store-unavailable', reason). */
export function noSecretStore(reason: string): SecretStore {
  const refuse = async (): Promise<never> => {
    throw new AppError('secret-store-unavailable', reason);
  };
  return { available: false, reason, encrypt: refuse, decrypt: refuse };
}

/**
 * Why secrets cannot be stored on Linux, or undefined when a real key store backs `safeStorage`.
 * `basic_text` encrypts with a fixed, publicly known key, so it protects nothing; `unknown` means no
 * store was identified (or the app was not ready yet). A missing `getSelectedStorageBackend` on
 * Linux is treated as unknown.
 */
function linuxBackendProblem(safeStorage: SafeStorageLike, platform: NodeJS.Platform): string | undefined {
  if (platform !== 'linux') return undefined;
  let backend: string;
  try {
    backend = safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
  } catch (error) {
    return `the key store could not be identified (${describeError(error)}); ${ASKED_EACH_TIME}`;
  }
  if (backend === 'basic_text') return `this system offers no key store (basic_text); ${ASKED_EACH_TIME}`;
  if (backend === 'unknown') return `no key store could be identified on this system (unknown); ${ASKED_EACH_TIME}`;
  return undefined;
}

const NOT_AVAILABLE = `the operating system's key store is not available; ${ASKED_EACH_TIME}`;

/**
 * A secret store over Electron's `safeStorage`, deciding availability now with the synchronous
 * `isEncryptionAvailable()`. Call it after the app's `ready` event (before it, Linux reports the
 * backend as `unknown` and the store is unavailable). On Linux a `basic_text` or `unknown` backend
 * means unavailable, whatever `isEncryptionAvailable()` says.
 */
export function safeStorageSecretStore(safeStorage: SafeStorageLike, options: SafeStorageOptions = {}): SecretStore {
  const problem = linuxBackendProblem(safeStorage, options.platform ?? process.platform);
  if (problem) return noSecretStore(problem);
  let available: boolean;
  try {
    available = safeStorage.isEncryptionAvailable();
  } catch (error) {
    return noSecretStore(`the key store could not be queried (${describeError(error)}); ${ASKED_EACH_TIME}`);
  }
  return available ? availableStore(safeStorage) : noSecretStore(NOT_AVAILABLE);
}

/**
 * The same as `safeStorageSecretStore`, but asks `isAsyncEncryptionAvailable()` (Electron's preferred,
 * non-deprecated check, which also initialises the async encryptor) when it exists.
 */
export async function openSafeStorageSecretStore(safeStorage: SafeStorageLike, options: SafeStorageOptions = {}): Promise<SecretStore> {
  if (!safeStorage.isAsyncEncryptionAvailable) return safeStorageSecretStore(safeStorage, options);
  const problem = linuxBackendProblem(safeStorage, options.platform ?? process.platform);
  if (problem) return noSecretStore(problem);
  let available: boolean;
  try {
    available = await safeStorage.isAsyncEncryptionAvailable();
  } catch (error) {
    return noSecretStore(`the key store could not be queried (${describeError(error)}); ${ASKED_EACH_TIME}`);
  }
  return available ? availableStore(safeStorage) : noSecretStore(NOT_AVAILABLE);
}

function availableStore(safeStorage: SafeStorageLike): SecretStore {
  return {
    available: true,
    async encrypt(plain: string): Promise<string> {
      let cipher: Buffer;
      try {
        cipher = safeStorage.encryptStringAsync ? await safeStorage.encryptStringAsync(plain) : safeStorage.encryptString(plain);
      } catch (error) {
        // The message is Electron's, never the plain text.
        throw new AppError('secret-store-unavailable', `the key store could not encrypt the secret: ${describeError(error)}`, {
          cause: error,
        });
      }
      return Buffer.from(cipher).toString('base64');
    },
    async decrypt(cipherBase64: string): Promise<string> {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(cipherBase64) || cipherBase64.length === 0) {
        throw new AppError('secret-store-unavailable', 'the stored secret is damaged; enter it again');
      }
      const cipher = Buffer.from(cipherBase64, 'base64');
      try {
        // Data encrypted by either variant decrypts with the async one. `shouldReEncrypt` is not acted
        // on: the plain text is still correct, and the next save of the profile encrypts afresh.
        if (safeStorage.decryptStringAsync) return (await safeStorage.decryptStringAsync(cipher)).result;
        return safeStorage.decryptString(cipher);
      } catch (error) {
        throw new AppError(
          'secret-store-unavailable',
          `the stored secret could not be decrypted (the key store may have changed); enter it again: ${describeError(error)}`,
          { cause: error },
        );
      }
    },
  };
}
