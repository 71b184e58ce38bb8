import type CryptoModule from 'node:crypto';
import { lazyBuiltin } from './lazy-builtin.js';

/** node:crypto when first used: SASL's CRAM-MD5 and SCRAM, the TLS context cache's key; a plain probe needs none. */
export const nodeCrypto = lazyBuiltin<typeof CryptoModule>('node:crypto').get;
