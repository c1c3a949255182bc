/**
 * madvise (mm/madvise.c): madvise_walk_vmas applies the advice to every VMA the range meets, one at
 * a time, and remembers a gap as ENOMEM to return at the end: DONTNEED over [hole, VMA) still drops
 * the VMA's pages. MADV_POPULATE_* go through GUP instead (gup.ts: madvisePopulate), which stops at
 * the first hole.
 */
import { modPow2, pgtableIndex, PTE } from '../arch/pgtable.ts';
import { PG } from '../phys/page.ts';
import { folioDeactivate, folioIsolateLru } from './mm_inline.ts';
import { readEntry, walkTable, writeEntry, WALK_HUGE } from './pgtable.ts';
import { lruAddDrainCpu } from './rmap.ts';
import { reclaimPages, type IsolatedFolio } from './vmscan.ts';
import type { Machine } from '../machine.ts';
import type { Errno } from './errno.ts';
import { madvisePopulate } from './gup.ts';
import { vmNormalPage, zapRange } from './memory.ts';
import { VM, type Task } from './mm_types.ts';
import { mergeAllVmas, pageAlign, splitVma, vmaFind } from './mmap.ts';

export type Advice =
  'dontneed' | 'populate_read' | 'populate_write' | 'hugepage' | 'nohugepage' | 'cold' | 'pageout';

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
    if (advice === 'hugepage' || advice === 'nohugepage') mergeAllVmas(m, task.mm!);
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
    madviseVmaBehavior(m, task, s, e, advice, cpu);
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
): void {
  const mm = task.mm!;
  switch (advice) {
    case 'dontneed':
      // madvise_dontneed_single_vma() → zap_page_range_single_batched(.reclaim_pt = true)
      mm.hiwaterRss = Math.max(mm.hiwaterRss, mm.rss[0]! + mm.rss[1]! + mm.rss[3]!);
      zapRange(m, task, mm, start, end, cpu, true);
      return;
    case 'hugepage':
    case 'nohugepage': {
      // hugepage_madvise() then madvise_update_vma() → vma_modify_flags(): the VMA is split to
      // the range first (and a huge PMD across a new boundary with it)
      splitVma(m, task, start);
      splitVma(m, task, end);
      const v = vmaFind(mm, start, end)!;
      if (advice === 'hugepage') v.flags = (v.flags | VM.HUGEPAGE) & ~VM.NOHUGEPAGE;
      else v.flags = (v.flags | VM.NOHUGEPAGE) & ~VM.HUGEPAGE;
      return;
    }
    case 'cold':
    case 'pageout':
      madviseColdOrPageout(m, task, start, end, advice === 'pageout', cpu);
      return;
    default:
      return;
  }
}

/**
 * madvise_cold() / madvise_pageout() on one VMA's range: lru_add_drain() of this CPU, then
 * madvise_cold_or_pageout_pte_range(): for each PTE-mapped, order-0, anonymous folio this process
 * alone maps (folio_maybe_mapped_shared() skips the rest, as do the zero page and shmem), clear
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
    const ps = m.pageSize;
    const span = 2 ** arch.levelShift[last - 1]!;
    const p = m.pages;
    const mm = task.mm!;
    const list: IsolatedFolio[] = [];
    const e = { lo: 0, hi: 0 };
    for (let a = start; a < end;) {
      const table = walkTable(m, mm, a);
      const tableEnd = Math.min(end, (Math.floor(a / span) + 1) * span);
      if (table < 0 || table === WALK_HUGE) {
        a = tableEnd;
        continue;
      }
      for (; a < tableEnd; a += ps) {
        const idx = pgtableIndex(arch, a, last);
        readEntry(m, table, idx, e, last);
        if (arch.isNone(e, last) || !(arch.flags(e, last) & PTE.PRESENT)) continue;
        const page = vmNormalPage(m, e, last);
        if (page < 0) continue;
        const f = p.flags[page]!;
        if (f & (PG.head | PG.tail) || !(f & PG.anon) || p.mapcount[page]! > 0) continue;
        // folio_clear_referenced() + ptep_test_and_clear_young() (MADV_COLD only clears the PTE)
        p.flags[page] = f & ~PG.referenced;
        if (!pageout && arch.flags(e, last) & PTE.YOUNG) {
          arch.mkLeaf(arch.pfn(e), arch.flags(e, last) & ~PTE.YOUNG, last, e);
          writeEntry(m, table, idx, e, last);
        }
        if (!pageout) folioDeactivate(m, page);
        else if (folioIsolateLru(m, page)) list.push({ pfn: page, task, va: a, table, idx });
      }
    }
    if (pageout && list.length) reclaimPages(m, list, cpu);
  });
}
