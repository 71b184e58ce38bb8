import type { SessionRecord } from '../../shared/session-record.js';
import { probe } from '../smtp/operations.js';
import { pool } from '../../shared/pool.js';
import type { SessionOptions } from '../smtp/session.js';
import { addressesOf, mailRoute } from './mx.js';
import type { Resolver } from './resolver.js';
import tls from 'node:tls';
import { certificateCheck } from '../../shared/certificate-verdict.js';
import type { AddressCheck, HostCheck, MxCheck } from '../../shared/domain-report.js';
import { mtaSts, mxAllowed, tlsRpt, type MtaSts, type TlsRpt } from './mta-sts.js';
import { lookupTlsa, matchTlsa, tlsaName, type TlsaRecord } from './dane.js';

/**
 * `smtp-lens mx DOMAIN`: the domain's mail route, then every address of every MX host, as a sending MTA meets them:
 * connect to port 25, greeting, EHLO, STARTTLS when offered, the certificate checked against the MX host's name (not
 * the address connected to). Bounded concurrency and one deadline for the whole check.
 */

export type { CertificateVerdict } from '../../shared/certificate-verdict.js';
export type { AddressCheck, HostCheck, MxCheck } from '../../shared/domain-report.js';

export interface MxCheckOptions {
  port?: number;
  parallel?: number;
  deadlineMs?: number;
  /** Per-stage timeout for each probe. */
  timeoutMs?: number;
  ehloName?: string;
  /** Extra CA (PEM) to trust besides the system's, for private PKIs and tests. */
  ca?: string;
  /** Fetch the MTA-STS policy from here instead of https://mta-sts.<domain>/… (tests; never a default). */
  mtaStsUrl?: string;
  /** Each address's probe record as it completes (`smtp-lens check --domain` judges and measures them). */
  onRecord?: (exchange: string, address: string, record: SessionRecord) => void;
}

/** The verdict on what a probe of one address saw. */
export function addressCheck(address: string, family: 4 | 6, record: SessionRecord): AddressCheck {
  const error = record.result.error;
  const reachable = record.greeting !== undefined;
  const tls = record.tls;
  let starttls: AddressCheck['starttls'];
  if (tls) starttls = 'used';
  else if (record.tlsSkipped) starttls = 'not-offered';
  else if (error?.code === 'tls-failed') starttls = 'failed';
  else starttls = 'unknown';
  const check: AddressCheck = {
    address,
    family,
    reachable,
    ...(record.greeting ? { greeting: { code: record.greeting.code, text: record.greeting.text } } : {}),
    starttls,
    findings: (record.findings ?? []).map((f) => ({ id: f.id, severity: f.severity, title: f.title })),
    durationMs: record.durationMs,
    ...(error ? { error: { code: error.code, message: error.message } } : {}),
  };
  if (tls) {
    check.tls = { protocol: tls.protocol, cipher: tls.cipher };
    check.certificate = certificateCheck(tls);
  }
  return check;
}

export async function checkMx(resolver: Resolver, domain: string, options: MxCheckOptions = {}): Promise<MxCheck> {
  const controller = new AbortController();
  const deadline = setTimeout(() => controller.abort(), options.deadlineMs ?? 60_000);
  try {
    const route = await mailRoute(resolver, domain);
    const result: MxCheck = {
      domain: domain.replace(/\.$/, '').toLowerCase(),
      resolver: `${resolver.address.host}:${resolver.address.port}`,
      route,
      hosts: [],
    };
    if (route.kind !== 'mx' && route.kind !== 'implicit') return result;
    const port = options.port ?? 25;
    const hosts = await Promise.all(route.hosts.map((h) => addressesOf(resolver, h.exchange)));
    const tlsas = await Promise.all(
      route.hosts.map((h) =>
        lookupTlsa(resolver, h.exchange, port).catch((error: Error) => ({
          name: tlsaName(h.exchange, port),
          records: [] as TlsaRecord[],
          authenticated: false,
          error: error.message,
        })),
      ),
    );
    const tasks: (() => Promise<void>)[] = [];
    route.hosts.forEach((h, i) => {
      const found = hosts[i]!;
      const host: HostCheck = {
        preference: h.preference,
        exchange: h.exchange,
        authenticated: found.authenticated,
        dnsErrors: found.errors,
        tlsa: tlsas[i]!,
        addresses: [],
      };
      result.hosts.push(host);
      found.addresses.forEach((a, j) => {
        tasks.push(async () => {
          const connection: SessionOptions = {
            host: a.address,
            port,
            tls: 'starttls-optional',
            ...(options.ehloName !== undefined ? { ehloName: options.ehloName } : {}),
            timeouts: options.timeoutMs ?? 15_000,
            signal: controller.signal,
            // The verdict is ours to give (untrusted, name mismatch): the handshake goes on so the record has the chain.
            tlsOptions: { verify: false, servername: h.exchange, ...(options.ca !== undefined ? { ca: options.ca } : {}) },
          };
          let chain: readonly Buffer[] = [];
          const record = await probe({ connection: { ...connection, onPeerChain: (der) => (chain = der) } });
          options.onRecord?.(h.exchange, a.address, record);
          const check = addressCheck(a.address, a.family, record);
          if (record.tls) {
            const t = host.tlsa;
            const {
              records: _r,
              name: _n,
              authenticated: _a,
              ...dane
            } = t.error !== undefined
              ? {
                  records: [],
                  name: t.name,
                  authenticated: false,
                  verdict: 'unvalidated' as const,
                  reason: `the TLSA lookup failed: ${t.error}`,
                }
              : matchTlsa(t.records, chain, t.authenticated, t.name);
            check.dane = dane;
          }
          host.addresses[j] = check;
          if (controller.signal.aborted) result.deadlineReached = true;
        });
      });
    });
    const policyLookups = Promise.all([
      mtaSts(resolver, result.domain, {
        ...(options.mtaStsUrl !== undefined ? { url: options.mtaStsUrl } : {}),
        ...(options.ca !== undefined ? { ca: [...tls.rootCertificates, options.ca].join('\n') } : {}),
        timeoutMs: options.timeoutMs ?? 10_000,
      }).catch((error: Error) => ({ authenticated: false, recordProblem: error.message }) as MtaSts),
      tlsRpt(resolver, result.domain).catch((error: Error) => ({ rua: [], problem: error.message }) as TlsRpt),
    ]);
    await pool(tasks, options.parallel ?? 4);
    const [sts, rpt] = await policyLookups;
    result.tlsRpt = rpt;
    if (sts.record || sts.recordProblem || sts.policy || sts.policyProblem) {
      result.mtaSts = {
        ...sts,
        hosts: result.hosts.map((h) => {
          const allowedBy = sts.policy ? mxAllowed(sts.policy.mx, h.exchange) : undefined;
          const certificatesValid = h.addresses.length > 0 && h.addresses.every((a) => a.certificate?.verdict === 'valid');
          return {
            exchange: h.exchange,
            ...(allowedBy !== undefined ? { allowedBy } : {}),
            certificatesValid,
            deliverable: allowedBy !== undefined && certificatesValid,
          };
        }),
      };
    }
    return result;
  } finally {
    clearTimeout(deadline);
  }
}
