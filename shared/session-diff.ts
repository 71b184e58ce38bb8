import { diffCapabilities, type CapabilityDiff } from './explain/capability-diff.js';
import type { CertificateInfo, SessionRecord } from './session-record.js';
import { TIMING_STAGES, type TimingStage } from './timings.js';

/**
 * Two session records side by side (`smtp-lens diff A.json B.json`, the app's "Compare with…"): for before/after a
 * configuration change, or server A against server B. Pure.
 */

export interface Change<T> {
  a: T | undefined;
  b: T | undefined;
}

export interface SessionDiff {
  targets: Change<string>;
  greeting?: Change<string>;
  /** Capabilities in force at the end of each session. */
  capabilities: CapabilityDiff;
  /** Mechanisms AUTH offered (at the end), as sets. */
  authMechanisms: { added: string[]; removed: string[] };
  tls: {
    protocol?: Change<string | null>;
    cipher?: Change<string | null>;
    /** The server's own certificate: what changed about it. */
    certificate?: {
      fingerprint256?: Change<string>;
      validTo?: Change<string>;
      subject?: Change<string>;
      issuer?: Change<string>;
      namesAdded: string[];
      namesRemoved: string[];
    };
    authorized?: Change<boolean>;
  };
  findings: { appeared: string[]; gone: string[] };
  /** Each stage either record timed, ms: a, b and b − a. */
  timings: { stage: TimingStage; a?: number; b?: number; delta?: number }[];
  result: Change<string>;
  /** Whether anything but the timings differs. */
  differs: boolean;
}

const describeTarget = (r: SessionRecord): string =>
  r.target.socketPath !== undefined
    ? `${r.target.protocol} ${r.target.socketPath}`
    : `${r.target.protocol}://${r.target.host}:${r.target.port} (tls ${r.target.tls})`;

function change<T>(a: T | undefined, b: T | undefined): Change<T> | undefined {
  return a === b ? undefined : { a, b };
}

const mechanisms = (r: SessionRecord): Set<string> =>
  new Set((r.capabilities.find((c) => c.name.toUpperCase() === 'AUTH')?.params ?? []).map((m) => m.toUpperCase()));

function certificateDiff(a: CertificateInfo | undefined, b: CertificateInfo | undefined): SessionDiff['tls']['certificate'] {
  if (!a && !b) return undefined;
  const namesA = new Set(a?.subjectAltNames ?? []);
  const namesB = new Set(b?.subjectAltNames ?? []);
  const out = {
    ...defined('fingerprint256', change(a?.fingerprint256, b?.fingerprint256)),
    ...defined('validTo', change(a?.validTo, b?.validTo)),
    ...defined('subject', change(a?.subject, b?.subject)),
    ...defined('issuer', change(a?.issuer, b?.issuer)),
    namesAdded: [...namesB].filter((n) => !namesA.has(n)),
    namesRemoved: [...namesA].filter((n) => !namesB.has(n)),
  };
  return Object.keys(out).length > 2 || out.namesAdded.length || out.namesRemoved.length ? out : undefined;
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

const resultOf = (r: SessionRecord): string => (r.result.ok ? 'ok' : `failed: ${r.result.error?.code ?? 'unknown'}`);

export function diffSessions(a: SessionRecord, b: SessionRecord): SessionDiff {
  const capabilities = diffCapabilities(a.capabilities, b.capabilities);
  const ma = mechanisms(a);
  const mb = mechanisms(b);
  const fa = new Set((a.findings ?? []).map((f) => f.id));
  const fb = new Set((b.findings ?? []).map((f) => f.id));
  const tls = {
    ...defined('protocol', change(a.tls?.protocol, b.tls?.protocol)),
    ...defined('cipher', change(a.tls?.cipher, b.tls?.cipher)),
    ...defined('certificate', certificateDiff(a.tls?.peerCertificate[0], b.tls?.peerCertificate[0])),
    ...defined('authorized', change(a.tls?.authorized, b.tls?.authorized)),
  };
  const timings = TIMING_STAGES.filter((s) => a.timings?.[s] !== undefined || b.timings?.[s] !== undefined).map((stage) => {
    const x = a.timings?.[stage];
    const y = b.timings?.[stage];
    return {
      stage,
      ...(x !== undefined ? { a: x } : {}),
      ...(y !== undefined ? { b: y } : {}),
      ...(x !== undefined && y !== undefined ? { delta: Math.round((y - x) * 1000) / 1000 } : {}),
    };
  });
  const diff: SessionDiff = {
    targets: { a: describeTarget(a), b: describeTarget(b) },
    ...defined(
      'greeting',
      change(a.greeting && `${a.greeting.code} ${a.greeting.text}`, b.greeting && `${b.greeting.code} ${b.greeting.text}`),
    ),
    capabilities,
    authMechanisms: { added: [...mb].filter((m) => !ma.has(m)), removed: [...ma].filter((m) => !mb.has(m)) },
    tls,
    findings: { appeared: [...fb].filter((f) => !fa.has(f)), gone: [...fa].filter((f) => !fb.has(f)) },
    timings,
    result: { a: resultOf(a), b: resultOf(b) },
    differs: false,
  };
  diff.differs =
    diff.greeting !== undefined ||
    capabilities.differs ||
    diff.authMechanisms.added.length + diff.authMechanisms.removed.length > 0 ||
    Object.keys(tls).length > 0 ||
    diff.findings.appeared.length + diff.findings.gone.length > 0 ||
    diff.result.a !== diff.result.b;
  return diff;
}
