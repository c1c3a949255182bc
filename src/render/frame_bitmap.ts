/**
 * The frame grid's bitmaps: level 0 has one texel per frame; each further level halves both sides,
 * keeping in each 2×2 block the state that matters most to a learner (notability below). Zoomed out
 * so far that a frame is smaller than a pixel, the grid draws a coarser level instead of letting the
 * GPU drop rows: a single allocated frame or the zero page stays visible in the overview of a
 * million frames (semantic zoom).
 *
 * Updates are by row bands: a frame delta marks level-0 rows dirty, and `flush` repaints those rows
 * and the rows above them in every level, each with one putImageData of a dirty rectangle.
 */
import { FRAME_STATE_COUNT, FrameState } from '../core/shared/frame_state.ts';
import type { GridLayout } from './layout.ts';

/** A texel past the last frame (or, in the process grid, outside the region): transparent. */
export const NONE = 255;

/**
 * Which state wins when frames share a pixel: what was allocated or changed beats what is free; a
 * small free block (fragmentation) beats a large one; reservations and holes come last.
 */
export const NOTABILITY: Uint8Array = (() => {
  const n = new Uint8Array(256);
  const order = [
    FrameState.Uninit,
    FrameState.Hole,
    FrameState.BootFree,
    FrameState.Firmware,
    FrameState.KernelImage,
    FrameState.Memmap,
    FrameState.Memblock,
    ...Array.from({ length: FrameState.Pcp - FrameState.Free0 }, (_, i) => FrameState.Pcp - 1 - i), // order 10 … 0
    FrameState.Pcp,
    FrameState.Shmem,
    FrameState.Anon,
    FrameState.PageTable,
    FrameState.KernelAlloc,
    FrameState.ZeroPage,
  ];
  order.forEach((s, i) => (n[s] = i + 1));
  for (let s = 0; s < FRAME_STATE_COUNT; s++) if (n[s] === 0) n[s] = 1;
  return n;
})();

export interface BitmapLevel {
  /** 2^level frames per texel side */
  scale: number;
  cols: number;
  rows: number;
  /** state per texel (level 0: the frame states themselves) */
  states: Uint8Array;
  canvas: HTMLCanvasElement;
  image: ImageData;
  words: Uint32Array;
}

/** Stop adding levels once a level is this small (it fits any view). */
const SMALLEST = 128;
const MAX_LEVELS = 5;

export class FrameBitmaps {
  readonly levels: BitmapLevel[] = [];
  /** level-0 rows to repaint: [from, to) pairs */
  private dirty: number[] = [];

  constructor(
    readonly layout: GridLayout,
    /** frame states, one byte per pfn; level 0 reads them in place */
    frames: Uint8Array,
    /** 32-bit RGBA per state (palette.ts paletteWords) */
    private readonly palette: Uint32Array,
    /** which state wins a shared texel (higher wins); the process grid passes its own */
    private readonly notability: Uint8Array = NOTABILITY,
  ) {
    let cols = layout.cols;
    let rows = layout.rows;
    for (let l = 0; l < MAX_LEVELS; l++) {
      const canvas = document.createElement('canvas');
      canvas.width = cols;
      canvas.height = rows;
      const image = canvas.getContext('2d')!.createImageData(cols, rows);
      const states = l === 0 ? frames : new Uint8Array(cols * rows).fill(NONE);
      this.levels.push({
        scale: 2 ** l,
        cols,
        rows,
        states,
        canvas,
        image,
        words: new Uint32Array(image.data.buffer),
      });
      if (Math.max(cols, rows) <= SMALLEST) break;
      cols = Math.ceil(cols / 2);
      rows = Math.ceil(rows / 2);
    }
    this.dirty.push(0, layout.rows);
  }

  /** Level-0 rows [from, to) changed. */
  markRows(from: number, to: number): void {
    this.dirty.push(from, to);
  }

  get needsFlush(): boolean {
    return this.dirty.length > 0;
  }

  /** Repaint the dirty rows of every level. */
  flush(): void {
    if (this.dirty.length === 0) return;
    let bands = mergeBands(this.dirty);
    this.dirty = [];
    for (let l = 0; l < this.levels.length; l++) {
      const level = this.levels[l]!;
      if (l > 0) {
        bands = mergeBands(bands.map((r, i) => (i % 2 === 0 ? Math.floor(r / 2) : Math.ceil(r / 2))));
        for (let i = 0; i < bands.length; i += 2)
          this.reduce(this.levels[l - 1]!, level, bands[i]!, bands[i + 1]!);
      }
      for (let i = 0; i < bands.length; i += 2)
        this.paint(level, bands[i]!, Math.min(level.rows, bands[i + 1]!));
    }
  }

  /** The level to draw at `devicePxPerFrame`: the finest whose texels are at least one device pixel. */
  levelFor(devicePxPerFrame: number): BitmapLevel {
    let l = 0;
    while (l < this.levels.length - 1 && devicePxPerFrame * this.levels[l]!.scale < 0.999) l++;
    return this.levels[l]!;
  }

  /** Each texel of `to`'s rows [r0, r1) takes the most notable of the 2×2 texels below it. */
  private reduce(from: BitmapLevel, to: BitmapLevel, r0: number, r1: number): void {
    const src = from.states;
    const dst = to.states;
    const n = this.levels[0] === from ? this.layout.nrPages : src.length;
    for (let y = r0; y < Math.min(r1, to.rows); y++) {
      for (let x = 0; x < to.cols; x++) {
        let best = NONE;
        let bestRank = 0;
        for (let dy = 0; dy < 2; dy++) {
          const sy = 2 * y + dy;
          if (sy >= from.rows) break;
          for (let dx = 0; dx < 2; dx++) {
            const sx = 2 * x + dx;
            if (sx >= from.cols) break;
            const i = sy * from.cols + sx;
            if (i >= n) continue;
            const s = src[i]!;
            const rank = s === NONE ? 0 : this.notability[s]!;
            if (rank > bestRank) {
              bestRank = rank;
              best = s;
            }
          }
        }
        dst[y * to.cols + x] = best;
      }
    }
  }

  /** Colour rows [r0, r1) of a level from its states and push them to its canvas. */
  private paint(level: BitmapLevel, r0: number, r1: number): void {
    if (r1 <= r0) return;
    const { cols, states, words } = level;
    const n = level.scale === 1 ? this.layout.nrPages : states.length;
    const end = r1 * cols;
    for (let i = r0 * cols; i < end; i++) {
      const s = i < n ? states[i]! : NONE;
      words[i] = s === NONE ? 0 : this.palette[s]!;
    }
    level.canvas.getContext('2d')!.putImageData(level.image, 0, 0, 0, r0, cols, r1 - r0);
  }
}

/** Sort and merge [from, to) bands. */
export function mergeBands(bands: number[]): number[] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < bands.length; i += 2) pairs.push([bands[i]!, bands[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [s, e] of pairs) {
    const n = out.length;
    if (n > 0 && s <= out[n - 1]!) out[n - 1] = Math.max(out[n - 1]!, e);
    else out.push(s, e);
  }
  return out;
}
