import { describe, expect, it } from 'vitest';
import { allowedExternalUrl } from '../../../electron/main/security.js';
import { describeTlsCapabilityDiff, diffCapabilities } from '../../../shared/explain/capability-diff.js';
import {
  describeMechanism,
  explainExtension,
  EXTENSIONS,
  formatBytes,
  formatCapabilityParams,
  formatSizeLimit,
  groupDigits,
} from '../../../shared/explain/extensions.js';
import type { Capability } from '../../../shared/session-record.js';
import { capabilityNotes, isLocalLink } from '../../../renderer/src/features/capabilities/capability-notes.js';

/** EHLO keywords, their parameters, and the before/after STARTTLS comparison. */

const cap = (name: string, ...params: string[]): Capability => ({ name, params });

describe('extensions', () => {
  const REQUIRED: [string, number | undefined][] = [
    ['SIZE', 1870],
    ['PIPELINING', 2920],
    ['8BITMIME', 6152],
    ['SMTPUTF8', 6531],
    ['DSN', 3461],
    ['CHUNKING', 3030],
    ['BINARYMIME', 3030],
    ['ENHANCEDSTATUSCODES', 2034],
    ['STARTTLS', 3207],
    ['AUTH', 4954],
    ['DELIVERBY', 2852],
    ['ETRN', 1985],
    ['VRFY', 5321],
    ['EXPN', 5321],
    ['HELP', 5321],
    ['REQUIRETLS', 8689],
    ['MT-PRIORITY', 6710],
    ['FUTURERELEASE', 4865],
    ['LIMITS', 9422],
    ['PRDR', undefined],
    ['XCLIENT', undefined],
    ['XFORWARD', undefined],
  ];

  it.each(REQUIRED)('%s is explained with the right reference', (keyword, rfc) => {
    const e = explainExtension(keyword.toLowerCase());
    expect(e.known).toBe(true);
    expect(e.keyword).toBe(keyword);
    expect(e.summary.length).toBeGreaterThan(20);
    expect(e.ref.rfc).toBe(rfc);
    if (rfc) expect(e.ref.url).toMatch(new RegExp(`^https://www\\.rfc-editor\\.org/rfc/rfc${rfc}(#section-[\\d.]+)?$`));
  });

  it('says PRDR has no RFC and XCLIENT/XFORWARD are Postfix extensions', () => {
    expect(explainExtension('PRDR')).toMatchObject({ status: 'draft', ref: { label: 'Internet-Draft (no RFC)' } });
    expect(explainExtension('PRDR').summary).toMatch(/no RFC/);
    expect(explainExtension('XCLIENT')).toMatchObject({ status: 'vendor' });
    expect(explainExtension('XCLIENT').ref.label).toMatch(/Postfix/);
    expect(explainExtension('XFORWARD').ref.label).toMatch(/Postfix/);
  });

  it('every link is one the desktop app may open', () => {
    for (const info of EXTENSIONS.values()) {
      if (info.ref.url) expect(allowedExternalUrl(info.ref.url), info.keyword).toBe(info.ref.url);
    }
  });

  it('flags unknown extensions, and X- ones as private', () => {
    expect(explainExtension('FOOBAR')).toMatchObject({ known: false, status: 'unknown', keyword: 'FOOBAR' });
    expect(explainExtension('X-SOMETHING').summary).toMatch(/private/);
    expect(explainExtension('FOOBAR').summary).not.toMatch(/private/);
  });
});

describe('SIZE', () => {
  it('formats a limit in bytes and MB', () => {
    expect(formatSizeLimit(['52428800'])).toEqual({ bytes: 52428800, text: '52,428,800 bytes (50 MB)' });
    expect(formatSizeLimit(['35882577']).text).toBe('35,882,577 bytes (34.2 MB)');
    expect(formatSizeLimit(['10240000']).text).toBe('10,240,000 bytes (9.8 MB)');
    expect(formatSizeLimit(['1000000']).text).toBe('1,000,000 bytes (976.6 KB)');
    expect(formatSizeLimit(['2147483648']).text).toBe('2,147,483,648 bytes (2 GB)');
    expect(formatSizeLimit(['512']).text).toBe('512 bytes');
  });

  it('treats 0, no number and garbage as no limit', () => {
    expect(formatSizeLimit([])).toEqual({ bytes: null, text: 'no fixed limit announced' });
    expect(formatSizeLimit(['0'])).toEqual({ bytes: null, text: 'no fixed limit (0)' });
    expect(formatSizeLimit(['abc']).bytes).toBeNull();
    expect(formatSizeLimit(['-5']).bytes).toBeNull();
    expect(formatSizeLimit(['99999999999999999999']).bytes).toBeNull();
  });

  it('groups digits the same way in every locale', () => {
    expect(groupDigits(0)).toBe('0');
    expect(groupDigits(999)).toBe('999');
    expect(groupDigits(1000)).toBe('1,000');
    expect(groupDigits(1234567.5)).toBe('1,234,567.5');
    expect(formatBytes(1024)).toBe('1 KB');
    expect(formatBytes(1536)).toBe('1.5 KB');
  });

  it('is what formatCapabilityParams uses for SIZE', () => {
    expect(formatCapabilityParams(cap('SIZE', '52428800'))).toMatchObject({ kind: 'size', text: '52,428,800 bytes (50 MB)' });
    expect(formatCapabilityParams(cap('size'))).toMatchObject({ kind: 'size', size: { bytes: null } });
  });
});

describe('AUTH mechanisms', () => {
  it('lists mechanisms with a strength note', () => {
    const f = formatCapabilityParams(cap('AUTH', 'PLAIN', 'LOGIN', 'CRAM-MD5', 'SCRAM-SHA-256', 'XOAUTH2', 'WEIRD'));
    expect(f.kind).toBe('auth');
    expect(f.mechanisms?.map((m) => [m.name, m.strength, m.supported])).toEqual([
      ['PLAIN', 'cleartext', true],
      ['LOGIN', 'cleartext', true],
      ['CRAM-MD5', 'legacy', true],
      ['SCRAM-SHA-256', 'strong', true],
      ['XOAUTH2', 'token', true],
      ['WEIRD', 'unknown', false],
    ]);
    expect(describeMechanism('plain').note).toMatch(/TLS/);
    expect(describeMechanism('CRAM-MD5').short).toMatch(/legacy/);
    expect(describeMechanism('SCRAM-SHA-1').note).toMatch(/salted/);
    expect(describeMechanism('XOAUTH2').note).toMatch(/token/);
  });
});

describe('other parameters', () => {
  it('explains LIMITS, DELIVERBY and FUTURERELEASE', () => {
    expect(formatCapabilityParams(cap('LIMITS', 'RCPTMAX=100', 'MAILMAX=10', 'FOO=1')).items).toEqual([
      { value: 'RCPTMAX=100', note: 'at most 100 recipients per transaction' },
      { value: 'MAILMAX=10', note: 'at most 10 transactions per session' },
      { value: 'FOO=1' },
    ]);
    expect(formatCapabilityParams(cap('DELIVERBY', '120')).items?.[0]?.note).toBe('shortest by-time accepted: 120 s (2 minutes)');
    expect(formatCapabilityParams(cap('FUTURERELEASE', '604800', '2030-01-01T00:00:00Z')).items?.map((i) => i.note)).toEqual([
      'longest hold: 604,800 s (7 days)',
      'latest release time',
    ]);
    expect(formatCapabilityParams(cap('PIPELINING'))).toEqual({ kind: 'none', text: '' });
    expect(formatCapabilityParams(cap('X-FOO', 'a', 'b'))).toEqual({ kind: 'raw', text: 'a b' });
  });
});

describe('capabilities before and after STARTTLS', () => {
  const before = [cap('PIPELINING'), cap('SIZE', '10485760'), cap('STARTTLS'), cap('8BITMIME'), cap('VRFY')];
  const after = [cap('PIPELINING'), cap('SIZE', '52428800'), cap('AUTH', 'PLAIN', 'LOGIN'), cap('8BITMIME'), cap('CHUNKING')];

  it('finds added, removed and changed keywords, in after-then-before order', () => {
    const diff = diffCapabilities(before, after);
    expect(diff.added).toEqual(['AUTH', 'CHUNKING']);
    expect(diff.removed).toEqual(['STARTTLS', 'VRFY']);
    expect(diff.changed).toEqual(['SIZE']);
    expect(diff.differs).toBe(true);
    expect(diff.rows.map((r) => `${r.name}:${r.change}`)).toEqual([
      'PIPELINING:same',
      'SIZE:changed',
      'AUTH:added',
      '8BITMIME:same',
      'CHUNKING:added',
      'STARTTLS:removed',
      'VRFY:removed',
    ]);
  });

  it('compares names ignoring case and AUTH mechanisms as a set', () => {
    const diff = diffCapabilities([cap('auth', 'login', 'PLAIN'), cap('Size', '1')], [cap('AUTH', 'PLAIN', 'LOGIN'), cap('SIZE', '1')]);
    expect(diff.differs).toBe(false);
    expect(diffCapabilities([cap('AUTH', 'PLAIN')], [cap('AUTH', 'PLAIN', 'SCRAM-SHA-256')]).changed).toEqual(['AUTH']);
    expect(diffCapabilities([], []).differs).toBe(false);
  });

  it('says what matters: AUTH only after TLS, STARTTLS gone as RFC 3207 requires', () => {
    const notes = describeTlsCapabilityDiff(diffCapabilities(before, after));
    expect(notes[0]).toMatch(/AUTH is offered only after STARTTLS/);
    expect(notes.some((n) => /STARTTLS is no longer offered/.test(n))).toBe(true);
    expect(notes.some((n) => n === 'Offered only after STARTTLS: CHUNKING.')).toBe(true);
    expect(notes.some((n) => n === 'Offered only before STARTTLS: VRFY.')).toBe(true);
    expect(notes.some((n) => n === 'Parameters changed across STARTTLS: SIZE.')).toBe(true);
    expect(describeTlsCapabilityDiff(diffCapabilities([cap('AUTH', 'PLAIN')], [])).some((n) => /unusual/.test(n))).toBe(true);
  });
});

describe('capability notes', () => {
  const target = { protocol: 'smtp' as const, tls: 'off' as const, host: 'mx.example.net', port: 25, ehloName: 'x' };

  it('explains the HELO fallback', () => {
    const notes = capabilityNotes({ helloVerb: 'HELO', capabilities: [], target });
    expect(notes).toHaveLength(1);
    expect(notes[0]!.text).toMatch(/fell back to HELO.*no extensions/);
  });

  it('warns about password mechanisms offered without TLS, except on a local link', () => {
    const capabilities = [cap('AUTH', 'PLAIN', 'SCRAM-SHA-256')];
    const remote = capabilityNotes({ helloVerb: 'EHLO', capabilities, target });
    expect(remote).toEqual([{ tone: 'warn', text: expect.stringMatching(/^PLAIN is offered on an unencrypted connection/) }]);
    const local = capabilityNotes({ helloVerb: 'EHLO', capabilities, target: { ...target, host: '127.0.0.1' } });
    expect(local[0]?.tone).toBe('info');
    const tls = capabilityNotes({
      helloVerb: 'EHLO',
      capabilities,
      target,
      tls: { via: 'starttls', protocol: 'TLSv1.3', cipher: 'x', authorized: true, verificationRequired: true, peerCertificate: [] },
    });
    expect(tls).toEqual([]);
  });

  it('knows a local link', () => {
    expect(isLocalLink({ target: { ...target, host: '127.0.0.1' } })).toBe(true);
    expect(isLocalLink({ target: { ...target, host: '::1' } })).toBe(true);
    expect(isLocalLink({ target: { protocol: 'lmtp', tls: 'off', socketPath: '/run/lmtp', ehloName: 'x' } })).toBe(true);
    expect(isLocalLink({ target })).toBe(false);
  });
});
