/** Kept for the shell's existing import: the capability table grew into the CapabilityPanel. */
export { CapabilityPanel as CapabilityTable, CapabilityPanel, CapabilityView } from './CapabilityPanel.js';
