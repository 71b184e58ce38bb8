import { useId, useState, type KeyboardEvent } from 'react';
import { explainEnhanced } from '../../../../shared/explain/enhanced-codes.js';
import { explainReplyCode } from '../../../../shared/explain/reply-codes.js';
import { useAppStore } from '../../store/index.js';
import './explain.css';

export interface ReplyCodeProps {
  /** SMTP reply code; omit to show only an enhanced code. */
  code?: number;
  /** RFC 3463 enhanced status code ("5.7.8"). */
  enhancedCode?: string;
  /** The reply's text, passed on to the side panel ("The server said"). */
  text?: string;
  /** Where the reply came from, passed on to the side panel ("RCPT TO:<bob@example.org>"). */
  context?: string;
  className?: string;
}

/**
 * A reply code (and enhanced code) as a small monospace button: hovering or focusing it shows what it means in a
 * tooltip (described by it, dismissed with Escape); activating it opens the explanation side panel.
 */
export function ReplyCode({ code, enhancedCode, text, context, className }: ReplyCodeProps) {
  const openExplain = useAppStore((s) => s.openExplain);
  const [shown, setShown] = useState(false);
  const tipId = useId();
  if (code === undefined && !enhancedCode) return null;

  const reply = code !== undefined ? explainReplyCode(code) : undefined;
  const enhanced = enhancedCode ? explainEnhanced(enhancedCode) : null;
  const outcome =
    reply?.outcome ?? (enhanced ? ({ 2: 'success', 4: 'transient', 5: 'permanent' } as const)[enhanced.classDigit] : undefined);
  const label = [code, enhancedCode].filter((p) => p !== undefined && p !== '').join(' ');

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && shown) {
      e.stopPropagation();
      setShown(false);
    }
  };

  return (
    <span
      className={['reply-code', outcome ? `outcome-${outcome}` : '', className].filter(Boolean).join(' ')}
      onMouseEnter={() => setShown(true)}
      onMouseLeave={() => setShown(false)}
    >
      <button
        type="button"
        className="reply-code-button"
        aria-describedby={tipId}
        data-code={code}
        data-enhanced-code={enhancedCode}
        onFocus={() => setShown(true)}
        onBlur={() => setShown(false)}
        onKeyDown={onKeyDown}
        onClick={() => openExplain({ code, enhancedCode, text, context })}
      >
        {label}
      </button>
      <span role="tooltip" id={tipId} className="reply-code-tip" hidden={!shown}>
        {reply ? (
          <span className="tip-line">
            <strong>{reply.valid ? reply.code : code}</strong> {reply.title}
            {reply.classLabel ? <span className="tip-class"> · {reply.classLabel}</span> : null}
          </span>
        ) : null}
        {enhancedCode ? (
          <span className="tip-line">
            <strong>{enhancedCode}</strong>{' '}
            {enhanced ? `${enhanced.detailName} · ${enhanced.className.toLowerCase()}` : 'not a valid enhanced status code'}
          </span>
        ) : null}
        <span className="tip-hint">Select for details</span>
      </span>
    </span>
  );
}
