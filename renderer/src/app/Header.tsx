import { useAppStore } from '../store/index.js';
import { secretStoreNote } from './header-note.js';

/** Name, version, which host serves the app, and whether passwords can be stored. */
export function Header() {
  const info = useAppStore((s) => s.ui.appInfo);
  const explainOpen = useAppStore((s) => s.ui.explainOpen);
  const setExplainOpen = useAppStore((s) => s.setExplainOpen);
  return (
    <header className="app-header">
      <h1>SMTP Lens</h1>
      {info ? (
        <>
          <span className="badge" title="Version">
            v{info.version}
          </span>
          <span
            className="badge accent"
            data-host={info.host}
            title={info.host === 'web' ? 'Served by the loopback web host' : 'The desktop app'}
          >
            {info.host === 'web' ? 'web' : 'desktop'}
          </span>
          {info.secretStorage.available ? (
            <span className="header-note" data-secret-storage="available">
              Passwords can be stored in the OS key store
            </span>
          ) : (
            <span className="header-note warn" data-secret-storage="unavailable" title={`Data: ${info.dataDirectory}`}>
              {secretStoreNote(info.secretStorage.reason)}
            </span>
          )}
        </>
      ) : null}
      <span className="spacer" />
      {info ? (
        <button
          type="button"
          className="small"
          aria-pressed={explainOpen}
          aria-controls="explain-column"
          title="What reply codes and status codes mean"
          onClick={() => setExplainOpen(!explainOpen)}
        >
          {explainOpen ? 'Hide explanations' : 'Explain codes'}
        </button>
      ) : null}
    </header>
  );
}
