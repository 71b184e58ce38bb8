import { createRequire } from 'node:module';
import type TlsModule from 'node:tls';

/**
 * node:tls, loaded when a session first needs it (STARTTLS, implicit TLS, a certificate to look at). Loading it costs
 * a fresh process 6–12 ms (OpenSSL's context and the module graph behind it), which a plaintext probe, LMTP on a Unix
 * socket or `--help` never needs to pay. Synchronous (a builtin through require), so no caller has to become async.
 */

let loaded: typeof TlsModule | undefined;

export function nodeTls(): typeof TlsModule {
  // process.getBuiltinModule: Node 20.16 / 22.3 and later; require through createRequire before that.
  loaded ??= (process.getBuiltinModule?.('node:tls') ?? createRequire(import.meta.url)('node:tls')) as typeof TlsModule;
  return loaded;
}

/** Whether `socket` is a TLS socket; false, without loading node:tls, when nothing has loaded it yet. */
export function isTlsSocket(socket: unknown): socket is TlsModule.TLSSocket {
  return loaded !== undefined && socket instanceof loaded.TLSSocket;
}
