/**
 * A tabbed dock: the panels the registry (panels.ts) puts in it, one tab each. Every panel stays
 * mounted (a hidden tab keeps what was typed and its keys); only the chosen one is shown, and it
 * scrolls inside the dock, never the page. Tabs follow the ARIA tabs pattern: ←/→, Home/End move
 * between them.
 *
 * A panel can be popped out into its own window (popout/popout_windows.ts): the "Pop out" button
 * beside the tabs (not inside a tab: a button in a role=tab is nested-interactive for screen readers)
 * or the pop-out key acts on the selected tab. The panel is then portalled into that window — still
 * this React tree, so the same controller and store keep it live — and its tab here says so, with
 * "Bring back". Closing the window brings it back.
 */
import { useRef, type KeyboardEvent } from 'react';
import { createPortal } from 'react-dom';
import { useAppState, useController } from './context.ts';
import { POPOUT_KEY } from './keys.ts';
import { HeldStoreContext, PanelShownContext, useHeldStore } from './panel_shown.ts';
import { activeIn, openPanel, panelsIn, type DockId } from './panels.tsx';
import { bringBack, popOut, showWindow, usePopouts } from './popout/popout_windows.ts';

export function Dock({ dock, label }: { dock: 'side' | 'bottom'; label: string }) {
  const controller = useController();
  const panels = panelsIn(dock);
  const active = useAppState((s) => activeIn(s.docks, dock));
  const tabs = useRef<HTMLDivElement>(null);
  const out = usePopouts((s) => s.out);
  const refused = usePopouts((s) => (s.lastDock === dock ? s.refused : null));
  const activePanel = panels.find((p) => p.id === active);
  // The hidden tabs render from a copy of the store that catches up in a later task.
  const held = useHeldStore(controller);

  const choose = (id: string, focus: boolean) => {
    openPanel(controller, id);
    usePopouts.setState({ lastDock: dock });
    if (focus) tabs.current?.querySelector<HTMLElement>(`#${tabId(dock, id)}`)?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = panels.findIndex((p) => p.id === active);
    let j: number | null = null;
    if (e.key === 'ArrowRight') j = (i + 1) % panels.length;
    else if (e.key === 'ArrowLeft') j = (i - 1 + panels.length) % panels.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = panels.length - 1;
    if (j === null) return;
    e.preventDefault();
    choose(panels[j]!.id, true);
  };

  return (
    <section
      className={`dock dock-${dock}`}
      aria-label={label}
      data-testid={`dock-${dock}`}
      onFocus={() => usePopouts.setState({ lastDock: dock })}
    >
      <div className="dock-head">
        <div className="dock-tabs" role="tablist" aria-label={label} ref={tabs} onKeyDown={onKeyDown}>
          {panels.map((p) => (
            <button
              key={p.id}
              type="button"
              role="tab"
              id={tabId(dock, p.id)}
              aria-selected={p.id === active}
              aria-controls={panelId(dock, p.id)}
              tabIndex={p.id === active ? 0 : -1}
              aria-keyshortcuts={p.key}
              data-panel={p.id}
              onClick={() => choose(p.id, false)}
            >
              {p.title}
              {out[p.id] && (
                <span className="tab-out" title="in its own window">
                  <span aria-hidden="true"> ↗</span>
                  <span className="sr-only"> (in its own window)</span>
                </span>
              )}
              {p.key && (
                <kbd className="tab-key" aria-hidden="true">
                  {p.key}
                </kbd>
              )}
            </button>
          ))}
        </div>
        {activePanel &&
          (out[activePanel.id] ? (
            <button
              type="button"
              className="dock-popout"
              data-testid={`bring-back-${dock}`}
              onClick={() => bringBack(activePanel.id)}
            >
              Bring back {activePanel.title}
            </button>
          ) : (
            <button
              type="button"
              className="dock-popout"
              data-testid={`pop-out-${dock}`}
              aria-label={`Pop out ${activePanel.title} into its own window`}
              aria-keyshortcuts={POPOUT_KEY}
              title={`Pop out ${activePanel.title} into its own window (${POPOUT_KEY})`}
              onClick={() => popOut(activePanel.id, activePanel.title)}
            >
              Pop out ↗
            </button>
          ))}
      </div>
      {refused && (
        <p className="dock-refused" role="alert">
          {refused}
        </p>
      )}
      {panels.map((p) => (
        <div
          key={p.id}
          role="tabpanel"
          id={panelId(dock, p.id)}
          aria-labelledby={tabId(dock, p.id)}
          className="dock-body"
          hidden={p.id !== active}
          data-panel={p.id}
        >
          <PanelShownContext value={p.id === active || Boolean(out[p.id])}>
            <HeldStoreContext value={p.id === active || out[p.id] ? null : held}>
              {out[p.id] ? (
                <>
                  {/* The placeholder carries the panel's heading id (the panel itself is in the other
                  window's document), so a lesson pointing at the panel outlines this instead. */}
                  <section className="popped-out" data-testid={`popped-out-${p.id}`}>
                    <p id={p.heading}>
                      <strong>{p.title}</strong> is in its own window.{' '}
                      <button type="button" onClick={() => showWindow(p.id)}>
                        Show its window
                      </button>{' '}
                      <button type="button" onClick={() => bringBack(p.id)}>
                        Bring back
                      </button>
                    </p>
                  </section>
                  {createPortal(<p.component />, out[p.id]!)}
                </>
              ) : (
                <p.component />
              )}
            </HeldStoreContext>
          </PanelShownContext>
        </div>
      ))}
    </section>
  );
}

function tabId(dock: DockId, id: string): string {
  return `tab-${dock}-${id}`;
}

function panelId(dock: DockId, id: string): string {
  return `tabpanel-${dock}-${id}`;
}
