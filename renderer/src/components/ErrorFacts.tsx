import type { ReactNode } from 'react';
import type { ErrorDto } from '../../../shared/ipc/contract.js';

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </>
  );
}

/**
 * An error's facts, as every view shows them behind "Details": its code (with a note), the stage, the command it
 * answered, the server's reply and the raw bytes, each only when the error has it. `more` adds rows after the code.
 */
export function ErrorFacts({
  error,
  reply,
  codeNote,
  codeClassName,
  more,
}: {
  error: ErrorDto;
  /** The server's reply as shown (one or more lines); none when empty. */
  reply: string;
  codeNote?: ReactNode;
  codeClassName?: string;
  more?: ReactNode;
}) {
  return (
    <dl className="kv">
      <Fact term="Error code">
        <code className={codeClassName}>{error.code}</code>
        {codeNote ? <> — {codeNote}</> : null}
      </Fact>
      {more}
      {error.stage ? (
        <Fact term="Stage">
          <code>{error.stage}</code>
        </Fact>
      ) : null}
      {error.command ? (
        <Fact term="In answer to">
          <code>{error.command}</code>
        </Fact>
      ) : null}
      {reply ? (
        <Fact term="Server reply">
          <pre className="raw-reply" aria-label="Server reply">
            {reply}
          </pre>
        </Fact>
      ) : null}
      {error.raw ? (
        <Fact term="Raw bytes">
          <pre className="raw-reply" aria-label="Raw bytes">
            {error.raw}
          </pre>
        </Fact>
      ) : null}
    </dl>
  );
}
