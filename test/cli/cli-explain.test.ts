import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exit-codes.js';
import { explainEnhanced } from '../../shared/explain/enhanced-codes.js';
import { explainReplyCode } from '../../shared/explain/reply-codes.js';
import { assertCliBuilt, cli } from '../helpers/cli.js';
import { startLibraryServer, type LibraryServer } from '../helpers/library-server.js';

/** `smtp-lens explain` prints what the app's Explain panel says; failure lines in the summary end with a few words of it. */

const servers: LibraryServer[] = [];
beforeAll(() => assertCliBuilt());
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('explain', () => {
  it('a reply code: its title, meaning, class, category and where it is defined (the same words as the app)', async () => {
    const run = await cli(['explain', '550']);
    expect(run.code).toBe(EXIT.ok);
    const r = explainReplyCode(550);
    expect(run.stdout).toContain(`550  ${r.title}\n  ${r.meaning}\n`);
    expect(run.stdout).toMatch(/^ {2}Class: {6}5yz Permanent negative completion — /m);
    expect(run.stdout).toMatch(/^ {2}Defined in: RFC 5321 §4\.2\.3 <https:\/\/www\.rfc-editor\.org\/rfc\/rfc5321#section-4\.2\.3>$/m);
    expect(run.stdout).not.toMatch(/The server said/);
  });

  it('an enhanced status code with the server text after it', async () => {
    const run = await cli(['explain', '5.7.1 Relay access denied']);
    expect(run.code).toBe(EXIT.ok);
    const e = explainEnhanced('5.7.1')!;
    expect(run.stdout).toMatch(/^The server said: 5\.7\.1 Relay access denied$/m);
    expect(run.stdout).toContain(`5.7.1  ${e.detailName}\n  ${e.detailText}\n`);
    expect(run.stdout).toMatch(/^ {2}Subject: {4}x\.7\.x Security or policy status/m);
  });

  it('both codes, given as separate words', async () => {
    const run = await cli(['explain', '421', '4.7.0']);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/^421 {2}/m);
    expect(run.stdout).toMatch(/^4\.7\.0 {2}/m);
  });

  it('an unregistered detail says so', async () => {
    const run = await cli(['explain', '5.7.99']);
    expect(run.stdout).toMatch(/x\.7\.99 Unknown detail \(not registered\)/);
  });

  it.each([[['explain']], [['explain', 'hello']], [['explain', '5500']]])('%j is a usage error', async (args) => {
    const run = await cli(args);
    expect(run.code).toBe(EXIT.usage);
  });

  it('no server text reaches the terminal raw: control characters in what was typed are shown as escapes', async () => {
    const run = await cli(['explain', '550 5.7.1 bad\x1b]0;title\x07']);
    expect(run.stdout).not.toContain('\x1b');
    expect(run.stdout).toContain('\\x1b');
  });
});

describe('failure lines end with a one-line explanation', () => {
  it('a refused recipient and the result', async () => {
    const s = await startLibraryServer({ refuseRecipients: { 'b@example.org': { code: 550, message: 'no such user here' } } });
    servers.push(s);
    const run = await cli([
      'send',
      '--host',
      '127.0.0.1',
      '--port',
      String(s.port),
      '--from',
      'a@example.org',
      '--to',
      'b@example.org',
      '--body',
      'x',
    ]);
    expect(run.code).toBe(EXIT.recipientsRefused);
    expect(run.stdout).toMatch(
      /^ {2}b@example\.org {2}REFUSED {2}rcpt 550 5\.1\.1 no such user here — permanent failure: bad destination mailbox address$/m,
    );
    expect(run.stdout).toMatch(/^Result:\s+FAILED \[recipients-refused\] .* — permanent failure: bad destination mailbox address$/m);
  });
});
