/**
 * The machine screen as one workspace that never scrolls the page (at 1280×800 and up): the stage
 * (frame grid, process view and its controls) with the explanation column beside it (the lesson's
 * narration, then what the current timeline step did and why), a tabbed dock under the stage and one
 * under the explanation, and the timeline strip along the bottom. Every area scrolls inside itself;
 * the splitters resize them. Where each view goes is the panel registry's (panels.ts) to say.
 * Below 1280 px wide the areas stack (styles.css) and the page scrolls instead.
 */
import { useEffect, type CSSProperties } from 'react';
import { useAppState, useController } from './context.ts';
import { Dock } from './Dock.tsx';
import { POPOUT_KEY, ownsKeys } from './keys.ts';
import { PANELS, activeIn, openPanel, panelById, panelsIn } from './panels.tsx';
import { PastBanner } from './PastBanner.tsx';
import { popOut, showWindow, usePopouts } from './popout/popout_windows.ts';
import { Splitter } from './Splitter.tsx';
import { TimelinePanel } from './TimelinePanel.tsx';

/** A stage view of the registry, if it docks on the stage (a view moved to a dock is not drawn twice). */
function onStage(id: string) {
  const p = panelById(id);
  return p?.dock === 'stage' ? p : undefined;
}

export function Workspace() {
  const controller = useController();
  const sizes = useAppState((s) => s.sizes);
  const past = useAppState((s) => s.timelinePos !== null);
  // The stage: the frame grid on the left, a process's pages with the process controls under them.
  const stage = {
    frames: onStage('frames'),
    process: onStage('process'),
    processes: onStage('processes'),
  };

  // The first sizes follow the window: the explanation gets more than half of its column, the lower
  // dock and the timeline a fifth of the height each (the splitters change them after).
  useEffect(() => {
    const h = window.innerHeight;
    controller.store.setState((s) => ({
      sizes: {
        ...s.sizes,
        explain: Math.round(Math.max(240, (h - 190) * 0.58)),
        bottom: Math.round(Math.max(150, h * 0.22)),
        timeline: Math.round(Math.max(130, h * 0.19)),
        side: Math.round(Math.max(380, window.innerWidth * 0.32)),
      },
    }));
  }, [controller]);

  // A panel's key opens its tab from anywhere but a text field or a focused grid.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey || ownsKeys(e)) return;
      if (e.key === POPOUT_KEY) {
        // The selected tab of the dock last used goes to its own window (in this key's user action:
        // a popup blocker allows it here and not later).
        const id = activeIn(controller.store.getState().docks, usePopouts.getState().lastDock);
        const panel = id ? panelById(id) : undefined;
        if (!panel) return;
        e.preventDefault();
        popOut(panel.id, panel.title);
        return;
      }
      const p = PANELS.find((q) => q.key === e.key);
      if (!p) return;
      e.preventDefault();
      openPanel(controller, p.id);
      // A panel in its own window: its key raises that window.
      if (p.id in usePopouts.getState().out) showWindow(p.id);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [controller]);

  const style = {
    '--side-w': `${sizes.side}px`,
    '--bottom-h': `${sizes.bottom}px`,
    '--explain-h': `${sizes.explain}px`,
    '--timeline-h': `${sizes.timeline}px`,
  } as CSSProperties;

  return (
    <main className={`workspace${past ? ' past' : ''}`} style={style} id="main" tabIndex={-1}>
      <div className="ws-main">
        <div className="ws-left">
          <section className="stage" aria-label="Stage: page frames and processes" id="stage">
            <PastBanner />
            <div className="stage-grids">
              {stage.frames && <stage.frames.component />}
              <div className="stage-process">
                {stage.process && <stage.process.component />}
                {stage.processes && (
                  <div className="stage-controls">
                    <stage.processes.component />
                  </div>
                )}
              </div>
            </div>
          </section>
          <Splitter
            which="bottom"
            orientation="horizontal"
            label="Resize the lower dock"
            min={36}
            max={700}
            invert
          />
          <Dock dock="bottom" label="Machine views" />
        </div>
        <Splitter
          which="side"
          orientation="vertical"
          label="Resize the explanation column"
          min={300}
          max={900}
          invert
        />
        <div className="ws-right">
          <section className="explain-column" aria-label="Explanation" id="explanation">
            {panelsIn('explain').map((p) => (
              // Each part scrolls on its own when the column is short: focusable, so the keyboard
              // can scroll it too (axe scrollable-region-focusable).
              <div
                className={`explain-part explain-${p.id}`}
                key={p.id}
                tabIndex={0}
                role="group"
                aria-label={`${p.title} (scrolls)`}
              >
                <p.component />
              </div>
            ))}
          </section>
          <Splitter
            which="explain"
            orientation="horizontal"
            label="Resize the explanation"
            min={120}
            max={900}
          />
          <Dock dock="side" label="Inspect" />
        </div>
      </div>
      <Splitter
        which="timeline"
        orientation="horizontal"
        label="Resize the timeline"
        min={90}
        max={500}
        invert
      />
      <div className="ws-timeline" id="timeline">
        <TimelinePanel />
      </div>
    </main>
  );
}
