/**
 * mprotect (mm/mprotect.c): do_mprotect_pkey walks the VMAs of the range in order and applies
 * mprotect_fixup to each, so a hole stops it half way: the VMAs before the hole keep their new
 * protection and the call fails with ENOMEM. change_protection then rewrites the present PTEs.
 */
import { isSwapPte } from './swapops.ts';
import { flushTlbMmRange } from './tlb.ts';
import { modPow2, PTE, pgtableIndex, type RawEntry } from '../arch/pgtable.ts';
import type { Machine } from '../machine.ts';
import { PG } from '../phys/page.ts';
import type { Errno } from './errno.ts';
import { isHugeZeroPfn, splitHugePmd } from './huge_memory.ts';
import { vmNormalPage } from './memory.ts';
import { VM, type Task, type Vma } from './mm_types.ts';
import {
  mergeAllVmas,
  pageAlign,
  protToVmFlags,
  splitVma,
  vmaFind,
  vmGetPageProt,
  type Prot,
} from './mmap.ts';
import { readEntry, walkTable, writeEntry, WALK_HUGE } from './pgtable.ts';

const E: RawEntry = { lo: 0, hi: 0 };

/**
 * SYSCALL_DEFINE3(mprotect) → do_mprotect_pkey()'s argument checks: an unaligned start is EINVAL,
 * a zero length succeeds doing nothing, a range that wraps is ENOMEM. Then doMprotect.
 */
export function sysMprotect(
  m: Machine,
  task: Task,
  start: number,
  len: number,
  prot: Prot,
): Errno | undefined {
  if (modPow2(start, m.pageSize)) return 'EINVAL';
  if (!len) return undefined;
  const end = start + pageAlign(m, len);
  if (end <= start || end > m.pgtableArch.taskSize) return 'ENOMEM';
  return doMprotect(m, task, start, end, prot);
}

/**
 * do_mprotect_pkey() on a page-aligned [start, end): the first VMA must contain `start` (else
 * ENOMEM and nothing changes); then each VMA in turn gets mprotect_fixup until a gap, which is
 * ENOMEM with the earlier VMAs already changed, as is a range that runs past the last VMA.
 */
export function doMprotect(
  m: Machine,
  task: Task,
  start: number,
  end: number,
  prot: Prot,
): Errno | undefined {
  return m.trace.call('do_mprotect_pkey', () => {
    const mm = task.mm!;
    const first = vmaFind(mm, start, end);
    if (!first || first.start > start) return 'ENOMEM';
    let error: Errno | undefined;
    let tmp = first.start;
    let nstart = start;
    for (let vma: Vma | undefined = first; vma; vma = vmaFind(mm, tmp, end)) {
      if (vma.start !== tmp) {
        error = 'ENOMEM';
        break;
      }
      tmp = Math.min(vma.end, end);
      mprotectFixup(m, task, nstart, tmp, prot);
      nstart = tmp;
      if (tmp >= end) break;
    }
    if (!error && tmp < end) error = 'ENOMEM';
    mergeAllVmas(m, mm);
    return error;
  });
}

/**
 * mprotect_fixup(): split `vma` to [start, end) (vma_modify_flags), set the new flags and
 * vm_page_prot, then change_protection(). Making private memory writable charges it (VM_ACCOUNT);
 * making an anonymous VMA that never held a page read-only gives the charge back.
 */
function mprotectFixup(m: Machine, task: Task, start: number, end: number, prot: Prot): void {
  const mm = task.mm!;
  splitVma(m, task, start);
  splitVma(m, task, end);
  const v = vmaFind(mm, start, end)!;
  let newFlags = (v.flags & ~(VM.READ | VM.WRITE | VM.EXEC)) | protToVmFlags(prot);
  if (newFlags & VM.WRITE) {
    if (!(v.flags & (VM.ACCOUNT | VM.WRITE | VM.SHARED | VM.NORESERVE))) newFlags |= VM.ACCOUNT;
  } else if (v.flags & VM.ACCOUNT && !v.shmem && !v.anonVma) newFlags &= ~VM.ACCOUNT;
  v.flags = newFlags;
  // vma_set_page_prot(): a disk file's shared mapping stays write-notified (vma_wants_writenotify)
  v.pageProt = vmGetPageProt(v.shmem?.kind === 'disk' ? v.flags & ~VM.SHARED : v.flags);
  m.trace.call('change_protection', () => changeProtection(m, task, v));
}

/**
 * change_protection() over one whole VMA: every present PTE (or huge PMD) takes the new
 * vm_page_prot. Exclusive anonymous pages become writable at once when write permission comes back
 * (MM_CP_TRY_CHANGE_WRITABLE), so they do not fault again; the zero page and shared pages stay
 * read-only until a write faults.
 */
function changeProtection(m: Machine, task: Task, v: Vma): void {
  const mm = task.mm!;
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const ps = m.pageSize;
  const span = 2 ** arch.levelShift[last - 1]!;
  const tryWritable = (v.flags & (VM.WRITE | VM.SHARED)) === VM.WRITE;
  for (let a = v.start; a < v.end; a += ps) {
    let table = walkTable(m, mm, a);
    if (table === WALK_HUGE) {
      const haddr = a - modPow2(a, span);
      const pmdTable = walkTable(m, mm, a, last - 1);
      const pmdIdx = pgtableIndex(arch, a, last - 1);
      if (haddr < v.start || haddr + span > v.end) {
        // cannot happen once __split_vma split the PMD at the boundary; kept as the kernel's
        // change_pmd_range() split for a PMD the range only partly covers
        splitHugePmd(m, task, v, haddr, pmdTable, pmdIdx);
        table = walkTable(m, mm, a);
      } else {
        // change_huge_pmd()
        readEntry(m, pmdTable, pmdIdx, E, last - 1);
        const old = arch.flags(E, last - 1);
        let f = v.pageProt | (old & (PTE.DIRTY | PTE.SPECIAL | PTE.YOUNG | PTE.HUGE));
        const pfn = arch.pfn(E);
        if (
          tryWritable &&
          f & PTE.PRESENT &&
          !isHugeZeroPfn(m, pfn) &&
          m.pages.flags[pfn]! & PG.anonExclusive
        )
          f |= PTE.WRITE;
        arch.mkLeaf(pfn, f, last - 1, E);
        writeEntry(m, pmdTable, pmdIdx, E, last - 1);
        a = haddr + span - ps;
        continue;
      }
    }
    if (table < 0) {
      a = a - modPow2(a, span) + span - ps;
      continue;
    }
    const idx = pgtableIndex(arch, a, last);
    readEntry(m, table, idx, E, last);
    if (arch.isNone(E, last)) continue;
    // change_pte_range(): a swap entry keeps its PTE; the new protection applies at swap-in
    if (m.swap.totalSwapPages && isSwapPte(m, E)) continue;
    const old = arch.flags(E, last);
    const keep = old & (PTE.DIRTY | PTE.SPECIAL | PTE.SOFT_DIRTY);
    let f = v.pageProt | keep | (old & PTE.YOUNG);
    // a shared writable mapping keeps a writable PTE; under write-notify (a disk file's) a dirty
    // PTE becomes writable again too (can_change_shared_pte_writable(): the page is dirty already,
    // so no write fault is needed to account it)
    if (v.flags & VM.SHARED && v.flags & VM.WRITE && old & (PTE.WRITE | PTE.DIRTY) && f & PTE.PRESENT)
      f |= PTE.WRITE;
    if (tryWritable && f & PTE.PRESENT) {
      const page = vmNormalPage(m, E, last);
      if (page >= 0 && m.pages.flags[page]! & PG.anonExclusive) f |= PTE.WRITE;
    }
    arch.mkLeaf(arch.pfn(E), f, last, E);
    writeEntry(m, table, idx, E, last);
  }
  // change_protection() → flush_tlb_range()
  flushTlbMmRange(m, mm, v.start, v.end);
}
