/** The controller, handed to React views through context (one per app). */
import { createContext, useContext } from 'react';
import type { AppController } from './controller.ts';
import { HeldStoreContext } from './panel_shown.ts';
import { useApp, type AppState } from './store.ts';

export const ControllerContext = createContext<AppController | null>(null);

export function useController(): AppController {
  const c = useContext(ControllerContext);
  if (!c) throw new Error('useController() outside <ControllerContext.Provider>');
  return c;
}

/**
 * Read a slice of the app store. Inside a hidden dock tab the slice is read from the dock's held copy
 * of the store (panel_shown.ts), which catches up in a later task.
 */
export function useAppState<T>(selector: (s: AppState) => T): T {
  const live = useController().store;
  const held = useContext(HeldStoreContext);
  return useApp(held ?? live, selector);
}
