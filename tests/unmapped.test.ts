import { describe, expect, it } from 'vitest';
import { assertInvariants } from '../src/core/check.ts';
import { spawnTask } from '../src/core/kernel/fork.ts';
import type { Machine } from '../src/core/machine.ts';
import { kernelPagePresent } from '../src/core/mm/direct_map.ts';
import { GFP, GFP_MASKS } from '../src/core/mm/gfp.ts';
import { mermapMmPrepare, preemptHolder } from '../src/core/mm/mermap.ts';
import { ALLOC_WMARK_MIN } from '../src/core/mm/page_alloc.ts';
import type { KEvent } from '../src/core/trace.ts';
import { FREETYPE_IDX_UNMAPPED } from '../src/core/mm/mmzone.ts';
import { switchMm } from '../src/core/mm/tlb.ts';
import { booted, GiB, MiB } from './helpers/machine.ts';

const K = GFP_MASKS['GFP_KERNEL']!;
const UNMAPPED = K | GFP.__GFP_UNMAPPED;
const UZERO = UNMAPPED | GFP.__GFP_ZERO;

function machine(zeroing: 'as_posted' | 'per_block' = 'per_block', ram = 1 * GiB): Machine {
  const m = booted({ ram, cpus: 4, pageAllocUnmapped: true, unmappedZeroing: zeroing });
  const t = spawnTask(m, 'A', 0)!;
  // As the KUnit test_alloc_map_unmap does: kunit_attach_mm(); mermap_mm_prepare(current->mm).
  switchMm(m, 0, t.mm!);
  mermapMmPrepare(m, t.mm!);
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
  it('KUnit test_alloc_map_unmap: half the node + 1 order-0 pages unmapped, then mapped again', () => {
    const m = machine('per_block', 256 * MiB);
    const want = Math.floor(m.alloc.nrFreePages() / 2) + 1;
    const got: number[] = [];
    for (let i = 0; i < want; i++) {
      const pfn = m.alloc.allocPages(UNMAPPED | GFP.__GFP_THISNODE, 0, 0);
      expect(pfn).toBeGreaterThanOrEqual(0);
      got.push(pfn);
    }
    for (const pfn of got) {
      expect(kernelPagePresent(m, pfn)).toBe(false);
      expect(m.alloc.pageblockFreetype(pfn)).toBe(FREETYPE_IDX_UNMAPPED);
    }
    // no CPU's TLB translates to an unmapped page after the flips
    const unmapped = new Set(got);
    for (const t of m.tlb.cpus)
      for (const e of t.entries)
        if (e && e.kernel) for (let q = e.pfn; q < e.pfn + e.pages; q++) expect(unmapped.has(q)).toBe(false);
    assertInvariants(m);
    for (const pfn of got) m.alloc.freePages(pfn, 0, 0);
    // More than half went unmapped, so the same number of mapped pages needs blocks mapped back.
    for (let i = 0; i < got.length; i++) {
      const pfn = m.alloc.allocPages(K | GFP.__GFP_THISNODE, 0, 0);
      expect(pfn).toBeGreaterThanOrEqual(0);
      expect(kernelPagePresent(m, pfn)).toBe(true);
    }
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
    const mc = m.mermaps.get(m.tlb.cpus[0]!.loadedMm!)!.cpu[0]!;
    const flushes = mc.localFlushes;
    const c = m.alloc.allocPages(UZERO, 3, 0);
    expect(c).toBe(b);
    expect(allZero(m, c, 8)).toBe(true);
    expect(m.mermapStats.fastRuns).toBe(1);
    expect(m.mermapStats.slowPages).toBe(8);
    // mermap_get_reserved() bump-allocates too: the holder leaves only the headroom page (511), so
    // page 0 takes it and each later page finds no room, flushes the whole local TLB and takes it again.
    expect(mc.reservedGets).toBe(8);
    expect(mc.localFlushes - flushes).toBe(7);
    expect(mc.allocs.filter((a) => a.inUse)).toHaveLength(1); // only the preempted holder's
    assertInvariants(m);
  });

  it('IRQs off: lockdep WARNs, the flip goes on until the emulator refuses its shootdown', () => {
    const m = machine();
    const free = m.alloc.nrFreePages();
    m.tlb.cpus[0]!.irqsOn = false;
    expect(m.alloc.allocPages(UNMAPPED | GFP.__GFP_NOWARN, 9, 0)).toBe(-1);
    const log = m.log.join('\n');
    // __rmqueue_direct_map() only asserts (lockdep) and carries on ...
    expect(log).toContain('__rmqueue_direct_map: lockdep_assert(!irqs_disabled()');
    // ... to flush_tlb_kernel_range(), whose IPIs need IRQs on: that is where the emulator stops.
    expect(log).toContain('smp_call_function_many_cond');
    // refused once, the allocation does not try again in the next zone or the slow path
    expect(m.log.filter((l) => l.includes('smp_call_function_many_cond'))).toHaveLength(1);
    expect(m.alloc.directMapFlipsOut).toBe(0);
    // the block went back, mapped: nothing leaked and no page is missing from the direct map
    expect(m.alloc.nrFreePages()).toBe(free);
    assertInvariants(m);
  });

  it('an allocation that cannot reclaim (ALLOC_NOBLOCK) does not change the direct map', () => {
    const m = machine();
    const atomic = GFP_MASKS['GFP_ATOMIC']! | GFP.__GFP_UNMAPPED | GFP.__GFP_NOWARN;
    expect(m.alloc.allocPages(atomic, 0, 0)).toBe(-1);
    expect(m.alloc.directMapFlipsOut).toBe(0);
    expect(m.log.join('\n')).not.toContain('lockdep');
    // once a blocking allocation has flipped a block, the atomic one is served from the UNMAPPED list
    const a = m.alloc.allocPages(UNMAPPED, 0, 0);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(m.alloc.directMapFlipsOut).toBe(1);
    const b = m.alloc.allocPages(atomic, 0, 0);
    expect(b).toBeGreaterThanOrEqual(0);
    expect(kernelPagePresent(m, b)).toBe(false);
    expect(m.alloc.directMapFlipsOut).toBe(1);
  });

  it('only UNMOVABLE requests take UNMAPPED blocks back, with IRQs off too (lockdep only)', () => {
    const m = machine('per_block', 128 * MiB);
    // Everything unmapped first: order-9 UNMAPPED allocations until the mapped memory is gone.
    const got: number[] = [];
    for (;;) {
      const pfn = m.alloc.allocPages(UNMAPPED | GFP.__GFP_NOWARN | GFP.__GFP_NORETRY, 9, 0);
      if (pfn < 0) break;
      got.push(pfn);
    }
    for (const pfn of got) m.alloc.freePages(pfn, 9, 0);
    m.alloc.drainAllPages();
    const movable = GFP_MASKS['GFP_HIGHUSER_MOVABLE']! | GFP.__GFP_NOWARN | GFP.__GFP_NORETRY;
    const flipsIn = m.alloc.directMapFlipsIn;
    // MOVABLE|UNMAPPED has no free list (freetype_idx -1), so v2 maps back only for UNMOVABLE.
    for (;;) if (m.alloc.allocPages(movable, 0, 0) < 0) break;
    expect(m.alloc.directMapFlipsIn).toBe(flipsIn);
    m.tlb.cpus[0]!.irqsOn = false;
    const k = m.alloc.allocPages(K | GFP.__GFP_NOWARN, 0, 0);
    expect(k).toBeGreaterThanOrEqual(0);
    expect(kernelPagePresent(m, k)).toBe(true);
    expect(m.alloc.directMapFlipsIn).toBeGreaterThan(flipsIn);
    expect(m.alloc.pageblocks.migratetype(k)).toBe(0); // MIGRATE_UNMOVABLE
    expect(m.log.join('\n')).toContain('__rmqueue_direct_map: lockdep_assert(!irqs_disabled()');
    assertInvariants(m);
  });

  it('a block mapped back is not zeroed by the flip (v2): only __GFP_ZERO clears it', () => {
    const m = machine('per_block', 128 * MiB);
    const got: number[] = [];
    for (;;) {
      const pfn = m.alloc.allocPages(UNMAPPED | GFP.__GFP_NOWARN | GFP.__GFP_NORETRY, 9, 0);
      if (pfn < 0) break;
      got.push(pfn);
    }
    for (const pfn of got) {
      dirty(m, pfn, 512);
      m.alloc.freePages(pfn, 9, 0);
    }
    // Order 0: an order-9 request would fail the watermark check, whose high-order part counts
    // mapped free lists only. Take pages until a pcp refill maps a block back.
    const flipsIn = m.alloc.directMapFlipsIn;
    while (m.alloc.directMapFlipsIn === flipsIn)
      expect(m.alloc.allocPages(K | GFP.__GFP_NOWARN, 0, 0)).toBeGreaterThanOrEqual(0);
    const back = got.filter((g) => !m.pageblocks.unmapped(g));
    expect(back).toHaveLength(1);
    const blk = back[0]!;
    for (let i = 0; i < 512; i++) {
      expect(kernelPagePresent(m, blk + i)).toBe(true);
      expect(allZero(m, blk + i, 1)).toBe(false); // the old contents are still there
    }
    // __GFP_ZERO clears a page of it through the direct map (the block is mapped now), not the mermap
    let z = -1;
    for (let i = 0; i < 4096 && (z < blk || z >= blk + 512); i++)
      z = m.alloc.allocPages(K | GFP.__GFP_ZERO, 0, 0);
    expect(z >= blk && z < blk + 512).toBe(true);
    expect(allZero(m, z, 1)).toBe(true);
    expect(m.alloc.mermapPagesCleared).toBe(0);
  });

  it('the high-order watermark check ignores the UNMAPPED lists (v2 __zone_watermark_ok)', () => {
    const m = machine();
    const u = m.alloc.allocPages(UNMAPPED, 10, 0);
    expect(u).toBeGreaterThanOrEqual(0);
    const zone = m.alloc.zoneOf(u);
    m.alloc.freePages(u, 10, 0);
    expect(m.alloc.pageblockFreetype(u)).toBe(FREETYPE_IDX_UNMAPPED);
    // vm.min_free_kbytes=128, so the order-0 part of the check passes; then take every mapped
    // order-10 block
    m.alloc.minFreeKbytes = 128;
    m.alloc.setupPerZoneWmarks();
    for (;;) if (m.alloc.allocPages(K | GFP.__GFP_NOWARN, 10, 0) < 0) break;
    const lists = (idx: number) => !m.pages.listEmpty(zone.freeList(10, idx));
    expect([0, 1, 2].some(lists)).toBe(false);
    expect(lists(FREETYPE_IDX_UNMAPPED)).toBe(true); // the free UNMAPPED block is still there ...
    // ... but does not satisfy an order-10 watermark check, so neither kind of request gets it
    expect(m.alloc.zoneWatermarkOk(zone, 10, 0, zone.idx, ALLOC_WMARK_MIN)).toBe(false);
    expect(m.alloc.allocPages(UNMAPPED | GFP.__GFP_NOWARN, 10, 0)).toBe(-1);
    expect(lists(FREETYPE_IDX_UNMAPPED)).toBe(true);
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

  it('as_posted passes the allocation start to every block: block 1 re-clears the head', () => {
    const ranges = (['per_block', 'as_posted'] as const).map((z) => {
      const m = machine(z);
      const seen: [number, number][] = [];
      m.trace.subscribe((e: KEvent) => {
        if (e.type === 'page_clear') seen.push([e.pfn, e.nrPages]);
      });
      const pfn = m.alloc.allocPages(UZERO, 10, 0);
      return seen.map(([p, n]) => [p - pfn, n]);
    });
    // per_block: [0, 512) and [512, 1024). As posted: clear_page_mermap(page, numpages) is
    // [0, 1024) then [0, 512), so the tail is cleared once and the head twice.
    expect(ranges).toEqual([
      [
        [0, 512],
        [512, 512],
      ],
      [
        [0, 1024],
        [0, 512],
      ],
    ]);
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
    // slow path: the get fails (the holder keeps the slice), then 8 pages one by one through mermap_get_reserved
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
