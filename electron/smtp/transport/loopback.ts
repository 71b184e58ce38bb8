import net from 'node:net';

/**
 * Whether an address is loopback: 127.0.0.0/8, ::1 (in any spelling, in brackets or not, or IPv4-mapped), or the
 * name localhost. Used for a socket's peer address as for a host a user typed.
 */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  if (address.toLowerCase() === 'localhost') return true;
  const plain = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (net.isIPv6(plain)) {
    if (/^(0{0,4}:){2,7}0{0,3}1$/.test(plain) || plain === '::1') return true;
    const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
    return mapped !== null && mapped[1]!.startsWith('127.');
  }
  return net.isIPv4(plain) && plain.startsWith('127.');
}
