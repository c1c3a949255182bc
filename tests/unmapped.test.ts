import { describe, expect, it } from 'vitest';
import { assertInvariants } from '../src/core/check.ts';
import { spawnTask } from '../src/core/kernel/fork.ts';
import type { Machine } from '../src/core/machine.ts';
import { kernelPagePresent } from '../src/core/mm/direct_map.ts';
import { GFP, GFP_MASKS } from '../src/core/mm/gfp.ts';
import { preemptHolder } from '../src/core/mm/mermap.ts';
import { FREETYPE_IDX_UNMAPPED } from '../src/core/mm/mmzone.ts';
import { switchMm } from '../src/core/mm/tlb.ts';
import type { KEvent } from '../src/core/trace.ts';
import { booted, GiB } from './helpers/machine.ts';

const K = GFP_MASKS['GFP_KERNEL']!;
const UNMAPPED = K | GFP.__GFP_UNMAPPED;
const UZERO = UNMAPPED | GFP.__GFP_ZERO;

function machine(zeroing: 'as_posted' | 'per_block' = 'per_block'): Machine {
  const m = booted({ ram: 1 * GiB, cpus: 4, pageAllocUnmapped: true, unmappedZeroing: zeroing });
  const t = spawnTask(m, 'A', 0)!;
  switchMm(m, 0, t.mm!); // the task is current on CPU 0: mermap_ready()
  return m;
}

/** Dirty a run of pages in emulated RAM, so zeroing is visible. */
function dirty(m: Machine, pfn: number, nr: number): void {
  for (let i = 0; i < nr; i++) m.ram.writeU8((pfn + i) * m.pageSize + 123, 0xaa);
}

function allZero(m: Machine, pfn: number, nr: number): boolean {
  for (let i = 0; i < nr; i++) if (!m.ram.isZero((pfn + i) * m.pageSize, m.pageSize)) return false;
  return true;
}

describe('__GFP_UNMAPPED (series v2)', () => {
  it('KUnit: more than half the memory unmapped, then the same amount mapped again', () => {
    const m = machine();
    const half = m.alloc.nrFreePages() / 2;
    const got: number[] = [];
    while (got.length * 512 <= half) {
      const pfn = m.alloc.allocPages(UNMAPPED, 9, 0);
      expect(pfn).toBeGreaterThanOrEqual(0);
      got.push(pfn);
    }
    for (const pfn of got)
      for (let i = 0; i < 512; i++) {
        expect(kernelPagePresent(m, pfn + i)).toBe(false);
        expect(m.alloc.pageblockFreetype(pfn + i)).toBe(FREETYPE_IDX_UNMAPPED);
      }
    // no CPU's TLB translates to an unmapped page after the flips
    for (const t of m.tlb.cpus)
      for (const e of t.entries)
        if (e && e.kernel)
          for (const pfn of got) expect(e.pfn + e.pages <= pfn || e.pfn >= pfn + 512).toBe(true);
    assertInvariants(m);
    for (const pfn of got) m.alloc.freePages(pfn, 9, 0);
    const again: number[] = [];
    for (let i = 0; i < got.length; i++) {
      const pfn = m.alloc.allocPages(K, 9, 0);
      expect(pfn).toBeGreaterThanOrEqual(0);
      again.push(pfn);
    }
    for (const pfn of again) for (let i = 0; i < 512; i++) expect(kernelPagePresent(m, pfn + i)).toBe(true);
    expect(m.alloc.directMapFlipsIn).toBeGreaterThan(0);
    assertInvariants(m);
  });

  it('fast path and slow path both leave pages zero; a preempted holder forces the slow path', () => {
    const m = machine();
    const a = m.alloc.allocPages(UNMAPPED, 3, 0);
    m.alloc.freePages(a, 3, 0);
    dirty(m, a, 8);
    const b = m.alloc.allocPages(UZERO, 3, 0);
    expect(b).toBe(a);
    expect(allZero(m, b, 8)).toBe(true);
    expect(m.mermapStats.fastRuns).toBe(1);
    expect(m.mermapStats.slowPages).toBe(0);
    m.alloc.freePages(b, 3, 0);
    dirty(m, b, 8);
    expect(preemptHolder(m, 0, 511)).toBeGreaterThanOrEqual(0);
    const c = m.alloc.allocPages(UZERO, 3, 0);
    expect(c).toBe(b);
    expect(allZero(m, c, 8)).toBe(true);
    expect(m.mermapStats.fastRuns).toBe(1);
    expect(m.mermapStats.slowPages).toBe(8);
    assertInvariants(m);
  });

  it('IRQs off: no flip (the shootdown needs IRQs), the allocation fails', () => {
    const m = machine();
    m.tlb.cpus[0]!.irqsOn = false;
    expect(m.alloc.allocPages(UNMAPPED | GFP.__GFP_NOWARN, 9, 0)).toBe(-1);
    expect(m.alloc.directMapFlipsOut).toBe(0);
  });

  it('as_posted clears more than per_block for an order-10 (two-pageblock) allocation', () => {
    // order 10 = k = 2 pageblocks of 512 pages. per_block clears 512 per block: 1024.
    // As posted, block b clears the remaining numpages = (k - b) * 512: 1024 + 512 = 1536,
    // i.e. 512 * k(k+1)/2. The difference is 512 pages.
    const counts = (['per_block', 'as_posted'] as const).map((z) => {
      const m = machine(z);
      const pfn = m.alloc.allocPages(UZERO, 10, 0);
      expect(pfn).toBeGreaterThanOrEqual(0);
      expect(allZero(m, pfn, 1024)).toBe(true);
      assertInvariants(m);
      return m.alloc.mermapPagesCleared;
    });
    expect(counts).toEqual([1024, 1536]);
  });

  it('trace events give the zeroing path page by page: fast run, then slow path after a preemption', () => {
    const m = machine();
    const a = m.alloc.allocPages(UNMAPPED, 3, 0);
    m.alloc.freePages(a, 3, 0);
    const seen: KEvent[] = [];
    const off = m.trace.subscribe((e) => {
      if (e.type === 'kernel_init_block' || e.type === 'mermap_get' || e.type === 'mermap_clear_page')
        seen.push(e);
    });
    const b = m.alloc.allocPages(UZERO, 3, 0);
    // fast path: the block, one successful get for the run, then its 8 pages through slot 0
    expect(seen.map((e) => e.type)).toEqual([
      'kernel_init_block',
      'mermap_get',
      ...Array(8).fill('mermap_clear_page'),
    ]);
    expect(seen[0]).toMatchObject({ block: 0, pfn: b, nrPages: 8, unmapped: true, cpu: 0 });
    expect(seen[1]).toMatchObject({ pfn: b, nrPages: 8, slot: 0, holder: 'kernel_init_pages' });
    expect(
      seen.slice(2).map((e) => (e.type === 'mermap_clear_page' ? [e.pfn - b, e.reserved] : null)),
    ).toEqual(Array.from({ length: 8 }, (_, i) => [i, false]));
    m.alloc.freePages(b, 3, 0);
    preemptHolder(m, 0, 511);
    seen.length = 0;
    const c = m.alloc.allocPages(UZERO, 3, 0);
    // slow path: the get fails (the holder keeps the slice), then 8 pages through the reserve page
    expect(seen[1]).toMatchObject({ type: 'mermap_get', slot: -1, holder: 'kernel_init_pages' });
    const pages = seen.filter((e) => e.type === 'mermap_clear_page');
    expect(pages.map((e) => e.pfn - c)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(pages.every((e) => e.type === 'mermap_clear_page' && e.reserved)).toBe(true);
    off();
  });

  it('kernel_init_block tells the pages each block passes on: the remaining count as posted', () => {
    const m = machine('as_posted');
    const seen: KEvent[] = [];
    m.trace.subscribe((e) => {
      if (e.type === 'kernel_init_block') seen.push(e);
    });
    const pfn = m.alloc.allocPages(UZERO, 10, 0);
    expect(
      seen.map((e) => (e.type === 'kernel_init_block' ? [e.pfn - pfn, e.nrPages, e.unmapped] : null)),
    ).toEqual([
      [0, 1024, true],
      [512, 512, true],
    ]);
  });
});
