import { describe, expect, it } from 'vitest';
import { parseProxyEnd, proxyHeader } from '../../electron/smtp/protocol/proxy-header.js';
import { attributeCommand, assertAttributesOffered, parseAttribute } from '../../electron/smtp/protocol/attributes.js';

const v6 = (source: string, destination: string): string =>
  proxyHeader({ version: 'v2', source: parseProxyEnd(`[${source}]:1`, 's'), destination: parseProxyEnd(`[${destination}]:2`, 'd') }, {})
    .bytes.subarray(16, 48)
    .toString('hex');

describe('PROXY header', () => {
  it('writes every IPv6 form as its 16 bytes', () => {
    expect(v6('::1', '2001:db8::')).toBe('00000000000000000000000000000001' + '20010db8000000000000000000000000');
    expect(v6('1:2:3:4:5:6:7:8', 'fe80::1:2')).toBe('00010002000300040005000600070008' + 'fe800000000000000000000000010002');
    expect(v6('64:ff9b::192.0.2.33', '::')).toBe('0064ff9b0000000000000000c0000221' + '00000000000000000000000000000000');
  });

  it('takes an IPv4-mapped address for the IPv4 address it is', () => {
    const h = proxyHeader(
      { version: 'v1' },
      { localAddress: '::ffff:127.0.0.1', localPort: 5000, remoteAddress: '::ffff:127.0.0.2', remotePort: 25 },
    );
    expect(h.shown).toBe('PROXY TCP4 127.0.0.1 127.0.0.2 5000 25');
  });

  it('a Unix socket with no ends given: v1 UNKNOWN, v2 LOCAL with no addresses', () => {
    expect(proxyHeader({ version: 'v1' }, {}).bytes.toString()).toBe('PROXY UNKNOWN\r\n');
    expect(proxyHeader({ version: 'v2' }, {}).bytes.subarray(12).toString('hex')).toBe('20000000');
  });

  it('one end given and none known for the other is refused', () => {
    expect(() => proxyHeader({ version: 'v1', source: { address: '192.0.2.1', port: 1 } }, {})).toThrow(/needs both ends/);
  });
});

describe('XCLIENT / XFORWARD attributes', () => {
  it('upper-cases names and xtext-encodes values, but for [UNAVAILABLE] and [TEMPUNAVAIL]', () => {
    const attrs = ['name=a b', 'addr=[TEMPUNAVAIL]', 'login=x=y+z'].map((a) => parseAttribute(a, '--xclient'));
    expect(attributeCommand('XCLIENT', attrs)).toBe('XCLIENT NAME=a+20b ADDR=[TEMPUNAVAIL] LOGIN=x+3Dy+2Bz');
  });

  it('refuses CR/LF in a value and a missing name', () => {
    expect(() => parseAttribute('NAME=a\r\nRSET', '--xclient')).toThrow();
    expect(() => parseAttribute('=x', '--xclient')).toThrow(/NAME=VALUE/);
  });

  it('refuses a command line over 510 octets', () => {
    const long = [parseAttribute(`NAME=${'a'.repeat(600)}`, 'x')];
    expect(() => assertAttributesOffered('XCLIENT', long, ['NAME'])).toThrow(/510/);
  });
});
