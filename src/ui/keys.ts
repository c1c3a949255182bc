/**
 * Which key presses the page-wide keys (the timeline's arrows, boot's n/b, panel keys, ?) must leave
 * alone: typing in a field, a focused grid or map (they pan, zoom and move with the same keys), a
 * tab list (arrows move between tabs), a scrolled box that has focus (arrows scroll it), a slider,
 * an open dialog, or a press some handler already took.
 */
export function ownsKeys(e: KeyboardEvent): boolean {
  if (e.defaultPrevented) return true;
  // An element of a popped-out window is another realm's HTMLElement (instanceof would say no).
  const t = isElement(e.target) ? e.target : null;
  if (!t || t === t.ownerDocument.body) return false;
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

function isElement(x: EventTarget | null): x is HTMLElement {
  return x !== null && (x as Node).nodeType === Node.ELEMENT_NODE;
}

/**
 * Keys pressed in a popped-out window (popout/popout_windows.ts) reach the main window's page-wide
 * handlers (timeline arrows, boot keys, panel keys, r/w, ?): a key the window's own focus does not
 * own (ownsKeys: a field, a grid, a tab list…) is dispatched again on the main document, and if a
 * handler took it, the original's default is prevented too. Returns the function that stops it.
 */
export function forwardKeys(from: Document): () => void {
  const onKey = (e: KeyboardEvent) => {
    if (ownsKeys(e)) return;
    const copy = new KeyboardEvent('keydown', {
      key: e.key,
      code: e.code,
      shiftKey: e.shiftKey,
      altKey: e.altKey,
      ctrlKey: e.ctrlKey,
      metaKey: e.metaKey,
      repeat: e.repeat,
      bubbles: true,
      cancelable: true,
    });
    document.dispatchEvent(copy);
    if (copy.defaultPrevented) e.preventDefault();
  };
  from.addEventListener('keydown', onKey);
  return () => from.removeEventListener('keydown', onKey);
}
