import { useAppStore } from '../../store/index.js';
import type { ExplainSelection } from '../../store/explain-slice.js';

/** The function that opens the explanation side panel for a code: `const explain = useExplain(); explain({ code: 550 })`. */
export function useExplain(): (selection: ExplainSelection) => void {
  return useAppStore((s) => s.openExplain);
}
