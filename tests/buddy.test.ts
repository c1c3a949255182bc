import { describe, expect, it } from 'vitest';
import { assertInvariants } from '../src/core/check.ts';
import { GFP_MASKS, GFP, parseGfp } from '../src/core/mm/gfp.ts';
import { MIGRATE_MOVABLE, MIGRATE_UNMOVABLE } from '../src/core/mm/mmzone.ts';
import { PG } from '../src/core/phys/page.ts';
import { readProc } from '../src/core/proc/index.ts';
import { booted, buddyRow, GiB } from './helpers/machine.ts';

// Movable DMA allocations: every pageblock is MOVABLE after boot, so these take __rmqueue_smallest's
// path with no fallback (an unmovable request would first claim the largest block, see below).
const DMA = parseGfp('GFP_KERNEL|__GFP_DMA|__GFP_MOVABLE');

describe('buddy allocator', () => {
  it('splits one order-10 block for an order-0 request into one free block at each order 0..9, and merges it back', () => {
    const m = booted({ ram: 1 * GiB });
    // After boot the DMA zone holds pfns 256..4095: an order-8 block at 256, order-9 at 512 and
    // order-10 blocks at 1024, 2048 and 3072 (the first 1 MiB stays reserved).
    expect(buddyRow(readProc(m, '/proc/buddyinfo'), 'DMA')).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3]);
    // Take the order-8 and order-9 blocks so that only order-10 blocks remain.
    m.allocNamed('a8', 8, DMA);
    m.allocNamed('a9', 9, DMA);
    expect(m.named.get('a8')!.pfn).toBe(256);
    expect(m.named.get('a9')!.pfn).toBe(512);
    const before = buddyRow(readProc(m, '/proc/buddyinfo'), 'DMA');
    expect(before).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]);

    m.allocNamed('p', 0, DMA);
    assertInvariants(m);
    // expand(): the order-10 block at 1024 gives pfn 1024 and puts back 1025 (o0), 1026 (o1),
    // 1028 (o2), ..., 1536 (o9).
    expect(m.named.get('p')!.pfn).toBe(1024);
    expect(buddyRow(readProc(m, '/proc/buddyinfo'), 'DMA')).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
    for (let o = 0; o < 10; o++) {
      const pfn = 1024 + (1 << o);
      expect(m.pages.flags[pfn]! & PG.buddy).toBeTruthy();
      expect(m.pages.order[pfn]).toBe(o);
    }

    // Freeing parks the page on this CPU's pcp list: buddyinfo does not see it yet.
    m.freeNamed('p');
    assertInvariants(m);
    expect(m.pages.flags[1024]! & PG.pcp).toBeTruthy();
    expect(buddyRow(readProc(m, '/proc/buddyinfo'), 'DMA')).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
    // Draining the pcp lists returns it: __free_one_page merges buddy after buddy up to order 10.
    m.alloc.drainAllPages();
    assertInvariants(m);
    expect(buddyRow(readProc(m, '/proc/buddyinfo'), 'DMA')).toEqual(before);
    expect(m.pages.order[1024]).toBe(10);
  });

  it('merges with buddy pfn = pfn ^ (1 << order) only when the buddy is free at the same order', () => {
    const m = booted({ ram: 1 * GiB });
    m.allocNamed('a8', 8, DMA);
    m.allocNamed('a9', 9, DMA);
    m.allocNamed('x', 4, DMA); // 1024..1039, splits 1024's block
    m.allocNamed('y', 4, DMA); // 1040..1055: x's buddy (1024 ^ 16 = 1040)
    expect(m.named.get('y')!.pfn).toBe(1024 ^ (1 << 4));
    m.freeNamed('x');
    m.alloc.drainAllPages();
    // x cannot merge: its buddy y is allocated. It sits alone at order 4.
    expect(m.pages.flags[1024]! & PG.buddy).toBeTruthy();
    expect(m.pages.order[1024]).toBe(4);
    m.freeNamed('y');
    m.alloc.drainAllPages();
    assertInvariants(m);
    expect(m.pages.order[1024]).toBe(10);
    expect(m.pages.flags[1040]! & PG.buddy).toBeFalsy();
  });

  it('claims a whole pageblock when an unmovable allocation finds only movable blocks', () => {
    const m = booted({ ram: 1 * GiB });
    const pt = () => readProc(m, '/proc/pagetypeinfo');
    expect(pt()).toMatch(/zone +DMA32 +0 +504 +0 +0 +0/);
    // GFP_KERNEL is unmovable; every pageblock is MOVABLE after boot, so __rmqueue_claim takes the
    // largest movable block (order 10 = two pageblocks) and retypes both pageblocks. The failed
    // search of the unmovable lists comes first in the trace, then the fallback.
    const seen: string[] = [];
    const off = m.trace.subscribe((e) => {
      if (e.type === 'free_list_miss') seen.push(`miss ${e.zone} order ${e.order} freetype ${e.freetype}`);
      else if (e.type === 'mm_page_alloc_extfrag') seen.push('extfrag');
    });
    m.allocNamed('k', 0, GFP_MASKS['GFP_KERNEL']!);
    off();
    expect(seen).toEqual([`miss DMA32 order 0 freetype ${MIGRATE_UNMOVABLE}`, 'extfrag']);
    assertInvariants(m);
    const pfn = m.named.get('k')!.pfn;
    expect(m.pageblocks.migratetype(pfn)).toBe(MIGRATE_UNMOVABLE);
    expect(pt()).toMatch(/zone +DMA32 +2 +502 +0 +0 +0/);
    // A movable allocation still comes from a movable block.
    m.allocNamed('u', 0, GFP_MASKS['GFP_HIGHUSER_MOVABLE']!);
    expect(m.pageblocks.migratetype(m.named.get('u')!.pfn)).toBe(MIGRATE_MOVABLE);
  });

  it('steals part of a fallback block without retyping it when claiming is not worth it', () => {
    const m = booted({ ram: 128 * 1024 * 1024, cpus: 1 });
    // Fill memory with unmovable pages (claiming most pageblocks as UNMOVABLE on the way) ...
    const unmovable: number[] = [];
    for (;;) {
      const pfn = m.alloc.allocPages(GFP_MASKS['GFP_KERNEL']! | GFP.__GFP_NOWARN | GFP.__GFP_HIGH, 0);
      if (pfn < 0) break;
      unmovable.push(pfn);
    }
    // ... then free every other one in UNMOVABLE pageblocks: order-0 holes that cannot merge.
    for (const pfn of unmovable)
      if (pfn % 2 === 0 && m.pageblocks.migratetype(pfn) === MIGRATE_UNMOVABLE) m.alloc.freePages(pfn, 0);
    m.alloc.drainAllPages();
    assertInvariants(m);
    const events: { claimed: boolean; pfn: number; fallbackMigratetype: number; fallbackOrder: number }[] =
      [];
    m.trace.subscribe((e) => {
      if (e.type === 'mm_page_alloc_extfrag') events.push(e);
    });
    const before = Array.from(m.pageblocks.bits);
    // Movable requests use up the movable free blocks first, then have only order-0 unmovable
    // holes to fall back on: should_try_claim_block(0, MOVABLE) is false, so they steal.
    for (let i = 0; i < 2000; i++)
      m.alloc.allocPages(GFP_MASKS['GFP_HIGHUSER_MOVABLE']! | GFP.__GFP_NOWARN, 0);
    assertInvariants(m);
    expect(events.length).toBeGreaterThan(0);
    // Whatever larger free blocks the fill loop left below the watermark may still be claimed
    // (should_try_claim_block: order >= pageblock_order / 2); the order-0 holes never are.
    const holes = events.filter((e) => e.fallbackOrder === 0);
    expect(holes.length).toBeGreaterThan(0);
    expect(holes.filter((e) => e.claimed)).toEqual([]);
    expect(
      holes.every(
        (e) =>
          e.fallbackMigratetype === MIGRATE_UNMOVABLE &&
          m.pageblocks.migratetype(e.pfn) === MIGRATE_UNMOVABLE,
      ),
    ).toBe(true);
    for (const e of events.filter((x) => x.claimed)) expect(e.fallbackOrder).toBeGreaterThanOrEqual(4);
    // Only claimed pageblocks changed type.
    const claimedBlocks = new Set(events.filter((e) => e.claimed).map((e) => e.pfn >>> m.pageblocks.order));
    const after = Array.from(m.pageblocks.bits);
    const changed = new Set<number>();
    for (let i = 0; i < after.length; i++) if (after[i] !== before[i]) changed.add(i);
    expect([...changed].every((i) => claimedBlocks.has(i))).toBe(true);
  });

  it('zeroes pages for __GFP_ZERO through kernel_init_pages, and with init_on_free at free time instead', () => {
    const m = booted({ ram: 1 * GiB });
    const a = m.allocNamed('dirty', 2, GFP_MASKS['GFP_KERNEL']!);
    for (let i = 0; i < 4; i++) m.ram.writeU8((a.pfn + i) * 4096 + 100, 0x5a);
    m.freeNamed('dirty');
    const z0 = m.alloc.pagesZeroed;
    const b = m.allocNamed('clean', 2, parseGfp('GFP_KERNEL|__GFP_ZERO'));
    expect(b.pfn).toBe(a.pfn); // LIFO pcp list: the same pages come back
    expect(m.alloc.pagesZeroed - z0).toBe(4);
    expect(m.ram.isZero(b.pfn * 4096, 4 * 4096)).toBe(true);
    const c = m.allocNamed('plain', 0, GFP_MASKS['GFP_KERNEL']!);
    m.ram.writeU8(c.pfn * 4096, 1);
    const z1 = m.alloc.pagesZeroed;
    m.freeNamed('plain');
    expect(m.alloc.pagesZeroed).toBe(z1); // init_on_free off: nothing zeroed at free

    const f = booted({ ram: 1 * GiB, initOnFree: true });
    const d = f.allocNamed('d', 0, GFP_MASKS['GFP_KERNEL']!);
    f.ram.writeU8(d.pfn * 4096 + 7, 9);
    const z2 = f.alloc.pagesZeroed;
    f.freeNamed('d');
    expect(f.alloc.pagesZeroed - z2).toBe(1);
    expect(f.ram.isZero(d.pfn * 4096, 4096)).toBe(true);
    // With init_on_free, __GFP_ZERO does not zero again: the page is known to be zero.
    const z3 = f.alloc.pagesZeroed;
    f.allocNamed('e', 0, parseGfp('GFP_KERNEL|__GFP_ZERO'));
    expect(f.alloc.pagesZeroed).toBe(z3);
  });

  it('reports an allocation failure as the kernel prints it and keeps running', () => {
    const m = booted({ ram: 128 * 1024 * 1024 });
    // DMA holds three order-10 blocks (1024, 2048, 3072); the fourth request must fail.
    const got = [1, 2, 3].map((i) => m.allocNamed(`big${i}`, 10, DMA).pfn);
    expect(got).toEqual([1024, 2048, 3072]);
    expect(() => m.allocNamed('big4', 10, DMA)).toThrow(/page allocation failure: order:10/);
    expect(m.log.at(-1)).toBe(
      'page allocation failure: order:10, mode:0xcc9(GFP_KERNEL|__GFP_DMA|__GFP_MOVABLE), nodemask=(null)',
    );
    assertInvariants(m);
    // The machine keeps running: a smaller request still succeeds.
    expect(m.allocNamed('small', 0, DMA).pfn).toBeGreaterThan(0);
  });
});
