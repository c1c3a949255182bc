/**
 * The mapping view: lines from the virtual pages on the stage to the frames they map, over both
 * grids (src/render/mapping_links.ts draws them). It redraws, once per animation frame at most, when
 * a grid pans or zooms, the page scrolls or resizes, the pages change, or the selection moves. The
 * last page a click changed gets its old and new links animated (process_view.ts lastChange).
 */
import { useEffect } from 'react';
import { VPageState } from '../core/shared/page_state.ts';
import { cellOf } from '../render/layout.ts';
import { LinkOverlay, type LinkGroup, type Point } from '../render/mapping_links.ts';
import { pageColor } from '../render/page_palette.ts';
import type { ProcessGrid } from '../render/process_grid.ts';
import { raf } from '../render/raf_scheduler.ts';
import { VPAGE_HUGE_ZERO } from '../worker/protocol.ts';
import { useController } from './context.ts';
import type { AppController } from './controller.ts';
import { onPanesChanged, paneGrids, processView } from './process_view.ts';

/** The most bulk links drawn per pane: beyond it, pages in view are sampled evenly. */
export const MAX_LINKS = 1200;

const KIND: Record<number, string> = {
  [VPageState.Zero]: 'zero',
  [VPageState.Private]: 'private',
  [VPageState.Shared]: 'shared',
  [VPageState.Huge]: 'huge',
  [VPAGE_HUGE_ZERO]: 'huge-zero',
  [VPageState.ProtNone]: 'protnone',
};

export function MappingLinks() {
  const controller = useController();
  useEffect(() => {
    const overlay = new LinkOverlay(document.body);
    const redraw = () => draw(controller, overlay);
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
      if (
        s.pagesVersion !== p.pagesVersion ||
        s.pageSelection !== p.pageSelection ||
        // the hovered page has a link of its own only in "selected pages" mode
        (s.pageHover !== p.pageHover && processView.getState().links === 'selection') ||
        s.view !== p.view ||
        s.machine !== p.machine
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
}

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

function paneBox(g: ProcessGrid): Rect | null {
  const r = g.canvas.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return null;
  return { left: r.left + g.viewBox.gutter, top: r.top, right: r.right, bottom: r.bottom };
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
  // Bulk links, one group per page state.
  const groups = new Map<number, LinkGroup>();
  const add = (state: number, a: Point, b: Point) => {
    let g = groups.get(state);
    if (!g) {
      g = { color: pageColor(state), kind: KIND[state] ?? 'other', segments: [] };
      groups.set(state, g);
    }
    g.segments.push(a.x, a.y, b.x, b.y);
  };
  const wanted: { grid: ProcessGrid; box: Rect; pages: number[] }[] = [];
  // Pages in view across the panes: beyond MAX_LINKS, every stride-th page is linked (a region of a
  // million pages costs MAX_LINKS steps, not a million).
  let inView = 0;
  if (pv.links === 'all')
    for (const grid of paneGrids.values()) {
      const vis = grid.region ? grid.visiblePages() : null;
      if (vis) inView += vis.last - vis.first + 1;
    }
  const step = Math.max(1, Math.ceil(inView / MAX_LINKS));
  for (const [name, grid] of paneGrids) {
    const d = grid.region;
    const box = paneBox(grid);
    if (!d || !box) continue;
    const pages: number[] = [];
    if (pv.links === 'all') {
      const vis = grid.visiblePages();
      if (vis) for (let i = vis.first; i <= vis.last; i += step) if (d.pfns[i]! >= 0) pages.push(i);
    } else if (pv.links === 'selection' && name === s.currentProc) {
      if (pv.range && pv.range.proc === name)
        for (let i = pv.range.first; i <= pv.range.last; i++) if (d.pfns[i]! >= 0) pages.push(i);
      for (const p of [s.pageSelection, s.pageHover?.page ?? null])
        if (p !== null && p < d.pfns.length && d.pfns[p]! >= 0) pages.push(p);
    }
    wanted.push({ grid, box, pages: pages.slice(0, MAX_LINKS) });
  }
  for (const { grid, box, pages } of wanted) {
    const d = grid.region!;
    const r = grid.canvas.getBoundingClientRect();
    for (const i of pages) {
      const c = grid.cellPoint(i);
      const a = { x: r.left + c.x, y: r.top + c.y };
      if (a.x < box.left || a.x > box.right || a.y < box.top || a.y > box.bottom) continue;
      const b = frameAt(d.pfns[i]!);
      if (b) add(d.states[i]!, a, b);
    }
  }
  overlay.setBulk([...groups.values()]);

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
