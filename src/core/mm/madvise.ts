/**
 * madvise (mm/madvise.c): madvise_walk_vmas applies the advice to every VMA the range meets, one at
 * a time, and remembers a gap as ENOMEM to return at the end: DONTNEED over [hole, VMA) still drops
 * the VMA's pages. MADV_POPULATE_* go through GUP instead (gup.ts: madvisePopulate), which stops at
 * the first hole.
 */
import { modPow2 } from '../arch/pgtable.ts';
import type { Machine } from '../machine.ts';
import type { Errno } from './errno.ts';
import { madvisePopulate } from './gup.ts';
import { zapRange } from './memory.ts';
import { VM, type Task } from './mm_types.ts';
import { mergeAllVmas, pageAlign, splitVma, vmaFind } from './mmap.ts';

export type Advice = 'dontneed' | 'populate_read' | 'populate_write' | 'hugepage' | 'nohugepage';

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
    default:
      return;
  }
}
