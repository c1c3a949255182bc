/**
 * /proc/<pid>/status, stat, maps, smaps and smaps_rollup (fs/proc/array.c, fs/proc/task_mmu.c), in
 * the kernel's formats. A process here has only what the scenario mapped plus its [stack]; fields
 * about things the model does not have (credentials, signals, CPU time) print fixed values.
 */
import { PTE } from '../arch/pgtable.ts';
import type { Machine } from '../machine.ts';
import { forEachPte } from '../mm/memory.ts';
import { swapCount, swapInfo, swpOffset } from '../mm/swapfile.ts';
import { isSwapPte, pteToSwpEntry } from '../mm/swapops.ts';
import {
  MM_ANONPAGES,
  MM_FILEPAGES,
  MM_SHMEMPAGES,
  MM_SWAPENTS,
  VM,
  VM_FLAG_MNEMONICS,
  DEV_ZERO_DEV,
  DEV_ZERO_INO,
  type MmStruct,
  type Task,
  type Vma,
} from '../mm/mm_types.ts';
import { vmaIsInitialHeap } from '../mm/brk.ts';
import { PG } from '../phys/page.ts';
import { compoundHead, hpageSize, thpVmaAllowable } from '../mm/huge_memory.ts';

/** THPeligible: THP is allowed for the VMA and a whole PMD fits inside it somewhere. */
function thpEligible(m: Machine, v: Vma): number {
  if (!m.arch.pmdOrder) return 0;
  const size = hpageSize(m);
  const first = Math.ceil(v.start / size) * size;
  return first + size <= v.end && thpVmaAllowable(m, v, first) ? 1 : 0;
}

const hex = (n: number) => n.toString(16).padStart(8, '0');

function kb(m: Machine, pages: number): number {
  return (pages * m.pageSize) / 1024;
}

function statusLine(name: string, kbv: number): string {
  return `${name}:\t${String(kbv).padStart(8)} kB\n`;
}

export function procStatus(m: Machine, t: Task): string {
  const state = t.state === 'R' ? 'R (running)' : 'Z (zombie)';
  let out =
    `Name:\t${t.comm}\nUmask:\t0022\nState:\t${state}\nTgid:\t${t.tgid}\nNgid:\t0\nPid:\t${t.pid}\nPPid:\t${t.ppid}\nTracerPid:\t0\n` +
    `Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t \nNStgid:\t${t.tgid}\nNSpid:\t${t.pid}\nNSpgid:\t${t.tgid}\nNSsid:\t${t.tgid}\nKthread:\t0\n`;
  const mm = t.mm;
  if (mm) {
    const anon = mm.rss[MM_ANONPAGES]!;
    const file = mm.rss[MM_FILEPAGES]!;
    const shmem = mm.rss[MM_SHMEMPAGES]!;
    const rss = anon + file + shmem;
    let data = 0;
    let stk = 0;
    let exec = 0;
    for (const v of mm.vmas) {
      const pages = (v.end - v.start) / m.pageSize;
      if (v.flags & VM.GROWSDOWN) stk += pages;
      else if ((v.flags & (VM.WRITE | VM.SHARED)) === VM.WRITE) data += pages;
      // is_exec_mapping(): executable, not writable, not the stack (mm->exec_vm)
      else if ((v.flags & (VM.EXEC | VM.WRITE)) === VM.EXEC) exec += pages;
    }
    out +=
      statusLine('VmPeak', kb(m, Math.max(mm.hiwaterVm, mm.totalVm))) +
      statusLine('VmSize', kb(m, mm.totalVm)) +
      statusLine('VmLck', kb(m, mm.lockedVm)) +
      statusLine('VmPin', 0) +
      statusLine('VmHWM', kb(m, Math.max(mm.hiwaterRss, rss))) +
      statusLine('VmRSS', kb(m, rss)) +
      statusLine('RssAnon', kb(m, anon)) +
      statusLine('RssFile', kb(m, file)) +
      statusLine('RssShmem', kb(m, shmem)) +
      statusLine('VmData', kb(m, data)) +
      statusLine('VmStk', kb(m, stk)) +
      statusLine('VmExe', 0) +
      // task_mem(): text is the program image's code (none here), VmLib the rest of exec_vm
      statusLine('VmLib', kb(m, exec)) +
      statusLine('VmPTE', mm.pgtablesBytes / 1024) +
      statusLine('VmSwap', kb(m, mm.rss[MM_SWAPENTS]!)) +
      statusLine('HugetlbPages', 0) +
      `CoreDumping:\t0\nTHP_enabled:\t${m.cfg.thp === 'never' ? 0 : 1}\nuntag_mask:\t0xffffffffffffffff\n`;
  }
  out +=
    `Threads:\t${threadGroup(m, t).filter((x) => x.state === 'R').length || 1}\nSigQ:\t0/96365\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\nSigBlk:\t0000000000000000\n` +
    `SigIgn:\t0000000000000000\nSigCgt:\t0000000000000000\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\n` +
    `CapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\n` +
    `Seccomp_filters:\t0\nSpeculation_Store_Bypass:\tvulnerable\nSpeculationIndirectBranch:\talways enabled\n` +
    `Cpus_allowed:\t${((1 << m.cfg.cpus) - 1).toString(16)}\nCpus_allowed_list:\t0-${m.cfg.cpus - 1}\nMems_allowed:\t1\nMems_allowed_list:\t0\n` +
    `voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n`;
  return out;
}

/** The tasks of t's thread group (its process), t's own included. */
function threadGroup(m: Machine, t: Task): Task[] {
  return [...m.tasks.values()].filter((x) => x.tgid === t.tgid);
}

/**
 * /proc/<pid>/stat: 52 space-separated fields; minflt is field 10. The fault counts are the whole
 * thread group's (do_task_stat with whole = 1, as /proc/<pid>/ shows any of its threads).
 */
export function procStat(m: Machine, t: Task): string {
  const group = threadGroup(m, t);
  const minflt = group.reduce((n, x) => n + x.minflt, 0);
  const majflt = group.reduce((n, x) => n + x.majflt, 0);
  const mm = t.mm;
  const vsize = mm ? mm.totalVm * m.pageSize : 0;
  const rss = mm ? mm.rss[MM_ANONPAGES]! + mm.rss[MM_FILEPAGES]! + mm.rss[MM_SHMEMPAGES]! : 0;
  const f = [
    t.pid,
    `(${t.comm})`,
    t.state,
    t.ppid,
    t.tgid,
    t.tgid,
    0,
    -1,
    0,
    minflt,
    0,
    majflt,
    0,
    0,
    0,
    0,
    0,
    20,
    0,
    1,
    0,
    0,
    vsize,
    rss,
    '18446744073709551615',
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    17,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    t.state === 'Z' ? t.exitCode : 0,
  ];
  return f.join(' ') + '\n';
}

function perms(v: Vma): string {
  return (
    (v.flags & VM.READ ? 'r' : '-') +
    (v.flags & VM.WRITE ? 'w' : '-') +
    (v.flags & VM.EXEC ? 'x' : '-') +
    (v.flags & VM.MAYSHARE ? 's' : 'p')
  );
}

/** show_vma_header_prefix() + the name padded to column 73. */
/**
 * The name show_map_vma() prints for a VMA: the shmem object of MAP_SHARED anonymous memory, the
 * file of a private /dev/zero mapping, [stack] (arch_vma_name's special names), [heap]; else none.
 */
export function vmaName(mm: MmStruct, v: Vma): string | undefined {
  if (v.shmem) return v.shmem.path ?? '/dev/zero (deleted)';
  return v.file ?? v.name ?? (vmaIsInitialHeap(mm, v) ? '[heap]' : undefined);
}

function mapsLine(mm: MmStruct, v: Vma, pageSize: number): string {
  // a disk file's device: the emulated disk as the first virtio disk (vda, 253:0) would print
  const dev = v.shmem?.kind === 'disk' ? 'fd:00' : v.shmem ? '00:01' : v.file ? DEV_ZERO_DEV : '00:00';
  const ino = v.shmem ? v.shmem.ino : v.file ? DEV_ZERO_INO : 0;
  // show_map_vma(): the offset comes from vm_pgoff only for a file mapping (shmem has one, and so
  // has a private /dev/zero mapping); anonymous memory always prints 00000000, however mprotect or
  // munmap split it
  const off = v.shmem || v.file ? v.pgoff * pageSize : 0;
  const head = `${hex(v.start)}-${hex(v.end)} ${perms(v)} ${hex(off)} ${dev} ${ino} `;
  const name = vmaName(mm, v);
  return name ? head.padEnd(73) + name + '\n' : head + '\n';
}

export function procMaps(m: Machine, t: Task): string {
  const mm = t.mm;
  return mm ? mm.vmas.map((v) => mapsLine(mm, v, m.pageSize)).join('') : '';
}

/** struct mem_size_stats: what smaps_pte_entry() accumulates. pss values are bytes << PSS_SHIFT. */
interface Mss {
  resident: number;
  sharedClean: number;
  sharedDirty: number;
  privateClean: number;
  privateDirty: number;
  referenced: number;
  anonymous: number;
  pss: number;
  pssDirty: number;
  pssAnon: number;
  lazyfree: number;
  pssFile: number;
  pssShmem: number;
  anonHuge: number;
  swap: number;
  swapPss: number;
  /** pss of the pages of VM_LOCKED VMAs (smaps_page_accumulate's pss_locked) */
  pssLocked: number;
  /** KSM pages mapped (smaps' KSM line) */
  ksm: number;
}

const PSS_SHIFT = 12;

function emptyMss(): Mss {
  return {
    resident: 0,
    sharedClean: 0,
    sharedDirty: 0,
    privateClean: 0,
    privateDirty: 0,
    referenced: 0,
    anonymous: 0,
    pss: 0,
    pssDirty: 0,
    pssAnon: 0,
    lazyfree: 0,
    pssFile: 0,
    pssShmem: 0,
    anonHuge: 0,
    swap: 0,
    swapPss: 0,
    pssLocked: 0,
    ksm: 0,
  };
}

/** smaps_pte_range(): pages with no struct page behind them (the zero page) are not counted. */
function accountVma(m: Machine, t: Task, v: Vma, mss: Mss): void {
  const ps = m.pageSize;
  const last = m.pgtableArch.levels - 1;
  forEachPte(m, t.mm!, v.start, v.end, (_va, e, page, level) => {
    if (page < 0) {
      // smaps_pte_entry() on a swap PTE: Swap, and SwapPss shared by the PTEs holding the slot
      if (level === last && m.swap.totalSwapPages && isSwapPte(m, e)) {
        const key = pteToSwpEntry(m, e);
        const count = swapCount(swapInfo(m, key).swapMap[swpOffset(key)]!);
        mss.swap += ps;
        mss.swapPss += count >= 2 ? Math.floor((ps << PSS_SHIFT) / count) : ps << PSS_SHIFT;
      }
      return;
    }
    const f = m.pgtableArch.flags(e, level);
    // smaps_pmd_entry(): a PMD-mapped THP counts in AnonHugePages. Either way smaps_account()
    // takes folio_precise_page_mapcount(): the page's own PTE mappings plus the folio's PMD
    // mappings, so a PTE-mapped page of a THP another mm still maps with a PMD is shared.
    const head = compoundHead(m, page);
    if (level < last) mss.anonHuge += ps;
    const flags = m.pages.flags[page]!;
    const dirty = (f & PTE.DIRTY) !== 0 || (flags & PG.dirty) !== 0;
    const young = (f & PTE.YOUNG) !== 0 || (flags & PG.referenced) !== 0;
    const mapcount = m.pages.mapcount[page]! + 1 + (m.entireMapcount.get(head) ?? -1) + 1;
    const anon = (flags & PG.anon) !== 0;
    mss.resident += ps;
    if (young) mss.referenced += ps;
    if (anon) mss.anonymous += ps;
    if (flags & PG.ksm) mss.ksm += ps; // smaps_account(): folio_test_ksm()
    // a lazyfree folio (MADV_FREE, not written since): reclaim may discard it
    if (anon && !(flags & PG.swapbacked) && !dirty) mss.lazyfree += ps;
    const pss = mapcount >= 2 ? Math.floor((ps << PSS_SHIFT) / mapcount) : ps << PSS_SHIFT;
    if (mapcount >= 2) {
      if (dirty) mss.sharedDirty += ps;
      else mss.sharedClean += ps;
    } else if (dirty) mss.privateDirty += ps;
    else mss.privateClean += ps;
    mss.pss += pss;
    if (v.flags & VM.LOCKED) mss.pssLocked += pss;
    if (dirty) mss.pssDirty += pss;
    if (anon) mss.pssAnon += pss;
    else if (flags & PG.swapbacked) mss.pssShmem += pss;
    else mss.pssFile += pss;
  });
}

const smapsField = (name: string, kbv: number) => `${(name + ':').padEnd(16)}${String(kbv).padStart(8)} kB\n`;

function mssLines(mss: Mss, rollup: boolean): string {
  const k = (b: number) => Math.floor(b / 1024);
  const p = (b: number) => Math.floor(b / 1024 / 2 ** PSS_SHIFT);
  let out =
    smapsField('Rss', k(mss.resident)) +
    smapsField('Pss', p(mss.pss)) +
    smapsField('Pss_Dirty', p(mss.pssDirty));
  if (rollup)
    out +=
      smapsField('Pss_Anon', p(mss.pssAnon)) +
      smapsField('Pss_File', p(mss.pssFile)) +
      smapsField('Pss_Shmem', p(mss.pssShmem));
  out +=
    smapsField('Shared_Clean', k(mss.sharedClean)) +
    smapsField('Shared_Dirty', k(mss.sharedDirty)) +
    smapsField('Private_Clean', k(mss.privateClean)) +
    smapsField('Private_Dirty', k(mss.privateDirty)) +
    smapsField('Referenced', k(mss.referenced)) +
    smapsField('Anonymous', k(mss.anonymous)) +
    smapsField('KSM', k(mss.ksm)) +
    smapsField('LazyFree', k(mss.lazyfree)) +
    smapsField('AnonHugePages', k(mss.anonHuge)) +
    smapsField('ShmemPmdMapped', 0) +
    smapsField('FilePmdMapped', 0) +
    smapsField('Shared_Hugetlb', 0) +
    smapsField('Private_Hugetlb', 0) +
    smapsField('Swap', k(mss.swap)) +
    smapsField('SwapPss', p(mss.swapPss)) +
    smapsField('Locked', p(mss.pssLocked));
  return out;
}

export function procSmaps(m: Machine, t: Task): string {
  if (!t.mm) return '';
  let out = '';
  for (const v of t.mm.vmas) {
    const mss = emptyMss();
    accountVma(m, t, v, mss);
    out += mapsLine(t.mm, v, m.pageSize);
    out +=
      smapsField('Size', (v.end - v.start) / 1024) +
      smapsField('KernelPageSize', m.pageSize / 1024) +
      smapsField('MMUPageSize', m.pageSize / 1024);
    out += mssLines(mss, false);
    out += `${'THPeligible:'.padEnd(16)}${String(thpEligible(m, v)).padStart(8)}\n`;
    out += `VmFlags: ${VM_FLAG_MNEMONICS.filter(([bit]) => v.flags & bit)
      .map(([, s]) => s + ' ')
      .join('')}\n`;
  }
  return out;
}

export function procSmapsRollup(m: Machine, t: Task): string {
  const mm = t.mm;
  if (!mm || !mm.vmas.length) return '';
  const mss = emptyMss();
  for (const v of mm.vmas) accountVma(m, t, v, mss);
  const first = mm.vmas[0]!.start;
  const lastEnd = mm.vmas[mm.vmas.length - 1]!.end;
  return (
    `${hex(first)}-${hex(lastEnd)} ---p 00000000 00:00 0 `.padEnd(73) + '[rollup]\n' + mssLines(mss, true)
  );
}
