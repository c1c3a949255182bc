/**
 * The page-frame grid: one cell per physical frame, coloured by its state. No React in here.
 *
 * Three layers, after excalidraw's static/interactive split:
 *   - the bitmaps (frame_bitmap.ts): offscreen canvases with one texel per frame (row-major,
 *     layout.ts) and coarser levels for the overview. Frame deltas repaint only the rows they touch.
 *   - the static canvas: a bitmap drawn scaled by d3-zoom's transform with smoothing off, so
 *     panning a million frames is one drawImage. It is redrawn on zoom and on deltas only.
 *   - the overlay canvas: hover, selection, highlighted block, markers. Redrawn on hover without
 *     touching the static layer.
 * All drawing happens in the frame scheduler (raf_scheduler.ts).
 */
import { select, type Selection } from 'd3-selection';
import { sizeCanvases } from './canvas_size.ts';
import { zoom, zoomIdentity, type D3ZoomEvent, type ZoomBehavior, type ZoomTransform } from 'd3-zoom';
import { FrameState } from '../core/shared/frame_state.ts';
import type { FrameDeltaNotice } from '../worker/protocol.ts';
import { FrameBitmaps } from './frame_bitmap.ts';
import { cellOf, gridLayout, pfnAtCell, type GridLayout } from './layout.ts';
import { GRID_BACKGROUND, SELECTED_BLOCK_COLOR, frameColor, paletteWords } from './palette.ts';
import { PATTERN_MIN_PX, drawPatterns, patternOf } from './patterns.ts';
import { raf } from './raf_scheduler.ts';

export interface GridHover {
  pfn: number;
  clientX: number;
  clientY: number;
}

export interface FrameGridOptions {
  /** The pointer moved over a frame (or off the grid: null). */
  onHover?(hover: GridHover | null): void;
  /** A frame was clicked (or empty space: null). */
  onSelect?(pfn: number | null): void;
  /** Frame states changed; called at most once per animation frame. */
  onStatesChanged?(): void;
  /** The view moved or zoomed. */
  onViewChanged?(view: GridView): void;
}

/** A labelled frame drawn on top of the grid so it can be found at any zoom (the zero page). */
export interface GridMarker {
  pfn: number;
  label: string;
  /** frames marked from `pfn` on (MIPS and s390 have several zero pages); 1 when absent */
  count?: number;
  /** a compound folio: zoomed in, its head frame (`pfn`) gets a heavier outline than its tails */
  head?: boolean;
}

/** A labelled pfn, drawn as a line at the left edge (zone starts). */
export interface GridBoundary {
  pfn: number;
  label: string;
}

/** What the view shows, for captions. */
export interface GridView {
  /** CSS pixels per frame */
  cellPx: number;
  /** frames per drawn texel side: 1 when every frame has its own pixels, 2^n in the overview */
  framesPerTexel: number;
}

export interface PfnRange {
  from: number;
  to: number;
}

const MAX_CELL_PX = 96;
/** The linked-frame ring: the app's accent blue (white text on it meets WCAG AA). */
const LINK_COLOR = '#0062a3';
/** Cells at least this many device pixels wide get grid lines. */
const GRID_LINES_MIN_PX = 7;
/** How far (CSS pixels) the grid may be dragged past its edges. */
const EDGE_MARGIN_PX = 32;

export class FrameGrid {
  private readonly staticCanvas: HTMLCanvasElement;
  private readonly overlayCanvas: HTMLCanvasElement;
  private readonly zoomBehavior: ZoomBehavior<HTMLCanvasElement, unknown>;
  private readonly zoomTarget: Selection<HTMLCanvasElement, unknown, null, undefined>;
  private readonly resizeObserver: ResizeObserver;
  private readonly palette = paletteWords();

  private layoutNow: GridLayout = gridLayout(0);
  private generationNow = -1;
  /** The frame-state byte of every pfn: the main thread's copy of the worker's view. */
  private states = new Uint8Array(0);
  private readonly stateCounts = new Uint32Array(256);
  private bitmaps: FrameBitmaps | undefined;

  private t: ZoomTransform = zoomIdentity;
  private cssW = 0;
  private cssH = 0;
  private dpr = 1;
  /** The user has moved the view; until then a resize refits the grid. */
  private viewTouched = false;

  private hover: number | null = null;
  private selection: number | null = null;
  private highlight: PfnRange | null = null;
  /** the selection's whole buddy block or folio (linked views), outlined around the selected frame */
  private block: PfnRange | null = null;
  private markers: GridMarker[] = [];
  /** the frame a virtual page maps (linked highlight from the process grid) */
  private link: GridMarker | null = null;
  private boundaries: GridBoundary[] = [];
  /** draw a shape per state over the colours when cells are big enough (patterns.ts) */
  private patterns = false;
  private statesChangedQueued = false;
  /** Called after every view change (pan, zoom, resize): overlays drawn over the grid follow it. */
  private readonly viewListeners = new Set<() => void>();
  /** How long the last static redraws took, in ms (newest last; the pan-smoothness test reads it). */
  readonly drawTimes: number[] = [];

  constructor(
    private readonly host: HTMLElement,
    private readonly opts: FrameGridOptions = {},
  ) {
    this.staticCanvas = layer('frame-grid-static');
    this.overlayCanvas = layer('frame-grid-overlay');
    this.staticCanvas.setAttribute('aria-hidden', 'true');
    this.overlayCanvas.setAttribute('aria-hidden', 'true');
    host.append(this.staticCanvas, this.overlayCanvas);

    this.zoomBehavior = zoom<HTMLCanvasElement, unknown>()
      .scaleExtent([0.05, MAX_CELL_PX])
      .constrain(constrainWithMargin)
      .on('zoom', (ev: D3ZoomEvent<HTMLCanvasElement, unknown>) => {
        this.t = ev.transform;
        if (ev.sourceEvent) this.viewTouched = true;
        this.redrawAll();
        this.opts.onViewChanged?.(this.view);
        for (const l of this.viewListeners) l();
      });
    this.zoomTarget = select(this.overlayCanvas);
    this.zoomTarget.call(this.zoomBehavior);

    this.overlayCanvas.addEventListener('pointermove', this.onPointerMove);
    this.overlayCanvas.addEventListener('pointerleave', this.onPointerLeave);
    this.overlayCanvas.addEventListener('click', this.onClick);

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
    this.staticCanvas.remove();
    this.overlayCanvas.remove();
  }

  // --- data ---------------------------------------------------------------------------------------

  get layout(): GridLayout {
    return this.layoutNow;
  }

  get generation(): number {
    return this.generationNow;
  }

  /** The grid has cells and the static layer shows them. */
  get hasFrames(): boolean {
    return this.layoutNow.nrPages > 0;
  }

  /** Apply frame states from the worker. A new generation starts a new grid. */
  applyDelta(d: FrameDeltaNotice): void {
    if (d.generation !== this.generationNow || d.nrPages !== this.layoutNow.nrPages) {
      this.reset(d.generation, d.nrPages);
    }
    const counts = this.stateCounts;
    const states = this.states;
    const cols = this.layoutNow.cols;
    for (let i = 0, at = 0; i < d.ranges.length; i += 2) {
      const from = d.ranges[i]!;
      const to = d.ranges[i + 1]!;
      for (let p = from; p < to; p++) counts[states[p]!]!--;
      states.set(d.states.subarray(at, at + to - from), from);
      for (let p = from; p < to; p++) counts[states[p]!]!++;
      at += to - from;
      this.bitmaps!.markRows(Math.floor(from / cols), Math.ceil(to / cols));
    }
    this.redrawAll();
    if (!this.statesChangedQueued) {
      this.statesChangedQueued = true;
      // After the frame that paints the new states: the views that count them (legend, fault
      // card) re-render then instead of holding that frame up.
      void raf.afterFrame().then(() => {
        this.statesChangedQueued = false;
        this.opts.onStatesChanged?.();
      });
    }
  }

  /** The state byte of a pfn (FrameState), as last received. */
  stateOf(pfn: number): number {
    return this.states[pfn] ?? FrameState.Uninit;
  }

  /** How many frames are in each state (indexed by FrameState). */
  counts(): Uint32Array {
    return this.stateCounts;
  }

  /** A 32-bit FNV-1a hash of every frame's state (tests compare two grids through it). */
  digest(): number {
    let h = 0x811c9dc5;
    for (const s of this.states) h = Math.imul(h ^ s, 0x01000193) >>> 0;
    return h;
  }

  /** The first pfn in `state`, or null. */
  findState(state: number, from = 0): number | null {
    const i = this.states.indexOf(state, from);
    return i < 0 ? null : i;
  }

  // --- interaction state (overlay) ------------------------------------------------------------------

  setSelection(pfn: number | null): void {
    if (pfn === this.selection) return;
    this.selection = pfn;
    raf.scheduleRedraw(this.drawOverlay);
  }

  /** Shapes over the colours (the header's "patterns" switch), so states differ without colour. */
  setPatterns(on: boolean): void {
    if (on === this.patterns) return;
    this.patterns = on;
    raf.scheduleRedraw(this.drawStatic);
  }

  get patternsOn(): boolean {
    return this.patterns;
  }

  /** The pattern of each visible frame (render/patterns.ts). */
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
    const { cols } = this.layoutNow;
    const n = this.layoutNow.nrPages;
    drawPatterns(ctx, cell, x0, y0, [r0, r1], [c0, c1], (r, c) => {
      const pfn = r * cols + c;
      if (pfn >= n) return null;
      const state = this.states[pfn]!;
      const kind = patternOf(state);
      return kind ? { kind, fill: frameColor(state) } : null;
    });
  }

  /** Outline a block of frames, e.g. the allocation just made. */
  setHighlight(range: PfnRange | null): void {
    if (range?.from === this.highlight?.from && range?.to === this.highlight?.to) return;
    this.highlight = range;
    raf.scheduleRedraw(this.drawOverlay);
  }

  /** Outline the block the selected frame belongs to (a free buddy block, a folio), or nothing. */
  setSelectedBlock(range: PfnRange | null): void {
    if (range?.from === this.block?.from && range?.to === this.block?.to) return;
    this.block = range;
    raf.scheduleRedraw(this.drawOverlay);
  }

  /** The outlined block of the selection, if any. */
  get selectedBlock(): PfnRange | null {
    return this.block;
  }

  setMarkers(markers: GridMarker[]): void {
    this.markers = markers;
    raf.scheduleRedraw(this.drawOverlay);
  }

  /**
   * Mark the frame behind the virtual page the learner points at or selected in the process grid
   * (the zero page for a zero-mapped page): a blue ring and label, findable at any zoom.
   */
  setLink(link: GridMarker | null): void {
    if (link?.pfn === this.link?.pfn && link?.label === this.link?.label) return;
    this.link = link;
    raf.scheduleRedraw(this.drawOverlay);
  }

  /** The linked frame, if any. */
  get linked(): GridMarker | null {
    return this.link;
  }

  setBoundaries(boundaries: GridBoundary[]): void {
    this.boundaries = boundaries;
    raf.scheduleRedraw(this.drawOverlay);
  }

  // --- view -----------------------------------------------------------------------------------------

  get transform(): ZoomTransform {
    return this.t;
  }

  /** CSS pixels per frame, and how many frames share a texel in the overview. */
  get view(): GridView {
    const level = this.bitmaps?.levelFor(this.dpr * this.t.k);
    return { cellPx: this.t.k, framesPerTexel: level?.scale ?? 1 };
  }

  /** Pan by (dx, dy) CSS pixels. */
  panBy(dx: number, dy: number): void {
    this.viewTouched = true;
    this.zoomTarget.call(this.zoomBehavior.translateBy, dx / this.t.k, dy / this.t.k);
  }

  /** Zoom by `factor` about the centre of the view. */
  zoomBy(factor: number): void {
    this.viewTouched = true;
    this.zoomTarget.call(this.zoomBehavior.scaleBy, factor);
  }

  /** Show the whole grid. */
  resetView(): void {
    this.viewTouched = false;
    this.zoomTarget.call(this.zoomBehavior.transform, this.fitTransform());
  }

  /** Centre `pfn` with cells `cellPx` CSS pixels wide. */
  focusPfn(pfn: number, cellPx = 24): void {
    const { col, row } = cellOf(this.layoutNow, pfn);
    const k = Math.min(MAX_CELL_PX, Math.max(this.fitScale(), cellPx));
    this.viewTouched = true;
    const t = zoomIdentity
      .translate(this.cssW / 2 - (col + 0.5) * k, this.cssH / 2 - (row + 0.5) * k)
      .scale(k);
    this.zoomTarget.call(this.zoomBehavior.transform, t);
  }

  /** The pfn under a point in client (viewport) coordinates, or null. */
  pfnAt(clientX: number, clientY: number): number | null {
    const r = this.overlayCanvas.getBoundingClientRect();
    const [wx, wy] = this.t.invert([clientX - r.left, clientY - r.top]);
    return pfnAtCell(this.layoutNow, Math.floor(wx), Math.floor(wy));
  }

  /** The centre of a pfn's cell in client (viewport) coordinates. */
  cellCenter(pfn: number): { x: number; y: number } {
    const r = this.overlayCanvas.getBoundingClientRect();
    const { col, row } = cellOf(this.layoutNow, pfn);
    const [x, y] = this.t.apply([col + 0.5, row + 0.5]);
    return { x: r.left + x, y: r.top + y };
  }

  /** The static layer's canvas (tests read its pixels). */
  get canvas(): HTMLCanvasElement {
    return this.staticCanvas;
  }

  /** The static layer waits for the next frame to be painted (what it holds is not on screen yet). */
  get paintPending(): boolean {
    return raf.isScheduled(this.drawStatic);
  }

  /** Call `listener` after every pan, zoom or resize; returns the function that stops it. */
  addViewListener(listener: () => void): () => void {
    this.viewListeners.add(listener);
    return () => this.viewListeners.delete(listener);
  }

  // --- internals ----------------------------------------------------------------------------------

  private reset(generation: number, nrPages: number): void {
    this.generationNow = generation;
    this.layoutNow = gridLayout(nrPages);
    this.states = new Uint8Array(nrPages);
    this.stateCounts.fill(0);
    this.stateCounts[FrameState.Uninit] = nrPages;
    this.bitmaps = new FrameBitmaps(this.layoutNow, this.states, this.palette);
    this.hover = null;
    this.selection = null;
    this.highlight = null;
    this.updateZoomLimits();
    this.viewTouched = false;
    this.zoomTarget.call(this.zoomBehavior.transform, this.fitTransform());
  }

  private readonly drawStatic = (): void => {
    const t0 = performance.now();
    this.drawStaticLayer();
    this.drawTimes.push(performance.now() - t0);
    if (this.drawTimes.length > 240) this.drawTimes.splice(0, this.drawTimes.length - 240);
  };

  private drawStaticLayer(): void {
    this.bitmaps?.flush();
    const ctx = this.staticCanvas.getContext('2d')!;
    const { dpr, t } = this;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = GRID_BACKGROUND;
    ctx.fillRect(0, 0, this.staticCanvas.width, this.staticCanvas.height);
    if (!this.hasFrames || !this.bitmaps) return;
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
      // Cell borders, only for the visible cells.
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
      ctx.strokeStyle = 'rgba(0, 0, 0, 0.14)';
      ctx.lineWidth = 1;
      ctx.stroke();
      if (this.patterns && t.k >= PATTERN_MIN_PX) this.drawPatterns(ctx, cell, x0, y0, c0, c1, r0, r1);
    }
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.45)';
    ctx.lineWidth = 1;
    ctx.strokeRect(
      Math.round(x0) - 0.5,
      Math.round(y0) - 0.5,
      Math.round(cols * cell) + 1,
      Math.round(rows * cell) + 1,
    );
  }

  /** Label boxes drawn in this overlay frame, so that later labels step around them. */
  private placed: { x: number; y: number; w: number; h: number }[] = [];

  private readonly drawOverlay = (): void => {
    const ctx = this.overlayCanvas.getContext('2d')!;
    const { dpr } = this;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.overlayCanvas.width, this.overlayCanvas.height);
    if (!this.hasFrames) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.placed = [];
    if (this.boundaries.length) this.drawBoundaries(ctx);
    if (this.highlight) this.outlineRange(ctx, this.highlight, '#0072b2', 2);
    if (this.block) this.outlineRange(ctx, this.block, SELECTED_BLOCK_COLOR, 2);
    if (this.selection !== null)
      this.outlineRange(ctx, { from: this.selection, to: this.selection + 1 }, '#0072b2', 3);
    if (this.hover !== null) {
      const free = this.freeBlockAt(this.hover);
      if (free) this.outlineRange(ctx, free, '#000000', 1);
      this.outlineRange(ctx, { from: this.hover, to: this.hover + 1 }, '#000000', 2);
    }
    for (const m of this.markers) this.drawMarker(ctx, m, 'above');
    if (this.link) this.drawMarker(ctx, this.link, 'below', LINK_COLOR);
  };

  /** The free buddy block around a pfn, read from the states (a free block's frames all say its order). */
  private freeBlockAt(pfn: number): PfnRange | null {
    const s = this.stateOf(pfn);
    if (s < FrameState.Free0 || s >= FrameState.Pcp) return null;
    const size = 2 ** (s - FrameState.Free0);
    const from = pfn - (pfn % size);
    return { from, to: from + size };
  }

  /** Outline the cells of [from, to) row by row, with a white halo so it shows on any colour. */
  private outlineRange(ctx: CanvasRenderingContext2D, r: PfnRange, color: string, width: number): void {
    const { cols } = this.layoutNow;
    const k = this.t.k;
    const minPx = 6; // a tiny block is still drawn big enough to see
    for (let row = Math.floor(r.from / cols); row * cols < r.to; row++) {
      const c0 = Math.max(r.from, row * cols) - row * cols;
      const c1 = Math.min(r.to, (row + 1) * cols) - row * cols;
      let [x, y] = this.t.apply([c0, row]);
      let w = (c1 - c0) * k;
      let h = k;
      if (w < minPx) {
        x -= (minPx - w) / 2;
        w = minPx;
      }
      if (h < minPx) {
        y -= (minPx - h) / 2;
        h = minPx;
      }
      if (x > this.cssW || y > this.cssH || x + w < 0 || y + h < 0) continue;
      ctx.lineWidth = width + 2;
      ctx.strokeStyle = 'rgba(255, 255, 255, 0.9)';
      ctx.strokeRect(x - width / 2, y - width / 2, w + width, h + width);
      ctx.lineWidth = width;
      ctx.strokeStyle = color;
      ctx.strokeRect(x - width / 2, y - width / 2, w + width, h + width);
    }
  }

  /** A ring and a label around one frame, visible even when the frame is smaller than a pixel. */
  private drawMarker(
    ctx: CanvasRenderingContext2D,
    m: GridMarker,
    place: 'above' | 'below',
    color = '#000000',
  ): void {
    const { col, row } = cellOf(this.layoutNow, m.pfn);
    const [cx, cy] = this.t.apply([col + 0.5, row + 0.5]);
    if (cx < -40 || cy < -40 || cx > this.cssW + 40 || cy > this.cssH + 40) return;
    const count = m.count ?? 1;
    if (count > 1 && this.t.k >= 4) {
      // Cells big enough to see: outline the whole range and label it above (or below), off the cells.
      this.outlineRange(ctx, { from: m.pfn, to: m.pfn + count }, color, 2);
      if (this.t.k >= 8) {
        // Thin light separators, so that same-coloured frames still count off one by one.
        ctx.strokeStyle = 'rgba(255, 255, 255, 0.55)';
        ctx.lineWidth = 1;
        ctx.beginPath();
        for (let pfn = m.pfn + 1; pfn < m.pfn + count; pfn++) {
          const c = cellOf(this.layoutNow, pfn);
          if (c.col === 0) continue;
          const [x, y] = this.t.apply([c.col, c.row]);
          ctx.moveTo(Math.round(x) + 0.5, y + 2);
          ctx.lineTo(Math.round(x) + 0.5, y + this.t.k - 2);
        }
        ctx.stroke();
      }
      if (m.head) this.outlineRange(ctx, { from: m.pfn, to: m.pfn + 1 }, color, 3);
      const last = cellOf(this.layoutNow, m.pfn + count - 1);
      const [x0, top] = this.t.apply([col, row]);
      const [, bottom] = this.t.apply([0, last.row + 1]);
      this.drawLabel(ctx, m.label, x0, top - 22 >= 0 ? top - 22 : bottom + 5, color);
      return;
    }
    const radius = Math.max(place === 'below' ? 13 : 9, this.t.k * (place === 'below' ? 1.2 : 0.9));
    ctx.lineWidth = place === 'below' ? 5 : 4;
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.95)';
    ctx.beginPath();
    ctx.arc(cx, cy, radius, 0, 2 * Math.PI);
    ctx.stroke();
    ctx.lineWidth = place === 'below' ? 3 : 2;
    ctx.strokeStyle = color;
    ctx.stroke();
    this.drawLabel(ctx, m.label, cx + radius + 4, place === 'above' ? cy - 8 : cy + 11, color);
  }

  /**
   * A marker's label: white text on a dark box at (x, y), kept inside the canvas, and moved down past
   * any label already drawn this frame (a zone start, another marker) instead of over it.
   */
  private drawLabel(ctx: CanvasRenderingContext2D, label: string, x: number, y: number, color: string): void {
    ctx.font = '600 12px system-ui, sans-serif';
    const tw = ctx.measureText(label).width;
    const lx = Math.max(2, Math.min(x, this.cssW - tw - 8));
    const overlaps = (yy: number) =>
      this.placed.some((r) => lx < r.x + r.w && r.x < lx + tw + 8 && yy < r.y + r.h && r.y < yy + 17);
    for (let tries = 0; tries < 8 && overlaps(y); tries++) y += 18;
    this.placed.push({ x: lx, y, w: tw + 8, h: 17 });
    ctx.fillStyle = color === '#000000' ? 'rgba(0, 0, 0, 0.85)' : color;
    ctx.fillRect(lx, y, tw + 8, 17);
    ctx.fillStyle = '#ffffff';
    ctx.textBaseline = 'middle';
    ctx.fillText(label, lx + 4, y + 9);
  }

  /**
   * Zone starts: a dashed line along the row up to the first frame of the zone, and a label left of
   * the grid when there is room (over its left edge when not). Labels stack instead of overlapping.
   */
  private drawBoundaries(ctx: CanvasRenderingContext2D): void {
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'top';
    const [left] = this.t.apply([0, 0]);
    const widest = Math.max(...this.boundaries.map((b) => ctx.measureText(b.label).width)) + 6;
    const outside = left >= widest + 6;
    let nextFree = -Infinity;
    const sorted = [...this.boundaries].sort((a, b) => a.pfn - b.pfn);
    for (const b of sorted) {
      const { col, row } = cellOf(this.layoutNow, b.pfn);
      const [x, y] = this.t.apply([col, row]);
      if (y < -20 || y > this.cssH + 20) continue;
      const lineY = Math.round(y) + 0.5;
      ctx.strokeStyle = 'rgba(0, 0, 0, 0.75)';
      ctx.lineWidth = 1;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(outside ? left - 4 : Math.max(0, left), lineY);
      ctx.lineTo(Math.max(0, x), lineY);
      ctx.stroke();
      ctx.setLineDash([]);
      const tw = ctx.measureText(b.label).width + 6;
      const ly = Math.max(y - (outside ? 7 : -1), nextFree);
      const lx = outside ? left - 4 - tw : Math.max(2, left + 2);
      nextFree = ly + 15;
      this.placed.push({ x: lx, y: ly, w: tw, h: 14 });
      ctx.fillStyle = 'rgba(255, 255, 255, 0.9)';
      ctx.fillRect(lx, ly, tw, 14);
      ctx.fillStyle = '#222222';
      ctx.fillText(b.label, lx + 3, ly + 2);
    }
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
    if (!this.viewTouched && this.hasFrames)
      this.zoomTarget.call(this.zoomBehavior.transform, this.fitTransform());
    this.redrawAll();
    for (const l of this.viewListeners) l();
  }

  private fitScale(): number {
    const { cols, rows } = this.layoutNow;
    if (!cols || !rows) return 1;
    const pad = 12;
    return Math.max(0.01, Math.min((this.cssW - 2 * pad) / cols, (this.cssH - 2 * pad) / rows));
  }

  private fitTransform(): ZoomTransform {
    const { cols, rows } = this.layoutNow;
    const k = this.fitScale();
    return zoomIdentity.translate((this.cssW - cols * k) / 2, (this.cssH - rows * k) / 2).scale(k);
  }

  /** Zoom out no further than the whole grid, in no further than MAX_CELL_PX per frame; keep it in view. */
  private updateZoomLimits(): void {
    const { cols, rows } = this.layoutNow;
    const fit = this.fitScale();
    this.zoomBehavior.scaleExtent([fit * 0.75, Math.max(fit, MAX_CELL_PX)]);
    this.zoomBehavior.translateExtent([
      [0, 0],
      [cols, rows],
    ]);
    this.zoomBehavior.extent([
      [0, 0],
      [this.cssW, this.cssH],
    ]);
  }

  private readonly onPointerMove = (ev: PointerEvent): void => {
    const pfn = this.pfnAt(ev.clientX, ev.clientY);
    if (pfn !== this.hover) {
      this.hover = pfn;
      raf.scheduleRedraw(this.drawOverlay);
    }
    this.opts.onHover?.(pfn === null ? null : { pfn, clientX: ev.clientX, clientY: ev.clientY });
  };

  private readonly onPointerLeave = (): void => {
    if (this.hover !== null) {
      this.hover = null;
      raf.scheduleRedraw(this.drawOverlay);
    }
    this.opts.onHover?.(null);
  };

  private readonly onClick = (ev: MouseEvent): void => {
    const pfn = this.pfnAt(ev.clientX, ev.clientY);
    this.setSelection(pfn);
    this.opts.onSelect?.(pfn);
  };
}

function layer(className: string): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.className = className;
  return c;
}

/**
 * d3-zoom's default constraint, with the allowed overshoot in screen pixels rather than in frames:
 * the grid can be dragged EDGE_MARGIN_PX past an edge at any zoom, and is centred when it is smaller
 * than the view.
 */
export function constrainWithMargin(
  t: ZoomTransform,
  extent: [[number, number], [number, number]],
  translateExtent: [[number, number], [number, number]],
): ZoomTransform {
  const m = EDGE_MARGIN_PX / t.k;
  const dx0 = t.invertX(extent[0][0]) - (translateExtent[0][0] - m);
  const dx1 = t.invertX(extent[1][0]) - (translateExtent[1][0] + m);
  const dy0 = t.invertY(extent[0][1]) - (translateExtent[0][1] - m);
  const dy1 = t.invertY(extent[1][1]) - (translateExtent[1][1] + m);
  return t.translate(
    dx1 > dx0 ? (dx0 + dx1) / 2 : Math.min(0, dx0) || Math.max(0, dx1),
    dy1 > dy0 ? (dy0 + dy1) / 2 : Math.min(0, dy0) || Math.max(0, dy1),
  );
}
