import { createHash, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { matchTlsa, tlsaName, type TlsaRecord } from '../../electron/dns/dane.js';
import { testPki } from '../helpers/certs.js';

/** TLSA matching (RFC 6698 / 7671 / 7672) over a real two-certificate chain: leaf, then the CA that signed it. */

let leaf: Buffer;
let ca: Buffer;
beforeAll(async () => {
  const pki = await testPki();
  leaf = new X509Certificate(pki.cert).raw;
  ca = new X509Certificate(pki.caCert).raw;
});
const hex = (b: Buffer): string => b.toString('hex');
const spki = (der: Buffer): Buffer => new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
const rec = (usage: number, selector: number, matchingType: number, data: Buffer): TlsaRecord => ({
  usage,
  selector,
  matchingType,
  data: hex(data),
});

describe('matchTlsa', () => {
  it.each([
    ['3 0 0 (the whole certificate)', () => rec(3, 0, 0, leaf), 0],
    ['3 0 1', () => rec(3, 0, 1, createHash('sha256').update(leaf).digest()), 0],
    ['3 1 2', () => rec(3, 1, 2, createHash('sha512').update(spki(leaf)).digest()), 0],
    ['2 0 1 (the CA above the leaf)', () => rec(2, 0, 1, createHash('sha256').update(ca).digest()), 1],
    ['2 1 1', () => rec(2, 1, 1, createHash('sha256').update(spki(ca)).digest()), 1],
  ])('%s matches at its depth', (_label, make, depth) => {
    const r = matchTlsa([make()], [leaf, ca], true, '_25._tcp.mx.test');
    expect(r.verdict).toBe('match');
    expect(r.matched?.depth).toBe(depth);
  });

  it('DANE-TA does not match the leaf itself, DANE-EE not the CA', () => {
    expect(matchTlsa([rec(2, 0, 1, createHash('sha256').update(leaf).digest())], [leaf, ca], true, 'n').verdict).toBe('mismatch');
    expect(matchTlsa([rec(3, 0, 1, createHash('sha256').update(ca).digest())], [leaf, ca], true, 'n').verdict).toBe('mismatch');
  });

  it('PKIX usages (0, 1) are not for SMTP: unusable', () => {
    expect(matchTlsa([rec(1, 0, 0, leaf)], [leaf], true, 'n').verdict).toBe('unusable');
  });

  it('unvalidated records are ignored, and no record is "no-tlsa"', () => {
    expect(matchTlsa([rec(3, 0, 0, leaf)], [leaf], false, 'n').verdict).toBe('unvalidated');
    expect(matchTlsa([], [leaf], true, 'n').verdict).toBe('no-tlsa');
  });

  it('the TLSA name of an MX host', () => {
    expect(tlsaName('MX1.Example.NET.')).toBe('_25._tcp.mx1.example.net');
  });
});
