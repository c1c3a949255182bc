/**
 * mremap() (mm/mremap.c, Linux 6.18): grow a mapping in place, shrink it, or move it — moving its
 * page-table entries, not copying its pages, so every page keeps its frame, its data and its
 * mapcount. MREMAP_MAYMOVE allows the move, MREMAP_FIXED names the destination (whatever is
 * mapped there is unmapped first), MREMAP_DONTUNMAP leaves the old VMA in place, empty.
 *
 * Simplified: anonymous VMAs carry no linear vm_pgoff here, so a later call that merges VMAs
 * (mprotect, mmap) may join a moved VMA with a neighbour the kernel would keep apart; the old
 * range must lie in one VMA (6.18 can move several VMAs at once with
 * MREMAP_FIXED and equal lengths: not modelled); a huge PMD in the moved range is split and its
 * PTEs moved (move_huge_pmd and move_normal_pmd, which move a whole PMD entry when both addresses
 * are PMD-aligned, are not modelled); no accounting limits (RLIMIT_AS, overcommit, map count).
 */
import { modPow2, pgtableIndex, type RawEntry } from '../arch/pgtable.ts';
import type { Machine } from '../machine.ts';
import type { Errno } from './errno.ts';
import { splitHugePmd } from './huge_memory.ts';
import { doMunmap, findVma, getUnmappedArea, mergeAllVmas, pageAlign, splitVma, vmaFind } from './mmap.ts';
import { mmPopulate } from './gup.ts';
import { unmergeKsmPages } from './ksm.ts';
import { VM, type Task, type Vma } from './mm_types.ts';
import { clearEntry, readEntry, walkAlloc, walkTable, WALK_HUGE, writeEntry } from './pgtable.ts';
import { flushTlbMmRange } from './tlb.ts';

/** MREMAP_* flags, as the statement names them. */
export interface MremapFlags {
  maymove: boolean;
  fixed: boolean;
  dontunmap: boolean;
}

/** The new address, or the errno the call returns. */
export type MremapResult = { addr: number } | { errno: Errno };

const E: RawEntry = { lo: 0, hi: 0 };

/**
 * SYSCALL_DEFINE5(mremap) → check_mremap_params(), check_prep_vma(), then mremap_to() (FIXED or
 * DONTUNMAP), a shrink (do_vmi_munmap of the tail), an expand in place (expand_vma_in_place), or a
 * move to a new area (move_vma). The checks, in the kernel's order:
 * - an unaligned `addr`, or a `newLen` that rounds to 0: EINVAL;
 * - with FIXED or DONTUNMAP: an unaligned `newAddr`, no MAYMOVE, DONTUNMAP with a length change,
 *   or a destination overlapping the source (FIXED): EINVAL;
 * - a `newLen` past TASK_SIZE (or a FIXED destination that does not fit below it): EINVAL;
 * - no VMA at `addr`: EFAULT; `oldLen` 0 on private memory: EINVAL; the old range running past its
 *   VMA's end: EFAULT;
 * - growing where the next VMA is in the way, without MAYMOVE: ENOMEM.
 */
export function sysMremap(
  m: Machine,
  task: Task,
  addr: number,
  oldLen: number,
  newLen: number,
  flags: MremapFlags,
  newAddr: number,
  cpu: number,
): MremapResult {
  return m.trace.call('do_mremap', () => {
    const mm = task.mm!;
    const ps = m.pageSize;
    const taskSize = m.pgtableArch.taskSize;
    if (modPow2(addr, ps)) return { errno: 'EINVAL' as const };
    oldLen = pageAlign(m, oldLen);
    newLen = pageAlign(m, newLen);
    if (!newLen) return { errno: 'EINVAL' as const };
    const toNewAddr = flags.fixed || flags.dontunmap; // vrm_implies_new_addr()
    if (toNewAddr) {
      if (flags.fixed && modPow2(newAddr, ps)) return { errno: 'EINVAL' as const };
      if (!flags.maymove) return { errno: 'EINVAL' as const };
      if (flags.dontunmap && oldLen !== newLen) return { errno: 'EINVAL' as const };
      if (flags.fixed) {
        // vrm_overlaps(): source and destination may not overlap
        if (newAddr < addr + oldLen && addr < newAddr + newLen) return { errno: 'EINVAL' as const };
      }
    }
    // check_mremap_params(): a new length (and a fixed destination) must fit below TASK_SIZE, for
    // every call (this machine's 6.18: mremap(p, 4K, 1 << 48, 0 or MAYMOVE) is EINVAL, not ENOMEM)
    if (newLen > taskSize || (flags.fixed && newAddr > taskSize - newLen))
      return { errno: 'EINVAL' as const };
    // check_prep_vma()
    const vma = findVma(mm, addr);
    if (!vma) return { errno: 'EFAULT' as const };
    if (!oldLen && !vma.shmem) return { errno: 'EINVAL' as const };
    if (oldLen > vma.end - addr) return { errno: 'EFAULT' as const };

    if (toNewAddr) {
      // mremap_to(): FIXED unmaps whatever is at the destination, and a shrink drops the tail
      // first; DONTUNMAP alone takes a new area from get_unmapped_area()
      let dest = newAddr;
      if (flags.fixed) {
        doMunmap(m, task, newAddr, newAddr + newLen, cpu);
        if (oldLen > newLen) {
          doMunmap(m, task, addr + newLen, addr + oldLen, cpu);
          oldLen = newLen;
        }
      } else {
        dest = m.trace.call('get_unmapped_area', () => getUnmappedArea(m, mm, newLen));
        if (dest < 0) return { errno: 'ENOMEM' as const };
      }
      const r = moveVma(m, task, addr, oldLen, newLen, dest, flags.dontunmap, cpu);
      return r < 0 ? { errno: 'ENOMEM' as const } : { addr: r };
    }
    if (newLen <= oldLen) {
      // shrink_vma(): unmap the tail (nothing to do for an equal length)
      if (newLen < oldLen) doMunmap(m, task, addr + newLen, addr + oldLen, cpu);
      return { addr };
    }
    // vrm_can_expand_in_place(): the old range ends where its VMA ends, and the VMA can grow into
    // free address space (no VMA in [end, addr + newLen), below TASK_SIZE)
    const end = addr + newLen;
    if (addr + oldLen === vma.end && end <= taskSize && !vmaFind(mm, vma.end, end)) {
      m.trace.call('expand_vma_in_place', () => {
        const grow = (end - vma.end) / ps;
        const oldEnd = vma.end;
        vma.end = end;
        mm.totalVm += grow;
        mm.hiwaterVm = Math.max(mm.hiwaterVm, mm.totalVm);
        mergeAllVmas(m, mm);
        // vrm_stat_account(): a locked VMA's growth counts in locked_vm, and the new part is
        // populated (mm_populate, errors ignored) as mlock would
        if (vma.flags & VM.LOCKED) {
          mm.lockedVm += grow;
          mmPopulate(m, task, oldEnd, end - oldEnd, cpu);
        }
      });
      return { addr };
    }
    if (!flags.maymove) return { errno: 'ENOMEM' as const };
    const dest = m.trace.call('get_unmapped_area', () => getUnmappedArea(m, mm, newLen));
    if (dest < 0) return { errno: 'ENOMEM' as const };
    const r = moveVma(m, task, addr, oldLen, newLen, dest, false, cpu);
    return r < 0 ? { errno: 'ENOMEM' as const } : { addr: r };
  });
}

/**
 * move_vma(): copy_vma() makes the VMA at `dest` (same flags, same anon_vma, the matching
 * pgoff), move_page_tables() moves the old range's entries there, and the old range is unmapped —
 * or, with MREMAP_DONTUNMAP, stays as an empty VMA whose next access faults in new memory.
 * Returns `dest`, or -1 when a page table could not be allocated (the entries moved back).
 */
function moveVma(
  m: Machine,
  task: Task,
  addr: number,
  oldLen: number,
  newLen: number,
  dest: number,
  dontunmap: boolean,
  cpu: number,
): number {
  return m.trace.call('move_vma', () => {
    const mm = task.mm!;
    const ps = m.pageSize;
    // the old range becomes a VMA of its own (vma_modify / split as do_vmi_munmap would)
    splitVma(m, task, addr);
    splitVma(m, task, addr + oldLen);
    const old = findVma(mm, addr)!;
    // prep_move_vma(): ksm_madvise(MADV_UNMERGEABLE) on the old range breaks its KSM pages (and
    // KSM zero pages) first — they would be confusing at the new place — but leaves VM_MERGEABLE,
    // so ksmd can merge the moved pages again
    if (old.flags & VM.MERGEABLE && old.anonVma) unmergeKsmPages(m, task, old, addr, addr + oldLen, cpu);
    const moved: Vma = {
      ...old,
      start: dest,
      end: dest + newLen,
      pgoff: old.pgoff,
    };
    if (moved.shmem) moved.shmem.users++;
    mm.vmas.push(moved);
    mm.vmas.sort((a, b) => a.start - b.start);
    // No hiwater update: move_vma() saves hiwater_vm and restores it after unmapping the source,
    // so the moment both ranges exist does not count in VmPeak.
    mm.totalVm += newLen / ps;
    const done = movePageTables(m, task, old, addr, dest, oldLen, cpu);
    if (done < oldLen) {
      // a page table could not be allocated: move the entries back and give up (ENOMEM)
      movePageTables(m, task, moved, dest, addr, done, cpu);
      mm.vmas.splice(mm.vmas.indexOf(moved), 1);
      if (moved.shmem) moved.shmem.users--;
      mm.totalVm -= newLen / ps;
      mergeAllVmas(m, mm);
      return -1;
    }
    // vrm_stat_account(): the new VMA's pages count in locked_vm; the old one's leave with its
    // munmap — but DONTUNMAP's dontunmap_complete() clears VM_LOCKED on the old VMA without
    // taking its pages off locked_vm (the record: VmLck grows by the whole length)
    if (moved.flags & VM.LOCKED) mm.lockedVm += newLen / ps;
    if (dontunmap) {
      // the old VMA keeps its place, empty; its anon_vma goes (unlink_anon_vmas), so a fault
      // there starts a new one
      old.anonVma = 0;
      old.flags &= ~VM.LOCKED;
    } else doMunmap(m, task, addr, addr + oldLen, cpu);
    // mremap's mm_populate of the part a locked move grew
    if (moved.flags & VM.LOCKED && newLen > oldLen) mmPopulate(m, task, dest + oldLen, newLen - oldLen, cpu);
    // No merge with the new neighbours: an anonymous VMA's vm_pgoff still counts from its old
    // address, so the kernel's vma_merge finds it discontiguous with them (a VMA moved next to
    // the range MREMAP_DONTUNMAP left behind stays a VMA of its own, as on 6.18).
    return dest;
  });
}

/**
 * move_page_tables() → move_ptes(): each entry of [addr, addr + len) is cleared at the old
 * address and written at the new one (page tables allocated as needed), present pages, swap
 * entries and all; the pages' mapcounts and the RSS do not change. The old range's translations
 * are flushed from every TLB (flush_tlb_range) before the call returns. Returns the bytes moved:
 * less than `len` when a destination table could not be allocated.
 */
function movePageTables(
  m: Machine,
  task: Task,
  vma: Vma,
  addr: number,
  dest: number,
  len: number,
  cpu: number,
): number {
  return m.trace.call('move_page_tables', () => {
    const mm = task.mm!;
    const arch = m.pgtableArch;
    const last = arch.levels - 1;
    const ps = m.pageSize;
    const span = 2 ** arch.levelShift[last - 1]!;
    for (let off = 0; off < len; off += ps) {
      const a = addr + off;
      let table = walkTable(m, mm, a);
      if (table === WALK_HUGE) {
        // move_huge_pmd() is not modelled: split the PMD, then move its PTEs one by one
        const haddr = a - modPow2(a, span);
        splitHugePmd(m, task, vma, haddr, walkTable(m, mm, a, last - 1), pgtableIndex(arch, a, last - 1));
        table = walkTable(m, mm, a);
      }
      if (table < 0) {
        // no table: nothing to move up to the next PMD boundary
        off += span - modPow2(a, span) - ps;
        continue;
      }
      const idx = pgtableIndex(arch, a, last);
      readEntry(m, table, idx, E, last);
      if (arch.isNone(E, last)) continue;
      const to = walkAlloc(m, mm, dest + off, cpu);
      if (to < 0) {
        flushTlbMmRange(m, mm, addr, addr + off);
        return off;
      }
      clearEntry(m, table, idx, last);
      writeEntry(m, to, pgtableIndex(arch, dest + off, last), E, last);
    }
    flushTlbMmRange(m, mm, addr, addr + len);
    return len;
  });
}
