import { generate } from 'selfsigned';

export interface TestPki {
  caCert: string;
  caKey: string;
  /** Leaf for localhost, 127.0.0.1 and ::1, signed by the CA. */
  cert: string;
  key: string;
  /** SHA-256 fingerprint of the leaf, as Node prints it (colon-separated upper-case hex). */
  fingerprint256: string;
}

let cached: Promise<TestPki> | undefined;

/** A throw-away CA and server certificate, made once per test process. */
export function testPki(): Promise<TestPki> {
  cached ??= (async () => {
    const ca = await generate([{ name: 'commonName', value: 'SMTP Lens Test CA' }], {
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
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
            { type: 7, ip: '::1' },
          ],
        },
      ],
    });
    const { X509Certificate } = await import('node:crypto');
    return {
      caCert: ca.cert,
      caKey: ca.private,
      cert: leaf.cert,
      key: leaf.private,
      fingerprint256: new X509Certificate(leaf.cert).fingerprint256,
    };
  })();
  return cached;
}
