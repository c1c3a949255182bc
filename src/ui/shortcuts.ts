/**
 * Every key the page answers to, for the "Keyboard shortcuts" dialog (? opens it). The lists mirror
 * the handlers: grid_keys.ts (pan and zoom, shared by every grid), GridView (Escape), ProcessGridView
 * (r, w from anywhere; arrows, Enter, Space, PageUp/Down, Escape on the grid), BootPanel (n N g b from
 * anywhere), TimelinePanel (arrows, Home, End from anywhere: keys.ts ownsKeys says where not),
 * Dock (arrows between tabs), Splitter (arrows), ScenarioPanel (Ctrl+Enter) and HeaderTools (?). The
 * panel keys are the registry's (panels.ts): the dialog adds them. tests/shortcuts.test.ts checks that
 * every key grid_keys.ts binds is listed here.
 */

interface Shortcut {
  /** the keys, as the learner presses them */
  keys: string[];
  what: string;
}

export interface ShortcutGroup {
  /** where the keys work */
  where: string;
  keys: Shortcut[];
}

export const SHORTCUTS: readonly ShortcutGroup[] = [
  {
    where: 'Anywhere (not while typing in a field)',
    keys: [
      { keys: ['?'], what: 'this list of keys' },
      {
        keys: ['b'],
        what: 'boot: one step back (on a booted machine: step back into boot, through the timeline)',
      },
      { keys: ['n'], what: 'boot: the next step (in the timeline: the next boot function)' },
      { keys: ['N'], what: 'boot: step over the phase (Shift+n)' },
      { keys: ['g'], what: 'boot: run to the end' },
      { keys: ['r'], what: 'process grid: clicks read pages' },
      { keys: ['w'], what: 'process grid: clicks write pages' },
      {
        keys: ['O'],
        what: 'pop the selected tab of the dock last used out into its own window (Shift+o; closing the window brings it back)',
      },
    ],
  },
  {
    where: 'Any grid (frame grid, process grid, Compare), once focused',
    keys: [
      { keys: ['+', '='], what: 'zoom in' },
      { keys: ['-', '_'], what: 'zoom out' },
      { keys: ['0'], what: 'show everything' },
    ],
  },
  {
    where: 'Frame grid and Compare grids',
    keys: [
      { keys: ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'], what: 'pan (Shift: four times as far)' },
      { keys: ['Escape'], what: 'frame grid: clear the selected frame' },
    ],
  },
  {
    where: 'Process grid',
    keys: [
      { keys: ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'], what: 'move the selected page' },
      {
        keys: ['Shift+←', 'Shift+→', 'Shift+↑', 'Shift+↓'],
        what: 'select a run of pages (for madvise, mprotect, munmap; also shift-click, shift-drag)',
      },
      { keys: ['PageUp', 'PageDown'], what: 'pan up or down' },
      { keys: ['Enter', 'Space'], what: 'read or write the selected page (the mode)' },
      { keys: ['Escape'], what: 'clear the selected page and run of pages' },
    ],
  },
  {
    where: 'Dock tabs and splitters, once focused',
    keys: [
      { keys: ['ArrowLeft', 'ArrowRight', 'Home', 'End'], what: 'tabs: the previous, next, first, last tab' },
      { keys: ['ArrowUp', 'ArrowDown'], what: 'splitter: resize (Shift: four times as far)' },
    ],
  },
  {
    where: 'Scenario box',
    keys: [{ keys: ['Ctrl+Enter'], what: 'run the lines typed' }],
  },
  {
    where: 'Timeline (anywhere but a text field, a focused grid, a tab list or a scrolled box)',
    keys: [
      { keys: ['ArrowLeft', 'ArrowRight'], what: 'one kernel step back or forward' },
      { keys: ['Shift+→'], what: 'step over the call' },
      { keys: ['ArrowDown', 'ArrowUp'], what: 'step into the call, out to the caller' },
      { keys: ['Home'], what: 'the start of the operation' },
      { keys: ['End'], what: 'back to live' },
    ],
  },
  {
    where: 'Lessons',
    keys: [
      {
        keys: ['Alt+PageDown', 'Alt+PageUp'],
        what: 'next or previous step (plain PageDown/PageUp inside the panel)',
      },
      { keys: ['t'], what: 'presenter mode on or off (large type, high contrast)' },
      {
        keys: ['PageDown', 'PageUp'],
        what: 'presenter mode: next or previous step from anywhere but a text field (clicker remotes)',
      },
    ],
  },
  {
    where: 'Long work (a run or boot with the progress bar)',
    keys: [{ keys: ['Escape'], what: 'cancel it' }],
  },
  {
    where: 'Pageblock map (unmapped pages), once focused',
    keys: [
      { keys: ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End'], what: 'move the cursor' },
      { keys: ['u', 'U'], what: 'next or previous UNMAPPED pageblock' },
    ],
  },
  {
    where: 'Hexdump of the selected frame, once focused',
    keys: [{ keys: ['ArrowUp', 'ArrowDown', 'PageUp', 'PageDown', 'Home', 'End'], what: 'scroll the bytes' }],
  },
];

/** How a key is written in the dialog. */
export function keyLabel(k: string): string {
  const names: Record<string, string> = {
    ArrowLeft: '←',
    ArrowRight: '→',
    ArrowUp: '↑',
    ArrowDown: '↓',
    Escape: 'Esc',
  };
  return names[k] ?? k;
}

/** Every key named in SHORTCUTS (Space as ' ', as KeyboardEvent.key says it). */
export function listedKeys(): Set<string> {
  const out = new Set<string>();
  for (const g of SHORTCUTS) for (const s of g.keys) for (const k of s.keys) out.add(k === 'Space' ? ' ' : k);
  return out;
}
