import { makeLocalPki, type LocalPki } from '../../electron/app/services/local-pki.js';

export type TestPki = LocalPki;

let cached: Promise<TestPki> | undefined;

/** A throw-away CA and server certificate, made once per test process. */
export function testPki(): Promise<TestPki> {
  cached ??= makeLocalPki('SMTP Lens Test CA');
  return cached;
}
