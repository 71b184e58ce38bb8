import { createHash, X509Certificate } from 'node:crypto';
import type { TlsaAnswer } from 'dns-packet';
import type { Resolver } from './resolver.js';
import { describeTlsa, type DaneResult, type TlsaRecord } from '../../shared/domain-report.js';

/**
 * DANE for SMTP (RFC 7672, on RFC 6698 / 7671): the TLSA records at `_25._tcp.<mx>` matched against the chain the
 * server presented. Only DANE-TA(2) and DANE-EE(3) count for SMTP (RFC 7672 §3.1.3); selector 0 is the whole
 * certificate, 1 its SubjectPublicKeyInfo; matching type 0 is the data itself, 1 SHA-256, 2 SHA-512. TLSA records
 * the resolver did not validate must be ignored (RFC 7672 §2.2): the verdict is then "unvalidated", not a match.
 */

export type { DaneResult, DaneVerdict, TlsaRecord } from '../../shared/domain-report.js';

export function tlsaName(host: string, port = 25): string {
  return `_${port}._tcp.${host.replace(/\.$/, '').toLowerCase()}`;
}

/** What a TLSA record's association data is computed from, for one certificate (DER). */
function association(der: Buffer, selector: number, matchingType: number): Buffer | undefined {
  let input: Buffer;
  if (selector === 0) input = der;
  else if (selector === 1) input = new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
  else return undefined;
  if (matchingType === 0) return input;
  if (matchingType === 1) return createHash('sha256').update(input).digest();
  if (matchingType === 2) return createHash('sha512').update(input).digest();
  return undefined;
}

/** Match TLSA records against a chain (DER, leaf first). Pure. */
export function matchTlsa(records: TlsaRecord[], chain: readonly Buffer[], authenticated: boolean, name: string): DaneResult {
  const base = { name, records, authenticated };
  if (records.length === 0) return { ...base, verdict: 'no-tlsa', reason: `no TLSA record at ${name}` };
  if (!authenticated) {
    return {
      ...base,
      verdict: 'unvalidated',
      reason: `the resolver did not validate the TLSA records (no AD): RFC 7672 says to ignore them`,
    };
  }
  const usable = records.filter((r) => (r.usage === 2 || r.usage === 3) && r.selector <= 1 && r.matchingType <= 2);
  if (usable.length === 0)
    return { ...base, verdict: 'unusable', reason: 'no TLSA record is DANE-TA(2) or DANE-EE(3) with a known selector and matching type' };
  if (chain.length === 0) return { ...base, verdict: 'mismatch', reason: 'the server presented no certificate' };
  for (const record of usable) {
    const data = Buffer.from(record.data, 'hex');
    // DANE-EE: the server's own certificate; DANE-TA: a certificate above it in the chain it sent.
    const depths = record.usage === 3 ? [0] : chain.map((_, i) => i).slice(1);
    for (const depth of depths) {
      const computed = association(chain[depth]!, record.selector, record.matchingType);
      if (computed && computed.equals(data)) {
        return {
          ...base,
          verdict: 'match',
          matched: { record, depth },
          reason: `${describeTlsa(record)} matches the certificate at depth ${depth}`,
        };
      }
    }
  }
  return { ...base, verdict: 'mismatch', reason: `none of ${usable.length} usable TLSA record(s) matches the presented chain` };
}

export { describeTlsa as describe };

/** The TLSA records of an MX host (port 25 unless given), with whether they were validated. */
export async function lookupTlsa(
  resolver: Resolver,
  host: string,
  port = 25,
): Promise<{ name: string; records: TlsaRecord[]; authenticated: boolean }> {
  const name = tlsaName(host, port);
  const r = await resolver.query(name, 'TLSA');
  const records = r.answers
    .filter((a): a is TlsaAnswer => a.type === 'TLSA')
    .map((a) => ({
      usage: a.data.usage,
      selector: a.data.selector,
      matchingType: a.data.matchingType,
      data: a.data.certificate.toString('hex'),
    }));
  return { name, records, authenticated: r.authenticated };
}
