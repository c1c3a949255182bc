/**
 * The mermap (mm/mermap.c, include/linux/mermap{,_types}.h, arch/x86/include/asm/mermap.h; the
 * __GFP_UNMAPPED series v2, not merged): a per-mm, per-CPU window of kernel virtual addresses for
 * short-lived mappings of pages that are not in the direct map, so kernel_init_pages() can clear them.
 *
 * Checked against v2 in the stored trees: linux-mm/linux-mm@b7f5c72f (mm/mermap.c,
 * include/linux/mermap.h, arch/x86/include/asm/{mermap.h,pgtable_64_types.h}) and @d7720e0f
 * (include/linux/mermap_types.h, mm/tests/mermap_kunit.c). Modelled: per CPU a PMD_SIZE slice with a
 * bump pointer (next_addr); normal gets keep the last page as headroom, mermap_get_reserved() may use
 * it; 4 tracking slots shared by both kinds of get (v3 gives the reserved get a slot of its own,
 * reserve_alloc, which v2 lacks); PTEs pre-populated with a sentinel and rewritten per get;
 * mermap_put restoring the sentinel without a flush; a full local flush (__flush_tlb_all) only when
 * a get does not fit above next_addr. The slices' PTEs are real entries in the mm's own page tables
 * in emulated RAM, in the mm-local PGD slot (mm/mm_local.ts): mermap_mm_prepare() allocates the
 * tables and writes the sentinel, get and put rewrite the PTEs, exit frees the tables.
 */
import { PTE, pgtableIndex, type RawEntry } from '../arch/pgtable.ts';
import type { Machine } from '../machine.ts';
import type { MmStruct } from './mm_types.ts';
import { mmLocalCheck, mmLocalPteTable } from './mm_local.ts';
import { readEntry, writeEntry } from './pgtable.ts';
import { setDirectMapDefaultNoflush, setDirectMapInvalidNoflush } from './direct_map.ts';
import { flushTlbAllLocal, flushTlbKernelRange, TlbShootdownRefused } from './tlb.ts';

/** MERMAP_CPU_REGION_SIZE = PMD_SIZE (v2 pgtable_64_types.h): 512 pages of 4 KiB per CPU slice. */
export const MERMAP_CPU_PAGES = 512;
/** Tracking slots per CPU: struct mermap_cpu's allocs[4] (v2 mermap_types.h). */
export const MERMAP_NR_ALLOCS = 4;
/**
 * MERMAP_BASE_ADDR = LDT_END_ADDR = (MM_LOCAL_PGD_ENTRY -240 << PGDIR_SHIFT) + LDT_REMAP_SIZE (PMD_SIZE),
 * v2 pgtable_64_types.h: the mermap sits right after the LDT remap in the mm-local PGD slot. With
 * 4-level paging (the emulator's only mode) that is 0xffff880000200000; with LA57, 0xff10000000200000.
 */
export const MERMAP_BASE_ADDR = 0xffff_8800_0020_0000n;
/** PAGE_KERNEL_NOGLOBAL = PAGE_KERNEL minus _PAGE_GLOBAL (v2 20/22): __PP|__RW|___A|__NX|___D. */
export const PAGE_KERNEL_NOGLOBAL = 0x8000000000000063n;
/**
 * The sentinel PTE, set_unmapped_pte(): pfn_pte(0, pgprot_nx(PAGE_NONE)). x86's PAGE_NONE is
 * ___A|___G (0x120; _PAGE_GLOBAL doubles as _PAGE_PROTNONE in a non-present entry), NX adds bit 63,
 * and pfn_pte() inverts the PFN field of a PROT_NONE entry (L1TF, pgtable-invert.h: protnone_mask),
 * so pfn 0 is stored as all ones under PTE_PFN_MASK (52-bit physical mask): 0x800ffffffffff120.
 * pte_pfn() undoes the inversion and reads 0. Non-empty, so apply_to_existing_page_range() visits it.
 */
export const MERMAP_SENTINEL = 0x8000000000000000n | 0x000ffffffffff000n | 0x120n;

/** The last level of x86-64's 4-level tables (the mermap is x86-64 only: config.ts refuses others). */
const PTE_LEVEL = 3;
/** The sentinel as the two 32-bit halves an entry is stored in. */
const SENTINEL_RAW: Readonly<RawEntry> = { lo: 0xfffff120, hi: 0x800fffff };
const E: RawEntry = { lo: 0, hi: 0 };

/** pfn_pte(pfn, PAGE_KERNEL_NOGLOBAL) as stored: pfn in bits 51:12, P|RW|A|D in the low bits, NX in bit 63. */
function mkNoglobal(pfn: number, out: RawEntry): void {
  out.lo = ((pfn % 0x100000) * 4096 + 0x63) >>> 0;
  out.hi = ((Math.floor(pfn / 0x100000) & 0xfffff) | 0x80000000) >>> 0;
}

function rawValue(e: RawEntry): bigint {
  return (BigInt(e.hi >>> 0) << 32n) | BigInt(e.lo >>> 0);
}

/** A slice's virtual address as a Number: 4 KiB-aligned 64-bit addresses are exact doubles. */
export function mermapSliceAddr(m: Machine, cpu: number, page = 0): number {
  return Number(MERMAP_BASE_ADDR) + (cpu * MERMAP_CPU_PAGES + page) * m.pageSize;
}

export interface MermapAlloc {
  inUse: boolean;
  /** page offsets in the slice */
  base: number;
  end: number;
  /** who holds it: 'kernel_init_pages', 'kernel_init_pages (reserved)' or a preempted task */
  holder: string;
}

export interface MermapCpu {
  /** next_addr, as a page offset in the slice */
  next: number;
  readonly allocs: MermapAlloc[];
  /**
   * pfn of the slice's PTE table: in the mm's page tables in emulated RAM (PGD slot 272 → PUD → PMD
   * entry 1 + cpu), 512 entries holding the sentinel or a mapping. Read them with mermapPte().
   */
  readonly ptePfn: number;
  /**
   * Derived, not kernel state (v2 declares mermap_alloc.need_flush but never uses it): a put left
   * translations in [top live end, next_addr) that the next wrap's flush will drop.
   */
  needFlush: boolean;
  gets: number;
  getFailures: number;
  /** mermap_get_reserved() calls (the slow path of clear_page_mermap(), one per page) */
  reservedGets: number;
  /** of which failed: all 4 slots held (v2 has no slot of its own for the reserved get) */
  reservedFailures: number;
  /** arch_mermap_flush_tlb() calls (the KUnit test_tlb_flushed's mc->tlb_flushes) */
  localFlushes: number;
}

export interface Mermap {
  readonly cpu: MermapCpu[];
}

/**
 * v2's clear_page_mermap() oopses when mermap_get_reserved() returns NULL: clear_page() of
 * mermap_addr(NULL) reads alloc->base at offset 8. The allocating task dies; its pages leak.
 */
export class MermapOops extends Error {}

/** The raw PTE of page `page` of a slice, read from its table in emulated RAM. */
export function mermapPte(m: Machine, mc: MermapCpu, page: number): bigint {
  readEntry(m, mc.ptePfn, page, E, PTE_LEVEL);
  return rawValue(E);
}

/**
 * mermap_mm_prepare(): per-CPU state, every possible CPU's slice filled with the sentinel by
 * apply_to_page_range(mm, base, MERMAP_CPU_REGION_SIZE, set_unmapped_pte) — which allocates the
 * slice's page tables in the mm's own PGD, as __pud_alloc/__pmd_alloc/__pte_alloc do for any user
 * mm (counted in VmPTE) — and next_addr at the slice base. Idempotent. Returns null (-ENOMEM) when a
 * table cannot be allocated; tables already made stay until exit frees the region, as in v2 (which
 * frees only the per-CPU state "to inform mermap_ready()"). v2 has no caller outside KUnit
 * (test_alloc_map_unmap, mermap_kunit's get_mm): the emulator calls it where a process is spawned
 * as current (run.ts), on the CPU `cpu` it runs on.
 */
export function mermapMmPrepare(m: Machine, mm: MmStruct, cpu = 0): Mermap | null {
  let mer = m.mermaps.get(mm);
  if (mer) return mer;
  const tables: number[] = [];
  const ok = m.trace.call('mermap_mm_prepare', () => {
    for (let c = 0; c < m.cfg.cpus; c++) {
      const ok1 = m.trace.call('apply_to_page_range', () => {
        const t = mmLocalPteTable(m, mm, mermapSliceAddr(m, c), cpu);
        if (t < 0) return false;
        for (let i = 0; i < MERMAP_CPU_PAGES; i++) writeEntry(m, t, i, SENTINEL_RAW, PTE_LEVEL);
        tables.push(t);
        return true;
      });
      if (!ok1) return false;
    }
    return true;
  });
  if (!ok) {
    m.printk('mermap_mm_prepare: -ENOMEM (no memory for the mm-local page tables)');
    return null;
  }
  mer = {
    cpu: tables.map((ptePfn) => ({
      next: 0,
      allocs: Array.from({ length: MERMAP_NR_ALLOCS }, () => ({ inUse: false, base: 0, end: 0, holder: '' })),
      ptePfn,
      needFlush: false,
      gets: 0,
      getFailures: 0,
      reservedGets: 0,
      reservedFailures: 0,
      localFlushes: 0,
    })),
  };
  m.mermaps.set(mm, mer);
  return mer;
}

/**
 * mermap_mm_teardown() with the mm (v2: "take care of by the normal mm teardown mechanism"; its
 * call site is not in the stored files): WARN_ON_ONCE for a slot still in use, free the per-CPU
 * state. The slices' page tables are not freed here: they go with the mm in x86's arch_exit_mmap()
 * → mm_local_region_free() (mm/mm_local.ts, called from exit_mmap in kernel/fork.ts).
 */
export function mermapMmTeardown(m: Machine, mm: MmStruct): void {
  const mer = m.mermaps.get(mm);
  if (!mer) return;
  const held = mer.cpu.some((mc) => mc.allocs.some((a) => a.inUse));
  if (held) m.printk('WARNING: CPU: 0 at mm/mermap.c mermap_mm_teardown: WARN_ON_ONCE(mc->allocs[i].in_use)');
  m.mermaps.delete(mm);
}

/** The mm "current" runs on a CPU: the one loaded there (null: a kernel thread, init_mm). */
export function currentMm(m: Machine, cpu: number): MmStruct | null {
  return m.tlb.cpus[cpu]!.loadedMm;
}

/** mermap_ready(): task context with an mm whose mermap is prepared. */
export function mermapReady(m: Machine, cpu: number): boolean {
  const mm = currentMm(m, cpu);
  return !!mm && m.mermaps.has(mm);
}

/** The virtual page number of a slice page. */
function vpn(m: Machine, cpu: number, page: number): number {
  return Number(MERMAP_BASE_ADDR / BigInt(m.pageSize)) + cpu * MERMAP_CPU_PAGES + page;
}

/**
 * apply_to_existing_page_range(do_set_pte): write PTEs for consecutive pfns in the slice's table,
 * then the access through the mapping (clear_page) loads each translation into this CPU's TLB from
 * the entry in RAM (non-global: PAGE_KERNEL_NOGLOBAL has no _PAGE_GLOBAL).
 */
function mapPages(m: Machine, mc: MermapCpu, cpu: number, base: number, pfn: number, nr: number): void {
  const tlb = m.tlb.cpus[cpu]!;
  const arch = m.pgtableArch;
  for (let i = 0; i < nr; i++) {
    mkNoglobal(pfn + i, E);
    writeEntry(m, mc.ptePfn, base + i, E, PTE_LEVEL);
  }
  for (let i = 0; i < nr; i++) {
    readEntry(m, mc.ptePfn, base + i, E, PTE_LEVEL);
    tlb.fill(
      false,
      vpn(m, cpu, base + i),
      arch.pfn(E),
      1,
      false,
      (arch.flags(E, PTE_LEVEL) & PTE.WRITE) !== 0,
    );
  }
}

function localFlush(m: Machine, mc: MermapCpu, cpu: number): void {
  // arch_mermap_flush_tlb() on x86 (v2): __flush_tlb_all() on this CPU only, global entries too.
  // "No shootdown allowed, IRQs may be off": no other CPU may touch this slice.
  flushTlbAllLocal(m, cpu);
  m.tlb.localFlushes++;
  mc.localFlushes++;
  mc.needFlush = false;
}

/** The prepared mermap of the mm current on `cpu`, or null after __mermap_get()'s WARN_ON_ONCE. */
function currentMermapCpu(m: Machine, cpu: number, fn: string): MermapCpu | null {
  const mm = currentMm(m, cpu);
  const mer = mm && m.mermaps.get(mm);
  if (mer) return mer.cpu[cpu]!;
  // __mermap_get(): WARN_ON_ONCE(!mm || !mm->mermap.cpu) → NULL. Nothing prepares it here.
  m.printk(
    `WARNING: CPU: ${cpu} at mm/mermap.c ${fn}: WARN_ON_ONCE(!mm || !mm->mermap.cpu) (${mm ? 'mermap_mm_prepare() was not called for this mm' : 'no mm on this CPU'})`,
  );
  return null;
}

/**
 * mermap_alloc(): bump-allocate nr pages and take a slot. A normal get leaves the slice's last
 * page free (cpu_end -= PAGE_SIZE); a reserved get may use it. When the run does not fit above
 * next_addr: new_next is the highest live end; if the run fits above that, flush the local TLB
 * and restart there — before looking for a free slot, so a get that then finds no slot has still
 * flushed. Returns the slot index or -1.
 */
function mermapAlloc(
  m: Machine,
  mc: MermapCpu,
  cpu: number,
  nr: number,
  reserve: boolean,
  holder: string,
): number {
  const limit = reserve ? MERMAP_CPU_PAGES : MERMAP_CPU_PAGES - 1;
  if (mc.next + nr > limit) {
    let newNext = 0;
    for (const a of mc.allocs) if (a.inUse) newNext = Math.max(newNext, a.end);
    if (nr > limit - newNext) return -1;
    localFlush(m, mc, cpu);
    mc.next = newNext;
  }
  const slot = mc.allocs.findIndex((a) => !a.inUse);
  if (slot < 0) return -1;
  const a = mc.allocs[slot]!;
  a.inUse = true;
  a.base = mc.next;
  a.end = mc.next + nr;
  a.holder = holder;
  mc.next += nr;
  return slot;
}

/**
 * mermap_get(): map nr pages at pfn in this CPU's slice. Returns the slot index, or -1 when the
 * mm's mermap is not prepared, the run is larger than the slice, or the space (the last page stays
 * free) or the 4 slots are taken.
 */
export function mermapGet(m: Machine, cpu: number, pfn: number, nr: number, holder: string): number {
  const mc = currentMermapCpu(m, cpu, 'mermap_get');
  if (!mc) return -1;
  const slot = nr > MERMAP_CPU_PAGES ? -1 : mermapAlloc(m, mc, cpu, nr, false, holder);
  if (slot < 0) {
    mc.getFailures++;
    // reported so views can tell why clear_page_mermap() took its slow path
    if (m.trace.on) m.trace.emit({ type: 'mermap_get', cpu, pfn, nrPages: nr, slot: -1, holder });
    return -1;
  }
  mc.gets++;
  const a = mc.allocs[slot]!;
  mapPages(m, mc, cpu, a.base, pfn, nr);
  if (m.trace.on) m.trace.emit({ type: 'mermap_get', cpu, pfn, nrPages: nr, slot, holder });
  return slot;
}

/**
 * mermap_get_reserved(): one page, preemption off, "This always succeeds" says its comment — but
 * in v2 it runs the same mermap_alloc() with only the headroom page added, so it needs one of the 4
 * slots and returns NULL when all are held (by preempted tasks, say). v3 added reserve_alloc, a
 * slot of its own. Returns the slot index or -1.
 */
export function mermapGetReserved(m: Machine, cpu: number, pfn: number): number {
  const mc = currentMermapCpu(m, cpu, 'mermap_get_reserved');
  if (!mc) return -1;
  mc.reservedGets++;
  const slot = mermapAlloc(m, mc, cpu, 1, true, 'kernel_init_pages (reserved)');
  if (slot < 0) {
    mc.reservedFailures++;
    return -1;
  }
  mapPages(m, mc, cpu, mc.allocs[slot]!.base, pfn, 1);
  return slot;
}

/** mermap_put(): the sentinel back, no flush (the flush comes when the space is reused). */
export function mermapPut(m: Machine, cpu: number, slot: number): void {
  const mm = currentMm(m, cpu)!;
  const mc = m.mermaps.get(mm)!.cpu[cpu]!;
  const a = mc.allocs[slot]!;
  // apply_to_page_range(set_unmapped_pte): the sentinel back in each PTE
  for (let i = a.base; i < a.end; i++) writeEntry(m, mc.ptePfn, i, SENTINEL_RAW, PTE_LEVEL);
  a.inUse = false;
  a.holder = '';
  mc.needFlush = true;
}

/**
 * clear_page_mermap() (v2 20/22): fast path, one mermap_get(PAGE_KERNEL_NOGLOBAL) for the run; slow
 * path, page by page with IRQs saved and disabled, each through mermap_get_reserved(page + i).
 * v2's slow path passes PAGE_KERNEL, which x86's arch_mermap_pgprot_allowed() refuses while it has
 * _PAGE_GLOBAL: it works only where PTI strips _PAGE_GLOBAL from the kernel PTE mask, which makes it
 * PAGE_KERNEL_NOGLOBAL's value. The emulator writes that value on both paths (the PTI case).
 * Throws MermapOops where v2 dereferences NULL (no slot for the reserved get).
 */
export function clearPageMermap(m: Machine, pfn: number, nr: number, cpu: number): void {
  const ps = m.pageSize;
  const slot = mermapGet(m, cpu, pfn, nr, 'kernel_init_pages');
  if (slot >= 0) {
    for (let i = 0; i < nr; i++) {
      m.ram.clearPage((pfn + i) * ps, ps);
      if (m.trace.on) m.trace.emit({ type: 'mermap_clear_page', cpu, pfn: pfn + i, reserved: false });
    }
    mermapPut(m, cpu, slot);
    m.mermapStats.fastRuns++;
    m.mermapStats.fastPages += nr;
    return;
  }
  const t = m.tlb.cpus[cpu]!;
  for (let i = 0; i < nr; i++) {
    const saved = t.irqsOn;
    t.irqsOn = false; // local_irq_save()
    const r = mermapGetReserved(m, cpu, pfn + i);
    if (r < 0) {
      t.irqsOn = saved;
      m.printk('BUG: kernel NULL pointer dereference, address: 0000000000000008');
      m.printk(`Oops: 0000 [#1] SMP NOPTI; CPU: ${cpu}; RIP: clear_page_mermap (mermap_addr(NULL))`);
      throw new MermapOops(
        `clear_page_mermap: kernel oops on CPU ${cpu}: mermap_get_reserved() returned NULL for pfn 0x${(pfn + i).toString(16)} — ` +
          (mermapReady(m, cpu)
            ? `all ${MERMAP_NR_ALLOCS} mermap slots are held (v2 gives the reserved get no slot of its own; v3 does)`
            : 'the current mm has no prepared mermap') +
          '; the allocating task would die and its pages leak',
      );
    }
    m.ram.clearPage((pfn + i) * ps, ps);
    if (m.trace.on) m.trace.emit({ type: 'mermap_clear_page', cpu, pfn: pfn + i, reserved: true });
    mermapPut(m, cpu, r);
    t.irqsOn = saved; // local_irq_restore()
  }
  m.mermapStats.slowPages += nr;
}

/**
 * A task preempted while it holds a mermap mapping (migrate_disable() keeps it on this CPU, but
 * not from being preempted): a thread of the mm loaded on the CPU maps `nr` pages and stays there.
 */
export function preemptHolder(m: Machine, cpu: number, nr: number): number {
  // It maps some page of its own; which one does not matter for the window, pfn 0 stands in.
  return mermapGet(m, cpu, 0, nr, 'preempted task');
}

/** The preempted holders run again and put their mappings. */
export function resumeHolders(m: Machine, cpu: number): number {
  const mm = currentMm(m, cpu);
  const mer = mm && m.mermaps.get(mm);
  if (!mer) return 0;
  let n = 0;
  mer.cpu[cpu]!.allocs.forEach((a, i) => {
    if (a.inUse && a.holder === 'preempted task') {
      mermapPut(m, cpu, i);
      n++;
    }
  });
  return n;
}

/** `show mermap`: each prepared mm's slice on every CPU. */
export function describeMermap(m: Machine, mmName: (mm: MmStruct) => string): string {
  let out = `mermap: ${MERMAP_CPU_PAGES} pages per CPU slice (the last one only for mermap_get_reserved), ${MERMAP_NR_ALLOCS} slots shared by both kinds of get (v2), PTEs PAGE_KERNEL_NOGLOBAL 0x${PAGE_KERNEL_NOGLOBAL.toString(16)}, sentinel 0x${MERMAP_SENTINEL.toString(16)}\n`;
  const s = m.mermapStats;
  out += `clear_page_mermap: fast runs ${s.fastRuns} (${s.fastPages} pages), slow path pages ${s.slowPages}\n`;
  for (const [mm, mer] of m.mermaps) {
    out += `mm ${mmName(mm)}:\n`;
    mer.cpu.forEach((mc, cpu) => {
      const base = MERMAP_BASE_ADDR + BigInt(cpu * MERMAP_CPU_PAGES * m.pageSize);
      const slots = mc.allocs.map((a, i) => (a.inUse ? `${i}:[${a.base},${a.end}) ${a.holder}` : `${i}:-`));
      out += `  cpu ${cpu}: base 0x${base.toString(16)} next ${mc.next}/${MERMAP_CPU_PAGES}${mc.needFlush ? ', flush pending' : ''}; gets ${mc.gets}, failed ${mc.getFailures}, reserved ${mc.reservedGets} (failed ${mc.reservedFailures}), local flushes ${mc.localFlushes}\n`;
      out += `    slots ${slots.join(' ')}; PTE table pfn 0x${mc.ptePfn.toString(16)}\n`;
    });
  }
  return out;
}

/** Install CONFIG_PAGE_ALLOC_UNMAPPED's machine side into the allocator (after init_mem_mapping). */
export function installUnmapped(m: Machine): void {
  if (!m.cfg.pageAllocUnmapped) return;
  m.alloc.unmappedHooks = {
    irqsOn: (cpu) => m.tlb.cpus[cpu]!.irqsOn,
    // prepare_alloc_pages() only checks: nothing in the allocator prepares the mermap (v2).
    mermapReady: (cpu) => mermapReady(m, cpu),
    setDirectMap: (pfn, nr, valid, cpu) =>
      valid ? setDirectMapDefaultNoflush(m, pfn, nr, cpu) : setDirectMapInvalidNoflush(m, pfn, nr, cpu),
    flushKernelRange: (pfn, nr, cpu) => {
      try {
        flushTlbKernelRange(m, pfn, nr, cpu);
        return true;
      } catch (e) {
        // IRQs off: the emulator refuses the shootdown (the kernel would send the IPIs anyway, after
        // smp_call_function_many_cond's WARN, and risk a deadlock).
        if (e instanceof TlbShootdownRefused) return false;
        throw e;
      }
    },
    clearPageMermap: (pfn, nr, cpu) => clearPageMermap(m, pfn, nr, cpu),
  };
}

/**
 * The invariant checker's view of one mm's mermap tables: the mm-local slot holds exactly the
 * tables mermap_mm_prepare() made (each prepared slice's PTE table where the state says), and every
 * PTE is the sentinel or, inside a slot in use, a PAGE_KERNEL_NOGLOBAL mapping. Returns the bytes
 * of those tables (they count in VmPTE).
 */
export function mermapCheckTables(m: Machine, mm: MmStruct, who: string, errs: string[]): number {
  const mer = m.mermaps.get(mm);
  const sliceBytes = BigInt(MERMAP_CPU_PAGES * m.pageSize);
  const seen = new Set<number>();
  const bytes = mmLocalCheck(
    m,
    mm,
    who,
    (va, e) => {
      const off = va - MERMAP_BASE_ADDR;
      if (off < 0n || off >= BigInt(m.cfg.cpus) * sliceBytes) return 'outside every mermap slice';
      const cpu = Number(off / sliceBytes);
      const page = Number((off % sliceBytes) / BigInt(m.pageSize));
      seen.add(cpu);
      const v = rawValue(e);
      if (v === MERMAP_SENTINEL) return null;
      const mc = mer?.cpu[cpu];
      if (!mc || !mc.allocs.some((a) => a.inUse && page >= a.base && page < a.end))
        return `0x${v.toString(16)} where no mermap slot is in use (only the sentinel belongs there)`;
      if ((v & ~0x000f_ffff_ffff_f000n) !== PAGE_KERNEL_NOGLOBAL)
        return `0x${v.toString(16)} is not a PAGE_KERNEL_NOGLOBAL mapping`;
      return null;
    },
    errs,
  );
  if (mer)
    mer.cpu.forEach((mc, cpu) => {
      if (!seen.has(cpu) || mmLocalPteTableOf(m, mm, cpu) !== mc.ptePfn)
        errs.push(`${who}: CPU ${cpu}'s mermap slice is not mapped by its PTE table (pfn ${mc.ptePfn})`);
    });
  return bytes;
}

/** The PTE table the mm's page tables hold for a CPU's slice, found by walking them (-1: none). */
function mmLocalPteTableOf(m: Machine, mm: MmStruct, cpu: number): number {
  const arch = m.pgtableArch;
  const va = mermapSliceAddr(m, cpu);
  let table = mm.pgd;
  for (let level = 0; level < PTE_LEVEL; level++) {
    readEntry(m, table, pgtableIndex(arch, va, level), E, level);
    if (arch.isNone(E, level)) return -1;
    table = arch.tablePfn(E, level);
  }
  return table;
}
