import dgram from 'node:dgram';
import net from 'node:net';
import * as packet from 'dns-packet';
import type { Answer, DecodedPacket } from 'dns-packet';

/**
 * A DNS server on loopback for tests (UDP and TCP on one port), answering from a table: per name, its records, whether
 * to set AD (as a validating resolver would), an rcode to give instead (NXDOMAIN, SERVFAIL), or to truncate over UDP
 * (so the client must ask again over TCP). Names not in the table are NXDOMAIN. Nothing leaves the machine.
 */

export interface DnsName {
  records?: Answer[];
  /** Set the AD flag on answers for this name (default false). */
  authenticated?: boolean;
  rcode?: 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED';
  /** Over UDP, answer with TC set and nothing in it. */
  truncate?: boolean;
}

export interface DnsServer {
  address: { host: string; port: number };
  /** Every question asked, in order: "MX example.test". */
  asked: string[];
  close(): Promise<void>;
}

const RCODES: Record<string, number> = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 };

export async function startDnsServer(zone: Record<string, DnsName>): Promise<DnsServer> {
  const table = new Map(Object.entries(zone).map(([k, v]) => [k.toLowerCase().replace(/\.$/, ''), v]));
  const asked: string[] = [];
  const answer = (query: DecodedPacket, overUdp: boolean): Buffer | undefined => {
    const q = query.questions?.[0];
    if (!q) return undefined;
    asked.push(`${q.type} ${q.name}`);
    const entry = table.get(q.name.toLowerCase());
    const rcode = entry?.rcode ?? (entry ? 'NOERROR' : 'NXDOMAIN');
    const truncated = overUdp && entry?.truncate === true;
    const records = truncated || rcode !== 'NOERROR' ? [] : (entry?.records ?? []).filter((r) => r.type === q.type || r.type === 'CNAME');
    let flags = packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | RCODES[rcode]!;
    if (entry?.authenticated && rcode === 'NOERROR') flags |= packet.AUTHENTIC_DATA;
    if (truncated) flags |= packet.TRUNCATED_RESPONSE;
    return packet.encode({
      type: 'response',
      id: query.id ?? 0,
      flags,
      questions: [q],
      answers: records.map((r) => ({ ...r, name: q.name, ttl: 300 }) as Answer),
    });
  };

  const udp = dgram.createSocket('udp4');
  udp.on('message', (message, from) => {
    let query: DecodedPacket;
    try {
      query = packet.decode(message);
    } catch {
      return;
    }
    const reply = answer(query, true);
    if (reply) udp.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  const port = udp.address().port;
  const tcp = net.createServer((socket) => {
    let buffer = Buffer.alloc(0);
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length < 2 || buffer.length < 2 + buffer.readUInt16BE(0)) return;
      const query = packet.streamDecode(buffer) as DecodedPacket;
      const reply = answer(query, false);
      if (reply) {
        const framed = Buffer.alloc(2 + reply.length);
        framed.writeUInt16BE(reply.length, 0);
        reply.copy(framed, 2);
        socket.end(framed);
      } else socket.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, '127.0.0.1', resolve);
  });
  return {
    address: { host: '127.0.0.1', port },
    asked,
    async close() {
      udp.close();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}

/**
 * The outside view's test domain (integration and e2e): app.test has two MX hosts, mx1 on loopback (each test points
 * its port at the app's test server) and mx2 with no address at all, and an SPF record that allows 127.0.0.1.
 */
export const APP_TEST_ZONE: Record<string, DnsName> = {
  'app.test': {
    records: [
      { type: 'MX', name: '', data: { preference: 10, exchange: 'mx1.app.test' } },
      { type: 'MX', name: '', data: { preference: 20, exchange: 'mx2.app.test' } },
      { type: 'TXT', name: '', data: 'v=spf1 ip4:127.0.0.1 -all' },
    ],
  },
  'mx1.app.test': { records: [{ type: 'A', name: '', data: '127.0.0.1' }] },
  'mx2.app.test': { records: [] },
};
