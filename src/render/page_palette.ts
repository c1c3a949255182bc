/**
 * Colours of the process grid, one per virtual-page state (src/core/shared/page_state.ts).
 *
 * From Paul Tol's "vibrant" scheme, which stays distinguishable under the common colour-vision
 * deficiencies, and chosen apart from the frame grid's colours so that a learner does not read a
 * page's state as a frame's. One colour is shared on purpose: the zero page is black in both grids,
 * so every zero-mapped page visibly points at the one black frame. Untouched pages (no PTE yet) are
 * white: nothing is there.
 */
import { VPAGE_STATE_NAMES, VPageState } from '../core/shared/page_state.ts';
import { VPAGE_HUGE_ZERO } from '../worker/protocol.ts';
import { NONE } from './frame_bitmap.ts';
import { ZERO_PAGE_COLOR, hexToRgb } from './palette.ts';

const COLORS: Record<number, string> = {
  [VPageState.Unmapped]: '#a8a8a8', // a hole in the region (no VMA): grey
  [VPageState.Untouched]: '#ffffff',
  [VPageState.Zero]: ZERO_PAGE_COLOR,
  [VPageState.Private]: '#ee3377', // Tol vibrant magenta
  [VPageState.Shared]: '#33bbee', // Tol vibrant cyan
  [VPageState.Huge]: '#0077bb', // Tol vibrant blue
  [VPageState.ProtNone]: '#ddcc77', // Tol sand
  // The huge zero folio: zero, but not the black 4 KiB zero page (Tol vibrant teal).
  [VPAGE_HUGE_ZERO]: '#009988',
  // A swap PTE: the page is out on the swap device, no frame (Tol vibrant orange).
  [VPageState.Swapped]: '#ee7733',
  // A file's page-cache page mapped here (Tol muted olive: apart from shared cyan and anon magenta).
  [VPageState.File]: '#999933',
};

/**
 * Names of the page states the process grid shows: the core's (shared/page_state.ts), with its
 * `huge` split in two by the worker (protocol.ts VPAGE_HUGE_ZERO).
 */
export const PAGE_STATE_NAMES: readonly string[] = [
  ...VPAGE_STATE_NAMES.map((n, i): string => (i === VPageState.Huge ? 'THP (huge, PMD-mapped)' : n)),
  'huge zero page (PMD)',
  'swapped out (swap PTE)',
  'file page (page cache)',
];

export const VPAGE_STATE_COUNT = PAGE_STATE_NAMES.length;

/** Behind the process grid, and in the cells of its rows that lie outside the region. */
export const PAGE_GRID_BACKGROUND = '#e9e9e3';

export function pageColor(state: number): string {
  return COLORS[state] ?? '#ff00ff';
}

/** Which state wins when pages share a pixel (higher wins): a written page must not vanish. */
export const PAGE_NOTABILITY: Uint8Array = (() => {
  const n = new Uint8Array(256);
  const order = [
    VPageState.Unmapped,
    VPageState.Untouched,
    VPageState.ProtNone,
    VPageState.Swapped,
    VPageState.Zero,
    VPAGE_HUGE_ZERO,
    VPageState.Huge,
    VPageState.File,
    VPageState.Shared,
    VPageState.Private,
  ];
  order.forEach((s, i) => (n[s] = i + 1));
  return n;
})();

/** RGBA words in the platform's byte order (as palette.ts paletteWords); NONE is transparent. */
export function pagePaletteWords(): Uint32Array {
  const bytes = new Uint8Array(4 * 256);
  for (let s = 0; s < 256; s++) {
    if (s === NONE) continue;
    const [r, g, b] = hexToRgb(pageColor(s));
    bytes.set([r, g, b, 255], 4 * s);
  }
  return new Uint32Array(bytes.buffer);
}
