import { formatMx, type AddressCheck, type HostCheck, type MxCheck } from './domain-report.js';
import { inertText } from './inert-text.js';
import { escapeHtml, htmlDocument } from './report-html.js';
import { formatMatrix, type Matrix, type MatrixCell } from './matrix.js';
import { formatDiff, type Change, type SessionDiff } from './session-diff.js';
import { TIMING_LABELS } from './timings.js';

/**
 * The app's outside-view reports (the Domain, Matrix and Compare views): what main answered, kept in main by `id` so
 * that an export is made from exactly what was checked. One view model (`reportView`) serves the page and the HTML
 * export, so the two never disagree; the text and JSON exports are the CLI's (`smtp-lens mx`, `matrix`, `diff`).
 * Pure.
 */

export interface ReportBase {
  /** Names the report in main, for `reports.export`. */
  id: string;
  /** When the check began (ISO 8601). */
  startedAt: string;
  durationMs: number;
}

export interface DomainReport extends ReportBase {
  kind: 'domain';
  check: MxCheck;
}

export interface MatrixReport extends ReportBase {
  kind: 'matrix';
  matrix: Matrix;
}

/** Which saved session each side of a comparison is. */
export interface CompareSide {
  id: string;
  startedAt: string;
  operation: string;
}

export interface CompareReport extends ReportBase {
  kind: 'compare';
  a: CompareSide;
  b: CompareSide;
  diff: SessionDiff;
}

export type OutsideReport = DomainReport | MatrixReport | CompareReport;
export type OutsideReportKind = OutsideReport['kind'];

/** How a cell reads at a glance. */
export type Tone = 'ok' | 'bad' | 'warn' | 'muted';

export interface ViewCell {
  text: string;
  tone?: Tone;
}

export interface ViewTable {
  /** Names the table (its accessible name in the app). */
  label: string;
  columns: string[];
  rows: ViewCell[][];
}

export interface ViewSection {
  heading: string;
  /** Lines of prose above the tables. */
  notes: ViewCell[];
  tables: ViewTable[];
}

export interface ReportView {
  title: string;
  /** The one-line verdict. */
  verdict: ViewCell;
  sections: ViewSection[];
}

const cell = (text: unknown, tone?: Tone): ViewCell => ({ text: inertText(String(text ?? '')), ...(tone ? { tone } : {}) });
const dash = (): ViewCell => cell('—', 'muted');
const list = (items: readonly string[] | undefined): ViewCell =>
  items === undefined ? dash() : items.length ? cell(items.join(' ')) : cell('none', 'muted');

// --- Domain --------------------------------------------------------------------------------------------------------

/** What a sending MTA would make of the domain, as `smtp-lens mx` exits (0 ok, 3 unreachable or no mail server, 4 TLS). */
export type DomainVerdict = 'ok' | 'null-mx' | 'unreachable' | 'no-mail-server' | 'mta-sts-refuses' | 'dane-mismatch' | 'tls-problem';

export function domainVerdict(check: MxCheck): DomainVerdict {
  if (check.route.kind === 'null-mx') return 'null-mx';
  const all = check.hosts.flatMap((h) => h.addresses);
  if (check.route.kind === 'none' || all.length === 0) return 'no-mail-server';
  if (all.some((a) => !a.reachable)) return 'unreachable';
  // An enforcing MTA-STS policy that an MX fails is mail an enforcing sender will not deliver.
  if (check.mtaSts?.policy?.mode === 'enforce' && check.mtaSts.hosts.some((h) => !h.deliverable)) return 'mta-sts-refuses';
  // A validated TLSA that does not match is what a DANE sender refuses to deliver to.
  if (all.some((a) => a.dane?.verdict === 'mismatch')) return 'dane-mismatch';
  // Without STARTTLS, or with a bad certificate and no matching TLSA, it is a TLS problem either way.
  if (all.some((a) => a.starttls !== 'used' || (a.certificate?.verdict !== 'valid' && a.dane?.verdict !== 'match'))) return 'tls-problem';
  return 'ok';
}

const DOMAIN_VERDICTS: Record<DomainVerdict, ViewCell> = {
  ok: cell('Every MX address answered, with STARTTLS and a valid certificate', 'ok'),
  'null-mx': cell('The domain takes no mail: it publishes a null MX (RFC 7505)', 'muted'),
  unreachable: cell('Some MX addresses could not be reached', 'bad'),
  'no-mail-server': cell('No mail server: the domain has no MX and no address', 'bad'),
  'mta-sts-refuses': cell('An enforcing MTA-STS sender would refuse some MX hosts', 'bad'),
  'dane-mismatch': cell('A validated TLSA record does not match what an MX presents: DANE senders will not deliver', 'bad'),
  'tls-problem': cell('TLS problems: STARTTLS missing or failing, or a certificate not valid', 'warn'),
};

function starttlsCell(a: AddressCheck): ViewCell {
  if (!a.reachable) return dash();
  if (a.starttls === 'used') return cell('used', 'ok');
  if (a.starttls === 'not-offered') return cell('not offered', 'bad');
  return cell(a.starttls, 'bad');
}

function certificateCell(a: AddressCheck): ViewCell {
  const c = a.certificate;
  if (!c) return dash();
  const days = c.daysLeft !== undefined ? `, ${c.daysLeft} days left` : '';
  if (c.verdict === 'valid') return cell(`valid${days}`, c.daysLeft !== undefined && c.daysLeft < 14 ? 'warn' : 'ok');
  return cell(`${c.verdict}${c.reason ? ` (${c.reason})` : ''}${days}`, 'bad');
}

function daneCell(a: AddressCheck): ViewCell {
  const d = a.dane;
  if (!d) return dash();
  const tone: Tone = d.verdict === 'match' ? 'ok' : d.verdict === 'mismatch' ? 'bad' : d.verdict === 'no-tlsa' ? 'muted' : 'warn';
  return cell(d.verdict === 'no-tlsa' ? 'no TLSA' : d.verdict, tone);
}

function stsCell(check: MxCheck, h: HostCheck): ViewCell {
  const p = check.mtaSts?.policy;
  const host = check.mtaSts?.hosts.find((x) => x.exchange === h.exchange);
  if (!p || !host) return check.mtaSts?.policyProblem ? cell('no usable policy', 'warn') : cell('no policy', 'muted');
  if (host.deliverable) return cell(`allowed by ${host.allowedBy ?? '?'}`, 'ok');
  const why = host.allowedBy === undefined ? 'not in mx: patterns' : 'certificate not valid for its name';
  return cell(`${why}${p.mode === 'enforce' ? ': refused' : ` (${p.mode})`}`, p.mode === 'enforce' ? 'bad' : 'warn');
}

function addressRow(check: MxCheck, h: HostCheck, a: AddressCheck | undefined): ViewCell[] {
  const mx = cell(`${h.preference} ${h.exchange}`);
  if (!a) return [mx, cell(h.dnsErrors.length ? `DNS: ${h.dnsErrors.join('; ')}` : 'no address', 'bad'), ...Array(7).fill(dash())];
  const findings = a.findings.map((f) => f.id);
  return [
    mx,
    cell(a.address),
    a.reachable
      ? cell(a.greeting ? String(a.greeting.code) : 'yes', a.greeting && a.greeting.code === 220 ? 'ok' : 'warn')
      : cell(`no: ${a.error?.message ?? 'no greeting'}`, 'bad'),
    starttlsCell(a),
    a.tls ? cell([a.tls.protocol, a.tls.cipher].filter(Boolean).join(' ')) : dash(),
    certificateCell(a),
    daneCell(a),
    stsCell(check, h),
    findings.length ? cell(findings.join(', '), a.findings.some((f) => f.severity === 'error') ? 'bad' : 'warn') : cell('none', 'muted'),
  ];
}

function domainView(r: DomainReport): ReportView {
  const check = r.check;
  const route = check.route;
  const notes: ViewCell[] = [
    cell(
      `Resolver ${check.resolver}; DNSSEC: ${route.authenticated ? 'validated (AD)' : 'not validated'}`,
      route.authenticated ? 'ok' : 'muted',
    ),
  ];
  if (route.kind === 'implicit') notes.push(cell('No MX: mail goes to the domain itself (RFC 5321 §5.1)', 'warn'));
  else if (route.kind === 'none') notes.push(cell(`No mail route: ${route.reason}`, 'bad'));
  if (check.deadlineReached) notes.push(cell('The deadline was reached before every address was checked', 'warn'));
  const rows = check.hosts.flatMap((h) =>
    h.addresses.length ? h.addresses.map((a) => addressRow(check, h, a)) : [addressRow(check, h, undefined)],
  );
  const sections: ViewSection[] = [
    {
      heading: 'MX hosts',
      notes,
      tables: rows.length
        ? [
            {
              label: 'MX hosts and addresses',
              columns: ['MX', 'Address', 'Greeting', 'STARTTLS', 'TLS', 'Certificate', 'DANE', 'MTA-STS', 'Findings'],
              rows,
            },
          ]
        : [],
    },
  ];
  const tlsa = check.hosts.filter((h) => h.tlsa.records.length || h.tlsa.error !== undefined);
  if (tlsa.length) {
    sections.push({
      heading: 'DANE (TLSA)',
      notes: [],
      tables: [
        {
          label: 'TLSA records',
          columns: ['Name', 'Validated', 'Records'],
          rows: tlsa.map((h) => [
            cell(h.tlsa.name),
            h.tlsa.error !== undefined
              ? cell('lookup failed', 'bad')
              : h.tlsa.authenticated
                ? cell('yes (AD)', 'ok')
                : cell('no: ignored (RFC 7672)', 'warn'),
            cell(
              h.tlsa.error ?? h.tlsa.records.map((t) => `${t.usage} ${t.selector} ${t.matchingType} ${t.data.slice(0, 16)}…`).join('; '),
            ),
          ]),
        },
      ],
    });
  }
  const sts = check.mtaSts;
  const stsNotes: ViewCell[] = [];
  if (!sts) stsNotes.push(cell('No MTA-STS record', 'muted'));
  else {
    if (sts.recordProblem) stsNotes.push(cell(`Record: ${sts.recordProblem}`, 'bad'));
    else if (sts.record) stsNotes.push(cell(`Record id=${sts.record.id}${sts.authenticated ? '' : ' (not validated)'}`));
    if (sts.policyProblem) stsNotes.push(cell(`Policy ${sts.url ?? ''}: ${sts.policyProblem}`, 'bad'));
    if (sts.policy) {
      const p = sts.policy;
      stsNotes.push(
        cell(`Policy ${sts.url ?? ''}: mode ${p.mode}, max_age ${p.maxAge}, mx ${p.mx.join(', ')}`, p.mode === 'enforce' ? 'ok' : 'warn'),
      );
    }
  }
  const rpt = check.tlsRpt;
  if (rpt?.raw) stsNotes.push(cell(`TLS-RPT: ${rpt.rua.join(', ')}${rpt.problem ? ` (${rpt.problem})` : ''}`, rpt.problem ? 'warn' : 'ok'));
  else stsNotes.push(cell(rpt?.problem ? `TLS-RPT: ${rpt.problem}` : 'TLS-RPT: none', 'muted'));
  sections.push({ heading: 'MTA-STS and TLS-RPT', notes: stsNotes, tables: [] });
  return { title: `Domain ${check.domain}`, verdict: DOMAIN_VERDICTS[domainVerdict(check)], sections };
}

// --- Matrix --------------------------------------------------------------------------------------------------------

function matrixRow(c: MatrixCell): ViewCell[] {
  const cert = c.certificate;
  return [
    cell(c.port),
    cell(c.tls),
    c.ok ? cell('ok', 'ok') : cell(`${c.error?.code ?? 'failed'}${c.error ? `: ${c.error.message}` : ''}`, 'bad'),
    c.tlsVersion ? cell([c.tlsVersion, c.cipher].filter(Boolean).join(' ')) : dash(),
    c.authPlaintext?.length ? cell(c.authPlaintext.join(' '), 'warn') : list(c.authPlaintext),
    list(c.authTls),
    cert
      ? cell(`${cert.verdict}${cert.daysLeft !== undefined ? `, ${cert.daysLeft} days left` : ''}`, cert.verdict === 'valid' ? 'ok' : 'bad')
      : dash(),
    c.findings.length ? cell(c.findings.map((f) => f.id).join(', '), 'warn') : cell('none', 'muted'),
  ];
}

const SEVERITY_TONE = { error: 'bad', warning: 'warn', info: 'muted' } as const;

function matrixView(r: MatrixReport): ReportView {
  const m = r.matrix;
  const worst = m.findings.some((f) => f.severity === 'error') ? 'bad' : m.findings.some((f) => f.severity === 'warning') ? 'warn' : 'ok';
  const answered = m.cells.filter((c) => c.greeting).length;
  const verdict =
    answered === 0
      ? cell('Nothing answered on any port', 'bad')
      : cell(`${m.cells.filter((c) => c.ok).length} of ${m.cells.length} combinations worked; ${m.findings.length} finding(s)`, worst);
  return {
    title: `Matrix for ${m.host}`,
    verdict,
    sections: [
      {
        heading: 'Ports and TLS modes',
        notes: [cell(`${m.ports.length} port(s) × ${m.modes.length} TLS mode(s) in ${(m.durationMs / 1000).toFixed(1)} s`, 'muted')],
        tables: [
          {
            label: 'Port matrix',
            columns: ['Port', 'TLS', 'Result', 'TLS version', 'AUTH in plaintext', 'AUTH under TLS', 'Certificate', 'Findings'],
            rows: m.cells.map(matrixRow),
          },
        ],
      },
      {
        heading: 'Findings',
        notes: m.findings.length ? [] : [cell('None', 'ok')],
        tables: m.findings.length
          ? [
              {
                label: 'Matrix findings',
                columns: ['Severity', 'Finding', 'Port', 'Detail'],
                rows: m.findings.map((f) => [
                  cell(f.severity, SEVERITY_TONE[f.severity]),
                  cell(f.id),
                  cell(f.port || 'all'),
                  cell(f.detail),
                ]),
              },
            ]
          : [],
      },
    ],
  };
}

// --- Compare -------------------------------------------------------------------------------------------------------

const side = (v: unknown): ViewCell => (v === undefined || v === null ? dash() : cell(v));

function compareView(r: CompareReport): ReportView {
  const d = r.diff;
  const changes: ViewCell[][] = [];
  const add = (what: string, c: Change<unknown> | undefined) => {
    if (c) changes.push([cell(what), side(c.a), side(c.b)]);
  };
  add('Greeting', d.greeting);
  add('TLS protocol', d.tls.protocol);
  add('Cipher', d.tls.cipher);
  add('Certificate verified', d.tls.authorized);
  const c = d.tls.certificate;
  add('Certificate SHA-256', c?.fingerprint256);
  add('Certificate subject', c?.subject);
  add('Certificate issuer', c?.issuer);
  add('Certificate expires', c?.validTo);
  if (c && (c.namesAdded.length || c.namesRemoved.length))
    changes.push([cell('Certificate names'), list(c.namesRemoved), list(c.namesAdded)]);
  const m = d.authMechanisms;
  if (m.added.length || m.removed.length) changes.push([cell('AUTH mechanisms (only in)'), list(m.removed), list(m.added)]);
  if (d.findings.appeared.length || d.findings.gone.length)
    changes.push([cell('Findings (only in)'), list(d.findings.gone), list(d.findings.appeared)]);
  if (d.result.a !== d.result.b) add('Result', d.result);
  const caps = d.capabilities.rows.filter((row) => row.change !== 'same');
  const capText = (x?: { name: string; params: string[] }): ViewCell => (x ? cell([x.name, ...x.params].join(' ')) : dash());
  const ms = (v: number | undefined): ViewCell => (v === undefined ? dash() : cell(v.toFixed(1)));
  const sections: ViewSection[] = [
    {
      heading: 'Sessions',
      notes: [],
      tables: [
        {
          label: 'Compared sessions',
          columns: ['', 'Target', 'Started', 'Operation', 'Result'],
          rows: [
            [cell('A'), cell(d.targets.a), cell(r.a.startedAt), cell(r.a.operation), cell(d.result.a, d.result.a === 'ok' ? 'ok' : 'bad')],
            [cell('B'), cell(d.targets.b), cell(r.b.startedAt), cell(r.b.operation), cell(d.result.b, d.result.b === 'ok' ? 'ok' : 'bad')],
          ],
        },
      ],
    },
    {
      heading: 'What differs',
      notes: changes.length ? [] : [cell('Nothing but the timings', 'ok')],
      tables: changes.length ? [{ label: 'Differences', columns: ['What', 'A', 'B'], rows: changes }] : [],
    },
  ];
  if (caps.length) {
    sections.push({
      heading: 'Capabilities',
      notes: [],
      tables: [
        {
          label: 'Capability changes',
          columns: ['Capability', 'Change', 'A', 'B'],
          rows: caps.map((row) => [
            cell(row.name),
            cell(row.change, row.change === 'removed' ? 'bad' : 'warn'),
            capText(row.before),
            capText(row.after),
          ]),
        },
      ],
    });
  }
  if (d.timings.length) {
    sections.push({
      heading: 'Timings (ms)',
      notes: [],
      tables: [
        {
          label: 'Timings side by side',
          columns: ['Stage', 'A', 'B', 'B − A'],
          rows: d.timings.map((t) => [
            cell(TIMING_LABELS[t.stage]),
            ms(t.a),
            ms(t.b),
            t.delta === undefined ? dash() : cell(`${t.delta >= 0 ? '+' : ''}${t.delta.toFixed(1)}`),
          ]),
        },
      ],
    });
  }
  return {
    title: `Compare ${d.targets.a ?? ''} with ${d.targets.b ?? ''}`,
    verdict: d.differs ? cell(`${changes.length + caps.length} difference(s)`, 'warn') : cell('The same, but for the timings', 'ok'),
    sections,
  };
}

export function reportView(report: OutsideReport): ReportView {
  switch (report.kind) {
    case 'domain':
      return domainView(report);
    case 'matrix':
      return matrixView(report);
    case 'compare':
      return compareView(report);
  }
}

// --- Exports -------------------------------------------------------------------------------------------------------

export type ReportFormat = 'json' | 'txt' | 'html';

/** What the JSON export holds: exactly what `smtp-lens mx --json`, `matrix --json` and `diff --json` print. */
export function reportPayload(report: OutsideReport): unknown {
  switch (report.kind) {
    case 'domain':
      return report.check;
    case 'matrix':
      return report.matrix;
    case 'compare':
      return { a: report.a, b: report.b, diff: report.diff };
  }
}

/** The CLI's text for the report. */
export function reportText(report: OutsideReport): string {
  switch (report.kind) {
    case 'domain':
      return formatMx(report.check);
    case 'matrix':
      return formatMatrix(report.matrix);
    case 'compare':
      return `A: session of ${report.a.startedAt} (${report.a.id})\nB: session of ${report.b.startedAt} (${report.b.id})\n${formatDiff(report.diff)}`;
  }
}

/** A file name from the report: letters, digits, dot, dash and underscore only. */
export function reportFilename(report: OutsideReport, format: ReportFormat): string {
  const subject =
    report.kind === 'domain' ? report.check.domain : report.kind === 'matrix' ? report.matrix.host : `${report.a.id}-vs-${report.b.id}`;
  const stamp = report.startedAt.replace(/\.\d+Z$/, 'Z').replace(/[:]/g, '');
  const safe = `smtp-lens-${report.kind}-${subject}-${stamp}`.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 180);
  return `${safe}.${format}`;
}

const TONE_CLASS: Record<Tone, string> = { ok: 'ok', bad: 'bad', warn: 'partial', muted: 'muted' };
const htmlCell = (c: ViewCell, tag: 'td' | 'p'): string =>
  `<${tag}${c.tone ? ` class="${TONE_CLASS[c.tone]}"` : ''}>${escapeHtml(c.text)}</${tag}>`;

/** The HTML export: the same view the app shows, as a self-contained document (no script, no external resource). */
export function reportHtml(report: OutsideReport, tool: string): string {
  const view = reportView(report);
  const body = [
    `<h1>${escapeHtml(inertText(view.title))}</h1>`,
    `<p class="muted">${escapeHtml(`Report by ${tool}; started ${report.startedAt}, took ${(report.durationMs / 1000).toFixed(1)} s.`)}</p>`,
    htmlCell(view.verdict, 'p'),
    ...view.sections.map((s) =>
      [
        `<h2>${escapeHtml(s.heading)}</h2>`,
        ...s.notes.map((n) => htmlCell(n, 'p')),
        ...s.tables.map(
          (t) =>
            `<table aria-label="${escapeHtml(t.label)}"><thead><tr>${t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>` +
            t.rows.map((r) => `<tr>${r.map((c) => htmlCell(c, 'td')).join('')}</tr>`).join('\n') +
            '</tbody></table>',
        ),
      ].join('\n'),
    ),
    `<footer>Generated by ${escapeHtml(tool)}. Nothing secret is asked or kept for these checks.</footer>`,
  ].join('\n');
  return htmlDocument(view.title, body);
}

const MIME: Record<ReportFormat, string> = { json: 'application/json', txt: 'text/plain; charset=utf-8', html: 'text/html; charset=utf-8' };

/** The export of a report as a file: JSON (the CLI's --json), text (the CLI's output) or HTML. */
export function exportReport(
  report: OutsideReport,
  format: ReportFormat,
  tool: string,
): { filename: string; mimeType: string; content: string } {
  const content =
    format === 'json'
      ? JSON.stringify(
          { tool, kind: report.kind, startedAt: report.startedAt, durationMs: report.durationMs, report: reportPayload(report) },
          null,
          2,
        ) + '\n'
      : format === 'txt'
        ? reportText(report)
        : reportHtml(report, tool);
  return { filename: reportFilename(report, format), mimeType: MIME[format], content };
}
