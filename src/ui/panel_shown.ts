/**
 * Whether the panel rendering here is on screen: a docked panel's tab is the selected one, or the
 * panel is popped out into its own window. Docks keep every panel mounted (a hidden tab keeps what
 * was typed), so a panel whose read is costly asks this before reading (ProcStatusPanel: smaps_rollup
 * walks every page table). Outside a dock (the stage, Compare, the embed) a panel is shown.
 *
 * A hidden tab also renders from a copy of the store that catches up with it in a later task
 * (`HeldStoreContext`, which `useAppState` honours; `useHeldStore` makes one per dock): a click
 * changes the store several times, and each change re-rendered every hidden panel that follows the
 * machine (and made those that read on `opVersion` read the worker again) while the learner waits
 * for the grids. Hidden, a panel now renders once per burst of changes, after it; shown again, it
 * renders from the live store at once. Event handlers and effects that read
 * `controller.store.getState()` always see the live state.
 */
import { createContext, useContext, useEffect, useState } from 'react';
import { nextTask } from '../render/raf_scheduler.ts';
import type { AppController } from './controller.ts';
import { createAppStore, type AppStore } from './store.ts';

export const PanelShownContext = createContext(true);

export function usePanelShown(): boolean {
  return useContext(PanelShownContext);
}

/** The store a hidden tab renders from (null: the live store). */
export const HeldStoreContext = createContext<AppStore | null>(null);

/**
 * A copy of the controller's store for the hidden tabs of one dock, brought up to date in a task of
 * its own after the live store changed (the changes of one task are one catch-up; a click's land
 * after the frame that paints the grids, so that frame never waits for them; the app's idle()
 * waits for it, so tests see caught-up tabs).
 */
export function useHeldStore(controller: AppController): AppStore {
  const [held] = useState(() => {
    const s = createAppStore();
    s.setState(controller.store.getState(), true);
    return s;
  });
  useEffect(() => {
    let pending: (() => void) | null = null;
    let live = true;
    const catchUp = () => {
      if (live) held.setState(controller.store.getState(), true);
      const done = pending;
      pending = null;
      done?.();
    };
    const off = controller.store.subscribe(() => {
      if (pending) return;
      pending = controller.beginWork();
      void nextTask().then(catchUp);
    });
    catchUp();
    return () => {
      live = false;
      off();
      pending?.();
    };
  }, [controller, held]);
  return held;
}
