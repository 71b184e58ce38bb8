import { useId } from 'react';
import type { ParsedAddressList } from '../../lib/compose/addresses.js';

interface AddressFieldProps {
  label: string;
  value: string;
  onChange(value: string): void;
  /** The parsed value (the parent checks the whole form once). */
  parsed: ParsedAddressList;
  /** A problem of the field as a whole (empty, more than one address). */
  fieldError?: string | undefined;
  /** One address (a text input) or a list (a textarea, separated by commas or line breaks). */
  multiple: boolean;
  placeholder?: string;
  hint?: string;
  disabled?: boolean;
}

/**
 * An address field: what was typed, and below it each address as understood (a chip), with its problem in words.
 * Lists are separated by commas or line breaks; `Name <address>` keeps the name in the header.
 */
export function AddressField({ label, value, onChange, parsed, fieldError, multiple, placeholder, hint, disabled }: AddressFieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const problemsId = `${id}-problems`;
  const problems = parsed.entries.flatMap((entry) => entry.problems.map((p) => ({ entry, p })));
  const errors = problems.filter((x) => x.p.severity === 'error');
  const invalid = errors.length > 0 || fieldError !== undefined;
  const describedBy = [hint ? hintId : '', problems.length || fieldError ? problemsId : ''].filter(Boolean).join(' ') || undefined;

  const common = {
    id,
    value,
    disabled,
    placeholder,
    spellCheck: false,
    autoComplete: 'off',
    'aria-invalid': invalid || undefined,
    'aria-describedby': describedBy,
  } as const;

  return (
    <div className="field compose-address">
      <label htmlFor={id}>{label}</label>
      {multiple ? (
        <textarea {...common} rows={2} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <input {...common} type="text" onChange={(e) => onChange(e.target.value)} />
      )}
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
      {parsed.entries.length > 0 ? (
        <ul className="address-chips" aria-label={`${label}: addresses as understood`}>
          {parsed.entries.map((entry, i) => {
            const severity = entry.problems.find((p) => p.severity === 'error') ? 'error' : entry.problems.length ? 'warning' : 'ok';
            return (
              <li key={`${i}:${entry.raw}`} className={`address-chip ${severity}`} title={entry.raw}>
                {entry.name ? <span className="chip-name">{entry.name}</span> : null}
                <span className="chip-address">{entry.address || entry.raw}</span>
                {severity !== 'ok' ? <span className="visually-hidden">{severity === 'error' ? ' (invalid)' : ' (warning)'}</span> : null}
              </li>
            );
          })}
        </ul>
      ) : null}
      {problems.length > 0 || fieldError ? (
        <ul id={problemsId} className="field-problems" aria-live="polite">
          {fieldError ? <li className="error">{fieldError}</li> : null}
          {problems.map(({ entry, p }, i) => (
            <li key={`${i}:${p.message}`} className={p.severity}>
              {parsed.entries.length > 1 || multiple ? <code>{entry.raw}</code> : null}
              {parsed.entries.length > 1 || multiple ? ': ' : null}
              {p.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
