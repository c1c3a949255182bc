/**
 * The notes window's entry (`?notes=1`): render NotesWindow in place of the app. main.tsx awaits
 * `mountNotesWindow()` before it creates the machine's worker; the promise never settles, so the rest of
 * main.tsx never runs in this window: the notes window runs no machine of its own.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { NotesWindow } from './NotesWindow.tsx';

export function mountNotesWindow(): Promise<never> {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <NotesWindow />
    </StrictMode>,
  );
  return new Promise<never>(() => {});
}
