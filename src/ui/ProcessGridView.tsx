/**
 * The process grid's React shell, beside the frame grid: which process and region, the Read/Write
 * mode (keys r and w), the canvas (src/render/process_grid.ts), its legend and the page under the
 * pointer with its page-table walk. A click on a page runs `A read r1 <off> 1 1` or
 * `A write r1 <off> 1 1 1` in the worker; both grids then show what the fault did.
 */
import { memo, useEffect, useId, useRef, type KeyboardEvent } from 'react';
import { VPageState } from '../core/shared/page_state.ts';
import { PAGE_STATE_NAMES, pageColor } from '../render/page_palette.ts';
import { VPAGE_HUGE_ZERO } from '../worker/protocol.ts';
import { ProcessGrid } from '../render/process_grid.ts';
import { useAppState, useController } from './context.ts';
import { count, hex, size } from './format.ts';
import { PageDetails, PageTooltip } from './PageDetails.tsx';
import { PAN_STEP, runKey, zoomKeys } from './grid_keys.ts';

export const ProcessGridView = memo(function ProcessGridView() {
  const controller = useController();
  const hostRef = useRef<HTMLDivElement>(null);
  const hasRegion = useAppState((s) => s.currentRegion !== null);

  useEffect(() => {
    const grid = new ProcessGrid(hostRef.current!, {
      onHover: (h) => controller.setPageHover(h && { page: h.page, clientX: h.clientX, clientY: h.clientY }),
      onActivate: (page) => void controller.touchPage(page),
    });
    const detach = controller.attachProcessGrid(grid);
    return () => {
      detach();
      grid.destroy();
    };
  }, [controller]);

  // r / w switch the mode from anywhere on the page, except while typing.
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
      if (e.key === 'r' || e.key === 'R') controller.setMode('read');
      else if (e.key === 'w' || e.key === 'W') controller.setMode('write');
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [controller]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const grid = controller.processGrid;
    const d = controller.regionPages;
    if (!grid || !d) return;
    const n = d.states.length;
    const cols = grid.layout.cols;
    const cur = controller.store.getState().pageSelection;
    const move = (delta: number) => {
      const next = Math.max(0, Math.min(n - 1, (cur ?? 0) + (cur === null ? 0 : delta)));
      controller.selectPage(next);
      grid.reveal(next);
    };
    const actions: Record<string, () => void> = {
      ArrowLeft: () => move(-1),
      ArrowRight: () => move(1),
      ArrowUp: () => move(-cols),
      ArrowDown: () => move(cols),
      PageUp: () => grid.panBy(0, PAN_STEP * 3),
      PageDown: () => grid.panBy(0, -PAN_STEP * 3),
      Enter: () => cur !== null && void controller.touchPage(cur),
      ' ': () => cur !== null && void controller.touchPage(cur),
      ...zoomKeys(grid),
      Escape: () => controller.selectPage(null),
    };
    runKey(e, actions);
  };

  return (
    <section className="grid-panel process-grid-panel" aria-labelledby="pgrid-title">
      <ProcessToolbar />
      <div className="grid-stage process-stage">
        <div
          ref={hostRef}
          className="grid-host"
          tabIndex={0}
          role="application"
          aria-roledescription="virtual page grid"
          aria-label="Virtual pages of the chosen region: one cell per page, coloured by state. Arrow keys move between pages, Enter reads or writes the page (as the mode says), plus and minus zoom, 0 shows everything."
          aria-describedby="pgrid-caption"
          data-testid="process-grid"
          onKeyDown={onKeyDown}
        />
        {!hasRegion && <EmptyHint />}
        <PageTooltip />
      </div>
      <PageLegend />
      <PageDetails />
    </section>
  );
});

function EmptyHint() {
  const hasProc = useAppState((s) => s.currentProc !== null);
  const booted = useAppState((s) => s.machine?.booted ?? false);
  return (
    <div className="grid-empty">
      <p>
        {!booted
          ? 'Processes can run once boot has finished.'
          : hasProc
            ? 'Map a region (Processes panel: mmap) to see its virtual pages here.'
            : 'Spawn a process and map a region (Processes panel) to see its virtual pages here.'}
      </p>
    </div>
  );
}

function ProcessToolbar() {
  const controller = useController();
  const processes = useAppState((s) => s.processes);
  const currentProc = useAppState((s) => s.currentProc);
  const currentRegion = useAppState((s) => s.currentRegion);
  const mode = useAppState((s) => s.mode);
  const busy = useAppState((s) => s.status !== 'ready');
  useAppState((s) => s.pagesVersion); // the grid's layout changes with the data
  const ids = { proc: useId(), region: useId(), mode: useId() };
  const proc = processes.find((p) => p.name === currentProc) ?? null;
  const region = proc?.regions.find((r) => r.name === currentRegion) ?? null;
  const alive = proc?.state === 'R';
  const grid = controller.processGrid;
  const cols = grid && region ? grid.layout.cols : 0;
  const shownPages = region ? (controller.regionPages?.states.length ?? 0) : 0;
  const pageSize = 2 ** (useAppState((s) => s.machine?.pageShift) ?? 12);

  return (
    <div className="grid-toolbar">
      <div className="grid-toolbar-row">
        <h2 id="pgrid-title">Process pages</h2>
        <div className="toolbar-buttons" role="group" aria-label="Process grid view">
          <button type="button" onClick={() => grid?.zoomBy(1.5)} aria-label="Zoom in on pages">
            +
          </button>
          <button type="button" onClick={() => grid?.zoomBy(1 / 1.5)} aria-label="Zoom out of pages">
            −
          </button>
          <button type="button" onClick={() => grid?.resetView()} aria-label="Fit the region">
            Fit
          </button>
        </div>
      </div>
      <div className="grid-toolbar-row pgrid-controls">
        <label htmlFor={ids.proc}>process</label>
        <select
          id={ids.proc}
          value={currentProc ?? ''}
          disabled={processes.length === 0}
          onChange={(e) => controller.selectProcess(e.target.value)}
        >
          {processes.length === 0 && <option value="">—</option>}
          {processes.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name} (pid {p.pid})
              {p.state === 'R' ? '' : p.exit?.startsWith('killed') ? ', killed' : ', exited'}
            </option>
          ))}
        </select>
        <label htmlFor={ids.region}>region</label>
        <select
          id={ids.region}
          value={currentRegion ?? ''}
          disabled={!proc || proc.regions.length === 0}
          onChange={(e) => controller.selectRegion(e.target.value)}
        >
          {(!proc || proc.regions.length === 0) && <option value="">—</option>}
          {proc?.regions.map((r) => (
            <option key={r.name} value={r.name}>
              {r.name} ({size(r.len)})
            </option>
          ))}
        </select>
        <fieldset className="mode-switch">
          <legend className="sr-only">A click on a page</legend>
          <input
            type="radio"
            id={`${ids.mode}-r`}
            name={ids.mode}
            checked={mode === 'read'}
            onChange={() => controller.setMode('read')}
          />
          <label htmlFor={`${ids.mode}-r`} title="A click reads a byte of the page (key: r)">
            Read <kbd>r</kbd>
          </label>
          <input
            type="radio"
            id={`${ids.mode}-w`}
            name={ids.mode}
            checked={mode === 'write'}
            onChange={() => controller.setMode('write')}
          />
          <label htmlFor={`${ids.mode}-w`} title="A click writes a byte to the page (key: w)">
            Write <kbd>w</kbd>
          </label>
        </fieldset>
        <button
          type="button"
          disabled={busy || !region || !alive}
          onClick={() => void controller.touchRegion()}
        >
          {mode === 'read' ? 'Read all' : 'Write all'}
        </button>
      </div>
      <p id="pgrid-caption" className="muted" data-testid="process-grid-caption">
        {proc && region ? (
          <>
            {proc.name} {region.name}: {count(region.len / pageSize)} pages, {hex(region.start)}–
            {hex(region.start + region.len)}
            {cols > 0 && (
              <>
                {' '}
                · {cols} pages ({size(cols * pageSize)}) per row
                {cols < 512 ? `; ${512 / cols} rows = one page table` : '; one row = one page table'}
              </>
            )}
            {shownPages > 0 && shownPages < region.len / pageSize && (
              <> · showing the first {count(shownPages)}</>
            )}
            {!alive && <> · {proc.exit ?? 'exited'}</>}
          </>
        ) : (
          'no region shown'
        )}
      </p>
    </div>
  );
}

/** What each page colour means, with how many pages of the region are in that state. */
function PageLegend() {
  const controller = useController();
  useAppState((s) => s.pagesVersion);
  const d = controller.regionPages;
  const counts = new Array<number>(PAGE_STATE_NAMES.length).fill(0);
  if (d) for (let i = 0; i < d.states.length; i++) counts[d.states[i]!]!++;
  const shown = [
    VPageState.Untouched,
    VPageState.Zero,
    VPageState.Private,
    VPageState.Shared,
    VPageState.Huge,
    VPAGE_HUGE_ZERO,
    VPageState.ProtNone,
    VPageState.Unmapped,
  ].filter((s) => (s !== VPageState.Unmapped && s !== VPAGE_HUGE_ZERO) || counts[s]! > 0);
  return (
    <ul className="page-legend" aria-label="Page states in this region" data-testid="page-legend">
      {shown.map((s) => (
        <li key={s} data-state={s}>
          <span className="swatch" style={{ background: pageColor(s) }} aria-hidden="true" />
          <span>{PAGE_STATE_NAMES[s]}</span>
          <span className="count" data-testid={`page-count-${s}`}>
            {count(counts[s]!)}
          </span>
        </li>
      ))}
    </ul>
  );
}
