import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dkimVerify } from 'mailauth';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exit-codes.js';
import { assertCliBuilt, cli } from '../helpers/cli.js';
import { startLibraryServer, type LibraryServer } from '../helpers/library-server.js';

/**
 * DKIM signing (Nodemailer's signer) checked with a verifier that is not ours (mailauth, the same author's), against
 * a key published by a resolver the test answers (nothing leaves the machine); and --inline for a cid image.
 */

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KEY_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC_B64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
// A line of the key that must never show up in any output.
const KEY_LINE = KEY_PEM.split('\n')[5]!;
let dir: string;
let keyFile: string;
const servers: LibraryServer[] = [];

beforeAll(async () => {
  assertCliBuilt();
  dir = await mkdtemp(join(tmpdir(), 'smtp-lens-dkim-'));
  keyFile = join(dir, 'dkim.key');
  await writeFile(keyFile, KEY_PEM, { mode: 0o600 });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** The DNS the verifier sees: only sel2026._domainkey.example.test has a key. */
const resolver = async (name: string, type: string): Promise<string[][]> => {
  if (type === 'TXT' && name === 'sel2026._domainkey.example.test') return [[`v=DKIM1; k=rsa; p=${PUBLIC_B64}`]];
  throw Object.assign(new Error(`no ${type} for ${name}`), { code: 'ENOTFOUND' });
};

async function verify(message: Buffer | string) {
  const result = await dkimVerify(message, { resolver });
  return result.results.map((r) => ({ domain: r.signingDomain, selector: r.selector, result: r.status.result }));
}

const dkim = (): string[] => ['--dkim-domain', 'example.test', '--dkim-selector', 'sel2026', '--dkim-key', keyFile];
const composed = [
  '--from',
  'Signer <signer@example.test>',
  '--to',
  'rcpt@example.test',
  '--subject',
  'Signed',
  '--body',
  'A signed body.\n.dot\n',
];

describe('DKIM', () => {
  it('a composed message arrives signed with d= and s= as given, and verifies (pass); a changed body does not', async () => {
    const s = await startLibraryServer({});
    servers.push(s);
    const run = await cli(['send', '--host', '127.0.0.1', '--port', String(s.port), ...composed, ...dkim(), '--capture-data']);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    const raw = s.messages[0]!.raw;
    expect(raw.toString('latin1')).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.test;/);
    expect(raw.toString('latin1')).toMatch(/ s=sel2026;/);
    expect(await verify(raw)).toEqual([{ domain: 'example.test', selector: 'sel2026', result: 'pass' }]);
    expect(await verify(raw.toString('latin1').replace('A signed body.', 'A changed body.'))).toEqual([
      { domain: 'example.test', selector: 'sel2026', result: 'neutral' },
    ]);
    expect(run.stdout + run.stderr).not.toContain(KEY_LINE);
  });

  it('a --message-file is signed as it is, and --dump shows the signature (never the key)', async () => {
    const file = join(dir, 'm.eml');
    await writeFile(file, 'From: signer@example.test\r\nTo: rcpt@example.test\r\nSubject: file\r\n\r\nbody\r\n');
    const run = await cli(['send', '--dump', '--message-file', file, ...dkim()]);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(run.stdout).not.toContain(KEY_LINE);
    const message = run.stdout.slice(run.stdout.indexOf('DKIM-Signature:'));
    expect(message).toMatch(/\r\nFrom: signer@example\.test\r\nTo: rcpt@example\.test\r\nSubject: file\r\n\r\nbody\r\n$/);
    expect(await verify(message)).toEqual([{ domain: 'example.test', selector: 'sel2026', result: 'pass' }]);
  });

  it.each([
    [['--dkim-domain', 'example.test'], /go together/],
    [['--dkim-domain', 'example.test;x', '--dkim-selector', 's', '--dkim-key', 'KEY'], /is not a domain name/],
    [['--dkim-domain', 'example.test', '--dkim-selector', 's', '--dkim-key', '/nonexistent/key'], /cannot read \/nonexistent\/key: ENOENT/],
    [['--dkim-domain', 'example.test', '--dkim-selector', 's', '--dkim-key', 'NOT_A_KEY'], /not a private key in PEM/],
    [['--dkim-domain', 'example.test', '--dkim-selector', 's', '--dkim-key', 'EC_KEY'], /the DKIM key is ec/],
  ])('%j is refused before connecting', async (args, message) => {
    const notKey = join(dir, 'not-a-key');
    await writeFile(notKey, 'hello\n');
    const ec = join(dir, 'ec.key');
    await writeFile(ec, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const resolved = args.map((a) => (a === 'KEY' ? keyFile : a === 'NOT_A_KEY' ? notKey : a === 'EC_KEY' ? ec : a));
    // Port 1: nothing listens; a refusal must come first.
    const run = await cli(['send', '--host', '127.0.0.1', '--port', '1', ...composed, ...resolved]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toContain(KEY_LINE);
  });
});

describe('--inline', () => {
  it('an image the HTML shows as cid:NAME goes in multipart/related with that Content-ID', async () => {
    const image = join(dir, 'logo.png');
    await writeFile(image, Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
    const html = join(dir, 'body.html');
    await writeFile(html, '<p>Logo: <img src="cid:logo.png"></p>');
    const run = await cli(['send', '--dump', ...composed, '--html-file', html, '--inline', image]);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/Content-Type: multipart\/related;/);
    expect(run.stdout).toMatch(
      /Content-Type: image\/png; name=logo\.png\r\nContent-ID: <logo\.png>\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: inline; filename=logo\.png/,
    );
  });

  it('refused when the HTML does not show it, or there is no HTML', async () => {
    const image = join(dir, 'logo.png');
    await writeFile(image, 'x');
    const html = join(dir, 'plain.html');
    await writeFile(html, '<p>no image</p>');
    const noRef = await cli(['send', '--dump', ...composed, '--html-file', html, '--inline', image]);
    expect(noRef.code).toBe(EXIT.usage);
    expect(noRef.stderr).toMatch(/the HTML does not refer to it; show it with <img src="cid:logo\.png">/);
    const noHtml = await cli(['send', '--dump', ...composed, '--inline', image]);
    expect(noHtml.code).toBe(EXIT.usage);
    expect(noHtml.stderr).toMatch(/goes with --html-file/);
  });
});
