/**
 * Regression tests for the steps the mutation check (tools/mutation) deletes one at a time, where
 * random programs alone meet them too rarely: a COW copy on one CPU while another CPU still holds
 * the old translation, and a buddy merge across pageblocks of two migratetypes.
 */
import { describe, expect, it } from 'vitest';
import { assertInvariants, checkInvariants } from '../src/core/check.ts';
import { forkTask, spawnTask } from '../src/core/kernel/fork.ts';
import { parseGfp } from '../src/core/mm/gfp.ts';
import { doMmap } from '../src/core/mm/mmap.ts';
import { MIGRATE_MOVABLE, MIGRATE_UNMOVABLE } from '../src/core/mm/mmzone.ts';
import { readProc } from '../src/core/proc/index.ts';
import { userRead, userWrite } from '../src/core/user.ts';
import { booted, buddyRow, GiB } from './helpers/machine.ts';

/** The user translations of `va`'s page in one CPU's TLB. */
const tlbHas = (m: ReturnType<typeof booted>, cpu: number, va: number) =>
  m.tlb.cpus[cpu]!.entries.filter((e) => e && !e.kernel && e.vpn === va / m.pageSize);

describe('TLB shootdowns across CPUs', () => {
  it('wp_page_copy: a write on CPU 1 to a page CPU 0 read through the zero page drops CPU 0’s translation', () => {
    const m = booted({ cpus: 2 });
    const t = spawnTask(m, 'P', 0)!;
    const a = doMmap(m, t, 4 * m.pageSize, 'rw', false, false, 0).addr;
    userRead(m, t, a, 1, 1, 0); // the zero page, read-only, cached on CPU 0
    expect(tlbHas(m, 0, a)).toHaveLength(1);
    userWrite(m, t, a, 1, 1, 7, 1); // the process moved to CPU 1: do_wp_page → wp_page_copy
    expect(tlbHas(m, 0, a)).toHaveLength(0);
    expect(checkInvariants(m)).toEqual([]);
  });

  it('wp_page_copy after fork: the parent’s write on CPU 1 drops the shared page’s translation on CPU 0', () => {
    const m = booted({ cpus: 2 });
    const t = spawnTask(m, 'P', 0)!;
    const a = doMmap(m, t, 4 * m.pageSize, 'rw', false, false, 0).addr;
    userWrite(m, t, a, 1, 1, 5, 0);
    const child = forkTask(m, t, 'C', 0)!;
    userRead(m, t, a, 1, 1, 0); // the shared page, read-only now, cached on CPU 0
    userWrite(m, t, a, 1, 1, 6, 1);
    expect(tlbHas(m, 0, a)).toHaveLength(0);
    expect(userRead(m, child, a, 1, 1, 0).sum).toBe(5);
    assertInvariants(m);
  });
});

describe('__free_one_page across pageblocks', () => {
  it('a merge retypes the buddy’s pageblock to the freed block’s migratetype', () => {
    const m = booted({ ram: 1 * GiB });
    const DMA = parseGfp('GFP_KERNEL|__GFP_DMA|__GFP_MOVABLE');
    // Take the DMA zone's order-8 and order-9 blocks (256, 512): the next order-9 requests split
    // the order-10 block at 1024 into two buddies, 1024 and 1536.
    m.allocNamed('a8', 8, DMA);
    m.allocNamed('a9', 9, DMA);
    m.allocNamed('lo', 9, DMA);
    m.allocNamed('hi', 9, DMA);
    expect([m.named.get('lo')!.pfn, m.named.get('hi')!.pfn]).toEqual([1024, 1536]);
    // The lower pageblock becomes UNMOVABLE while allocated, as when an unmovable fallback claims
    // a pageblock (try_to_claim_block) part of which is in use.
    m.pageblocks.setMigratetype(1024, MIGRATE_UNMOVABLE);
    m.freeNamed('lo');
    m.alloc.drainAllPages();
    assertInvariants(m);
    // Freeing the MOVABLE half merges the two: the result is one order-10 MOVABLE block, and the
    // UNMOVABLE pageblock inside it is MOVABLE now (else a later split would hand out "movable"
    // pages from a pageblock marked unmovable).
    m.freeNamed('hi');
    m.alloc.drainAllPages();
    expect(m.pageblocks.migratetype(1024)).toBe(MIGRATE_MOVABLE);
    expect(buddyRow(readProc(m, '/proc/buddyinfo'), 'DMA')[10]).toBe(3);
    assertInvariants(m);
  });
});
