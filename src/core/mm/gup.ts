/**
 * Faulting pages in on behalf of a process (mm/gup.c): __get_user_pages as MAP_POPULATE
 * (__mm_populate → populate_vma_page_range) and MADV_POPULATE_READ/WRITE (faultin_page_range) use
 * it. Pages already present (and writable, for a write) are found by follow_page_mask and cost
 * nothing; the rest go through handle_mm_fault, which counts them as minor faults of the task.
 */
import { PTE, pgtableIndex, type RawEntry } from '../arch/pgtable.ts';
import type { Machine } from '../machine.ts';
import type { Errno } from './errno.ts';
import { handleMmFault, type FaultResult } from './memory.ts';
import { outOfMemory } from './oom_kill.ts';
import { GFP, GFP_MASKS } from './gfp.ts';
import { VM, type Task, type Vma } from './mm_types.ts';
import { pageAlign, vmaFind } from './mmap.ts';
import { readEntry, walkTable, WALK_HUGE } from './pgtable.ts';
import { lruAddDrainCpu } from './rmap.ts';

/** FOLL_* flags (include/linux/mm_types.h) this model distinguishes. */
export const FOLL = {
  WRITE: 0x01,
  FORCE: 0x10,
  MADV_POPULATE: 0x1000,
} as const;

const E: RawEntry = { lo: 0, hi: 0 };

/** vma_is_accessible(): any of read, write, exec. */
function vmaIsAccessible(vma: Vma): boolean {
  return (vma.flags & (VM.READ | VM.WRITE | VM.EXEC)) !== 0;
}

/**
 * check_vma_flags(): may GUP touch this VMA with these flags? A write needs VM_WRITE (or
 * FOLL_FORCE on a COW mapping), a read VM_READ (or FOLL_FORCE with VM_MAYREAD). -EFAULT otherwise.
 */
function checkVmaFlags(vma: Vma, gupFlags: number): boolean {
  if (gupFlags & FOLL.WRITE) {
    if (!(vma.flags & VM.WRITE)) {
      if (!(gupFlags & FOLL.FORCE)) return false;
      // is_cow_mapping(): private and may be written
      if ((vma.flags & (VM.SHARED | VM.MAYWRITE)) !== VM.MAYWRITE) return false;
    }
  } else if (!(vma.flags & VM.READ)) {
    if (!(gupFlags & FOLL.FORCE) || !(vma.flags & VM.MAYREAD)) return false;
  }
  return true;
}

/**
 * follow_page_mask(): is the page at `va` mapped already (and writable, for FOLL_WRITE)? Then GUP
 * takes it without a fault.
 */
function followPage(m: Machine, task: Task, va: number, write: boolean): boolean {
  const mm = task.mm!;
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const table = walkTable(m, mm, va);
  if (table < 0 && table !== WALK_HUGE) return false;
  const level = table === WALK_HUGE ? last - 1 : last;
  readEntry(
    m,
    table === WALK_HUGE ? walkTable(m, mm, va, last - 1) : table,
    pgtableIndex(arch, va, level),
    E,
    level,
  );
  const f = arch.flags(E, level);
  return (f & PTE.PRESENT) !== 0 && (!write || (f & PTE.WRITE) !== 0);
}

/**
 * __get_user_pages() over [start, start + nrPages pages). Returns the number of pages it got
 * (stopping at the first failure, as the kernel's "i ? i : ret"), or an errno when the very first
 * page failed. With FOLL_MADV_POPULATE the VMA lookup and its errors are madvise's: no VMA is
 * ENOMEM, a VMA the flags may not touch is EINVAL.
 */
function getUserPages(
  m: Machine,
  task: Task,
  start: number,
  nrPages: number,
  gupFlags: number,
  cpu: number,
): number | Errno {
  const mm = task.mm!;
  const ps = m.pageSize;
  const write = (gupFlags & FOLL.WRITE) !== 0;
  let vma: Vma | undefined;
  let i = 0;
  for (let va = start; i < nrPages; i++, va += ps) {
    if (!vma || va >= vma.end) {
      vma = vmaFind(mm, va, va + 1);
      let err: Errno | undefined;
      if (gupFlags & FOLL.MADV_POPULATE) {
        if (!vma) err = 'ENOMEM';
        else if (!checkVmaFlags(vma, gupFlags)) err = 'EINVAL';
      } else if (!vma || !checkVmaFlags(vma, gupFlags)) err = 'EFAULT';
      if (err) return i ? i : err;
    }
    if (followPage(m, task, va, write)) continue;
    // faultin_page(): a fault as the CPU would take it, without pt_regs
    // no FAULT_FLAG_USER: the kernel, not the task, takes this fault (mm_account_fault still counts it)
    let r: FaultResult = handleMmFault(m, task, vma!, va, write, cpu, 0);
    // The page allocator's __alloc_pages_may_oom() runs for GUP's faults as for a user's: kill a
    // process and retry, until this task is the victim or nothing is left to kill.
    while (r === 'oom') {
      const victim = outOfMemory(m, task.comm, GFP_MASKS['GFP_HIGHUSER_MOVABLE']! | GFP.__GFP_ZERO, 0, cpu);
      if (!victim || victim === task) break;
      r = handleMmFault(m, task, vma!, va, write, cpu, 0);
    }
    if (r !== 'ok') {
      if (i) return i;
      return r === 'oom' ? 'ENOMEM' : 'EFAULT';
    }
  }
  return i;
}

/**
 * populate_vma_page_range(): FOLL_WRITE for private writable mappings (to break COW now), and
 * FOLL_FORCE only for accessible VMAs, so that a PROT_NONE VMA fails check_vma_flags and is
 * skipped: MAP_POPULATE of PROT_NONE memory faults nothing.
 */
function populateVmaPageRange(
  m: Machine,
  task: Task,
  vma: Vma,
  start: number,
  end: number,
  cpu: number,
): number | Errno {
  // "We want to mlock the pages on fault": a VM_LOCKONFAULT VMA is not populated
  if (vma.flags & VM.LOCKONFAULT) return (end - start) / m.pageSize;
  let gupFlags = 0;
  if ((vma.flags & (VM.WRITE | VM.SHARED)) === VM.WRITE) gupFlags |= FOLL.WRITE;
  if (vmaIsAccessible(vma)) gupFlags |= FOLL.FORCE;
  const r = getUserPages(m, task, start, (end - start) / m.pageSize, gupFlags, cpu);
  // lru_add_drain(): the pages just faulted in reach the LRU lists (and, in a VM_LOCKED VMA, the
  // unevictable list) now rather than when the per-CPU batches fill
  lruAddDrainCpu(m, cpu);
  return r;
}

/**
 * __mm_populate(start, len, ignore_errors=1) for MAP_POPULATE: VMA by VMA, each through
 * populate_vma_page_range; a VMA that fails is skipped. Returns 'oom' if some fault ran out of
 * memory (the kernel ignores it too; the runner reports it), else 'ok'.
 */
export function mmPopulate(m: Machine, task: Task, start: number, len: number, cpu: number): 'ok' | 'oom' {
  return m.trace.call('__mm_populate', () => {
    let oom = false;
    mmPopulateRange(m, task, start, len, cpu, (err) => {
      if (err === 'ENOMEM') oom = true; // ignore_errors: on at the next VMA
      return true;
    });
    return oom ? 'oom' : 'ok';
  });
}

/**
 * __mm_populate(start, len, ignore_errors=0), as mlock() calls it: the first error stops the walk
 * and is returned (the caller translates it: __mlock_posix_error_return).
 */
export function mmPopulateStrict(
  m: Machine,
  task: Task,
  start: number,
  len: number,
  cpu: number,
): Errno | undefined {
  return m.trace.call('__mm_populate', () => {
    let error: Errno | undefined;
    mmPopulateRange(m, task, start, len, cpu, (err) => {
      error = err;
      return false;
    });
    return error;
  });
}

/**
 * The loop of __mm_populate(): each VMA meeting [start, start + len) through
 * populate_vma_page_range; a partial result resumes at the failed page, whose error the next round
 * gets. `onError` says whether to go on at the next VMA (ignore_errors).
 */
function mmPopulateRange(
  m: Machine,
  task: Task,
  start: number,
  len: number,
  cpu: number,
  onError: (err: Errno) => boolean,
): void {
  const mm = task.mm!;
  const end = start + pageAlign(m, len);
  for (let nstart = start; nstart < end;) {
    const vma = vmaFind(mm, nstart, end);
    if (!vma) break;
    let nend = Math.min(end, vma.end);
    if (nstart < vma.start) nstart = vma.start;
    const from = nstart;
    const to = nend;
    const r = m.trace.call('populate_vma_page_range', () =>
      populateVmaPageRange(m, task, vma, from, to, cpu),
    );
    if (typeof r !== 'number') {
      if (!onError(r)) return;
    } else nend = nstart + r * m.pageSize; // partial: the next round gets the failed page's error
    nstart = nend;
  }
}

/**
 * madvise_populate() → faultin_page_range(): populate [start, end) readable or writable, through
 * the holes' and permissions' errors of FOLL_MADV_POPULATE. Pages up to a hole are populated, then
 * ENOMEM; PROT_NONE (read) or a read-only VMA (write) is EINVAL; a fault that runs out of memory
 * is ENOMEM, SIGBUS/SIGSEGV EFAULT.
 */
export function madvisePopulate(
  m: Machine,
  task: Task,
  start: number,
  end: number,
  write: boolean,
  cpu: number,
): Errno | undefined {
  const gupFlags = FOLL.MADV_POPULATE | (write ? FOLL.WRITE : 0);
  while (start < end) {
    const r = m.trace.call('faultin_page_range', () => {
      const n = getUserPages(m, task, start, (end - start) / m.pageSize, gupFlags, cpu);
      lruAddDrainCpu(m, cpu); // faultin_page_range() ends with lru_add_drain() too
      return n;
    });
    if (typeof r !== 'number') return r;
    start += r * m.pageSize;
  }
  return undefined;
}
