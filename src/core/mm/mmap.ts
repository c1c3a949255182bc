/**
 * Address spaces (mm/mmap.c, mm/vma.c, mm/mprotect.c, mm/madvise.c): VMAs, mmap's top-down search
 * below mmap_base, munmap, mprotect, madvise and populate.
 */
import { flushTlbMmRange } from './tlb.ts';
import { PTE, pgtableIndex, type RawEntry } from '../arch/pgtable.ts';
import type { Machine } from '../machine.ts';
import { PG } from '../phys/page.ts';
import {
  freePgtables,
  handleMmFault,
  reclaimEmptyPteTables,
  vmNormalPage,
  zapRange,
  type FaultResult,
} from './memory.ts';
import { VM, type MmStruct, type Task, type Vma } from './mm_types.ts';
import { readEntry, walkTable, writeEntry, WALK_HUGE } from './pgtable.ts';
import { isHugeZeroPfn, splitHugePmd } from './huge_memory.ts';
import { shmemRelease, shmemZeroSetup } from './shmem.ts';
import { outOfMemory } from './oom_kill.ts';
import { GFP, GFP_MASKS } from './gfp.ts';

export type Prot = 'none' | 'r' | 'rw';

/** PROT_* → VM_READ/VM_WRITE (VM_MAY* are added by the caller). */
export function protToVmFlags(prot: Prot): number {
  return prot === 'none' ? 0 : prot === 'r' ? VM.READ : VM.READ | VM.WRITE;
}

/**
 * vm_get_page_prot(): x86's protection_map. A private writable mapping gets PAGE_COPY — no write
 * bit — so that the first write faults and can copy; only shared writable mappings get PAGE_SHARED.
 */
export function vmGetPageProt(flags: number): number {
  const base = PTE.PRESENT | PTE.USER | PTE.YOUNG | PTE.NX;
  if (!(flags & (VM.READ | VM.WRITE | VM.EXEC))) return PTE.PROTNONE | PTE.YOUNG; // PAGE_NONE
  if (flags & VM.SHARED && flags & VM.WRITE) return base | PTE.WRITE; // PAGE_SHARED
  return base; // PAGE_READONLY / PAGE_COPY
}

/** find_vma(): the VMA containing va, or undefined. */
export function findVma(mm: MmStruct, va: number): Vma | undefined {
  const v = mm.vmas;
  let lo = 0;
  let hi = v.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = v[mid]!;
    if (va < x.start) hi = mid - 1;
    else if (va >= x.end) lo = mid + 1;
    else return x;
  }
  return undefined;
}

/** HPAGE_PMD_SIZE: anonymous mappings of a multiple of it are aligned to it, for THP (0: no THP). */
function pmdSize(m: Machine): number {
  return m.arch.pmdOrder ? m.pageSize * 2 ** m.arch.pmdOrder : 0;
}

/**
 * get_unmapped_area(): the highest gap below mmap_base that fits (vm_unmapped_area, top-down).
 * Anonymous mappings whose length is a multiple of PMD_SIZE are placed PMD-aligned
 * (__thp_get_unmapped_area: ask for len + PMD_SIZE, then align up). Returns -1 if nothing fits.
 */
export function getUnmappedArea(m: Machine, mm: MmStruct, len: number): number {
  const pmd = pmdSize(m);
  const thp = pmd > 0 && len % pmd === 0;
  const want = thp ? len + pmd : len;
  let high = mm.mmapBase;
  const low = 0x10000; // mmap_min_addr
  for (let i = mm.vmas.length - 1; i >= -1; i--) {
    const v = mm.vmas[i];
    const gapStart = v ? v.end : low;
    if (v && v.start >= high) continue;
    const gapEnd = high;
    if (gapEnd - gapStart >= want) {
      let addr = gapEnd - want;
      if (thp) addr += (pmd - (addr % pmd)) % pmd;
      return addr;
    }
    if (v) high = Math.min(high, v.start);
  }
  return -1;
}

function mergeable(a: Vma, b: Vma, pageSize: number): boolean {
  if (a.end !== b.start || a.flags !== b.flags || a.shmem !== b.shmem) return false;
  if (a.shmem && a.pgoff + (a.end - a.start) / pageSize !== b.pgoff) return false;
  // is_mergeable_anon_vma(): at most one of them has an anon_vma, or it is the same one.
  return !a.anonVma || !b.anonVma || a.anonVma === b.anonVma;
}

/** vma_merge(): join neighbours that touch and agree on flags and backing object. */
function mergeVmas(mm: MmStruct, pageSize: number): void {
  const out: Vma[] = [];
  for (const v of mm.vmas) {
    const prev = out[out.length - 1];
    if (prev && mergeable(prev, v, pageSize)) {
      prev.end = v.end;
      prev.anonVma = prev.anonVma || v.anonVma;
      if (v.shmem) v.shmem.users--;
    } else out.push(v);
  }
  mm.vmas = out;
}

/** Split VMAs so that `addr` is a boundary (__split_vma). */
function splitAt(mm: MmStruct, addr: number, pageSize: number): void {
  const v = findVma(mm, addr);
  if (!v || v.start === addr) return;
  const tail: Vma = { ...v, start: addr, pgoff: v.pgoff + (addr - v.start) / pageSize };
  if (v.shmem) v.shmem.users++;
  v.end = addr;
  mm.vmas.splice(mm.vmas.indexOf(v) + 1, 0, tail);
}

export interface MmapResult {
  addr: number;
  error?: string;
}

/**
 * mmap(NULL or fixed, len, prot, MAP_PRIVATE|MAP_ANONYMOUS or MAP_SHARED|MAP_ANONYMOUS
 * [|MAP_POPULATE] [|MAP_FIXED_NOREPLACE]). `fixed` (page-aligned) asks for that exact address.
 */
export function doMmap(
  m: Machine,
  task: Task,
  len: number,
  prot: Prot,
  shared: boolean,
  populate: boolean,
  cpu: number,
  fixed?: number,
): MmapResult {
  return m.trace.call('do_mmap', () => {
    const mm = task.mm!;
    const ps = m.pageSize;
    len = Math.ceil(len / ps) * ps;
    if (len <= 0) return { addr: -1, error: 'EINVAL: length 0' };
    let addr: number;
    if (fixed !== undefined) {
      if (fixed % ps || fixed < 0x10000 || fixed + len > m.pgtableArch.taskSize)
        return { addr: -1, error: `EINVAL: address 0x${fixed.toString(16)}` };
      if (mm.vmas.some((v) => v.start < fixed + len && v.end > fixed))
        return { addr: -1, error: 'EEXIST: the range is already mapped (MAP_FIXED_NOREPLACE)' };
      addr = fixed;
    } else addr = m.trace.call('get_unmapped_area', () => getUnmappedArea(m, mm, len));
    if (addr < 0) return { addr: -1, error: 'ENOMEM: no room in the address space' };
    let flags = protToVmFlags(prot) | VM.MAYREAD | VM.MAYWRITE | VM.MAYEXEC;
    if (shared) flags |= VM.SHARED | VM.MAYSHARE;
    else if (flags & VM.WRITE) flags |= VM.ACCOUNT; // private writable memory is charged to overcommit
    const vma: Vma = {
      start: addr,
      end: addr + len,
      flags,
      pageProt: vmGetPageProt(flags),
      pgoff: 0,
      anonVma: 0,
      shmem: null,
    };
    if (shared) {
      vma.shmem = shmemZeroSetup(m, len);
      vma.shmem.users = 1;
    }
    mm.vmas.push(vma);
    mm.vmas.sort((a, b) => a.start - b.start);
    mergeVmas(mm, m.pageSize);
    mm.totalVm += len / ps;
    mm.hiwaterVm = Math.max(mm.hiwaterVm, mm.totalVm);
    if (populate) {
      // __mm_populate(): fault everything in; private writable memory with write faults, to break COW.
      const write = (flags & (VM.WRITE | VM.SHARED)) === VM.WRITE;
      const r = populateRange(m, task, addr, addr + len, write, cpu);
      if (r !== 'ok') return { addr, error: r };
    }
    return { addr };
  });
}

/** Remove [start, end) from the address space: munmap and exit. */
export function doMunmap(m: Machine, task: Task, start: number, end: number, cpu: number): void {
  m.trace.call('do_vmi_munmap', () => {
    const mm = task.mm!;
    const ps = m.pageSize;
    splitAt(mm, start, ps);
    splitAt(mm, end, ps);
    const gone = mm.vmas.filter((v) => v.start >= start && v.end <= end);
    if (!gone.length) return;
    // update_hiwater_rss(): remember the peak before it drops
    mm.hiwaterRss = Math.max(mm.hiwaterRss, mm.rss[0]! + mm.rss[1]! + mm.rss[3]!);
    for (const v of gone) zapRange(m, task, mm, v.start, v.end, cpu);
    mm.vmas = mm.vmas.filter((v) => !gone.includes(v));
    for (const v of gone) {
      mm.totalVm -= (v.end - v.start) / ps;
      if (v.shmem && --v.shmem.users === 0) shmemRelease(m, v.shmem, cpu);
    }
    freePgtables(m, mm, start, end, cpu);
  });
}

const E: RawEntry = { lo: 0, hi: 0 };

/**
 * mprotect(): new flags on [start, end), then change_protection() on the present PTEs. Exclusive
 * anonymous pages become writable at once when write permission comes back
 * (MM_CP_TRY_CHANGE_WRITABLE), so they do not fault again; the zero page and shared pages stay
 * read-only until a write faults.
 */
/** split_huge_pmd_if_needed(): split the huge PMD mapping `addr` unless addr is PMD-aligned. */
function splitHugePmdAt(m: Machine, task: Task, addr: number): void {
  const mm = task.mm!;
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const span = 2 ** arch.levelShift[last - 1]!;
  if (addr % span === 0) return;
  const v = findVma(mm, addr);
  if (!v || walkTable(m, mm, addr) !== WALK_HUGE) return;
  splitHugePmd(
    m,
    task,
    v,
    addr - (addr % span),
    walkTable(m, mm, addr, last - 1),
    pgtableIndex(arch, addr, last - 1),
  );
}

export function doMprotect(
  m: Machine,
  task: Task,
  start: number,
  end: number,
  prot: Prot,
): string | undefined {
  return m.trace.call('do_mprotect_pkey', () => {
    const mm = task.mm!;
    const ps = m.pageSize;
    // Every page of the range must be mapped, or mprotect fails with ENOMEM.
    for (let a = start; a < end;) {
      const v = findVma(mm, a);
      if (!v) return 'ENOMEM';
      a = v.end;
    }
    // __split_vma() → vma_adjust_trans_huge(): a huge PMD across the new boundary is split first,
    // while the VMA still has its old protection, so the PTEs outside the range keep it.
    splitHugePmdAt(m, task, start);
    splitHugePmdAt(m, task, end);
    splitAt(mm, start, ps);
    splitAt(mm, end, ps);
    const arch = m.pgtableArch;
    const last = arch.levels - 1;
    for (const v of mm.vmas) {
      if (v.start < start || v.end > end) continue;
      let newFlags = (v.flags & ~(VM.READ | VM.WRITE | VM.EXEC)) | protToVmFlags(prot);
      // mprotect_fixup(): making private memory writable charges it (VM_ACCOUNT); making an
      // anonymous VMA that never held a page read-only gives the charge back.
      if (newFlags & VM.WRITE) {
        if (!(v.flags & (VM.ACCOUNT | VM.WRITE | VM.SHARED | VM.NORESERVE))) newFlags |= VM.ACCOUNT;
      } else if (v.flags & VM.ACCOUNT && !v.shmem && !v.anonVma) newFlags &= ~VM.ACCOUNT;
      v.flags = newFlags;
      v.pageProt = vmGetPageProt(v.flags);
      const tryWritable = (v.flags & (VM.WRITE | VM.SHARED)) === VM.WRITE;
      m.trace.call('change_protection', () => {
        for (let a = v.start; a < v.end; a += ps) {
          let table = walkTable(m, mm, a);
          if (table === WALK_HUGE) {
            // change_huge_pmd(): the VMA covers whole PMDs here (mprotect split the VMA, and a
            // huge PMD never straddles a VMA boundary once split below)
            const span = 2 ** arch.levelShift[last - 1]!;
            const haddr = a - (a % span);
            const pmdTable = walkTable(m, mm, a, last - 1);
            const pmdIdx = pgtableIndex(arch, a, last - 1);
            if (haddr < v.start || haddr + span > v.end) {
              splitHugePmd(m, task, v, haddr, pmdTable, pmdIdx);
              table = walkTable(m, mm, a);
            } else {
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
            a = (Math.floor(a / 2 ** arch.levelShift[last - 1]!) + 1) * 2 ** arch.levelShift[last - 1]! - ps;
            continue;
          }
          const idx = pgtableIndex(arch, a, last);
          readEntry(m, table, idx, E, last);
          if (arch.isNone(E, last)) continue;
          const old = arch.flags(E, last);
          const keep = old & (PTE.DIRTY | PTE.SPECIAL | PTE.SOFT_DIRTY);
          let f = v.pageProt | keep | (old & PTE.YOUNG);
          if (old & PTE.WRITE && v.flags & VM.SHARED && v.flags & VM.WRITE) f |= PTE.WRITE;
          if (tryWritable && f & PTE.PRESENT) {
            const page = vmNormalPage(m, E, last);
            if (page >= 0 && m.pages.flags[page]! & PG.anonExclusive) f |= PTE.WRITE;
          }
          arch.mkLeaf(arch.pfn(E), f, last, E);
          writeEntry(m, table, idx, E, last);
        }
        // change_protection() → flush_tlb_range()
        flushTlbMmRange(m, mm, v.start, v.end);
      });
    }
    mergeVmas(mm, m.pageSize);
    return undefined;
  });
}

export type Advice = 'dontneed' | 'populate_read' | 'populate_write' | 'hugepage' | 'nohugepage';

/** madvise(). Returns an errno name on failure. */
export function doMadvise(
  m: Machine,
  task: Task,
  start: number,
  end: number,
  advice: Advice,
  cpu: number,
): string | undefined {
  return m.trace.call('do_madvise', () => {
    const mm = task.mm!;
    for (let a = start; a < end;) {
      const v = findVma(mm, a);
      if (!v) return 'ENOMEM';
      a = v.end;
    }
    switch (advice) {
      case 'dontneed':
        // zap_page_range_single(): the pages go, the page tables stay (VmPTE does not shrink).
        mm.hiwaterRss = Math.max(mm.hiwaterRss, mm.rss[0]! + mm.rss[1]! + mm.rss[3]!);
        for (const v of mm.vmas) {
          const s = Math.max(v.start, start);
          const e = Math.min(v.end, end);
          if (s < e) {
            zapRange(m, task, mm, s, e, cpu);
            reclaimEmptyPteTables(m, mm, s, e, cpu);
          }
        }
        return undefined;
      case 'populate_read':
      case 'populate_write': {
        const write = advice === 'populate_write';
        for (const v of mm.vmas) {
          if (v.end <= start || v.start >= end) continue;
          if (!(v.flags & (VM.READ | VM.WRITE))) return 'ENOMEM';
          if (write && !(v.flags & VM.WRITE)) return 'EFAULT';
        }
        const r = populateRange(m, task, start, end, write, cpu);
        return r === 'ok' ? undefined : r;
      }
      case 'hugepage':
      case 'nohugepage': {
        const ps = m.pageSize;
        splitAt(mm, start, ps);
        splitAt(mm, end, ps);
        for (const v of mm.vmas) {
          if (v.start < start || v.end > end) continue;
          if (advice === 'hugepage') v.flags = (v.flags | VM.HUGEPAGE) & ~VM.NOHUGEPAGE;
          else v.flags = (v.flags | VM.NOHUGEPAGE) & ~VM.HUGEPAGE;
        }
        mergeVmas(mm, m.pageSize);
        return undefined;
      }
    }
  });
}

/**
 * populate via GUP (faultin_page): every page not yet mapped (or, for a write, not yet writable)
 * gets a fault through handle_mm_fault, which counts it in pgfault and the task's min_flt.
 */
export function populateRange(
  m: Machine,
  task: Task,
  start: number,
  end: number,
  write: boolean,
  cpu: number,
): FaultResult | 'ok' {
  return m.trace.call('populate_vma_page_range', () => {
    const mm = task.mm!;
    const arch = m.pgtableArch;
    const last = arch.levels - 1;
    const ps = m.pageSize;
    for (let a = start; a < end; a += ps) {
      const v = findVma(mm, a);
      if (!v) continue;
      const table = walkTable(m, mm, a);
      if (table >= 0 || table === WALK_HUGE) {
        const level = table === WALK_HUGE ? last - 1 : last;
        readEntry(
          m,
          table === WALK_HUGE ? walkTable(m, mm, a, last - 1) : table,
          pgtableIndex(arch, a, level),
          E,
          level,
        );
        const f = arch.flags(E, level);
        if (f & PTE.PRESENT && (!write || f & PTE.WRITE)) continue; // follow_page_pte() found it
      }
      let r = handleMmFault(m, task, v, a, write, cpu);
      // The page allocator's __alloc_pages_may_oom() runs for GUP's faults as for a user's: kill
      // a process and retry, until this one is the victim or nothing is left to kill.
      while (r === 'oom') {
        const victim = outOfMemory(m, task.comm, GFP_MASKS['GFP_HIGHUSER_MOVABLE']! | GFP.__GFP_ZERO, 0, cpu);
        if (!victim || victim === task) return r;
        r = handleMmFault(m, task, v, a, write, cpu);
      }
      if (r !== 'ok') return r;
    }
    return 'ok';
  });
}
