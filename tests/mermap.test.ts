/**
 * The mermap as in the __GFP_UNMAPPED series v2 (linux-mm/linux-mm@b7f5c72f mm/mermap.c,
 * @d7720e0f mm/tests/mermap_kunit.c): ports of the KUnit tests and the v2-specific behaviour.
 */
import { describe, expect, it } from 'vitest';
import { assertInvariants } from '../src/core/check.ts';
import { exitTask, forkTask, spawnTask } from '../src/core/kernel/fork.ts';
import type { Machine } from '../src/core/machine.ts';
import { GFP, GFP_MASKS } from '../src/core/mm/gfp.ts';
import {
  MERMAP_BASE_ADDR,
  MERMAP_CPU_PAGES,
  MERMAP_NR_ALLOCS,
  MERMAP_SENTINEL,
  MermapOops,
  mermapGet,
  mermapGetReserved,
  mermapMmPrepare,
  mermapPte,
  mermapPut,
  mermapSliceAddr,
  PAGE_KERNEL_NOGLOBAL,
  preemptHolder,
  resumeHolders,
  type MermapCpu,
} from '../src/core/mm/mermap.ts';
import type { MmStruct } from '../src/core/mm/mm_types.ts';
import { switchMm } from '../src/core/mm/tlb.ts';
import { MM_LOCAL_PGD_INDEX, mmLocalRegionUsed } from '../src/core/mm/mm_local.ts';
import { walkSteps } from '../src/core/mm/pgtable.ts';
import { lruAddDrainAll } from '../src/core/mm/rmap.ts';
import { procStatus } from '../src/core/proc/pid.ts';
import { runScenario } from '../src/core/scenario/run.ts';
import { booted, MiB } from './helpers/machine.ts';

const K = GFP_MASKS['GFP_KERNEL']!;
const UZERO = K | GFP.__GFP_UNMAPPED | GFP.__GFP_ZERO;

/** A machine with task A current on CPU 0; its mermap prepared unless asked not to. */
function machine(prepare = true): { m: Machine; mm: MmStruct } {
  const m = booted({ ram: 256 * MiB, cpus: 2, pageAllocUnmapped: true });
  const t = spawnTask(m, 'A', 0)!;
  switchMm(m, 0, t.mm!);
  if (prepare) mermapMmPrepare(m, t.mm!);
  return { m, mm: t.mm! };
}

function cpu0(m: Machine, mm: MmStruct): MermapCpu {
  return m.mermaps.get(mm)!.cpu[0]!;
}

function run(text: string): string {
  let out = '';
  runScenario(text, { out: (t) => (out += t) });
  return out;
}

describe('mermap geometry (v2 arch/x86/include/asm/pgtable_64_types.h)', () => {
  it('sits right after the LDT remap in the mm-local PGD slot -240, one PMD per CPU', () => {
    const PGDIR_SHIFT = 39n; // 4-level paging
    const PMD_SIZE = 1n << 21n;
    const ldtEnd = ((-240n << PGDIR_SHIFT) & ((1n << 64n) - 1n)) + PMD_SIZE; // LDT_END_ADDR
    expect(MERMAP_BASE_ADDR).toBe(ldtEnd);
    expect(MERMAP_BASE_ADDR).toBe(0xffff_8800_0020_0000n);
    expect(BigInt(MERMAP_CPU_PAGES) * 4096n).toBe(PMD_SIZE); // MERMAP_CPU_REGION_SIZE
    const out = run(`machine ram=256M cpus=2 page_alloc_unmapped=yes
boot
spawn A
show mermap
`);
    expect(out).toContain('cpu 0: base 0xffff880000200000');
    expect(out).toContain('cpu 1: base 0xffff880000400000');
  });

  it('the sentinel is pfn_pte(0, pgprot_nx(PAGE_NONE)) with the PFN inverted (L1TF)', () => {
    const v = MERMAP_SENTINEL;
    expect(v & 1n).toBe(0n); // not present
    expect(v & 0x100n).toBe(0x100n); // _PAGE_PROTNONE (= _PAGE_GLOBAL's bit)
    expect(v & 0x20n).toBe(0x20n); // _PAGE_ACCESSED
    expect(v >> 63n).toBe(1n); // NX
    expect(v).not.toBe(0n); // not pte_none(): apply_to_existing_page_range() visits it
    // pte_pfn() undoes protnone_mask(): the PFN reads back as 0
    const PTE_PFN_MASK = ((1n << 52n) - 1n) & ~0xfffn;
    expect(((v ^ ((1n << 64n) - 1n)) & PTE_PFN_MASK) >> 12n).toBe(0n);
    const { m, mm } = machine();
    const mc = cpu0(m, mm);
    for (let i = 0; i < MERMAP_CPU_PAGES; i++) expect(mermapPte(m, mc, i)).toBe(MERMAP_SENTINEL);
  });
});

describe('KUnit mermap_kunit.c (v2)', () => {
  it('test_size: 511 pages fit, 512 do not; 510 + 1, then no more; a reserved get still fits', () => {
    const { m, mm } = machine();
    let s = mermapGet(m, 0, 0, MERMAP_CPU_PAGES - 1, 'test');
    expect(s).toBeGreaterThanOrEqual(0);
    mermapPut(m, 0, s);
    expect(mermapGet(m, 0, 0, MERMAP_CPU_PAGES, 'test')).toBe(-1);
    const a = mermapGet(m, 0, 0, MERMAP_CPU_PAGES - 2, 'test');
    const b = mermapGet(m, 0, 0, 1, 'test');
    expect(a).toBeGreaterThanOrEqual(0);
    expect(b).toBeGreaterThanOrEqual(0);
    expect(mermapGet(m, 0, 0, 1, 'test')).toBe(-1);
    m.tlb.cpus[0]!.irqsOn = false;
    s = mermapGetReserved(m, 0, 0);
    expect(s).toBeGreaterThanOrEqual(0);
    expect(cpu0(m, mm).allocs[s]!.base).toBe(MERMAP_CPU_PAGES - 1); // the headroom page
  });

  it('test_tlb_flushed: no flush until an address is reused, then exactly one', () => {
    const { m, mm } = machine();
    const mc = cpu0(m, mm);
    for (let i = 0; i < MERMAP_CPU_PAGES - 1; i++) {
      mermapPut(m, 0, mermapGet(m, 0, 0, 1, 'test'));
      expect(mc.localFlushes).toBe(0);
    }
    mermapPut(m, 0, mermapGet(m, 0, 0, 1, 'test'));
    expect(mc.localFlushes).toBe(1);
    expect(mc.next).toBe(1); // back at the start of the slice
  });

  it('test_multiple_allocs: 4 one-page gets, each inside the slice; a fifth has no slot', () => {
    const { m, mm } = machine();
    const slots = Array.from({ length: MERMAP_NR_ALLOCS }, (_, i) => mermapGet(m, 0, 100 + i, 1, 'test'));
    expect(new Set(slots).size).toBe(MERMAP_NR_ALLOCS);
    const mc = cpu0(m, mm);
    for (const [i, s] of slots.entries()) {
      const a = mc.allocs[s]!;
      expect(a.base).toBeGreaterThanOrEqual(0);
      expect(a.end).toBeLessThanOrEqual(MERMAP_CPU_PAGES);
      expect((mermapPte(m, mc, a.base) & 0x000f_ffff_ffff_f000n) >> 12n).toBe(BigInt(100 + i)); // the page asked for
    }
    expect(mermapGet(m, 0, 0, 1, 'test')).toBe(-1);
  });
});

describe('v2 behaviour the emulator used to get wrong', () => {
  it('mermap_get_reserved takes one of the 4 slots: 4 preempted holders make the slow path oops', () => {
    const { m, mm } = machine();
    for (let i = 0; i < MERMAP_NR_ALLOCS; i++) expect(preemptHolder(m, 0, 1)).toBeGreaterThanOrEqual(0);
    expect(mermapGetReserved(m, 0, 0)).toBe(-1);
    expect(cpu0(m, mm).reservedFailures).toBe(1);
    // clear_page_mermap(): the fast path finds no slot, the slow path's mermap_get_reserved NULL
    expect(() => m.alloc.allocPages(UZERO, 0, 0)).toThrow(MermapOops);
    expect(() => m.alloc.allocPages(UZERO, 0, 0)).toThrow(/all 4 mermap slots are held.*v3/);
    expect(m.log.join('\n')).toContain('BUG: kernel NULL pointer dereference, address: 0000000000000008');
    expect(m.tlb.cpus[0]!.irqsOn).toBe(true); // the oops path restored the IRQ state
    assertInvariants(m); // the pages the dying task had allocated are leaked, not corrupted
  });

  it('the scenario reports the oops and carries on', () => {
    const out = run(`machine ram=256M cpus=2 page_alloc_unmapped=yes
boot
spawn A
preempt pages=1
preempt pages=1
preempt pages=1
preempt pages=1
alloc k1 order=0 gfp=GFP_KERNEL|__GFP_UNMAPPED|__GFP_ZERO
resume
alloc k2 order=0 gfp=GFP_KERNEL|__GFP_UNMAPPED|__GFP_ZERO
print mermap_fast_runs
`);
    expect(out).toContain('alloc k1: clear_page_mermap: kernel oops on CPU 0');
    expect(out).toContain('resume: cpu 0: 4 preempted holders put their mappings');
    expect(out).toContain('mermap_fast_runs = 0x1');
  });

  it('the slow path flushes the whole local TLB once per 512 - h pages after a holder of h', () => {
    const { m, mm } = machine();
    const h = 500;
    expect(preemptHolder(m, 0, h)).toBeGreaterThanOrEqual(0);
    const mc = cpu0(m, mm);
    const flushes = mc.localFlushes;
    // 16 pages do not fit in the 11 left below the headroom page: the slow path, page by page.
    const pfn = m.alloc.allocPages(UZERO, 4, 0);
    expect(pfn).toBeGreaterThanOrEqual(0);
    expect(m.mermapStats.slowPages).toBe(16);
    // pages 0-11 take offsets 500-511 (the headroom page included), page 12 wraps: one flush
    expect(mc.localFlushes - flushes).toBe(1);
    expect(mc.next).toBe(h + 4);
    assertInvariants(m);
  });

  it('nothing prepares the mermap on demand: an unprepared mm WARNs and gets NULL, without OOM', () => {
    const { m, mm } = machine(false);
    const b = spawnTask(m, 'B', 0)!;
    switchMm(m, 0, mm);
    expect(m.mermaps.has(mm)).toBe(false);
    expect(mermapGet(m, 0, 0, 1, 'test')).toBe(-1);
    expect(m.log.join('\n')).toContain('mermap_mm_prepare() was not called for this mm');
    expect(() => m.allocNamed('u', 0, K | GFP.__GFP_UNMAPPED, 0)).toThrow(/page allocation failure/);
    const log = m.log.join('\n');
    expect(log).toContain('prepare_alloc_pages: WARN_ON(!mermap_ready())');
    // prepare_alloc_pages() fails before the slow path: no warn_alloc report, no OOM kill
    expect(log).not.toContain('page allocation failure');
    expect(log).not.toContain('Out of memory');
    expect(b.state).toBe('R');
    expect(m.mermaps.has(mm)).toBe(false);
  });

  it('exit tears the mermap down, WARNing about a slot still in use', () => {
    const { m } = machine();
    const t = spawnTask(m, 'C', 1)!;
    switchMm(m, 1, t.mm!);
    const mm = t.mm!;
    mermapMmPrepare(m, mm);
    expect(preemptHolder(m, 1, 3)).toBeGreaterThanOrEqual(0);
    exitTask(m, t, 'exit', 1);
    expect(m.mermaps.has(mm)).toBe(false);
    expect(m.log.join('\n')).toContain('mermap_mm_teardown: WARN_ON_ONCE(mc->allocs[i].in_use)');
  });
});

/** The entry a full walk of `mm`'s page tables in emulated RAM finds for a kernel address. */
function walkRaw(m: Machine, mm: MmStruct, va: number): { levels: number; value: bigint; tables: number[] } {
  const steps = walkSteps(m, mm, va);
  const last = steps[steps.length - 1]!;
  return {
    levels: steps.length,
    value: (BigInt(last.entry.hi >>> 0) << 32n) | BigInt(last.entry.lo >>> 0),
    tables: steps.map((s) => s.tablePfn),
  };
}

/** pgtables_bytes, as /proc/<pid>/status's VmPTE shows it (kB). */
function vmPteKb(m: Machine, pid: number): number {
  return Number(/VmPTE:\s+(\d+) kB/.exec(procStatus(m, m.tasks.get(pid)!))![1]);
}

describe('the slices live in the mm-local page tables in emulated RAM', () => {
  it('prepare allocates PUD, PMD and a PTE table per CPU in the mm’s PGD slot 272, all sentinel', () => {
    const m = booted({ ram: 256 * MiB, cpus: 2, pageAllocUnmapped: true });
    const t = spawnTask(m, 'A', 0)!;
    const mm = t.mm!;
    switchMm(m, 0, mm);
    m.alloc.drainAllPages(); // count pcp pages as free: nr_free then is every free page
    const free0 = m.alloc.nrFreePages();
    const tables0 = m.vmstat.get('nr_page_table_pages');
    const pte0 = vmPteKb(m, t.pid);
    expect(mmLocalRegionUsed(m, mm)).toBe(false);
    mermapMmPrepare(m, mm);
    m.alloc.drainAllPages();
    expect(mmLocalRegionUsed(m, mm)).toBe(true);
    // one PUD + one PMD + one PTE table per CPU (2), from the buddy allocator, counted like user tables
    expect(free0 - m.alloc.nrFreePages()).toBe(4);
    expect(m.vmstat.get('nr_page_table_pages') - tables0).toBe(4);
    expect(vmPteKb(m, t.pid) - pte0).toBe(16);
    for (let cpu = 0; cpu < 2; cpu++) {
      const mc = m.mermaps.get(mm)!.cpu[cpu]!;
      for (const page of [0, 1, 255, MERMAP_CPU_PAGES - 1]) {
        const w = walkRaw(m, mm, mermapSliceAddr(m, cpu, page));
        expect(w.levels).toBe(4);
        expect(w.tables[0]).toBe(mm.pgd);
        expect(w.tables[3]).toBe(mc.ptePfn);
        expect(w.value).toBe(MERMAP_SENTINEL);
      }
    }
    // both slices share the PUD and the PMD, under PGD entry 272 (0xffff880000000000)
    const a = walkRaw(m, mm, mermapSliceAddr(m, 0));
    const b = walkRaw(m, mm, mermapSliceAddr(m, 1));
    expect(walkSteps(m, mm, mermapSliceAddr(m, 0))[0]!.index).toBe(MM_LOCAL_PGD_INDEX);
    expect(a.tables.slice(0, 3)).toEqual(b.tables.slice(0, 3));
    expect(a.tables[3]).not.toBe(b.tables[3]);
    // the LDT remap's PMD entry (index 0) stays empty: it is not modelled
    expect(walkSteps(m, mm, Number(MERMAP_BASE_ADDR) - 4096)[2]!.entry).toEqual({ lo: 0, hi: 0 });
    assertInvariants(m);
  });

  it('mermap_get writes PAGE_KERNEL_NOGLOBAL PTEs for the pfns, put the sentinel; the TLB holds what RAM says', () => {
    const { m, mm } = machine();
    const events: { tablePfn: number; index: number; lo: number; hi: number }[] = [];
    const un = m.trace.subscribe((e) => {
      if (e.type === 'pte_set') events.push(e);
    });
    const slot = mermapGet(m, 0, 0x1234, 3, 'test');
    expect(slot).toBeGreaterThanOrEqual(0);
    const mc = cpu0(m, mm);
    const a = mc.allocs[slot]!;
    for (let i = 0; i < 3; i++) {
      const v = walkRaw(m, mm, mermapSliceAddr(m, 0, a.base + i)).value;
      expect(v).toBe((BigInt(0x1234 + i) << 12n) | PAGE_KERNEL_NOGLOBAL);
      expect(v & 0x100n).toBe(0n); // no _PAGE_GLOBAL
      // the CPU's TLB translates the slice page to the pfn in that PTE, non-global
      const vpn = mermapSliceAddr(m, 0, a.base + i) / 4096;
      const hit = m.tlb.cpus[0]!.entries.find((e) => e && !e.kernel && e.vpn === vpn);
      expect(hit?.pfn).toBe(0x1234 + i);
      expect(hit?.global).toBe(false);
    }
    // three pte_set events on the slice's PTE table, in emulated RAM
    expect(events.filter((e) => e.tablePfn === mc.ptePfn).map((e) => e.index)).toEqual([
      a.base,
      a.base + 1,
      a.base + 2,
    ]);
    mermapPut(m, 0, slot);
    for (let i = 0; i < 3; i++) expect(mermapPte(m, mc, a.base + i)).toBe(MERMAP_SENTINEL);
    expect(events.filter((e) => e.tablePfn === mc.ptePfn).length).toBe(6);
    un();
    assertInvariants(m);
  });

  it('the reserved get maps its page in RAM too; the checker catches a stray mapping', () => {
    const { m, mm } = machine();
    const slot = mermapGetReserved(m, 0, 0x777);
    const mc = cpu0(m, mm);
    const page = mc.allocs[slot]!.base;
    expect(mermapPte(m, mc, page)).toBe((0x777n << 12n) | PAGE_KERNEL_NOGLOBAL);
    assertInvariants(m);
    // a slot marked free while its PTE still maps the page: the invariant checker says where
    mc.allocs[slot]!.inUse = false;
    expect(() => assertInvariants(m)).toThrow(
      /mm-local PTE for 0xffff880000200000: 0x8000000000777063 where no mermap slot is in use/,
    );
  });

  it('exit frees the tables: nr_free and nr_page_table_pages come back, invariants hold', () => {
    const m = booted({ ram: 256 * MiB, cpus: 2, pageAllocUnmapped: true });
    m.synchronizeRcu();
    m.alloc.drainAllPages(); // count pcp pages as free: nr_free then is every free page
    const free0 = m.alloc.nrFreePages();
    const tables0 = m.vmstat.get('nr_page_table_pages');
    const t = spawnTask(m, 'A', 0)!;
    switchMm(m, 0, t.mm!);
    mermapMmPrepare(m, t.mm!);
    expect(preemptHolder(m, 0, 5)).toBeGreaterThanOrEqual(0);
    expect(resumeHolders(m, 0)).toBe(1);
    exitTask(m, t, 'exit', 0);
    m.synchronizeRcu(); // exit's tables go through the mmu_gather's RCU batch
    lruAddDrainAll(m); // exit leaves the per-CPU LRU batches as they are (6.18): pages they hold go now
    m.alloc.drainAllPages();
    expect(m.alloc.nrFreePages()).toBe(free0);
    expect(m.vmstat.get('nr_page_table_pages')).toBe(tables0);
    assertInvariants(m);
  });

  it('fork does not copy the region: the child has no mm-local tables and no mermap', () => {
    const { m, mm } = machine();
    const parent = [...m.tasks.values()].find((t) => t.mm === mm)!;
    expect(mermapGet(m, 0, 0x500, 1, 'test')).toBeGreaterThanOrEqual(0);
    const child = forkTask(m, parent, 'B', 0)!;
    expect(child.mm).not.toBeNull();
    expect(mmLocalRegionUsed(m, child.mm!)).toBe(false);
    expect(m.mermaps.has(child.mm!)).toBe(false);
    expect(walkSteps(m, child.mm!, mermapSliceAddr(m, 0)).length).toBe(1); // stops at the empty PGD entry
    // the child's VmPTE holds only its stack's tables; the parent's holds 4 more pages' worth
    expect(vmPteKb(m, parent.pid) - vmPteKb(m, child.pid)).toBe(16);
    assertInvariants(m);
  });
});
