import type { ErrorDto } from '../../../shared/ipc/contract.js';

/** The server's reply in one line: code, enhanced code and text, as far as the error has them ("" if none). */
export function replySummary(error: ErrorDto): string {
  return [error.replyCode, error.enhancedCode, error.replyText].filter((p) => p !== undefined && p !== '').join(' ');
}

/** The fields a refused request got wrong; `labelFor` turns a field path into its form label. */
export function IssueList({ error, labelFor }: { error: ErrorDto; labelFor?: (path: string) => string }) {
  if (!error.issues?.length) return null;
  return (
    <ul className="issues">
      {error.issues.map((i) => (
        <li key={`${i.path}:${i.message}`}>
          {i.path ? labelFor ? <strong>{labelFor(i.path)}</strong> : <code>{i.path}</code> : null}
          {i.path ? ': ' : null}
          {i.message}
        </li>
      ))}
    </ul>
  );
}
