/**
 * Where each pfn sits on the grid: row-major, a fixed number of frames per row.
 *
 * The row length is a power of two and at least 512, so that every row holds whole pageblocks
 * (2^9 frames on x86-64) and every buddy block of order ≤ 9 lies inside one row: a learner can read
 * alignment straight off the picture. It grows with the machine to keep the grid roughly square.
 */
export interface GridLayout {
  nrPages: number;
  /** frames per row */
  cols: number;
  rows: number;
}

export const MIN_COLS = 512;

export function gridLayout(nrPages: number): GridLayout {
  const side = Math.sqrt(Math.max(1, nrPages));
  const cols = Math.max(MIN_COLS, 2 ** Math.round(Math.log2(side)));
  return { nrPages, cols, rows: Math.max(1, Math.ceil(nrPages / cols)) };
}

/** The cell of a pfn (column, row). */
export function cellOf(l: GridLayout, pfn: number): { col: number; row: number } {
  return { col: pfn % l.cols, row: Math.floor(pfn / l.cols) };
}

/** The pfn at a cell, or null outside the grid. */
export function pfnAtCell(l: GridLayout, col: number, row: number): number | null {
  if (col < 0 || col >= l.cols || row < 0) return null;
  const pfn = row * l.cols + col;
  return pfn < l.nrPages ? pfn : null;
}
