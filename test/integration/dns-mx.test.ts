import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressesOf, mailRoute } from '../../electron/dns/mx.js';
import { DnsError, parseResolverAddress, Resolver } from '../../electron/dns/resolver.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';

/** The stub resolver and RFC 5321 §5.1 / RFC 7505 routing, against a DNS server on loopback that the test runs. */

let dns: DnsServer;
let resolver: Resolver;

beforeAll(async () => {
  dns = await startDnsServer({
    'two.test': {
      authenticated: true,
      records: [
        { type: 'MX', name: '', data: { preference: 20, exchange: 'mx2.two.test' } },
        { type: 'MX', name: '', data: { preference: 10, exchange: 'mx1.two.test' } },
      ],
    },
    'mx1.two.test': {
      authenticated: true,
      records: [
        { type: 'A', name: '', data: '127.0.0.1' },
        { type: 'AAAA', name: '', data: '::1' },
      ],
    },
    'null.test': { records: [{ type: 'MX', name: '', data: { preference: 0, exchange: '.' } }] },
    'mixed.test': {
      records: [
        { type: 'MX', name: '', data: { preference: 0, exchange: '.' } },
        { type: 'MX', name: '', data: { preference: 10, exchange: 'mx.mixed.test' } },
      ],
    },
    'bare.test': { records: [{ type: 'A', name: '', data: '127.0.0.9' }] },
    'empty.test': { records: [] },
    'broken.test': { rcode: 'SERVFAIL' },
    'big.test': { truncate: true, records: [{ type: 'MX', name: '', data: { preference: 5, exchange: 'mx.big.test' } }] },
  });
  resolver = new Resolver({ address: dns.address, timeoutMs: 2000 });
});
afterAll(() => dns.close());

describe('the mail route of a domain', () => {
  it('MX hosts in preference order, and whether the resolver validated them (AD)', async () => {
    expect(await mailRoute(resolver, 'two.test')).toEqual({
      kind: 'mx',
      hosts: [
        { preference: 10, exchange: 'mx1.two.test' },
        { preference: 20, exchange: 'mx2.two.test' },
      ],
      authenticated: true,
    });
  });

  it('a null MX (RFC 7505) says the domain takes no mail; mixed with others it is an error', async () => {
    expect(await mailRoute(resolver, 'null.test')).toEqual({ kind: 'null-mx', authenticated: false });
    await expect(mailRoute(resolver, 'mixed.test')).rejects.toThrow(/mixes a null MX with other MX records/);
  });

  it('no MX: the domain itself when it has an address (implicit MX), else none', async () => {
    expect(await mailRoute(resolver, 'bare.test')).toMatchObject({ kind: 'implicit', hosts: [{ preference: 0, exchange: 'bare.test' }] });
    expect(await mailRoute(resolver, 'empty.test')).toMatchObject({ kind: 'none', reason: 'empty.test has no MX and no address' });
    expect(await mailRoute(resolver, 'nowhere.test')).toMatchObject({ kind: 'none', reason: 'nowhere.test does not exist (NXDOMAIN)' });
  });

  it('a truncated UDP answer is asked again over TCP', async () => {
    expect(await mailRoute(resolver, 'big.test')).toMatchObject({ kind: 'mx', hosts: [{ preference: 5, exchange: 'mx.big.test' }] });
  });

  it('SERVFAIL is an error, not "no MX"', async () => {
    await expect(mailRoute(resolver, 'broken.test')).rejects.toBeInstanceOf(DnsError);
  });

  it('a host has its IPv4 and IPv6 addresses', async () => {
    expect(await addressesOf(resolver, 'mx1.two.test')).toEqual({
      host: 'mx1.two.test',
      addresses: [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ],
      errors: [],
      authenticated: true,
    });
  });

  it('a resolver that does not answer is a timeout, quickly', async () => {
    const silent = new Resolver({ address: { host: '127.0.0.1', port: 9 }, timeoutMs: 300 });
    await expect(silent.query('two.test', 'MX')).rejects.toThrow(DnsError);
  });
});

it.each([
  ['127.0.0.1', { host: '127.0.0.1', port: 53 }],
  ['127.0.0.1:5353', { host: '127.0.0.1', port: 5353 }],
  ['[::1]:5353', { host: '::1', port: 5353 }],
  ['::1', { host: '::1', port: 53 }],
])('resolver address %s', (text, expected) => expect(parseResolverAddress(text)).toEqual(expected));

it('a resolver given by name is refused (it would need a resolver to find)', () => {
  expect(() => parseResolverAddress('dns.example:53')).toThrow(/must be an IP address/);
});
