/**
 * The frame inset: a magnifier on the frame grid around one pfn, so a frame that is a pixel (or less)
 * on the overview is seen as a cell with its neighbours, in the frame grid's colours and row layout.
 * The centre frame is ringed. No React in here.
 */
import { cellOf, type GridLayout } from './layout.ts';
import { GRID_BACKGROUND, frameColor } from './palette.ts';

export interface InsetSource {
  layout: GridLayout;
  stateOf(pfn: number): number;
}

/** Frames shown across and down (odd, so the frame sits in the middle). */
export const INSET_COLS = 15;
export const INSET_ROWS = 7;

/**
 * Draw the neighbourhood of `pfn` into `canvas` (sized in CSS pixels `cssW` × `cssH` at `dpr`).
 * Returns the cell size in CSS pixels.
 */
export function drawFrameInset(
  canvas: HTMLCanvasElement,
  src: InsetSource,
  pfn: number,
  cssW: number,
  cssH: number,
  dpr: number,
): number {
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = GRID_BACKGROUND;
  ctx.fillRect(0, 0, cssW, cssH);
  const cell = Math.floor(Math.min(cssW / INSET_COLS, cssH / INSET_ROWS));
  const ox = Math.floor((cssW - cell * INSET_COLS) / 2);
  const oy = Math.floor((cssH - cell * INSET_ROWS) / 2);
  const { cols, nrPages } = src.layout;
  const { col, row } = cellOf(src.layout, pfn);
  const hc = (INSET_COLS - 1) / 2;
  const hr = (INSET_ROWS - 1) / 2;
  for (let dy = -hr; dy <= hr; dy++) {
    for (let dx = -hc; dx <= hc; dx++) {
      const c = col + dx;
      const r = row + dy;
      if (c < 0 || c >= cols || r < 0) continue;
      const p = r * cols + c;
      if (p >= nrPages) continue;
      const x = ox + (dx + hc) * cell;
      const y = oy + (dy + hr) * cell;
      ctx.fillStyle = frameColor(src.stateOf(p));
      ctx.fillRect(x, y, cell, cell);
      ctx.strokeStyle = 'rgba(0, 0, 0, 0.18)';
      ctx.lineWidth = 1;
      ctx.strokeRect(x + 0.5, y + 0.5, cell - 1, cell - 1);
    }
  }
  const x = ox + hc * cell;
  const y = oy + hr * cell;
  ctx.lineWidth = 5;
  ctx.strokeStyle = 'rgba(255, 255, 255, 0.95)';
  ctx.strokeRect(x - 2, y - 2, cell + 4, cell + 4);
  ctx.lineWidth = 3;
  ctx.strokeStyle = '#0062a3';
  ctx.strokeRect(x - 2, y - 2, cell + 4, cell + 4);
  return cell;
}
