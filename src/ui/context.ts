/** The controller, handed to React views through context (one per app). */
import { createContext, useContext } from 'react';
import type { AppController } from './controller.ts';
import { useApp, type AppState } from './store.ts';

export const ControllerContext = createContext<AppController | null>(null);

export function useController(): AppController {
  const c = useContext(ControllerContext);
  if (!c) throw new Error('useController() outside <ControllerContext.Provider>');
  return c;
}

/** Read a slice of the app store. */
export function useAppState<T>(selector: (s: AppState) => T): T {
  return useApp(useController().store, selector);
}
