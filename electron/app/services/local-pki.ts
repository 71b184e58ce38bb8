import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';

/** The names a local server answers to: its certificates list all three. */
export const LOCAL_ALT_NAMES: { type: 2 | 7; value?: string; ip?: string }[] = [
  { type: 2, value: 'localhost' },
  { type: 7, ip: '127.0.0.1' },
  { type: 7, ip: '::1' },
];

export interface LocalPki {
  caCert: string;
  caKey: string;
  /** Leaf for localhost, 127.0.0.1 and ::1, signed by the CA. */
  cert: string;
  key: string;
  /** SHA-256 fingerprint of the leaf, as Node prints it (colon-separated upper-case hex). */
  fingerprint256: string;
}

/** A throw-away CA (EC P-256) and a server certificate signed by it, for the tests' servers and the benchmark's TLS sink. */
export async function makeLocalPki(caName: string): Promise<LocalPki> {
  const ca = await generate([{ name: 'commonName', value: caName }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: LOCAL_ALT_NAMES },
    ],
  });
  return {
    caCert: ca.cert,
    caKey: ca.private,
    cert: leaf.cert,
    key: leaf.private,
    fingerprint256: new X509Certificate(leaf.cert).fingerprint256,
  };
}
