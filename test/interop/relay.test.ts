/**
 * `smtp-lens relay-test` against real postfix: the front-end port (reject_unauth_destination, no mynetworks
 * exemption) refuses every trick; the main port trusts loopback (permit_mynetworks) and relays to exim's domain, so
 * there a recipient in that domain is accepted — the verdict is the server's, not the tool's. Neither ever gets DATA:
 * nothing is relayed.
 */
import { expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exit-codes.js';
import type { SessionRecord } from '../../shared/session-record.js';
import { EXIM_DOMAIN } from './fixtures.js';
import { cli, cliConnection, describeInterop } from './support.js';

interface RelayJson {
  localDomain: string;
  outcomes: { trick: { id: string }; verdict: string; mail?: { code: number }; rcpt?: { code: number; text: string } }[];
  record: SessionRecord;
}

describeInterop('relay-test against postfix', (env) => {
  it('the front-end port refuses every trick after RCPT (exit 0), and no DATA goes out', async () => {
    const run = await cli(['relay-test', ...cliConnection(env, 'postfix-front-end'), '--to', 'victim@external.example']);
    const out = run.record as unknown as RelayJson;
    expect(run.code, run.stdout).toBe(EXIT.ok);
    expect(out.localDomain).toMatch(/^mx\./);
    expect(out.outcomes).toHaveLength(7);
    for (const o of out.outcomes) {
      expect(o.verdict, o.trick.id).toBe('refused');
      expect(o.rcpt?.code, o.trick.id).toBeGreaterThanOrEqual(500);
    }
    const verbs = out.record.events.filter((e) => e.dir === 'send').map((e) => e.text.split(/[ :]/)[0]);
    expect(verbs).not.toContain('DATA');
    expect(verbs.filter((v) => v === 'RCPT')).toHaveLength(7);
  });

  it("the main port relays for loopback: a recipient at exim's domain is ACCEPTED (exit 16), still without DATA", async () => {
    const run = await cli(['relay-test', ...cliConnection(env, 'postfix-smtp', { tls: 'off' }), '--to', `victim@${EXIM_DOMAIN}`]);
    const out = run.record as unknown as RelayJson;
    expect(run.code, run.stdout).toBe(EXIT.relayAccepted);
    expect(out.outcomes.find((o) => o.trick.id === 'plain')).toMatchObject({ verdict: 'accepted', rcpt: { code: 250 } });
    const verbs = out.record.events.filter((e) => e.dir === 'send').map((e) => e.text.split(/[ :]/)[0]);
    expect(verbs).not.toContain('DATA');
  });
});
