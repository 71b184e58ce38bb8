import { useId, useRef, useState, type KeyboardEvent } from 'react';

type BodyKind = 'text' | 'html';

const TABS: { kind: BodyKind; label: string; area: string }[] = [
  { kind: 'text', label: 'Plain text', area: 'Plain-text body' },
  { kind: 'html', label: 'HTML', area: 'HTML body' },
];

interface BodyTabsProps {
  text: string;
  html: string;
  onText(value: string): void;
  onHtml(value: string): void;
  disabled?: boolean;
}

/**
 * The message bodies in two tabs. With an HTML body the message is multipart/alternative (plain text first); with
 * none it is plain text only. Arrow keys move between the tabs (WAI-ARIA tabs pattern).
 */
export function BodyTabs({ text, html, onText, onHtml, disabled }: BodyTabsProps) {
  const [active, setActive] = useState<BodyKind>('text');
  const id = useId();
  const tabRefs = useRef<Partial<Record<BodyKind, HTMLButtonElement | null>>>({});

  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>) => {
    const index = TABS.findIndex((t) => t.kind === active);
    let next: number | undefined;
    if (e.key === 'ArrowRight') next = (index + 1) % TABS.length;
    else if (e.key === 'ArrowLeft') next = (index - 1 + TABS.length) % TABS.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = TABS.length - 1;
    if (next === undefined) return;
    e.preventDefault();
    const kind = TABS[next]!.kind;
    setActive(kind);
    tabRefs.current[kind]?.focus();
  };

  const current = TABS.find((t) => t.kind === active)!;
  return (
    <div className="field compose-body">
      <div className="body-tabs" role="tablist" aria-label="Message body">
        {TABS.map((t) => (
          <button
            key={t.kind}
            ref={(el) => {
              tabRefs.current[t.kind] = el;
            }}
            type="button"
            role="tab"
            id={`${id}-tab-${t.kind}`}
            aria-selected={active === t.kind}
            aria-controls={`${id}-panel`}
            tabIndex={active === t.kind ? 0 : -1}
            className={active === t.kind ? 'body-tab active' : 'body-tab'}
            onClick={() => setActive(t.kind)}
            onKeyDown={onKeyDown}
          >
            {t.label}
            {t.kind === 'html' && html.trim() !== '' ? (
              <span className="tab-mark">
                {' '}
                ●<span className="visually-hidden"> (has content)</span>
              </span>
            ) : null}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-tab-${active}`} className="body-panel">
        <label htmlFor={`${id}-area`} className="visually-hidden">
          {current.area}
        </label>
        <textarea
          id={`${id}-area`}
          key={active}
          rows={10}
          disabled={disabled}
          spellCheck={active === 'text'}
          value={active === 'text' ? text : html}
          placeholder={active === 'text' ? 'The message text.' : 'Optional: an HTML version (sent as multipart/alternative with the text).'}
          onChange={(e) => (active === 'text' ? onText(e.target.value) : onHtml(e.target.value))}
        />
        <p className="hint">
          {html.trim() === ''
            ? 'Plain text only. Add an HTML body to send both (multipart/alternative).'
            : 'Both bodies are sent (multipart/alternative): mail programs show the HTML and fall back to the text.'}
        </p>
      </div>
    </div>
  );
}
