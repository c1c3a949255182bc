/**
 * The process grid: one cell per virtual page of one region of one process, coloured by the page's
 * state (untouched, zero page, private, shared, huge, PROT_NONE). No React in here.
 *
 * It is built like the frame grid (frame_grid.ts): the page states go into FrameBitmaps (one texel
 * per page, coarser levels that keep the most notable state when zoomed out), a static canvas draws
 * them through d3-zoom's transform, and an overlay canvas carries the row addresses, the VMA
 * boundaries and labels, hover and selection. Cells are placed by virtual address (layout.ts
 * pageGridLayout), so a row starts at an aligned address and page tables line up with rows.
 */
import { select, type Selection } from 'd3-selection';
import { sizeCanvases } from './canvas_size.ts';
import { zoom, zoomIdentity, type D3ZoomEvent, type ZoomBehavior, type ZoomTransform } from 'd3-zoom';
import { FrameBitmaps, NONE } from './frame_bitmap.ts';
import { pageAtCell, pageCell, pageGridLayout, type PageGridLayout } from './layout.ts';
import { PAGE_GRID_BACKGROUND, PAGE_NOTABILITY, pageColor, pagePaletteWords } from './page_palette.ts';
import { PATTERN_MIN_PX, drawPatterns, pagePatternOf } from './patterns.ts';
import { SELECTED_BLOCK_COLOR } from './palette.ts';
import { raf } from './raf_scheduler.ts';

/** The most linked pages the overlay outlines. */
const MAX_LINK_OUTLINES = 4096;

/** A VMA overlapping the region, for its boundary and label. */
export interface RegionVma {
  start: number;
  end: number;
  /** e.g. `rw-p` */
  label: string;
}

/** What the grid shows: one region's pages. */
export interface ProcessRegionData {
  /** identifies the region (pid and name): new data with another key refits the view */
  key: string;
  /** virtual address of the region's first page */
  start: number;
  pageShift: number;
  /** VPageState per page */
  states: Uint8Array;
  /** pfn per page, -1 with no PTE */
  pfns: Float64Array;
  vmas: RegionVma[];
  /**
   * PMD mappings inside the region: `count` pages from page `first` mapped by one huge PMD entry,
   * drawn as one outlined block with `label`.
   */
  blocks?: RegionBlock[];
  /** the version of the worker's answer these pages are (client.processPages), if known */
  version?: number;
  /**
   * The pages whose state may differ from the data at version `base` (a delta's pages), or
   * null/absent: any may. When the grid holds that version it repaints the pages named, and a click
   * on a 1M-page region does not compare every page.
   */
  changed?: { base: number; pages: Uint32Array } | null;
  /** pages per state (index: the state byte), when the controller counted them */
  counts?: Uint32Array;
}

/** A run of pages one PMD maps (a THP or the huge zero folio). */
export interface RegionBlock {
  first: number;
  count: number;
  label: string;
  kind: 'thp' | 'huge-zero';
}

export interface PageHover {
  page: number;
  clientX: number;
  clientY: number;
}

export interface ProcessGridOptions {
  /** The pointer moved over a page (or off the region: null). */
  onHover?(hover: PageHover | null): void;
  /** A page was clicked. */
  onActivate?(page: number): void;
  /**
   * Shift-click or shift-drag chose a run of pages [first, last] (inclusive): from the selected page
   * (or where the drag started) to the page under the pointer.
   */
  onRange?(first: number, last: number): void;
  /** The view moved, zoomed or resized (the mapping links follow it). */
  onView?(): void;
}

/** A run of pages [first, last] of the region, drawn as a selected range. */
export interface PageRange {
  first: number;
  last: number;
}

/** Largest cell when a small region is fitted, and when zoomed in. */
const MAX_FIT_CELL_PX = 28;
const MAX_CELL_PX = 64;
const GRID_LINES_MIN_PX = 6;
/** Room at the left for the row addresses and at the top for the VMA label. */
const GUTTER_PX = 94;
const TOP_PX = 24;
const PAD_PX = 10;

export class ProcessGrid {
  private readonly staticCanvas: HTMLCanvasElement;
  private readonly overlayCanvas: HTMLCanvasElement;
  private readonly zoomBehavior: ZoomBehavior<HTMLCanvasElement, unknown>;
  private readonly zoomTarget: Selection<HTMLCanvasElement, unknown, null, undefined>;
  private readonly resizeObserver: ResizeObserver;
  private readonly palette = pagePaletteWords();

  private data: ProcessRegionData | null = null;
  private layoutNow: PageGridLayout = pageGridLayout(0, 0);
  /** state per cell (NONE outside the region) */
  private cells = new Uint8Array(0);
  private bitmaps: FrameBitmaps | undefined;

  private t: ZoomTransform = zoomIdentity;
  private cssW = 0;
  private cssH = 0;
  private dpr = 1;
  private viewTouched = false;

  private hover: number | null = null;
  private selection: number | null = null;
  /** the frames selected on the frame grid (linked views): pages mapping one of them are outlined */
  private frameLink: { from: number; to: number } | null = null;
  /** draw a shape per page state over the colours when cells are big enough (patterns.ts) */
  private patterns = false;
  private linked: number[] = [];
  /** the selected run of pages (shift-click, shift-drag, shift+arrows) */
  private range: PageRange | null = null;
  /** where a shift-drag started, while the button is down */
  private dragAnchor: number | null = null;
  private dragStart: number | null = null;

  constructor(
    private readonly host: HTMLElement,
    private readonly opts: ProcessGridOptions = {},
  ) {
    this.staticCanvas = layer('process-grid-static');
    this.overlayCanvas = layer('process-grid-overlay');
    this.staticCanvas.setAttribute('aria-hidden', 'true');
    this.overlayCanvas.setAttribute('aria-hidden', 'true');
    host.append(this.staticCanvas, this.overlayCanvas);

    this.zoomBehavior = zoom<HTMLCanvasElement, unknown>()
      .constrain((t) => this.constrain(t))
      // A click activates a page; only a drag pans. A shift-drag selects pages instead of panning.
      .clickDistance(4)
      .filter((ev: MouseEvent | WheelEvent) => {
        if (ev.type === 'wheel') return true;
        return !ev.ctrlKey && !ev.shiftKey && !ev.button;
      })
      .on('zoom', (ev: D3ZoomEvent<HTMLCanvasElement, unknown>) => {
        this.t = ev.transform;
        if (ev.sourceEvent) this.viewTouched = true;
        this.redrawAll();
        this.opts.onView?.();
      });
    this.zoomTarget = select(this.overlayCanvas);
    this.zoomTarget.call(this.zoomBehavior).on('dblclick.zoom', null);

    this.overlayCanvas.addEventListener('pointermove', this.onPointerMove);
    this.overlayCanvas.addEventListener('pointerleave', this.onPointerLeave);
    this.overlayCanvas.addEventListener('click', this.onClick);
    this.overlayCanvas.addEventListener('pointerdown', this.onPointerDown);
    this.overlayCanvas.addEventListener('pointerup', this.onPointerUp);

    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(host);
    this.resize();
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    this.zoomTarget.on('.zoom', null);
    this.overlayCanvas.removeEventListener('pointermove', this.onPointerMove);
    this.overlayCanvas.removeEventListener('pointerleave', this.onPointerLeave);
    this.overlayCanvas.removeEventListener('click', this.onClick);
    this.overlayCanvas.removeEventListener('pointerdown', this.onPointerDown);
    this.overlayCanvas.removeEventListener('pointerup', this.onPointerUp);
    this.staticCanvas.remove();
    this.overlayCanvas.remove();
  }

  // --- data ---------------------------------------------------------------------------------------

  get layout(): PageGridLayout {
    return this.layoutNow;
  }

  get region(): ProcessRegionData | null {
    return this.data;
  }

  /** Show a region's pages; the same region again repaints only the rows that changed. */
  setData(d: ProcessRegionData | null): void {
    const prev = this.data;
    this.data = d;
    this.relink();
    if (!d) {
      this.layoutNow = pageGridLayout(0, 0);
      this.cells = new Uint8Array(0);
      this.bitmaps = undefined;
      this.hover = null;
      this.selection = null;
      this.redrawAll();
      return;
    }
    const firstVpn = Math.floor(d.start / 2 ** d.pageShift);
    const same =
      prev !== null &&
      prev.key === d.key &&
      this.layoutNow.firstVpn === firstVpn &&
      this.layoutNow.nPages === d.states.length;
    if (same && this.bitmaps) {
      const { offset, cols } = this.layoutNow;
      let first = -1;
      let last = -1;
      if (d.changed && prev !== null && prev !== d && prev.version === d.changed.base) {
        // Only the pages the delta named can differ from what the cells hold.
        for (const i of d.changed.pages) {
          if (i >= d.states.length || this.cells[offset + i] === d.states[i]) continue;
          this.cells[offset + i] = d.states[i]!;
          if (first < 0 || i < first) first = i;
          if (i > last) last = i;
        }
      } else {
        for (let i = 0; i < d.states.length; i++) {
          if (this.cells[offset + i] !== d.states[i]) {
            if (first < 0) first = i;
            last = i;
          }
        }
        if (first >= 0) this.cells.set(d.states, offset);
      }
      if (first >= 0)
        this.bitmaps.markRows(Math.floor((offset + first) / cols), Math.floor((offset + last) / cols) + 1);
      this.redrawAll();
      return;
    }
    this.layoutNow = pageGridLayout(firstVpn, d.states.length);
    this.cells = new Uint8Array(this.layoutNow.nrPages).fill(NONE);
    this.cells.set(d.states, this.layoutNow.offset);
    this.bitmaps = new FrameBitmaps(this.layoutNow, this.cells, this.palette, PAGE_NOTABILITY);
    if (prev?.key !== d.key) {
      this.hover = null;
      this.selection = null;
      this.range = null;
    }
    this.updateZoomLimits();
    this.viewTouched = false;
    this.zoomTarget.call(this.zoomBehavior.transform, this.fitTransform());
    this.redrawAll();
  }

  /** The state byte of a page of the region (VPageState), as last received. */
  stateOf(page: number): number {
    return this.data?.states[page] ?? 0;
  }

  /** The pfn a page maps, or -1. */
  pfnOf(page: number): number {
    return this.data?.pfns[page] ?? -1;
  }

  /** The virtual address of a page of the region. */
  addressOf(page: number): number {
    return this.data ? this.data.start + page * 2 ** this.data.pageShift : 0;
  }

  setSelection(page: number | null): void {
    if (page === this.selection) return;
    this.selection = page;
    raf.scheduleRedraw(this.drawOverlay);
  }

  /** Shade a run of pages (the range the madvise/mprotect/munmap controls act on), or none. */
  setRange(range: PageRange | null): void {
    if (range?.first === this.range?.first && range?.last === this.range?.last) return;
    this.range = range;
    raf.scheduleRedraw(this.drawOverlay);
  }

  get selectedRange(): PageRange | null {
    return this.range;
  }

  /**
   * Outline the pages that map a frame in [from, to): the frame (or block) selected on the frame
   * grid, so the learner sees which virtual pages lead to it.
   */
  setFrameLink(range: { from: number; to: number } | null): void {
    if (range?.from === this.frameLink?.from && range?.to === this.frameLink?.to) return;
    this.frameLink = range;
    this.relink();
    raf.scheduleRedraw(this.drawOverlay);
  }

  /** Shapes over the colours (the header's "patterns" switch), so page states differ without colour. */
  setPatterns(on: boolean): void {
    if (on === this.patterns) return;
    this.patterns = on;
    raf.scheduleRedraw(this.drawStatic);
  }

  /** The pattern of each visible page (render/patterns.ts). */
  private drawPatterns(
    ctx: CanvasRenderingContext2D,
    cell: number,
    x0: number,
    y0: number,
    c0: number,
    c1: number,
    r0: number,
    r1: number,
  ): void {
    const d = this.data!;
    const { cols, offset } = this.layoutNow;
    drawPatterns(ctx, cell, x0, y0, [r0, r1], [c0, c1], (r, c) => {
      const page = r * cols + c - offset;
      if (page < 0 || page >= d.states.length) return null;
      const state = d.states[page]!;
      const kind = pagePatternOf(state);
      return kind ? { kind, fill: pageColor(state) } : null;
    });
  }

  /** Pages of the region that map the linked frames, in address order. */
  get linkedPages(): readonly number[] {
    return this.linked;
  }

  private relink(): void {
    const r = this.frameLink;
    const pfns = this.data?.pfns;
    this.linked = [];
    if (!r || !pfns) return;
    for (let i = 0; i < pfns.length; i++) {
      const pfn = pfns[i]!;
      if (pfn >= r.from && pfn < r.to) this.linked.push(i);
    }
  }

  /** Highlight a page as if the pointer were on it (the keyboard cursor). */
  setHover(page: number | null): void {
    if (page === this.hover) return;
    this.hover = page;
    raf.scheduleRedraw(this.drawOverlay);
  }

  // --- view ---------------------------------------------------------------------------------------

  get transform(): ZoomTransform {
    return this.t;
  }

  /** CSS pixels per page. */
  get cellPx(): number {
    return this.t.k;
  }

  panBy(dx: number, dy: number): void {
    this.viewTouched = true;
    this.zoomTarget.call(this.zoomBehavior.translateBy, dx / this.t.k, dy / this.t.k);
  }

  zoomBy(factor: number): void {
    this.viewTouched = true;
    this.zoomTarget.call(this.zoomBehavior.scaleBy, factor);
  }

  resetView(): void {
    this.viewTouched = false;
    this.zoomTarget.call(this.zoomBehavior.transform, this.fitTransform());
  }

  /** Centre page `i` with cells `cellPx` CSS pixels wide (never smaller than the fitted view). */
  focusPage(i: number, cellPx = 20): void {
    const { col, row } = pageCell(this.layoutNow, i);
    const k = Math.min(MAX_CELL_PX, Math.max(this.fitScale(), cellPx));
    this.viewTouched = true;
    // zoom.transform does not constrain (translateBy and scaleBy do): keep the gutter clear here.
    // The centre is the cells' area right of the address gutter: in a narrow pane (two processes
    // side by side) the canvas's own centre lies under the gutter, where the page cannot be seen.
    const cx = GUTTER_PX + (this.cssW - GUTTER_PX) / 2;
    const t = this.constrain(
      zoomIdentity.translate(cx - (col + 0.5) * k, this.cssH / 2 - (row + 0.5) * k).scale(k),
    );
    this.zoomTarget.call(this.zoomBehavior.transform, t);
  }

  /** Pan just enough to bring page `i` into view. */
  reveal(i: number): void {
    const c = this.cellCenterLocal(i);
    const k = this.t.k;
    const margin = Math.max(k, 12);
    let dx = 0;
    let dy = 0;
    if (c.x < GUTTER_PX + margin) dx = GUTTER_PX + margin - c.x;
    else if (c.x > this.cssW - margin) dx = this.cssW - margin - c.x;
    if (c.y < margin) dy = margin - c.y;
    else if (c.y > this.cssH - margin) dy = this.cssH - margin - c.y;
    if (dx || dy) this.panBy(dx, dy);
  }

  /** The region's page under a point in client coordinates, or null. */
  pageAt(clientX: number, clientY: number): number | null {
    const r = this.overlayCanvas.getBoundingClientRect();
    if (clientX - r.left < GUTTER_PX) return null; // the address gutter
    const [wx, wy] = this.t.invert([clientX - r.left, clientY - r.top]);
    return pageAtCell(this.layoutNow, Math.floor(wx), Math.floor(wy));
  }

  /** The centre of page `i`'s cell in client coordinates. */
  cellCenter(i: number): { x: number; y: number } {
    const r = this.overlayCanvas.getBoundingClientRect();
    const c = this.cellCenterLocal(i);
    return { x: r.left + c.x, y: r.top + c.y };
  }

  /** The static layer's canvas (tests read its pixels). */
  get canvas(): HTMLCanvasElement {
    return this.staticCanvas;
  }

  /** The static layer waits for the next frame to be painted (what it holds is not on screen yet). */
  get paintPending(): boolean {
    return raf.isScheduled(this.drawStatic);
  }

  /** The centre of page `i`'s cell relative to the canvas's top-left corner, CSS pixels. */
  cellPoint(i: number): { x: number; y: number } {
    return this.cellCenterLocal(i);
  }

  /** The canvas's size in CSS pixels and the width of the address gutter at its left. */
  get viewBox(): { width: number; height: number; gutter: number } {
    return { width: this.cssW, height: this.cssH, gutter: GUTTER_PX };
  }

  /** Pages of the region whose cells are (at least partly) inside the view: [first, last], or null. */
  visiblePages(): PageRange | null {
    const { cols, nPages, offset } = this.layoutNow;
    if (!this.data || nPages === 0) return null;
    const r0 = Math.max(0, Math.floor(this.t.invertY(0)));
    const r1 = Math.ceil(this.t.invertY(this.cssH));
    const first = Math.max(0, r0 * cols - offset);
    const last = Math.min(nPages - 1, r1 * cols - offset - 1);
    return last >= first ? { first, last } : null;
  }

  // --- drawing ------------------------------------------------------------------------------------

  private cellCenterLocal(i: number): { x: number; y: number } {
    const { col, row } = pageCell(this.layoutNow, i);
    const [x, y] = this.t.apply([col + 0.5, row + 0.5]);
    return { x, y };
  }

  private readonly drawStatic = (): void => {
    this.bitmaps?.flush();
    const ctx = this.staticCanvas.getContext('2d')!;
    const { dpr, t } = this;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = PAGE_GRID_BACKGROUND;
    ctx.fillRect(0, 0, this.staticCanvas.width, this.staticCanvas.height);
    if (!this.data || !this.bitmaps) return;
    const { cols, rows } = this.layoutNow;
    const level = this.bitmaps.levelFor(dpr * t.k);
    const k = t.k * level.scale;
    ctx.imageSmoothingEnabled = false;
    ctx.setTransform(dpr * k, 0, 0, dpr * k, dpr * t.x, dpr * t.y);
    ctx.drawImage(level.canvas, 0, 0);
    ctx.setTransform(1, 0, 0, 1, 0, 0);

    const cell = dpr * t.k;
    const [x0, y0] = [dpr * t.x, dpr * t.y];
    if (cell >= GRID_LINES_MIN_PX) {
      // Cell borders inside the region only: the cells around it in its first and last rows are
      // not pages of the region.
      ctx.save();
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      this.traceSpan(ctx, this.layoutNow.offset, this.layoutNow.offset + this.layoutNow.nPages);
      ctx.clip();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      const c0 = Math.max(0, Math.floor(-x0 / cell));
      const c1 = Math.min(cols, Math.ceil((this.staticCanvas.width - x0) / cell));
      const r0 = Math.max(0, Math.floor(-y0 / cell));
      const r1 = Math.min(rows, Math.ceil((this.staticCanvas.height - y0) / cell));
      ctx.beginPath();
      for (let c = c0; c <= c1; c++) {
        const x = Math.round(x0 + c * cell) + 0.5;
        ctx.moveTo(x, y0 + r0 * cell);
        ctx.lineTo(x, y0 + r1 * cell);
      }
      for (let r = r0; r <= r1; r++) {
        const y = Math.round(y0 + r * cell) + 0.5;
        ctx.moveTo(x0 + c0 * cell, y);
        ctx.lineTo(x0 + c1 * cell, y);
      }
      ctx.strokeStyle = 'rgba(0, 0, 0, 0.16)';
      ctx.lineWidth = 1;
      ctx.stroke();
      if (this.patterns && t.k >= PATTERN_MIN_PX) this.drawPatterns(ctx, cell, x0, y0, c0, c1, r0, r1);
      ctx.restore();
    }
  };

  private readonly drawOverlay = (): void => {
    const ctx = this.overlayCanvas.getContext('2d')!;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.overlayCanvas.width, this.overlayCanvas.height);
    const d = this.data;
    if (!d || d.states.length === 0) return;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    this.drawRegionOutline(ctx);
    this.drawBlocks(ctx, d);
    if (this.range) this.drawRange(ctx, this.range);
    // At most a few thousand outlines: the zero page can be behind a million pages.
    for (const i of this.linked.slice(0, MAX_LINK_OUTLINES))
      this.outlinePage(ctx, i, SELECTED_BLOCK_COLOR, 2);
    if (this.selection !== null) this.outlinePage(ctx, this.selection, '#0062a3', 3);
    if (this.hover !== null) this.outlinePage(ctx, this.hover, '#000000', 2);
    this.drawRowLabels(ctx, d);
    this.drawVmas(ctx, d);
  };

  /** The selected run of pages: a translucent wash and a heavy outline around it. */
  private drawRange(ctx: CanvasRenderingContext2D, r: PageRange): void {
    const { offset } = this.layoutNow;
    this.traceSpan(ctx, offset + r.first, offset + r.last + 1);
    ctx.fillStyle = 'rgba(0, 98, 163, 0.28)';
    ctx.fill();
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.9)';
    ctx.lineWidth = 5;
    ctx.stroke();
    ctx.strokeStyle = '#0062a3';
    ctx.lineWidth = 3;
    ctx.stroke();
  }

  /** The region's outline: a staircase when it does not start or end on a row boundary. */
  private drawRegionOutline(ctx: CanvasRenderingContext2D): void {
    const { offset, nPages } = this.layoutNow;
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.55)';
    ctx.lineWidth = 1;
    this.traceSpan(ctx, offset, offset + nPages);
    ctx.stroke();
  }

  /** Path around cells [c0, c1) (cell indices, row-major). */
  private traceSpan(ctx: CanvasRenderingContext2D, c0: number, c1: number): void {
    const { cols } = this.layoutNow;
    const p = (col: number, row: number): [number, number] => {
      const [x, y] = this.t.apply([col, row]);
      return [Math.round(x) + 0.5, Math.round(y) + 0.5];
    };
    const r0 = Math.floor(c0 / cols);
    const a = c0 % cols;
    const r1 = Math.floor((c1 - 1) / cols);
    const b = ((c1 - 1) % cols) + 1;
    const pts: [number, number][] = [];
    if (r0 === r1) {
      pts.push(p(a, r0), p(b, r0), p(b, r0 + 1), p(a, r0 + 1));
    } else {
      pts.push(p(a, r0), p(cols, r0), p(cols, r1), p(b, r1), p(b, r1 + 1), p(0, r1 + 1));
      pts.push(p(0, r0 + 1), p(a, r0 + 1));
    }
    ctx.beginPath();
    ctx.moveTo(...pts[0]!);
    for (const q of pts.slice(1)) ctx.lineTo(...q);
    ctx.closePath();
  }

  /** Virtual addresses of row starts in the gutter, as densely as the row height allows. */
  private drawRowLabels(ctx: CanvasRenderingContext2D, d: ProcessRegionData): void {
    const { cols, rows, firstVpn, offset } = this.layoutNow;
    const k = this.t.k;
    let every = 1;
    while (every * k < 14 && every < rows) every *= 2;
    const rowVpn0 = firstVpn - offset;
    // The gutter stays a gutter: grid cells panned under it are covered.
    const gx = Math.max(this.t.x, GUTTER_PX);
    if (this.t.x < GUTTER_PX) {
      ctx.fillStyle = PAGE_GRID_BACKGROUND;
      ctx.fillRect(0, 0, GUTTER_PX, this.cssH);
      ctx.strokeStyle = 'rgba(0, 0, 0, 0.35)';
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(GUTTER_PX - 0.5, 0);
      ctx.lineTo(GUTTER_PX - 0.5, this.cssH);
      ctx.stroke();
    }
    ctx.font = '11px ui-monospace, Menlo, Consolas, monospace';
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    ctx.fillStyle = '#3b3b3b';
    const r0 = Math.max(0, Math.floor(this.t.invertY(0)));
    const r1 = Math.min(rows - 1, Math.ceil(this.t.invertY(this.cssH)));
    for (let r = Math.ceil(r0 / every) * every; r <= r1; r += every) {
      const va = (rowVpn0 + r * cols) * 2 ** d.pageShift;
      const [, y] = this.t.apply([0, r + 0.5]);
      ctx.fillText(va.toString(16), gx - 6, y);
    }
    ctx.textAlign = 'left';
  }

  /** VMA boundaries inside the region as heavy lines, and a label at each VMA's first page. */
  private drawVmas(ctx: CanvasRenderingContext2D, d: ProcessRegionData): void {
    const { offset, nPages } = this.layoutNow;
    const ps = 2 ** d.pageShift;
    const end = d.start + nPages * ps;
    const vmas = d.vmas.filter((v) => v.end > d.start && v.start < end);
    ctx.font = '600 11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    // Labels drawn so far: a label that would cover one is left out (mprotect splits make VMAs
    // a few pages apart; the boundary lines still show them).
    const drawn: { x: number; y: number; w: number }[] = [];
    for (const v of vmas) {
      const a = Math.max(0, Math.round((Math.max(v.start, d.start) - d.start) / ps));
      const b = Math.min(nPages, Math.round((Math.min(v.end, end) - d.start) / ps));
      if (b <= a) continue;
      if (vmas.length > 1) {
        ctx.strokeStyle = '#1d1d1f';
        ctx.lineWidth = 2;
        this.traceSpan(ctx, offset + a, offset + b);
        ctx.stroke();
      }
      const label = `VMA ${v.start.toString(16)}–${v.end.toString(16)} ${v.label}`;
      const { col, row } = pageCell(this.layoutNow, a);
      let [x, y] = this.t.apply([col, row]);
      const w = ctx.measureText(label).width + 8;
      x = Math.max(GUTTER_PX + 2, Math.min(x, this.cssW - w - 2));
      y = Math.max(9, y - 10);
      if (y > this.cssH) continue;
      if (drawn.some((o) => Math.abs(o.y - y) < 16 && x < o.x + o.w && o.x < x + w)) continue;
      drawn.push({ x, y, w });
      ctx.fillStyle = 'rgba(29, 29, 31, 0.88)';
      ctx.fillRect(x, y - 8, w, 16);
      ctx.fillStyle = '#ffffff';
      ctx.fillText(label, x + 4, y);
    }
  }

  /** Each PMD mapping as one block: a heavy outline around its pages and its label inside. */
  private drawBlocks(ctx: CanvasRenderingContext2D, d: ProcessRegionData): void {
    const { offset, cols } = this.layoutNow;
    for (const b of d.blocks ?? []) {
      ctx.strokeStyle = 'rgba(255, 255, 255, 0.9)';
      ctx.lineWidth = 5;
      this.traceSpan(ctx, offset + b.first, offset + b.first + b.count);
      ctx.stroke();
      ctx.strokeStyle = b.kind === 'thp' ? '#002b55' : '#00352f';
      ctx.lineWidth = 3;
      ctx.stroke();
      // The label in the middle of the block, when the block is tall enough to hold it.
      const c0 = offset + b.first;
      const r0 = Math.floor(c0 / cols);
      const r1 = Math.floor((c0 + b.count - 1) / cols);
      const [x0, y0] = this.t.apply([c0 % cols, r0]);
      const [x1, y1] = this.t.apply([r0 === r1 ? ((c0 + b.count - 1) % cols) + 1 : cols, r1 + 1]);
      if (y1 - y0 < 18 || y1 < 0 || y0 > this.cssH) continue;
      ctx.font = '600 12px system-ui, sans-serif';
      ctx.textBaseline = 'middle';
      const tw = ctx.measureText(b.label).width + 10;
      const cx = Math.max(GUTTER_PX + 2, Math.min((x0 + x1) / 2 - tw / 2, this.cssW - tw - 2));
      const cy = Math.max(10, Math.min((Math.max(y0, 0) + Math.min(y1, this.cssH)) / 2, this.cssH - 10));
      ctx.fillStyle = 'rgba(255, 255, 255, 0.92)';
      ctx.fillRect(cx, cy - 9, tw, 18);
      ctx.strokeStyle = '#1d1d1f';
      ctx.lineWidth = 1;
      ctx.strokeRect(cx + 0.5, cy - 8.5, tw - 1, 17);
      ctx.fillStyle = '#1d1d1f';
      ctx.fillText(b.label, cx + 5, cy);
    }
  }

  private outlinePage(ctx: CanvasRenderingContext2D, i: number, color: string, width: number): void {
    if (i < 0 || i >= this.layoutNow.nPages) return;
    const { col, row } = pageCell(this.layoutNow, i);
    const k = this.t.k;
    const minPx = 7;
    let [x, y] = this.t.apply([col, row]);
    let w = k;
    if (w < minPx) {
      x -= (minPx - w) / 2;
      y -= (minPx - w) / 2;
      w = minPx;
    }
    ctx.lineWidth = width + 2;
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.9)';
    ctx.strokeRect(x - width / 2, y - width / 2, w + width, w + width);
    ctx.lineWidth = width;
    ctx.strokeStyle = color;
    ctx.strokeRect(x - width / 2, y - width / 2, w + width, w + width);
  }

  private redrawAll(): void {
    raf.scheduleRedraw(this.drawStatic);
    raf.scheduleRedraw(this.drawOverlay);
  }

  private resize(): void {
    ({
      cssW: this.cssW,
      cssH: this.cssH,
      dpr: this.dpr,
    } = sizeCanvases(this.host, [this.staticCanvas, this.overlayCanvas]));
    this.updateZoomLimits();
    if (!this.viewTouched && this.data)
      this.zoomTarget.call(this.zoomBehavior.transform, this.fitTransform());
    this.redrawAll();
    this.opts.onView?.();
  }

  private fitScale(): number {
    const { cols, rows } = this.layoutNow;
    if (!cols || !rows) return 1;
    return Math.max(
      0.05,
      Math.min(
        MAX_FIT_CELL_PX,
        (this.cssW - GUTTER_PX - PAD_PX) / cols,
        (this.cssH - TOP_PX - PAD_PX) / rows,
      ),
    );
  }

  private fitTransform(): ZoomTransform {
    const { cols } = this.layoutNow;
    const k = this.fitScale();
    const x = GUTTER_PX + Math.max(0, (this.cssW - GUTTER_PX - PAD_PX - cols * k) / 2);
    return this.constrain(zoomIdentity.translate(x, TOP_PX).scale(k));
  }

  private updateZoomLimits(): void {
    const fit = this.fitScale();
    this.zoomBehavior.scaleExtent([fit * 0.75, Math.max(fit, MAX_CELL_PX)]);
    this.zoomBehavior.extent([
      [0, 0],
      [this.cssW, this.cssH],
    ]);
  }

  /**
   * Keep the grid in view, in screen pixels: room for the address gutter at the left and the VMA
   * label at the top. A grid narrower (shorter) than the view is centred (top-aligned); a larger one
   * can be panned until its far edge is a margin inside the view.
   */
  private constrain(t: ZoomTransform): ZoomTransform {
    const { cols, rows } = this.layoutNow;
    const w = cols * t.k;
    const h = rows * t.k;
    const left = GUTTER_PX;
    const room = this.cssW - left - PAD_PX;
    const x = w <= room ? left + (room - w) / 2 : Math.min(left, Math.max(this.cssW - PAD_PX - w, t.x));
    const roomY = this.cssH - TOP_PX - PAD_PX;
    const y = h <= roomY ? TOP_PX : Math.min(TOP_PX, Math.max(this.cssH - PAD_PX - h, t.y));
    return x === t.x && y === t.y ? t : zoomIdentity.translate(x, y).scale(t.k);
  }

  private readonly onPointerDown = (ev: PointerEvent): void => {
    if (!ev.shiftKey || ev.button !== 0) return;
    const page = this.pageAt(ev.clientX, ev.clientY);
    if (page === null) return;
    // Shift-click extends from the selected page; a shift-drag runs from where it started (the
    // anchor moves there once the pointer leaves this page).
    this.dragAnchor = this.selection ?? page;
    this.dragStart = page;
    this.overlayCanvas.setPointerCapture?.(ev.pointerId);
    this.emitRange(page);
  };

  private readonly onPointerUp = (ev: PointerEvent): void => {
    if (this.dragAnchor === null) return;
    this.dragAnchor = null;
    this.dragStart = null;
    this.overlayCanvas.releasePointerCapture?.(ev.pointerId);
  };

  private emitRange(page: number): void {
    const a = this.dragAnchor!;
    this.opts.onRange?.(Math.min(a, page), Math.max(a, page));
  }

  private readonly onPointerMove = (ev: PointerEvent): void => {
    const page = this.pageAt(ev.clientX, ev.clientY);
    if (this.dragAnchor !== null && page !== null && ev.buttons & 1) {
      if (page !== this.dragStart) this.dragAnchor = this.dragStart;
      this.emitRange(page);
    }
    if (page !== this.hover) {
      this.hover = page;
      raf.scheduleRedraw(this.drawOverlay);
    }
    this.opts.onHover?.(page === null ? null : { page, clientX: ev.clientX, clientY: ev.clientY });
  };

  private readonly onPointerLeave = (): void => {
    if (this.hover !== null) {
      this.hover = null;
      raf.scheduleRedraw(this.drawOverlay);
    }
    this.opts.onHover?.(null);
  };

  private readonly onClick = (ev: MouseEvent): void => {
    if (ev.shiftKey) return; // a range (pointerdown/move), not an access
    const page = this.pageAt(ev.clientX, ev.clientY);
    if (page === null) return;
    this.setSelection(page);
    this.opts.onActivate?.(page);
  };
}

function layer(className: string): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.className = className;
  return c;
}
