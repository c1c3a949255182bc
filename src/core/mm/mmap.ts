/**
 * Address spaces (mm/mmap.c, mm/vma.c): VMAs, mmap's top-down search below mmap_base, VMA split
 * (with the huge-PMD split a new boundary needs) and merge, munmap. mprotect is in mprotect.ts,
 * madvise in madvise.ts, populate (GUP) in gup.ts; they are re-exported here.
 */
import type { Prot } from '../shared/prot.ts';
import { modPow2, PTE, pgtableIndex } from '../arch/pgtable.ts';
import type { Machine } from '../machine.ts';
import { freePgtables, zapRange } from './memory.ts';
import { VM, type MmStruct, type ShmemFile, type Task, type Vma } from './mm_types.ts';
import { walkTable, WALK_HUGE } from './pgtable.ts';
import { splitHugePmd } from './huge_memory.ts';
import { mmPopulate } from './gup.ts';
import type { Errno } from './errno.ts';
import { shmemRelease, shmemZeroSetup } from './shmem.ts';

export type { Prot } from '../shared/prot.ts';

/** PROT_* → VM_READ/VM_WRITE/VM_EXEC (calc_vm_prot_bits; VM_MAY* are added by the caller). */
export function protToVmFlags(prot: Prot): number {
  return (
    (prot.includes('r') ? VM.READ : 0) |
    (prot.includes('w') ? VM.WRITE : 0) |
    (prot.includes('x') ? VM.EXEC : 0)
  );
}

/**
 * vm_get_page_prot(): x86's protection_map. A private writable mapping gets PAGE_COPY — no write
 * bit — so that the first write faults and can copy; only shared writable mappings get PAGE_SHARED.
 * VM_EXEC drops NX (the _EXEC variants: PAGE_READONLY_EXEC, PAGE_COPY_EXEC, PAGE_SHARED_EXEC).
 */
export function vmGetPageProt(flags: number): number {
  const base = PTE.PRESENT | PTE.USER | PTE.YOUNG | (flags & VM.EXEC ? 0 : PTE.NX);
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
 * (__thp_get_unmapped_area: ask for len + PMD_SIZE, then align up). A private /dev/zero mapping
 * (`devZeroOff`: its file offset in bytes) goes through get_unmapped_area_zero →
 * thp_get_unmapped_area, which aligns the address to the offset modulo PMD_SIZE whenever the
 * mapping covers a whole PMD-aligned stretch of the file (off_end - round_up(off, PMD_SIZE) >=
 * PMD_SIZE), whatever its length: on this machine class 2 MiB + 4 KiB and 3 MiB mappings of
 * /dev/zero came back 2 MiB-aligned, anonymous ones of those lengths did not. Returns -1 if
 * nothing fits.
 */
export function getUnmappedArea(m: Machine, mm: MmStruct, len: number, devZeroOff?: number): number {
  const pmd = pmdSize(m);
  let thp = pmd > 0 && len % pmd === 0;
  let off = 0;
  if (devZeroOff !== undefined && pmd > 0) {
    off = devZeroOff;
    const offAlign = Math.ceil(off / pmd) * pmd;
    thp = off + len > offAlign && off + len - offAlign >= pmd;
  }
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
      // the address is congruent to off modulo PMD_SIZE: off_sub = (off - ret) & (size - 1)
      if (thp) addr += (((off - addr) % pmd) + pmd) % pmd;
      return addr;
    }
    if (v) high = Math.min(high, v.start);
  }
  return -1;
}

function mergeable(a: Vma, b: Vma, pageSize: number): boolean {
  if (a.end !== b.start || a.flags !== b.flags || a.shmem !== b.shmem || a.file !== b.file) return false;
  // a file mapping merges only where the file offsets continue (vma_merge's pgoff check)
  if ((a.shmem || a.file) && a.pgoff + (a.end - a.start) / pageSize !== b.pgoff) return false;
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

/** find_vma_intersection() / vma_find(): the first VMA that ends above `start` and begins below `end`. */
export function vmaFind(mm: MmStruct, start: number, end: number): Vma | undefined {
  const v = mm.vmas;
  let lo = 0;
  let hi = v.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v[mid]!.end <= start) lo = mid + 1;
    else hi = mid;
  }
  const x = v[lo];
  return x && x.start < end ? x : undefined;
}

/**
 * vma_adjust_trans_huge() → split_huge_pmd_if_needed(): a huge PMD that a new VMA boundary at
 * `addr` would cut is split first, while the VMA still has its old flags, so that no huge PMD
 * ever straddles two VMAs (fork, zap and mprotect walk one VMA at a time and would each take the
 * whole PMD).
 */
function vmaAdjustTransHuge(m: Machine, task: Task, addr: number): void {
  const mm = task.mm!;
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const span = 2 ** arch.levelShift[last - 1]!;
  if (modPow2(addr, span) === 0) return;
  const v = findVma(mm, addr);
  if (!v || walkTable(m, mm, addr) !== WALK_HUGE) return;
  splitHugePmd(
    m,
    task,
    v,
    addr - modPow2(addr, span),
    walkTable(m, mm, addr, last - 1),
    pgtableIndex(arch, addr, last - 1),
  );
}

/** __split_vma(): make `addr` a VMA boundary (splitting a huge PMD across it first). */
export function splitVma(m: Machine, task: Task, addr: number): void {
  const mm = task.mm!;
  const v = findVma(mm, addr);
  if (!v || v.start === addr) return;
  vmaAdjustTransHuge(m, task, addr);
  const tail: Vma = { ...v, start: addr, pgoff: v.pgoff + (addr - v.start) / m.pageSize };
  if (v.shmem) v.shmem.users++;
  v.end = addr;
  mm.vmas.splice(mm.vmas.indexOf(v) + 1, 0, tail);
}

/** vma_merge() over the whole address space: join neighbours that agree (vma_modify_flags' merge). */
export function mergeAllVmas(m: Machine, mm: MmStruct): void {
  mergeVmas(mm, m.pageSize);
}

export interface MmapResult {
  addr: number;
  error?: string;
}

/**
 * mmap(NULL or fixed, len, prot, MAP_PRIVATE|MAP_ANONYMOUS or MAP_SHARED|MAP_ANONYMOUS
 * [|MAP_POPULATE] [|MAP_FIXED_NOREPLACE] [|MAP_LOCKED]). `fixed` (page-aligned) asks for that exact
 * address. MAP_LOCKED makes the VMA VM_LOCKED (mm->locked_vm grows: __mmap_complete) and populates
 * it as MAP_POPULATE does, errors ignored (do_mmap sets *populate for VM_LOCKED).
 * `devZero` maps /dev/zero instead (at file offset `devZero.pgoff` pages): private, that is
 * anonymous memory whose VMA keeps the file (mmap_zero → vma_set_anonymous); shared, it is exactly
 * MAP_SHARED|MAP_ANONYMOUS (shmem_zero_setup), and the offset is not modelled.
 * `file` maps a named file (mm/filemap.ts) from page `file.pgoff`: its page cache behind the VMA.
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
  locked = false,
  devZero?: { pgoff: number },
  file?: { f: ShmemFile; pgoff: number },
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
    } else
      addr = m.trace.call('get_unmapped_area', () =>
        getUnmappedArea(m, mm, len, !shared && devZero ? devZero.pgoff * ps : undefined),
      );
    if (addr < 0) return { addr: -1, error: 'ENOMEM: no room in the address space' };
    let flags = protToVmFlags(prot) | VM.MAYREAD | VM.MAYWRITE | VM.MAYEXEC;
    if (shared) flags |= VM.SHARED | VM.MAYSHARE;
    else if (flags & VM.WRITE) flags |= VM.ACCOUNT; // private writable memory is charged to overcommit
    if (locked) flags |= VM.LOCKED;
    flags |= mm.defFlags; // mlockall(MCL_FUTURE): VM_LOCKED, maybe VM_LOCKONFAULT
    const vma: Vma = {
      start: addr,
      end: addr + len,
      flags,
      pageProt: vmGetPageProt(flags),
      pgoff: 0,
      anonVma: 0,
      shmem: null,
    };
    if (devZero && !shared) {
      vma.file = '/dev/zero';
      vma.pgoff = devZero.pgoff;
    }
    if (file) {
      vma.shmem = file.f;
      vma.pgoff = file.pgoff;
      file.f.users++;
      // vma_wants_writenotify(): a shared writable mapping of a file that accounts dirty pages
      // (a disk file; not shmem) starts with read-only PTEs, so the first write faults and dirties
      if (shared && file.f.kind === 'disk') vma.pageProt = vmGetPageProt(flags & ~VM.SHARED);
    } else if (shared) {
      vma.shmem = shmemZeroSetup(m, len);
      vma.shmem.users = 1;
    }
    mm.vmas.push(vma);
    mm.vmas.sort((a, b) => a.start - b.start);
    mergeVmas(mm, m.pageSize);
    mm.totalVm += len / ps;
    mm.hiwaterVm = Math.max(mm.hiwaterVm, mm.totalVm);
    if (flags & VM.LOCKED) mm.lockedVm += len / ps; // __mmap_complete()
    if (populate || flags & VM.LOCKED) {
      // mm_populate(): errors are ignored (the mapping stays); only a fault that ran out of memory
      // is reported, so the runner can say why pages are missing.
      const r = mmPopulate(m, task, addr, len, cpu);
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
    splitVma(m, task, start);
    splitVma(m, task, end);
    const gone = mm.vmas.filter((v) => v.start >= start && v.end <= end);
    if (!gone.length) return;
    // update_hiwater_rss(): remember the peak before it drops
    mm.hiwaterRss = Math.max(mm.hiwaterRss, mm.rss[0]! + mm.rss[1]! + mm.rss[3]!);
    for (const v of gone) zapRange(m, task, mm, v.start, v.end, cpu);
    mm.vmas = mm.vmas.filter((v) => !gone.includes(v));
    for (const v of gone) {
      mm.totalVm -= (v.end - v.start) / ps;
      if (v.flags & VM.LOCKED) mm.lockedVm -= (v.end - v.start) / ps; // vms_complete_munmap_vmas()
      // a named file outlives its mappings (its pages stay cached); shared anonymous memory not
      if (v.shmem && --v.shmem.users === 0 && !v.shmem.path) shmemRelease(m, v.shmem, cpu);
    }
    freePgtables(m, mm, start, end, cpu);
  });
}

/**
 * SYSCALL_DEFINE2(munmap) → do_vmi_munmap(): the kernel's argument checks, then the unmap. An
 * unaligned start or a zero length is EINVAL and changes nothing; a range with no VMA in it
 * succeeds and changes nothing. Returns an errno name, or undefined.
 */
export function sysMunmap(
  m: Machine,
  task: Task,
  start: number,
  len: number,
  cpu: number,
): Errno | undefined {
  const taskSize = m.pgtableArch.taskSize;
  if (modPow2(start, m.pageSize) || start > taskSize || len > taskSize - start) return 'EINVAL';
  const end = start + pageAlign(m, len);
  if (end === start) return 'EINVAL';
  doMunmap(m, task, start, end, cpu);
  return undefined;
}

/** PAGE_ALIGN(): round a length up to whole pages. */
export function pageAlign(m: Machine, len: number): number {
  const r = modPow2(len, m.pageSize);
  return r ? len - r + m.pageSize : len;
}

export { doMprotect, sysMprotect } from './mprotect.ts';
export { doMadvise, sysMadvise, type Advice } from './madvise.ts';
