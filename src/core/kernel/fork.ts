/**
 * Processes: creating one, fork (kernel/fork.c dup_mm / dup_mmap) and exit (kernel/exit.c,
 * mm/mmap.c exit_mmap).
 */
import { brkBase } from '../mm/brk.ts';
import { dropMm, flushTlbMmRange } from '../mm/tlb.ts';
import type { Machine } from '../machine.ts';
import { copyPageRange, freePgtables, handleMmFault, zapRange } from '../mm/memory.ts';
import { vmGetPageProt } from '../mm/mmap.ts';
import { VM, type Vma } from '../mm/mm_types.ts';
import type { MmStruct, Task } from '../mm/mm_types.ts';
import { pgtableAlloc, pgtableFree } from '../mm/pgtable.ts';
import { shmemRelease } from '../mm/shmem.ts';
import { mmPutHugeZeroFolio } from '../mm/huge_memory.ts';
import { mermapMmTeardown } from '../mm/mermap.ts';
import { mmLocalRegionFree } from '../mm/mm_local.ts';

/**
 * mmap_base without address-space randomisation: TASK_SIZE minus a gap of the stack rlimit plus
 * the stack guard gap, at least 128 MiB (mm/util.c, arch/x86/mm/mmap.c). Each arch gives its value.
 */
export function mmapBase(m: Machine): number {
  return m.arch.mmapBase;
}

/** mm_alloc() + pgd_alloc(): an empty address space. Returns null when the PGD cannot be allocated. */
export function mmAlloc(m: Machine, cpu: number): MmStruct | null {
  const pgd = m.trace.call('pgd_alloc', () => pgtableAlloc(m, null, 0, cpu));
  if (pgd < 0) return null;
  return {
    pgd,
    ctxId: m.tlb.nextCtxId++,
    vmas: [],
    rss: [0, 0, 0, 0],
    pgtablesBytes: 0,
    mmapBase: mmapBase(m),
    defFlags: 0,
    startBrk: brkBase(m),
    brk: brkBase(m),
    totalVm: 0,
    lockedVm: 0,
    ksmZeroPages: 0,
    hiwaterRss: 0,
    hiwaterVm: 0,
    users: 1,
    hugeZeroFolio: false,
    deposited: new Map(),
  };
}

/** The stack exec sets up: 132 KiB ending at STACK_TOP (no randomisation), top page written. */
export const STACK_SIZE = 132 * 1024;

function stackSize(m: Machine): number {
  return Math.ceil(STACK_SIZE / m.pageSize) * m.pageSize;
}

/**
 * A new process as exec leaves it, minus the program: a [stack] VMA whose top page holds the
 * arguments (written through GUP, so it already has page tables and one anonymous page). There is
 * no program image, heap or library: every other mapping comes from the scenario.
 */
export function spawnTask(m: Machine, comm: string, cpu: number): Task | null {
  const mm = mmAlloc(m, cpu);
  if (!mm) return null;
  const pid = m.nextPid++;
  const t: Task = { pid, tgid: pid, ppid: 1, comm, mm, state: 'R', minflt: 0, majflt: 0, exitCode: 0 };
  m.tasks.set(t.pid, t);
  const top = m.pgtableArch.taskSize;
  const flags = VM.READ | VM.WRITE | VM.MAYREAD | VM.MAYWRITE | VM.MAYEXEC | VM.GROWSDOWN | VM.ACCOUNT;
  const stack: Vma = {
    start: top - stackSize(m),
    end: top,
    flags,
    pageProt: vmGetPageProt(flags),
    pgoff: 0,
    anonVma: 0,
    shmem: null,
    name: '[stack]',
  };
  mm.vmas.push(stack);
  mm.totalVm = stackSize(m) / m.pageSize;
  mm.hiwaterVm = mm.totalVm;
  if (handleMmFault(m, t, stack, top - m.pageSize, true, cpu) !== 'ok') {
    exitTask(m, t, 'exec failed: out of memory', cpu);
    return null;
  }
  if (m.trace.on) m.trace.emit({ type: 'task', pid: t.pid, comm, event: 'spawn', detail: '' });
  return t;
}

/**
 * copy_process() → dup_mm() → dup_mmap(): the child gets copies of the VMAs; page tables are
 * copied only for VMAs with an anon_vma (vma_needs_copy) — the others fault in again on demand.
 * MADV_DONTFORK (VM_DONTCOPY) VMAs are left out; MADV_WIPEONFORK ones are copied empty.
 */
export function forkTask(m: Machine, parent: Task, comm: string, cpu: number): Task | null {
  return m.trace.call('kernel_clone', () => {
    const pmm = parent.mm!;
    const mm = mmAlloc(m, cpu);
    if (!mm) return null;
    const pid = m.nextPid++;
    const child: Task = {
      pid,
      tgid: pid,
      ppid: parent.tgid,
      comm,
      mm,
      state: 'R',
      minflt: 0,
      majflt: 0,
      exitCode: 0,
    };
    m.tasks.set(child.pid, child);
    mm.mmapBase = pmm.mmapBase;
    mm.startBrk = pmm.startBrk;
    mm.brk = pmm.brk;
    mm.totalVm = pmm.totalVm;
    // ksm_fork(): a child of an mm on ksmd's list is on it too (MMF_VM_MERGEABLE)
    if (m.ksm.mms.includes(pmm)) m.ksm.mms.push(mm);
    const ok = m.trace.call('dup_mmap', () => {
      for (const v of pmm.vmas) {
        if (v.flags & VM.DONTCOPY) {
          // MADV_DONTFORK: the VMA is left out; vm_stat_account(mm, flags, -vma_pages(mpnt))
          mm.totalVm -= (v.end - v.start) / m.pageSize;
          continue;
        }
        // anon_vma_fork(): the child's VMA gets an anon_vma of its own, chained to the parent's;
        // a VM_WIPEONFORK one gets "a clean slate": no anon_vma until its first fault, and
        // copy_page_range() is skipped, so the parent's PTEs stay writable (no COW on either side).
        // vm_flags_clear(tmp, VM_LOCKED_MASK): mlock is not inherited (the child's VmLck is 0).
        const wipe = (v.flags & VM.WIPEONFORK) !== 0;
        const cv = {
          ...v,
          // dup_userfaultfd() without UFFD_FEATURE_EVENT_FORK: the child's VMA is not registered
          flags: v.flags & ~(VM.LOCKED | VM.LOCKONFAULT | VM.UFFD_MISSING),
          anonVma: v.anonVma && !wipe ? m.nextAnonVma++ : 0,
        };
        if (cv.shmem) cv.shmem.users++;
        mm.vmas.push(cv);
        if (v.anonVma && !wipe && copyPageRange(m, child, v, pmm, cpu) !== 'ok') return false;
      }
      return true;
    });
    // dup_mm(): hiwater_vm = total_vm, after dup_mmap left the VM_DONTCOPY VMAs out
    mm.hiwaterVm = mm.totalVm;
    // dup_mmap() ends with flush_tlb_mm(oldmm): the parent's PTEs were write-protected for COW.
    flushTlbMmRange(m, pmm, 0, m.pgtableArch.taskSize);
    if (m.trace.on)
      m.trace.emit({ type: 'task', pid: child.pid, comm, event: 'fork', detail: `from ${parent.pid}` });
    if (!ok) {
      exitMm(m, child, cpu);
      child.state = 'Z';
      child.exit = 'fork failed: out of memory';
      return null;
    }
    return child;
  });
}

/**
 * clone(CLONE_VM | CLONE_THREAD | CLONE_SIGHAND ...), as pthread_create() calls it: a new task in
 * `leader`'s thread group that shares its mm (copy_mm: mmget, no dup_mmap). Every thread's faults,
 * mmaps and munmaps act on the one address space, and a flush of it reaches every CPU running one
 * of them.
 */
export function cloneThread(m: Machine, leader: Task, comm: string): Task {
  return m.trace.call('kernel_clone', () => {
    const mm = leader.mm!;
    mm.users++; // copy_mm(): CLONE_VM takes a reference instead of copying
    const pid = m.nextPid++;
    const t: Task = {
      pid,
      tgid: leader.tgid,
      ppid: leader.ppid,
      comm,
      mm,
      state: 'R',
      minflt: 0,
      majflt: 0,
      exitCode: 0,
    };
    m.tasks.set(pid, t);
    if (m.trace.on)
      m.trace.emit({ type: 'task', pid, comm, event: 'fork', detail: `thread of ${leader.tgid}` });
    return t;
  });
}

/**
 * exit_mm() → mmput(): the task lets go of its mm; the last user (mm_users reaching 0) tears it
 * down with exit_mmap(): unmap everything, free every page table and the PGD.
 */
export function exitMm(m: Machine, task: Task, cpu: number): void {
  const mm = task.mm;
  if (!mm) return;
  task.mm = null;
  if (--mm.users > 0) return; // another thread still runs in it
  m.trace.call('exit_mmap', () => {
    mm.hiwaterRss = Math.max(mm.hiwaterRss, mm.rss[0]! + mm.rss[1]! + mm.rss[3]!);
    // arch_exit_mmap() comes first in exit_mmap(): x86's mm_local_region_free() frees the mm-local
    // slot's tables (the mermap's), which no VMA covers and free_pgtables() below never reaches.
    // Only the series has the region (x86-64 only: config.ts refuses page_alloc_unmapped elsewhere).
    if (m.cfg.pageAllocUnmapped) m.trace.call('arch_exit_mmap', () => mmLocalRegionFree(m, mm, cpu));
    for (const v of mm.vmas) zapRange(m, task, mm, v.start, v.end, cpu);
    const vmas = mm.vmas;
    mm.vmas = [];
    freePgtables(m, mm, 0, m.pgtableArch.taskSize, cpu, true);
    for (const v of vmas)
      if (v.shmem && --v.shmem.users === 0 && !v.shmem.path) shmemRelease(m, v.shmem, cpu);
    // pgd_free() is immediate; the other tables went through the mmu_gather (RCU-deferred).
    pgtableFree(m, null, mm.pgd, 0, cpu, false);
    mmPutHugeZeroFolio(m, mm); // __mmput()
    // The mermap's per-CPU state goes with the mm (mermap_mm_teardown); its tables went above.
    mermapMmTeardown(m, mm);
    dropMm(m, mm);
  });
}

/** do_exit(): the task's memory goes; the task stays a zombie until reaped (here: for good). */
/** Wait statuses, as do_exit() stores them: a signal number, or the exit status shifted left by 8. */
export const SIGBUS = 7;
export const SIGKILL = 9;
export const SIGSEGV = 11;

/**
 * do_group_exit(): exit_group(), and what a fatal signal does — every thread of the group exits
 * (zap_other_threads), the caller last.
 */
export function exitGroup(m: Machine, task: Task, why: string, cpu: number, exitCode = 0): void {
  // threads share the mm: with no other user there is no other live thread, and no need to look
  // through every task (a scenario's statements cost the same with 40,000 processes as with one)
  if ((task.mm?.users ?? 0) > 1)
    for (const t of [...m.tasks.values()])
      if (t !== task && t.tgid === task.tgid && t.state === 'R') exitTask(m, t, why, cpu, exitCode);
  exitTask(m, task, why, cpu, exitCode);
}

/** do_exit() of one task (a thread's pthread_exit; exitGroup for a whole process). */
export function exitTask(m: Machine, task: Task, why: string, cpu: number, exitCode = 0): void {
  m.trace.call('do_exit', () => exitMm(m, task, cpu));
  task.state = 'Z';
  m.nrExited++;
  task.exit = why;
  task.exitCode = exitCode;
  if (m.trace.on) m.trace.emit({ type: 'task', pid: task.pid, comm: task.comm, event: 'exit', detail: why });
}
