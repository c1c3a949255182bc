/**
 * The Swap panel's grid geometry and cell aggregation (src/ui/swap_slots_draw.ts): the largest cell
 * that fits, several slots a cell on big devices with the most notable class winning, and the
 * lookups the hover line uses.
 */
import { describe, expect, it } from 'vitest';
import { SlotClass } from '../src/core/shared/swap_slot.ts';
import type { SwapDeviceInfo } from '../src/worker/protocol.ts';
import {
  cellAt,
  cellClasses,
  cellZeromap,
  slotClassAt,
  slotLayout,
  slotsByClass,
  zeromapAt,
  zeromapCount,
} from '../src/ui/swap_slots_draw.ts';

function device(max: number, runs: [number, number][], zeroRuns: number[]): SwapDeviceInfo {
  return {
    type: 0,
    name: '/swap0',
    prio: -2,
    max,
    pages: max - 1,
    inuse: 0,
    runStarts: Uint32Array.from(runs.map((r) => r[0])),
    runClasses: Uint8Array.from(runs.map((r) => r[1])),
    zeroRuns: Uint32Array.from(zeroRuns),
    zeroSlots: 0,
  };
}

describe('slotLayout', () => {
  it('gives a 16 MiB device (4096 slots) one 3 px cell per slot in 240 × 200', () => {
    expect(slotLayout(4096, 240, 200)).toEqual({
      cell: 3,
      cols: 80,
      rows: 52,
      perCell: 1,
      width: 240,
      height: 156,
    });
  });

  it('packs a 16 GiB device (4M slots) into 2 px cells of several slots, within the box', () => {
    const lay = slotLayout(1 << 22, 240, 200);
    expect(lay.cell).toBe(2);
    expect(lay.perCell).toBe(350);
    expect(lay.cols * lay.rows * lay.perCell).toBeGreaterThanOrEqual(1 << 22);
    expect(lay.height).toBeLessThanOrEqual(200);
  });
});

describe('cells of several slots', () => {
  // slots: 0 header, 1-999 free, 1000 written, 1001-1999 free, 2000-2003 zero-filled, rest free
  const d = device(
    4096,
    [
      [0, SlotClass.Bad],
      [1, SlotClass.Free],
      [1000, SlotClass.Written],
      [1001, SlotClass.Free],
      [2000, SlotClass.Zero],
      [2004, SlotClass.Free],
    ],
    [2000, 2004],
  );
  const lay = { cell: 2, cols: 4, rows: 2, perCell: 512, width: 8, height: 4 };

  it('the most notable class of a cell wins: one written slot among free ones shows', () => {
    expect([...cellClasses(d, lay)]).toEqual([
      SlotClass.Bad,
      SlotClass.Written,
      SlotClass.Free,
      SlotClass.Zero,
      SlotClass.Free,
      SlotClass.Free,
      SlotClass.Free,
      SlotClass.Free,
    ]);
    expect([...cellZeromap(d, lay)]).toEqual([0, 0, 0, 1, 0, 0, 0, 0]);
  });

  it('the hover lookups: class and zeromap bit of a slot, counts in a cell, the cell under a point', () => {
    expect(slotClassAt(d, 0)).toBe(SlotClass.Bad);
    expect(slotClassAt(d, 999)).toBe(SlotClass.Free);
    expect(slotClassAt(d, 1000)).toBe(SlotClass.Written);
    expect(slotClassAt(d, 4095)).toBe(SlotClass.Free);
    expect([1999, 2000, 2003, 2004].map((o) => zeromapAt(d, o))).toEqual([false, true, true, false]);
    expect([...slotsByClass(d, 512, 1024)]).toEqual([
      [SlotClass.Free, 511],
      [SlotClass.Written, 1],
    ]);
    expect(zeromapCount(d, 1536, 2048)).toBe(4);
    expect(cellAt(lay, 3, 1)).toBe(1);
    expect(cellAt(lay, 1, 3)).toBe(4);
    expect(cellAt(lay, 8, 0)).toBe(-1);
  });
});
