import { useEffect, useRef, type ReactNode } from 'react';

/**
 * Brings its content into view each time `token` changes to a new defined value (a preview made, a send ended), so
 * that a result never appears below the fold unseen; the focus moves there too when `focus` is set.
 */
export function Reveal({ token, focus = false, children }: { token: unknown; focus?: boolean; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const seen = useRef<unknown>(token);
  useEffect(() => {
    if (token === undefined || token === seen.current) {
      seen.current = token;
      return;
    }
    seen.current = token;
    const el = ref.current;
    if (!el) return;
    const reduced = typeof window.matchMedia === 'function' && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    el.scrollIntoView({ block: 'nearest', behavior: reduced ? 'auto' : 'smooth' });
    if (focus) el.focus({ preventScroll: true });
  }, [token, focus]);
  return (
    <div ref={ref} className="reveal" tabIndex={focus ? -1 : undefined}>
      {children}
    </div>
  );
}
