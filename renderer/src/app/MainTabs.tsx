import { Activity, useEffect, useRef, useState, type ReactNode } from 'react';
import { ComposePanel } from '../features/compose/ComposePanel.js';
import { ComparePanel } from '../features/reports/ComparePanel.js';
import { DomainPanel } from '../features/reports/DomainPanel.js';
import { MatrixPanel } from '../features/reports/MatrixPanel.js';
import { OverviewPanel } from '../features/overview/OverviewPanel.js';
import { SessionsPanel } from '../features/sessions/SessionsPanel.js';
import { TestServerPanel } from '../features/test-server/TestServerPanel.js';
import { TranscriptPanel } from '../features/transcript/TranscriptPanel.js';
import { useAppStore } from '../store/index.js';
import { TAB_LABELS, TABS, type TabId } from '../store/ui-slice.js';
import { shortcutTab, tabKeyTarget } from './tabs.js';

const PANELS: Record<TabId, () => ReactNode> = {
  overview: () => <OverviewPanel showResult={false} />,
  transcript: () => <TranscriptPanel />,
  compose: () => <ComposePanel />,
  sessions: () => <SessionsPanel />,
  'test-server': () => <TestServerPanel />,
  domain: () => <DomainPanel />,
  matrix: () => <MatrixPanel />,
  compare: () => <ComparePanel />,
};

const tabId = (t: TabId) => `tab-${t}`;
const panelId = (t: TabId) => `tabpanel-${t}`;

/**
 * The main area's tabs: a WAI-ARIA tab list with a roving tabindex (arrow keys, Home, End move and select) and
 * Ctrl+1..8 from anywhere. A panel is mounted when first shown and kept (hidden, as a React Activity) afterwards, so
 * it keeps its place.
 */
export function MainTabs() {
  const tab = useAppStore((s) => s.ui.tab);
  const setTab = useAppStore((s) => s.setTab);
  const sessionCount = useAppStore((s) => s.sessions.list.length);
  const testServerRunning = useAppStore((s) => s.testServer.status?.running === true);
  const [visited, setVisited] = useState<ReadonlySet<TabId>>(() => new Set([tab]));
  const tabRefs = useRef<Partial<Record<TabId, HTMLButtonElement | null>>>({});

  useEffect(() => {
    setVisited((v) => (v.has(tab) ? v : new Set([...v, tab])));
  }, [tab]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const index = shortcutTab(e, TABS.length);
      if (index === undefined) return;
      const next = TABS[index];
      if (!next) return;
      e.preventDefault();
      setTab(next);
      tabRefs.current[next]?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setTab]);

  const select = (next: TabId, focus: boolean) => {
    setTab(next);
    if (focus) tabRefs.current[next]?.focus();
  };

  return (
    <>
      <div className="tabbar">
        <div role="tablist" aria-label="Views">
          {TABS.map((t, i) => (
            <button
              key={t}
              ref={(el) => {
                tabRefs.current[t] = el;
              }}
              id={tabId(t)}
              type="button"
              role="tab"
              className="tab"
              aria-selected={tab === t}
              aria-controls={panelId(t)}
              tabIndex={tab === t ? 0 : -1}
              title={`${TAB_LABELS[t]} (Ctrl+${i + 1})`}
              onClick={() => select(t, false)}
              onKeyDown={(e) => {
                const target = tabKeyTarget(e.key, i, TABS.length);
                if (target === undefined) return;
                e.preventDefault();
                const next = TABS[target];
                if (next) select(next, true);
              }}
            >
              {TAB_LABELS[t]}
              {t === 'sessions' && sessionCount > 0 ? <span className="tab-count">{sessionCount}</span> : null}
              {t === 'test-server' && testServerRunning ? (
                <span className="tab-count" aria-label="(running)">
                  ●
                </span>
              ) : null}
            </button>
          ))}
        </div>
      </div>
      <div className="tab-panels">
        {TABS.map((t) =>
          visited.has(t) || t === tab ? (
            <div key={t} id={panelId(t)} role="tabpanel" aria-labelledby={tabId(t)} className="tab-panel" hidden={t !== tab} data-tab={t}>
              {/* A hidden panel keeps its state, and its updates wait for idle time: a session's progress or end
                  re-renders only what is shown at once, so the page never blocks on panels nobody sees. */}
              <Activity mode={t === tab ? 'visible' : 'hidden'}>{PANELS[t]()}</Activity>
            </div>
          ) : null,
        )}
      </div>
    </>
  );
}
