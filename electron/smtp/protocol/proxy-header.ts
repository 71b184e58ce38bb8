import net from 'node:net';
import { SmtpError } from '../errors.js';

/**
 * The HAProxy PROXY protocol header (https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt), version 1 (one text
 * line) or 2 (binary), that a client behind a load balancer's place sends before anything else, so the server sees
 * the original client's address. Pure: built from the ends given or, by default, the connection's own.
 */

export type ProxyVersion = 'v1' | 'v2';

export interface ProxyEnd {
  address: string;
  port: number;
}

export interface ProxyHeaderInput {
  version: ProxyVersion;
  /** The client the server is to see (default: this connection's local end). */
  source?: ProxyEnd;
  /** The address the client reached (default: this connection's remote end). */
  destination?: ProxyEnd;
}

/** The header's bytes and how the transcript shows them. */
export interface ProxyHeader {
  bytes: Buffer;
  shown: string;
}

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** "ADDR:PORT" or "[IPv6]:PORT" as typed on the command line; throws invalid-input. */
export function parseProxyEnd(text: string, what: string): ProxyEnd {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || net.isIP(match[1]!) === 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SmtpError(
      'invalid-input',
      `${what} must be an IP address and port, as 192.0.2.10:40000 or [2001:db8::1]:40000 (got "${text}")`,
    );
  }
  return { address: unmapped(match[1]!), port };
}

/** An IPv4-mapped IPv6 address (::ffff:192.0.2.1) as the IPv4 address it is. */
function unmapped(address: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  return v4 && net.isIPv4(v4) ? v4 : address;
}

/** Both ends from the input or the socket; undefined when there are none (a Unix socket with nothing given). */
function ends(
  input: ProxyHeaderInput,
  socket: Partial<Record<'localAddress' | 'remoteAddress', string> & Record<'localPort' | 'remotePort', number>>,
): { source: ProxyEnd; destination: ProxyEnd; family: 4 | 6 } | undefined {
  const own = (address: string | undefined, port: number | undefined): ProxyEnd | undefined =>
    address !== undefined && port !== undefined && net.isIP(address) ? { address: unmapped(address), port } : undefined;
  const source = input.source ?? own(socket.localAddress, socket.localPort);
  const destination = input.destination ?? own(socket.remoteAddress, socket.remotePort);
  if (!source && !destination) return undefined;
  if (!source || !destination) {
    throw new SmtpError(
      'invalid-input',
      'the PROXY header needs both ends: give --proxy-source and --proxy-dest (a Unix socket has no addresses of its own)',
    );
  }
  const family = net.isIPv4(source.address) ? 4 : 6;
  if ((net.isIPv4(destination.address) ? 4 : 6) !== family) {
    throw new SmtpError(
      'invalid-input',
      `the PROXY header's two ends must be of one address family (got ${source.address} and ${destination.address})`,
    );
  }
  return { source, destination, family };
}

/** 16 bytes of an IPv6 address (any textual form). */
function ipv6Bytes(address: string): Buffer {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const part = (s: string | undefined): string[] => (s ? s.split(':') : []);
  let groups = [...part(head), ...part(tail)];
  const last = groups.at(-1);
  // An embedded IPv4 tail (::ffff:192.0.2.1 style) is two groups.
  if (last && last.includes('.')) {
    const [a, b, c, d] = last.split('.').map(Number) as [number, number, number, number];
    groups = [...groups.slice(0, -1), ((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
  }
  if (tail !== undefined) {
    const missing = 8 - groups.length;
    const before = part(head).length;
    groups = [...groups.slice(0, before), ...Array<string>(missing).fill('0'), ...groups.slice(before)];
  }
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** Build the header for a connection whose ends are `socket`'s (used for whatever the input leaves out). */
export function proxyHeader(input: ProxyHeaderInput, socket: Parameters<typeof ends>[1]): ProxyHeader {
  const e = ends(input, socket);
  if (input.version === 'v1') {
    const line = e
      ? `PROXY TCP${e.family} ${e.source.address} ${e.destination.address} ${e.source.port} ${e.destination.port}`
      : 'PROXY UNKNOWN';
    return { bytes: Buffer.from(line + '\r\n', 'latin1'), shown: line };
  }
  let body: Buffer;
  let command = 0x21; // version 2, PROXY
  let family = 0x00; // UNSPEC
  if (!e) {
    command = 0x20; // LOCAL: the connection is the proxy's own (a health check); no addresses
    body = Buffer.alloc(0);
  } else if (e.family === 4) {
    family = 0x11; // TCP over IPv4
    body = Buffer.alloc(12);
    Buffer.from(e.source.address.split('.').map(Number)).copy(body, 0);
    Buffer.from(e.destination.address.split('.').map(Number)).copy(body, 4);
    body.writeUInt16BE(e.source.port, 8);
    body.writeUInt16BE(e.destination.port, 10);
  } else {
    family = 0x21; // TCP over IPv6
    body = Buffer.alloc(36);
    ipv6Bytes(e.source.address).copy(body, 0);
    ipv6Bytes(e.destination.address).copy(body, 16);
    body.writeUInt16BE(e.source.port, 32);
    body.writeUInt16BE(e.destination.port, 34);
  }
  const length = Buffer.alloc(2);
  length.writeUInt16BE(body.length);
  const bytes = Buffer.concat([V2_SIGNATURE, Buffer.from([command, family]), length, body]);
  const what = e
    ? `TCP${e.family} ${e.source.address}:${e.source.port} -> ${e.destination.address}:${e.destination.port}`
    : 'LOCAL (no addresses)';
  return { bytes, shown: `[PROXY v2 header, ${bytes.length} bytes: ${what}] ${bytes.toString('hex')}` };
}
