/**
 * mlock and munlock (mm/mlock.c): do_mlock() rounds the range out to whole pages, sets VM_LOCKED
 * on every VMA of it (apply_vma_lock_flags → mlock_fixup, which splits at the range's ends and
 * counts mm->locked_vm), then faults the range in with __mm_populate(ignore_errors=0). munlock()
 * clears the flag the same way and faults nothing.
 *
 * Simplified: the model has no unevictable LRU and no PG_mlocked, so mlock_vma_pages_range's page
 * walk (mlock_folio / munlock_folio) is not modelled: meminfo's Mlocked and Unevictable and the
 * unevictable_pgs_* events stay 0 (docs/ACCURACY.md). VmLck is mm->locked_vm; smaps' Locked
 * is the Pss of VM_LOCKED VMAs.
 */
import type { Machine } from '../machine.ts';
import type { Errno } from './errno.ts';
import { mmPopulateStrict } from './gup.ts';
import { VM, type Task, type Vma } from './mm_types.ts';
import { mergeAllVmas, pageAlign, splitVma, vmaFind } from './mmap.ts';
import { modPow2 } from '../arch/pgtable.ts';

/** VM_LOCKED_MASK (VM_LOCKED | VM_LOCKONFAULT; the model has no VM_LOCKONFAULT). */
const VM_LOCKED_MASK = VM.LOCKED;

/**
 * do_mlock(start, len, VM_LOCKED): the start rounds down and the length up to whole pages (no
 * EINVAL for an unaligned start, unlike mprotect). Root has CAP_IPC_LOCK, so RLIMIT_MEMLOCK never
 * refuses. A hole in the range is ENOMEM with the VMAs before it already locked and nothing
 * faulted; then __mm_populate, whose errors __mlock_posix_error_return turns into POSIX's
 * (EFAULT → ENOMEM, ENOMEM → EAGAIN).
 */
export function sysMlock(m: Machine, task: Task, start: number, len: number, cpu: number): Errno | undefined {
  return m.trace.call('do_mlock', () => {
    const off = modPow2(start, m.pageSize);
    const alignedLen = pageAlign(m, len + off);
    const s = start - off;
    const error = applyVmaLockFlags(m, task, s, alignedLen, VM.LOCKED);
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
