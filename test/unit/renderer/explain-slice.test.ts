import { describe, expect, it } from 'vitest';
import { createStore, type StateCreator } from 'zustand/vanilla';
import { createExplainSlice, type ExplainSlice } from '../../../renderer/src/store/explain-slice.js';

/** The explanation side panel's slice, in a store with just the piece of the ui slice it drives. */

interface Mini extends ExplainSlice {
  ui: { explainOpen: boolean };
  setExplainOpen(open: boolean): void;
}

function miniStore() {
  return createStore<Mini>()((set, get, api) => ({
    ui: { explainOpen: false },
    setExplainOpen: (open) => set((s) => ({ ui: { ...s.ui, explainOpen: open } })),
    ...(createExplainSlice as unknown as StateCreator<Mini, [], [], ExplainSlice>)(set, get, api),
  }));
}

describe('explain slice', () => {
  it('opening a code selects it, shows the panel and bumps the request', () => {
    const store = miniStore();
    expect(store.getState().explain).toEqual({ request: 0, focusPending: false });
    store.getState().openExplain({ code: 550, enhancedCode: '5.7.1', text: 'Relaying denied', context: 'RCPT TO:<a@b>' });
    expect(store.getState().explain).toEqual({
      selection: { code: 550, enhancedCode: '5.7.1', text: 'Relaying denied', context: 'RCPT TO:<a@b>' },
      request: 1,
      focusPending: true,
    });
    expect(store.getState().ui.explainOpen).toBe(true);
    store.getState().explainFocusTaken();
    expect(store.getState().explain.focusPending).toBe(false);
    store.getState().openExplain({ code: 550 });
    expect(store.getState().explain.request).toBe(2);
  });

  it('closing hides the panel and keeps the selection; clearing forgets it', () => {
    const store = miniStore();
    store.getState().openExplain({ code: 421 });
    store.getState().closeExplain();
    expect(store.getState().ui.explainOpen).toBe(false);
    expect(store.getState().explain.selection).toEqual({ code: 421 });
    store.getState().clearExplain();
    expect(store.getState().explain.selection).toBeUndefined();
    expect(store.getState().explain.request).toBe(1);
  });
});
