import { generateKeyPairSync } from 'node:crypto';
import { sealMessage } from 'mailauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resolver } from '../../electron/dns/resolver.js';
import { senderAuthentication } from '../../electron/dns/sender-auth.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';

/**
 * ARC (RFC 8617) in the sender authentication of a received message: a forwarder (mailauth itself, playing the
 * intermediary) seals a message with its key, published in a DNS server on loopback that this test runs. The seal
 * verifies; a body changed after sealing breaks it; a message with no ARC set has no ARC verdict at all (not "none").
 */

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KEY_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC_B64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const chunks = (text: string): string[] => text.match(/.{1,250}/g)!;

let dns: DnsServer;
let resolver: Resolver;

beforeAll(async () => {
  dns = await startDnsServer({
    'arc._domainkey.forwarder.test': { records: [{ type: 'TXT', name: '', data: chunks(`v=DKIM1; k=rsa; p=${PUBLIC_B64}`) }] },
    'origin.test': { records: [{ type: 'TXT', name: '', data: 'v=spf1 ip4:192.0.2.10 -all' }] },
  });
  resolver = new Resolver({ address: dns.address, timeoutMs: 2000 });
});
afterAll(() => dns?.close());

const MESSAGE = [
  'From: Alice <alice@origin.test>',
  'To: list@forwarder.test',
  'Subject: forwarded through a list',
  'Date: Fri, 04 Dec 2026 10:00:00 +0000',
  'Message-ID: <arc-1@origin.test>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Hello through the forwarder.',
  '',
].join('\r\n');

async function sealed(message: string): Promise<string> {
  // authResults and cv are read by mailauth's createSeal though its typings leave them out.
  const seal = await sealMessage(Buffer.from(message), {
    signingDomain: 'forwarder.test',
    selector: 'arc',
    privateKey: KEY_PEM,
    authResults: 'mx.forwarder.test; spf=pass smtp.mailfrom=alice@origin.test',
    cv: 'none',
  } as Parameters<typeof sealMessage>[1]);
  return seal.toString() + message;
}

// The forwarder (127.0.0.1) is not in origin.test's SPF: SPF fails, which is what ARC exists to explain.
const envelope = { envelopeFrom: 'alice@origin.test', clientAddress: '127.0.0.1', clientHelo: 'mx.forwarder.test' };

describe('ARC of a received message', () => {
  it('a chain sealed by the forwarder verifies: ARC pass, instance 1, while SPF fails at this hop', async () => {
    const whole = await sealed(MESSAGE);
    expect(whole).toMatch(/^ARC-Seal: i=1;/m);
    const result = await senderAuthentication(envelope, Buffer.from(whole), resolver);
    expect(result.spf.result).toBe('fail');
    expect(result.arc).toMatchObject({ result: 'pass', instance: 1 });
    expect(dns.asked).toContain('TXT arc._domainkey.forwarder.test');
  });

  it('a body changed after sealing: ARC fail', async () => {
    const whole = (await sealed(MESSAGE)).replace('Hello through the forwarder.', 'Hello, changed after the seal.');
    const result = await senderAuthentication(envelope, Buffer.from(whole), resolver);
    expect(result.arc?.result).toBe('fail');
  });

  it('no ARC set: no ARC verdict at all', async () => {
    const result = await senderAuthentication(envelope, Buffer.from(MESSAGE), resolver);
    expect(result.arc).toBeUndefined();
  });
});
