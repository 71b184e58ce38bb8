import type { PeerCertificate, DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { nodeTls } from './lazy-tls.js';
import type { CertificateInfo, TlsInfo } from '../../../shared/session-record.js';

function formatName(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  // Node gives an object whose values may be arrays for repeated attributes (several OU, say).
  return Object.entries(name)
    .flatMap(([key, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${key}=${String(v)}`))
    .join(', ');
}

/** An IPv6 address in its usual compressed form (Node spells a certificate's out in full: 0:0:0:0:0:0:0:1). */
export function compressIpv6(address: string): string {
  if (!address.includes(':')) return address;
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address;
  }
}

/** A subjectAltName entry as people write it: "IP Address:::1", not "IP Address:0:0:0:0:0:0:0:1". */
function tidySan(entry: string): string {
  const ip = /^IP Address:(.+)$/.exec(entry);
  return ip ? `IP Address:${compressIpv6(ip[1]!)}` : entry;
}

function describeCertificate(cert: PeerCertificate): CertificateInfo {
  const sans = cert.subjectaltname ? cert.subjectaltname.split(/,\s*/).filter(Boolean).map(tidySan) : [];
  return {
    subject: formatName(cert.subject),
    issuer: formatName(cert.issuer),
    subjectAltNames: sans,
    validFrom: cert.valid_from ? new Date(cert.valid_from).toISOString() : '',
    validTo: cert.valid_to ? new Date(cert.valid_to).toISOString() : '',
    fingerprint256: cert.fingerprint256 ?? '',
    serialNumber: cert.serialNumber ?? '',
  };
}

/**
 * The chain the peer presented, leaf first, stopping at a self-signed root or a loop. `known` is the
 * detailed certificate Node already built for the name check, when it did: building it again costs as
 * much as a good part of a loopback handshake.
 */
export function peerChain(socket: TLSSocket, known?: DetailedPeerCertificate, der?: Buffer[]): CertificateInfo[] {
  const chain: CertificateInfo[] = [];
  let cert: DetailedPeerCertificate | undefined = known ?? (socket.getPeerCertificate(true) as DetailedPeerCertificate | undefined);
  const seen = new Set<string>();
  while (cert && Object.keys(cert).length > 0 && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(describeCertificate(cert));
    if (der && cert.raw) der.push(cert.raw);
    if (!cert.issuerCertificate || cert.issuerCertificate === cert) break;
    cert = cert.issuerCertificate;
  }
  return chain;
}

/** What a finished handshake negotiated, in the record's terms. */
export function describeTls(
  socket: TLSSocket,
  via: TlsInfo['via'],
  verificationRequired: boolean,
  servername: string | undefined,
  knownCertificate?: DetailedPeerCertificate,
  /** Filled with the chain's certificates as DER, leaf first (for saving it as PEM). */
  der?: Buffer[],
): TlsInfo {
  const cipher = socket.getCipher();
  const info: TlsInfo = {
    via,
    protocol: socket.getProtocol() ?? null,
    cipher: cipher?.standardName ?? cipher?.name ?? null,
    authorized: socket.authorized,
    verificationRequired,
    peerCertificate: peerChain(socket, knownCertificate, der),
  };
  // The certificate this client holds for the server (sent when the server asks for one: TLS does not tell whether it did).
  const own = socket.getCertificate();
  if (own && 'subject' in own && Object.keys(own).length > 0) {
    const mine = describeCertificate(own);
    info.clientCertificate = { subject: mine.subject, issuer: mine.issuer, fingerprint256: mine.fingerprint256, validTo: mine.validTo };
  }
  if (servername) info.servername = servername;
  if (!socket.authorized && socket.authorizationError) info.authorizationError = String(socket.authorizationError);
  if (servername && info.peerCertificate.length > 0) {
    // The name check, also when the chain did not verify (Node skips it then): the finding needs it either way.
    const leaf = knownCertificate ?? socket.getPeerCertificate();
    if (leaf && Object.keys(leaf).length > 0) info.nameMatches = nodeTls().checkServerIdentity(servername, leaf) === undefined;
  }
  return info;
}
