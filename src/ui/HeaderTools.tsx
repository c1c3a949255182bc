/**
 * The header's tools: the colour-blind-safe pattern switch (remembered in localStorage) and the
 * "Keyboard shortcuts" dialog, which ? opens from anywhere but a text field. The dialog is a native
 * <dialog> opened with showModal(): it traps focus, Escape closes it and focus returns to the opener.
 */
import { useEffect, useRef } from 'react';
import { useAppState, useController } from './context.ts';
import { SHORTCUTS, keyLabel } from './shortcuts.ts';
import './inspector.css';

export function HeaderTools() {
  const controller = useController();
  const patterns = useAppState((s) => s.patterns);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '?' || e.altKey || e.ctrlKey || e.metaKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
      const d = dialog.current;
      if (!d || d.open) return;
      e.preventDefault();
      d.showModal();
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
      <button
        type="button"
        aria-haspopup="dialog"
        aria-keyshortcuts="?"
        onClick={() => dialog.current?.showModal()}
      >
        Keys <kbd>?</kbd>
      </button>
      <dialog
        ref={dialog}
        className="shortcuts-dialog"
        aria-labelledby="shortcuts-title"
        data-testid="shortcuts"
      >
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        {SHORTCUTS.map((g) => (
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
