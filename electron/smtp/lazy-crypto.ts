import { createRequire } from 'node:module';
import type CryptoModule from 'node:crypto';

/**
 * node:crypto, loaded when first used (SASL's CRAM-MD5 and SCRAM, the TLS context cache's key): about 3.5 ms of a
 * fresh process that a probe without AUTH or TLS does not need to spend. Synchronous, like lazy-tls.ts.
 */

let loaded: typeof CryptoModule | undefined;

export function nodeCrypto(): typeof CryptoModule {
  loaded ??= (process.getBuiltinModule?.('node:crypto') ?? createRequire(import.meta.url)('node:crypto')) as typeof CryptoModule;
  return loaded;
}
