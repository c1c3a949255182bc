/**
 * Stack growth (mm/mmap.c expand_stack_locked → expand_downwards, acct_stack_growth): a fault
 * below a VM_GROWSDOWN VMA — the [stack] — moves the VMA's start down to the faulting page, so the
 * access then faults in like any other. Refused (the fault is SIGSEGV, SEGV_MAPERR) when the stack
 * would be larger than RLIMIT_STACK, or when the new start would come within stack_guard_gap of an
 * accessible mapping below it.
 */
import type { Machine } from '../machine.ts';
import { STACK_GUARD_GAP_PAGES } from './brk.ts';
import { VM, type MmStruct, type Vma } from './mm_types.ts';

/** vm.mmap_min_addr's default: nothing is mapped below it */
const MMAP_MIN_ADDR = 0x10000;

/** RLIMIT_STACK: the default soft limit, 8 MiB (`ulimit -s` 8192 on this machine class). */
export const RLIMIT_STACK = 8 * 1024 * 1024;

/** The stack VMA above `va`, grown down to cover it; undefined when there is none or it may not grow. */
export function expandStack(m: Machine, mm: MmStruct, va: number): Vma | undefined {
  const ps = m.pageSize;
  const i = mm.vmas.findIndex((v) => v.start > va); // find_vma(): the first VMA ending above va
  const vma = i < 0 ? undefined : mm.vmas[i];
  if (!vma || !(vma.flags & VM.GROWSDOWN)) return undefined;
  return m.trace.call('expand_downwards', () => {
    const address = va - (va % ps);
    if (address < MMAP_MIN_ADDR) return undefined; // -EPERM
    // Enforce stack_guard_gap: an accessible VMA below must stay that far away
    const prev = i > 0 ? mm.vmas[i - 1] : undefined;
    if (
      prev &&
      !(prev.flags & VM.GROWSDOWN) &&
      prev.flags & (VM.READ | VM.WRITE | VM.EXEC) &&
      address - prev.end < STACK_GUARD_GAP_PAGES * ps
    )
      return undefined;
    // acct_stack_growth(): the whole stack within RLIMIT_STACK
    if (vma.end - address > RLIMIT_STACK) return undefined;
    const grow = (vma.start - address) / ps;
    if (vma.flags & VM.LOCKED) mm.lockedVm += grow;
    mm.totalVm += grow; // vm_stat_account()
    mm.hiwaterVm = Math.max(mm.hiwaterVm, mm.totalVm);
    // (vm_pgoff -= grow too in the kernel: anonymous VMAs carry no linear pgoff in this model)
    vma.start = address;
    return vma;
  });
}
