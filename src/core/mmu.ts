/**
 * The MMU and the page-fault entry (arch/x86/mm/fault.c do_user_addr_fault): every user load or
 * store walks the page tables in emulated RAM; the hardware sets Accessed (and Dirty on a store);
 * a missing or insufficient entry raises a fault that the kernel resolves or turns into a signal.
 */
import { expandStack } from './mm/stack.ts';
import { modPow2, PTE, vaIndex, type RawEntry } from './arch/pgtable.ts';
import { exitGroup, SIGBUS, SIGKILL, SIGSEGV } from './kernel/fork.ts';
import type { Machine } from './machine.ts';
import { handleMmFault } from './mm/memory.ts';
import { findVma } from './mm/mmap.ts';
import { VM, type Task } from './mm/mm_types.ts';
import { outOfMemory } from './mm/oom_kill.ts';
import { GFP, GFP_MASKS } from './mm/gfp.ts';
import { switchMm, tlbFillUser } from './mm/tlb.ts';
import {
  walkCacheBegin,
  walkCacheCommit,
  walkCacheInvalidate,
  walkCacheStep,
  walkCacheTable,
} from './mm/walk_cache.ts';

const E: RawEntry = { lo: 0, hi: 0 };
// The last entry decoded at each level and its flags. flags() is a pure decode of (entry, level),
// and consecutive accesses walk the same upper-level entries, so a walk mostly skips the decode
// (the emulator's cost, not a model of the CPU's paging-structure caches). Keyed by arch too.
const memoLo = new Float64Array(8).fill(-1);
const memoHi = new Float64Array(8);
const memoF = new Int32Array(8);
let memoArch: unknown = null;
/** The last successful walk's leaf: its pfn, pages covered and writability (what the TLB caches). */
let leafPfn = 0;
let leafPages = 1;
let leafWritable = false;

/**
 * The hardware page walk. Returns the physical address, or -1 if the walk faults. On success the
 * leaf gets Accessed, and Dirty for a store, as the MMU would set them.
 */
export function mmuTranslate(m: Machine, task: Task, va: number, write: boolean): number {
  const arch = m.pgtableArch;
  const ram = m.ram;
  const ps = m.pageSize;
  const pgd = task.mm!.pgd;
  const last = arch.levels - 1;
  // The walk cache holds the path to the last-level table of the previous walk; a miss walks from
  // the PGD and records its path (mm/walk_cache.ts: never stale, so the result is the same).
  let table = walkCacheTable(m, pgd, va, last);
  let level = last;
  if (table < 0) {
    table = pgd;
    level = 0;
    walkCacheBegin(pgd);
  }
  for (; ; level++) {
    const idx = vaIndex(va, arch.levelShift[level]!, (1 << arch.levelBits[level]!) - 1);
    const wide = m.entrySize[level] === 8;
    const a = table * ps + idx * (wide ? 8 : 4);
    E.lo = ram.readU32(a);
    E.hi = wide ? ram.readU32(a + 4) : 0;
    let f: number;
    if (memoArch === arch && memoLo[level] === E.lo && memoHi[level] === E.hi) f = memoF[level]!;
    else {
      f = arch.flags(E, level);
      if (memoArch !== arch) {
        memoLo.fill(-1);
        memoArch = arch;
      }
      memoLo[level] = E.lo;
      memoHi[level] = E.hi;
      memoF[level] = f;
    }
    if (!(f & PTE.PRESENT) || !(f & PTE.USER)) return -1;
    const huge = level < last && (f & PTE.HUGE) !== 0;
    if (level < last && !huge) {
      table = arch.tablePfn(E, level);
      walkCacheStep(level, table);
      if (level === last - 1) {
        const span = 2 ** arch.levelShift[level]!;
        const lo = va - modPow2(va, span);
        walkCacheCommit(m, pgd, lo, lo + span);
      }
      continue;
    }
    if (write && !(f & PTE.WRITE)) return -1;
    const want = PTE.YOUNG | (write ? PTE.DIRTY : 0);
    const pfn = arch.pfn(E);
    leafPfn = pfn;
    leafPages = huge ? 2 ** (arch.levelShift[level]! - m.arch.pageShift) : 1;
    leafWritable = (f & PTE.WRITE) !== 0;
    if ((f & want) !== want) {
      arch.mkLeaf(pfn, f | want, level, E);
      ram.writeU32(a, E.lo);
      if (wide) ram.writeU32(a + 4, E.hi);
      // a huge leaf is an upper-level entry: no cached path goes through it, but be exact
      if (huge) walkCacheInvalidate();
    }
    // A huge leaf maps 2^n pages: the low VA bits below its level select the page.
    if (huge) return pfn * ps + modPow2(va, 2 ** arch.levelShift[level]!);
    return pfn * ps + modPow2(va, ps);
  }
}

export type SegvCode = 'SEGV_MAPERR' | 'SEGV_ACCERR';

/**
 * A user access: translate, fault and retry until it succeeds or the task dies. Returns the
 * physical address, or -1 when the task was killed (task.exit says why).
 */
export function userAccess(m: Machine, task: Task, va: number, write: boolean, cpu: number): number {
  for (let tries = 0; tries < 8; tries++) {
    if (task.state !== 'R' || !task.mm) return -1;
    if (m.tlb.cpus[cpu]!.loadedMm !== task.mm) switchMm(m, cpu, task.mm);
    const pa = mmuTranslate(m, task, va, write);
    if (pa >= 0) {
      tlbFillUser(m, cpu, va, leafPfn, leafPages, leafWritable);
      m.cache?.access(va, pa);
      return pa;
    }
    // enter/leave rather than trace.call(): no closure per fault on this hot path.
    m.trace.enter('exc_page_fault');
    m.trace.enter('do_user_addr_fault');
    let res: 'retry' | 'killed';
    try {
      res = doUserAddrFault(m, task, va, write, cpu);
    } finally {
      m.trace.leave();
      m.trace.leave();
    }
    if (res === 'killed') return -1;
  }
  throw new Error(`page fault at 0x${va.toString(16)} did not resolve after 8 retries`);
}

function doUserAddrFault(
  m: Machine,
  task: Task,
  va: number,
  write: boolean,
  cpu: number,
): 'retry' | 'killed' {
  const mm = task.mm!;
  // lock_mm_and_find_vma(): below a VM_GROWSDOWN VMA, the stack grows down to the address
  const vma = findVma(mm, va) ?? expandStack(m, mm, va);
  if (!vma) return badArea(m, task, va, 'SEGV_MAPERR', cpu);
  // access_error(): the VMA does not allow this kind of access at all.
  if (write ? !(vma.flags & VM.WRITE) : !(vma.flags & (VM.READ | VM.WRITE | VM.EXEC)))
    return badArea(m, task, va, 'SEGV_ACCERR', cpu);
  const r = handleMmFault(m, task, vma, va, write, cpu);
  if (r === 'ok') return 'retry';
  if (r === 'oom') {
    // pagefault_out_of_memory(): kill someone, then let the fault retry.
    // The fault's allocation: a zeroed user page (the copy path's mask differs only by __GFP_ZERO).
    const victim = outOfMemory(m, task.comm, GFP_MASKS['GFP_HIGHUSER_MOVABLE']! | GFP.__GFP_ZERO, 0, cpu);
    if (!victim || victim.tgid === task.tgid) {
      if (!victim)
        exitGroup(m, task, 'killed by SIGKILL (out of memory, nothing else to kill)', cpu, SIGKILL);
      return 'killed';
    }
    return 'retry';
  }
  exitGroup(m, task, `killed by SIGBUS at 0x${va.toString(16)}`, cpu, SIGBUS);
  return 'killed';
}

/** bad_area(): SIGSEGV, whose default action kills the process: every thread of it. */
function badArea(m: Machine, task: Task, va: number, code: SegvCode, cpu: number): 'killed' {
  // No core dump: RLIMIT_CORE is 0 by default, so the wait status is just the signal.
  exitGroup(m, task, `killed by SIGSEGV (${code}) at 0x${va.toString(16)}`, cpu, SIGSEGV);
  return 'killed';
}
