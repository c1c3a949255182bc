/**
 * The pageblock map: one cell per pageblock of the whole machine, its top coloured by the block's
 * freetype (migratetype, or UNMOVABLE|UNMAPPED) over a thin strip that says what the x86-64 direct
 * map has for its frames (present, absent, split into 4K, partly absent, no entry).
 *
 * A 16 GiB machine has 8192 pageblocks: one canvas, fillRect per block, not thousands of DOM
 * nodes. Cells are laid out row-major in a power-of-two number of columns, so a row is a whole
 * number of MiB and a learner can count. The view redraws only when data, the cursor or the size
 * changes (a few thousand rects: well under a millisecond).
 */
import { DM_ABSENT, DM_NONE, DM_PARTIAL, DM_PRESENT, DM_SPLIT, FREETYPE_HOLE } from '../worker/protocol.ts';

/** A block with no RAM (a hole in the physical map): the frame grid's hole grey. */
export const HOLE_COLOR = '#bdbdbd';

/** Freetype index → colour: the migratetypes (mmzone.h order), then UNMOVABLE|UNMAPPED. */
export const FREETYPE_COLORS: readonly string[] = [
  '#d55e00', // Unmovable: Okabe–Ito vermillion, as kernel allocations in the frame grid
  '#56b4e9', // Movable: sky blue
  '#009e73', // Reclaimable: bluish green
  '#cc79a7', // HighAtomic: reddish purple
  '#999999', // Isolate: grey
  '#000000', // Unmovable|UNMAPPED: black, the pages nobody can reach through the direct map
];

export const FREETYPE_LABELS: readonly string[] = [
  'Unmovable',
  'Movable',
  'Reclaimable',
  'HighAtomic',
  'Isolate',
  'Unmovable|UNMAPPED',
];

/** DM_* → colour of the direct-map strip. */
export const DIRECT_MAP_COLORS: Readonly<Record<number, string>> = {
  [DM_NONE]: '#e6e6e6',
  [DM_PRESENT]: '#117733', // Tol green: mapped
  [DM_ABSENT]: '#ee3377', // Tol magenta: not in the direct map
  [DM_SPLIT]: '#ddaa33', // Tol yellow: mapped, 4K PTEs
  [DM_PARTIAL]: '#ee7733', // Tol orange: 4K PTEs, some absent
};

/** Cell geometry in CSS pixels. */
export interface PageblockLayout {
  cols: number;
  rows: number;
  /** width of a cell (and height of its freetype band) */
  cell: number;
  /** height of the direct-map strip under it */
  strip: number;
  /** a row's height: band + strip + gap */
  rowH: number;
}

/** Columns: a power of two that keeps the map a few hundred pixels tall at any size. */
export function pageblockLayout(nrBlocks: number, width: number): PageblockLayout {
  let cols = 32;
  while (cols < 256 && nrBlocks / cols > 32) cols *= 2;
  const cell = Math.max(2, Math.floor(width / cols));
  const strip = Math.max(2, Math.round(cell * 0.45));
  const rows = Math.max(1, Math.ceil(nrBlocks / cols));
  return { cols, rows, cell, strip, rowH: cell + strip + 1 };
}

export class PageblockMap {
  private freetypes: Uint8Array = new Uint8Array(0);
  private directMap: Uint8Array = new Uint8Array(0);
  private cursor = -1;
  layout: PageblockLayout = pageblockLayout(0, 1);

  constructor(private readonly canvas: HTMLCanvasElement) {}

  get nrBlocks(): number {
    return this.freetypes.length;
  }

  setData(freetypes: Uint8Array, directMap: Uint8Array): void {
    this.freetypes = freetypes;
    this.directMap = directMap;
    if (this.cursor >= freetypes.length) this.cursor = freetypes.length - 1;
  }

  setCursor(block: number): void {
    this.cursor = block;
  }

  /** Size the canvas for `width` CSS pixels and draw everything. */
  draw(width: number): void {
    const n = this.freetypes.length;
    const l = (this.layout = pageblockLayout(n, width));
    const dpr = window.devicePixelRatio || 1;
    const cssW = l.cols * l.cell;
    const cssH = l.rows * l.rowH;
    this.canvas.width = Math.round(cssW * dpr);
    this.canvas.height = Math.round(cssH * dpr);
    this.canvas.style.width = `${cssW}px`;
    this.canvas.style.height = `${cssH}px`;
    const g = this.canvas.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, cssW, cssH);
    // one fillStyle change per colour run: blocks of one type usually come in long runs
    for (let b = 0; b < n; b++) {
      const { x, y } = this.cellAt(b);
      const ft = this.freetypes[b]!;
      g.fillStyle = ft === FREETYPE_HOLE ? HOLE_COLOR : (FREETYPE_COLORS[ft] ?? '#ff00ff');
      g.fillRect(x, y, l.cell, l.cell);
      g.fillStyle = DIRECT_MAP_COLORS[this.directMap[b]!] ?? '#ff00ff';
      g.fillRect(x, y + l.cell, l.cell, l.strip);
    }
    if (this.cursor >= 0 && this.cursor < n) {
      const { x, y } = this.cellAt(this.cursor);
      g.lineWidth = 2;
      g.strokeStyle = '#ffffff';
      g.strokeRect(x - 1, y - 1, l.cell + 2, l.cell + l.strip + 2);
      g.strokeStyle = '#000000';
      g.lineWidth = 1;
      g.strokeRect(x - 2.5, y - 2.5, l.cell + 5, l.cell + l.strip + 5);
    }
  }

  /** Top-left corner of a block's cell, CSS pixels. */
  cellAt(block: number): { x: number; y: number } {
    const l = this.layout;
    return { x: (block % l.cols) * l.cell, y: Math.floor(block / l.cols) * l.rowH };
  }

  /** The block under a point in the canvas's CSS pixels, or -1. */
  hit(x: number, y: number): number {
    const l = this.layout;
    if (x < 0 || y < 0) return -1;
    const col = Math.floor(x / l.cell);
    const row = Math.floor(y / l.rowH);
    if (col >= l.cols) return -1;
    const b = row * l.cols + col;
    return b < this.freetypes.length ? b : -1;
  }
}
