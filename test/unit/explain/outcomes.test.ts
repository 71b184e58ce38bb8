import { describe, expect, it } from 'vitest';
import { SMTP_ERROR_CODES } from '../../../shared/errors.js';
import { explainAuthOutcome, explainErrorCode, explainVerdict, EXPLAINED_ERROR_CODES } from '../../../shared/explain/outcomes.js';
import { formatReplyOneLine, formatReplyWire, stripEnhancedCode } from '../../../shared/explain/reply-text.js';
import type { AuthResult, RecipientOutcome } from '../../../shared/session-record.js';
import { decodeChallenge, formatMs } from '../../../renderer/src/features/auth/auth-format.js';
import { formatDuration, formatReplyLines, runningLabel } from '../../../renderer/src/features/status/result-format.js';

/** Outcomes in plain words: error codes, verdicts, AUTH; the result banner's and auth panel's formatting. */

describe('error codes', () => {
  it('every engine error code has a title and a text', () => {
    for (const code of SMTP_ERROR_CODES) {
      expect(EXPLAINED_ERROR_CODES, code).toContain(code);
      const e = explainErrorCode(code);
      expect(e.title.length).toBeGreaterThan(3);
      expect(e.text.length).toBeGreaterThan(10);
    }
    for (const code of ['not-found', 'storage-failed', 'secret-store-unavailable', 'busy', 'forbidden', 'internal']) {
      expect(EXPLAINED_ERROR_CODES).toContain(code);
    }
    expect(explainErrorCode('connect-failed').title).toBe('Could not connect');
    expect(explainErrorCode('something-new')).toEqual({ title: 'Failed', text: 'The operation failed (something-new).' });
  });
});

describe('verdicts', () => {
  const r = (delivered: boolean): RecipientOutcome => ({
    address: 'a@b',
    accepted: delivered,
    rcpt: { code: delivered ? 250 : 550, text: '' },
    delivered,
  });

  it('says how many recipients got the message', () => {
    expect(explainVerdict('delivered', [r(true), r(true)])).toEqual({
      title: 'Delivered',
      text: 'The server accepted the message for every recipient (2 of 2 recipients).',
    });
    expect(explainVerdict('partial', [r(true), r(false), r(false)]).text).toBe(
      'The server accepted the message for some recipients only (1 of 3 recipients).',
    );
    expect(explainVerdict('none', [r(false)]).text).toBe('The server accepted the message for no recipient (0 of 1 recipient).');
    expect(explainVerdict('delivered').text).toBe('The server accepted the message for every recipient.');
  });
});

describe('AUTH outcome', () => {
  const auth = (over: Partial<AuthResult>): AuthResult => ({ mechanism: 'PLAIN', ok: false, steps: [], durationMs: 5, ...over });

  it('accepted', () => {
    expect(explainAuthOutcome(auth({ ok: true, code: 235, enhancedCode: '2.7.0', text: 'Authentication successful' }))).toMatchObject({
      ok: true,
      headline: 'The server accepted the credentials',
      reply: '235 2.7.0 Authentication successful',
    });
  });

  it('shows the enhanced code once when the text starts with it', () => {
    expect(explainAuthOutcome(auth({ ok: true, code: 235, enhancedCode: '2.7.0', text: '2.7.0 Authentication successful' })).reply).toBe(
      '235 2.7.0 Authentication successful',
    );
  });

  it('refused credentials, with the explanation of the enhanced code', () => {
    const e = explainAuthOutcome(auth({ code: 535, enhancedCode: '5.7.8', text: 'Error: authentication failed' }));
    expect(e.headline).toBe('The server refused the credentials');
    expect(e.reply).toBe('535 5.7.8 Error: authentication failed');
    expect(e.explanation).toMatch(/user name or password/);
  });

  it('tells the other failures apart', () => {
    expect(explainAuthOutcome(auth({ code: 534, enhancedCode: '5.7.9', text: 'x' })).headline).toMatch(/too weak/);
    expect(explainAuthOutcome(auth({ code: 538, enhancedCode: '5.7.11', text: 'x' })).headline).toMatch(/requires encryption/);
    expect(explainAuthOutcome(auth({ code: 504, enhancedCode: '5.5.4', text: 'x' })).headline).toMatch(/does not support/);
    expect(explainAuthOutcome(auth({ code: 454, enhancedCode: '4.7.0', text: 'x' })).headline).toMatch(/temporarily/);
    expect(explainAuthOutcome(auth({ code: 235, serverSignatureVerified: false, mechanism: 'SCRAM-SHA-256' })).headline).toMatch(
      /signature did not verify/,
    );
    expect(explainAuthOutcome(auth({ code: 554, text: 'x' })).explanation).toMatch(/transaction failed|failed permanently/i);
  });
});

describe('auth formatting', () => {
  it('decodes printable 334 challenges only', () => {
    expect(decodeChallenge({ code: 334, text: 'VXNlcm5hbWU6' })).toBe('Username:');
    expect(decodeChallenge({ code: 334, text: 'UGFzc3dvcmQ6' })).toBe('Password:');
    expect(decodeChallenge({ code: 334, text: '' })).toBeUndefined();
    expect(decodeChallenge({ code: 334, text: 'AAEC' })).toBeUndefined(); // binary
    expect(decodeChallenge({ code: 334, text: 'not base64!' })).toBeUndefined();
    expect(decodeChallenge({ code: 235, text: 'VXNlcm5hbWU6' })).toBeUndefined();
  });

  it('formats durations', () => {
    expect(formatMs(3.25)).toBe('3.3 ms');
    expect(formatMs(38.4)).toBe('38 ms');
    expect(formatMs(1250)).toBe('1.25 s');
    expect(formatDuration(12.4)).toBe('12 ms');
    expect(formatDuration(2000)).toBe('2.00 s');
  });
});

describe('result banner formatting', () => {
  it('rebuilds a reply as it looked on the wire', () => {
    expect(formatReplyLines(550, '5.7.1', 'Relaying denied')).toBe('550 5.7.1 Relaying denied');
    expect(formatReplyLines(554, undefined, 'first\nsecond\nthird')).toBe('554-first\n554-second\n554 third');
    expect(formatReplyLines(421, '4.3.2', 'a\nb')).toBe('421-4.3.2 a\n421 b');
    expect(formatReplyLines(undefined, undefined, undefined)).toBe('');
    expect(formatReplyLines(undefined, undefined, 'text only')).toBe('text only');
    // The engine keeps the enhanced code in the text: it is shown once.
    expect(formatReplyLines(550, '5.7.1', '5.7.1 Relaying denied')).toBe('550 5.7.1 Relaying denied');
    expect(formatReplyLines(550, '5.7.1', '5.7.1 first\nsecond')).toBe('550-5.7.1 first\n550 second');
  });

  it('says what runs', () => {
    expect(runningLabel('probe')).toBe('Probing…');
    expect(runningLabel('send')).toBe('Sending the message…');
    expect(runningLabel(undefined)).toBe('Working…');
    expect(runningLabel('unknown')).toBe('Working…');
  });
});

describe('reply text', () => {
  it('strips the enhanced code only where the text starts with it', () => {
    expect(stripEnhancedCode('5.7.8 Bad credentials', '5.7.8')).toBe('Bad credentials');
    expect(stripEnhancedCode('5.7.8', '5.7.8')).toBe('');
    expect(stripEnhancedCode('5.7.8\nmore', '5.7.8')).toBe('\nmore');
    expect(stripEnhancedCode('Bad 5.7.8 credentials', '5.7.8')).toBe('Bad 5.7.8 credentials');
    expect(stripEnhancedCode('5.7.80 x', '5.7.8')).toBe('5.7.80 x');
    expect(stripEnhancedCode('5.7.8 x', undefined)).toBe('5.7.8 x');
  });

  it('formats one line and the wire form', () => {
    expect(formatReplyOneLine({ code: 535, enhancedCode: '5.7.8', text: '5.7.8 Error:\nauthentication failed' })).toBe(
      '535 5.7.8 Error: authentication failed',
    );
    expect(formatReplyOneLine({ code: 250, text: '' })).toBe('250');
    expect(formatReplyWire({ code: 250, text: 'mx.example.net\nPIPELINING\nSIZE 10' })).toBe(
      '250-mx.example.net\n250-PIPELINING\n250 SIZE 10',
    );
    expect(formatReplyWire({ enhancedCode: '5.1.1' })).toBe('5.1.1');
    expect(formatReplyWire({})).toBe('');
  });
});
