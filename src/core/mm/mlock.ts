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
 * Simplified: the model has no unevictable LRU and no PG_mlocked, so mlock_vma_pages_range's page
 * walk (mlock_folio / munlock_folio) is not modelled: meminfo's Mlocked and Unevictable and the
 * unevictable_pgs_* events stay 0 (docs/ACCURACY.md). VmLck is mm->locked_vm; smaps' Locked
 * is the Pss of VM_LOCKED VMAs.
 */
import type { Machine } from '../machine.ts';
import type { Errno } from './errno.ts';
import { mmPopulate, mmPopulateStrict } from './gup.ts';
import { VM, type Task, type Vma } from './mm_types.ts';
import { mergeAllVmas, pageAlign, splitVma, vmaFind } from './mmap.ts';
import { modPow2 } from '../arch/pgtable.ts';

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
    const error = applyVmaLockFlags(m, task, s, alignedLen, VM.LOCKED | (onfault ? VM.LOCKONFAULT : 0));
    if (error) return error;
    const err = mmPopulateStrict(m, task, s, alignedLen, cpu);
    if (err === 'EFAULT') return 'ENOMEM';
    if (err === 'ENOMEM') return 'EAGAIN';
    return err;
  });
}

/** SYSCALL_DEFINE2(munlock): the same rounding, apply_vma_lock_flags(start, len, 0), no populate. */
export function sysMunlock(m: Machine, task: Task, start: number, len: number): Errno | undefined {
  const off = modPow2(start, m.pageSize);
  return applyVmaLockFlags(m, task, start - off, pageAlign(m, len + off), 0);
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
    applyMlockallFlags(m, task, f);
    if (f.current) mmPopulate(m, task, 0, m.pgtableArch.taskSize, cpu);
    return undefined;
  });
}

/** SYSCALL_DEFINE0(munlockall): apply_mlockall_flags(0): nothing locked, now or later. */
export function sysMunlockall(m: Machine, task: Task): void {
  m.trace.call('__do_sys_munlockall', () => applyMlockallFlags(m, task, {}));
}

/**
 * apply_mlockall_flags(): mm->def_flags loses VM_LOCKED_MASK, then (MCL_FUTURE) gains VM_LOCKED
 * and, with MCL_ONFAULT, VM_LOCKONFAULT; without MCL_CURRENT that is all. Else every VMA gets
 * mlock_fixup to exactly the new lock flags (none, for munlockall).
 */
function applyMlockallFlags(m: Machine, task: Task, f: MlockallFlags): void {
  const mm = task.mm!;
  mm.defFlags &= ~VM_LOCKED_MASK;
  if (f.future) {
    mm.defFlags |= VM.LOCKED;
    if (f.onfault) mm.defFlags |= VM.LOCKONFAULT;
    if (!f.current) return;
  }
  const toAdd = f.current ? VM.LOCKED | (f.onfault ? VM.LOCKONFAULT : 0) : 0;
  for (const vma of [...mm.vmas])
    mlockFixup(m, task, vma, vma.start, vma.end, (vma.flags & ~VM_LOCKED_MASK) | toAdd);
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
      mlockFixup(m, task, vma, nstart, tmp, newflags);
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
 * to [start, end) and sets the new flags and mm->locked_vm follows (VmLck).
 */
function mlockFixup(m: Machine, task: Task, vma: Vma, start: number, end: number, newflags: number): void {
  if (newflags === vma.flags) return;
  m.trace.call('mlock_fixup', () => {
    const mm = task.mm!;
    splitVma(m, task, start);
    splitVma(m, task, end);
    const oldflags = vma.flags;
    vmaFind(mm, start, end)!.flags = newflags;
    let nrPages = (end - start) / m.pageSize;
    if (!(newflags & VM.LOCKED)) nrPages = -nrPages;
    else if (oldflags & VM.LOCKED) nrPages = 0;
    mm.lockedVm += nrPages;
  });
}
