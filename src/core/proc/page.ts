/**
 * /proc/<pid>/pagemap, /proc/kpageflags and /proc/kpagecount (fs/proc/task_mmu.c, fs/proc/page.c).
 * The real files are binary, 8 bytes per page; the emulator returns the same 64-bit values.
 */
import { PTE } from '../arch/pgtable.ts';
import { swpOffset, swpType } from '../mm/swapfile.ts';
import { isSwapPte, pteToSwpEntry } from '../mm/swapops.ts';
import type { Machine } from '../machine.ts';
import { vmNormalPage } from '../mm/memory.ts';
import type { MmStruct } from '../mm/mm_types.ts';
import { readEntry, walkTable, WALK_HUGE } from '../mm/pgtable.ts';
import { compoundHead, isHugeZeroPfn } from '../mm/huge_memory.ts';
import { PG } from '../phys/page.ts';
import { pgtableIndex } from '../arch/pgtable.ts';

/** pagemap bits (Documentation/admin-guide/mm/pagemap.rst) */
export const PM_PRESENT = 1n << 63n;
export const PM_SWAP = 1n << 62n;
export const PM_FILE = 1n << 61n;
export const PM_MMAP_EXCLUSIVE = 1n << 56n;
export const PM_SOFT_DIRTY = 1n << 55n;

/** KPF_* bit numbers (include/uapi/linux/kernel-page-flags.h and the kernel-internal ones). */
export const KPF = {
  LOCKED: 0,
  ERROR: 1,
  REFERENCED: 2,
  UPTODATE: 3,
  DIRTY: 4,
  LRU: 5,
  ACTIVE: 6,
  SLAB: 7,
  WRITEBACK: 8,
  RECLAIM: 9,
  BUDDY: 10,
  MMAP: 11,
  ANON: 12,
  SWAPCACHE: 13,
  SWAPBACKED: 14,
  COMPOUND_HEAD: 15,
  COMPOUND_TAIL: 16,
  HUGE: 17,
  UNEVICTABLE: 18,
  HWPOISON: 19,
  NOPAGE: 20,
  KSM: 21,
  THP: 22,
  OFFLINE: 23,
  ZERO_PAGE: 24,
  IDLE: 25,
  PGTABLE: 26,
  RESERVED: 32,
  MLOCKED: 33,
  MAPPEDTODISK: 34,
  PRIVATE: 35,
} as const;

export const KPF_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(KPF).map(([k, v]) => [v, k]),
);

/** The pagemap entry for one virtual page (pte_to_pagemap_entry). */
export function pagemapEntry(m: Machine, mm: MmStruct, va: number): bigint {
  const table = walkTable(m, mm, va);
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const e = { lo: 0, hi: 0 };
  if (table === WALK_HUGE) {
    // pagemap_pmd_range(): one entry per subpage; PM_FILE when the folio is not anon (the huge
    // zero folio), exclusive when the head page is mapped once.
    const span = 2 ** arch.levelShift[last - 1]!;
    readEntry(m, walkTable(m, mm, va, last - 1), pgtableIndex(arch, va, last - 1), e, last - 1);
    const head = arch.pfn(e);
    let v = PM_PRESENT | BigInt(head + Math.floor((va % span) / m.pageSize));
    if (!(m.pages.flags[head]! & PG.anon)) v |= PM_FILE;
    else if ((m.entireMapcount.get(head) ?? -1) + 1 + m.pages.mapcount[head]! + 1 === 1)
      v |= PM_MMAP_EXCLUSIVE;
    return v;
  }
  if (table < 0) return 0n;
  readEntry(m, table, pgtableIndex(arch, va, last), e, last);
  const f = arch.flags(e, last);
  if (m.swap.totalSwapPages && isSwapPte(m, e)) {
    // pte_to_pagemap_entry() on a swap PTE: PM_SWAP, the type in bits 0-4 and the offset above
    // (make_pme(swp_type | swp_offset << MAX_SWAPFILES_SHIFT)); no struct page, so never
    // PM_MMAP_EXCLUSIVE
    const key = pteToSwpEntry(m, e);
    return PM_SWAP | BigInt(swpType(key)) | (BigInt(swpOffset(key)) << 5n);
  }
  // pte_present() is true for PROT_NONE entries too: the kernel still tracks the page.
  if (!(f & (PTE.PRESENT | PTE.PROTNONE))) return 0n;
  let v = PM_PRESENT | BigInt(arch.pfn(e));
  if (f & PTE.SOFT_DIRTY) v |= PM_SOFT_DIRTY;
  const page = vmNormalPage(m, e, last);
  if (page >= 0) {
    if (!(m.pages.flags[page]! & PG.anon)) v |= PM_FILE;
    // folio_precise_page_mapcount() == 1: this page's own PTE mappings plus the folio's PMD
    // mappings (a THP the parent still maps with its PMD is not exclusive in the child's PTEs)
    const entire = (m.entireMapcount.get(compoundHead(m, page)) ?? -1) + 1;
    if (m.pages.mapcount[page]! + 1 + entire === 1) v |= PM_MMAP_EXCLUSIVE;
  }
  return v;
}

/** stable_page_flags(): what /proc/kpageflags reports for a pfn. */
export function kpageflags(m: Machine, pfn: number): bigint {
  if (pfn < 0 || pfn >= m.pages.nrPages || !m.memmapReady) return 1n << BigInt(KPF.NOPAGE);
  const own = m.pages.flags[pfn]!;
  const head = compoundHead(m, pfn);
  // The flags are the folio's (k = folio->flags): KPF_OWNER_2 too, so every page of a large folio
  // reports the head page's PG_anon_exclusive, although the kernel keeps the bit per page (a reused
  // tail page of a PTE-mapped THP shows it clear: tools/oracle ranges-thp-reuse).
  const k =
    (m.pages.flags[head]! & ~PG.tail & ~PG.head) |
    (own & (PG.tail | PG.head | PG.buddy | PG.pgtable | PG.reserved));
  let u = 0n;
  const set = (bit: number) => {
    u |= 1n << BigInt(bit);
  };
  if (m.isZeroPfn(pfn) || isHugeZeroPfn(m, pfn)) set(KPF.ZERO_PAGE);
  if (k & PG.anon) set(KPF.ANON);
  const mapped = m.pages.mapcount[pfn]! >= 0 || (m.entireMapcount.get(head) ?? -1) >= 0;
  if (mapped && !(k & (PG.buddy | PG.pgtable))) set(KPF.MMAP);
  // KPF_THP: a PMD-order folio that is anon (large rmappable) or the huge zero folio
  if (
    m.arch.pmdOrder &&
    m.pages.flags[head]! & PG.head &&
    m.pages.order[head] === m.arch.pmdOrder &&
    (k & PG.anon || isHugeZeroPfn(m, pfn))
  )
    set(KPF.THP);
  if (k & PG.buddy) set(KPF.BUDDY);
  if (k & PG.pgtable) set(KPF.PGTABLE);
  if (k & PG.head) set(KPF.COMPOUND_HEAD);
  if (k & PG.tail) set(KPF.COMPOUND_TAIL);
  if (k & PG.head && own & PG.anon) set(KPF.ANON);
  if (k & PG.locked) set(KPF.LOCKED);
  if (k & PG.uptodate) set(KPF.UPTODATE);
  if (k & PG.dirty) set(KPF.DIRTY);
  if (k & PG.lru) set(KPF.LRU);
  if (k & PG.referenced) set(KPF.REFERENCED);
  if (k & PG.active) set(KPF.ACTIVE);
  if (k & PG.swapbacked) set(KPF.SWAPBACKED);
  if (k & PG.reserved) set(KPF.RESERVED);
  if (k & PG.unevictable) set(KPF.UNEVICTABLE);
  if (k & PG.ksm) set(KPF.KSM);
  if (k & PG.mlocked) set(KPF.MLOCKED);
  // PG_anon_exclusive shares its bit with PG_mappedtodisk, so exclusive anon pages show MAPPEDTODISK.
  if (k & (PG.anonExclusive | PG.mappedtodisk)) set(KPF.MAPPEDTODISK);
  return u;
}

/** /proc/kpagecount: how many times a page is mapped (0 for free, page-table and reserved-unmapped pages). */
export function kpagecount(m: Machine, pfn: number): number {
  if (pfn < 0 || pfn >= m.pages.nrPages) return 0;
  const k = m.pages.flags[pfn]!;
  if (k & (PG.buddy | PG.pgtable | PG.pcp)) return 0;
  // page_mapcount(): the folio's PMD mappings plus this page's own PTE mappings
  return m.pages.mapcount[pfn]! + 1 + (m.entireMapcount.get(compoundHead(m, pfn)) ?? -1) + 1;
}

export function kpfNames(v: bigint): string[] {
  const out: string[] = [];
  for (let b = 0; b < 64; b++) if ((v >> BigInt(b)) & 1n) out.push(KPF_NAMES[b] ?? `bit${b}`);
  return out;
}
