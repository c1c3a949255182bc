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
import { lruvecAddFolio, lruvecDelFolio } from './mm_inline.ts';
import {
  pgtableAlloc,
  pgtableFreeNow,
  readEntry,
  tableBytes,
  WALK_HUGE,
  walkTable,
  writeEntry,
} from './pgtable.ts';
import { compoundHead, deferredSplitFolio, folioAddLruVma, folioPut } from './rmap.ts';
import { munlockFolio, munlockLargeFolio } from './mlock.ts';
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
  // userfaultfd_missing(vma): handle_userfault(), SIGBUS in the model (userfaultfd.ts)
  if (vma.flags & VM.UFFD_MISSING) return m.trace.call('handle_userfault', () => 'sigbus' as const);
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
  // __do_huge_pmd_anonymous_page(): every THP a fault allocates waits on the deferred split queue
  // for thp_underused() (do_huge_zero_wp_pmd() in 6.18 does not queue its THP)
  deferredSplitFolio(m, pfn, false);
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
      // only this PMD mapping holds the folio (a THP never waits in a per-CPU LRU batch, so no
      // drain is needed before the count is read)
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
      // folio_remove_rmap_pmd() ends with munlock_vma_folio(); the PTEs that replace the PMD map a
      // large folio, which __folio_add_anon_rmap does not mlock again
      if (vma.flags & VM.LOCKED) munlockLargeFolio(m, pfn);
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

// --- the deferred split queue and its shrinker ------------------------------------------------

/** khugepaged_max_ptes_none: the sysfs knob, HPAGE_PMD_NR - 1 unless the machine sets it. */
export function maxPtesNone(m: Machine): number {
  return m.cfg.maxPtesNone ?? hpageNr(m) - 1;
}

/** deferred_split_count(): the queue's length (split_queue_len). */
export function deferredSplitCount(m: Machine): number {
  return m.deferredSplit.size;
}

/** do_shrink_slab()'s answer when a scan could do nothing and the queue is empty. */
export const SHRINK_STOP = -1;

/** A mapping of a page of a folio: a PTE, or a huge PMD for the whole folio. */
interface FolioMapping {
  task: Task;
  vma: Vma;
  /** the virtual address of the mapped page (the folio's first page for a PMD) */
  va: number;
  table: number;
  idx: number;
  /** the page mapped (the head for a PMD) */
  pfn: number;
  pmd: boolean;
}

/**
 * Every mapping of the pages of the THPs in `heads`, found in one walk of each address space's
 * private VMAs (the kernel follows folio->mapping to the anon_vma and its interval tree; the model
 * keeps no tree, so one walk serves a whole scan: splitting one folio changes no entry that maps
 * another). Each PTE table is read in one copy, as the frame inspector's walk does.
 */
function foliosMappings(m: Machine, heads: ReadonlySet<number>): Map<number, FolioMapping[]> {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const ps = m.pageSize;
  const nr = hpageNr(m);
  const span = hpageSize(m);
  const esize = m.entrySize[last]!;
  const out = new Map<number, FolioMapping[]>();
  for (const h of heads) out.set(h, []);
  if (!heads.size) return out;
  const seen = new Set<MmStruct>();
  for (const task of m.tasks.values()) {
    const mm = task.mm;
    if (!mm || seen.has(mm)) continue;
    seen.add(mm);
    for (const vma of mm.vmas) {
      if (vma.shmem) continue; // anonymous THPs only: shmem VMAs map page-cache pages
      for (let a = vma.start; a < vma.end;) {
        const tableEnd = Math.min(vma.end, (Math.floor(a / span) + 1) * span);
        const table = walkTable(m, mm, a);
        if (table === WALK_HUGE) {
          const pmdTable = walkTable(m, mm, a, last - 1);
          const idx = pgtableIndex(arch, a, last - 1);
          readEntry(m, pmdTable, idx, P, last - 1);
          const list = out.get(arch.pfn(P));
          if (list)
            list.push({ task, vma, va: a - (a % span), table: pmdTable, idx, pfn: arch.pfn(P), pmd: true });
        } else if (table >= 0) {
          const first = pgtableIndex(arch, a, last);
          const n = (tableEnd - a) / ps;
          const raw = m.ram.read(table * ps + first * esize, n * esize);
          const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
          for (let k = 0; k < n; k++) {
            Q.lo = dv.getUint32(k * esize, true);
            Q.hi = esize === 8 ? dv.getUint32(k * esize + 4, true) : 0;
            if (arch.isNone(Q, last) || !(arch.flags(Q, last) & (PTE.PRESENT | PTE.PROTNONE))) continue;
            const pfn = arch.pfn(Q);
            const list = out.get(pfn - (pfn % nr));
            if (list) list.push({ task, vma, va: a + k * ps, table, idx: first + k, pfn, pmd: false });
          }
        }
        a = tableEnd;
      }
    }
  }
  return out;
}

/**
 * thp_underused(): more than max_ptes_none of the folio's pages are zero-filled (read from RAM,
 * as pages_identical() with ZERO_PAGE(0) reads them), stopping as soon as the answer is known.
 * max_ptes_none = HPAGE_PMD_NR - 1 (the default) answers no at once.
 */
export function thpUnderused(m: Machine, head: number): boolean {
  return m.trace.call('thp_underused', () => {
    const nr = hpageNr(m);
    const max = maxPtesNone(m);
    if (max === nr - 1) return false;
    const ps = m.pageSize;
    let zero = 0;
    let filled = 0;
    for (let i = 0; i < nr; i++) {
      if (m.ram.isZero((head + i) * ps, ps)) {
        if (++zero > max) return true;
      } else if (++filled >= nr - max) return false;
    }
    return false;
  });
}

/**
 * try_to_map_unused_to_zeropage() (mm/migrate.c), for one PTE of a page split off a THP: a
 * zero-filled page is not mapped back; the PTE maps the shared zero page (special, read-only:
 * vm_page_prot) and the page loses that mapping. Not an mlocked page, nor in a VM_LOCKED VMA. True when remapped.
 */
function tryToMapUnusedToZeropage(m: Machine, map: FolioMapping): boolean {
  // folio_test_mlocked() or a VM_LOCKED mapping: the page stays
  if (map.vma.flags & VM.LOCKED || m.pages.flags[map.pfn]! & PG.mlocked) return false;
  const ps = m.pageSize;
  if (!m.ram.isZero(map.pfn * ps, ps)) return false;
  return m.trace.call('try_to_map_unused_to_zeropage', () => {
    const arch = m.pgtableArch;
    const last = arch.levels - 1;
    arch.mkLeaf(m.myZeroPfn(map.va), (map.vma.pageProt | PTE.SPECIAL) & ~PTE.WRITE, last, Q);
    writeEntry(m, map.table, map.idx, Q, last);
    const p = m.pages;
    p.mapcount[map.pfn]!--;
    p.refcount[map.pfn]!--;
    if (p.mapcount[map.pfn] === -1) m.vmstat.add('nr_anon_pages', -1);
    addMmCounter(m, map.task, map.task.mm!, MM_ANONPAGES, -1);
    return true;
  });
}

/**
 * split_folio() → split_huge_page_to_list_to_order(order 0) → __folio_split(): unmap_folio()
 * (each huge PMD split into PTEs: try_to_migrate with TTU_SPLIT_HUGE_PMD), __split_unmapped_folio()
 * (512 order-0 folios, each on the LRU where the THP was), remap_page(RMP_USE_SHARED_ZEROPAGE)
 * (every PTE put back, a zero-filled page's onto the shared zero page), then the new folios
 * nobody maps are freed (free_folio_and_swap_cache). thp_split_page counts the split. The
 * migration entries in between are not modelled: PTEs go from the old page to the zero page.
 * Returns the pages freed.
 */
export function splitFolio(
  m: Machine,
  head: number,
  cpu: number,
  maps: readonly FolioMapping[] = foliosMappings(m, new Set([head])).get(head)!,
): number {
  return m.trace.call('split_huge_page_to_list_to_order', () => {
    const p = m.pages;
    const nr = 1 << p.order[head]!;
    const ps = m.pageSize;
    const last = m.pgtableArch.levels - 1;
    // the PTEs that map the folio's pages once every huge PMD is split
    const ptes = maps.filter((x) => !x.pmd);
    m.trace.call('unmap_folio', () => {
      for (const map of maps) {
        if (!map.pmd) continue;
        splitHugePmd(m, map.task, map.vma, map.va, map.table, map.idx);
        const table = walkTable(m, map.task.mm!, map.va);
        for (let i = 0; i < nr; i++) {
          const va = map.va + i * ps;
          ptes.push({
            ...map,
            va,
            table,
            idx: pgtableIndex(m.pgtableArch, va, last),
            pfn: head + i,
            pmd: false,
          });
        }
      }
    });
    m.trace.call('__split_unmapped_folio', () => {
      const f = p.flags[head]!;
      const onLru = (f & PG.lru) !== 0;
      if (onLru) lruvecDelFolio(m, head);
      // __split_folio_to_order(): the folio flags every new folio inherits
      const inherit =
        f &
        (PG.anon |
          PG.swapbacked |
          PG.uptodate |
          PG.dirty |
          PG.active |
          PG.referenced |
          PG.mlocked |
          PG.unevictable);
      // an mlocked THP's pages stay mlocked (NR_MLOCK counted them already); on the unevictable
      // list their mlock_count starts at 0 (lru_add_split_folio)
      m.mlockCount.delete(head);
      for (let i = 0; i < nr; i++) {
        const q = head + i;
        p.flags[q] = (p.flags[q]! & ~(PG.head | PG.tail | PG.lru)) | inherit;
        p.order[q] = 0;
        // the THP's references (one per PTE mapping) go to the pages the PTEs map
        const before = p.refcount[q]!;
        p.refcount[q] = p.mapcount[q]! + 1;
        if (m.trace.on && before !== p.refcount[q])
          m.trace.emit({ type: 'page_ref', pfn: q, field: 'refcount', before, after: p.refcount[q]! });
        if (onLru) lruvecAddFolio(m, q); // lru_add_split_folio(): next to the head
      }
      m.entireMapcount.delete(head);
      m.deferredSplit.delete(head);
    });
    // the address range each mm had its PTEs replaced in
    const ranges = new Map<MmStruct, [number, number]>();
    m.trace.call('remap_page', () => {
      for (const map of ptes) {
        if (!tryToMapUnusedToZeropage(m, map)) continue;
        const mm = map.task.mm!;
        const r = ranges.get(mm);
        const end = map.va + m.pageSize;
        ranges.set(mm, r ? [Math.min(r[0], map.va), Math.max(r[1], end)] : [map.va, end]);
      }
    });
    // no CPU may keep a translation to a page that is about to be freed
    for (const [mm, [start, end]] of ranges) flushTlbMmRange(m, mm, start, end);
    let freed = 0;
    for (let i = 0; i < nr; i++) {
      const q = head + i;
      if (p.refcount[q] !== 0) continue;
      // free_folio_and_swap_cache() → folio_put(): off the LRU, back to the allocator
      p.refcount[q] = 1;
      folioPut(m, q, cpu);
      freed++;
    }
    m.vmstat.inc('thp_split_page');
    return freed;
  });
}

/**
 * deferred_split_scan(): the "thp-deferred_split" shrinker's scan, over at most `nrToScan` folios
 * from the head of the queue. A folio that is not partially mapped is split only when
 * thp_underused() (thp_underused_split_page), and taken off the queue otherwise: it is considered
 * used and never looked at again. A partially mapped folio is split; one that could not be goes
 * back to the queue's tail. Returns the folios split, or SHRINK_STOP when none was and the queue
 * is empty. The lead's shrink_slab calls this; `drop_caches` calls it through `shrinkSlab`.
 */
export function deferredSplitScan(m: Machine, nrToScan: number, cpu: number): number {
  return m.trace.call('deferred_split_scan', () => {
    const list: number[] = [];
    for (const head of m.deferredSplit.keys()) {
      list.push(head);
      if (list.length >= nrToScan) break;
    }
    let split = 0;
    const mappings = foliosMappings(m, new Set(list));
    for (const head of list) {
      const partially = m.deferredSplit.get(head) === true;
      const maps = mappings.get(head)!;
      let underused = false;
      let didSplit = false;
      // folio_test_mlocked(): an mlocked THP is not split for being underused
      const mlocked = (m.pages.flags[head]! & PG.mlocked) !== 0;
      if (partially || (!mlocked && (underused = thpUnderused(m, head)))) {
        splitFolio(m, head, cpu, maps);
        didSplit = true;
        if (underused) m.vmstat.inc('thp_underused_split_page');
        split++;
      }
      if (didSplit) continue; // split_folio() took it off the queue
      m.deferredSplit.delete(head);
      // still partially mapped: list_splice_tail() puts it back at the end
      if (partially) m.deferredSplit.set(head, true);
    }
    if (!split && m.deferredSplit.size === 0) return SHRINK_STOP;
    return split;
  });
}

/** SHRINK_BATCH: do_shrink_slab() asks a scan for at most this many objects at a time. */
const SHRINK_BATCH = 128;

/**
 * do_shrink_slab() at priority 0 (drop_slab): count, then scan in batches of SHRINK_BATCH until
 * the count is covered twice over (delta = freeable * 4 / DEFAULT_SEEKS, capped at 2 * freeable)
 * or the shrinker says stop. Returns what the scans freed.
 */
function doShrinkSlab(count: () => number, scan: (n: number) => number): number {
  const freeable = count();
  if (freeable === 0) return 0;
  let total = 2 * freeable;
  let freed = 0;
  while (total >= SHRINK_BATCH || total >= freeable) {
    const n = Math.min(SHRINK_BATCH, total);
    const ret = scan(n);
    if (ret === SHRINK_STOP) break;
    freed += ret;
    total -= n;
  }
  return freed;
}

/**
 * shrink_slab() as drop_slab_node() runs it: the THP shrinkers in the order thp_shrinker_init()
 * registers them, "thp-deferred_split" then "thp-zero", again while a pass frees more than a
 * little (drop_slab_node: freed >> shift++ > 1). Returns the THP folios split and the huge zero
 * folio's pages freed.
 */
export function shrinkSlab(m: Machine, cpu: number): { split: number; hugeZeroFreed: number } {
  let split = 0;
  let hugeZeroFreed = 0;
  let shift = 0;
  for (;;) {
    const s = doShrinkSlab(
      () => deferredSplitCount(m),
      (n) => deferredSplitScan(m, n, cpu),
    );
    const z = shrinkHugeZeroFolio(m, cpu);
    split += s;
    hugeZeroFreed += z;
    if ((s + z) >> shift++ <= 1) break;
  }
  return { split, hugeZeroFreed };
}
