import { describe, expect, it } from 'vitest';
import { ReplyParser } from '../../electron/smtp/protocol/reply-parser.js';
import { expectedReplies, kindOfCommand, replyFits, type ReplyKind } from '../../electron/smtp/protocol/reply-rules.js';
import type { Reply } from '../../electron/smtp/protocol/reply.js';
import { ReplyLedger, type Expectation } from '../../electron/smtp/transport/reply-ledger.js';

const reply = (line: string): Reply => new ReplyParser().push(Buffer.from(`${line}\r\n`))[0]!;
const expect_ = (kind: ReplyKind, command: string, extra: Partial<Expectation> = {}): Expectation => ({
  kind,
  command,
  stage: command,
  timeoutMs: 1000,
  ...extra,
});

describe('ReplyLedger: which reply answers which command', () => {
  it('matches replies in order to what was owed, and holds only what was owed', () => {
    const ledger = new ReplyLedger();
    expect(ledger.arrive(reply('220 hi'))).toEqual({ type: 'unsolicited', after: undefined });
    ledger.owe([expect_('mail', 'MAIL FROM:'), expect_('rcpt', 'RCPT TO:'), expect_('data', 'DATA')]);
    expect(ledger.owing).toBe(3);
    expect(ledger.arrive(reply('250 ok'))).toMatchObject({ type: 'answered', answer: { expected: { command: 'MAIL FROM:' } } });
    expect(ledger.arrive(reply('550 no'))).toMatchObject({ type: 'answered', answer: { expected: { command: 'RCPT TO:' } } });
    expect(ledger.arrive(reply('354 go'))).toMatchObject({ type: 'answered', answer: { expected: { command: 'DATA' } } });
    expect(ledger.waiting).toBe(3);
    expect(ledger.waitingBytes).toBe('250 ok\r\n550 no\r\n354 go\r\n'.length);
    // Nothing more is owed: one more reply answers nothing, and names what it came after.
    expect(ledger.arrive(reply('250 early'))).toMatchObject({ type: 'unsolicited', after: { command: 'DATA' } });
    expect([ledger.take(), ledger.take(), ledger.take(), ledger.take()].map((a) => a?.reply.code)).toEqual([250, 550, 354, undefined]);
    expect(ledger.waitingBytes).toBe(0);
  });

  it('a reply that cannot answer its command is a misfit, and is not consumed', () => {
    const ledger = new ReplyLedger();
    ledger.owe([expect_('hello', 'EHLO')]);
    expect(ledger.arrive(reply('354 go ahead'))).toMatchObject({ type: 'misfit', expected: { command: 'EHLO' } });
    expect(ledger.owing).toBe(1);
  });

  it('PRDR: a 353 owes one reply per accepted recipient and a final one, decided from its group', () => {
    const ledger = new ReplyLedger();
    const end = expect_('data-end', 'final dot', {
      prdr: true,
      then: (r, earlier) => {
        if (r.code !== 353) return undefined;
        const accepted = earlier.slice(1).filter((e) => e.code === 250).length;
        return [
          ...Array.from({ length: accepted }, (_, i) => expect_('prdr-recipient', `recipient ${i + 1}`)),
          expect_('data-end', 'final'),
        ];
      },
    });
    ledger.owe([expect_('mail', 'MAIL'), expect_('rcpt', 'RCPT'), expect_('rcpt', 'RCPT'), end]);
    for (const line of ['250 ok', '250 ok', '250 ok', '353 PRDR']) expect(ledger.arrive(reply(line)).type).toBe('answered');
    expect(ledger.owing).toBe(3);
    expect(ledger.arrive(reply('250 one')).type).toBe('answered');
    expect(ledger.arrive(reply('550 two')).type).toBe('answered');
    expect(ledger.arrive(reply('250 final'))).toMatchObject({ type: 'answered', answer: { expected: { command: 'final' } } });
    expect(ledger.owing).toBe(0);
  });

  it('the 220 to STARTTLS is an upgrade: the connection reads nothing more in plaintext', () => {
    const ledger = new ReplyLedger();
    ledger.owe([expect_('starttls', 'STARTTLS', { upgrade: true })]);
    expect(ledger.arrive(reply('220 go')).type).toBe('upgrade');
    ledger.owe([expect_('starttls', 'STARTTLS', { upgrade: true })]);
    expect(ledger.arrive(reply('454 not now')).type).toBe('answered');
  });
});

describe('reply rules (RFC 5321 §4.3.2)', () => {
  it('a refusal answers anything but QUIT; a positive reply only its own command', () => {
    const cases: [ReplyKind, number, boolean][] = [
      ['greeting', 220, true],
      ['greeting', 250, false],
      ['greeting', 554, true],
      ['hello', 250, true],
      ['hello', 354, false],
      ['hello', 502, true],
      ['mail', 250, true],
      ['mail', 251, false],
      ['rcpt', 251, true],
      ['rcpt', 252, false],
      ['data', 354, true],
      ['data', 250, false],
      ['data-end', 250, true],
      ['data-end', 353, false],
      ['auth', 334, true],
      ['auth', 235, true],
      ['auth', 250, false],
      ['starttls', 220, true],
      ['starttls', 454, true],
      ['vrfy', 252, true],
      ['help', 214, true],
      ['quit', 221, true],
      ['quit', 554, false],
      ['quit', 250, false],
      ['any', 354, true],
      ['any', 299, true],
    ];
    for (const [kind, code, fits] of cases) expect(replyFits(kind, code), `${code} to ${kind}`).toBe(fits);
    expect(replyFits('data-end', 353, true)).toBe(true);
    expect(expectedReplies('hello')).toBe('250, or a refusal (4xx/5xx)');
    expect(expectedReplies('quit')).toBe('221');
  });

  it('raw commands expect what their verb does', () => {
    expect(kindOfCommand('ehlo x')).toBe('hello');
    expect(kindOfCommand('DATA')).toBe('data');
    expect(kindOfCommand('XCLIENT NAME=x')).toBe('xclient');
    expect(kindOfCommand('XFORWARD NAME=x')).toBe('xforward');
    expect(kindOfCommand('XUNKNOWN')).toBe('any');
    expect(kindOfCommand('  noop')).toBe('noop');
  });
});
