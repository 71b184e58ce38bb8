import type { SliceCreator } from './types.js';

/**
 * Which code the explanation side panel shows. Any feature opens it for a code with `openExplain` (the transcript
 * on a reply line, the compose grid on a recipient's reply, the result banner on the failing reply). Whether the
 * panel is visible is the shell's `ui.explainOpen`; opening a code also makes it visible.
 */

export interface ExplainSelection {
  /** SMTP reply code, e.g. 550. */
  code?: number;
  /** RFC 3463 enhanced status code, e.g. "5.7.1". */
  enhancedCode?: string;
  /** The reply text the server sent with it (lines joined with "\n"), shown as "The server said". */
  text?: string;
  /** Where it came from, in a few words: "RCPT TO:<bob@example.org>", "greeting". */
  context?: string;
}

export interface ExplainView {
  selection?: ExplainSelection;
  /** Bumped by every `openExplain`. */
  request: number;
  /** Set by `openExplain`: the panel takes the focus (once it is shown) and clears it with `explainFocusTaken`. */
  focusPending: boolean;
}

export interface ExplainSlice {
  explain: ExplainView;
  /** Show this code in the side panel (and show the panel). */
  openExplain(selection: ExplainSelection): void;
  /** Hide the side panel; the selection is kept for when it is shown again. */
  closeExplain(): void;
  /** Forget the selection (the panel then offers the current result's reply, if any). */
  clearExplain(): void;
  /** The panel moved the focus to itself after `openExplain`. */
  explainFocusTaken(): void;
}

export const createExplainSlice: SliceCreator<ExplainSlice> = (set, get) => ({
  explain: { request: 0, focusPending: false },

  openExplain(selection) {
    set((state) => ({ explain: { selection, request: state.explain.request + 1, focusPending: true } }));
    get().setExplainOpen(true);
  },

  closeExplain() {
    get().setExplainOpen(false);
  },

  clearExplain() {
    set((state) => ({ explain: { request: state.explain.request, focusPending: false } }));
  },

  explainFocusTaken() {
    if (get().explain.focusPending) set((state) => ({ explain: { ...state.explain, focusPending: false } }));
  },
});
