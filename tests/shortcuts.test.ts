import { describe, expect, it } from 'vitest';
import { panZoomKeys } from '../src/ui/grid_keys.ts';
import { SHORTCUTS, listedKeys } from '../src/ui/shortcuts.ts';
import { FrameState } from '../src/core/shared/frame_state.ts';
import { patternInk, patternOf } from '../src/render/patterns.ts';
import { frameColor } from '../src/render/palette.ts';

describe('the keyboard shortcuts list', () => {
  it('lists every key the grids bind (grid_keys.ts), with and without Shift', () => {
    const grid = { panBy() {}, zoomBy() {}, resetView() {} };
    const listed = listedKeys();
    for (const shift of [false, true])
      for (const k of Object.keys(panZoomKeys(grid, shift))) expect(listed, `key ${k}`).toContain(k);
  });

  it('lists the page-wide keys of the boot stepper, the process grid mode and the dialog itself', () => {
    const global = SHORTCUTS[0]!.keys.flatMap((s) => s.keys);
    expect(global).toEqual(expect.arrayContaining(['?', 'n', 'N', 'g', 'b', 'r', 'w']));
  });
});

describe('patterns for frame states', () => {
  it('gives every non-free state a pattern, and no two of the common in-use states the same one', () => {
    const inUse = [
      FrameState.KernelImage,
      FrameState.Memmap,
      FrameState.Memblock,
      FrameState.KernelAlloc,
      FrameState.PageTable,
      FrameState.Anon,
      FrameState.Shmem,
      FrameState.Pcp,
    ];
    const kinds = inUse.map(patternOf);
    expect(kinds.every((k) => k !== null)).toBe(true);
    expect(new Set(kinds).size).toBe(inUse.length);
    for (let s = FrameState.Free0; s < FrameState.Pcp; s++) expect(patternOf(s)).toBeNull();
  });

  it('draws dark ink on light fills and light ink on dark fills', () => {
    expect(patternInk(frameColor(FrameState.Memblock))).toMatch(/^rgba\(0, 0, 0/); // yellow
    expect(patternInk(frameColor(FrameState.ZeroPage))).toMatch(/^rgba\(255, 255, 255/); // black
    expect(patternInk(frameColor(FrameState.PageTable))).toMatch(/^rgba\(255, 255, 255/); // wine
  });
});
