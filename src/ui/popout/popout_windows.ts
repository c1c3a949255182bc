/**
 * Dock panels popped out into their own browser windows. A small hand-written hook rather than a
 * library (react-new-window and friends): what is needed is ~100 lines — open an about:blank window
 * in the click's user activation, copy the app's stylesheets into it, give React a container to
 * portal into, and notice when the window closes — and a dependency would bring its own lifecycle
 * (it opens the window in an effect, after the click, where popup blockers refuse it).
 *
 * The panel stays part of the app's React tree (Dock.tsx renders it with createPortal into the
 * window's container), so it keeps the same controller and store and updates live. Nothing is
 * persisted: a reload closes every popped-out window (pagehide) and every panel is back in its dock.
 */
import { create } from 'zustand';
import { forwardKeys } from '../keys.ts';
import type { DockId } from '../panels.tsx';

interface PopoutState {
  /** panel id → the container inside its window that the panel is portalled into */
  out: Record<string, HTMLElement>;
  /** the dock whose tab was chosen last (the pop-out key acts on its selected tab) */
  lastDock: DockId;
  /** why the last pop-out failed (a popup blocker), for the dock to say */
  refused: string | null;
}

export const usePopouts = create<PopoutState>(() => ({ out: {}, lastDock: 'bottom', refused: null }));

/** The open windows, by panel id (not in the store: a Window is not state to render from). */
const windows = new Map<string, { win: Window; poll: number }>();

/**
 * Open `id`'s window and move the panel there. Call it from the click or key handler itself
 * (popup blockers allow window.open only inside a user action). Returns false if the browser refused.
 */
export function popOut(id: string, title: string): boolean {
  const open = windows.get(id);
  if (open && !open.win.closed) {
    open.win.focus();
    return true;
  }
  const win = window.open('', `mmlab-panel-${id}`, 'popup,width=760,height=620');
  if (!win) {
    usePopouts.setState({
      refused: `The browser blocked the window for ${title}: allow pop-ups for this page.`,
    });
    return false;
  }
  const container = prepareDocument(win, title, id);
  // The page-wide keys work with focus in the window too (the handlers listen on the main document).
  forwardKeys(win.document);
  // `pagehide` fires when the learner closes the window; the poll catches a close that fires no event
  // (a window closed by the browser or by a test harness).
  const poll = window.setInterval(() => {
    if (win.closed) bringBack(id);
  }, 400);
  win.addEventListener('pagehide', () => bringBack(id));
  windows.set(id, { win, poll });
  usePopouts.setState((s) => ({ out: { ...s.out, [id]: container }, refused: null }));
  return true;
}

/** Put `id` back in its dock and close its window if it is still open. */
export function bringBack(id: string): void {
  const open = windows.get(id);
  if (open) {
    windows.delete(id);
    window.clearInterval(open.poll);
    if (!open.win.closed) open.win.close();
  }
  if (!(id in usePopouts.getState().out)) return;
  usePopouts.setState((s) => {
    const out = { ...s.out };
    delete out[id];
    return { out };
  });
}

/** Raise a popped-out panel's window. */
export function showWindow(id: string): void {
  windows.get(id)?.win.focus();
}

// A reload or a closed tab takes the popped-out windows with it: a panel is never left in a window
// the app no longer drives.
window.addEventListener('pagehide', () => {
  for (const id of [...windows.keys()]) bringBack(id);
});

/** Title, language, the app's stylesheets and a root element in the new window's document. */
function prepareDocument(win: Window, title: string, id: string): HTMLElement {
  const doc = win.document;
  doc.title = `${title} — MM Lab`;
  doc.documentElement.lang = document.documentElement.lang || 'en';
  doc.documentElement.className = document.documentElement.className;
  for (const node of document.head.querySelectorAll<HTMLElement>('link[rel="stylesheet"], style')) {
    const copy = node.cloneNode(true) as HTMLElement;
    // about:blank resolves relative URLs against its own address: make the stylesheet's absolute.
    if (copy instanceof HTMLLinkElement) copy.href = (node as HTMLLinkElement).href;
    doc.head.appendChild(copy);
  }
  doc.body.className = 'popout-window';
  doc.body.replaceChildren();
  const root = doc.createElement('main');
  root.className = 'popout-root dock';
  root.dataset.panel = id;
  root.setAttribute('aria-label', title);
  // The same wrapper as in a dock, so the dock's rules (.dock-body > .panel, .dock .inspector-body) apply.
  const body = doc.createElement('div');
  body.className = 'dock-body';
  root.appendChild(body);
  // A page's one level-one heading, for screen readers (the panel's own heading is an h2).
  const h1 = doc.createElement('h1');
  h1.className = 'sr-only';
  h1.textContent = `MM Lab: ${title}`;
  root.prepend(h1);
  doc.body.appendChild(root);
  return body;
}
