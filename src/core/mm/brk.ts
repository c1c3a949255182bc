/**
 * brk() (mm/mmap.c SYSCALL_DEFINE1(brk), mm/vma.c do_brk_flags): the program break, the end of the
 * heap. The heap is one anonymous VMA from mm->start_brk to PAGE_ALIGN(mm->brk) that brk grows and
 * shrinks; /proc/<pid>/maps names it [heap]. A refused call changes nothing and returns the old
 * break (the system call's way of saying no: it has no errno).
 *
 * Simplified: a spawned process has no program image, so start_brk is where an image would end:
 * ELF_ET_DYN_BASE (2/3 of TASK_SIZE, as a PIE binary loads without randomisation) plus 20 KiB.
 * RLIMIT_DATA is unlimited; there is no overcommit
 * check (security_vm_enough_memory_mm), as for mmap: a heap may be far larger than RAM.
 */
import type { Machine } from '../machine.ts';
import { doMunmap, findVma, pageAlign, vmaFind, vmGetPageProt } from './mmap.ts';
import { VM, type MmStruct, type Task, type Vma } from './mm_types.ts';
import { mmPopulate } from './gup.ts';

/** stack_guard_gap: 256 pages (the kernel's default, `stack_guard_gap=` on the command line) */
export const STACK_GUARD_GAP_PAGES = 256;

/** Where a new process's break starts (see the module comment). */
export function brkBase(m: Machine): number {
  const etDynBase = Math.floor((m.pgtableArch.taskSize / 3) * 2);
  return etDynBase - (etDynBase % m.pageSize) + pageAlign(m, 20 * 1024);
}

/** vma_is_initial_heap(): the VMA /proc/<pid>/maps calls [heap]. */
export function vmaIsInitialHeap(mm: MmStruct, v: Vma): boolean {
  return v.start < mm.brk && v.end > mm.startBrk;
}

/** vm_start_gap(): a stack (VM_GROWSDOWN) keeps stack_guard_gap free below it. */
function vmStartGap(m: Machine, v: Vma): number {
  return v.flags & VM.GROWSDOWN ? Math.max(0, v.start - STACK_GUARD_GAP_PAGES * m.pageSize) : v.start;
}

/** SYSCALL_DEFINE1(brk): returns the new break, or the old one when the call is refused. */
export function sysBrk(m: Machine, task: Task, brk: number, cpu: number): number {
  return m.trace.call('__do_sys_brk', () => {
    const mm = task.mm!;
    const ps = m.pageSize;
    const origbrk = mm.brk;
    if (brk < mm.startBrk) return origbrk; // min_brk: start_brk (no CONFIG_COMPAT_BRK randomisation)
    if (brk > m.pgtableArch.taskSize) return origbrk; // check_brk_limits → get_unmapped_area(MAP_FIXED)
    const newbrk = pageAlign(m, brk);
    const oldbrk = pageAlign(m, mm.brk);
    if (oldbrk === newbrk) {
      mm.brk = brk;
      return brk;
    }
    // Always allow shrinking brk: unmap [newbrk, oldbrk) if a VMA is there.
    if (brk <= mm.brk) {
      const v = vmaFind(mm, newbrk, oldbrk);
      if (!v || v.start >= oldbrk) return origbrk; // a non-brk VMA in the way
      mm.brk = brk;
      doMunmap(m, task, newbrk, oldbrk, cpu);
      return brk;
    }
    // Only check the next VMA if it is within the stack_guard_gap of the expansion area.
    const next = vmaFind(mm, oldbrk, Infinity);
    if (next && next.start < newbrk + ps + STACK_GUARD_GAP_PAGES * ps && newbrk + ps > vmStartGap(m, next))
      return origbrk;
    doBrkFlags(m, mm, oldbrk, newbrk - oldbrk);
    mm.brk = brk;
    // mlockall(MCL_FUTURE): the new heap is faulted in (mm_populate skips a VM_LOCKONFAULT one)
    if (mm.defFlags & VM.LOCKED) mmPopulate(m, task, oldbrk, newbrk - oldbrk, cpu);
    return brk;
  });
}

/**
 * do_brk_flags(): an anonymous VMA for [addr, addr + len) with the data flags (VM_DATA_DEFAULT_FLAGS
 * | VM_ACCOUNT); it expands the heap VMA ending at addr when the flags agree (vma_merge_new_range).
 */
function doBrkFlags(m: Machine, mm: MmStruct, addr: number, len: number): void {
  m.trace.call('do_brk_flags', () => {
    const flags = VM.READ | VM.WRITE | VM.MAYREAD | VM.MAYWRITE | VM.MAYEXEC | VM.ACCOUNT | mm.defFlags;
    // the VMA before addr, if it reaches above start_brk (vma_prev_limit(&vmi, mm->start_brk)): a
    // mapping ending at or below start_brk is left alone, and a new VMA merges with nothing
    const prev = addr > mm.startBrk ? findVma(mm, addr - 1) : undefined;
    if (prev && prev.end === addr && prev.flags === flags && !prev.shmem && !prev.file) prev.end = addr + len;
    else {
      mm.vmas.push({
        start: addr,
        end: addr + len,
        flags,
        pageProt: vmGetPageProt(flags),
        pgoff: 0,
        anonVma: 0,
        shmem: null,
      });
      mm.vmas.sort((a, b) => a.start - b.start);
    }
    mm.totalVm += len / m.pageSize;
    mm.hiwaterVm = Math.max(mm.hiwaterVm, mm.totalVm);
    if (flags & VM.LOCKED) mm.lockedVm += len / m.pageSize;
  });
}
