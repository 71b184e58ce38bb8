import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import * as packet from 'dns-packet';
import type { Answer, DecodedPacket, RecordType } from 'dns-packet';

/**
 * A stub resolver that asks one recursive resolver (the user's choice, or the system's first) over UDP, and over TCP
 * when the answer is truncated, with the DO bit set and AD asked for: unlike node:dns it says whether the resolver
 * validated the answer with DNSSEC (the AD flag, RFC 4035 §3.2.3 / RFC 6840 §5.7). It trusts that flag only as far as
 * it trusts the path to the resolver — loopback or a network the user controls.
 */

export interface ResolverAddress {
  host: string;
  port: number;
}

export interface DnsResponse {
  rcode: string;
  /** The AD flag: the resolver validated the answer with DNSSEC. */
  authenticated: boolean;
  answers: Answer[];
  authorities: Answer[];
}

export class DnsError extends Error {
  constructor(
    readonly code: 'timeout' | 'network' | 'malformed' | 'servfail' | 'refused',
    message: string,
  ) {
    super(message);
    this.name = 'DnsError';
  }
}

/** "ADDR", "ADDR:PORT", "[v6]:PORT" or a bare IPv6 address; port 53 by default. */
export function parseResolverAddress(text: string): ResolverAddress {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  let host: string;
  let port = 53;
  if (bracketed) {
    host = bracketed[1]!;
    if (bracketed[2]) port = Number(bracketed[2]);
  } else if (net.isIPv6(text)) host = text;
  else {
    const [h, p, ...rest] = text.split(':');
    if (rest.length || !h) throw new Error(`"${text}" is not ADDR or ADDR:PORT`);
    host = h;
    if (p !== undefined) port = Number(p);
  }
  if (!net.isIP(host)) throw new Error(`the resolver must be an IP address (got "${host}")`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`the resolver port must be 1-65535 (got "${text}")`);
  return { host, port };
}

/** The system's first resolver (what node:dns would ask). */
export function systemResolver(): ResolverAddress {
  const first = dns.getServers()[0];
  if (!first) throw new DnsError('network', 'this system names no DNS resolver: give one with --resolver');
  return parseResolverAddress(first);
}

export class Resolver {
  readonly address: ResolverAddress;
  private readonly timeoutMs: number;

  constructor(options: { address?: ResolverAddress; timeoutMs?: number } = {}) {
    this.address = options.address ?? systemResolver();
    this.timeoutMs = options.timeoutMs ?? 3000;
  }

  /** One question; NXDOMAIN and NODATA are answers (an empty list), SERVFAIL and REFUSED throw. */
  async query(name: string, type: RecordType): Promise<DnsResponse> {
    const id = randomInt(0, 0x10000);
    const query = {
      type: 'query' as const,
      id,
      flags: packet.RECURSION_DESIRED | packet.AUTHENTIC_DATA,
      questions: [{ type, name, class: 'IN' as const }],
      additionals: [{ type: 'OPT' as const, name: '.', udpPayloadSize: 1232, flags: packet.DNSSEC_OK }],
    };
    let reply = await this.udp(packet.encode(query as packet.Packet), id);
    if (reply.flag_tc) reply = await this.tcp(packet.streamEncode(query as packet.Packet), id);
    const question = reply.questions?.[0];
    if (!question || question.name.toLowerCase() !== name.toLowerCase().replace(/\.$/, '') || question.type !== type) {
      throw new DnsError('malformed', `the resolver answered another question than ${type} ${name}`);
    }
    const rcode = (reply as DecodedPacket & { rcode?: string }).rcode ?? 'NOERROR';
    if (rcode === 'SERVFAIL')
      throw new DnsError('servfail', `${type} ${name}: the resolver could not answer (SERVFAIL; with DNSSEC, a validation failure)`);
    if (rcode === 'REFUSED') throw new DnsError('refused', `${type} ${name}: the resolver refused to answer`);
    if (rcode !== 'NOERROR' && rcode !== 'NXDOMAIN') throw new DnsError('malformed', `${type} ${name}: the resolver said ${rcode}`);
    return { rcode, authenticated: reply.flag_ad, answers: reply.answers ?? [], authorities: reply.authorities ?? [] };
  }

  private udp(bytes: Buffer, id: number): Promise<DecodedPacket> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket(net.isIPv6(this.address.host) ? 'udp6' : 'udp4');
      const done = (error: Error | undefined, reply?: DecodedPacket): void => {
        clearTimeout(timer);
        socket.close();
        if (error) reject(error);
        else resolve(reply!);
      };
      const timer = setTimeout(
        () => done(new DnsError('timeout', `no answer from ${this.label()} in ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      socket.on('error', (error) => done(new DnsError('network', `${this.label()}: ${error.message}`)));
      socket.on('message', (message, from) => {
        // Only the resolver asked, and only the answer to this query (an off-path guess must match id and question).
        if (from.address !== this.address.host || from.port !== this.address.port) return;
        let reply: DecodedPacket;
        try {
          reply = packet.decode(message);
        } catch {
          return done(new DnsError('malformed', `${this.label()} sent a packet that is not DNS`));
        }
        if (reply.id !== id || reply.type !== 'response') return;
        done(undefined, reply);
      });
      socket.send(bytes, this.address.port, this.address.host);
    });
  }

  private tcp(bytes: Buffer, id: number): Promise<DecodedPacket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.address.port, this.address.host);
      let buffer = Buffer.alloc(0);
      const done = (error: Error | undefined, reply?: DecodedPacket): void => {
        clearTimeout(timer);
        socket.destroy();
        if (error) reject(error);
        else resolve(reply!);
      };
      const timer = setTimeout(
        () => done(new DnsError('timeout', `no answer from ${this.label()} over TCP in ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      socket.on('error', (error) => done(new DnsError('network', `${this.label()} (TCP): ${error.message}`)));
      socket.on('connect', () => socket.write(bytes));
      socket.on('data', (chunk) => {
        buffer = Buffer.concat([buffer, chunk]);
        if (buffer.length > 70_000) return done(new DnsError('malformed', `${this.label()} sent more than a DNS message`));
        if (buffer.length < 2 || buffer.length < 2 + buffer.readUInt16BE(0)) return;
        let reply: DecodedPacket;
        try {
          reply = packet.streamDecode(buffer) as DecodedPacket;
        } catch {
          return done(new DnsError('malformed', `${this.label()} sent a TCP answer that is not DNS`));
        }
        if (reply.id !== id) return done(new DnsError('malformed', `${this.label()} answered another query over TCP`));
        done(undefined, reply);
      });
    });
  }

  private label(): string {
    return net.isIPv6(this.address.host) ? `[${this.address.host}]:${this.address.port}` : `${this.address.host}:${this.address.port}`;
  }
}
