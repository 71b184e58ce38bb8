import type TlsModule from 'node:tls';
import { lazyBuiltin } from '../lazy-builtin.js';

/**
 * node:tls, loaded when a session first needs it (STARTTLS, implicit TLS, a certificate to look at): a plaintext
 * probe, LMTP on a Unix socket or `--help` never pays for it.
 */
const tls = lazyBuiltin<typeof TlsModule>('node:tls');

export const nodeTls = tls.get;

/** Whether `socket` is a TLS socket; false, without loading node:tls, when nothing has loaded it yet. */
export function isTlsSocket(socket: unknown): socket is TlsModule.TLSSocket {
  const loaded = tls.loaded();
  return loaded !== undefined && socket instanceof loaded.TLSSocket;
}
