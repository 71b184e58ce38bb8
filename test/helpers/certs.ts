import { generate } from 'selfsigned';
import { makeLocalPki, type LocalPki } from '../../electron/app/services/local-pki.js';

export type TestPki = LocalPki;

let cached: Promise<TestPki> | undefined;

/** A throw-away CA and server certificate, made once per test process. */
export function testPki(): Promise<TestPki> {
  cached ??= makeLocalPki('SMTP Lens Test CA');
  return cached;
}

/** A client certificate (EC, clientAuth) signed by the test CA, as PEM. */
export async function clientCertificate(pki: TestPki, commonName: string): Promise<{ cert: string; key: string }> {
  const made = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: pki.caKey, cert: pki.caCert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  });
  return { cert: made.cert, key: made.private };
}

/** A server certificate (EC, serverAuth) for these DNS names, signed by the test CA, as PEM. */
export async function serverCertificate(pki: TestPki, names: string[]): Promise<{ cert: string; key: string }> {
  const made = await generate([{ name: 'commonName', value: names[0]! }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: pki.caKey, cert: pki.caCert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names.map((value) => ({ type: 2, value })) },
    ],
  });
  return { cert: made.cert, key: made.private };
}
