import { useAppStore } from '../../store/index.js';

/** Runs `session.probe` with the form's settings: connect, greet, EHLO, STARTTLS as asked, QUIT. */
export function ProbeButton() {
  const running = useAppStore((s) => s.session.status === 'running');
  const probe = useAppStore((s) => s.probe);
  return (
    <button type="button" className="primary" disabled={running} aria-busy={running} onClick={() => void probe()}>
      {running ? 'Probing…' : 'Probe'}
    </button>
  );
}
