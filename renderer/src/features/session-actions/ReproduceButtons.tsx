import { useMemo, useRef, useState } from 'react';
import { reproductionFromRecord } from '../../../../shared/reproduce/from-record.js';
import { asSmtplib } from '../../../../shared/reproduce/smtplib.js';
import { NotReproducible, type Reproduced } from '../../../../shared/reproduce/spec.js';
import { asSwaks } from '../../../../shared/reproduce/swaks.js';
import { copyText } from '../../app/copy.js';
import { useAppStore } from '../../store/index.js';

type Made = { ok: true; value: Reproduced } | { ok: false; reason: string };

function made(make: () => Reproduced): Made {
  try {
    return { ok: true, value: make() };
  } catch (error) {
    if (error instanceof NotReproducible) return { ok: false, reason: error.message };
    throw error;
  }
}

/** A comment block (shell and Python both take "#") saying what the copy cannot know, above what it copies. */
function withNotes(r: Reproduced, extra: string[]): string {
  const notes = [...extra, ...r.notes];
  if (notes.length === 0) return r.text;
  const head = notes.map((n) => `# ${n}`).join('\n') + '\n';
  // A Python script keeps its #! line first.
  return r.text.startsWith('#!') ? r.text.replace(/^(#![^\n]*\n)/, `$1${head}`) : head + r.text;
}

/**
 * "Copy as swaks command" and "Copy as Python script" for the session shown (probe and send): the same target, TLS,
 * AUTH mechanism, stop point and envelope; the secret is read from the environment when it runs, never copied.
 */
export function ReproduceButtons() {
  const record = useAppStore((s) => s.session.record);
  const running = useAppStore((s) => s.session.status === 'running');
  const user = useAppStore((s) => s.auth.user);
  const [said, setSaid] = useState<string | undefined>(undefined);
  const timer = useRef<number | undefined>(undefined);
  const copies = useMemo(() => {
    if (!record || (record.operation !== 'probe' && record.operation !== 'send')) return undefined;
    try {
      const { spec, notes } = reproductionFromRecord(record, { user });
      return {
        swaks: made(() => asSwaks(spec)),
        smtplib: made(() => asSmtplib(spec)),
        notes,
      };
    } catch (error) {
      if (!(error instanceof NotReproducible)) throw error;
      const refused: Made = { ok: false, reason: error.message };
      return { swaks: refused, smtplib: refused, notes: [] };
    }
  }, [record, user]);
  if (!copies) return null;
  const copy = (which: 'swaks' | 'smtplib') => {
    const m = copies[which];
    if (!m.ok) return;
    void copyText(withNotes(m.value, copies.notes)).then((ok) => {
      setSaid(ok ? `Copied the ${which === 'swaks' ? 'swaks command' : 'Python script'}` : 'Copy failed');
      window.clearTimeout(timer.current);
      timer.current = window.setTimeout(() => setSaid(undefined), 2000);
    });
  };
  const button = (which: 'swaks' | 'smtplib', label: string) => {
    const m = copies[which];
    return (
      <button
        type="button"
        className="small"
        disabled={running || !m.ok}
        title={m.ok ? `${label}: the secret is read from the environment when it runs, never copied` : `Cannot: ${m.reason}`}
        data-reproduce={which}
        onClick={() => copy(which)}
      >
        {label}
      </button>
    );
  };
  return (
    <span className="button-row" role="group" aria-label="Reproduce with another tool">
      {button('swaks', 'Copy as swaks command')}
      {button('smtplib', 'Copy as Python script')}
      <span className="subtle" aria-live="polite">
        {said ?? ''}
      </span>
    </span>
  );
}
