/**
 * A tabbed dock: the panels the registry (panels.ts) puts in it, one tab each. Every panel stays
 * mounted (a hidden tab keeps what was typed and its keys); only the chosen one is shown, and it
 * scrolls inside the dock, never the page. Tabs follow the ARIA tabs pattern: ←/→, Home/End move
 * between them.
 */
import { useRef, type KeyboardEvent } from 'react';
import { useAppState, useController } from './context.ts';
import { activeIn, openPanel, panelsIn, type DockId } from './panels.tsx';

export function Dock({ dock, label }: { dock: 'side' | 'bottom'; label: string }) {
  const controller = useController();
  const panels = panelsIn(dock);
  const active = useAppState((s) => activeIn(s.docks, dock));
  const tabs = useRef<HTMLDivElement>(null);

  const choose = (id: string, focus: boolean) => {
    openPanel(controller, id);
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
    <section className={`dock dock-${dock}`} aria-label={label} data-testid={`dock-${dock}`}>
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
            {p.key && (
              <kbd className="tab-key" aria-hidden="true">
                {p.key}
              </kbd>
            )}
          </button>
        ))}
      </div>
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
          <p.component />
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
