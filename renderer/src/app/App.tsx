import { useEffect } from 'react';
import { ConnectionForm } from '../features/connection/ConnectionForm.js';
import { ProfilesPanel } from '../features/connection/ProfilesPanel.js';
import { ExplainPanel } from '../features/explain/ExplainPanel.js';
import { SessionActions } from '../features/session-actions/SessionActions.js';
import { SessionBar } from '../features/session-actions/SessionBar.js';
import { ResultBanner } from '../features/status/ResultBanner.js';
import { api } from '../lib/api.js';
import { appStore, connectStoreToEvents, useAppStore } from '../store/index.js';
import { Header } from './Header.js';
import { MainTabs } from './MainTabs.js';

/**
 * The shell: header; the connection sidebar (profiles, the form, the session buttons); the main area (session bar,
 * result, tabs); the explanation panel on the right when shown. `data-app-state` tells tests when the bridge answered.
 */
export function App() {
  const appState = useAppStore((s) => s.ui.appState);
  const loadError = useAppStore((s) => s.ui.loadError);
  const bridgeLost = useAppStore((s) => s.ui.bridgeLost);
  const explainOpen = useAppStore((s) => s.ui.explainOpen);

  useEffect(() => {
    const stop = connectStoreToEvents(appStore, api);
    void appStore.getState().init();
    return stop;
  }, []);

  // The explanations drawer closes with Escape (unless something inside used the key: a menu, a search box).
  useEffect(() => {
    if (!explainOpen) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) appStore.getState().setExplainOpen(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [explainOpen]);

  return (
    <div className="app" data-app-state={appState}>
      <Header />

      {bridgeLost ? (
        <div className="banner error" role="alert">
          <strong>Disconnected</strong> {bridgeLost.message} Restart SMTP Lens and reload this page.
        </div>
      ) : null}

      {appState === 'loading' ? (
        <main className="app-main centered">
          <p role="status">Connecting to SMTP Lens…</p>
        </main>
      ) : appState === 'failed' ? (
        <main className="app-main centered">
          <div className="banner error" role="alert">
            <strong>SMTP Lens could not start</strong> {loadError?.message} <code>{loadError?.code}</code>
          </div>
        </main>
      ) : (
        <div className={explainOpen ? 'workspace with-explain' : 'workspace'}>
          <aside className="sidebar" aria-label="Connection settings">
            <ProfilesPanel />
            <ConnectionForm />
            <SessionActions />
          </aside>
          <main className="main-area" aria-label="Results">
            <SessionBar />
            <div className="result-area">
              <ResultBanner />
            </div>
            <MainTabs />
          </main>
          {explainOpen ? (
            <aside id="explain-column" className="explain-column" aria-label="Explanations">
              <ExplainPanel />
            </aside>
          ) : null}
        </div>
      )}
    </div>
  );
}
