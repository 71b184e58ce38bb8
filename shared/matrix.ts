import type { CertificateCheck } from './certificate-verdict.js';
import { inertText } from './inert-text.js';
import type { Capability, Finding, SessionRecord } from './session-record.js';

/**
 * The port matrix: one probe per port and TLS mode, recording what each combination advertises (capabilities, AUTH
 * mechanisms before and after TLS, the certificate) rather than only whether it connected, and the findings an
 * admin acts on ("AUTH offered in plaintext", "STARTTLS missing on 587"). Pure: the engine fills the cells, the CLI
 * and the app show them.
 */

export const MATRIX_TLS_MODES = ['off', 'starttls', 'implicit'] as const;
export type MatrixTls = (typeof MATRIX_TLS_MODES)[number];

export interface MatrixCell {
  port: number;
  tls: MatrixTls;
  /** The probe completed: greeting, EHLO, and TLS as the mode asks. */
  ok: boolean;
  error?: { code: string; message: string };
  greeting?: { code: number; text: string };
  /** What was advertised in plaintext (before STARTTLS; the whole list with tls off). */
  plaintextCapabilities?: string[];
  /** What was advertised under TLS (after STARTTLS, or over implicit TLS). */
  tlsCapabilities?: string[];
  /** AUTH mechanisms offered in plaintext, and under TLS (absent: that list was never seen). */
  authPlaintext?: string[];
  authTls?: string[];
  tlsVersion?: string | null;
  cipher?: string | null;
  certificate?: CertificateCheck & { fingerprint256?: string; validTo?: string; names?: string[] };
  durationMs: number;
  /** The session's own findings (shared/findings.ts), by id. */
  findings: Pick<Finding, 'id' | 'severity' | 'title'>[];
}

export type MatrixFindingId =
  | 'auth-in-plaintext'
  | 'starttls-missing'
  | 'no-tls-on-port'
  | 'plaintext-on-implicit-port'
  | 'certificate-problem'
  | 'certificates-differ';

export interface MatrixFinding {
  id: MatrixFindingId;
  severity: 'info' | 'warning' | 'error';
  port: number;
  detail: string;
}

export interface Matrix {
  host: string;
  ports: number[];
  modes: MatrixTls[];
  startedAt: string;
  durationMs: number;
  cells: MatrixCell[];
  findings: MatrixFinding[];
}

const names = (caps: readonly Capability[]): string[] => caps.map((c) => (c.params.length ? `${c.name} ${c.params.join(' ')}` : c.name));
const authOf = (caps: readonly Capability[]): string[] =>
  caps.find((c) => c.name.toUpperCase() === 'AUTH')?.params.map((p) => p.toUpperCase()) ?? [];

/** One cell from the record of its probe (and the certificate verdict the caller gave). */
export function matrixCell(port: number, tls: MatrixTls, record: SessionRecord, certificate?: CertificateCheck): MatrixCell {
  const error = record.result.error;
  const cell: MatrixCell = {
    port,
    tls,
    ok: record.result.ok,
    ...(error ? { error: { code: error.code, message: error.message } } : {}),
    ...(record.greeting ? { greeting: { code: record.greeting.code, text: record.greeting.text } } : {}),
    durationMs: record.durationMs,
    findings: (record.findings ?? []).map((f) => ({ id: f.id, severity: f.severity, title: f.title })),
  };
  const heard = record.helloVerb !== undefined;
  if (record.tls) {
    if (record.capabilitiesBeforeTls) {
      cell.plaintextCapabilities = names(record.capabilitiesBeforeTls);
      cell.authPlaintext = authOf(record.capabilitiesBeforeTls);
    }
    cell.tlsCapabilities = names(record.capabilities);
    if (heard) cell.authTls = authOf(record.capabilities);
    cell.tlsVersion = record.tls.protocol;
    cell.cipher = record.tls.cipher;
    const leaf = record.tls.peerCertificate[0];
    cell.certificate = {
      ...(certificate ?? { verdict: 'none' }),
      ...(leaf ? { fingerprint256: leaf.fingerprint256, validTo: leaf.validTo, names: leaf.subjectAltNames } : {}),
    };
  } else if (heard) {
    // Still plaintext: the list the server gave without TLS (with starttls, the one STARTTLS was missing from).
    cell.plaintextCapabilities = names(record.capabilities);
    cell.authPlaintext = authOf(record.capabilities);
  }
  return cell;
}

/** The findings across a port's cells. */
export function matrixFindings(cells: readonly MatrixCell[]): MatrixFinding[] {
  const findings: MatrixFinding[] = [];
  const ports = [...new Set(cells.map((c) => c.port))];
  for (const port of ports) {
    const here = cells.filter((c) => c.port === port);
    const plaintext = here.filter((c) => c.plaintextCapabilities !== undefined && c.tls !== 'implicit');
    const plainAuth = [...new Set(plaintext.flatMap((c) => c.authPlaintext ?? []))];
    if (plainAuth.length) {
      findings.push({
        id: 'auth-in-plaintext',
        severity: 'warning',
        port,
        detail: `AUTH offered in plaintext on ${port}: ${plainAuth.join(' ')} (credentials could be sent unencrypted)`,
      });
    }
    const withoutStarttls = plaintext.filter((c) => !c.plaintextCapabilities!.some((n) => /^STARTTLS\b/i.test(n)));
    const implicitOk = here.some((c) => c.tls === 'implicit' && c.ok);
    if (plaintext.length && withoutStarttls.length === plaintext.length) {
      findings.push({
        id: 'starttls-missing',
        severity: port === 25 || port === 587 ? 'error' : 'warning',
        port,
        detail: `STARTTLS missing on ${port}: the server answers in plaintext and offers no way to encrypt`,
      });
    }
    const tlsOk = here.some((c) => c.ok && (c.tls === 'implicit' || c.tls === 'starttls'));
    if (!tlsOk && here.some((c) => c.greeting) && here.some((c) => c.tls !== 'off')) {
      findings.push({ id: 'no-tls-on-port', severity: 'error', port, detail: `no TLS mode worked on ${port}` });
    }
    if (port === 465 && !implicitOk && here.some((c) => c.tls === 'off' && c.ok)) {
      findings.push({
        id: 'plaintext-on-implicit-port',
        severity: 'warning',
        port,
        detail: '465 speaks plaintext SMTP, not implicit TLS (RFC 8314 §3.3 makes it the submission port over TLS)',
      });
    }
    for (const c of here) {
      if (c.certificate && c.certificate.verdict !== 'valid') {
        findings.push({
          id: 'certificate-problem',
          severity: 'warning',
          port,
          detail: `the certificate on ${port} (${c.tls}) is ${c.certificate.verdict}${c.certificate.reason ? `: ${c.certificate.reason}` : ''}`,
        });
      }
    }
  }
  const prints = [...new Set(cells.flatMap((c) => (c.certificate?.fingerprint256 ? [c.certificate.fingerprint256] : [])))];
  if (prints.length > 1) {
    findings.push({
      id: 'certificates-differ',
      severity: 'info',
      port: 0,
      detail: `the ports present ${prints.length} different certificates`,
    });
  }
  return findings;
}

const list = (items: readonly string[] | undefined): string => (items === undefined ? '—' : items.length ? items.join(' ') : 'none');

function resultOf(c: MatrixCell): string {
  if (c.ok) return 'ok';
  return c.error?.code ?? 'failed';
}

/** The compact table the CLI prints (and the app's text export). */
export function formatMatrix(m: Matrix): string {
  const rows = m.cells.map((c) => [
    String(c.port),
    c.tls,
    resultOf(c),
    c.tlsVersion ?? '—',
    list(c.authPlaintext),
    list(c.authTls),
    c.certificate ? `${c.certificate.verdict}${c.certificate.daysLeft !== undefined ? ` (${c.certificate.daysLeft} d)` : ''}` : '—',
  ]);
  const head = ['PORT', 'TLS', 'RESULT', 'TLS VERSION', 'AUTH PLAINTEXT', 'AUTH TLS', 'CERTIFICATE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cols: string[]): string =>
    cols
      .map((col, i) => (i === cols.length - 1 ? col : col.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [
    `Matrix for ${inertText(m.host)}: ${m.ports.length} port(s) × ${m.modes.length} TLS mode(s), ${(m.durationMs / 1000).toFixed(1)} s`,
    line(head),
    ...rows.map((r) => line(r.map(inertText))),
  ];
  const failed = m.cells.filter((c) => !c.ok && c.error);
  if (failed.length) {
    out.push('', 'Why not:');
    for (const c of failed) out.push(`  ${c.port} ${c.tls}: ${inertText(c.error!.message)}`);
  }
  out.push('', m.findings.length ? 'Findings:' : 'Findings: none');
  for (const f of m.findings) out.push(`  ${f.severity.padEnd(7)} ${f.id}: ${inertText(f.detail)}`);
  return out.join('\n') + '\n';
}
