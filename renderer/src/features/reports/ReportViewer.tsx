import { useId, useMemo } from 'react';
import { reportView, type OutsideReport, type ViewCell } from '../../../../shared/outside-report.js';
import './reports.css';

const toneClass = (c: ViewCell): string | undefined => (c.tone ? `tone-${c.tone}` : undefined);

/**
 * A report of the outside view as the app shows it: the one view model (shared/outside-report.ts) that the HTML export
 * renders too, so the page and the file never disagree. Every string in it is already inert (no server's controls or
 * bidi overrides reach the page).
 */
export function ReportViewer({ report }: { report: OutsideReport }) {
  const view = useMemo(() => reportView(report), [report]);
  const id = useId();
  return (
    <div className="report-view" data-report-kind={report.kind} role="region" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} className="report-title">
        {view.title}
      </h3>
      <p className={`report-verdict ${toneClass(view.verdict) ?? ''}`} data-testid="report-verdict">
        {view.verdict.text}
      </p>
      <p className="hint">
        Started <time dateTime={report.startedAt}>{new Date(report.startedAt).toLocaleString()}</time>, took{' '}
        {(report.durationMs / 1000).toFixed(1)} s.
      </p>
      {view.sections.map((section, s) => (
        <section key={s} className="report-section" aria-labelledby={`${id}-s${s}`}>
          <h4 id={`${id}-s${s}`}>{section.heading}</h4>
          {section.notes.map((note, n) => (
            <p key={n} className={`report-note ${toneClass(note) ?? ''}`}>
              {note.text}
            </p>
          ))}
          {section.tables.map((table, t) => (
            <div key={t} className="table-scroll">
              <table className="data report-table" aria-label={table.label}>
                <thead>
                  <tr>
                    {table.columns.map((c, i) => (
                      <th key={i} scope="col">
                        {c}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {table.rows.map((row, r) => (
                    <tr key={r}>
                      {row.map((c, i) => (
                        <td key={i} className={toneClass(c)} data-tone={c.tone}>
                          {c.text}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
        </section>
      ))}
    </div>
  );
}
