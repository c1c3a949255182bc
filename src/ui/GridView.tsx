/**
 * The frame grid's React shell. The canvases are created once by FrameGrid (src/render) and live
 * outside React's re-render path; this component only mounts them, maps keys to view moves and hosts
 * the toolbar and the tooltip.
 */
import { memo, useEffect, useRef, type KeyboardEvent } from 'react';
import { FrameGrid } from '../render/frame_grid.ts';
import { gridLayout } from '../render/layout.ts';
import { useAppState, useController } from './context.ts';
import { size } from './format.ts';
import { Tooltip } from './Tooltip.tsx';
import { panZoomKeys, runKey } from './grid_keys.ts';

export const GridView = memo(function GridView() {
  const controller = useController();
  const hostRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const grid = new FrameGrid(hostRef.current!, {
      onHover: (h) => controller.setHover(h && { pfn: h.pfn, clientX: h.clientX, clientY: h.clientY }),
      onSelect: (pfn) => controller.select(pfn),
      onStatesChanged: () => controller.updateCounts(),
      onViewChanged: (v) => controller.setView(v),
    });
    const detach = controller.attachGrid(grid);
    return () => {
      detach();
      grid.destroy();
    };
  }, [controller]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const grid = controller.frameGrid;
    if (!grid) return;
    runKey(e, { ...panZoomKeys(grid, e.shiftKey), Escape: () => controller.select(null) });
  };

  return (
    <section className="grid-panel" aria-labelledby="grid-title">
      <GridToolbar />
      <div className="grid-stage">
        <div
          ref={hostRef}
          className="grid-host"
          tabIndex={0}
          role="application"
          aria-roledescription="page frame grid"
          aria-label="Page frame grid: one cell per physical page frame, coloured by state. Arrow keys pan, plus and minus zoom, 0 shows everything. Point at a cell for its struct page; click to select it."
          aria-describedby="grid-caption"
          data-testid="frame-grid"
          onKeyDown={onKeyDown}
        />
        <Tooltip />
      </div>
    </section>
  );
});

function GridToolbar() {
  const controller = useController();
  const machine = useAppState((s) => s.machine);
  const layout = gridLayout(machine?.nrPages ?? 0);
  const rowBytes = machine ? layout.cols * 2 ** machine.pageShift : 0;
  const zero = machine?.zeroPagePfn ?? null;
  const view = useAppState((s) => s.view);
  const zoom =
    view.framesPerTexel > 1
      ? `overview: 1 dot = the most notable of ${view.framesPerTexel}×${view.framesPerTexel} frames`
      : `${view.cellPx >= 10 ? Math.round(view.cellPx) : view.cellPx.toFixed(1)} px per frame`;

  return (
    <div className="grid-toolbar">
      <div className="grid-toolbar-row">
        <h2 id="grid-title">Page frames</h2>
        <div className="toolbar-buttons" role="group" aria-label="Grid view">
          <button type="button" onClick={() => controller.frameGrid?.zoomBy(1.5)} aria-label="Zoom in">
            +
          </button>
          <button type="button" onClick={() => controller.frameGrid?.zoomBy(1 / 1.5)} aria-label="Zoom out">
            −
          </button>
          <button type="button" onClick={() => controller.frameGrid?.resetView()}>
            Fit
          </button>
          <button
            type="button"
            disabled={zero === null}
            onClick={() => {
              if (zero === null) return;
              controller.frameGrid?.focusPfn(zero, 24);
              controller.select(zero);
            }}
          >
            Find the zero page
          </button>
        </div>
      </div>
      <p
        id="grid-caption"
        className="muted"
        data-testid="frame-grid-caption"
        title={
          machine
            ? `frames: ${machine.nrPages} · pfn 0 at top left, ${layout.cols} per row (${size(rowBytes)}) · ${zoom}`
            : undefined
        }
      >
        {machine ? (
          <>
            <span data-testid="frame-count">frames: {machine.nrPages}</span> · pfn 0 at top left,{' '}
            {layout.cols} per row ({size(rowBytes)}) · {zoom}
          </>
        ) : (
          'waiting for the machine…'
        )}
      </p>
    </div>
  );
}
