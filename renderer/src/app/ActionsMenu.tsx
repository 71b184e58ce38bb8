import { useEffect, useLayoutEffect, useRef, useState, type CSSProperties, type KeyboardEvent } from 'react';

export interface MenuAction {
  /** What the item says. */
  label: string;
  /** Its accessible name when the label alone is not enough ("Open the session of 10:02"). */
  ariaLabel?: string;
  onSelect(): void;
  disabled?: boolean;
  /** Why it is disabled (a tooltip). */
  disabledReason?: string;
  danger?: boolean;
  /** Ask first, in the menu: the question ("Delete this log?"). */
  confirm?: string;
}

/**
 * A "⋯" button with a menu of actions, for rows whose actions would not fit beside them (the Sessions table, the
 * profiles). The menu is placed against the window (never clipped by a scrolling table), opens upwards near the
 * bottom, and follows the menu pattern: arrow keys move, Escape closes and gives the focus back, a click outside
 * closes. A destructive item asks first, in place.
 */
export function ActionsMenu({ label, actions, className }: { label: string; actions: MenuAction[]; className?: string }) {
  const [open, setOpen] = useState(false);
  const [confirming, setConfirming] = useState<number | undefined>(undefined);
  const [style, setStyle] = useState<CSSProperties>({});
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);

  const close = (focusButton: boolean) => {
    setOpen(false);
    setConfirming(undefined);
    if (focusButton) buttonRef.current?.focus();
  };

  useLayoutEffect(() => {
    if (!open || !buttonRef.current) return;
    const rect = buttonRef.current.getBoundingClientRect();
    const below = window.innerHeight - rect.bottom;
    const right = Math.max(4, window.innerWidth - rect.right);
    setStyle(
      below < 180 && rect.top > below
        ? { position: 'fixed', bottom: window.innerHeight - rect.top + 4, right }
        : { position: 'fixed', top: rect.bottom + 4, right },
    );
  }, [open]);

  useEffect(() => {
    if (!open) return;
    const first = menuRef.current?.querySelector<HTMLElement>('[role="menuitem"]:not([disabled])');
    first?.focus();
    const onPointer = (e: PointerEvent) => {
      const target = e.target as Node;
      if (!menuRef.current?.contains(target) && !buttonRef.current?.contains(target)) close(false);
    };
    const onMove = () => close(false);
    document.addEventListener('pointerdown', onPointer);
    window.addEventListener('resize', onMove);
    window.addEventListener('scroll', onMove, true);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      window.removeEventListener('resize', onMove);
      window.removeEventListener('scroll', onMove, true);
    };
  }, [open]);

  useEffect(() => {
    if (confirming === undefined) return;
    menuRef.current?.querySelector<HTMLElement>('.menu-confirm [role="menuitem"]')?.focus();
  }, [confirming]);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      if (confirming !== undefined) setConfirming(undefined);
      else close(true);
      return;
    }
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'Home' && e.key !== 'End') return;
    e.preventDefault();
    const items = [...(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]:not([disabled])') ?? [])];
    if (items.length === 0) return;
    const at = items.indexOf(document.activeElement as HTMLElement);
    const next =
      e.key === 'Home' ? 0 : e.key === 'End' ? items.length - 1 : (at + (e.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length;
    items[next]?.focus();
  };

  return (
    <span className={`actions-menu ${className ?? ''}`} onClick={(e) => e.stopPropagation()} onKeyDown={(e) => e.stopPropagation()}>
      <button
        ref={buttonRef}
        type="button"
        className="small menu-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-label={label}
        title={label}
        onClick={() => (open ? close(false) : setOpen(true))}
      >
        ⋯
      </button>
      {open ? (
        <div ref={menuRef} className="menu" role="menu" aria-label={label} style={style} onKeyDown={onKeyDown}>
          {actions.map((action, i) =>
            confirming === i ? (
              <div key={i} className="menu-confirm" role="group" aria-label={action.confirm}>
                <span>{action.confirm}</span>
                <button
                  type="button"
                  role="menuitem"
                  className="small danger"
                  onClick={() => {
                    close(true);
                    action.onSelect();
                  }}
                >
                  {action.label.replace(/…$/, '')}
                </button>
                <button type="button" role="menuitem" className="small" onClick={() => setConfirming(undefined)}>
                  Cancel
                </button>
              </div>
            ) : (
              <button
                key={i}
                type="button"
                role="menuitem"
                className={action.danger ? 'menu-item danger' : 'menu-item'}
                disabled={action.disabled}
                title={action.disabled ? action.disabledReason : undefined}
                aria-label={action.ariaLabel}
                onClick={() => {
                  if (action.confirm) {
                    setConfirming(i);
                    return;
                  }
                  close(true);
                  action.onSelect();
                }}
              >
                {action.label}
              </button>
            ),
          )}
        </div>
      ) : null}
    </span>
  );
}
