import { inertLines, inertText } from './inert-text.js';
import type { Capability, ReplyInfo, SessionRecord, TranscriptEvent } from './session-record.js';
import { formatReplyWire } from './explain/reply-text.js';
import { recordStatus, STATUS_WORDS, type SessionStatus } from './session-status.js';
import { describeTarget, formatLocalDateTime, formatLocalWallTime, formatRelative, zoneLabel } from './transcript-format.js';

/** The zone the report's times are in (the local zone when the session started). */
const zoneOf = (record: SessionRecord): string => {
  const ms = Date.parse(record.startedAt);
  return Number.isNaN(ms) ? 'local time' : zoneLabel(ms);
};

/**
 * A self-contained HTML report of a session record: inline CSS, no scripts, no external resources,
 * every text HTML-escaped. Pure (no Node or DOM APIs): main exports it, the renderer may reuse it.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const STYLE = `
:root { color-scheme: light dark; --fg: #1d232a; --muted: #5b6570; --bg: #fff; --line: #d8dde3; --ok: #17733a; --bad: #b3261e; --unknown: #7a6a3a; --partial: #9a5b00; --send: #0b57d0; --recv: #1d232a; --info: #5b6570; --alt: #f5f7f9; }
@media (prefers-color-scheme: dark) { :root { --fg: #e4e8ec; --muted: #9aa4ae; --bg: #15191d; --line: #333b43; --ok: #5fcf86; --bad: #ff8a80; --unknown: #d2c49a; --partial: #f0b35a; --send: #8ab4f8; --recv: #e4e8ec; --info: #9aa4ae; --alt: #1c2126; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.muted { color: var(--muted); }
.ok { color: var(--ok); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
.unknown { color: var(--unknown); font-weight: 600; }
.partial { color: var(--partial); font-weight: 600; }
.neutral { color: var(--muted); font-weight: 600; }
.sev-error { color: var(--bad); font-weight: 600; }
.sev-warning { color: var(--unknown); font-weight: 600; }
.sev-info { color: var(--muted); font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 4px 0; }
th, td { text-align: left; vertical-align: top; padding: 3px 8px; border-bottom: 1px solid var(--line); }
th { font-weight: 600; white-space: nowrap; }
table.kv th { width: 14em; }
tr:nth-child(even) td { background: var(--alt); }
code, .mono, .transcript td { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.transcript td { white-space: pre-wrap; word-break: break-all; }
.transcript td.time { white-space: nowrap; color: var(--muted); }
.dir-send td.text { color: var(--send); }
.dir-recv td.text { color: var(--recv); }
.dir-info td.text { color: var(--info); font-style: italic; }
.dir-error td.text { color: var(--bad); }
footer { margin-top: 32px; font-size: 12px; color: var(--muted); }
`;

const row = (label: string, value: string): string => `<tr><th>${escapeHtml(label)}</th><td>${value}</td></tr>`;
const kv = (rows: (string | undefined)[]): string => `<table class="kv">${rows.filter(Boolean).join('')}</table>`;
// Every value is made inert (controls and bidi overrides shown as escapes), then HTML-escaped.
const text = (value: unknown): string => escapeHtml(inertText(String(value ?? '')));
const code = (value: unknown): string => `<code>${escapeHtml(inertText(String(value ?? '')))}</code>`;
// A reply's lines stay lines (a line break is harmless in HTML); each is made inert.
const codeLines = (value: string): string => `<code>${escapeHtml(inertLines(value))}</code>`;
const yesNo = (value: boolean): string => (value ? '<span class="ok">yes</span>' : '<span class="bad">no</span>');

/** A reply as the server sent it: the text already starts with the enhanced code when there is one. */
function reply(info: ReplyInfo | undefined): string {
  if (!info) return '';
  return codeLines(`${info.code} ${info.text}`);
}

function capabilityTable(list: Capability[]): string {
  if (list.length === 0) return '<p class="muted">None advertised.</p>';
  const rows = list.map((c) => `<tr><td>${code(c.name)}</td><td>${code((c.params ?? []).join(' '))}</td></tr>`).join('');
  return `<table><thead><tr><th>Extension</th><th>Parameters</th></tr></thead><tbody>${rows}</tbody></table>`;
}

const STATUS_CLASS: Record<SessionStatus, string> = {
  delivered: 'ok',
  ok: 'ok',
  partial: 'partial',
  unknown: 'unknown',
  failed: 'bad',
  cancelled: 'neutral',
  interrupted: 'neutral',
  open: 'neutral',
};

function summary(record: SessionRecord): string {
  const r = record.result;
  const status = recordStatus(record);
  // The same words as the app (Delivered, Partial, Unknown, Failed, Cancelled, Interrupted), then what stopped it.
  const outcome =
    `<span class="${STATUS_CLASS[status]}">${escapeHtml(STATUS_WORDS[status])}</span>` +
    (r.error ? ` — ${r.interrupted ? '' : `${code(r.error.code)} `}${text(r.error.message)}` : '');
  const t = record.target ?? {};
  return kv([
    row('Target', code(describeTarget(record))),
    row('Operation', text(record.operation)),
    row('Started', `${text(formatLocalDateTime(record.startedAt))} <span class="muted">${text(record.startedAt)}</span>`),
    row('Duration', text(`${Number(record.durationMs ?? 0).toFixed(1)} ms`)),
    row('Result', outcome),
    record.stoppedAfter
      ? row(
          'Stopped',
          text(
            `after ${record.stoppedAfter.stage.toUpperCase()} as asked (${record.stoppedAfter.quit ? 'QUIT sent' : 'connection dropped without QUIT'})`,
          ),
        )
      : undefined,
    r.error?.replyCode !== undefined ? row('Reply', codeLines(`${r.error.replyCode} ${r.error.replyText ?? ''}`)) : undefined,
    r.error?.command ? row('Command', code(r.error.command)) : undefined,
    r.error?.hint ? row('Hint', text(r.error.hint)) : undefined,
    row('EHLO name', code(t.ehloName)),
    t.remoteAddress ? row('Remote', code(`${t.remoteAddress}${t.remotePort !== undefined ? ` port ${t.remotePort}` : ''}`)) : undefined,
    t.localAddress ? row('Local', code(`${t.localAddress}${t.localPort !== undefined ? ` port ${t.localPort}` : ''}`)) : undefined,
    record.greeting ? row('Greeting', reply(record.greeting)) : undefined,
    record.helloVerb ? row('Hello verb', text(record.helloVerb)) : undefined,
    record.authSkipped ? row('Auth', text(`Not used: ${record.authSkipped}`)) : undefined,
  ]);
}

function tlsSection(record: SessionRecord): string {
  if (!record.tls) {
    return `<h2>TLS</h2><p class="muted">${text(record.tlsSkipped ? `Not used: ${record.tlsSkipped}` : 'Not used: the link was plaintext.')}</p>`;
  }
  const tls = record.tls;
  const certs = (tls.peerCertificate ?? [])
    .map(
      (c, i) =>
        `<h3 class="muted">Certificate ${i + 1}${i === 0 ? ' (leaf)' : ''}</h3>` +
        kv([
          row('Subject', code(c.subject)),
          row('Issuer', code(c.issuer)),
          c.subjectAltNames?.length ? row('Alt names', code(c.subjectAltNames.join(', '))) : undefined,
          row('Valid', text(`${c.validFrom} – ${c.validTo}`)),
          row('SHA-256', code(c.fingerprint256)),
          row('Serial', code(c.serialNumber)),
        ]),
    )
    .join('');
  return (
    '<h2>TLS</h2>' +
    kv([
      row('Started via', text(tls.via)),
      row('Protocol', code(tls.protocol ?? 'unknown')),
      row('Cipher', code(tls.cipher ?? 'unknown')),
      row('Verified', yesNo(tls.authorized) + (tls.authorizationError ? ` ${code(tls.authorizationError)}` : '')),
      row('Verification required', tls.verificationRequired ? 'yes' : 'no (insecure)'),
      tls.servername ? row('Server name', code(tls.servername)) : undefined,
    ]) +
    certs
  );
}

function authSection(record: SessionRecord): string {
  const auth = record.auth;
  if (!auth) return '';
  const steps = (auth.steps ?? []).map((s) => `<tr><td>${code(s.sent)}</td><td>${reply(s.reply)}</td></tr>`).join('');
  return (
    '<h2>Authentication</h2>' +
    kv([
      row('Mechanism', code(auth.mechanism)),
      row('Succeeded', yesNo(auth.ok)),
      auth.code !== undefined
        ? row('Reply', codeLines(formatReplyWire({ code: auth.code, enhancedCode: auth.enhancedCode, text: auth.text ?? '' })))
        : undefined,
      row('Duration', text(`${Number(auth.durationMs ?? 0).toFixed(1)} ms`)),
      auth.serverSignatureVerified !== undefined ? row('Server signature verified', yesNo(auth.serverSignatureVerified)) : undefined,
    ]) +
    (steps ? `<table><thead><tr><th>Sent (redacted)</th><th>Reply</th></tr></thead><tbody>${steps}</tbody></table>` : '')
  );
}

function messageSection(record: SessionRecord): string {
  let out = '';
  const m = record.message;
  if (m) {
    out +=
      '<h2>Message</h2>' +
      kv([
        row('Envelope from', code(m.envelopeFrom || '<>')),
        row('Envelope to', code((m.envelopeTo ?? []).join(', '))),
        row('Size', text(`${m.size} bytes (${m.wireBytes} on the wire, ${m.method})`)),
        m.messageId ? row('Message-ID', code(m.messageId)) : undefined,
        m.mailParams?.length ? row('MAIL parameters', code(m.mailParams.join(' '))) : undefined,
        m.prdr ? row('PRDR', `${reply(m.prdr.intro)}; final ${m.prdr.final ? reply(m.prdr.final) : text('never came')}`) : undefined,
      ]);
  }
  if (record.recipients?.length) {
    const rows = record.recipients
      .map(
        (r) =>
          `<tr><td>${code(r.address)}</td><td>${reply(r.rcpt)}</td><td>${reply(r.data)}</td><td>${deliveredCell(r, record.stoppedAfter !== undefined)}</td></tr>`,
      )
      .join('');
    out += `<h2>Recipients</h2><table><thead><tr><th>Address</th><th>RCPT reply</th><th>Data reply</th><th>Delivered</th></tr></thead><tbody>${rows}</tbody></table>`;
  }
  if (record.commands?.length) {
    const rows = record.commands.map((c) => `<tr><td>${code(c.command)}</td><td>${reply(c.reply)}</td></tr>`).join('');
    out += `<h2>Commands</h2><table><thead><tr><th>Command</th><th>Reply</th></tr></thead><tbody>${rows}</tbody></table>`;
  }
  return out;
}

/** Delivered: yes; no (temporary/permanent); or unknown — the answer never came, it may have been delivered. */
function deliveredCell(r: NonNullable<SessionRecord['recipients']>[number], stopped: boolean): string {
  if (stopped && r.accepted && !r.delivered) return 'no (accepted; stopped before DATA)';
  if (r.failure === 'unknown') return '<span class="unknown">unknown</span> (may have been delivered)';
  return `${yesNo(r.delivered)}${r.failure ? ` (${text(r.failure)})` : ''}`;
}

/** The findings: named evidence of how the server behaved. */
function findingsSection(record: SessionRecord): string {
  const findings = record.findings ?? [];
  if (findings.length === 0) return record.findings ? '<h2>Findings</h2><p class="muted">None.</p>' : '';
  const rows = findings
    .map(
      (f) =>
        `<tr><td class="sev-${escapeHtml(f.severity)}">${text(f.severity)}</td><td>${code(f.id)}</td><td>${text(f.title)}</td><td>${text(f.detail)}</td></tr>`,
    )
    .join('');
  return `<h2>Findings</h2><table><thead><tr><th>Severity</th><th>Id</th><th>Finding</th><th>Seen</th></tr></thead><tbody>${rows}</tbody></table>`;
}

const DIR_LABEL: Record<TranscriptEvent['dir'], string> = { send: 'C', recv: 'S', info: '*', error: '!' };

/** One event as a row of the transcript table. */
export function htmlTranscriptRow(e: TranscriptEvent): string {
  return (
    `<tr class="dir-${e.dir}"><td class="time">${text(formatLocalWallTime(e.wall))}</td><td class="time">${text(formatRelative(e.t))}</td>` +
    `<td>${e.tls ? 'TLS' : ''}</td><td>${DIR_LABEL[e.dir]}</td><td class="text">${text(e.text)}</td></tr>`
  );
}

/** A complete HTML document describing the session. */
export function formatHtmlReport(record: SessionRecord): string {
  const events = record.events ?? [];
  return htmlReportHead(record, events.length) + events.map((e) => htmlTranscriptRow(e)).join('\n') + htmlReportEnd(record);
}

/*
 * The report in parts, so that main can write it event by event (exports of any size): the head (everything up to
 * the transcript's rows, which says how many there are), the rows joined by newlines, the end. Together they are
 * exactly formatHtmlReport's text.
 */

/** Everything before the first transcript row (only the record's fields other than `events` are read). */
export function htmlReportHead(record: SessionRecord, eventCount: number): string {
  const title = `${record.tool} ${record.operation} — ${describeTarget(record)}`;
  const before = record.capabilitiesBeforeTls
    ? `<h3 class="muted">Before STARTTLS</h3>${capabilityTable(record.capabilitiesBeforeTls)}`
    : '';
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    // Nothing but the inline style may load or run, even if the file is opened in a browser.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${text(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    `<h1>${text(title)}</h1>`,
    `<p class="muted">Session report by ${text(record.tool)} (record version ${text(record.version)}).</p>`,
    summary(record),
    `<h2>Capabilities${record.helloVerb ? ` (${text(record.helloVerb)})` : ''}</h2>`,
    capabilityTable(record.capabilities ?? []),
    before,
    tlsSection(record),
    findingsSection(record),
    authSection(record),
    messageSection(record),
    `<h2>Transcript</h2><p class="muted">${eventCount} lines; times are ${text(zoneOf(record))}; secrets were redacted when captured.</p>` +
      `<table class="transcript"><thead><tr><th>Time</th><th>Since start (s)</th><th>TLS</th><th>Dir</th><th>Line</th></tr></thead><tbody>\n`,
  ].join('\n');
}

/** A whole self-contained document around `body` (already HTML): the report's CSP, style and title. */
export function htmlDocument(title: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${text(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    body,
    '</body></html>',
    '',
  ].join('\n');
}

/** Everything after the last transcript row. */
export function htmlReportEnd(record: SessionRecord): string {
  return `\n</tbody></table>\n<footer>Generated by ${text(record.tool)}. Secrets are redacted at capture and never stored.</footer>\n</body></html>\n`;
}
