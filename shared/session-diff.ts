import { diffCapabilities, type CapabilityDiff } from './explain/capability-diff.js';
import type { CertificateInfo, SessionRecord } from './session-record.js';
import { inertText } from './inert-text.js';
import { TIMING_LABELS, TIMING_STAGES, type TimingStage } from './timings.js';

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

const show = (v: unknown): string => (v === undefined || v === null ? '—' : inertText(String(v)));
const arrow = (c: Change<unknown>): string => `${show(c.a)} → ${show(c.b)}`;

/** The text form (`smtp-lens diff`, the app's Compare export). */
export function formatDiff(d: SessionDiff): string {
  const lines = [`A: ${inertText(d.targets.a ?? '')}   ${d.result.a}`, `B: ${inertText(d.targets.b ?? '')}   ${d.result.b}`];
  if (d.greeting) lines.push(`Greeting:      ${arrow(d.greeting)}`);
  const caps = d.capabilities.rows.filter((r) => r.change !== 'same');
  if (caps.length) {
    const cap = (c?: { name: string; params: string[] }): string => (c ? [c.name, ...c.params].join(' ') : '');
    lines.push(
      `Capabilities:  ${caps
        .map((r) =>
          r.change === 'added'
            ? `+ ${cap(r.after)}`
            : r.change === 'removed'
              ? `- ${cap(r.before)}`
              : `~ ${cap(r.before)} → ${cap(r.after)}`,
        )
        .map(inertText)
        .join('   ')}`,
    );
  }
  const m = d.authMechanisms;
  if (m.added.length || m.removed.length)
    lines.push(`AUTH:          ${[...m.added.map((x) => `+ ${x}`), ...m.removed.map((x) => `- ${x}`)].map(inertText).join('   ')}`);
  const t = d.tls;
  const tlsParts: string[] = [];
  if (t.protocol) tlsParts.push(`protocol ${arrow(t.protocol)}`);
  if (t.cipher) tlsParts.push(`cipher ${arrow(t.cipher)}`);
  if (t.authorized) tlsParts.push(`verified ${arrow(t.authorized)}`);
  if (tlsParts.length) lines.push(`TLS:           ${tlsParts.join('; ')}`);
  const c = t.certificate;
  if (c) {
    if (c.fingerprint256) lines.push(`Certificate:   SHA-256 ${arrow(c.fingerprint256)}`);
    if (c.subject) lines.push(`               subject ${arrow(c.subject)}`);
    if (c.issuer) lines.push(`               issuer ${arrow(c.issuer)}`);
    if (c.validTo) lines.push(`               expires ${arrow(c.validTo)}`);
    if (c.namesAdded.length || c.namesRemoved.length) {
      lines.push(
        `               names ${[...c.namesAdded.map((n) => `+ ${n}`), ...c.namesRemoved.map((n) => `- ${n}`)].map(inertText).join('   ')}`,
      );
    }
  }
  const f = d.findings;
  if (f.appeared.length || f.gone.length)
    lines.push(`Findings:      ${[...f.appeared.map((x) => `+ ${x}`), ...f.gone.map((x) => `- ${x}`)].join('   ')}`);
  if (!d.differs) lines.push('No difference but the timings.');
  if (d.timings.length) {
    lines.push('Timings (ms):  stage                       A          B          B − A');
    for (const row of d.timings) {
      const cell = (v: number | undefined): string => (v === undefined ? '—' : v.toFixed(1)).padStart(9);
      const delta = row.delta === undefined ? '' : `${row.delta >= 0 ? '+' : ''}${row.delta.toFixed(1)}`.padStart(11);
      lines.push(`               ${TIMING_LABELS[row.stage].padEnd(22)} ${cell(row.a)}  ${cell(row.b)}  ${delta}`);
    }
  }
  return lines.join('\n') + '\n';
}
