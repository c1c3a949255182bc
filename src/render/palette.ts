/**
 * Colours of the frame grid, one per frame state (src/core/shared/frame_state.ts).
 *
 * Built on the Okabe–Ito palette, which stays distinguishable under the common colour-vision
 * deficiencies, with a few colours from Paul Tol's set for the rarer states. Free buddy blocks are one
 * sequential blue ramp by order: large blocks (the calm, unfragmented majority) are pale, small ones
 * dark, so fragmentation shows as dark specks. The zero page is black: a single frame that must be
 * findable next to the orange kernel image and on every background here.
 */
import { FRAME_STATE_COUNT, FrameState } from '../core/shared/frame_state.ts';

export const ZERO_PAGE_COLOR = '#000000';

/** Free blocks of order 0 (darkest) to 10 (palest). */
export const FREE_ORDER_COLORS: readonly string[] = freeRamp(11);

const FIXED: Record<number, string> = {
  [FrameState.Uninit]: '#e6e6e6',
  [FrameState.Hole]: '#bdbdbd',
  [FrameState.Pcp]: '#009e73', // Okabe–Ito bluish green
  [FrameState.Firmware]: '#707070',
  [FrameState.KernelImage]: '#e69f00', // Okabe–Ito orange
  [FrameState.Memmap]: '#cc79a7', // Okabe–Ito reddish purple
  [FrameState.Memblock]: '#f0e442', // Okabe–Ito yellow
  [FrameState.ZeroPage]: ZERO_PAGE_COLOR,
  [FrameState.KernelAlloc]: '#d55e00', // Okabe–Ito vermillion
  [FrameState.PageTable]: '#882255', // Tol wine
  [FrameState.Anon]: '#999933', // Tol olive
  [FrameState.Shmem]: '#332288', // Tol indigo
  [FrameState.BootFree]: '#c7e9c0', // pale green: free to memblock, not yet to the buddy allocator
};

/** '#rrggbb' for every state 0..FRAME_STATE_COUNT-1. */
export const FRAME_COLORS: readonly string[] = Array.from({ length: FRAME_STATE_COUNT }, (_, s) => {
  if (s >= FrameState.Free0 && s < FrameState.Pcp)
    return FREE_ORDER_COLORS[s - FrameState.Free0] ?? '#56b4e9';
  return FIXED[s] ?? '#ff00ff';
});

/** Background behind the grid (outside any frame). */
export const GRID_BACKGROUND = '#f7f7f4';

export function frameColor(state: number): string {
  return FRAME_COLORS[state] ?? '#ff00ff';
}

/**
 * The palette as 32-bit RGBA words in the platform's byte order, for writing ImageData through a
 * Uint32Array view: one store per frame.
 */
export function paletteWords(): Uint32Array {
  const bytes = new Uint8Array(4 * 256);
  for (let s = 0; s < 256; s++) {
    const [r, g, b] = hexToRgb(s < FRAME_STATE_COUNT ? frameColor(s) : '#ff00ff');
    bytes.set([r, g, b, 255], 4 * s);
  }
  return new Uint32Array(bytes.buffer);
}

export function hexToRgb(hex: string): [number, number, number] {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

export function rgbToHex(r: number, g: number, b: number): string {
  return '#' + [r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('');
}

/** A blue ramp from dark (#0b3c6e) to pale (#d6ebf7), even in lightness steps. */
function freeRamp(n: number): string[] {
  const dark = hexToRgb('#0b3c6e');
  const pale = hexToRgb('#d6ebf7');
  return Array.from({ length: n }, (_, i) => {
    const t = i / (n - 1);
    const c = dark.map((d, k) => Math.round(d + (pale[k]! - d) * t));
    return rgbToHex(c[0]!, c[1]!, c[2]!);
  });
}

/**
 * The linked selection (Okabe–Ito vermilion, apart from the blue selection ring): the selected frame's
 * whole buddy block or folio on the frame grid, and the virtual pages that map it on the process grid.
 */
export const SELECTED_BLOCK_COLOR = '#d55e00';
