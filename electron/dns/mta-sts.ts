import https from 'node:https';
import type { TxtAnswer } from 'dns-packet';
import type { LookupFunction } from 'node:net';
import { addressesOf } from './mx.js';
import type { Resolver } from './resolver.js';
import type { MtaSts, StsPolicy, TlsRpt } from '../../shared/domain-report.js';

/**
 * MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) as a sending MTA sees them: the `_mta-sts` TXT record, the policy fetched
 * over HTTPS (certificate verified, at most 64 KB, within a time limit, no redirects), its fields, and which MX hosts
 * its `mx:` patterns allow. Written here rather than taken from mailauth: its pattern match lets "*.example.net" match
 * any depth, where RFC 8461 §4.1 allows exactly one label.
 */

export const MAX_POLICY_BYTES = 64 * 1024;

export type { MtaSts, StsPolicy, StsRecord, TlsRpt } from '../../shared/domain-report.js';

const txtText = (a: TxtAnswer): string =>
  (Array.isArray(a.data) ? a.data : [a.data]).map((p) => (typeof p === 'string' ? p : p.toString('utf8'))).join('');

/** Parse "k=v; k=v" tag lists (RFC 8461 §3.1, RFC 8460 §3). */
function tags(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return out;
}

export async function lookupSts(resolver: Resolver, domain: string): Promise<Pick<MtaSts, 'record' | 'recordProblem' | 'authenticated'>> {
  const r = await resolver.query(`_mta-sts.${domain}`, 'TXT');
  const records = r.answers
    .filter((a): a is TxtAnswer => a.type === 'TXT')
    .map(txtText)
    .filter((t) => /^v=STSv1\s*(;|$)/.test(t));
  if (records.length === 0) return { authenticated: r.authenticated };
  // RFC 8461 §3.1: several records are as none.
  if (records.length > 1)
    return { recordProblem: `${records.length} STSv1 TXT records: a sender treats that as no policy`, authenticated: r.authenticated };
  const id = tags(records[0]!).get('id');
  if (!id || !/^[A-Za-z0-9]{1,32}$/.test(id))
    return { recordProblem: `the record's id is missing or not 1-32 letters and digits: "${records[0]}"`, authenticated: r.authenticated };
  return { record: { id, raw: records[0]! }, authenticated: r.authenticated };
}

/** Parse a policy file (RFC 8461 §3.2); throws with every problem found. */
export function parsePolicy(text: string): StsPolicy {
  const problems: string[] = [];
  const fields = new Map<string, string[]>();
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      problems.push(`not a "key: value" line: "${line.slice(0, 80)}"`);
      continue;
    }
    const key = line.slice(0, colon).trim().toLowerCase();
    fields.set(key, [...(fields.get(key) ?? []), line.slice(colon + 1).trim()]);
  }
  const one = (key: string): string | undefined => {
    const v = fields.get(key);
    if (v && v.length > 1) problems.push(`${key} is given ${v.length} times`);
    return v?.[0];
  };
  const version = one('version');
  if (version !== 'STSv1') problems.push(`version must be STSv1 (got ${version === undefined ? 'none' : `"${version}"`})`);
  const mode = one('mode');
  if (mode !== 'enforce' && mode !== 'testing' && mode !== 'none')
    problems.push(`mode must be enforce, testing or none (got ${mode === undefined ? 'none' : `"${mode}"`})`);
  const maxAgeText = one('max_age');
  const maxAge = Number(maxAgeText);
  if (maxAgeText === undefined || !/^\d{1,10}$/.test(maxAgeText) || maxAge > 31_557_600)
    problems.push(`max_age must be 0-31557600 seconds (got ${maxAgeText ?? 'none'})`);
  const mx = fields.get('mx') ?? [];
  if (mode !== 'none' && mx.length === 0) problems.push('no mx: pattern (needed unless mode is none)');
  if (problems.length) throw new Error(problems.join('; '));
  return { version: version!, mode: mode as StsPolicy['mode'], mx, maxAge };
}

/** RFC 8461 §4.1: the name itself, or "*." and exactly one more label. */
export function mxAllowed(patterns: readonly string[], host: string): string | undefined {
  const name = host.replace(/\.$/, '').toLowerCase();
  for (const raw of patterns) {
    const p = raw.replace(/\.$/, '').toLowerCase();
    if (p.startsWith('*.')) {
      const rest = p.slice(2);
      const dot = name.indexOf('.');
      if (dot > 0 && name.slice(dot + 1) === rest) return raw;
    } else if (p === name) return raw;
  }
  return undefined;
}

/** GET the policy: HTTPS with the certificate verified, no redirects, bounded in size and time. */
export function fetchPolicy(url: string, options: { ca?: string; timeoutMs?: number; lookup?: LookupFunction } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const request = https.get(
      url,
      {
        ...(options.ca !== undefined ? { ca: options.ca } : {}),
        ...(options.lookup ? { lookup: options.lookup } : {}),
        headers: { accept: 'text/plain' },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          response.resume();
          return fail(new Error(`the policy URL redirects (HTTP ${status}): RFC 8461 §3.3 says not to follow it`));
        }
        if (status !== 200) {
          response.resume();
          return fail(new Error(`HTTP ${status} for the policy`));
        }
        const type = String(response.headers['content-type'] ?? '');
        if (!/^text\/plain\b/i.test(type)) {
          response.resume();
          return fail(new Error(`the policy is served as "${type || 'no type'}", not text/plain (RFC 8461 §3.2)`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_POLICY_BYTES) {
            request.destroy();
            return fail(new Error(`the policy is larger than ${MAX_POLICY_BYTES / 1024} KB`));
          }
          chunks.push(chunk);
        });
        response.on('end', () => {
          clearTimeout(timer);
          resolve(Buffer.concat(chunks).toString('utf8'));
        });
        response.on('error', (error) => fail(error));
      },
    );
    const timer = setTimeout(() => {
      request.destroy();
      fail(new Error(`no whole policy within ${timeoutMs} ms`));
    }, timeoutMs);
    let failed = false;
    function fail(error: Error): void {
      if (failed) return;
      failed = true;
      clearTimeout(timer);
      reject(error);
    }
    request.on('error', (error) => fail(new Error(`fetching the policy failed: ${error.message}`)));
  });
}

/** The whole MTA-STS picture of a domain; the policy URL is overridable (tests), never by default. */
export async function mtaSts(
  resolver: Resolver,
  domain: string,
  options: { url?: string; ca?: string; timeoutMs?: number } = {},
): Promise<MtaSts> {
  const found = await lookupSts(resolver, domain);
  const result: MtaSts = { ...found };
  if (!found.record && options.url === undefined) return result;
  result.url = options.url ?? `https://mta-sts.${domain}/.well-known/mta-sts.txt`;
  try {
    // The policy host is looked up with the chosen resolver, like everything else (a split-horizon or test resolver
    // must not be bypassed); a --mta-sts-url the user typed goes through the system's, like any URL.
    const lookup = options.url === undefined ? resolverLookup(resolver) : undefined;
    result.policy = parsePolicy(await fetchPolicy(result.url, { ...options, ...(lookup ? { lookup } : {}) }));
  } catch (error) {
    result.policyProblem = (error as Error).message;
  }
  return result;
}

export async function tlsRpt(resolver: Resolver, domain: string): Promise<TlsRpt> {
  const r = await resolver.query(`_smtp._tls.${domain}`, 'TXT');
  const records = r.answers
    .filter((a): a is TxtAnswer => a.type === 'TXT')
    .map(txtText)
    .filter((t) => /^v=TLSRPTv1\s*(;|$)/.test(t));
  if (records.length === 0) return { rua: [] };
  if (records.length > 1) return { rua: [], problem: `${records.length} TLSRPTv1 records: reports go nowhere (RFC 8460 §3)` };
  const rua = (tags(records[0]!).get('rua') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = rua.filter((u) => !/^(mailto:|https:)/i.test(u));
  return {
    raw: records[0]!,
    rua,
    ...(rua.length === 0
      ? { problem: 'no rua= destination' }
      : bad.length
        ? { problem: `rua must be mailto: or https: (${bad.join(', ')})` }
        : {}),
  };
}

/** A `lookup` for node:net that asks `resolver` (A and AAAA) instead of the system. */
export function resolverLookup(resolver: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    addressesOf(resolver, hostname).then(
      (found) => {
        const wanted =
          options.family === 4 || options.family === 6 ? found.addresses.filter((a) => a.family === options.family) : found.addresses;
        if (wanted.length === 0) {
          const error = Object.assign(new Error(`${hostname} has no address${found.errors.length ? `: ${found.errors.join('; ')}` : ''}`), {
            code: 'ENOTFOUND',
          });
          callback(error, '', 0);
        } else if (options.all)
          callback(
            null,
            wanted.map((a) => ({ address: a.address, family: a.family })),
          );
        else callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (error: Error) => callback(Object.assign(error, { code: 'ENOTFOUND' }), '', 0),
    );
  };
}
