/**
 * A small typed API on `window.__mmlab` for browser tests (tldraw's e2e style): tests call it through
 * page.evaluate to find cells and to wait until the worker is quiet and the grid is painted, instead
 * of guessing with timeouts.
 */
import { FrameState } from '../core/shared/frame_state.ts';
import { frameColor } from '../render/palette.ts';
import { raf } from '../render/raf_scheduler.ts';
import type { AppController } from './controller.ts';

export interface MmLabTestApi {
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
  /** durations of the recent static-layer redraws, ms, newest last */
  drawTimes(): number[];
  /** the grid's (static layer's) colour at a viewport point, '#rrggbb' */
  pixelAt(x: number, y: number): string;
  /** frames in each state (index: FrameState) */
  counts(): number[];
  FrameState: typeof FrameState;
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
    drawTimes: () => grid().drawTimes.slice(),
    pixelAt(x, y) {
      const canvas = grid().canvas;
      const r = canvas.getBoundingClientRect();
      const sx = canvas.width / r.width;
      const sy = canvas.height / r.height;
      const d = canvas
        .getContext('2d')!
        .getImageData(Math.floor((x - r.left) * sx), Math.floor((y - r.top) * sy), 1, 1).data;
      return '#' + [d[0]!, d[1]!, d[2]!].map((v) => v.toString(16).padStart(2, '0')).join('');
    },
    counts: () => Array.from(grid().counts().subarray(0, 32)),
    FrameState,
  };
  window.__mmlab = api;
  return api;
}
