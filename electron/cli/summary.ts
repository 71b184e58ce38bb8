import type { ReplyInfo, SessionRecord } from '../../shared/session-record.js';
import { inertText } from '../../shared/inert-text.js';
import { TIMING_LABELS, TIMING_STAGES } from '../../shared/timings.js';
import { describeServerError } from '../smtp/auth/authenticate.js';
import { explainInOneLine } from './explain.js';

/** " — permanent failure: …" after a failure line, when its codes say something. */
const means = (code: number | undefined, enhancedCode: string | undefined): string => {
  const words = explainInOneLine(code, enhancedCode);
  return words ? ` — ${words}` : '';
};

// The text already carries the enhanced code when the server sent one.
const reply = (r: ReplyInfo | undefined): string => (r ? `${r.code} ${r.text}`.trimEnd().replace(/\n/g, ' / ') : '-');

const STATUS: Record<string, string> = {
  temporary: 'TEMPORARY FAILURE',
  permanent: 'REFUSED',
  unknown: 'UNKNOWN (may have been delivered)',
};

/** --timing: each stage that happened, in ms, and the session's total. */
export function formatTimings(record: SessionRecord): string {
  const timings = record.timings ?? {};
  const rows = TIMING_STAGES.filter((s) => timings[s] !== undefined).map((s) => [TIMING_LABELS[s], timings[s]!.toFixed(3)] as const);
  rows.push(['total (whole session)', record.durationMs.toFixed(3)]);
  const width = Math.max(...rows.map(([label]) => label.length));
  const numbers = Math.max(...rows.map(([, ms]) => ms.length));
  return ['', 'Timing (ms):', ...rows.map(([label, ms]) => `  ${label.padEnd(width)}  ${ms.padStart(numbers)}`)].join('\n') + '\n';
}

/**
 * A human summary of a session record, printed after the live transcript. Every line is made inert: server text
 * (greeting, capabilities, certificate names, replies) cannot move the cursor, recolour the terminal, set its title
 * or reorder text with bidi controls, and cannot add a line of its own.
 */
export function formatSummary(record: SessionRecord): string {
  const out: string[] = [''];
  const row = (label: string, value: string): void => {
    out.push(`${(label + ':').padEnd(14)}${value}`);
  };
  if (record.greeting) row('Greeting', reply(record.greeting));
  if (record.helloVerb) row('Hello', `${record.helloVerb} accepted`);
  if (record.capabilities.length) {
    row('Capabilities', '');
    const width = Math.max(...record.capabilities.map((c) => c.name.length));
    for (const c of record.capabilities) out.push(`  ${c.name.padEnd(width)}  ${c.params.join(' ')}`.trimEnd());
  }
  if (record.capabilitiesBeforeTls) {
    row('Before TLS', record.capabilitiesBeforeTls.map((c) => c.name).join(' '));
  }
  if (record.tls) {
    const t = record.tls;
    row('TLS', `${t.protocol ?? '?'} ${t.cipher ?? '?'} (${t.via})`);
    if (t.clientCertificate) row('Client cert', `${t.clientCertificate.subject} (sha256 ${t.clientCertificate.fingerprint256})`);
    row(
      'Certificate',
      t.authorized
        ? `verified${t.servername ? ` for ${t.servername}` : ''}`
        : `NOT verified: ${t.authorizationError ?? 'unknown reason'}${t.verificationRequired ? '' : ' (verification off)'}`,
    );
    t.peerCertificate.forEach((c, i) => {
      out.push(`  [${i}] subject ${c.subject}`);
      out.push(`      issuer  ${c.issuer}`);
      if (c.subjectAltNames.length) out.push(`      names   ${c.subjectAltNames.join(', ')}`);
      out.push(`      valid   ${c.validFrom} .. ${c.validTo}`);
      out.push(`      sha256  ${c.fingerprint256}`);
    });
  } else if (record.tlsSkipped) {
    row('TLS', `NOT USED: ${record.tlsSkipped}`);
  }
  if (record.xclient) row('XCLIENT', `${record.xclient.command} -> ${reply(record.xclient.reply)} (greeted again)`);
  if (record.authSkipped) row('Auth', `NOT USED: ${record.authSkipped}`);
  if (record.auth) {
    const a = record.auth;
    row(
      'Auth',
      `${a.mechanism} ${a.ok ? 'succeeded' : 'FAILED'}: ${a.code ?? ''} ${(a.text ?? '').replace(/\n/g, ' / ')} (${a.durationMs.toFixed(1)} ms)${a.ok ? '' : means(a.code, a.enhancedCode)}`,
    );
    if (a.serverError) out.push(`  server said: ${describeServerError(a.serverError)}`);
  }
  for (const c of record.commands ?? []) row('Command', `${c.command} -> ${reply(c.reply)}`);
  if (record.message) {
    const m = record.message;
    row('Message', `${m.size} bytes via ${m.method}${m.messageId ? `, Message-ID ${m.messageId}` : ''}`);
    row('Envelope', `<${m.envelopeFrom}> -> ${m.envelopeTo.map((a) => `<${a}>`).join(', ')}`);
    if (m.prdr) row('PRDR', `${reply(m.prdr.intro)}; final ${m.prdr.final ? reply(m.prdr.final) : 'never came'}`);
  }
  if (record.batch) {
    const b = record.batch;
    const how = [
      b.method,
      b.pipelined ? 'pipelined' : 'one at a time',
      ...(b.method === 'BDAT' && b.window > 1 ? [`window ${b.window}`] : []),
    ];
    row(
      'Batch',
      `${b.attempted} messages: ${b.delivered} delivered, ${b.partial} partial, ${b.failed} failed${b.unknown ? `, ${b.unknown} unknown (may have been delivered)` : ''}` +
        ` in ${(b.durationMs / 1000).toFixed(3)} s (${b.messagesPerSecond.toLocaleString('en-US')} msg/s; ${how.join(', ')})` +
        (b.stopped ? '; stopped at the first failure' : ''),
    );
    for (const f of b.failures.slice(0, 10)) {
      const why = f.error
        ? `[${f.error.code}] ${f.error.message}`
        : f.verdict === 'unknown'
          ? 'unknown: the connection was lost after it was sent, before its reply'
          : `partial: refused ${f.recipients
              .filter((r) => !r.delivered)
              .map((r) => r.address)
              .join(', ')}`;
      out.push(`  message ${f.index + 1}: ${why}`);
    }
    const notDelivered = b.failed + b.partial + (b.unknown ?? 0);
    if (notDelivered > Math.min(10, b.failures.length)) out.push(`  … ${notDelivered - Math.min(10, b.failures.length)} more`);
  }
  if (record.recipients?.length) {
    row('Recipients', '');
    for (const r of record.recipients) {
      const status = r.delivered
        ? 'delivered'
        : r.accepted && record.stoppedAfter
          ? 'accepted (no data sent)'
          : (STATUS[r.failure ?? 'permanent'] ?? 'REFUSED');
      const failedReply = r.delivered || (r.accepted && record.stoppedAfter) ? undefined : r.data && r.accepted ? r.data : r.rcpt;
      const why = failedReply && r.failure !== 'unknown' ? means(failedReply.code, failedReply.enhancedCode) : '';
      out.push(`  ${r.address}  ${status}  rcpt ${reply(r.rcpt)}${r.data ? `  data ${reply(r.data)}` : ''}${why}`);
    }
  }
  if (record.eventsDropped) {
    row('Transcript', `${record.eventsDropped.count.toLocaleString('en-US')} later lines counted, not kept (the transcript's cap)`);
  }
  if (record.stoppedAfter) {
    const { stage, quit } = record.stoppedAfter;
    const envelope = stage === 'mail' || stage === 'rcpt';
    row(
      'Stopped',
      `after ${stage.toUpperCase()} as asked: ${quit ? 'QUIT sent' : 'connection dropped, no QUIT'}${envelope ? '; no DATA, nothing delivered' : ''}`,
    );
  }
  const r = record.result;
  row(
    'Result',
    r.ok
      ? `OK${r.verdict ? ` (${r.verdict})` : ''}`
      : `FAILED [${r.error?.code}] ${r.error?.message}${r.verdict ? ` (verdict: ${r.verdict})` : ''}${means(r.error?.replyCode, r.error?.enhancedCode)}`,
  );
  if (!r.ok && r.error?.raw) out.push(`  raw: ${r.error.raw}`);
  if (!r.ok && r.error?.hint) out.push(`  hint: ${r.error.hint}`);
  const findings = record.findings ?? [];
  if (findings.length) {
    row('Findings', '');
    const width = Math.max(...findings.map((f) => f.severity.length));
    for (const f of findings) out.push(`  ${f.severity.toUpperCase().padEnd(width)}  ${f.id}: ${f.title} — ${f.detail}`);
  }
  return out.map((line) => inertText(line)).join('\n') + '\n';
}
