import type { SecretStore } from '../../../electron/app/services/types.js';

/**
 * A SecretStore standing in for the OS key store: reversible, with ciphertext that never contains the
 * plain text (XOR then base64), and a count of calls.
 */
export function fakeSecretStore(): SecretStore & { encrypted: number } {
  const store = {
    available: true as const,
    encrypted: 0,
    async encrypt(plain: string): Promise<string> {
      store.encrypted++;
      return Buffer.concat([Buffer.from('K1'), Buffer.from(plain, 'utf8').map((b) => b ^ 0xa5)]).toString('base64');
    },
    async decrypt(cipher: string): Promise<string> {
      const bytes = Buffer.from(cipher, 'base64');
      if (bytes.subarray(0, 2).toString() !== 'K1') throw new Error('bad ciphertext');
      return Buffer.from(bytes.subarray(2).map((b) => b ^ 0xa5)).toString('utf8');
    },
  };
  return store;
}
