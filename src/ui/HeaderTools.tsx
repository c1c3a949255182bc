/**
 * The header's tools: the colour-blind-safe pattern switch (remembered in localStorage) and the
 * "Keyboard shortcuts" dialog, which ? opens from anywhere but a text field. The dialog is a native
 * <dialog> opened with showModal(): it traps focus, Escape closes it and focus returns to the opener.
 */
import { useEffect, useRef } from 'react';
import { useAppState, useController } from './context.ts';
import { PANELS } from './panels.tsx';
import { SHORTCUTS, keyLabel, type ShortcutGroup } from './shortcuts.ts';

/** The registry's panel keys, as one more group of the dialog (panels.ts declares them). */
const PANEL_KEYS: ShortcutGroup = {
  where: 'Open a panel (anywhere but a text field or a focused grid)',
  keys: PANELS.filter((p) => p.key).map((p) => ({ keys: [p.key!], what: `${p.title} tab` })),
};
import './inspector.css';

export function HeaderTools() {
  const controller = useController();
  const patterns = useAppState((s) => s.patterns);
  const dialog = useRef<HTMLDialogElement>(null);
  /** Open the dialog scrolled to its top, focus on its title (not on Close at the bottom). */
  const open = () => {
    const d = dialog.current;
    if (!d) return;
    d.showModal();
    d.scrollTop = 0;
    d.querySelector<HTMLElement>('h2')?.focus();
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '?' || e.altKey || e.ctrlKey || e.metaKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
      if (!dialog.current || dialog.current.open) return;
      e.preventDefault();
      open();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="header-tools">
      <label className="pattern-toggle">
        <input
          type="checkbox"
          checked={patterns}
          onChange={(e) => controller.setPatterns(e.target.checked)}
        />{' '}
        patterns
      </label>
      <button type="button" aria-haspopup="dialog" aria-keyshortcuts="?" onClick={open}>
        Keys <kbd>?</kbd>
      </button>
      <dialog
        ref={dialog}
        className="shortcuts-dialog"
        aria-labelledby="shortcuts-title"
        data-testid="shortcuts"
      >
        <h2 id="shortcuts-title" tabIndex={-1}>
          Keyboard shortcuts
        </h2>
        {[...SHORTCUTS, PANEL_KEYS].map((g) => (
          <section key={g.where}>
            <h3 className="sub-title">{g.where}</h3>
            <table className="shortcuts-table">
              <tbody>
                {g.keys.map((s) => (
                  <tr key={s.what}>
                    <th scope="row">
                      {s.keys.map((k) => (
                        <kbd key={k}>{keyLabel(k)}</kbd>
                      ))}
                    </th>
                    <td>{s.what}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))}
        <form method="dialog">
          <button type="submit" className="primary">
            Close
          </button>
        </form>
      </dialog>
    </div>
  );
}
