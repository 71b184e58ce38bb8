import { authenticate } from 'mailauth';
import type { RecordType } from 'dns-packet';
import type { ReceivedMessage } from '../../shared/ipc/contract.js';
import type { SenderAuthentication } from '../../shared/sender-auth.js';
import type { Resolver } from './resolver.js';

/**
 * Sender authentication of a message the test server received: SPF (RFC 7208) for the client address, HELO name and
 * envelope sender; DKIM (RFC 6376) for each signature; DMARC (RFC 7489) for the From domain; ARC (RFC 8617) where
 * the message carries a chain. mailauth (by Nodemailer's author) does the evaluation; every DNS question it asks goes
 * to the user's chosen resolver through this adapter, never to the system's behind its back.
 */

type Answer = string[] | string[][] | { exchange: string; priority: number }[];

const SUPPORTED = new Set(['TXT', 'A', 'AAAA', 'MX', 'PTR', 'CNAME', 'NS']);

/** node:dns's resolve(name, rrtype) shape over our Resolver: NXDOMAIN is ENOTFOUND and NODATA is ENODATA, as mailauth expects. */
export function mailauthResolver(resolver: Resolver): (name: string, rrtype: string) => Promise<Answer> {
  return async (name, rrtype) => {
    const type = rrtype.toUpperCase();
    if (!SUPPORTED.has(type)) throw Object.assign(new Error(`${type} is not asked here`), { code: 'ENOTIMP' });
    const response = await resolver.query(name, type as RecordType).catch((error: Error) => {
      throw Object.assign(new Error(error.message), { code: 'ETIMEOUT' });
    });
    const answers = response.answers.filter((a) => a.type === type);
    if (answers.length === 0) {
      throw Object.assign(new Error(`${type} ${name}: ${response.rcode === 'NXDOMAIN' ? 'no such name' : 'no records'}`), {
        code: response.rcode === 'NXDOMAIN' ? 'ENOTFOUND' : 'ENODATA',
      });
    }
    if (type === 'TXT') {
      return answers.map((a) => {
        const data = (a as { data: Buffer | string | (Buffer | string)[] }).data;
        return (Array.isArray(data) ? data : [data]).map((d) => (typeof d === 'string' ? d : d.toString('utf8')));
      });
    }
    if (type === 'MX') {
      return answers.map((a) => {
        const d = (a as { data: { preference: number; exchange: string } }).data;
        return { exchange: d.exchange, priority: d.preference };
      });
    }
    return answers.map((a) => String((a as { data: unknown }).data));
  };
}

/** Evaluate a received message; `mta` names the receiving host in the reasons (mailauth's Authentication-Results). */
export async function senderAuthentication(
  message: Pick<ReceivedMessage, 'envelopeFrom' | 'clientAddress' | 'clientHelo'>,
  whole: Buffer,
  resolver: Resolver,
  mta = 'smtp-lens.test-server',
): Promise<SenderAuthentication> {
  const result = await authenticate(whole, {
    ...(message.clientAddress ? { ip: message.clientAddress.replace(/^::ffff:/, '') } : {}),
    ...(message.clientHelo ? { helo: message.clientHelo } : {}),
    sender: message.envelopeFrom,
    mta,
    resolver: mailauthResolver(resolver) as (name: string, rrtype: string) => Promise<string[][] | string[]>,
    disableBimi: true,
  });
  const out: SenderAuthentication = {
    resolver: `${resolver.address.host}:${resolver.address.port}`,
    spf: result.spf
      ? { result: result.spf.status.result, domain: result.spf.domain, reason: result.spf.info }
      : { result: 'none', reason: 'not evaluated (no client address: the message came over a Unix socket)' },
    // An unsigned message comes back as one result without a signing domain: that is no signature, not one that failed.
    dkim: result.dkim.results
      .filter((r) => r.signingDomain)
      .map((r) => ({
        result: r.status.result,
        domain: r.signingDomain,
        ...(r.selector !== undefined ? { selector: r.selector } : {}),
        ...(r.status.aligned !== undefined ? { aligned: Boolean(r.status.aligned) } : {}),
        reason: r.info,
      })),
    dmarc: result.dmarc
      ? {
          result: result.dmarc.status.result,
          domain: result.dmarc.domain,
          ...(result.dmarc.policy ? { policy: result.dmarc.policy } : {}),
          reason: result.dmarc.info,
        }
      : { result: 'none', reason: 'no From domain to evaluate' },
    headers: result.headers,
  };
  // i=0 (or false): the message carries no ARC set.
  if (result.arc && result.arc.i) {
    out.arc = { result: result.arc.status.result, instance: result.arc.i, reason: result.arc.info ?? '' };
  }
  return out;
}
