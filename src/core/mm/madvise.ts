/**
 * madvise (mm/madvise.c): madvise_walk_vmas applies the advice to every VMA the range meets, one at
 * a time, and remembers a gap as ENOMEM to return at the end: DONTNEED over [hole, VMA) still drops
 * the VMA's pages. MADV_POPULATE_* go through GUP instead (gup.ts: madvisePopulate), which stops at
 * the first hole.
 */
import { modPow2, PTE } from '../arch/pgtable.ts';
import { Owner, PG } from '../phys/page.ts';
import { folioDeactivate, folioIsolateLru } from './mm_inline.ts';
import { walkPteRange, writeEntry } from './pgtable.ts';
import { folioMarkLazyfree, lruAddDrainCpu } from './rmap.ts';
import { clearEntry } from './pgtable.ts';
import { isSwapPte, pteToSwpEntry } from './swapops.ts';
import { freeSwapAndCache, swapCount, swapInfo, swpOffset } from './swapfile.ts';
import { deleteFromSwapCache, folioTestSwapcache } from './swap_state.ts';
import { flushTlbMmRange } from './tlb.ts';
import { reclaimPages, type IsolatedFolio } from './vmscan.ts';
import type { Machine } from '../machine.ts';
import type { Errno } from './errno.ts';
import type { Advice } from '../shared/madvise_advice.ts';
import { madvisePopulate } from './gup.ts';
import { ksmMadviseMergeable, unmergeKsmPages } from './ksm.ts';
import { vmNormalPage, zapRange } from './memory.ts';
import { VM, type Task } from './mm_types.ts';
import { mergeAllVmas, pageAlign, splitVma, vmaFind } from './mmap.ts';

export type { Advice } from '../shared/madvise_advice.ts';

/**
 * The advices that only change the VMA's flags (madvise_update_vma): the VMA is split to the range,
 * its flags set, and it merges again with neighbours whose flags now match.
 */
const FLAG_ADVICE: Partial<Record<Advice, { set: number; clear: number }>> = {
  hugepage: { set: VM.HUGEPAGE, clear: VM.NOHUGEPAGE },
  nohugepage: { set: VM.NOHUGEPAGE, clear: VM.HUGEPAGE },
  dontfork: { set: VM.DONTCOPY, clear: 0 },
  dofork: { set: 0, clear: VM.DONTCOPY },
  wipeonfork: { set: VM.WIPEONFORK, clear: 0 },
  keeponfork: { set: 0, clear: VM.WIPEONFORK },
  mergeable: { set: VM.MERGEABLE, clear: 0 },
  unmergeable: { set: 0, clear: VM.MERGEABLE },
};

/**
 * SYSCALL_DEFINE3(madvise) → madvise_should_skip(): an unaligned start, or a range that wraps, is
 * EINVAL; an empty range succeeds doing nothing. Then doMadvise on the page-aligned range.
 */
export function sysMadvise(
  m: Machine,
  task: Task,
  start: number,
  lenIn: number,
  advice: Advice,
  cpu: number,
): Errno | undefined {
  if (modPow2(start, m.pageSize)) return 'EINVAL';
  const end = start + pageAlign(m, lenIn);
  if (end > m.pgtableArch.taskSize) return 'EINVAL';
  if (end === start) return undefined;
  return doMadvise(m, task, start, end, advice, cpu);
}

/** madvise_do_behavior() on a page-aligned [start, end). Returns an errno name on failure. */
export function doMadvise(
  m: Machine,
  task: Task,
  start: number,
  end: number,
  advice: Advice,
  cpu: number,
): Errno | undefined {
  return m.trace.call('do_madvise', () => {
    if (advice === 'populate_read' || advice === 'populate_write')
      return madvisePopulate(m, task, start, end, advice === 'populate_write', cpu);
    const r = madviseWalkVmas(m, task, start, end, advice, cpu);
    if (FLAG_ADVICE[advice]) mergeAllVmas(m, task.mm!);
    return r;
  });
}

/**
 * madvise_walk_vmas(): each VMA of the range gets the advice on its part of the range; a gap
 * before or between VMAs becomes ENOMEM, returned after the rest was done. No VMA at or after
 * the current address at all is ENOMEM at once.
 */
function madviseWalkVmas(
  m: Machine,
  task: Task,
  start: number,
  end: number,
  advice: Advice,
  cpu: number,
): Errno | undefined {
  const mm = task.mm!;
  let unmappedError: Errno | undefined;
  let s = start;
  let vma = vmaFind(mm, s, Infinity); // find_vma(): the first VMA ending above s
  for (;;) {
    if (!vma) return 'ENOMEM';
    if (s < vma.start) {
      unmappedError = 'ENOMEM';
      s = vma.start;
      if (s >= end) break;
    }
    const e = Math.min(vma.end, end);
    // madvise_vma_behavior()'s error ends the walk at once (MADV_FREE of shared memory: EINVAL)
    const err = madviseVmaBehavior(m, task, s, e, advice, cpu);
    if (err) return err;
    if (e >= end) break;
    vma = vmaFind(mm, e, Infinity);
    s = e;
  }
  return unmappedError;
}

/** madvise_vma_behavior() for one VMA's part [start, end) of the range. */
function madviseVmaBehavior(
  m: Machine,
  task: Task,
  start: number,
  end: number,
  advice: Advice,
  cpu: number,
): Errno | undefined {
  const mm = task.mm!;
  const vma = vmaFind(mm, start, end)!;
  switch (advice) {
    case 'free': {
      // madvise_dontneed_free_valid_vma(): mlocked memory may not be dropped (only
      // MADV_DONTNEED_LOCKED may); then madvise_free_single_vma(): anonymous VMAs only
      if (vma.flags & VM.LOCKED || vma.shmem) return 'EINVAL';
      madviseFreeSingleVma(m, task, start, end, cpu);
      return undefined;
    }
    case 'dontneed':
      if (vma.flags & VM.LOCKED) return 'EINVAL'; // madvise_dontneed_free_valid_vma()
      // madvise_dontneed_single_vma() → zap_page_range_single_batched(.reclaim_pt = true)
      mm.hiwaterRss = Math.max(mm.hiwaterRss, mm.rss[0]! + mm.rss[1]! + mm.rss[3]!);
      zapRange(m, task, mm, start, end, cpu, true);
      return undefined;
    case 'wipeonfork':
      // "MADV_WIPEONFORK is only supported on anonymous memory": no vm_file (a private /dev/zero
      // mapping has one), not VM_SHARED (MAP_SHARED|MAP_ANONYMOUS is shmem, a file underneath)
      if (vma.file || vma.shmem || vma.flags & VM.SHARED) return 'EINVAL';
      return madviseUpdateVma(m, task, start, end, advice);
    case 'hugepage':
    case 'nohugepage':
    case 'dontfork':
    case 'dofork':
    case 'keeponfork':
      // hugepage_madvise() for the first two; MADV_DOFORK refuses VM_IO and MADV_KEEPONFORK
      // VM_DROPPABLE, neither of which the model has
      return madviseUpdateVma(m, task, start, end, advice);
    case 'mergeable': {
      // ksm_madvise(): VM_MERGEABLE on a VMA KSM can merge (shared memory stays as it is, no error)
      const flags = ksmMadviseMergeable(m, mm, vma);
      if (flags === vma.flags) return undefined;
      return madviseUpdateVma(m, task, start, end, advice);
    }
    case 'unmergeable': {
      // ksm_madvise(MADV_UNMERGEABLE): unshare the range's merged pages, then clear the flag
      if (!(vma.flags & VM.MERGEABLE)) return undefined;
      unmergeKsmPages(m, task, vma, start, end, cpu);
      return madviseUpdateVma(m, task, start, end, advice);
    }
    case 'cold':
    case 'pageout':
      // can_madv_lru_vma(): mlocked pages stay off the reclaim path
      if (vma.flags & VM.LOCKED) return 'EINVAL';
      madviseColdOrPageout(m, task, start, end, advice === 'pageout', cpu);
      return undefined;
    default:
      return undefined;
  }
}

/**
 * madvise_update_vma() → vma_modify_flags(): the VMA is split to the range first (and a huge PMD
 * across a new boundary with it), then its flags change; doMadvise merges afterwards.
 */
function madviseUpdateVma(m: Machine, task: Task, start: number, end: number, advice: Advice): undefined {
  const { set, clear } = FLAG_ADVICE[advice]!;
  splitVma(m, task, start);
  splitVma(m, task, end);
  const v = vmaFind(task.mm!, start, end)!;
  v.flags = (v.flags | set) & ~clear;
  return undefined;
}

/**
 * madvise_cold() / madvise_pageout() on one VMA's range: lru_add_drain() of this CPU, then
 * madvise_cold_or_pageout_pte_range(): for each PTE-mapped, order-0, anonymous or disk-file folio
 * this process alone maps (folio_maybe_mapped_shared() skips the rest, as do the zero page and shmem), clear
 * its referenced state; MADV_COLD deactivates it (folio_deactivate), MADV_PAGEOUT isolates it
 * and reclaim_pages() swaps it out. Huge PMDs are left alone (the kernel splits or swaps a THP
 * whole: not modelled), and a folio still in another CPU's LRU batch cannot be isolated.
 */
function madviseColdOrPageout(
  m: Machine,
  task: Task,
  start: number,
  end: number,
  pageout: boolean,
  cpu: number,
): void {
  m.trace.call(pageout ? 'madvise_pageout' : 'madvise_cold', () => {
    lruAddDrainCpu(m, cpu);
    const arch = m.pgtableArch;
    const last = arch.levels - 1;
    const p = m.pages;
    const list: IsolatedFolio[] = [];
    walkPteRange(m, task.mm!, start, end, (table, idx, a, e) => {
      if (arch.isNone(e, last) || !(arch.flags(e, last) & PTE.PRESENT)) return;
      const page = vmNormalPage(m, e, last);
      if (page < 0) return;
      const f = p.flags[page]!;
      // anonymous folios and a disk file's page-cache folios (can_do_file_pageout: root may);
      // shmem is left alone
      if (f & (PG.head | PG.tail) || !(f & PG.anon || p.owner[page] === Owner.File) || p.mapcount[page]! > 0)
        return;
      // folio_clear_referenced() + ptep_test_and_clear_young() (MADV_COLD only clears the PTE)
      p.flags[page] = f & ~PG.referenced;
      if (!pageout && arch.flags(e, last) & PTE.YOUNG) {
        arch.mkLeaf(arch.pfn(e), arch.flags(e, last) & ~PTE.YOUNG, last, e);
        writeEntry(m, table, idx, e, last);
      }
      if (!pageout) folioDeactivate(m, page);
      else if (folioIsolateLru(m, page)) list.push({ pfn: page, task, va: a, table, idx });
    });
    if (pageout && list.length) reclaimPages(m, list, cpu);
  });
}

/**
 * madvise_free_single_vma() on one anonymous VMA's range: lru_add_drain() of this CPU (which also
 * moves its lazyfree batch), update_hiwater_rss(), then madvise_free_pte_range() table by table:
 * - a swap PTE is dropped (free_swap_and_cache: a later access faults in a zero page instead of
 *   swapping in data the program said it no longer needs), MM_SWAPENTS down;
 * - a present PTE of a normal order-0 anonymous folio: a folio in the swap cache or PG_dirty must
 *   be mapped by this PTE alone (else it is left alone); it leaves the swap cache when no swap PTE
 *   still needs its slot (folio_free_swap; else left alone) and loses PG_dirty. The PTE is made
 *   old and clean (clear_young_dirty_ptes) with a TLB flush, so a later store sets the dirty bit
 *   again and reclaim sees it; then folio_mark_lazyfree() queues it for the file LRU.
 * The zero page and huge PMDs are left alone (madvise_free_huge_pmd is not modelled), as are
 * PTE-mapped pages of large folios (the kernel splits one the range does not cover whole).
 */
function madviseFreeSingleVma(m: Machine, task: Task, start: number, end: number, cpu: number): void {
  m.trace.call('madvise_free_single_vma', () => {
    lruAddDrainCpu(m, cpu);
    const mm = task.mm!;
    mm.hiwaterRss = Math.max(mm.hiwaterRss, mm.rss[0]! + mm.rss[1]! + mm.rss[3]!);
    const arch = m.pgtableArch;
    const last = arch.levels - 1;
    const ps = m.pageSize;
    const p = m.pages;
    walkPteRange(m, mm, start, end, (table, idx, a, e) => {
      if (arch.isNone(e, last)) return;
      if (m.swap.totalSwapPages && isSwapPte(m, e)) {
        clearEntry(m, table, idx, last);
        freeSwapAndCache(m, task, mm, pteToSwpEntry(m, e), cpu);
        return;
      }
      const pf = arch.flags(e, last);
      if (!(pf & (PTE.PRESENT | PTE.PROTNONE))) return;
      const page = vmNormalPage(m, e, last);
      if (page < 0) return;
      const f = p.flags[page]!;
      if (f & (PG.head | PG.tail) || !(f & PG.anon)) return;
      if (folioTestSwapcache(m, page) || f & PG.dirty) {
        if (p.mapcount[page]! !== 0) return; // folio_mapcount() != folio_nr_pages()
        if (folioTestSwapcache(m, page)) {
          // folio_free_swap(): only when no swap PTE still refers to the slot
          const key = m.swap.folioSwap.get(page)!;
          if (swapCount(swapInfo(m, key).swapMap[swpOffset(key)]!) > 0) return;
          deleteFromSwapCache(m, page, cpu, true);
        }
        p.flags[page] = p.flags[page]! & ~PG.dirty; // folio_clear_dirty()
      }
      if (pf & (PTE.YOUNG | PTE.DIRTY)) {
        // clear_young_dirty_ptes() + tlb_remove_tlb_entries()
        arch.mkLeaf(arch.pfn(e), pf & ~(PTE.YOUNG | PTE.DIRTY), last, e);
        writeEntry(m, table, idx, e, last);
        flushTlbMmRange(m, mm, a, a + ps);
      }
      folioMarkLazyfree(m, page, cpu);
    });
  });
}
