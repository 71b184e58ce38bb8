import { useEffect, useId, useRef, useState } from 'react';
import type { HeaderRowProblems } from '../../lib/compose/headers.js';
import { useAppStore } from '../../store/index.js';

/**
 * Extra header fields as name/value rows. Names are printable ASCII without colon or space; values have no line
 * breaks; the fields the composer writes itself (From, To, Cc, Bcc, Subject, Date, Message-ID, MIME-Version,
 * Content-Type, …) are refused with the reason.
 */
export function HeadersEditor({ problems, disabled }: { problems: Record<string, HeaderRowProblems>; disabled?: boolean }) {
  const rows = useAppStore((s) => s.compose.form.headers);
  const addHeaderRow = useAppStore((s) => s.addHeaderRow);
  const updateHeaderRow = useAppStore((s) => s.updateHeaderRow);
  const removeHeaderRow = useAppStore((s) => s.removeHeaderRow);
  const id = useId();
  const [focusRow, setFocusRow] = useState<string | undefined>();
  const nameRefs = useRef(new Map<string, HTMLInputElement>());
  const addRef = useRef<HTMLButtonElement>(null);

  // Keyboard users land in the row they added.
  useEffect(() => {
    if (focusRow === undefined) return;
    nameRefs.current.get(focusRow)?.focus();
    setFocusRow(undefined);
  }, [focusRow]);

  return (
    <fieldset className="compose-headers" disabled={disabled}>
      <legend>Extra headers</legend>
      {rows.length === 0 ? <p className="hint">None. Add headers such as X-Test or List-Unsubscribe.</p> : null}
      {rows.map((row, i) => {
        const p = problems[row.id];
        const nameId = `${id}-${row.id}-name`;
        const valueId = `${id}-${row.id}-value`;
        return (
          <div key={row.id} className="header-row">
            <div className="field header-name">
              <label htmlFor={nameId}>Header {i + 1} name</label>
              <input
                id={nameId}
                ref={(el) => {
                  if (el) nameRefs.current.set(row.id, el);
                  else nameRefs.current.delete(row.id);
                }}
                type="text"
                spellCheck={false}
                autoComplete="off"
                placeholder="X-Test"
                value={row.name}
                aria-invalid={p?.name ? true : undefined}
                aria-describedby={p?.name ? `${nameId}-error` : undefined}
                onChange={(e) => updateHeaderRow(row.id, { name: e.target.value })}
              />
              {p?.name ? (
                <p id={`${nameId}-error`} className="field-error">
                  {p.name}
                </p>
              ) : null}
            </div>
            <div className="field header-value grow">
              <label htmlFor={valueId}>Header {i + 1} value</label>
              <input
                id={valueId}
                type="text"
                spellCheck={false}
                autoComplete="off"
                value={row.value}
                aria-invalid={p?.value ? true : undefined}
                aria-describedby={p?.value ? `${valueId}-error` : undefined}
                onChange={(e) => updateHeaderRow(row.id, { value: e.target.value })}
              />
              {p?.value ? (
                <p id={`${valueId}-error`} className="field-error">
                  {p.value}
                </p>
              ) : null}
            </div>
            <button
              type="button"
              className="link header-remove"
              aria-label={`Remove header ${i + 1}${row.name ? ` (${row.name})` : ''}`}
              onClick={() => {
                removeHeaderRow(row.id);
                addRef.current?.focus();
              }}
            >
              Remove
            </button>
          </div>
        );
      })}
      <button ref={addRef} type="button" className="secondary" onClick={() => setFocusRow(addHeaderRow())}>
        Add header
      </button>
      <p className="hint">
        From, To, Cc, Bcc, Reply-To, Subject, Date, Message-ID, MIME-Version and Content-Type are written by the composer and cannot be
        added here.
      </p>
    </fieldset>
  );
}
