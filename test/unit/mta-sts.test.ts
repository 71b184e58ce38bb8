import { describe, expect, it } from 'vitest';
import { mxAllowed, parsePolicy } from '../../electron/dns/mta-sts.js';

/** RFC 8461 §3.2 policy files and §4.1 MX patterns. */
describe('MTA-STS', () => {
  it('a policy with CRLF or LF lines, several mx: patterns', () => {
    expect(parsePolicy('version: STSv1\r\nmode: testing\r\nmx: mx1.example.net\r\nmx: *.example.net\r\nmax_age: 86400\r\n')).toEqual({
      version: 'STSv1',
      mode: 'testing',
      mx: ['mx1.example.net', '*.example.net'],
      maxAge: 86400,
    });
  });

  it.each([
    ['mode: enforce\nmx: a\nmax_age: 1', /version must be STSv1/],
    ['version: STSv1\nmode: strict\nmx: a\nmax_age: 1', /mode must be enforce, testing or none/],
    ['version: STSv1\nmode: enforce\nmax_age: 1', /no mx: pattern/],
    ['version: STSv1\nmode: enforce\nmx: a\nmax_age: 99999999999', /max_age must be/],
    ['version: STSv1\nmode: enforce\nmode: none\nmx: a\nmax_age: 1', /mode is given 2 times/],
  ])('%j is refused', (text, message) => expect(() => parsePolicy(text)).toThrow(message));

  it('"*." matches exactly one label, as RFC 8461 §4.1 says', () => {
    expect(mxAllowed(['*.example.net'], 'mx1.example.net')).toBe('*.example.net');
    expect(mxAllowed(['*.example.net'], 'a.mx1.example.net')).toBeUndefined();
    expect(mxAllowed(['*.example.net'], 'example.net')).toBeUndefined();
    expect(mxAllowed(['MX1.Example.NET'], 'mx1.example.net.')).toBe('MX1.Example.NET');
  });
});
