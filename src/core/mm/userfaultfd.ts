/**
 * userfaultfd (fs/userfaultfd.c, mm/userfaultfd.c), the part that maps the zero page: a process
 * registers a range in MISSING mode (UFFDIO_REGISTER: VM_UFFD_MISSING on its VMAs) and fills its
 * empty PTEs itself; UFFDIO_ZEROPAGE fills them with the shared zero page
 * (mfill_atomic_pte_zeropage), as a read fault would, without a fault.
 *
 * Modelled: one userfaultfd context per process, opened with UFFD_FEATURE_SIGBUS (there is no
 * fault-handling thread to wake): a fault on an empty PTE of a registered VMA is SIGBUS
 * (handle_userfault). Private anonymous memory only. Not modelled: the fault messages (read() on
 * the descriptor), UFFDIO_COPY/CONTINUE/MOVE/WRITEPROTECT, other features, fork events (a child's
 * VMAs are not registered: dup_userfaultfd() without UFFD_FEATURE_EVENT_FORK).
 */
import { PTE, pgtableIndex, type RawEntry } from '../arch/pgtable.ts';
import type { Machine } from '../machine.ts';
import type { Errno } from './errno.ts';
import { mergeAllVmas, splitVma, vmaFind } from './mmap.ts';
import { VM, type Task } from './mm_types.ts';
import { readEntry, WALK_HUGE, walkAlloc, writeEntry } from './pgtable.ts';

const E: RawEntry = { lo: 0, hi: 0 };

/** validate_range(): page-aligned start and length, a length, no wrap. */
function validateRange(m: Machine, start: number, len: number): boolean {
  const ps = m.pageSize;
  return start % ps === 0 && len % ps === 0 && len > 0 && start + len > start;
}

/**
 * userfaultfd_register() in MISSING mode: every VMA of [start, start + len) must be private
 * anonymous memory and the range must have no hole (EINVAL otherwise); the VMAs are split at the
 * range's ends and get VM_UFFD_MISSING ('um' in smaps' VmFlags), merged again where they can be.
 */
export function userfaultfdRegister(m: Machine, task: Task, start: number, len: number): Errno | undefined {
  return m.trace.call('userfaultfd_register', () => {
    const mm = task.mm!;
    if (!validateRange(m, start, len)) return 'EINVAL';
    const end = start + len;
    // vma_can_userfault() on each VMA, and no hole: nothing changes unless all of it can
    let at = start;
    for (let v = vmaFind(mm, start, end); v; v = vmaFind(mm, v.end, end)) {
      if (v.start > at || v.shmem || v.flags & VM.SHARED) return 'EINVAL';
      at = v.end;
      if (at >= end) break;
    }
    if (at < end) return 'EINVAL';
    splitVma(m, task, start);
    splitVma(m, task, end);
    for (let v = vmaFind(mm, start, end); v; v = vmaFind(mm, v.end, end)) v.flags |= VM.UFFD_MISSING;
    mergeAllVmas(m, mm);
    return undefined;
  });
}

/** What an ioctl returned: 0 or -1 with errno, and the struct's result field (bytes or -errno). */
export interface UffdResult {
  rc: 0 | -1;
  errno?: Errno;
  /** uffdio_zeropage.zeropage: the bytes mapped, or the negative errno of the first page */
  zeropage: number;
}

const NEG: Partial<Record<Errno, number>> = { EEXIST: -17, ENOENT: -2, ENOMEM: -12, EAGAIN: -11 };

/**
 * userfaultfd_zeropage() → mfill_atomic_zeropage(): the whole range must be inside one registered
 * VMA (ENOENT); page by page, mfill_atomic_pte_zeropage() sets a special, read-only PTE to the
 * zero page (my_zero_pfn) where the PTE is empty, allocating the page tables down to it, and
 * stops at the first page that has one (EEXIST; a huge PMD too). RSS does not change and nothing
 * faults. zeropage is the bytes mapped: all of them (rc 0), some (EAGAIN) or none (the error).
 */
export function userfaultfdZeropage(
  m: Machine,
  task: Task,
  start: number,
  len: number,
  cpu: number,
): UffdResult {
  return m.trace.call('userfaultfd_zeropage', () => {
    // an argument error leaves the struct as it was: its zeropage field stays 0
    if (!validateRange(m, start, len)) return { rc: -1, errno: 'EINVAL', zeropage: 0 };
    const mm = task.mm!;
    const end = start + len;
    const ps = m.pageSize;
    const arch = m.pgtableArch;
    const last = arch.levels - 1;
    const vma = vmaFind(mm, start, start + 1);
    let err: Errno | undefined;
    let copied = 0;
    if (!vma || vma.start > start || vma.end < end || !(vma.flags & VM.UFFD_MISSING)) err = 'ENOENT';
    else {
      if (!vma.anonVma) vma.anonVma = m.nextAnonVma++; // mfill_atomic: anon_vma_prepare()
      for (let va = start; va < end; va += ps) {
        const table = walkAlloc(m, mm, va, cpu);
        if (table === WALK_HUGE) {
          err = 'EEXIST';
          break;
        }
        if (table < 0) {
          err = 'ENOMEM';
          break;
        }
        const idx = pgtableIndex(arch, va, last);
        readEntry(m, table, idx, E, last);
        if (!arch.isNone(E, last)) {
          err = 'EEXIST';
          break;
        }
        m.trace.call('mfill_atomic_pte_zeropage', () => {
          arch.mkLeaf(m.myZeroPfn(va), vma.pageProt | PTE.SPECIAL, last, E);
          writeEntry(m, table, idx, E, last);
        });
        copied += ps;
      }
    }
    // mfill_atomic() returns the bytes done if any, else the error
    if (copied === 0) return { rc: -1, errno: err, zeropage: NEG[err!]! };
    if (copied === len) return { rc: 0, zeropage: copied };
    return { rc: -1, errno: 'EAGAIN', zeropage: copied };
  });
}
