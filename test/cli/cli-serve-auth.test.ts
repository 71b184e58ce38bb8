import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resolver } from '../../electron/dns/resolver.js';
import { mailauthResolver } from '../../electron/dns/sender-auth.js';
import { assertCliBuilt, BIN, cli, ROOT } from '../helpers/cli.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';

/**
 * `smtp-lens serve --authenticate --resolver R`: each received message judged for SPF, DKIM and DMARC (mailauth)
 * with every DNS question going to R, a DNS server on loopback that this test runs. smtp-lens itself sends: one
 * message DKIM-signed from a domain whose SPF names 127.0.0.1, one from a domain whose SPF and DMARC refuse it.
 */

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KEY_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC_B64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const chunks = (text: string): string[] => text.match(/.{1,250}/g)!;

let dns: DnsServer;
let keyFile: string;
let child: ChildProcess;
let port: number;
let out = '';

beforeAll(async () => {
  assertCliBuilt();
  const dir = await mkdtemp(join(tmpdir(), 'smtp-lens-serve-auth-'));
  keyFile = join(dir, 'dkim.key');
  await writeFile(keyFile, KEY_PEM, { mode: 0o600 });
  const txt = (data: string | string[]) => ({ type: 'TXT' as const, name: '', data });
  dns = await startDnsServer({
    'good.test': { records: [txt('v=spf1 ip4:127.0.0.1 -all')] },
    '_dmarc.good.test': { records: [txt('v=DMARC1; p=reject; adkim=s; aspf=s')] },
    'sel._domainkey.good.test': { records: [txt(chunks(`v=DKIM1; k=rsa; p=${PUBLIC_B64}`))] },
    'bad.test': { records: [txt('v=spf1 ip4:192.0.2.1 -all')] },
    '_dmarc.bad.test': { records: [txt('v=DMARC1; p=reject')] },
  });
  child = spawn(
    process.execPath,
    [BIN, 'serve', '--port', '0', '--authenticate', '--resolver', `${dns.address.host}:${dns.address.port}`],
    { cwd: ROOT },
  );
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const deadline = Date.now() + 10_000;
  while (!/Ctrl-C stops\n/.test(err)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  port = Number(/listening on \w+:\/\/127\.0\.0\.1:(\d+)/.exec(err)![1]);
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await dns?.close();
});

/** The block serve printed for the message with this subject, once its verdicts are there. */
async function printed(subject: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const block = out.split('---------- MESSAGE FOLLOWS ----------').find((b) => b.includes(`Subject: ${subject}`));
    if (block?.includes('END MESSAGE')) return block;
    if (Date.now() > deadline) throw new Error(`no message "${subject}" printed: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const send = (from: string, subject: string, ...extra: string[]) =>
  cli([
    'send',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--from',
    from,
    '--to',
    'rcpt@example.test',
    '--subject',
    subject,
    '--body',
    'hi',
    ...extra,
  ]);

describe('serve --authenticate', () => {
  it('a DKIM-signed message from a domain whose SPF names the client: SPF, DKIM and DMARC pass, with reasons', async () => {
    const run = await send('alice@good.test', 'signed', '--dkim-domain', 'good.test', '--dkim-selector', 'sel', '--dkim-key', keyFile);
    expect(run.code, run.stderr).toBe(0);
    const block = await printed('signed');
    expect(block).toMatch(/sender authentication \(DNS from 127\.0\.0\.1:\d+\):/);
    expect(block).toMatch(/ {2}SPF {4}pass for good\.test: .*designates 127\.0\.0\.1 as permitted sender/);
    expect(block).toMatch(/ {2}DKIM {3}pass d=good\.test s=sel \(aligned\): /);
    expect(block).toMatch(/ {2}DMARC {2}pass for good\.test \(policy reject\): /);
  });

  it('an unsigned message from a domain whose SPF does not name the client: SPF fail, no DKIM, DMARC fail', async () => {
    const run = await send('mallory@bad.test', 'forged');
    expect(run.code, run.stderr).toBe(0);
    const block = await printed('forged');
    expect(block).toMatch(/ {2}SPF {4}fail for bad\.test: /);
    expect(block).toMatch(/ {2}DKIM {3}none: the message carries no DKIM-Signature/);
    expect(block).toMatch(/ {2}DMARC {2}fail for bad\.test \(policy reject\): /);
  });

  it('a domain with no records at all: SPF none, DMARC none — not a pass', async () => {
    const run = await send('someone@nothing.test', 'unknown domain');
    expect(run.code, run.stderr).toBe(0);
    const block = await printed('unknown domain');
    expect(block).toMatch(/ {2}SPF {4}none for nothing\.test/);
    expect(block).toMatch(/ {2}DMARC {2}none/);
  });
});

describe('the resolver mailauth is given answers as node:dns would', () => {
  it('TXT as lists of strings (long records in parts), and ENOTFOUND for a name that does not exist', async () => {
    const resolve = mailauthResolver(new Resolver({ address: dns.address }));
    const key = (await resolve('sel._domainkey.good.test', 'TXT')) as string[][];
    expect(key[0]!.join('')).toBe(`v=DKIM1; k=rsa; p=${PUBLIC_B64}`);
    await expect(resolve('nothing.test', 'TXT')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});

describe('serve: usage', () => {
  it('--resolver without --authenticate, and a resolver that is not an address', async () => {
    const alone = await cli(['serve', '--resolver', '127.0.0.1']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--resolver goes with --authenticate/);
    const bad = await cli(['serve', '--authenticate', '--resolver', 'dns.example']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--resolver: the resolver must be an IP address/);
  });
});
