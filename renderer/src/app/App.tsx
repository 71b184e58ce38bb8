import { useEffect } from 'react';
import { CapabilityTable } from '../features/capabilities/CapabilityTable.js';
import { ConnectionForm } from '../features/connection/ConnectionForm.js';
import { ProbeButton } from '../features/probe/ProbeButton.js';
import { ResultBanner } from '../features/status/ResultBanner.js';
import { TranscriptView } from '../features/transcript/TranscriptView.js';
import { api } from '../lib/api.js';
import { appStore, connectStoreToEvents, useAppStore } from '../store/index.js';

export function App() {
  const ui = useAppStore((s) => s.ui);

  useEffect(() => {
    const stop = connectStoreToEvents(appStore, api);
    void appStore.getState().init();
    return stop;
  }, []);

  return (
    <div className="app" data-app-state={ui.appState}>
      <header className="app-header">
        <h1>SMTP Lens</h1>
        {ui.appInfo ? (
          <span className="subtle">
            v{ui.appInfo.version} · {ui.appInfo.host === 'web' ? 'web' : 'desktop'}
          </span>
        ) : null}
      </header>

      {ui.bridgeLost ? (
        <div className="banner error" role="alert">
          <strong>Disconnected</strong> {ui.bridgeLost.message} Restart SMTP Lens and reload this page.
        </div>
      ) : null}

      {ui.appState === 'loading' ? (
        <main className="app-main centered">
          <p role="status">Connecting to SMTP Lens…</p>
        </main>
      ) : ui.appState === 'failed' ? (
        <main className="app-main centered">
          <div className="banner error" role="alert">
            <strong>SMTP Lens could not start</strong> {ui.loadError?.message} <code>{ui.loadError?.code}</code>
          </div>
        </main>
      ) : (
        <main className="app-main">
          <aside className="sidebar" aria-label="Connection settings">
            <ConnectionForm />
            <div className="actions">
              <ProbeButton />
            </div>
          </aside>
          <div className="results" aria-label="Results">
            <ResultBanner />
            <CapabilityTable />
            <TranscriptView />
          </div>
        </main>
      )}
    </div>
  );
}
