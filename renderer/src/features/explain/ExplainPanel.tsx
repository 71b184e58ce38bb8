import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { explainEnhanced } from '../../../../shared/explain/enhanced-codes.js';
import { parseCodeQuery } from '../../../../shared/explain/query.js';
import { explainReplyCode } from '../../../../shared/explain/reply-codes.js';
import { formatReplyWire } from '../../../../shared/explain/reply-text.js';
import type { SessionRecord } from '../../../../shared/session-record.js';
import { useAppStore } from '../../store/index.js';
import type { ExplainSelection } from '../../store/explain-slice.js';
import { RefLink } from './RefLink.js';
import './explain.css';

/**
 * The explanation side panel: what a reply code and an enhanced status code mean, by whom they are defined, and
 * what the server said with them. Shows the code another feature opened (`openExplain`), else the failing reply of
 * the current result; a field looks any code up. Mount it once, in the shell's side area.
 */
export function ExplainPanel() {
  const selected = useAppStore((s) => s.explain.selection);
  const focusPending = useAppStore((s) => s.explain.focusPending);
  const explainFocusTaken = useAppStore((s) => s.explainFocusTaken);
  const record = useAppStore((s) => s.session.record);
  const openExplain = useAppStore((s) => s.openExplain);
  const closeExplain = useAppStore((s) => s.closeExplain);
  const selection = selected ?? failingReply(record);
  return (
    <ExplainView
      selection={selection}
      fromResult={selected === undefined && selection !== undefined}
      takeFocus={focusPending}
      onFocusTaken={explainFocusTaken}
      onLookup={openExplain}
      onClose={closeExplain}
    />
  );
}

/** The reply that made the current result fail, if a reply did. */
function failingReply(record: SessionRecord | undefined): ExplainSelection | undefined {
  const error = record?.result.error;
  if (!error || (error.replyCode === undefined && !error.enhancedCode)) return undefined;
  const selection: ExplainSelection = {};
  if (error.replyCode !== undefined) selection.code = error.replyCode;
  if (error.enhancedCode) selection.enhancedCode = error.enhancedCode;
  if (error.replyText) selection.text = error.replyText;
  if (error.command) selection.context = error.command;
  return selection;
}

export interface ExplainViewProps {
  selection?: ExplainSelection;
  /** The selection is the current result's failing reply, not one the user picked. */
  fromResult?: boolean;
  /** A feature asked to show a code: the panel takes the focus, then calls `onFocusTaken`. */
  takeFocus?: boolean;
  onFocusTaken?(): void;
  onLookup(selection: ExplainSelection): void;
  onClose?(): void;
}

/** The panel's content for a given selection (no store access). */
export function ExplainView({ selection, fromResult, takeFocus, onFocusTaken, onLookup, onClose }: ExplainViewProps) {
  const id = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const returnFocus = useRef<HTMLElement | null>(null);
  const [query, setQuery] = useState('');
  const [queryError, setQueryError] = useState<string | undefined>();

  // Asked to show a code: take the focus, remembering where it was, so closing can give it back.
  useEffect(() => {
    if (!takeFocus) return;
    const active = document.activeElement;
    if (active instanceof HTMLElement && !headingRef.current?.closest('.explain-panel')?.contains(active)) {
      returnFocus.current = active;
    }
    headingRef.current?.focus();
    onFocusTaken?.();
  }, [takeFocus, onFocusTaken]);

  const close = () => {
    onClose?.();
    const target = returnFocus.current;
    returnFocus.current = null;
    if (target?.isConnected) target.focus();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && onClose) {
      e.preventDefault();
      close();
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseCodeQuery(query);
    if (!parsed) {
      setQueryError('Type a reply code such as 550, an enhanced status code such as 5.7.1, or both.');
      return;
    }
    setQueryError(undefined);
    onLookup(parsed);
  };

  const reply = selection?.code !== undefined ? explainReplyCode(selection.code) : undefined;
  const enhanced = selection?.enhancedCode ? explainEnhanced(selection.enhancedCode) : undefined;

  return (
    <aside className="explain-panel" aria-labelledby={`${id}-title`} onKeyDown={onKeyDown}>
      <header className="explain-header">
        <h2 id={`${id}-title`} ref={headingRef} tabIndex={-1}>
          Explain
        </h2>
        {onClose ? (
          <button type="button" className="icon-button" aria-label="Close the explanation panel" title="Close (Esc)" onClick={close}>
            ×
          </button>
        ) : null}
      </header>

      <form className="explain-lookup" onSubmit={submit} role="search" aria-label="Look up a code">
        <label htmlFor={`${id}-query`}>Reply or status code</label>
        <div className="explain-lookup-row">
          <input
            id={`${id}-query`}
            type="text"
            inputMode="decimal"
            autoComplete="off"
            spellCheck={false}
            placeholder="550 5.7.1"
            value={query}
            aria-invalid={queryError ? true : undefined}
            aria-describedby={queryError ? `${id}-query-error` : undefined}
            onChange={(e) => setQuery(e.target.value)}
          />
          <button type="submit">Explain</button>
        </div>
        {queryError ? (
          <p id={`${id}-query-error`} className="inline-error" role="alert">
            {queryError}
          </p>
        ) : null}
      </form>

      <div className="explain-body" aria-live="polite">
        {!selection ? (
          <p className="hint">Select a reply code in the transcript, the overview or a result to see what it means, or type one above.</p>
        ) : (
          <>
            {fromResult ? <p className="hint">The reply that ended the last operation:</p> : null}
            {selection.context ? (
              <p className="explain-context">
                In answer to <code>{selection.context}</code>
              </p>
            ) : null}
            {selection.text !== undefined && selection.text !== '' ? (
              <div className="explain-said">
                <span className="explain-said-label">The server said</span>
                <pre className="explain-raw">{formatReplyWire(selection)}</pre>
              </div>
            ) : null}

            {reply ? (
              <section className="explain-section" aria-labelledby={`${id}-reply`} data-explained-code={reply.code ?? undefined}>
                <h3 id={`${id}-reply`}>
                  <code className="explain-code">{selection.code}</code> {reply.title}
                </h3>
                <p>{reply.meaning}</p>
                {reply.valid ? (
                  <dl className="kv">
                    <dt>Class</dt>
                    <dd>
                      <span className="mono">{reply.classLabel}</span> — {reply.classText}
                    </dd>
                    <dt>Category</dt>
                    <dd>
                      <span className="mono">{reply.categoryLabel}</span> — {reply.categoryText}
                    </dd>
                    <dt>Defined in</dt>
                    <dd>
                      <RefLink reference={reply.ref} />
                      {reply.also?.map((ref) => (
                        <span key={ref.label}>
                          , <RefLink reference={ref} />
                        </span>
                      ))}
                      {reply.known ? null : <span className="subtle"> (no entry of its own: explained by its digits)</span>}
                    </dd>
                  </dl>
                ) : (
                  <p>
                    <RefLink reference={reply.ref} />
                  </p>
                )}
              </section>
            ) : null}

            {selection.enhancedCode ? (
              <section className="explain-section" aria-labelledby={`${id}-enhanced`} data-explained-enhanced={selection.enhancedCode}>
                <h3 id={`${id}-enhanced`}>
                  <code className="explain-code">{selection.enhancedCode}</code>{' '}
                  {enhanced ? enhanced.detailName : 'Not an enhanced status code'}
                </h3>
                {enhanced ? (
                  <>
                    <p>{enhanced.detailText}</p>
                    <dl className="kv">
                      <dt>Class</dt>
                      <dd>
                        <span className="mono">{enhanced.classDigit}.x.x</span> {enhanced.className} — {enhanced.classText}
                      </dd>
                      <dt>Subject</dt>
                      <dd>
                        <span className="mono">x.{enhanced.subject}.x</span> {enhanced.subjectName} — {enhanced.subjectText}
                      </dd>
                      <dt>Detail</dt>
                      <dd>
                        <span className="mono">
                          x.{enhanced.subject}.{enhanced.detail}
                        </span>{' '}
                        {enhanced.detailName}
                        {enhanced.detailKnown ? null : <span className="subtle"> (not registered)</span>}
                      </dd>
                      <dt>Defined in</dt>
                      <dd>
                        <RefLink reference={enhanced.ref} />
                      </dd>
                    </dl>
                  </>
                ) : (
                  <p>An enhanced status code has the form class.subject.detail, with a class of 2, 4 or 5 (RFC 3463).</p>
                )}
              </section>
            ) : null}
          </>
        )}
      </div>
    </aside>
  );
}
