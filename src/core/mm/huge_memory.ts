/**
 * Transparent huge pages on anonymous memory (mm/huge_memory.c): PMD-sized faults, the huge zero
 * folio with its refcount and shrinker (or the persistent and static variants), splitting a PMD
 * into PTEs, and what fork and zap do with huge PMDs.
 *
 * Modelled on the architectures whose codecs encode PMD leaves (x86-64, arm64); the others have
 * no THP here.
 */
import { PTE, pgtableIndex, type RawEntry } from '../arch/pgtable.ts';
import type { Machine } from '../machine.ts';
import { Owner, PG } from '../phys/page.ts';
import { GFP, GFP_MASKS } from './gfp.ts';
import { addMmCounter, FAULT_FLAG, type FaultResult, type VmFault } from './memory.ts';
import { MM_ANONPAGES, VM, type MmStruct, type Task, type Vma } from './mm_types.ts';
import { pgtableAlloc, pgtableFreeNow, readEntry, tableBytes, writeEntry } from './pgtable.ts';
import { compoundHead, deferredSplitFolio, folioAddLruVma, folioPut, lruAddDrainAll } from './rmap.ts';
import { munlockFolio } from './mlock.ts';
import { flushTlbMmRange } from './tlb.ts';

export { compoundHead };

const P: RawEntry = { lo: 0, hi: 0 };
const Q: RawEntry = { lo: 0, hi: 0 };

/** Does this machine model THP at all? */
export function thpSupported(m: Machine): boolean {
  return m.arch.pmdOrder > 0 && (m.arch.name === 'x86_64' || m.arch.name === 'arm64');
}

export function hpageNr(m: Machine): number {
  return 1 << m.arch.pmdOrder;
}

export function hpageSize(m: Machine): number {
  return m.pageSize * hpageNr(m);
}

/** is_huge_zero_pfn(): inside the huge zero folio. */
export function isHugeZeroPfn(m: Machine, pfn: number): boolean {
  return m.hugeZeroPfn >= 0 && pfn >= m.hugeZeroPfn && pfn < m.hugeZeroPfn + hpageNr(m);
}

/**
 * thp_vma_allowable_order() for a PMD at `va`: THP enabled for the VMA (always, or madvise with
 * MADV_HUGEPAGE, and not MADV_NOHUGEPAGE), anonymous and private, and the aligned PMD-sized window
 * around `va` inside the VMA (thp_vma_suitable_order).
 */
export function thpVmaAllowable(m: Machine, vma: Vma, va: number): boolean {
  if (!thpSupported(m) || vma.shmem || m.cfg.thp === 'never' || m.thpDisabledAtBoot) return false;
  if (vma.flags & VM.NOHUGEPAGE) return false;
  if (m.cfg.thp === 'madvise' && !(vma.flags & VM.HUGEPAGE)) return false;
  const size = hpageSize(m);
  const haddr = va - (va % size);
  return haddr >= vma.start && haddr + size <= vma.end;
}

// --- the huge zero folio ----------------------------------------------------------------------

/**
 * get_huge_zero_folio(): take a reference, or allocate the folio with refcount 2 — one for the
 * caller, one kept for the shrinker. (GFP_TRANSHUGE | __GFP_ZERO) & ~__GFP_MOVABLE: unmovable.
 */
export function getHugeZeroFolio(m: Machine, cpu: number): number {
  if (m.hugeZeroRefcount > 0) {
    m.hugeZeroRefcount++;
    return m.hugeZeroPfn;
  }
  const gfp = (GFP_MASKS['GFP_TRANSHUGE']! | GFP.__GFP_ZERO) & ~GFP.__GFP_MOVABLE;
  const pfn = m.trace.call('get_huge_zero_folio', () => m.alloc.allocPages(gfp, m.arch.pmdOrder, cpu));
  if (pfn < 0) {
    m.vmstat.inc('thp_zero_page_alloc_failed');
    return -1;
  }
  for (let i = 0; i < hpageNr(m); i++) m.pages.owner[pfn + i] = Owner.KernelAlloc;
  m.hugeZeroPfn = pfn;
  m.hugeZeroRefcount = 2;
  m.setVar('huge_zero_pfn', BigInt(pfn));
  m.vmstat.inc('thp_zero_page_alloc');
  return pfn;
}

/** mm_get_huge_zero_folio(): one reference per mm, marked with MMF_HUGE_ZERO_FOLIO. */
export function mmGetHugeZeroFolio(m: Machine, mm: MmStruct, cpu: number): number {
  if (m.cfg.hugeZero !== 'dynamic') return m.hugeZeroPfn;
  if (mm.hugeZeroFolio) return m.hugeZeroPfn;
  const pfn = getHugeZeroFolio(m, cpu);
  if (pfn >= 0) mm.hugeZeroFolio = true;
  return pfn;
}

/** mm_put_huge_zero_folio() at __mmput: drop the mm's reference (never the last one). */
export function mmPutHugeZeroFolio(m: Machine, mm: MmStruct): void {
  if (m.cfg.hugeZero !== 'dynamic' || !mm.hugeZeroFolio) return;
  mm.hugeZeroFolio = false;
  m.hugeZeroRefcount--;
}

/**
 * The "thp-zero" shrinker (memory pressure, drop_caches): count returns the folio's pages only
 * when nobody but the shrinker holds it (refcount 1); scan frees it. Returns the pages freed.
 */
export function shrinkHugeZeroFolio(m: Machine, cpu: number): number {
  if (m.cfg.hugeZero !== 'dynamic' || m.hugeZeroRefcount !== 1) return 0;
  return m.trace.call('shrink_huge_zero_folio_scan', () => {
    const pfn = m.hugeZeroPfn;
    m.hugeZeroRefcount = 0;
    m.hugeZeroPfn = -1;
    m.setVar('huge_zero_pfn', (1n << 64n) - 1n);
    m.alloc.freePages(pfn, m.arch.pmdOrder, cpu);
    return hpageNr(m);
  });
}

/**
 * Boot: the persistent huge zero folio (6.18's CONFIG_PERSISTENT_HUGE_ZERO_FOLIO) is taken from the
 * buddy allocator by thp_shrinker_init() with one reference it never drops; the seed's
 * STATIC_PMD_ZERO_PAGE took it from memblock and never gave it back. No shrinker either way.
 */
export function hugeZeroAtBoot(m: Machine, fromMemblock: boolean): string {
  if (fromMemblock) {
    const size = hpageSize(m);
    const pa = m.memblock.alloc(size, size, Owner.Memblock, 'static_pmd_zero_page (memblock)');
    const pfn = pa / m.pageSize;
    m.hugeZeroPfn = pfn;
    m.hugeZeroRefcount = 1;
    m.setVar('huge_zero_pfn', BigInt(pfn));
    return `static PMD zero page: ${size / 1024} KiB from memblock at 0x${pa.toString(16)}, pinned for good`;
  }
  const pfn = getHugeZeroFolio(m, 0);
  if (pfn < 0) return 'persistent huge zero folio: allocation failed';
  m.hugeZeroRefcount--; // thp_shrinker_init keeps one reference for good, not two
  return `persistent huge zero folio: ${hpageSize(m) / 1024} KiB from the buddy allocator at pfn 0x${pfn.toString(16)}, no shrinker`;
}

/**
 * largest_zero_folio(): the persistent (or static) huge zero folio when there is one, else the
 * 4 KiB ZERO_PAGE(0). Returns its pfn and size.
 */
export function largestZeroFolio(m: Machine): { pfn: number; bytes: number } {
  if (m.cfg.hugeZero !== 'dynamic' && m.hugeZeroPfn >= 0) return { pfn: m.hugeZeroPfn, bytes: hpageSize(m) };
  return { pfn: m.zeroPfn(0), bytes: m.pageSize };
}

/** Mark the memblock-allocated static folio's struct pages as a compound page (after memmap init). */
export function markStaticHugeZero(m: Machine): void {
  const pfn = m.hugeZeroPfn;
  if (pfn < 0) return;
  m.pages.flags[pfn] = m.pages.flags[pfn]! | PG.head;
  m.pages.order[pfn] = m.arch.pmdOrder;
  for (let i = 1; i < hpageNr(m); i++) m.pages.flags[pfn + i] = m.pages.flags[pfn + i]! | PG.tail;
}

// --- faults -----------------------------------------------------------------------------------

function depositKey(pmdTable: number, idx: number): number {
  return pmdTable * 8192 + idx;
}

/** The PTE table deposited under the huge PMD at (pmdTable, idx), or undefined (for inspectors). */
export function depositedTable(mm: MmStruct, pmdTable: number, idx: number): number | undefined {
  return mm.deposited.get(depositKey(pmdTable, idx));
}

/** pgtable_trans_huge_deposit(): keep a PTE table under the huge PMD for a later split (counted in VmPTE). */
function deposit(m: Machine, mm: MmStruct, pmdTable: number, idx: number, pgtable: number): void {
  mm.deposited.set(depositKey(pmdTable, idx), pgtable);
  mm.pgtablesBytes += tableBytes(m, m.pgtableArch.levels - 1);
}

function withdraw(mm: MmStruct, pmdTable: number, idx: number): number {
  const k = depositKey(pmdTable, idx);
  const t = mm.deposited.get(k);
  if (t === undefined) throw new Error('pgtable_trans_huge_withdraw: nothing deposited');
  mm.deposited.delete(k);
  return t;
}

/** folio_add_new_anon_rmap() for a PMD-mapped THP: every subpage AnonExclusive, one entire mapping. */
function addNewAnonRmapPmd(m: Machine, pfn: number): void {
  const p = m.pages;
  p.flags[pfn] = p.flags[pfn]! | PG.anon | PG.swapbacked | PG.uptodate;
  // PageAnon is a folio property: every subpage says so (kpageflags reads the head for the rest).
  for (let i = 0; i < hpageNr(m); i++) {
    p.flags[pfn + i] = p.flags[pfn + i]! | PG.anonExclusive | PG.anon;
    p.owner[pfn + i] = Owner.Anon;
  }
  m.entireMapcount.set(pfn, 0);
  m.vmstat.add('nr_anon_pages', hpageNr(m));
  m.vmstat.inc('nr_anon_transparent_hugepages');
}

function mapAnonFolioPmd(
  m: Machine,
  task: Task,
  vma: Vma,
  pfn: number,
  pmdTable: number,
  idx: number,
  cpu: number,
): void {
  const last = m.pgtableArch.levels - 1;
  addNewAnonRmapPmd(m, pfn);
  folioAddLruVma(m, pfn, vma.flags, cpu); // a VM_LOCKED VMA: mlock_new_folio()
  m.pgtableArch.mkLeaf(
    pfn,
    vma.pageProt | PTE.HUGE | PTE.YOUNG | (vma.flags & VM.WRITE ? PTE.WRITE | PTE.DIRTY : 0),
    last - 1,
    P,
  );
  writeEntry(m, pmdTable, idx, P, last - 1);
  m.hugeMapped = true;
  addMmCounter(m, task, task.mm!, MM_ANONPAGES, hpageNr(m));
  m.vmstat.inc('thp_fault_alloc');
}

/** vma_thp_gfp_mask() with defrag=madvise: MADV_HUGEPAGE regions may reclaim, others may not. */
function thpGfp(vma: Vma): number {
  return (
    (vma.flags & VM.HUGEPAGE ? GFP_MASKS['GFP_TRANSHUGE']! : GFP_MASKS['GFP_TRANSHUGE_LIGHT']!) |
    GFP.__GFP_ZERO
  );
}

/**
 * do_huge_pmd_anonymous_page(): a read maps the huge zero folio with a special, read-only PMD and
 * a deposited page table; a write (or use_zero_page=0) allocates a THP. 'fallback' sends the fault
 * on to the PTE level (THP_FAULT_FALLBACK).
 */
export function doHugePmdAnonymousPage(m: Machine, vmf: VmFault): FaultResult | 'fallback' {
  const { task, vma, cpu, pmdTable, pmdIdx: idx } = vmf;
  const write = (vmf.flags & FAULT_FLAG.WRITE) !== 0;
  const mm = task.mm!;
  const last = m.pgtableArch.levels - 1;
  if (!vma.anonVma) vma.anonVma = m.nextAnonVma++;
  if (!write && m.cfg.useZeroPage) {
    const pgtable = pgtableAlloc(m, null, last, cpu);
    if (pgtable < 0) return 'oom';
    const zero = mmGetHugeZeroFolio(m, mm, cpu);
    if (zero < 0) {
      pgtableFreeNow(m, pgtable, 0, cpu);
      m.vmstat.inc('thp_fault_fallback');
      return 'fallback';
    }
    m.trace.call('set_huge_zero_folio', () => {
      m.pgtableArch.mkLeaf(zero, vma.pageProt | PTE.HUGE | PTE.SPECIAL, last - 1, P);
      deposit(m, mm, pmdTable, idx, pgtable);
      writeEntry(m, pmdTable, idx, P, last - 1);
    });
    m.hugeMapped = true;
    return 'ok';
  }
  const pfn = m.trace.call('vma_alloc_anon_folio_pmd', () =>
    m.alloc.allocPages(thpGfp(vma), m.arch.pmdOrder, cpu),
  );
  if (pfn < 0) {
    m.vmstat.inc('thp_fault_fallback');
    return 'fallback';
  }
  const pgtable = pgtableAlloc(m, null, last, cpu);
  if (pgtable < 0) {
    m.alloc.freePages(pfn, m.arch.pmdOrder, cpu);
    return 'oom';
  }
  m.trace.call('map_anon_folio_pmd', () => {
    deposit(m, mm, pmdTable, idx, pgtable);
    mapAnonFolioPmd(m, task, vma, pfn, pmdTable, idx, cpu);
  });
  return 'ok';
}

/**
 * A fault on a present huge PMD: mark it young (and dirty), or — for a write to a read-only one —
 * do_huge_pmd_wp_page(): reuse an exclusive THP; replace the huge zero folio with a THP
 * (do_huge_zero_wp_pmd, 6.18) or split when that allocation fails; split a shared THP and let
 * the PTE level copy one 4 KiB page.
 */
export function hugePmdFault(m: Machine, vmf: VmFault): FaultResult | 'fallback' {
  const { task, vma, cpu, pmdTable, pmdIdx: idx, address: va } = vmf;
  const write = (vmf.flags & FAULT_FLAG.WRITE) !== 0;
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  // vmf->orig_pmd was read by __handle_mm_fault
  P.lo = vmf.origPmd.lo;
  P.hi = vmf.origPmd.hi;
  const f = arch.flags(P, last - 1);
  const pfn = arch.pfn(P);
  if (!write || f & PTE.WRITE) {
    arch.mkLeaf(pfn, f | PTE.YOUNG | (write ? PTE.DIRTY : 0), last - 1, P);
    writeEntry(m, pmdTable, idx, P, last - 1);
    return 'ok';
  }
  if (isHugeZeroPfn(m, pfn)) {
    return m.trace.call('do_huge_zero_wp_pmd', () => {
      const folio = m.alloc.allocPages(thpGfp(vma), m.arch.pmdOrder, cpu);
      if (folio < 0) {
        m.vmstat.inc('thp_fault_fallback');
        splitHugePmd(m, task, vma, va - (va % hpageSize(m)), pmdTable, idx);
        return 'fallback';
      }
      // pmdp_huge_clear_flush() then map the new folio; the deposited table stays. Without the
      // flush another CPU would keep reading the huge zero folio where this one wrote.
      const haddr = va - (va % hpageSize(m));
      mapAnonFolioPmd(m, task, vma, folio, pmdTable, idx, cpu);
      flushTlbMmRange(m, task.mm!, haddr, haddr + hpageSize(m));
      return 'ok';
    });
  }
  return m.trace.call('do_huge_pmd_wp_page', () => {
    const p = m.pages;
    let reuse = (p.flags[pfn]! & PG.anonExclusive) !== 0;
    if (!reuse) {
      lruAddDrainAll(m);
      // only this PMD mapping holds the folio
      if (p.refcount[pfn] === 1 && m.entireMapcount.get(pfn) === 0) {
        for (let i = 0; i < hpageNr(m); i++) p.flags[pfn + i] = p.flags[pfn + i]! | PG.anonExclusive;
        reuse = true;
      }
    }
    if (reuse) {
      arch.mkLeaf(pfn, f | PTE.YOUNG | PTE.DIRTY | PTE.WRITE, last - 1, P);
      writeEntry(m, pmdTable, idx, P, last - 1);
      return 'ok' as const;
    }
    splitHugePmd(m, task, vma, va - (va % hpageSize(m)), pmdTable, idx);
    return 'fallback' as const;
  });
}

/**
 * __split_huge_pmd(): the PMD becomes a table of PTEs, reusing the deposited table. The huge zero
 * folio's PTEs point at the (colour-correct) 4 KiB zero page; a THP's point at its subpages, which
 * now count their own mappings.
 */
export function splitHugePmd(
  m: Machine,
  task: Task | null,
  vma: Vma,
  haddr: number,
  pmdTable: number,
  idx: number,
): void {
  m.trace.call('__split_huge_pmd', () => {
    const arch = m.pgtableArch;
    const last = arch.levels - 1;
    const mm = task?.mm;
    if (!mm) return;
    readEntry(m, pmdTable, idx, P, last - 1);
    const f = arch.flags(P, last - 1);
    const pfn = arch.pfn(P);
    const table = withdraw(mm, pmdTable, idx);
    m.vmstat.inc('thp_split_pmd');
    const n = hpageNr(m);
    const ps = m.pageSize;
    if (isHugeZeroPfn(m, pfn)) {
      for (let i = 0; i < n; i++) {
        arch.mkLeaf(m.myZeroPfn(haddr + i * ps), (vma.pageProt | PTE.SPECIAL) & ~PTE.WRITE, last, Q);
        writeEntry(m, table, i, Q, last);
      }
    } else {
      const p = m.pages;
      const exclusive = (p.flags[pfn]! & PG.anonExclusive) !== 0;
      if (f & PTE.DIRTY) p.flags[pfn] = p.flags[pfn]! | PG.dirty; // folio_set_dirty()
      for (let i = 0; i < n; i++) {
        // AnonExclusive is per page already; the PTEs inherit write/dirty/young from the PMD
        arch.mkLeaf(pfn + i, exclusive ? f & ~PTE.HUGE : f & ~PTE.HUGE & ~PTE.WRITE, last, Q);
        writeEntry(m, table, i, Q, last);
        p.mapcount[pfn + i]!++;
      }
      // each PTE mapping holds a reference; the PMD mapping's goes
      p.refcount[pfn] = p.refcount[pfn]! + n - 1;
      const entire = m.entireMapcount.get(pfn)! - 1;
      m.entireMapcount.set(pfn, entire);
      if (entire === -1) m.vmstat.add('nr_anon_transparent_hugepages', -1);
    }
    arch.mkTable(table, last - 1, Q);
    writeEntry(m, pmdTable, idx, Q, last - 1);
    // pmdp_invalidate() in __split_huge_pmd_locked(): the huge translation leaves every TLB
    // before the PTEs take over (a CPU must not hold a 2 MiB and a 4 KiB entry for one page).
    flushTlbMmRange(m, mm, haddr, haddr + n * ps);
  });
}

/** zap_huge_pmd(): clear the PMD, free its deposited table, drop the THP's mapping. */
export function zapHugePmd(
  m: Machine,
  task: Task | null,
  mm: MmStruct,
  pmdTable: number,
  idx: number,
  cpu: number,
  locked = false,
): void {
  m.trace.call('zap_huge_pmd', () => {
    const arch = m.pgtableArch;
    const last = arch.levels - 1;
    readEntry(m, pmdTable, idx, P, last - 1);
    const pfn = arch.pfn(P);
    arch.mkNone(last - 1, Q);
    writeEntry(m, pmdTable, idx, Q, last - 1);
    const table = withdraw(mm, pmdTable, idx);
    mm.pgtablesBytes -= tableBytes(m, last);
    pgtableFreeNow(m, table, 0, cpu); // zap_deposited_table(): pte_free() at once
    if (isHugeZeroPfn(m, pfn)) return;
    addMmCounter(m, task, mm, MM_ANONPAGES, -hpageNr(m));
    const entire = m.entireMapcount.get(pfn)! - 1;
    m.entireMapcount.set(pfn, entire);
    if (entire === -1) {
      m.vmstat.add('nr_anon_transparent_hugepages', -1);
      let ptemapped = 0;
      for (let i = 0; i < hpageNr(m); i++) if (m.pages.mapcount[pfn + i]! >= 0) ptemapped++;
      m.vmstat.add('nr_anon_pages', -(hpageNr(m) - ptemapped));
      // __folio_remove_rmap(RMAP_LEVEL_PMD): partially_mapped when some pages stay PTE-mapped
      if (ptemapped > 0 && ptemapped < hpageNr(m)) deferredSplitFolio(m, pfn);
    }
    if (locked) munlockFolio(m, pfn, cpu); // munlock_vma_folio(): a THP never waits in the batch
    lruAddDrainAll(m);
    folioPut(m, pfn, cpu);
  });
}

/** copy_huge_pmd() for fork: share the huge zero folio or the THP, write-protected in both. */
export function copyHugePmd(
  m: Machine,
  child: Task,
  va: number,
  pmdTable: number,
  idx: number,
  cpu: number,
): FaultResult {
  return m.trace.call('copy_huge_pmd', () => {
    const arch = m.pgtableArch;
    const last = arch.levels - 1;
    const cmm = child.mm!;
    readEntry(m, pmdTable, idx, P, last - 1);
    const f = arch.flags(P, last - 1);
    const pfn = arch.pfn(P);
    const pgtable = pgtableAlloc(m, null, last, cpu);
    if (pgtable < 0) return 'oom' as const;
    // the child's PMD table
    let table = cmm.pgd;
    for (let level = 0; level < last - 1; level++) {
      const i = pgtableIndex(arch, va, level);
      readEntry(m, table, i, Q, level);
      if (arch.isNone(Q, level)) {
        const t = pgtableAlloc(m, cmm, level + 1, cpu);
        if (t < 0) return 'oom' as const;
        arch.mkTable(t, level, Q);
        writeEntry(m, table, i, Q, level);
        table = t;
      } else table = arch.tablePfn(Q, level);
    }
    if (isHugeZeroPfn(m, pfn)) {
      mmGetHugeZeroFolio(m, cmm, cpu);
    } else {
      const p = m.pages;
      p.refcount[pfn]!++;
      m.entireMapcount.set(pfn, m.entireMapcount.get(pfn)! + 1);
      for (let i = 0; i < hpageNr(m); i++) p.flags[pfn + i] = p.flags[pfn + i]! & ~PG.anonExclusive;
      addMmCounter(m, child, cmm, MM_ANONPAGES, hpageNr(m));
      if (f & PTE.WRITE) {
        arch.mkLeaf(pfn, f & ~PTE.WRITE, last - 1, P);
        writeEntry(m, pmdTable, idx, P, last - 1);
      }
    }
    deposit(m, cmm, table, pgtableIndex(arch, va, last - 1), pgtable);
    arch.mkLeaf(pfn, f & ~PTE.WRITE & ~PTE.YOUNG, last - 1, Q);
    writeEntry(m, table, pgtableIndex(arch, va, last - 1), Q, last - 1);
    return 'ok' as const;
  });
}
