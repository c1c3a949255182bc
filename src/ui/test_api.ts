/**
 * A small typed API on `window.__mmlab` for browser tests (tldraw's e2e style): tests call it through
 * page.evaluate to find cells and to wait until the worker is quiet and the grid is painted, instead
 * of guessing with timeouts.
 */
import { FrameState } from '../core/shared/frame_state.ts';
import { VPageState } from '../core/shared/page_state.ts';
import { pageColor } from '../render/page_palette.ts';
import { frameColor } from '../render/palette.ts';
import { raf } from '../render/raf_scheduler.ts';
import { VPAGE_HUGE_ZERO, type ArchInfo, type HugeInfo } from '../worker/protocol.ts';
import type { AppController } from './controller.ts';

interface MmLabTestApi {
  /** resolves once the first machine has booted */
  ready: Promise<void>;
  readonly isReady: boolean;
  /** resolves when the worker is quiet, the UI has nothing in flight and the grid is painted */
  idle(): Promise<void>;
  /** zero_page_pfn of the running machine, or null before boot sets it */
  readonly zeroPagePfn: number | null;
  /** pfns on the grid */
  readonly nrPages: number;
  /** the machine generation the grid shows */
  readonly generation: number;
  /** the centre of a pfn's cell, in viewport (client) coordinates, for page.mouse */
  cellCenter(pfn: number): { x: number; y: number };
  /** the grid's colour for a frame state, '#rrggbb' */
  frameColor(state: number): string;
  /** a pfn's frame state as the grid holds it */
  frameState(pfn: number): number;
  /** the first pfn at or after `from` in `state`, or null */
  findState(state: number, from?: number): number | null;
  /** centre a pfn with cells `cellPx` CSS pixels wide */
  focusPfn(pfn: number, cellPx?: number): void;
  /** show the whole grid */
  resetView(): void;
  /** pan the view by CSS pixels */
  panBy(dx: number, dy: number): void;
  /** resolves in the next animation frame, after the app's actions and before its redraws */
  nextFrame(): Promise<void>;
  /**
   * Both grids' static layers have painted what they hold (no paint is due): after the frame that
   * painted them has been rendered, the page shows it.
   */
  gridsPainted(): boolean;
  /** durations of the recent static-layer redraws, ms, newest last */
  drawTimes(): number[];
  /**
   * The last frame delta the grid got: when its message arrived in the page and when the frame
   * grid's static layer had drawn it (performance.now(); drawn null until then), or null before any.
   */
  lastDelta(): { arrived: number; drawn: number | null } | null;
  /**
   * The last timeline move: when its seek was sent, when the reply arrived and when the last request
   * sent behind it (the shown region's pages, the timeline, huge pages) was answered (-1: not yet).
   */
  lastMove(): { sent: number; replied: number; answered: number } | null;
  /** the grid's (static layer's) colour at a viewport point, '#rrggbb' */
  pixelAt(x: number, y: number): string;
  /** frames in each state (index: FrameState) */
  counts(): number[];
  FrameState: typeof FrameState;

  // --- the process grid (the region shown) ---
  /** pages in the region the process grid shows (0 when none) */
  readonly pageCount: number;
  /** a page's state (VPageState) as the process grid holds it */
  pageState(page: number): number;
  /** the pfn a page maps, as the worker reported it (-1: no PTE) */
  pagePfn(page: number): number;
  /** the first page at or after `from` in `state`, or null */
  findPage(state: number, from?: number): number | null;
  /** pages per state (index: VPageState) */
  pageCounts(): number[];
  /** centre page `page` with cells `cellPx` CSS pixels wide */
  focusPage(page: number, cellPx?: number): void;
  /** the centre of a page's cell, viewport coordinates */
  pageCenter(page: number): { x: number; y: number };
  /** the process grid's (static layer's) colour at a viewport point */
  pagePixelAt(x: number, y: number): string;
  /** the process grid's colour for a page state */
  pageColor(state: number): string;
  /** the frame the frame grid marks as the one behind the hovered/selected page, or null */
  readonly linkedPfn: number | null;
  VPageState: typeof VPageState;
  /** the process grid's state byte for a page mapped to the huge zero folio (protocol.ts) */
  VPAGE_HUGE_ZERO: number;
  // --- the one selection (linked views) ---
  /** the selected frame, or null */
  readonly selection: number | null;
  /** the block the frame grid outlines around the selection, [from, to), or null */
  readonly frameGridBlock: { from: number; to: number } | null;
  /** the virtual address of a page of the shown region */
  pageAddress(page: number): number;
  /** pages of the shown region the process grid outlines as mapping the selected frame(s) */
  readonly linkedPages: number[];
  /** THP and the huge zero folio as last fetched (null before the first machine) */
  readonly hugeInfo: HugeInfo | null;

  // --- architecture and boot ---
  /** describeArch() of the running machine, as of the last reply (null before the first machine) */
  readonly archInfo: ArchInfo | null;
  /** boot steps run so far, and how many there are */
  readonly bootIndex: number;
  readonly bootSteps: number;
  /** the function of the last boot step run, or null before the first */
  readonly currentStep: string | null;
  /** a hash of every frame's state on the grid: equal grids, equal digests */
  frameDigest(): number;

  /** the selected frame, the shown process and region and the selected page (share links restore them) */
  readonly selected: { pfn: number | null; proc: string | null; region: string | null; page: number | null };

  // --- Compare (side 0 = machine A, 1 = machine B) ---
  /** pfns on a side's grid (0 before it booted) */
  compareNrPages(side: 0 | 1): number;
  /** a pfn's frame state on a side's grid */
  compareFrameState(side: 0 | 1, pfn: number): number;

  // --- lessons ---
  /** what an `expect` would compare on the running machine (`/proc/A/status:VmRSS`, `zero_pages`) */
  value(what: string): Promise<number | string>;

  // --- long work ---
  /**
   * Show the progress bar this many ms into a long command instead of 250: a test of the bar need
   * not depend on how fast this machine boots (0: at the first progress notice).
   */
  progressAfter(ms: number): void;
}

declare global {
  interface Window {
    __mmlab?: MmLabTestApi;
  }
}

export function installTestApi(c: AppController): MmLabTestApi {
  let isReady = false;
  void c.ready.then(() => (isReady = true));
  const grid = () => {
    const g = c.frameGrid;
    if (!g) throw new Error('the frame grid is not mounted');
    return g;
  };
  const pgrid = () => {
    const g = c.processGrid;
    if (!g) throw new Error('the process grid is not mounted');
    return g;
  };
  const api: MmLabTestApi = {
    ready: c.ready,
    get isReady() {
      return isReady;
    },
    idle: () => c.idle(),
    get zeroPagePfn() {
      return c.machine?.zeroPagePfn ?? null;
    },
    get nrPages() {
      return c.frameGrid?.layout.nrPages ?? 0;
    },
    get generation() {
      return c.frameGrid?.generation ?? -1;
    },
    cellCenter: (pfn) => grid().cellCenter(pfn),
    frameColor,
    frameState: (pfn) => grid().stateOf(pfn),
    findState: (state, from) => grid().findState(state, from),
    focusPfn: (pfn, cellPx) => grid().focusPfn(pfn, cellPx),
    resetView: () => grid().resetView(),
    panBy: (dx, dy) => grid().panBy(dx, dy),
    nextFrame: () => raf.nextFrame(),
    gridsPainted: () => !grid().paintPending && !(c.processGrid?.paintPending ?? false),
    drawTimes: () => grid().drawTimes.slice(),
    lastDelta: () => (c.deltaDrawn ? { ...c.deltaDrawn } : null),
    lastMove: () => (c.lastMove ? { ...c.lastMove } : null),
    pixelAt: (x, y) => pixelOf(grid().canvas, x, y),
    counts: () => Array.from(grid().counts().subarray(0, 32)),
    FrameState,
    get pageCount() {
      return c.regionPages?.states.length ?? 0;
    },
    pageState: (page) => c.regionPages?.states[page] ?? -1,
    pagePfn: (page) => c.regionPages?.pfns[page] ?? -1,
    findPage(state, from = 0) {
      const i = c.regionPages?.states.indexOf(state, from) ?? -1;
      return i < 0 ? null : i;
    },
    pageCounts() {
      const n = new Array<number>(8).fill(0);
      for (const s of c.regionPages?.states ?? []) n[s]!++;
      return n;
    },
    focusPage: (page, cellPx) => pgrid().focusPage(page, cellPx),
    pageCenter: (page) => pgrid().cellCenter(page),
    pagePixelAt: (x, y) => pixelOf(pgrid().canvas, x, y),
    pageColor,
    get selection() {
      return c.store.getState().selection;
    },
    get frameGridBlock() {
      const b = c.frameGrid?.selectedBlock;
      return b ? { from: b.from, to: b.to } : null;
    },
    pageAddress: (page) => pgrid().addressOf(page),
    get linkedPages() {
      return [...(c.processGrid?.linkedPages ?? [])];
    },
    get linkedPfn() {
      return c.frameGrid?.linked?.pfn ?? null;
    },
    VPageState,
    VPAGE_HUGE_ZERO,
    get hugeInfo() {
      return c.store.getState().huge;
    },
    get archInfo() {
      return c.machine?.arch ?? null;
    },
    get bootIndex() {
      return c.machine?.bootIndex ?? 0;
    },
    get bootSteps() {
      return c.machine?.steps.length ?? 0;
    },
    get currentStep() {
      const m = c.machine;
      return m && m.bootIndex > 0 ? m.steps[m.bootIndex - 1]!.fn : null;
    },
    frameDigest: () => grid().digest(),
    get selected() {
      const s = c.store.getState();
      return { pfn: s.selection, proc: s.currentProc, region: s.currentRegion, page: s.pageSelection };
    },
    compareNrPages: (side) => c.compare.grid(side)?.layout.nrPages ?? 0,
    compareFrameState: (side, pfn) => c.compare.grid(side)?.stateOf(pfn) ?? -1,
    value: (what) => c.value(what),
    progressAfter: (ms) => (c.progressAfterMs = ms),
  };
  window.__mmlab = api;
  return api;
}

/** A canvas's colour at a viewport point, '#rrggbb'. */
function pixelOf(canvas: HTMLCanvasElement, x: number, y: number): string {
  const r = canvas.getBoundingClientRect();
  const sx = canvas.width / r.width;
  const sy = canvas.height / r.height;
  const d = canvas
    .getContext('2d')!
    .getImageData(Math.floor((x - r.left) * sx), Math.floor((y - r.top) * sy), 1, 1).data;
  return '#' + [d[0]!, d[1]!, d[2]!].map((v) => v.toString(16).padStart(2, '0')).join('');
}
