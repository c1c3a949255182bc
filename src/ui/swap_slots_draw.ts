/**
 * The Swap panel's slot grid and zeromap grid on canvas (no React in here). A device's slots arrive
 * run-length encoded (src/core/inspect_swap.ts); a device too big for one cell per slot (a 16 GiB
 * device has 4M slots) is drawn with several slots per cell, the most notable class of a cell's
 * slots winning (an in-use slot never vanishes among free ones), and a zeromap cell is set when
 * any of its slots' bits is. Both grids share one layout, so row r of the zeromap sits beside row r
 * of the slots.
 */
import { SlotClass } from '../core/shared/swap_slot.ts';
import type { SwapDeviceInfo } from '../worker/protocol.ts';

export const SLOT_COLORS: Record<number, string> = {
  [SlotClass.Free]: '#f4f4ef',
  [SlotClass.Bad]: '#777777',
  // the orange of a swapped-out page in the process view (page_palette.ts): that PTE points here
  [SlotClass.Written]: '#ee7733',
  // reserved, but nothing reached the disk: a pale orange, the zeromap beside it says why
  [SlotClass.Zero]: '#f7c8a6',
  [SlotClass.Cached]: '#0077bb',
  [SlotClass.CacheOnly]: '#33bbee',
  // kept in RAM, compressed: the orange of a swapped-out page, darkened (nothing reached the disk)
  [SlotClass.Zswap]: '#aa4411',
};

/** A zeromap bit set: black, the zero page's colour (the slot reads back as zeros). */
export const ZEROMAP_SET = '#000000';
export const ZEROMAP_CLEAR = '#f4f4ef';

/** Which class wins a shared cell (higher wins). */
const NOTABILITY: Record<number, number> = {
  [SlotClass.Free]: 0,
  [SlotClass.Bad]: 1,
  [SlotClass.Zero]: 2,
  [SlotClass.CacheOnly]: 3,
  [SlotClass.Zswap]: 4,
  [SlotClass.Written]: 5,
  [SlotClass.Cached]: 6,
};

export interface SlotLayout {
  /** cell side in CSS pixels */
  cell: number;
  cols: number;
  rows: number;
  /** slots per cell (1 unless the device is too big to draw one cell per slot) */
  perCell: number;
  width: number;
  height: number;
}

const CELL_SIZES = [12, 10, 8, 6, 5, 4, 3, 2];

/** The largest cell that fits `slots` into width × maxHeight; past 2 px cells, several slots a cell. */
export function slotLayout(slots: number, width: number, maxHeight: number): SlotLayout {
  for (const cell of CELL_SIZES) {
    const cols = Math.max(1, Math.floor(width / cell));
    const rows = Math.ceil(slots / cols);
    if (rows * cell <= maxHeight)
      return { cell, cols, rows, perCell: 1, width: cols * cell, height: rows * cell };
  }
  const cell = 2;
  const cols = Math.max(1, Math.floor(width / cell));
  const maxRows = Math.max(1, Math.floor(maxHeight / cell));
  const perCell = Math.ceil(slots / (cols * maxRows));
  const rows = Math.ceil(Math.ceil(slots / perCell) / cols);
  return { cell, cols, rows, perCell, width: cols * cell, height: rows * cell };
}

/** Per cell, the winning slot class (a cell past the last slot keeps 255). */
export function cellClasses(d: SwapDeviceInfo, lay: SlotLayout): Uint8Array {
  const n = lay.cols * lay.rows;
  const out = new Uint8Array(n).fill(255);
  const runs = d.runStarts.length;
  for (let i = 0; i < runs; i++) {
    const start = d.runStarts[i]!;
    const end = i + 1 < runs ? d.runStarts[i + 1]! : d.max;
    const c = d.runClasses[i]!;
    for (let b = Math.floor(start / lay.perCell); b <= Math.floor((end - 1) / lay.perCell); b++) {
      const cur = out[b]!;
      if (cur === 255 || NOTABILITY[c]! > NOTABILITY[cur]!) out[b] = c;
    }
  }
  return out;
}

/** Per cell, 1 when a slot of the cell has its zeromap bit set. */
export function cellZeromap(d: SwapDeviceInfo, lay: SlotLayout): Uint8Array {
  const out = new Uint8Array(lay.cols * lay.rows);
  for (let i = 0; i < d.zeroRuns.length; i += 2) {
    const from = d.zeroRuns[i]!;
    const to = d.zeroRuns[i + 1]!;
    out.fill(1, Math.floor(from / lay.perCell), Math.floor((to - 1) / lay.perCell) + 1);
  }
  return out;
}

function rgb(hex: string): [number, number, number] {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/**
 * Paint cells into a canvas of the layout's size: `color(cell)` gives each cell's colour (null: the
 * cell lies past the last slot, left transparent). Cells of 4 px or more keep a 1 px gap.
 */
export function paintCells(
  canvas: HTMLCanvasElement,
  lay: SlotLayout,
  count: number,
  color: (cell: number) => string | null,
): void {
  canvas.width = lay.width;
  canvas.height = lay.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(lay.width, lay.height);
  const px = new Uint32Array(img.data.buffer);
  const gap = lay.cell >= 4 ? 1 : 0;
  const words = new Map<string, number>();
  const word = (hex: string): number => {
    let w = words.get(hex);
    if (w === undefined) {
      const [r, g, b] = rgb(hex);
      const bytes = new Uint8Array([r, g, b, 255]);
      w = new Uint32Array(bytes.buffer)[0]!;
      words.set(hex, w);
    }
    return w;
  };
  for (let c = 0; c < count; c++) {
    const hex = color(c);
    if (hex === null) continue;
    const w = word(hex);
    const x0 = (c % lay.cols) * lay.cell;
    const y0 = Math.floor(c / lay.cols) * lay.cell;
    for (let y = y0; y < y0 + lay.cell - gap; y++)
      px.fill(w, y * lay.width + x0, y * lay.width + x0 + lay.cell - gap);
  }
  ctx.putImageData(img, 0, 0);
}

/** The cell under a point of the canvas (CSS pixels), or -1. */
export function cellAt(lay: SlotLayout, x: number, y: number): number {
  if (x < 0 || y < 0 || x >= lay.width || y >= lay.height) return -1;
  return Math.floor(y / lay.cell) * lay.cols + Math.floor(x / lay.cell);
}

/** The class of slot `off`, by binary search in the runs. */
export function slotClassAt(d: SwapDeviceInfo, off: number): number {
  let lo = 0;
  let hi = d.runStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (d.runStarts[mid]! <= off) lo = mid;
    else hi = mid - 1;
  }
  return d.runClasses[lo]!;
}

/** Slot `off`'s zeromap bit, by binary search in the runs of set bits. */
export function zeromapAt(d: SwapDeviceInfo, off: number): boolean {
  let lo = 0;
  let hi = d.zeroRuns.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (off < d.zeroRuns[2 * mid]!) hi = mid - 1;
    else if (off >= d.zeroRuns[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

/** How many slots of each class lie in [from, to) (classes in slot order). */
export function slotsByClass(d: SwapDeviceInfo, from: number, to: number): Map<number, number> {
  const out = new Map<number, number>();
  let lo = 0;
  let hi = d.runStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (d.runStarts[mid]! <= from) lo = mid;
    else hi = mid - 1;
  }
  for (let i = lo; i < d.runStarts.length && d.runStarts[i]! < to; i++) {
    const s = Math.max(from, d.runStarts[i]!);
    const e = Math.min(to, i + 1 < d.runStarts.length ? d.runStarts[i + 1]! : d.max);
    const c = d.runClasses[i]!;
    out.set(c, (out.get(c) ?? 0) + e - s);
  }
  return out;
}

/** How many zeromap bits are set in [from, to). */
export function zeromapCount(d: SwapDeviceInfo, from: number, to: number): number {
  let n = 0;
  for (let i = 0; i < d.zeroRuns.length; i += 2) {
    const s = Math.max(from, d.zeroRuns[i]!);
    const e = Math.min(to, d.zeroRuns[i + 1]!);
    if (e > s) n += e - s;
  }
  return n;
}
