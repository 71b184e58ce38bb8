import type { OutsideReportKind } from '../../../../shared/outside-report.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import type { ExportFormat } from '../../lib/api.js';
import { useAppStore } from '../../store/index.js';

const FORMATS: { format: ExportFormat; label: string }[] = [
  { format: 'html', label: 'HTML' },
  { format: 'txt', label: 'Text' },
  { format: 'json', label: 'JSON' },
];

/** Export buttons for a view's report (made by main from the report it kept), and what the last export said. */
export function ReportActions({ kind, what }: { kind: OutsideReportKind; what: string }) {
  const run = useAppStore((s) => s.reports[kind]);
  const exportReport = useAppStore((s) => s.exportReport);
  const dismiss = useAppStore((s) => s.dismissReportMessage);
  if (!run.report) return null;
  return (
    <>
      <div className="button-row report-actions">
        <span className="subtle">Export</span>
        {FORMATS.map((f) => (
          <button
            key={f.format}
            type="button"
            className="small"
            aria-label={`Export the ${what} as ${f.label}`}
            onClick={() => void exportReport(kind, f.format)}
          >
            {f.label}
          </button>
        ))}
      </div>
      {run.notice ? (
        <p className="inline-note" role="status">
          {run.notice}{' '}
          <button type="button" className="small link" onClick={() => dismiss(kind)}>
            OK
          </button>
        </p>
      ) : null}
      {run.exportError ? <ErrorNote error={run.exportError} what="Could not export" onDismiss={() => dismiss(kind)} /> : null}
    </>
  );
}
