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

/**
 * The process grid: one cell per virtual page of a region, placed by virtual address so that a row
 * starts at an address that is a multiple of the row's span. With 512 pages per row (x86-64) a row
 * is exactly one PTE table; with fewer, a PTE table is 512/cols rows. The row length is a power of two
 * between 16 and 512 chosen to keep the grid roughly square. Cells before the region's first page
 * and after its last are outside it (drawn as background).
 */
export interface PageGridLayout extends GridLayout {
  /** the region's first virtual page number */
  firstVpn: number;
  /** pages in the region */
  nPages: number;
  /** cells before the region's first page in the first row */
  offset: number;
}

export const MIN_PAGE_COLS = 16;
export const MAX_PAGE_COLS = 512;

export function pageGridLayout(firstVpn: number, nPages: number): PageGridLayout {
  const side = Math.sqrt(Math.max(1, nPages));
  const cols = Math.min(MAX_PAGE_COLS, Math.max(MIN_PAGE_COLS, 2 ** Math.round(Math.log2(side))));
  const offset = firstVpn % cols;
  const rows = Math.max(1, Math.ceil((offset + nPages) / cols));
  return { nrPages: rows * cols, cols, rows, firstVpn, nPages, offset };
}

/** The cell of page `i` of the region. */
export function pageCell(l: PageGridLayout, i: number): { col: number; row: number } {
  const c = l.offset + i;
  return { col: c % l.cols, row: Math.floor(c / l.cols) };
}

/** The region's page at a cell, or null outside it. */
export function pageAtCell(l: PageGridLayout, col: number, row: number): number | null {
  if (col < 0 || col >= l.cols || row < 0) return null;
  const i = row * l.cols + col - l.offset;
  return i >= 0 && i < l.nPages ? i : null;
}
