/**
 * The mapping view: lines from the virtual pages on the stage to the frames they map, over both
 * grids (src/render/mapping_links.ts draws them). It redraws, once per animation frame at most, when
 * a grid pans or zooms, the page scrolls or resizes, the pages change, or the selection moves. The
 * last page a click changed gets its old and new links animated (process_view.ts lastChange).
 * Consecutive pages that map one frame (or consecutive frames) are drawn as one band with a count.
 */
import { memo, useEffect } from 'react';
import { VPageState } from '../core/shared/page_state.ts';
import { cellOf } from '../render/layout.ts';
import { LinkOverlay, type LinkGroup, type MoreNote, type Point } from '../render/mapping_links.ts';
import { pageColor } from '../render/page_palette.ts';
import type { ProcessGrid } from '../render/process_grid.ts';
import { raf } from '../render/raf_scheduler.ts';
import { VPAGE_HUGE_ZERO } from '../worker/protocol.ts';
import { useController } from './context.ts';
import type { AppController } from './controller.ts';
import { onPanesChanged, paneGrids, processView } from './process_view.ts';

/**
 * The most lines and bands drawn over all panes: past it the rest are counted in a "N more links not
 * drawn" note (a fan of hundreds of lines says nothing a band with a count does not).
 */
const MAX_DRAWN = 120;
/** The most pages looked at per redraw: beyond it, pages in view are sampled evenly. */
const MAX_SCAN = 1 << 16;

const KIND: Record<number, string> = {
  [VPageState.Zero]: 'zero',
  [VPageState.Private]: 'private',
  [VPageState.Shared]: 'shared',
  [VPageState.File]: 'file',
  [VPageState.Huge]: 'huge',
  [VPAGE_HUGE_ZERO]: 'huge-zero',
  [VPageState.ProtNone]: 'protnone',
};

export const MappingLinks = memo(function MappingLinks() {
  const controller = useController();
  useEffect(() => {
    const overlay = new LinkOverlay(document.body);
    // The current pane's pages as last drawn: a move that left them alone keeps the object.
    let drawnPages = controller.regionPages;
    const redraw = () => {
      drawnPages = controller.regionPages;
      draw(controller, overlay);
    };
    const schedule = () => raf.scheduleRedraw(redraw);
    let detachFrame: (() => void) | null = null;
    let frameGrid = controller.frameGrid;
    const attachFrame = () => {
      if (controller.frameGrid === frameGrid && detachFrame) return;
      detachFrame?.();
      frameGrid = controller.frameGrid;
      detachFrame = frameGrid?.addViewListener(schedule) ?? null;
    };
    attachFrame();
    const offPanes = onPanesChanged(schedule);
    const offView = processView.subscribe(schedule);
    const offStore = controller.store.subscribe((s, p) => {
      if (s.view !== p.view || s.machine !== p.machine) attachFrame();
      const newPages =
        s.pagesVersion !== p.pagesVersion && (controller.regionPages !== drawnPages || paneGrids.size > 1);
      if (
        newPages ||
        s.pageSelection !== p.pageSelection ||
        // the hovered page has a link of its own only in "selected pages" mode
        (s.pageHover !== p.pageHover && processView.getState().links === 'selection') ||
        s.view !== p.view ||
        // a new machine (a new frame grid); a move in the timeline changes the machine's facts, not
        // where its frames are, and brings new pages (pagesVersion) when they changed
        s.machine?.generation !== p.machine?.generation ||
        s.machine?.nrPages !== p.machine?.nrPages
      )
        schedule();
    });
    window.addEventListener('scroll', schedule, true);
    window.addEventListener('resize', schedule);
    schedule();
    return () => {
      detachFrame?.();
      offPanes();
      offView();
      offStore();
      window.removeEventListener('scroll', schedule, true);
      window.removeEventListener('resize', schedule);
      overlay.destroy();
    };
  }, [controller]);
  return null;
});

interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Where a frame's cell centre is in the viewport, clamped into the frame grid's visible box. */
function framePointer(controller: AppController): ((pfn: number) => Point | null) | null {
  const fg = controller.frameGrid;
  if (!fg || !fg.hasFrames) return null;
  const r = fg.canvas.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return null;
  const t = fg.transform;
  const layout = fg.layout;
  return (pfn) => {
    if (pfn < 0 || pfn >= layout.nrPages) return null;
    const { col, row } = cellOf(layout, pfn);
    const x = r.left + t.applyX(col + 0.5);
    const y = r.top + t.applyY(row + 0.5);
    return { x: clamp(x, r.left + 2, r.right - 2), y: clamp(y, r.top + 2, r.bottom - 2) };
  };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** The part of a pane's canvas the learner sees: inside its host and the stage (they clip it). */
function paneBox(g: ProcessGrid): Rect | null {
  const r = g.canvas.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return null;
  let box: Rect = { left: r.left + g.viewBox.gutter, top: r.top, right: r.right, bottom: r.bottom };
  for (const clip of [g.canvas.closest('.grid-host'), g.canvas.closest('.stage-grids')]) {
    if (!clip) continue;
    const c = clip.getBoundingClientRect();
    box = {
      left: Math.max(box.left, c.left),
      top: Math.max(box.top, c.top),
      right: Math.min(box.right, c.right),
      bottom: Math.min(box.bottom, c.bottom),
    };
  }
  box = {
    left: Math.max(box.left, 0),
    top: Math.max(box.top, 0),
    right: Math.min(box.right, window.innerWidth),
    bottom: Math.min(box.bottom, window.innerHeight),
  };
  return box.right > box.left && box.bottom > box.top ? box : null;
}

/** A run of linked pages: consecutive, one state, mapping one frame or consecutive frames. */
interface Run {
  state: number;
  firstPfn: number;
  lastPfn: number;
  /** pages in the run, in view or not */
  n: number;
  /** its pages in view: how many, their cells' extent, the first and last one's frame */
  shown: number;
  x: number;
  y: number;
  minX: number;
  minY: number;
  maxY: number;
  shownFirstPfn: number;
  shownLastPfn: number;
}

function draw(controller: AppController, overlay: LinkOverlay): void {
  const frameAt = framePointer(controller);
  const pv = processView.getState();
  const s = controller.store.getState();
  if (!frameAt) {
    overlay.setBulk([]);
    overlay.setChange(null);
    return;
  }
  // One group per page state: its lines and bands.
  const groups = new Map<number, LinkGroup>();
  const groupOf = (state: number) => {
    let g = groups.get(state);
    if (!g) {
      g = { color: pageColor(state), kind: KIND[state] ?? 'other', segments: [], bands: [], pages: 0 };
      groups.set(state, g);
    }
    return g;
  };
  const wanted: { grid: ProcessGrid; box: Rect; pages: number[] }[] = [];
  // Pages in view across the panes: beyond MAX_SCAN, every stride-th page is looked at (a region of
  // a million pages costs MAX_SCAN steps, not a million); a band's count is then pages looked at
  // times the stride.
  let inView = 0;
  if (pv.links === 'all')
    for (const grid of paneGrids.values()) {
      const vis = grid.region ? grid.visiblePages() : null;
      if (vis) inView += vis.last - vis.first + 1;
    }
  const step = Math.max(1, Math.ceil(inView / MAX_SCAN));
  for (const [name, grid] of paneGrids) {
    const d = grid.region;
    const box = paneBox(grid);
    if (!d || !box) continue;
    const pages: number[] = [];
    if (pv.links === 'all') {
      const vis = grid.visiblePages();
      if (vis) for (let i = vis.first; i <= vis.last; i += step) if (d.pfns[i]! >= 0) pages.push(i);
    } else if (pv.links === 'selection' && name === s.currentProc) {
      const extra = [s.pageSelection, s.pageHover?.page ?? null];
      if (pv.range && pv.range.proc === name)
        for (let i = pv.range.first; i <= pv.range.last; i++) if (d.pfns[i]! >= 0) pages.push(i);
      for (const p of extra)
        if (p !== null && p < d.pfns.length && d.pfns[p]! >= 0 && !pages.includes(p)) pages.push(p);
      pages.sort((a, b) => a - b);
    }
    wanted.push({ grid, box, pages });
  }
  let drawn = 0;
  const more: MoreNote[] = [];
  for (const { grid, box, pages } of wanted) {
    const d = grid.region!;
    const r = grid.canvas.getBoundingClientRect();
    const half = grid.cellPx / 2;
    let notDrawn = 0;
    const flush = (run: Run | null) => {
      if (!run || run.shown === 0) return;
      const n = run.shown * step;
      const g = groupOf(run.state);
      g.pages += n;
      if (drawn >= MAX_DRAWN) {
        notDrawn += n;
        return;
      }
      const first = frameAt(run.shownFirstPfn);
      const last = frameAt(run.shownLastPfn);
      if (!first || !last) return;
      drawn++;
      if (run.shown === 1) {
        g.segments.push(run.x, run.y, first.x, first.y);
        return;
      }
      const left = Math.max(box.left, run.minX - half);
      g.bands.push({
        top: { x: left, y: Math.max(box.top, run.minY - half) },
        bottom: { x: left, y: Math.min(box.bottom, run.maxY + half) },
        first,
        last,
        count: n,
      });
    };
    let run: Run | null = null;
    let prev = -2;
    // A cell's centre, as grid.cellPoint computes it, without three objects per page (a redraw looks
    // at up to MAX_SCAN pages).
    const { cols, offset } = grid.layout;
    const t = grid.transform;
    const x0 = r.left + t.x + t.k * 0.5;
    const y0 = r.top + t.y + t.k * 0.5;
    for (const i of pages) {
      const cell = offset + i;
      const x = x0 + t.k * (cell % cols);
      const y = y0 + t.k * Math.floor(cell / cols);
      const pfn = d.pfns[i]!;
      const state = d.states[i]!;
      // A page out of the pane's box (zoomed in: the rest of its row) carries a run on without a
      // point, so one run across rows stays one band.
      const shown = x >= box.left && x <= box.right && y >= box.top && y <= box.bottom;
      // The run goes on while the pages are consecutive, in one state, and map the run's one frame
      // or the frame next to its last (up or down, as the run started).
      const same = run !== null && run.firstPfn === run.lastPfn && pfn === run.lastPfn;
      const dir = run ? Math.sign(run.lastPfn - run.firstPfn) : 0;
      const next =
        run !== null &&
        (run.n === 1 ? Math.abs(pfn - run.lastPfn) === 1 : dir !== 0 && pfn === run.lastPfn + dir);
      if (run && i === prev + step && state === run.state && (same || next)) {
        run.lastPfn = pfn;
        run.n++;
      } else {
        flush(run);
        run = {
          state,
          firstPfn: pfn,
          lastPfn: pfn,
          n: 1,
          shown: 0,
          x,
          y,
          minX: Infinity,
          minY: Infinity,
          maxY: -Infinity,
          shownFirstPfn: pfn,
          shownLastPfn: pfn,
        };
      }
      if (shown) {
        if (run.shown === 0) {
          run.shownFirstPfn = pfn;
          run.x = x;
          run.y = y;
        }
        run.shown++;
        run.shownLastPfn = pfn;
        run.minX = Math.min(run.minX, x);
        run.minY = Math.min(run.minY, y);
        run.maxY = Math.max(run.maxY, y);
      }
      prev = i;
    }
    flush(run);
    if (notDrawn > 0) more.push({ count: notDrawn, at: { x: box.left + 4, y: box.bottom - 6 } });
  }
  overlay.setBulk([...groups.values()], more);

  // The last change, if its process is on the stage and still shows that region.
  const ch = pv.lastChange;
  const grid = ch ? paneGrids.get(ch.proc) : undefined;
  // A change some later operation undid (DONTNEED, munmap, another write) is no longer drawn.
  const stale = !!ch && !!grid?.region && grid.region.pfns[ch.page] !== ch.newPfn;
  if (!ch || !grid?.region || ch.region !== s.currentRegion || stale) {
    overlay.setChange(null);
    return;
  }
  const box = paneBox(grid);
  const r = grid.canvas.getBoundingClientRect();
  const c = grid.cellPoint(ch.page);
  const p = { x: r.left + c.x, y: r.top + c.y };
  const pageInView =
    box !== null && p.x >= box.left && p.x <= box.right && p.y >= box.top && p.y <= box.bottom;
  overlay.setChange({
    id: ch.id,
    page: pageInView ? p : null,
    cellPx: grid.cellPx,
    oldTo: ch.oldPfn >= 0 ? frameAt(ch.oldPfn) : null,
    newTo: ch.newPfn >= 0 && ch.newPfn !== ch.oldPfn ? frameAt(ch.newPfn) : null,
    oldPfn: ch.oldPfn,
    newPfn: ch.newPfn,
    label: `new frame 0x${ch.newPfn.toString(16)}`,
  });
}
