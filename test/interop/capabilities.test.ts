/**
 * The capability table the engine parses equals what the server sent: cross-checked with swaks'
 * transcript of the same server and port, before and after TLS.
 */
import { expect, it } from 'vitest';
import { probe } from '../../electron/smtp/operations.js';
import { connection, describeInterop, EHLO_NAME, endpoint, swaks, swaksEhloReplies, type Endpoint } from './support.js';

const CASES: { which: Endpoint; tls: 'starttls' | 'implicit' | 'off'; expect: string[]; absent?: string[] }[] = [
  {
    which: 'postfix-smtp',
    tls: 'starttls',
    expect: ['PIPELINING', 'SIZE', '8BITMIME', 'SMTPUTF8', 'CHUNKING', 'VRFY', 'DSN'],
    absent: ['AUTH'],
  },
  { which: 'postfix-submission', tls: 'starttls', expect: ['PIPELINING', 'AUTH', 'CHUNKING'], absent: ['VRFY'] },
  { which: 'postfix-smtps', tls: 'implicit', expect: ['AUTH', 'CHUNKING', 'SMTPUTF8'] },
  { which: 'postfix-plain-auth', tls: 'off', expect: ['AUTH'], absent: ['STARTTLS'] },
  { which: 'dovecot-lmtp-tcp', tls: 'off', expect: ['PIPELINING', '8BITMIME', 'CHUNKING', 'ENHANCEDSTATUSCODES'] },
  { which: 'dovecot-lmtp-unix', tls: 'off', expect: ['PIPELINING', 'CHUNKING'] },
  { which: 'exim-smtp', tls: 'starttls', expect: ['CHUNKING', 'PRDR', '8BITMIME', 'SMTPUTF8', 'AUTH', 'PIPELINING'] },
  { which: 'exim-smtps', tls: 'implicit', expect: ['CHUNKING', 'PRDR', 'AUTH'] },
];

const show = (caps: { name: string; params: string[] }[]): string => caps.map((c) => [c.name, ...c.params].join(' ')).join(', ');

describeInterop('capabilities: engine versus swaks', (env) => {
  for (const c of CASES) {
    it(`${c.which} (${c.tls})`, async () => {
      const record = await probe({ connection: connection(env, c.which, { tls: c.tls }) });
      expect(record.result, JSON.stringify(record.result)).toEqual({ ok: true });

      const where = endpoint(env, c.which);
      const args = [
        ...(where.socketPath ? ['--socket', where.socketPath] : ['--server', where.host!, '--port', String(where.port)]),
        ...(where.protocol === 'lmtp' ? ['--protocol', 'LMTP'] : []),
        ...(c.tls === 'starttls' ? ['--tls'] : c.tls === 'implicit' ? ['--tls-on-connect'] : []),
        '--ehlo',
        EHLO_NAME,
        '--quit-after',
        'HELO',
      ];
      const transcript = await swaks(args);
      const replies = swaksEhloReplies(transcript);
      expect(replies.length, transcript).toBe(c.tls === 'starttls' ? 2 : 1);

      // The engine's table is the last EHLO/LHLO reply; before STARTTLS, the first one.
      expect(record.capabilities).toEqual(replies[replies.length - 1]);
      if (c.tls === 'starttls') {
        expect(record.capabilitiesBeforeTls).toEqual(replies[0]);
        // STARTTLS was offered before TLS, and (RFC 3207 §4.2) is not offered again inside it.
        expect(record.capabilitiesBeforeTls!.map((cap) => cap.name)).toContain('STARTTLS');
        expect(record.capabilities.map((cap) => cap.name)).not.toContain('STARTTLS');
      } else {
        expect(record.capabilitiesBeforeTls).toBeUndefined();
      }
      expect(record.helloVerb).toBe(where.protocol === 'lmtp' ? 'LHLO' : 'EHLO');

      const names = record.capabilities.map((cap) => cap.name);
      for (const name of c.expect) expect(names).toContain(name);
      for (const name of c.absent ?? []) expect(names).not.toContain(name);
      console.log(
        `${c.which}: ${show(record.capabilities)}` +
          (record.capabilitiesBeforeTls ? ` | before TLS: ${show(record.capabilitiesBeforeTls)}` : ''),
      );
    });
  }
});
