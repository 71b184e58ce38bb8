import type { ReplyInfo, SessionRecord } from '../../shared/session-record.js';

// The text already carries the enhanced code when the server sent one.
const reply = (r: ReplyInfo | undefined): string => (r ? `${r.code} ${r.text}`.trimEnd() : '-');

/** A human summary of a session record, printed after the live transcript. */
export function formatSummary(record: SessionRecord): string {
  const out: string[] = [''];
  const row = (label: string, value: string): void => {
    out.push(`${(label + ':').padEnd(14)}${value}`);
  };
  if (record.greeting) row('Greeting', reply(record.greeting).replace(/\n/g, ' / '));
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
  if (record.auth) {
    const a = record.auth;
    row('Auth', `${a.mechanism} ${a.ok ? 'succeeded' : 'FAILED'}: ${a.code ?? ''} ${a.text ?? ''} (${a.durationMs.toFixed(1)} ms)`);
  }
  for (const c of record.commands ?? []) row('Command', `${c.command} -> ${reply(c.reply).replace(/\n/g, ' / ')}`);
  if (record.message) {
    const m = record.message;
    row('Message', `${m.size} bytes via ${m.method}${m.messageId ? `, Message-ID ${m.messageId}` : ''}`);
    row('Envelope', `<${m.envelopeFrom}> -> ${m.envelopeTo.map((a) => `<${a}>`).join(', ')}`);
  }
  if (record.batch) {
    const b = record.batch;
    const how = [b.method, b.pipelined ? 'pipelined' : 'one at a time', ...(b.method === 'BDAT' && b.window > 1 ? [`window ${b.window}`] : [])];
    row(
      'Batch',
      `${b.attempted} messages: ${b.delivered} delivered, ${b.partial} partial, ${b.failed} failed` +
        ` in ${(b.durationMs / 1000).toFixed(3)} s (${b.messagesPerSecond.toLocaleString('en-US')} msg/s; ${how.join(', ')})` +
        (b.stopped ? '; stopped at the first failure' : ''),
    );
    for (const f of b.failures.slice(0, 10)) {
      const why = f.error ? `[${f.error.code}] ${f.error.message}` : `partial: refused ${f.recipients.filter((r) => !r.delivered).map((r) => r.address).join(', ')}`;
      out.push(`  message ${f.index + 1}: ${why}`);
    }
    if (b.failed + b.partial > Math.min(10, b.failures.length)) out.push(`  … ${b.failed + b.partial - Math.min(10, b.failures.length)} more`);
  }
  if (record.recipients?.length) {
    row('Recipients', '');
    for (const r of record.recipients) {
      const status = r.delivered ? 'delivered' : r.failure === 'temporary' ? 'TEMPORARY FAILURE' : 'REFUSED';
      out.push(`  ${r.address}  ${status}  rcpt ${reply(r.rcpt)}${r.data ? `  data ${reply(r.data)}` : ''}`);
    }
  }
  const r = record.result;
  row(
    'Result',
    r.ok
      ? `OK${r.verdict ? ` (${r.verdict})` : ''}`
      : `FAILED [${r.error?.code}] ${r.error?.message}${r.error?.raw ? `\n  raw: ${r.error.raw}` : ''}`,
  );
  return out.join('\n') + '\n';
}
