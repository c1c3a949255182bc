/**
 * x86-64's mm-local region (the __GFP_UNMAPPED series v2, arch/x86/include/asm/pgtable_64_types.h
 * and mmu_context.h; not in 6.18): one PGD slot, MM_LOCAL_PGD_ENTRY = -240, whose page tables belong
 * to each mm rather than being shared from swapper_pg_dir. It holds the LDT remap (the first PMD_SIZE,
 * not modelled) and, right after it, the mermap: one PMD_SIZE slice per CPU.
 *
 * With 4-level paging the slot is PGD index 272 (0xffff880000000000); its tables are a PUD, one PMD
 * (index 0 of the PUD) and one PTE table per mermap slice (PMD index 1 + cpu). They are allocated the
 * way apply_to_page_range() on a user mm allocates them — __pud_alloc / __pmd_alloc / __pte_alloc, so
 * GFP_PGTABLE_USER, counted in nr_page_table_pages and in the mm's pgtables_bytes (VmPTE) — and freed
 * with the mm by arch_exit_mmap() → mm_local_region_free() → free_pgd_range() of the slot.
 *
 * User-space walks never reach the slot: every one of them (fault, zap, free_pgtables, fork's
 * copy_page_range, smaps, pagemap, the frame inspector) walks VMA ranges or stops at TASK_SIZE, and
 * the slot lies above it. The invariant checker, which walks a whole PGD, hands the slot to
 * mmLocalCheck() below.
 */
import { PTE, pgtableIndex, type RawEntry } from '../arch/pgtable.ts';
import type { Machine } from '../machine.ts';
import { PG } from '../phys/page.ts';
import type { MmStruct } from './mm_types.ts';
import { clearEntry, pgtableFree, readEntry, tableBytes, walkAlloc } from './pgtable.ts';

/** MM_LOCAL_BASE_ADDR = MM_LOCAL_PGD_ENTRY << PGDIR_SHIFT = -240 << 39 (4-level paging). */
export const MM_LOCAL_BASE_ADDR = 0xffff_8800_0000_0000n;
/** The region's PGD index with 4-level paging: -240 & 511. */
export const MM_LOCAL_PGD_INDEX = 272;

const E: RawEntry = { lo: 0, hi: 0 };

/** Whether `mm`'s PGD has the mm-local slot populated (MMF_LOCAL_REGION_USED, as far as it shows). */
export function mmLocalRegionUsed(m: Machine, mm: MmStruct): boolean {
  // Index 272 is an x86-64 PGD slot; other architectures (never page_alloc_unmapped) use it for users.
  if (!m.cfg.pageAllocUnmapped) return false;
  readEntry(m, mm.pgd, MM_LOCAL_PGD_INDEX, E, 0);
  return !m.pgtableArch.isNone(E, 0);
}

/**
 * The PTE table for the 2 MiB of the region at `va` (a Number: 4 KiB-aligned kernel addresses are
 * exact doubles), allocated with its PUD and PMD if missing, in `mm`'s own page tables. -1: no memory.
 */
export function mmLocalPteTable(m: Machine, mm: MmStruct, va: number, cpu: number): number {
  if (pgtableIndex(m.pgtableArch, va, 0) !== MM_LOCAL_PGD_INDEX)
    throw new Error('not in the mm-local region');
  return walkAlloc(m, mm, va, cpu);
}

/**
 * mm_local_region_free() (x86 mmu_context.h, from arch_exit_mmap()): free_pgd_range() of the slot.
 * Each table is unhooked and freed through the mmu_gather (RCU-deferred, as exit's other tables; the
 * VmPTE bytes go at once). The PTE tables are freed with their sentinel entries in them, as in Linux:
 * free_pte_range() does not clear the PTEs, and the next page-table allocation zeroes the page.
 */
export function mmLocalRegionFree(m: Machine, mm: MmStruct, cpu: number): void {
  if (!mmLocalRegionUsed(m, mm)) return;
  m.trace.call('mm_local_region_free', () => {
    const arch = m.pgtableArch;
    const last = arch.levels - 1;
    const free = (table: number, level: number): void => {
      // `table` is at `level` (≥ 1); its children are freed first (free_pud_range → free_pmd_range → ...)
      if (level < last) {
        const n = 2 ** arch.levelBits[level]!;
        for (let i = 0; i < n; i++) {
          readEntry(m, table, i, E, level);
          if (arch.isNone(E, level)) continue;
          const child = arch.tablePfn(E, level);
          free(child, level + 1);
          clearEntry(m, table, i, level);
          pgtableFree(m, mm, child, level + 1, cpu);
        }
      }
    };
    readEntry(m, mm.pgd, MM_LOCAL_PGD_INDEX, E, 0);
    const pud = arch.tablePfn(E, 0);
    free(pud, 1);
    clearEntry(m, mm.pgd, MM_LOCAL_PGD_INDEX, 0);
    pgtableFree(m, mm, pud, 1, cpu);
  });
}

/**
 * The invariant checker's part for the slot: every table entry present and pointing at a page
 * table, every PTE accepted by `leafOk` (the mermap's sentinel or one of its mappings). Returns the
 * bytes of tables below the PGD, which count in VmPTE like any other table of the mm.
 */
export function mmLocalCheck(
  m: Machine,
  mm: MmStruct,
  who: string,
  leafOk: (va: bigint, e: RawEntry) => string | null,
  errs: string[],
): number {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const e: RawEntry = { lo: 0, hi: 0 };
  let bytes = 0;
  const walk = (table: number, level: number, base: bigint): void => {
    const n = 2 ** arch.levelBits[level]!;
    const step = 1n << BigInt(arch.levelShift[level]!);
    for (let i = 0; i < n; i++) {
      readEntry(m, table, i, e, level);
      if (arch.isNone(e, level)) continue;
      const va = base + BigInt(i) * step;
      if (level === last) {
        const why = leafOk(va, e);
        if (why) errs.push(`${who}: mm-local PTE for 0x${va.toString(16)}: ${why}`);
        continue;
      }
      const f = arch.flags(e, level);
      const child = arch.tablePfn(e, level);
      if (!(f & PTE.PRESENT) || f & PTE.HUGE) {
        errs.push(`${who}: mm-local entry at level ${level} for 0x${va.toString(16)} is not a table`);
        continue;
      }
      if (!(m.pages.flags[child]! & PG.pgtable))
        errs.push(`${who}: mm-local table entry points at pfn ${child}, which is not a page table`);
      bytes += tableBytes(m, level + 1);
      walk(child, level + 1, va);
    }
  };
  readEntry(m, mm.pgd, MM_LOCAL_PGD_INDEX, e, 0);
  if (arch.isNone(e, 0)) return 0;
  const pud = arch.tablePfn(e, 0);
  if (!(m.pages.flags[pud]! & PG.pgtable))
    errs.push(`${who}: the mm-local PGD entry points at pfn ${pud}, which is not a page table`);
  bytes += tableBytes(m, 1);
  walk(pud, 1, MM_LOCAL_BASE_ADDR);
  return bytes;
}
