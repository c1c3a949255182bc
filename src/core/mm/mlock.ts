/**
 * mlock and munlock (mm/mlock.c): do_mlock() rounds the range out to whole pages, sets VM_LOCKED
 * on every VMA of it (apply_vma_lock_flags → mlock_fixup, which splits at the range's ends and
 * counts mm->locked_vm), then faults the range in with __mm_populate(ignore_errors=0). munlock()
 * clears the flag the same way and faults nothing.
 *
 * mlock2(MLOCK_ONFAULT) and mlockall(MCL_ONFAULT) add VM_LOCKONFAULT (the populate skips such VMAs);
 * mlockall(MCL_FUTURE) sets mm->def_flags, which do_mmap and do_brk_flags add (stack growth
 * keeps the stack VMA's own flags: locked only if MCL_CURRENT locked it).
 *
 * The unevictable LRU: a locked folio is PG_mlocked (Mlocked) and, once the per-CPU mlock batch
 * has run, PG_unevictable on the unevictable list (Unevictable), hidden from reclaim; see the
 * second half of this file. VmLck is mm->locked_vm; smaps' Locked is the Pss of VM_LOCKED VMAs.
 */
import { modPow2, PTE } from '../arch/pgtable.ts';
import type { Machine } from '../machine.ts';
import { PG } from '../phys/page.ts';
import type { Errno } from './errno.ts';
import { mmPopulate, mmPopulateStrict } from './gup.ts';
import { isHugeZeroPfn } from './huge_memory.ts';
import { vmNormalPage } from './memory.ts';
import { folioNrPages, lruvecAddFolio, lruvecDelFolio } from './mm_inline.ts';
import { VM, type Task, type Vma } from './mm_types.ts';
import { mergeAllVmas, pageAlign, splitVma, vmaFind } from './mmap.ts';
import { walkPteRange } from './pgtable.ts';
import { compoundHead, folioPut, lruAddDrainCpu } from './rmap.ts';

/** VM_LOCKED_MASK */
const VM_LOCKED_MASK = VM.LOCKED | VM.LOCKONFAULT;

/**
 * do_mlock(start, len, VM_LOCKED): the start rounds down and the length up to whole pages (no
 * EINVAL for an unaligned start, unlike mprotect). Root has CAP_IPC_LOCK, so RLIMIT_MEMLOCK never
 * refuses. A hole in the range is ENOMEM with the VMAs before it already locked and nothing
 * faulted; then __mm_populate, whose errors __mlock_posix_error_return turns into POSIX's
 * (EFAULT → ENOMEM, ENOMEM → EAGAIN).
 */
export function sysMlock(
  m: Machine,
  task: Task,
  start: number,
  len: number,
  cpu: number,
  onfault = false,
): Errno | undefined {
  return m.trace.call('do_mlock', () => {
    const off = modPow2(start, m.pageSize);
    const alignedLen = pageAlign(m, len + off);
    const s = start - off;
    // mlock2(MLOCK_ONFAULT): VM_LOCKONFAULT too, and the populate below skips the range
    const error = applyVmaLockFlags(m, task, s, alignedLen, VM.LOCKED | (onfault ? VM.LOCKONFAULT : 0), cpu);
    if (error) return error;
    const err = mmPopulateStrict(m, task, s, alignedLen, cpu);
    if (err === 'EFAULT') return 'ENOMEM';
    if (err === 'ENOMEM') return 'EAGAIN';
    return err;
  });
}

/** SYSCALL_DEFINE2(munlock): the same rounding, apply_vma_lock_flags(start, len, 0), no populate. */
export function sysMunlock(
  m: Machine,
  task: Task,
  start: number,
  len: number,
  cpu: number,
): Errno | undefined {
  const off = modPow2(start, m.pageSize);
  return applyVmaLockFlags(m, task, start - off, pageAlign(m, len + off), 0, cpu);
}

/** mlockall()'s flags */
export interface MlockallFlags {
  /** MCL_CURRENT: lock (and fault in) every mapping now */
  current?: boolean;
  /** MCL_FUTURE: every later mapping and heap growth is locked too (mm->def_flags) */
  future?: boolean;
  /** MCL_ONFAULT: lock pages as they fault in instead of faulting them in */
  onfault?: boolean;
}

/**
 * SYSCALL_DEFINE1(mlockall): EINVAL without MCL_CURRENT or MCL_FUTURE; apply_mlockall_flags(), then
 * with MCL_CURRENT mm_populate(0, TASK_SIZE), errors ignored (a PROT_NONE VMA stays empty).
 */
export function sysMlockall(m: Machine, task: Task, f: MlockallFlags, cpu: number): Errno | undefined {
  if (!f.current && !f.future) return 'EINVAL';
  return m.trace.call('__do_sys_mlockall', () => {
    applyMlockallFlags(m, task, f, cpu);
    if (f.current) mmPopulate(m, task, 0, m.pgtableArch.taskSize, cpu);
    return undefined;
  });
}

/** SYSCALL_DEFINE0(munlockall): apply_mlockall_flags(0): nothing locked, now or later. */
export function sysMunlockall(m: Machine, task: Task, cpu: number): void {
  m.trace.call('__do_sys_munlockall', () => applyMlockallFlags(m, task, {}, cpu));
}

/**
 * apply_mlockall_flags(): mm->def_flags loses VM_LOCKED_MASK, then (MCL_FUTURE) gains VM_LOCKED
 * and, with MCL_ONFAULT, VM_LOCKONFAULT; without MCL_CURRENT that is all. Else every VMA gets
 * mlock_fixup to exactly the new lock flags (none, for munlockall).
 */
function applyMlockallFlags(m: Machine, task: Task, f: MlockallFlags, cpu: number): void {
  const mm = task.mm!;
  mm.defFlags &= ~VM_LOCKED_MASK;
  if (f.future) {
    mm.defFlags |= VM.LOCKED;
    if (f.onfault) mm.defFlags |= VM.LOCKONFAULT;
    if (!f.current) return;
  }
  const toAdd = f.current ? VM.LOCKED | (f.onfault ? VM.LOCKONFAULT : 0) : 0;
  for (const vma of [...mm.vmas])
    mlockFixup(m, task, vma, vma.start, vma.end, (vma.flags & ~VM_LOCKED_MASK) | toAdd, cpu);
  mergeAllVmas(m, mm);
}

/**
 * apply_vma_lock_flags(): a range that wraps is EINVAL, an empty one succeeds; `start` must lie in
 * a VMA (else ENOMEM, nothing changed); then mlock_fixup on each VMA in turn until a gap, which is
 * ENOMEM with the earlier VMAs changed, as is a range that runs past the last VMA.
 */
function applyVmaLockFlags(
  m: Machine,
  task: Task,
  start: number,
  len: number,
  flags: number,
  cpu: number,
): Errno | undefined {
  return m.trace.call('apply_vma_lock_flags', () => {
    const mm = task.mm!;
    const end = start + len;
    if (end < start) return 'EINVAL';
    if (end === start) return undefined;
    const first = vmaFind(mm, start, start + 1);
    if (!first) return 'ENOMEM';
    let error: Errno | undefined;
    let tmp = first.start;
    let nstart = start;
    for (let vma: Vma | undefined = first; vma; vma = vmaFind(mm, tmp, end)) {
      if (vma.start !== tmp) {
        error = 'ENOMEM';
        break;
      }
      const newflags = (vma.flags & ~VM_LOCKED_MASK) | flags;
      tmp = Math.min(vma.end, end);
      mlockFixup(m, task, vma, nstart, tmp, newflags, cpu);
      nstart = tmp;
      if (tmp >= end) break;
    }
    if (!error && tmp < end) error = 'ENOMEM';
    mergeAllVmas(m, mm);
    return error;
  });
}

/**
 * mlock_fixup(): nothing to do when the flags do not change; else vma_modify_flags splits the VMA
 * to [start, end) and sets the new flags, mm->locked_vm follows (VmLck), and unless the VMA was
 * locked before and stays locked (only VM_LOCKONFAULT changes: "mlocking twice would be wrong"),
 * mlock_vma_pages_range() mlocks or munlocks the folios already mapped there.
 */
function mlockFixup(
  m: Machine,
  task: Task,
  vma: Vma,
  start: number,
  end: number,
  newflags: number,
  cpu: number,
): void {
  if (newflags === vma.flags) return;
  m.trace.call('mlock_fixup', () => {
    const mm = task.mm!;
    splitVma(m, task, start);
    splitVma(m, task, end);
    const oldflags = vma.flags;
    const target = vmaFind(mm, start, end)!;
    target.flags = newflags;
    let nrPages = (end - start) / m.pageSize;
    if (!(newflags & VM.LOCKED)) nrPages = -nrPages;
    else if (oldflags & VM.LOCKED) nrPages = 0;
    mm.lockedVm += nrPages;
    if (!(newflags & oldflags & VM.LOCKED)) mlockVmaPagesRange(m, task, target, start, end, cpu);
  });
}

// --- the unevictable LRU: PG_mlocked, the mlock batch, mlock_count ----------------------------

/** The tag on an mlock_fbatch entry (the kernel keeps it in the folio pointer's low bits). */
const enum MlockOp {
  /** no tag: munlock_folio() */
  Munlock = 0,
  /** LRU_FOLIO: mlock_folio(), a folio already on (or briefly off) the LRU */
  Lru = 1,
  /** NEW_FOLIO: mlock_new_folio(), a fresh folio not yet on the LRU */
  New = 2,
}

/** PAGEVEC_SIZE: mlock_fbatch holds this many folios before mlock_folio_batch() runs. */
const MLOCK_BATCH_SIZE = 31;

/** folio_evictable(): no mapping here is AS_UNEVICTABLE (no SHM_LOCK, no ramfs), so !PG_mlocked. */
function folioEvictable(m: Machine, head: number): boolean {
  return !(m.pages.flags[head]! & PG.mlocked);
}

/** zone_stat_mod_folio(folio, NR_MLOCK, nr): Mlocked in meminfo, nr_mlock per zone. */
export function modNrMlock(m: Machine, head: number, nr: number): void {
  const z = m.alloc.zoneOf(head);
  z.stat.set('nr_mlock', (z.stat.get('nr_mlock') ?? 0) + nr);
}

/** Add one entry to this CPU's mlock batch, with a folio reference; run the batch when it is full or the folio large. */
function mlockBatchAdd(m: Machine, head: number, op: MlockOp, cpu: number): void {
  m.pages.refcount[head]!++; // folio_get()
  const batch = m.mlockBatch[cpu]!;
  batch.push(head * 4 + op);
  // !folio_batch_add(): PAGEVEC_SIZE reached; a large folio never waits
  if (batch.length >= MLOCK_BATCH_SIZE || m.pages.flags[head]! & PG.head) mlockFolioBatch(m, cpu);
}

/**
 * mlock_folio(): mlock a folio already on (or briefly off) the LRU. PG_mlocked and NR_MLOCK and
 * unevictable_pgs_mlocked at once (only the first time: a folio mlocked twice counts once); the
 * move to the unevictable list waits in the batch.
 */
export function mlockFolio(m: Machine, head: number, cpu: number): void {
  const p = m.pages;
  if (!(p.flags[head]! & PG.mlocked)) {
    p.flags[head] = p.flags[head]! | PG.mlocked;
    const nr = folioNrPages(m, head);
    modNrMlock(m, head, nr);
    m.vmstat.add('unevictable_pgs_mlocked', nr);
  }
  mlockBatchAdd(m, head, MlockOp.Lru, cpu);
}

/** mlock_new_folio(): a fresh folio faulted into a VM_LOCKED VMA goes to the mlock batch instead of the LRU add batch. */
export function mlockNewFolio(m: Machine, head: number, cpu: number): void {
  const p = m.pages;
  p.flags[head] = p.flags[head]! | PG.mlocked;
  const nr = folioNrPages(m, head);
  modNrMlock(m, head, nr);
  m.vmstat.add('unevictable_pgs_mlocked', nr);
  mlockBatchAdd(m, head, MlockOp.New, cpu);
}

/** munlock_folio(): PG_mlocked is left for __munlock_folio(), which knows whether others still lock it. */
export function munlockFolio(m: Machine, head: number, cpu: number): void {
  mlockBatchAdd(m, head, MlockOp.Munlock, cpu);
}

/** mlock_vma_folio() (mm/internal.h): mlock_folio() when the VMA is VM_LOCKED (and not VM_SPECIAL). */
export function mlockVmaFolio(m: Machine, vmaFlags: number, head: number, cpu: number): void {
  if (vmaFlags & VM.LOCKED) mlockFolio(m, head, cpu);
}

/**
 * munlock_vma_folio() (mm/internal.h), which __folio_remove_rmap() ends with: a folio unmapped
 * from a VM_LOCKED VMA (munmap, exit, a COW's old page) is munlocked through the batch.
 */
export function munlockVmaFolio(m: Machine, vmaFlags: number, head: number, cpu: number): void {
  if (vmaFlags & VM.LOCKED) munlockFolio(m, head, cpu);
}

/**
 * __mlock_folio(): off its evictable list onto the unevictable one (PG_active cleared,
 * mlock_count 1, unevictable_pgs_culled); already unevictable, mlock_count goes up. A folio
 * off the LRU (isolated) is left alone; one no longer mlocked is rescued back.
 */
function __mlockFolio(m: Machine, head: number): void {
  const p = m.pages;
  if (!(p.flags[head]! & PG.lru)) return; // folio_test_clear_lru() failed
  const nr = folioNrPages(m, head);
  if (folioEvictable(m, head)) {
    if (p.flags[head]! & PG.unevictable) {
      lruvecDelFolio(m, head);
      p.flags[head] = p.flags[head]! & ~PG.unevictable;
      lruvecAddFolio(m, head);
      m.vmstat.add('unevictable_pgs_rescued', nr);
    }
    return;
  }
  if (p.flags[head]! & PG.unevictable) {
    m.mlockCount.set(head, (m.mlockCount.get(head) ?? 0) + 1);
    return;
  }
  lruvecDelFolio(m, head);
  p.flags[head] = (p.flags[head]! & ~PG.active) | PG.unevictable;
  m.mlockCount.set(head, 1);
  lruvecAddFolio(m, head);
  m.vmstat.add('unevictable_pgs_culled', nr);
}

/** __mlock_new_folio(): straight onto the unevictable list (culled), mlock_count 1. */
function __mlockNewFolio(m: Machine, head: number): void {
  const p = m.pages;
  if (folioEvictable(m, head)) {
    lruvecAddFolio(m, head);
    return;
  }
  p.flags[head] = p.flags[head]! | PG.unevictable;
  m.mlockCount.set(head, 1);
  m.vmstat.add('unevictable_pgs_culled', folioNrPages(m, head));
  lruvecAddFolio(m, head);
}

/**
 * __munlock_folio(): mlock_count down; at zero PG_mlocked goes (NR_MLOCK, unevictable_pgs_munlocked)
 * and the folio is rescued to the inactive list (unevictable_pgs_rescued). A folio off the LRU
 * loses PG_mlocked at once (stranded when it was unevictable: reclaim fixes it later).
 */
function __munlockFolio(m: Machine, head: number): void {
  const p = m.pages;
  const nr = folioNrPages(m, head);
  const isolated = (p.flags[head]! & PG.lru) !== 0;
  if (isolated && p.flags[head]! & PG.unevictable) {
    const count = Math.max(0, (m.mlockCount.get(head) ?? 0) - 1);
    if (count) {
      m.mlockCount.set(head, count);
      return;
    }
    m.mlockCount.delete(head);
  }
  if (p.flags[head]! & PG.mlocked) {
    p.flags[head] = p.flags[head]! & ~PG.mlocked;
    modNrMlock(m, head, -nr);
    m.vmstat.add(
      isolated || !(p.flags[head]! & PG.unevictable)
        ? 'unevictable_pgs_munlocked'
        : 'unevictable_pgs_stranded',
      nr,
    );
  }
  if (isolated && p.flags[head]! & PG.unevictable && folioEvictable(m, head)) {
    lruvecDelFolio(m, head);
    p.flags[head] = p.flags[head]! & ~PG.unevictable;
    lruvecAddFolio(m, head);
    m.vmstat.add('unevictable_pgs_rescued', nr);
  }
}

/**
 * munlock_folio() of a large folio where the caller has no CPU at hand (a PMD split): a large folio
 * never waits in the batch, so its __munlock_folio() runs at once. (The kernel's batch would run
 * that CPU's waiting entries with it; those stay where they are here.)
 */
export function munlockLargeFolio(m: Machine, head: number): void {
  m.trace.call('mlock_folio_batch', () => __munlockFolio(m, head));
}

/** mlock_folio_batch(): each entry by its tag, then folios_put() drops the batch's references. */
function mlockFolioBatch(m: Machine, cpu: number): void {
  const batch = m.mlockBatch[cpu]!;
  if (!batch.length) return;
  m.trace.call('mlock_folio_batch', () => {
    for (const e of batch) {
      const head = Math.floor(e / 4);
      const op = (e % 4) as MlockOp;
      if (op === MlockOp.Lru) __mlockFolio(m, head);
      else if (op === MlockOp.New) __mlockNewFolio(m, head);
      else __munlockFolio(m, head);
    }
    const heads = batch.map((e) => Math.floor(e / 4));
    batch.length = 0;
    for (const head of heads) folioPut(m, head, cpu);
  });
}

/** mlock_drain_local(): lru_add_drain() runs this CPU's mlock batch too. */
export function mlockDrainLocal(m: Machine, cpu: number): void {
  mlockFolioBatch(m, cpu);
}

/**
 * folio_pte_batch() covering the whole folio: the folio's pages mapped in order by consecutive
 * PTEs from `first` (a hole or a page swapped out makes the batch shorter, and then the folio is
 * not mlocked).
 */
function mapsWholeFolio(m: Machine, task: Task, first: number, head: number, nr: number): boolean {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  let i = 0;
  walkPteRange(m, task.mm!, first, first + nr * m.pageSize, (_t, _i, _va, e) => {
    if (arch.flags(e, last) & (PTE.PRESENT | PTE.PROTNONE) && arch.pfn(e) === head + i) i++;
  });
  return i === nr;
}

/**
 * mlock_vma_pages_range(): the VMA's new flags are set, then lru_add_drain(), a walk of the
 * range's present PTEs (mlock_pte_range) that mlocks each folio when the VMA is now VM_LOCKED and
 * munlocks it otherwise, and lru_add_drain() again. The zero page and huge zero folio are not
 * folios to lock; a PTE-mapped large folio is mlocked only when the range maps all of it.
 */
function mlockVmaPagesRange(m: Machine, task: Task, vma: Vma, start: number, end: number, cpu: number): void {
  m.trace.call('mlock_vma_pages_range', () => {
    const lock = (vma.flags & VM.LOCKED) !== 0;
    const arch = m.pgtableArch;
    const last = arch.levels - 1;
    lruAddDrainCpu(m, cpu);
    let lastHead = -1;
    walkPteRange(
      m,
      task.mm!,
      start,
      end,
      (_table, _idx, a, e) => {
        // pte_present(): a PROT_NONE PTE maps its page too (x86's _PAGE_PROTNONE)
        if (!(arch.flags(e, last) & (PTE.PRESENT | PTE.PROTNONE))) return;
        const page = vmNormalPage(m, e, last);
        if (page < 0) return;
        const head = compoundHead(m, page);
        // folio_mlock_step(): the PTEs of one large folio are one step, locked or unlocked once
        if (head === lastHead) return;
        lastHead = head;
        // allow_mlock_munlock(): a large folio is mlocked only when [start, end) maps all of it
        if (lock && m.pages.flags[head]! & PG.head) {
          const first = a - (page - head) * m.pageSize;
          const nr = folioNrPages(m, head);
          if (first < start || first + nr * m.pageSize > end || !mapsWholeFolio(m, task, first, head, nr))
            return;
        }
        if (lock) mlockFolio(m, head, cpu);
        else munlockFolio(m, head, cpu);
      },
      (pmdEntry) => {
        // a huge PMD: the THP whole (mlock_pte_range's pmd_trans_huge_lock branch)
        const pfn = arch.pfn(pmdEntry);
        if (isHugeZeroPfn(m, pfn)) return;
        if (lock) mlockFolio(m, pfn, cpu);
        else munlockFolio(m, pfn, cpu);
      },
    );
    lruAddDrainCpu(m, cpu);
  });
}
