import { describe, expect, it } from 'vitest';
import { allowedExternalUrl } from '../../../electron/main/security.js';
import {
  ENHANCED_CLASSES,
  ENHANCED_DETAILS,
  ENHANCED_SUBJECTS,
  explainEnhanced,
  parseEnhancedCode,
} from '../../../shared/explain/enhanced-codes.js';
import { parseCodeQuery } from '../../../shared/explain/query.js';
import { isReferenceUrl, rfcUrl } from '../../../shared/explain/references.js';
import { explainReplyCode, REPLY_CODES, replyOutcome } from '../../../shared/explain/reply-codes.js';

/** Reply codes and enhanced status codes in plain words (shared/explain). */

const RFC_LINK = /^https:\/\/www\.rfc-editor\.org\/rfc\/rfc\d+(#section-\d+(\.\d+)*)?$/;

describe('reply codes', () => {
  const REQUIRED = [
    211, 214, 220, 221, 235, 250, 251, 252, 334, 354, 421, 432, 450, 451, 452, 454, 455, 500, 501, 502, 503, 504, 521, 530, 534, 535, 538,
    550, 551, 552, 553, 554, 555, 556,
  ];

  it('has an entry for every code the app must explain', () => {
    const known = new Set(REPLY_CODES.map((c) => c.code));
    expect(REQUIRED.filter((c) => !known.has(c))).toEqual([]);
  });

  it.each(REQUIRED)('%i has a title, a meaning and a valid RFC link the app may open', (code) => {
    const e = explainReplyCode(code);
    expect(e).toMatchObject({ code, valid: true, known: true });
    expect(e.title.length).toBeGreaterThan(1);
    expect(e.meaning.length).toBeGreaterThan(20);
    expect(e.ref.url).toMatch(RFC_LINK);
    expect(e.ref.rfc).toBeGreaterThan(0);
    expect(allowedExternalUrl(e.ref.url)).toBe(e.ref.url);
    for (const also of e.also ?? []) expect(also.url).toMatch(RFC_LINK);
  });

  it('names the defining RFC: 5321 for the base codes, 4954 for AUTH, 7504 for 521/556', () => {
    expect(explainReplyCode(550).ref.rfc).toBe(5321);
    expect(explainReplyCode(235).ref).toMatchObject({ rfc: 4954, section: '6', url: 'https://www.rfc-editor.org/rfc/rfc4954#section-6' });
    expect(explainReplyCode(535).ref.rfc).toBe(4954);
    expect(explainReplyCode(334).ref.rfc).toBe(4954);
    expect(explainReplyCode(521).ref.rfc).toBe(7504);
    expect(explainReplyCode(556).ref.rfc).toBe(7504);
    expect(explainReplyCode(454).also?.map((r) => r.rfc)).toContain(4954);
  });

  it('explains its class and category by the digits', () => {
    expect(explainReplyCode(550)).toMatchObject({
      outcome: 'permanent',
      classLabel: '5yz Permanent negative completion',
      categoryLabel: 'x5z Mail system',
    });
    expect(explainReplyCode(354)).toMatchObject({ outcome: 'intermediate', categoryLabel: 'x5z Mail system' });
    expect(explainReplyCode(421).categoryLabel).toBe('x2z Connections');
    expect(explainReplyCode(214).categoryLabel).toBe('x1z Information');
    expect(explainReplyCode(535).categoryLabel).toMatch(/^x3z /);
  });

  it('explains unknown codes by their class digits, even with an undefined second digit', () => {
    expect(explainReplyCode(299)).toMatchObject({
      valid: true,
      known: false,
      outcome: 'success',
      classLabel: '2yz Positive completion',
      categoryLabel: 'x9z Undefined',
    });
    expect(explainReplyCode(471)).toMatchObject({
      valid: true,
      known: false,
      outcome: 'transient',
      classLabel: '4yz Transient negative completion',
    });
    expect(explainReplyCode(471).meaning).toMatch(/does not define/);
  });

  it('falls back by class for unknown codes in every class and category', () => {
    for (const [code, outcome, category] of [
      [219, 'success', 'x1z Information'],
      [399, 'intermediate', undefined],
      [429, 'transient', 'x2z Connections'],
      [459, 'transient', 'x5z Mail system'],
      [509, 'permanent', 'x0z Syntax'],
      [557, 'permanent', 'x5z Mail system'],
    ] as const) {
      const e = explainReplyCode(code);
      expect(e.known).toBe(false);
      expect(e.outcome).toBe(outcome);
      expect(e.meaning).toContain(String(code));
      expect(e.ref.url).toBe('https://www.rfc-editor.org/rfc/rfc5321#section-4.2.1');
      if (category) expect(e.categoryLabel).toBe(category);
    }
  });

  it('refuses what is not a reply code', () => {
    for (const input of ['abc', '55', '5500', '', '1.2.3']) {
      expect(explainReplyCode(input)).toMatchObject({ code: null, valid: false, known: false });
    }
    // Three digits, but outside the classes SMTP defines.
    expect(explainReplyCode(150)).toMatchObject({ code: 150, valid: false });
    expect(explainReplyCode(600)).toMatchObject({ code: 600, valid: false });
    expect(explainReplyCode(199)).toMatchObject({ code: 199, valid: false });
    expect(explainReplyCode(' 250 ')).toMatchObject({ code: 250, known: true });
  });

  it('replyOutcome classifies by the first digit', () => {
    expect([250, 334, 451, 550, 199, 600].map(replyOutcome)).toEqual([
      'success',
      'intermediate',
      'transient',
      'permanent',
      undefined,
      undefined,
    ]);
  });
});

describe('enhanced status codes', () => {
  it('parses class.subject.detail and normalises leading zeros', () => {
    expect(parseEnhancedCode('5.7.8')).toEqual({ code: '5.7.8', classDigit: 5, subject: 7, detail: 8 });
    expect(parseEnhancedCode(' 4.4.7 ')).toEqual({ code: '4.4.7', classDigit: 4, subject: 4, detail: 7 });
    expect(parseEnhancedCode('2.0.000')).toEqual({ code: '2.0.0', classDigit: 2, subject: 0, detail: 0 });
    expect(parseEnhancedCode('5.7.123')?.detail).toBe(123);
  });

  it('refuses invalid input', () => {
    for (const input of ['', '5.7', '5.7.8.1', '3.1.1', '6.0.0', '1.0.0', 'a.b.c', '5.7.1234', '5..8', '550', '5.7.8x', '5 .7.8']) {
      expect(parseEnhancedCode(input), input).toBeNull();
      expect(explainEnhanced(input), input).toBeNull();
    }
  });

  it('explains 5.7.8 by class, subject and detail with its RFC', () => {
    expect(explainEnhanced('5.7.8')).toMatchObject({
      code: '5.7.8',
      className: 'Permanent failure',
      subjectName: 'Security or policy status',
      detailName: 'Authentication credentials invalid',
      detailKnown: true,
      rfc: 4954,
      ref: { url: 'https://www.rfc-editor.org/rfc/rfc4954#section-6' },
    });
    const e = explainEnhanced('5.7.8')!;
    expect(e.classText).toMatch(/will not succeed/);
    expect(e.subjectText).toMatch(/authentication/);
    expect(e.detailText).toMatch(/password/);
  });

  it('knows the three classes and the eight subjects of RFC 3463', () => {
    expect(Object.keys(ENHANCED_CLASSES)).toEqual(['2', '4', '5']);
    expect(Object.keys(ENHANCED_SUBJECTS).map(Number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const [n, subject] of Object.entries(ENHANCED_SUBJECTS)) {
      expect(subject.ref.url).toBe(`https://www.rfc-editor.org/rfc/rfc3463#section-3.${Number(n) + 1}`);
    }
  });

  it('has every detail of RFC 3463 §3.1–3.8', () => {
    const rfc3463: Record<number, number> = { 0: 0, 1: 8, 2: 4, 3: 5, 4: 7, 5: 5, 6: 5, 7: 7 };
    for (const [subject, last] of Object.entries(rfc3463)) {
      for (let detail = 0; detail <= last; detail++) {
        const e = explainEnhanced(`5.${subject}.${detail}`);
        expect(e?.detailKnown, `X.${subject}.${detail}`).toBe(true);
        expect(e?.rfc, `X.${subject}.${detail}`).toBe(3463);
      }
    }
  });

  it('has the common registry additions with the RFC that added them', () => {
    const expected: Record<string, number | undefined> = {
      'X.5.6': 4954,
      'X.7.8': 4954,
      'X.7.9': 4954,
      'X.7.11': 4954,
      'X.7.12': 4954,
      'X.7.20': 7372,
      'X.7.23': 7372,
      'X.7.25': 7372,
      'X.7.26': 7372,
      'X.7.27': 7505,
      'X.1.10': 7505,
      'X.7.29': 8617,
      'X.7.30': 8689,
      'X.7.28': undefined, // registry only
    };
    for (const [key, rfc] of Object.entries(expected)) {
      const [, subject, detail] = key.split('.');
      const e = explainEnhanced(`4.${subject}.${detail}`)!;
      expect(e.detailKnown, key).toBe(true);
      expect(e.rfc, key).toBe(rfc);
    }
    expect(explainEnhanced('4.7.28')!.ref.url).toMatch(/^https:\/\/www\.iana\.org\//);
  });

  it('every detail has a name, a text and a link the app may open; keys are unique', () => {
    const keys = new Set<string>();
    for (const d of ENHANCED_DETAILS) {
      expect(keys.has(d.key), d.key).toBe(false);
      keys.add(d.key);
      expect(d.name.length).toBeGreaterThan(3);
      expect(d.text.length).toBeGreaterThan(10);
      expect(d.ref.url && isReferenceUrl(d.ref.url), d.key).toBe(true);
      expect(allowedExternalUrl(d.ref.url), d.key).toBe(d.ref.url);
    }
  });

  it('an unregistered detail falls back to its subject; an unknown subject to its class', () => {
    expect(explainEnhanced('5.1.99')).toMatchObject({
      detailKnown: false,
      subjectKnown: true,
      subjectName: 'Addressing status',
      rfc: 3463,
    });
    expect(explainEnhanced('4.9.1')).toMatchObject({ detailKnown: false, subjectKnown: false, className: 'Persistent transient failure' });
    expect(explainEnhanced('2.0.0')).toMatchObject({ className: 'Success', detailKnown: true });
  });
});

describe('code queries', () => {
  it('reads a reply code, an enhanced code, or both, from what a person typed', () => {
    expect(parseCodeQuery('550')).toEqual({ code: 550 });
    expect(parseCodeQuery(' 5.7.1 ')).toEqual({ enhancedCode: '5.7.1' });
    expect(parseCodeQuery('550 5.7.1')).toEqual({ code: 550, enhancedCode: '5.7.1' });
    expect(parseCodeQuery('550-5.7.1 Relaying denied')).toEqual({ code: 550, enhancedCode: '5.7.1', text: 'Relaying denied' });
    expect(parseCodeQuery('250 mx.example.net')).toEqual({ code: 250, text: 'mx.example.net' });
    expect(parseCodeQuery('5.7.1 Relay access denied')).toEqual({ enhancedCode: '5.7.1', text: 'Relay access denied' });
    expect(parseCodeQuery('5.7.1x')).toBeNull();
    expect(parseCodeQuery('hello')).toBeNull();
    expect(parseCodeQuery('5500')).toBeNull();
    expect(parseCodeQuery('')).toBeNull();
  });
});

describe('references', () => {
  it('builds rfc-editor links with section anchors', () => {
    expect(rfcUrl(5321)).toBe('https://www.rfc-editor.org/rfc/rfc5321');
    expect(rfcUrl(5321, '4.2.3')).toBe('https://www.rfc-editor.org/rfc/rfc5321#section-4.2.3');
    expect(isReferenceUrl('https://www.rfc-editor.org/rfc/rfc5321#section-4.2.3')).toBe(true);
    expect(isReferenceUrl('http://www.rfc-editor.org/rfc/rfc5321')).toBe(false);
    expect(isReferenceUrl('https://evil.example/rfc/rfc5321')).toBe(false);
  });
});
