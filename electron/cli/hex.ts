/**
 * --hex: every write and read as a hex dump (swaks --show-raw-text), 16 bytes a row with their printable ASCII, the
 * way `hexdump -C` shows them. The bytes are those the transcript shows (a redacted AUTH line in its redacted form).
 */
export function hexDump(dir: 'send' | 'recv', bytes: Buffer): string {
  const rows = [`  ${dir === 'send' ? 'C>' : 'S<'} ${bytes.length} byte${bytes.length === 1 ? '' : 's'}`];
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const row = bytes.subarray(offset, offset + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0'));
    const left = hex.slice(0, 8).join(' ');
    const right = hex.slice(8).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    rows.push(`    ${offset.toString(16).padStart(8, '0')}  ${left.padEnd(23)}  ${right.padEnd(23)}  |${ascii}|`);
  }
  return rows.join('\n') + '\n';
}

/** A certificate chain (DER, leaf first) as PEM blocks. */
export function chainPem(der: readonly Buffer[]): string {
  return der
    .map((cert) => {
      const b64 = cert.toString('base64').replace(/.{1,64}/g, '$&\n');
      return `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`;
    })
    .join('');
}
