import { describe, expect, it } from 'vitest';
import { Memblock } from '../src/core/mm/memblock.ts';
import { Owner } from '../src/core/phys/page.ts';
import { Tracer } from '../src/core/trace.ts';

const regions = (t: { regions: { base: number; size: number }[] }) => t.regions.map((r) => [r.base, r.size]);

describe('memblock', () => {
  it('merges touching regions and ignores overlaps when adding', () => {
    const mb = new Memblock(new Tracer());
    mb.add(0x1000, 0x1000);
    mb.add(0x3000, 0x1000);
    mb.add(0x2000, 0x1000); // fills the gap: one region
    mb.add(0x2800, 0x2000); // overlaps and extends
    expect(regions(mb.memory)).toEqual([[0x1000, 0x3800]]);
    expect(mb.memory.totalSize).toBe(0x3800);
  });

  it('splits a region when the middle is removed or freed', () => {
    const mb = new Memblock(new Tracer());
    mb.add(0, 0x10000);
    mb.remove(0x4000, 0x2000);
    expect(regions(mb.memory)).toEqual([
      [0, 0x4000],
      [0x6000, 0xa000],
    ]);
    mb.reserve(0x1000, 0x3000, Owner.Memblock, 'test');
    mb.free(0x2000, 0x1000);
    expect(regions(mb.reserved)).toEqual([
      [0x1000, 0x1000],
      [0x3000, 0x1000],
    ]);
  });

  it('allocates top-down with alignment from memory minus reserved', () => {
    const mb = new Memblock(new Tracer());
    mb.add(0x100000, 0x400000); // 1 MiB .. 5 MiB
    mb.reserve(0x480000, 0x80000, Owner.Memblock, 'top'); // 4.5..5 MiB taken
    const a = mb.alloc(0x1000, 0x200000, Owner.Memblock, 'aligned');
    // highest 2 MiB-aligned base with 4 KiB free below 4.5 MiB: 4 MiB
    expect(a).toBe(0x400000);
    const b = mb.alloc(0x3000, 0x1000, Owner.Memblock, 'next');
    // the highest free range is [4 MiB + 4 KiB, 4.5 MiB): the block goes at its top
    expect(b).toBe(0x47d000);
    expect(mb.freeRanges()).toEqual([
      [0x100000, 0x400000],
      [0x401000, 0x47d000],
    ]);
  });

  it('fails with the caller named when memory is exhausted', () => {
    const mb = new Memblock(new Tracer());
    mb.add(0, 0x2000);
    expect(() => mb.alloc(0x4000, 0x1000, Owner.Memblock, 'sparse_buffer_init')).toThrow(
      /sparse_buffer_init: Failed to allocate 16384 bytes/,
    );
  });
});
