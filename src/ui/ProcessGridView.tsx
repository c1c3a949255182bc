/**
 * The process view, beside the frame grid: one grid of virtual pages per process on the stage (the
 * current one, where clicks and keys act, and the others chosen in the toolbar: after fork, parent
 * and child side by side), the Read/Write mode (keys r and w), the range controls, the mapping links
 * from pages to frames over both grids, and the zero-page write offer. The last fault's card is in
 * the explanation column (FaultCard, shown by StepExplanation).
 *
 * A click on a page runs `A read r1 <off> 1 1` or `A write r1 <off> 1 1 1` in the worker. In Read
 * mode a click on a zero-mapped page offers a write instead: reading it would change nothing.
 */
import { memo, useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { VPageState } from '../core/shared/page_state.ts';
import { PAGE_STATE_NAMES, pageColor } from '../render/page_palette.ts';
import { ProcessGrid } from '../render/process_grid.ts';
import { VPAGE_HUGE_ZERO, type ProcessView } from '../worker/protocol.ts';
import { useAppState, useController } from './context.ts';
import type { AppController } from './controller.ts';
import { count, hex, size } from './format.ts';
import { PAN_STEP, runKey, zoomKeys } from './grid_keys.ts';
import { MappingLinks } from './MappingLinks.tsx';
import { PageDetails, PageTooltip } from './PageDetails.tsx';
import { actOnPage } from './process_actions.ts';
import { MAX_SHOWN, panesMoved, processView, registerPane, useProcessView } from './process_view.ts';
import { RangeActions } from './RangeActions.tsx';
import { useFetched } from './use_fetched.ts';
import './process.css';

/**
 * `details`: show the selected page's walk (PageDetails) under the panes; a layout that docks
 * PageDetails elsewhere passes false.
 */
export const ProcessGridView = memo(function ProcessGridView({ details = true }: { details?: boolean }) {
  const controller = useController();
  const processes = useAppState((s) => s.processes);
  const currentProc = useAppState((s) => s.currentProc);
  const shown = useProcessView((s) => s.shown);
  useAutoShow(controller);

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

  // The panes in process order: the current process and the ones chosen beside it.
  const panes = processes.filter((p) => p.name === currentProc || shown.includes(p.name));
  if (currentProc === null) panes.length = 0;

  return (
    <section className="grid-panel process-grid-panel process-view" aria-labelledby="pgrid-title">
      <ProcessToolbar />
      <RangeActions />
      <div className="process-panes" data-count={Math.max(1, panes.length)}>
        <ZeroOffer />
        {panes.length === 0 ? (
          <div className="process-pane">
            <div className="grid-stage process-stage">
              <EmptyHint />
            </div>
          </div>
        ) : (
          panes.map((p) => <ProcessPane key={p.name} proc={p} current={p.name === currentProc} />)
        )}
        <PageTooltip />
      </div>
      <div className="pgrid-foot">
        <PageLegend />
        <RunLine />
      </div>
      {details && <PageDetails />}
      <MappingLinks />
    </section>
  );
});

/** A process seen for the first time goes on the stage (at most MAX_SHOWN beside the current one). */
function useAutoShow(controller: AppController) {
  const processes = useAppState((s) => s.processes);
  useEffect(() => {
    const { seen, shown } = processView.getState();
    const alive = processes.filter((p) => p.state === 'R').map((p) => p.name);
    const fresh = alive.filter((n) => !seen.includes(n));
    const names = processes.map((p) => p.name);
    const stillThere = shown.filter((n) => names.includes(n));
    if (fresh.length === 0 && stillThere.length === shown.length && processes.length >= seen.length) return;
    const cur = controller.store.getState().currentProc;
    let next = [...stillThere, ...fresh];
    // Keep the newest few besides the current process.
    const others = next.filter((n) => n !== cur);
    if (others.length > MAX_SHOWN - 1) {
      const keep = new Set(others.slice(-(MAX_SHOWN - 1)));
      next = next.filter((n) => n === cur || keep.has(n));
    }
    // A new machine (no processes) forgets what was seen.
    processView.setState({
      shown: next,
      seen: processes.length === 0 ? [] : [...new Set([...seen, ...names])],
      ...(processes.length === 0 ? { range: null, lastChange: null, offer: null } : {}),
    });
  }, [controller, processes]);
}

/** One process's grid. The current process's grid is the controller's (attachProcessGrid). */
const ProcessPane = memo(function ProcessPane({ proc, current }: { proc: ProcessView; current: boolean }) {
  const controller = useController();
  const hostRef = useRef<HTMLDivElement>(null);
  const gridRef = useRef<ProcessGrid | null>(null);
  const currentRef = useRef(current);
  useEffect(() => {
    currentRef.current = current;
  }, [current]);
  const name = proc.name;
  const region = useAppState((s) => s.currentRegion);
  const pagesVersion = useAppState((s) => s.pagesVersion);
  const hasRegion = proc.regions.some((r) => r.name === region);
  // A pane that is not current reads its own pages after every change (the current one is fed by
  // the controller).
  const other = useFetched(
    current ? null : () => (region ? controller.regionPagesOf(name, region) : Promise.resolve(null)),
    [controller, name, region, pagesVersion],
  );

  useEffect(() => {
    const grid = new ProcessGrid(hostRef.current!, {
      onHover: (h) => {
        if (currentRef.current)
          controller.setPageHover(h && { page: h.page, clientX: h.clientX, clientY: h.clientY });
      },
      onActivate: (page) => void activate(controller, name, currentRef.current, page),
      onRange: (first, last) => void chooseRange(controller, name, currentRef.current, first, last),
      onView: panesMoved,
    });
    gridRef.current = grid;
    const unregister = registerPane(name, grid);
    const offRange = processView.subscribe((s, p) => {
      if (s.range !== p.range) grid.setRange(s.range?.proc === name ? s.range : null);
    });
    const r = processView.getState().range;
    grid.setRange(r?.proc === name ? r : null);
    return () => {
      offRange();
      unregister();
      grid.destroy();
      gridRef.current = null;
    };
  }, [controller, name]);

  // The current pane is fed by the controller; another follows the selection and the patterns.
  useEffect(() => {
    const grid = gridRef.current!;
    if (current) {
      const detach = controller.attachProcessGrid(grid);
      panesMoved();
      return detach;
    }
    const sel = (s: ReturnType<typeof controller.store.getState>) => {
      const b = s.selectedBlock;
      if (b) return { from: b.pfn, to: b.pfn + 2 ** b.order };
      return s.selection === null ? null : { from: s.selection, to: s.selection + 1 };
    };
    grid.setFrameLink(sel(controller.store.getState()));
    grid.setPatterns(controller.store.getState().patterns);
    const off = controller.store.subscribe((s, p) => {
      if (s.selection !== p.selection || s.selectedBlock !== p.selectedBlock) grid.setFrameLink(sel(s));
      if (s.patterns !== p.patterns) grid.setPatterns(s.patterns);
    });
    return () => off();
  }, [controller, current, name]);

  useEffect(() => {
    if (current || !gridRef.current) return;
    gridRef.current.setData(other.error ? null : other.data);
    panesMoved();
  }, [current, other.data, other.error]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (!current) return;
    paneKeys(controller, e);
  };

  return (
    <div
      className={`process-pane${current ? ' current' : ''}`}
      data-testid={`process-pane-${name}`}
      data-current={current || undefined}
    >
      <PaneHeader proc={proc} current={current} />
      <div className="grid-stage process-stage">
        <div
          ref={hostRef}
          className="grid-host"
          tabIndex={current ? 0 : -1}
          role="application"
          aria-roledescription="virtual page grid"
          aria-label={
            current
              ? `Virtual pages of ${name}'s region: one cell per page, coloured by state. Arrow keys move between pages, Shift+arrows select a run of pages, Enter reads or writes the page (as the mode says), plus and minus zoom, 0 shows everything.`
              : `Virtual pages of ${name}'s region (click a page to make ${name} the current process and act on it).`
          }
          aria-describedby="pgrid-caption"
          data-testid={current ? 'process-grid' : 'process-grid-other'}
          onKeyDown={onKeyDown}
        />
        {!hasRegion && (
          <div className="grid-empty">
            <p>
              {proc.state !== 'R'
                ? `${name} ${proc.exit ?? 'exited'}.`
                : region
                  ? `${name} has no region ${region}.`
                  : 'Map a region (Processes panel: mmap) to see its virtual pages here.'}
            </p>
          </div>
        )}
      </div>
    </div>
  );
});

/** A click in a pane: a pane not current becomes current first. */
async function activate(c: AppController, name: string, current: boolean, page: number): Promise<void> {
  if (!current) await c.selectProcess(name);
  await actOnPage(c, page);
}

async function chooseRange(
  c: AppController,
  name: string,
  current: boolean,
  first: number,
  last: number,
): Promise<void> {
  if (!current) await c.selectProcess(name);
  const region = c.store.getState().currentRegion;
  if (!region) return;
  processView.setState({ range: { proc: name, region, first, last }, offer: null });
}

/** The keys of the current pane: arrows move, Shift+arrows extend a range, Enter acts. */
function paneKeys(controller: AppController, e: KeyboardEvent<HTMLDivElement>): void {
  const grid = controller.processGrid;
  const d = controller.regionPages;
  const s = controller.store.getState();
  if (!grid || !d || !s.currentProc || !s.currentRegion) return;
  const n = d.states.length;
  const cols = grid.layout.cols;
  const cur = s.pageSelection;
  const clampPage = (p: number) => Math.max(0, Math.min(n - 1, p));
  const move = (delta: number) => {
    if (e.shiftKey) {
      // Extend the run from where it was anchored (the selected page when it starts).
      const r = processView.getState().range;
      const ok = r && r.proc === s.currentProc && r.region === s.currentRegion;
      const anchor = ok ? (rangeAnchor ?? r.first) : (cur ?? 0);
      const focus = clampPage((ok ? (rangeFocus ?? r.last) : (cur ?? 0)) + delta);
      rangeAnchor = anchor;
      rangeFocus = focus;
      processView.setState({
        range: {
          proc: s.currentProc!,
          region: s.currentRegion!,
          first: Math.min(anchor, focus),
          last: Math.max(anchor, focus),
        },
      });
      grid.reveal(focus);
      return;
    }
    rangeAnchor = rangeFocus = null;
    const next = clampPage((cur ?? 0) + (cur === null ? 0 : delta));
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
    Enter: () => cur !== null && void actOnPage(controller, cur),
    ' ': () => cur !== null && void actOnPage(controller, cur),
    ...zoomKeys(grid),
    Escape: () => {
      rangeAnchor = rangeFocus = null;
      processView.setState({ range: null, offer: null });
      controller.selectPage(null);
    },
  };
  // Shift+arrows are ours here (runKey matches the key name only).
  runKey(e, actions);
}

/** Where a keyboard range started and where its moving end is (one keyboard, one range). */
let rangeAnchor: number | null = null;
let rangeFocus: number | null = null;

/** The process's name, pid and counters; the RSS ticks when it changes. */
const PaneHeader = memo(function PaneHeader({ proc, current }: { proc: ProcessView; current: boolean }) {
  const controller = useController();
  const rss = proc.rssAnonKb + proc.rssShmemKb + proc.rssFileKb;
  // The tick: RSS changed since the last render (React's "adjust state while rendering" pattern).
  const [seen, setSeen] = useState(rss);
  const [tick, setTick] = useState<{ key: number; delta: number } | null>(null);
  if (seen !== rss) {
    setSeen(rss);
    setTick((t) => ({ key: (t?.key ?? 0) + 1, delta: rss - seen }));
  }
  return (
    <div className="pane-head">
      {current ? (
        <strong className="pane-name">{proc.name}</strong>
      ) : (
        <button
          type="button"
          className="link pane-name"
          onClick={() => void controller.selectProcess(proc.name)}
          aria-label={`Make ${proc.name} the current process`}
        >
          {proc.name}
        </button>
      )}
      <span className="muted">pid {proc.pid}</span>
      {proc.state === 'R' ? (
        <span className="pane-counters" data-testid={`rss-${proc.name}`}>
          RSS <span data-testid={`rss-value-${proc.name}`}>{count(rss)}</span> kB · minflt{' '}
          {count(proc.minflt)}
          {tick && (
            <span key={tick.key} className="rss-tick" aria-hidden="true">
              {tick.delta > 0 ? '+' : '−'}
              {count(Math.abs(tick.delta))} kB
            </span>
          )}
        </span>
      ) : (
        <span className="muted">{proc.exit ?? 'exited'}</span>
      )}
      {current && <span className="pane-current">current</span>}
    </div>
  );
});

const EmptyHint = memo(function EmptyHint() {
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
});

/**
 * The toolbar, kept to two rows so the page cells keep the stage's height at 1280×800: the title,
 * the process and the region; then the click mode, Read/Write all, which processes are shown (after
 * fork) and a "View" disclosure for zoom (wheel and +/− keys do it too) and the mapping links. A one-line caption under it
 * says what a click does and what the grid shows (the whole text in its tooltip).
 */
const ProcessToolbar = memo(function ProcessToolbar() {
  const controller = useController();
  const processes = useAppState((s) => s.processes);
  const currentProc = useAppState((s) => s.currentProc);
  const currentRegion = useAppState((s) => s.currentRegion);
  const mode = useAppState((s) => s.mode);
  const busy = useAppState((s) => s.status !== 'ready');
  const shown = useProcessView((s) => s.shown);
  const links = useProcessView((s) => s.links);
  useAppState((s) => s.pagesVersion); // the grid's layout changes with the data
  const ids = { proc: useId(), region: useId(), mode: useId(), links: useId() };
  const proc = processes.find((p) => p.name === currentProc) ?? null;
  const region = proc?.regions.find((r) => r.name === currentRegion) ?? null;
  const alive = proc?.state === 'R';
  const grid = controller.processGrid;
  const cols = grid && region ? grid.layout.cols : 0;
  const shownPages = region ? (controller.regionPages?.states.length ?? 0) : 0;
  const pageSize = 2 ** (useAppState((s) => s.machine?.pageShift) ?? 12);
  const hint =
    mode === 'read'
      ? 'a click reads a byte: an untouched page gets the zero page'
      : 'a click writes a byte: a zero-mapped page gets its own zeroed frame (copy-on-write)';
  const what =
    proc && region
      ? `${proc.name} ${region.name}: ${count(region.len / pageSize)} pages, ${hex(region.start)}–${hex(
          region.start + region.len,
        )}` +
        (cols > 0
          ? ` · ${cols} pages (${size(cols * pageSize)}) per row` +
            (cols < 512 ? `; ${512 / cols} rows = one page table` : '; one row = one page table')
          : '') +
        (shownPages > 0 && shownPages < region.len / pageSize
          ? ` · showing the first ${count(shownPages)}`
          : '') +
        (!alive ? ` · ${proc.exit ?? 'exited'}` : '') +
        ' · shift-click or shift-drag selects pages'
      : 'no region shown';

  return (
    <div className="grid-toolbar pgrid-toolbar">
      <div className="grid-toolbar-row pgrid-controls">
        <h2 id="pgrid-title">Process pages</h2>
        <label htmlFor={ids.proc} className="sr-only">
          process
        </label>
        <select
          id={ids.proc}
          value={currentProc ?? ''}
          disabled={processes.length === 0}
          onChange={(e) => void controller.selectProcess(e.target.value)}
          title="The current process (clicks and keys act on it)"
        >
          {processes.length === 0 && <option value="">no process</option>}
          {processes.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name} (pid {p.pid})
              {p.state === 'R' ? '' : p.exit?.startsWith('killed') ? ', killed' : ', exited'}
            </option>
          ))}
        </select>
        <label htmlFor={ids.region} className="sr-only">
          region
        </label>
        <select
          id={ids.region}
          value={currentRegion ?? ''}
          disabled={!proc || proc.regions.length === 0}
          onChange={(e) => controller.selectRegion(e.target.value)}
          title="The region shown"
        >
          {(!proc || proc.regions.length === 0) && <option value="">no region</option>}
          {proc?.regions.map((r) => (
            <option key={r.name} value={r.name}>
              {r.name} ({size(r.len)})
            </option>
          ))}
        </select>
      </div>
      <div className="grid-toolbar-row pgrid-controls">
        <ClickMode name={ids.mode} />
        <button
          type="button"
          disabled={busy || !region || !alive}
          onClick={() => void controller.touchRegion()}
        >
          {mode === 'read' ? 'Read all' : 'Write all'}
        </button>
        {processes.length > 1 && (
          <fieldset className="shown-chooser" data-testid="process-chooser">
            <legend>shown</legend>
            {processes.map((p) => (
              <label key={p.name}>
                <input
                  type="checkbox"
                  checked={p.name === currentProc || shown.includes(p.name)}
                  disabled={p.name === currentProc}
                  onChange={(e) =>
                    processView.setState((s) => ({
                      shown: e.target.checked
                        ? [...s.shown.filter((n) => n !== p.name), p.name]
                        : s.shown.filter((n) => n !== p.name),
                    }))
                  }
                />
                {p.name}
              </label>
            ))}
          </fieldset>
        )}
        <details className="pgrid-more">
          <summary title="Zoom and mapping links">View</summary>
          <div className="pgrid-more-body">
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
            <label htmlFor={ids.links}>links</label>
            <select
              id={ids.links}
              value={links}
              onChange={(e) => processView.setState({ links: e.target.value as 'all' | 'selection' | 'off' })}
              title="Lines from virtual pages to the frames they map"
            >
              <option value="all">every page in view</option>
              <option value="selection">selected pages</option>
              <option value="off">none</option>
            </select>
          </div>
        </details>
      </div>
      <p id="pgrid-caption" className="muted pgrid-caption" title={`${hint}. ${what}`}>
        <span className="mode-hint" id={`${ids.mode}-hint`} data-testid="mode-hint">
          {hint}
        </span>
        {' · '}
        <span data-testid="process-grid-caption">{what}</span>
      </p>
    </div>
  );
});

/**
 * The Read/Write switch, apart from the toolbar so that a click's render (the toolbar follows the
 * pages and busy) leaves its radios alone: React sets again the name of every input it renders, and
 * renaming a radio regroups the page's radios (20 ms of a click in the profile, with the header's).
 */
const ClickMode = memo(function ClickMode({ name }: { name: string }) {
  const controller = useController();
  const mode = useAppState((s) => s.mode);
  return (
    <fieldset className="click-mode" aria-describedby={`${name}-hint`}>
      <legend>A click on a page</legend>
      {/* Each radio covers its own label, so a click anywhere on the option checks it. */}
      <label className="click-mode-option" title="A click reads a byte of the page (key: r)">
        <input
          type="radio"
          name={name}
          checked={mode === 'read'}
          onChange={() => controller.setMode('read')}
        />
        Read <kbd>r</kbd>
      </label>
      <label className="click-mode-option" title="A click writes a byte to the page (key: w)">
        <input
          type="radio"
          name={name}
          checked={mode === 'write'}
          onChange={() => controller.setMode('write')}
        />
        Write <kbd>w</kbd>
      </label>
    </fieldset>
  );
});

/** A read click on a zero-mapped page: say why nothing would happen and offer the write. */
const ZeroOffer = memo(function ZeroOffer() {
  const controller = useController();
  const offer = useProcessView((s) => s.offer);
  const currentProc = useAppState((s) => s.currentProc);
  const busy = useAppState((s) => s.status !== 'ready');
  const writeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (offer) writeRef.current?.focus({ preventScroll: true });
  }, [offer]);
  if (!offer || offer.proc !== currentProc) return null;
  const d = controller.regionPages;
  const huge = d?.states[offer.page] === VPAGE_HUGE_ZERO;
  const dismiss = () => processView.setState({ offer: null });
  return (
    <div className="zero-offer" role="status" data-testid="zero-offer">
      <span>
        Page {offer.page} already maps the {huge ? 'huge zero folio' : 'zero page'}: a read changes nothing. A
        write faults (do_wp_page → wp_page_copy) and gives the page its own zeroed frame.
      </span>
      <button
        ref={writeRef}
        type="button"
        className="primary"
        disabled={busy}
        onClick={() => void actOnPage(controller, offer.page, 'write').then(focusGrid)}
      >
        Write it
      </button>
      <button
        type="button"
        disabled={busy}
        onClick={() => {
          dismiss();
          void actOnPage(controller, offer.page, 'read').then(focusGrid);
        }}
      >
        Read anyway
      </button>
      <button type="button" className="link" onClick={dismiss} aria-label="Dismiss">
        ✕
      </button>
    </div>
  );
});

/** Back to the current process's grid after the offer's button (it goes away with the offer). */
function focusGrid(): void {
  document.querySelector<HTMLElement>('[data-testid="process-grid"]')?.focus({ preventScroll: true });
}

/** The scenario line the last control ran (or is running), as the learner could type it. */
const RunLine = memo(function RunLine() {
  const running = useProcessView((s) => s.running);
  const last = useProcessView((s) => s.lastLine);
  const line = running ?? last;
  if (!line) return null;
  return (
    <p className="run-line" data-testid="process-run-line" aria-live="polite">
      <span className="muted">{running ? 'running' : 'ran'}</span> <code>{line}</code>
    </p>
  );
});

/** What each page colour means, with how many pages of the region are in that state. */
const EMPTY_COUNTS = new Uint32Array(256);

const PageLegend = memo(function PageLegend() {
  const controller = useController();
  useAppState((s) => s.pagesVersion);
  // The controller counts the current region's pages as they arrive (a delta page by page).
  const counts = controller.regionPages?.counts ?? EMPTY_COUNTS;
  const shown = [
    VPageState.Untouched,
    VPageState.Zero,
    VPageState.Private,
    VPageState.Shared,
    VPageState.File,
    VPageState.Huge,
    VPAGE_HUGE_ZERO,
    VPageState.ProtNone,
    VPageState.Swapped,
    VPageState.Unmapped,
  ].filter(
    // One line on the stage: the states present, and always the copy-on-write pair (the full key,
    // with every state, is the Legend tab's).
    (s) => counts[s]! > 0 || s === VPageState.Zero || s === VPageState.Private,
  );
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
});
