/**
 * Which key presses the page-wide keys (the timeline's arrows, boot's n/b, panel keys, ?) must leave
 * alone: typing in a field, a focused grid or map (they pan, zoom and move with the same keys), a
 * tab list (arrows move between tabs), a scrolled box that has focus (arrows scroll it), a slider,
 * an open dialog, or a press some handler already took.
 */
export function ownsKeys(e: KeyboardEvent): boolean {
  if (e.defaultPrevented) return true;
  const t = e.target instanceof HTMLElement ? e.target : null;
  if (!t || t === document.body) return false;
  if (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName)) return true;
  if (t.closest('[role=application], [role=tablist], [role=slider], [role=separator], dialog[open]'))
    return true;
  // A focusable box that is not a control (a hexdump, a log, a map) scrolls or moves with the keys.
  return t.tabIndex >= 0 && !['BUTTON', 'A', 'SUMMARY'].includes(t.tagName);
}

/**
 * Pops the selected tab of the dock last used (focused or clicked) out into its own window, or
 * raises that window (Dock.tsx, popout/popout_windows.ts). Shift+o: `o` opens the Boot tab.
 */
export const POPOUT_KEY = 'O';
