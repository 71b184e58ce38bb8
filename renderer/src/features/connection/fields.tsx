import { useId, useRef, useState, type ReactNode } from 'react';
import { checkPem } from '../../store/connection-form.js';

/** Ids for a field's label, its message and hint. */
export function useFieldIds(name: string) {
  const base = useId();
  return { input: `${base}-${name}`, error: `${base}-${name}-error`, hint: `${base}-${name}-hint` };
}

const describedBy = (ids: { error: string; hint: string }, error?: string, hint?: ReactNode, more?: string) =>
  [error ? ids.error : '', hint ? ids.hint : '', more ?? ''].filter(Boolean).join(' ') || undefined;

/** The keys of a form whose values are strings (what a TextField edits). */
export type TextKey<F> = { [K in keyof F]: F[K] extends string ? K : never }[keyof F] & string;

/** A text field's wiring to a form: its name, value, error and change handler, from the field's key. */
export function fieldBinder<F>(form: F, issues: Record<string, string>, setField: <K extends keyof F>(field: K, value: F[K]) => void) {
  return (key: TextKey<F>) => ({
    name: key,
    value: form[key] as string,
    error: issues[key],
    onChange: (v: string) => setField(key, v as F[TextKey<F>]),
  });
}

/** A field's error and hint lines below it, with the ids its control's aria-describedby names. */
function FieldNotes({ ids, error, hint }: { ids: { error: string; hint: string }; error?: string | undefined; hint?: ReactNode }) {
  return (
    <>
      {error ? (
        <p id={ids.error} className="field-error">
          {error}
        </p>
      ) : null}
      {hint ? (
        <p id={ids.hint} className="hint">
          {hint}
        </p>
      ) : null}
    </>
  );
}

/** A labelled text input with its validation message (as you type) and an optional hint. */
export function TextField({
  name,
  label,
  value,
  onChange,
  error,
  hint,
  placeholder,
  className = 'field',
  inputMode,
  type = 'text',
  disabled,
  autoComplete = 'off',
  trailing,
  autoFocus,
  describedBy: alsoDescribedBy,
}: {
  name: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  hint?: ReactNode;
  placeholder?: string;
  className?: string;
  inputMode?: 'numeric' | 'decimal' | 'text';
  type?: 'text' | 'password';
  disabled?: boolean;
  autoComplete?: string;
  /** Something next to the input (a show/hide button). */
  trailing?: ReactNode;
  /** Take the focus when shown (a form that just opened for this field). */
  autoFocus?: boolean;
  /** The id of a note elsewhere that describes the field too (a hint shared by a row of fields). */
  describedBy?: string;
}) {
  const ids = useFieldIds(name);
  const input = (
    <input
      id={ids.input}
      name={name}
      type={type}
      value={value}
      placeholder={placeholder}
      inputMode={inputMode}
      autoComplete={autoComplete}
      spellCheck={false}
      disabled={disabled}
      autoFocus={autoFocus}
      aria-invalid={error ? true : undefined}
      aria-describedby={describedBy(ids, error, hint, alsoDescribedBy)}
      onChange={(e) => onChange(e.target.value)}
    />
  );
  return (
    <div className={className} data-field={name}>
      <label htmlFor={ids.input}>{label}</label>
      {trailing ? (
        <div className="input-with-button">
          {input}
          {trailing}
        </div>
      ) : (
        input
      )}
      <FieldNotes ids={ids} error={error} hint={hint} />
    </div>
  );
}

/** A labelled select. */
export function SelectField<T extends string>({
  name,
  label,
  value,
  options,
  onChange,
  error,
  hint,
  className = 'field',
  disabled,
}: {
  name: string;
  label: string;
  value: T;
  options: readonly { value: T; label: string }[];
  onChange: (value: T) => void;
  error?: string | undefined;
  hint?: ReactNode;
  className?: string;
  disabled?: boolean;
}) {
  const ids = useFieldIds(name);
  return (
    <div className={className} data-field={name}>
      <label htmlFor={ids.input}>{label}</label>
      <select
        id={ids.input}
        name={name}
        value={value}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(ids, error, hint)}
        onChange={(e) => onChange(e.target.value as T)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldNotes ids={ids} error={error} hint={hint} />
    </div>
  );
}

/** A labelled checkbox with an optional hint. */
export function CheckField({
  name,
  label,
  checked,
  onChange,
  hint,
  disabled,
}: {
  name: string;
  label: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  hint?: ReactNode;
  disabled?: boolean;
}) {
  const ids = useFieldIds(name);
  return (
    <div className="field checkbox" data-field={name}>
      <input
        id={ids.input}
        name={name}
        type="checkbox"
        checked={checked}
        disabled={disabled}
        aria-describedby={hint ? ids.hint : undefined}
        onChange={(e) => onChange(e.target.checked)}
      />
      <label htmlFor={ids.input}>{label}</label>
      {hint ? (
        <p id={ids.hint} className="hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** Largest PEM file read. */
const MAX_PEM_BYTES = 256 * 1024;

/**
 * A PEM file read in the renderer (FileReader through `File.text()`, in both hosts): a button that opens the file
 * picker, the file's name and "loaded" once read, and Clear. The content is never shown.
 */
export function PemFileField({
  name,
  label,
  kind,
  fileName,
  loaded,
  loadedNote,
  onLoad,
  onClear,
  error,
  hint,
  disabled,
}: {
  name: string;
  label: string;
  kind: 'certificate' | 'key';
  fileName: string;
  loaded: boolean;
  /** Shown instead of the file name when loaded from elsewhere ("stored with the profile"). */
  loadedNote?: string;
  onLoad: (text: string, fileName: string) => void;
  onClear: () => void;
  error?: string | undefined;
  hint?: ReactNode;
  disabled?: boolean;
}) {
  const ids = useFieldIds(name);
  const fileRef = useRef<HTMLInputElement>(null);
  const [readError, setReadError] = useState<string | undefined>(undefined);
  const shownError = readError ?? error;

  const read = async (file: File) => {
    setReadError(undefined);
    if (file.size > MAX_PEM_BYTES) {
      setReadError(`“${file.name}” is too large for a PEM file (over 256 KB).`);
      return;
    }
    try {
      const text = await file.text();
      const problem = checkPem(text, kind);
      if (problem) {
        setReadError(`“${file.name}”: ${problem}`);
        return;
      }
      onLoad(text, file.name);
    } catch (err) {
      setReadError(`Could not read “${file.name}”: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  return (
    <div className="field" data-field={name}>
      <label htmlFor={`${ids.input}-file`}>{label}</label>
      <div className="file-pick">
        <input
          ref={fileRef}
          id={`${ids.input}-file`}
          className="visually-hidden"
          type="file"
          tabIndex={-1}
          accept={kind === 'key' ? '.pem,.key,text/plain' : '.pem,.crt,.cer,text/plain'}
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void read(file);
          }}
        />
        <button
          type="button"
          className="small"
          disabled={disabled}
          aria-describedby={describedBy(ids, shownError, hint)}
          aria-label={`${loaded ? 'Replace' : 'Load'} ${label.toLowerCase()} from a file`}
          onClick={() => fileRef.current?.click()}
        >
          {loaded ? 'Replace…' : 'Load file…'}
        </button>
        {loaded ? (
          <>
            <span className="file-name loaded" title={fileName}>
              {loadedNote ?? fileName} — loaded
            </span>
            <button type="button" className="small link" disabled={disabled} aria-label={`Clear ${label.toLowerCase()}`} onClick={onClear}>
              Clear
            </button>
          </>
        ) : (
          <span className="file-name">none</span>
        )}
      </div>
      <FieldNotes ids={ids} error={shownError} hint={hint} />
    </div>
  );
}
