import type { Reference } from '../../../../shared/explain/references.js';
import './explain.css';

/**
 * A reference to the document that defines something: a link that opens outside the app (in Electron the
 * window-open handler passes allow-listed https hosts to the system browser), or plain text when there is no URL.
 */
export function RefLink({ reference, className }: { reference: Reference; className?: string }) {
  const cls = ['ref-link', className].filter(Boolean).join(' ');
  if (!reference.url) return <span className={`${cls} no-url`}>{reference.label}</span>;
  return (
    <a className={cls} href={reference.url} target="_blank" rel="noreferrer">
      {reference.label}
      <span className="visually-hidden"> (opens in your browser)</span>
    </a>
  );
}
