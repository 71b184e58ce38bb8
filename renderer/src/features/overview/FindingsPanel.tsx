import { useId } from 'react';
import { FINDINGS, type Finding, type FindingSeverity } from '../../../../shared/findings.js';
import type { SessionRecord } from '../../../../shared/session-record.js';
import { useAppStore } from '../../store/index.js';

const ORDER: FindingSeverity[] = ['error', 'warning', 'info'];
const HEADINGS: Record<FindingSeverity, string> = { error: 'Errors', warning: 'Warnings', info: 'Notes' };

/**
 * The session's findings (named evidence of how the server behaved, shared/findings.ts), grouped by severity: what was
 * seen, why it matters and the rule, each with links to the transcript lines where it was seen.
 */
export function FindingsPanel({ record }: { record: SessionRecord }) {
  const id = useId();
  const findings = record.findings;
  if (!findings) return null;
  return (
    <section className="panel findings-panel" aria-labelledby={`${id}-heading`} data-findings={findings.length}>
      <h2 id={`${id}-heading`}>
        Findings <span className="subtle">{findings.length === 0 ? 'none' : findings.length}</span>
      </h2>
      {findings.length === 0 ? (
        <p className="hint">Nothing out of the ordinary: the server kept to the rules this session checks.</p>
      ) : (
        ORDER.map((severity) => {
          const group = findings.filter((f) => f.severity === severity);
          if (group.length === 0) return null;
          return (
            <div key={severity} className={`findings-group ${severity}`}>
              <h3>
                {HEADINGS[severity]} <span className="subtle">{group.length}</span>
              </h3>
              <ul>
                {group.map((finding, i) => (
                  <FindingItem key={`${finding.id}:${i}`} finding={finding} />
                ))}
              </ul>
            </div>
          );
        })
      )}
    </section>
  );
}

function FindingItem({ finding }: { finding: Finding }) {
  const select = useAppStore((s) => s.selectTranscriptLine);
  const setTab = useAppStore((s) => s.setTab);
  const definition = FINDINGS[finding.id];
  const show = (index: number) => {
    setTab('transcript');
    select(index, false, true);
  };
  return (
    <li className="finding" data-finding={finding.id}>
      <p className="finding-title">
        <span className={`badge ${finding.severity === 'error' ? 'error' : finding.severity === 'warning' ? 'warn' : 'info'}`}>
          {finding.severity}
        </span>{' '}
        <strong>{finding.title}</strong> <code className="subtle">{finding.id}</code>
      </p>
      <p className="finding-detail">{finding.detail}</p>
      {definition ? (
        <p className="hint">
          {definition.why} <span className="subtle">({definition.reference})</span>
        </p>
      ) : null}
      {finding.events.length > 0 ? (
        <p className="finding-lines">
          Seen at{' '}
          {finding.events.map((index) => (
            <button key={index} type="button" className="link" onClick={() => show(index)} title="Show this line in the Transcript">
              line {index + 1}
            </button>
          ))}
        </p>
      ) : null}
    </li>
  );
}
