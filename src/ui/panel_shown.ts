/**
 * Whether the panel rendering here is on screen: a docked panel's tab is the selected one, or the
 * panel is popped out into its own window. Docks keep every panel mounted (a hidden tab keeps what
 * was typed), so a panel whose read is costly asks this before reading (ProcStatusPanel: smaps_rollup
 * walks every page table). Outside a dock (the stage, Compare, the embed) a panel is shown.
 */
import { createContext, useContext } from 'react';

export const PanelShownContext = createContext(true);

export function usePanelShown(): boolean {
  return useContext(PanelShownContext);
}
