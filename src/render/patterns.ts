/**
 * Patterns per frame state, drawn over the colours when the learner turns patterns on (the header's
 * "patterns" switch): states then differ by shape as well as by colour, for colour-blind readers and
 * for greyscale prints. Cells must be at least PATTERN_MIN_PX wide to carry a pattern; smaller cells
 * show colour only. Free blocks keep no pattern: their lightness ramp by order needs none, and they
 * are most of the grid.
 */
import { FrameState } from '../core/shared/frame_state.ts';
import { VPageState } from '../core/shared/page_state.ts';
import { VPAGE_HUGE_ZERO } from '../worker/protocol.ts';

export type PatternKind =
  'slash' | 'backslash' | 'cross' | 'horizontal' | 'vertical' | 'plus' | 'dot' | 'dots' | 'ring' | 'dash';

/** The smallest cell (CSS pixels) that gets a pattern. */
export const PATTERN_MIN_PX = 8;

const PATTERNS: Partial<Record<number, PatternKind>> = {
  [FrameState.Hole]: 'cross',
  [FrameState.Firmware]: 'cross',
  [FrameState.KernelImage]: 'slash',
  [FrameState.Memmap]: 'backslash',
  [FrameState.Memblock]: 'horizontal',
  [FrameState.KernelAlloc]: 'vertical',
  [FrameState.PageTable]: 'plus',
  [FrameState.Pcp]: 'dot',
  [FrameState.Anon]: 'dots',
  [FrameState.Shmem]: 'ring',
  [FrameState.ZeroPage]: 'ring',
  [FrameState.BootFree]: 'dash',
};

export function patternOf(state: number): PatternKind | null {
  return PATTERNS[state] ?? null;
}

/** The process grid's page states (untouched and unmapped pages keep none: they are the background). */
const PAGE_PATTERNS: Partial<Record<number, PatternKind>> = {
  [VPageState.Zero]: 'ring',
  [VPageState.Private]: 'dots',
  [VPageState.Shared]: 'cross',
  [VPageState.Huge]: 'slash',
  [VPAGE_HUGE_ZERO]: 'backslash',
  [VPageState.ProtNone]: 'horizontal',
  [VPageState.Swapped]: 'vertical',
  [VPageState.File]: 'dash',
};

export function pagePatternOf(state: number): PatternKind | null {
  return PAGE_PATTERNS[state] ?? null;
}

/** Add the pattern of one cell (top-left x, y; side s) to a path, to be stroked in one go. */
export function tracePattern(p: Path2D, kind: PatternKind, x: number, y: number, s: number): void {
  const i = s * 0.22; // inset
  switch (kind) {
    case 'slash':
      p.moveTo(x + i, y + s - i);
      p.lineTo(x + s - i, y + i);
      return;
    case 'backslash':
      p.moveTo(x + i, y + i);
      p.lineTo(x + s - i, y + s - i);
      return;
    case 'cross':
      tracePattern(p, 'slash', x, y, s);
      tracePattern(p, 'backslash', x, y, s);
      return;
    case 'horizontal':
      p.moveTo(x + i, y + s / 2);
      p.lineTo(x + s - i, y + s / 2);
      return;
    case 'vertical':
      p.moveTo(x + s / 2, y + i);
      p.lineTo(x + s / 2, y + s - i);
      return;
    case 'plus':
      tracePattern(p, 'horizontal', x, y, s);
      tracePattern(p, 'vertical', x, y, s);
      return;
    case 'dot': {
      const r = Math.max(1, s * 0.12);
      p.moveTo(x + s / 2 + r, y + s / 2);
      p.arc(x + s / 2, y + s / 2, r, 0, 2 * Math.PI);
      return;
    }
    case 'dots': {
      const r = Math.max(0.8, s * 0.08);
      for (const [fx, fy] of [
        [0.3, 0.3],
        [0.7, 0.7],
      ] as const) {
        p.moveTo(x + fx * s + r, y + fy * s);
        p.arc(x + fx * s, y + fy * s, r, 0, 2 * Math.PI);
      }
      return;
    }
    case 'ring': {
      const r = s * 0.28;
      p.moveTo(x + s / 2 + r, y + s / 2);
      p.arc(x + s / 2, y + s / 2, r, 0, 2 * Math.PI);
      return;
    }
    case 'dash':
      p.moveTo(x + i, y + s / 2);
      p.lineTo(x + s / 2 - 1, y + s / 2);
      return;
  }
}

/**
 * Ink for a pattern over a fill: black on light fills, white on dark ones (relative luminance of
 * '#rrggbb'), so the shape shows on every state's colour.
 */
export function patternInk(fill: string): string {
  const n = parseInt(fill.slice(1), 16);
  const lin = (c: number) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * lin((n >> 16) & 255) + 0.7152 * lin((n >> 8) & 255) + 0.0722 * lin(n & 255);
  return l > 0.25 ? 'rgba(0, 0, 0, 0.8)' : 'rgba(255, 255, 255, 0.9)';
}

/** What a visible cell shows: its pattern and the fill it is drawn over, or null for none. */
export type CellPattern = (row: number, col: number) => { kind: PatternKind; fill: string } | null;

/**
 * Draw the patterns of the visible cells [r0, r1) × [c0, c1) whose top-left cell sits at (x0, y0):
 * one path per ink and way of drawing (dots are filled, lines and rings stroked), so a screenful of
 * cells costs a few fill/stroke calls. The frame and process grids share it.
 */
export function drawPatterns(
  ctx: CanvasRenderingContext2D,
  cell: number,
  x0: number,
  y0: number,
  rows: [number, number],
  cols: [number, number],
  at: CellPattern,
): void {
  const paths = new Map<string, Path2D>();
  for (let r = rows[0]; r < rows[1]; r++) {
    for (let c = cols[0]; c < cols[1]; c++) {
      const cp = at(r, c);
      if (!cp) continue;
      const key = (cp.kind === 'dot' || cp.kind === 'dots' ? 'f' : 's') + patternInk(cp.fill);
      let p = paths.get(key);
      if (!p) paths.set(key, (p = new Path2D()));
      tracePattern(p, cp.kind, x0 + c * cell, y0 + r * cell, cell);
    }
  }
  ctx.lineWidth = Math.max(1, cell / 14);
  for (const [key, p] of paths) {
    const ink = key.slice(1);
    if (key[0] === 'f') {
      ctx.fillStyle = ink;
      ctx.fill(p);
    } else {
      ctx.strokeStyle = ink;
      ctx.stroke(p);
    }
  }
}
