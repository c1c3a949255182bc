/**
 * The fault path and page-table teardown (mm/memory.c): handle_mm_fault, do_anonymous_page,
 * do_wp_page / wp_page_copy, the shmem fault (do_read_fault / do_shared_fault with fault-around),
 * zap_pte_range, copy_page_range for fork, and free_pgtables.
 */
import { flushTlbMmRange } from './tlb.ts';
import { modPow2, PTE, pgtableIndex, type RawEntry } from '../arch/pgtable.ts';
import type { Machine } from '../machine.ts';
import { Owner, PG } from '../phys/page.ts';
import { GFP, GFP_MASKS } from './gfp.ts';
import {
  MM_ANONPAGES,
  MM_FILEPAGES,
  MM_SHMEMPAGES,
  VM,
  type MmStruct,
  type ShmemFile,
  type Task,
  type Vma,
} from './mm_types.ts';
import {
  clearEntry,
  pgtableFree,
  readEntry,
  TableWords,
  walkAlloc,
  walkTable,
  writeEntry,
  WALK_HUGE,
} from './pgtable.ts';
import {
  copyHugePmd,
  doHugePmdAnonymousPage,
  hugePmdFault,
  isHugeZeroPfn,
  splitHugePmd,
  thpSupported,
  thpVmaAllowable,
  zapHugePmd,
} from './huge_memory.ts';
import {
  compoundHead,
  folioAddFileRmap,
  folioAddLru,
  folioAddLruVma,
  folioAddNewAnonRmap,
  folioGet,
  folioPut,
  folioRemoveRmap,
  lruAddDrainCpu,
} from './rmap.ts';
import { isKsmZeroPte, ksmCopyZeroPte, ksmMightUnmapZeroPage } from './ksm.ts';
import { mlockVmaFolio, munlockFolio, munlockVmaFolio } from './mlock.ts';
import { vmaFind } from './mmap.ts';
import { shmemGetFolio } from './shmem.ts';
import { filemapFault, filemapReadaheadMarked, fileNrPages, folioMarkDirty } from './filemap.ts';
import { vmstatItem } from './vmstat.ts';
import { walkCacheTable } from './walk_cache.ts';
import {
  freeSwapAndCache,
  freeSwapCache,
  swapDuplicate,
  swapEntryPut,
  swapInfo,
  swpOffset,
  swapCount,
  SWAP_HAS_CACHE,
} from './swapfile.ts';
import { addToSwapCache, deleteFromSwapCache, swapCacheFolio } from './swap_state.ts';
import { isSwapPte, mkSwapPte, pteSwpExclusive, pteToSwpEntry } from './swapops.ts';
import { swapReadFolio } from './page_io.ts';
import { MM_SWAPENTS } from './mm_types.ts';

/** vm_fault_t results this model produces. */
export type FaultResult = 'ok' | 'oom' | 'sigbus';

/** fault_around_bytes: 64 KiB, so a read fault on a file page may map up to 16 cached pages. */
export const FAULT_AROUND_PAGES = 16;

const E: RawEntry = { lo: 0, hi: 0 };
/** The empty entry the zap writes (arch.mkNone of the PTE level). */
const NONE: RawEntry = { lo: 0, hi: 0 };
const N: RawEntry = { lo: 0, hi: 0 };

export function addMmCounter(m: Machine, task: Task | null, mm: MmStruct, item: number, n: number): void {
  const before = mm.rss[item]!;
  mm.rss[item] = before + n;
  if (m.trace.on && task) m.trace.emit({ type: 'rss', pid: task.pid, item, before, after: before + n });
}

/** vm_normal_page(): the struct page behind a PTE, or -1 for special mappings (the zero page). */
export function vmNormalPage(m: Machine, e: RawEntry, level: number): number {
  const f = m.pgtableArch.flags(e, level);
  if (f & PTE.SPECIAL) return -1;
  const pfn = m.pgtableArch.pfn(e);
  // Arches without a special bit fall back to is_zero_pfn(); x86 has the bit, this is belt and braces.
  if (m.isZeroPfn(pfn)) return -1;
  return pfn;
}

const PGFAULT = vmstatItem('pgfault');

/** GFP for user pages: GFP_HIGHUSER_MOVABLE, zeroed for anonymous memory. */
const GFP_USER_ZERO = GFP_MASKS['GFP_HIGHUSER_MOVABLE']! | GFP.__GFP_ZERO;
const GFP_USER_PAGE = GFP_MASKS['GFP_HIGHUSER_MOVABLE']!;

/** FAULT_FLAG_* (include/linux/mm_types.h): what kind of fault this is. */
export const FAULT_FLAG = {
  WRITE: 0x01,
  /** the fault came from user space (the MMU), not GUP */
  USER: 0x40,
  /** GUP on behalf of a task (populate) */
  REMOTE: 0x80,
  /** FAULT_FLAG_UNSHARE: break sharing (KSM's break_ksm) without making the page writable */
  UNSHARE: 0x400,
} as const;

/**
 * struct vm_fault: one fault's state, handed from handle_mm_fault down to the handler that
 * resolves it, as in mm/memory.c. `pmd`/`pte` are (table pfn, index) pairs because page tables
 * live in emulated RAM; `origPmd`/`origPte` are the entries the handlers decided on.
 */
export interface VmFault {
  /** the faulting task (the kernel reaches it as current, or through vma->vm_mm for GUP) */
  task: Task;
  vma: Vma;
  /** vmf->address: page-aligned */
  address: number;
  /** vmf->real_address: the byte that faulted */
  realAddress: number;
  /** FAULT_FLAG_* */
  flags: number;
  /** the CPU the fault runs on (its pcp lists and LRU batch) */
  cpu: number;
  /** vmf->pmd: the PMD table's pfn and the entry's index in it (-1 before __handle_mm_fault) */
  pmdTable: number;
  pmdIdx: number;
  /** vmf->orig_pmd */
  origPmd: RawEntry;
  /** vmf->pte: the PTE table's pfn and the entry's index (-1 before handle_pte_fault) */
  pteTable: number;
  pteIdx: number;
  /** vmf->orig_pte */
  origPte: RawEntry;
}

/**
 * The vm_fault of the fault being handled. The kernel's lives on handle_mm_fault's stack; faults
 * do not nest here (nothing a handler calls takes a user fault), so one frame is filled afresh by
 * every handle_mm_fault instead of allocating one per fault on the hot path.
 */
const vmfFrame: VmFault = {
  task: null as unknown as Task,
  vma: null as unknown as Vma,
  address: 0,
  realAddress: 0,
  flags: 0,
  cpu: 0,
  pmdTable: -1,
  pmdIdx: -1,
  origPmd: { lo: 0, hi: 0 },
  pteTable: -1,
  pteIdx: -1,
  origPte: { lo: 0, hi: 0 },
};

/**
 * handle_mm_fault(): resolve one fault at `va` in `vma`. Counts pgfault always and the task's
 * min_flt when the fault succeeded (mm_account_fault), for user faults and GUP (populate) alike.
 */
export function handleMmFault(
  m: Machine,
  task: Task,
  vma: Vma,
  va: number,
  write: boolean,
  cpu: number,
  flags: number = FAULT_FLAG.USER,
): FaultResult {
  m.trace.enter('handle_mm_fault');
  try {
    m.vmstat.incItem(PGFAULT);
    const vmf = vmfFrame;
    vmf.task = task;
    vmf.vma = vma;
    // vmf->address = address & PAGE_MASK: everything below works on the page, not the byte.
    vmf.address = va - modPow2(va, m.pageSize);
    vmf.realAddress = va;
    vmf.flags = flags | (write ? FAULT_FLAG.WRITE : 0);
    vmf.cpu = cpu;
    vmf.pmdTable = vmf.pmdIdx = vmf.pteTable = vmf.pteIdx = -1;
    const res = __handleMmFault(m, vmf);
    if (res === 'ok') task.minflt++;
    if (m.trace.on) m.trace.emit({ type: 'page_fault', pid: task.pid, address: va, write, result: res });
    return res;
  } finally {
    m.trace.leave();
  }
}

/**
 * __handle_mm_fault(): walk (allocating) to the PMD; an empty PMD in a THP-eligible VMA takes a
 * huge fault, a huge PMD goes to the huge handlers; whatever falls back continues at the PTE level.
 */
function __handleMmFault(m: Machine, vmf: VmFault): FaultResult {
  const mm = vmf.task.mm!;
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const va = vmf.address;
  // A cached walk (mm/walk_cache.ts) reached a PTE table here: the PMD entry is a table, neither
  // none nor huge, so the THP checks below would fall through to that same table.
  let table = walkCacheTable(m, mm.pgd, va, last);
  if (table < 0 && thpSupported(m)) {
    vmf.pmdTable = walkAlloc(m, mm, va, vmf.cpu, last - 1);
    if (vmf.pmdTable < 0) return 'oom';
    vmf.pmdIdx = pgtableIndex(arch, va, last - 1);
    const pmd = vmf.origPmd;
    readEntry(m, vmf.pmdTable, vmf.pmdIdx, pmd, last - 1);
    if (arch.isNone(pmd, last - 1)) {
      if (thpVmaAllowable(m, vmf.vma, va)) {
        m.trace.enter('do_huge_pmd_anonymous_page');
        let r: FaultResult | 'fallback';
        try {
          r = doHugePmdAnonymousPage(m, vmf);
        } finally {
          m.trace.leave();
        }
        if (r !== 'fallback') return r;
      }
    } else if (arch.flags(pmd, last - 1) & PTE.HUGE) {
      const r = hugePmdFault(m, vmf);
      if (r !== 'fallback') return r;
      readEntry(m, vmf.pmdTable, vmf.pmdIdx, pmd, last - 1); // split: now a table
    }
    if (!arch.isNone(pmd, last - 1)) table = arch.tablePfn(pmd, last - 1);
  }
  if (table < 0) table = walkAlloc(m, mm, va, vmf.cpu);
  if (table < 0) return 'oom';
  vmf.pteTable = table;
  vmf.pteIdx = pgtableIndex(arch, va, last);
  return handlePteFault(m, vmf);
}

/**
 * handle_pte_fault(): an empty PTE is a first touch (do_pte_missing: anonymous or shmem); a
 * present, read-only PTE written to is do_wp_page; anything else only needed A/D bits.
 */
function handlePteFault(m: Machine, vmf: VmFault): FaultResult {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const pte = vmf.origPte;
  readEntry(m, vmf.pteTable, vmf.pteIdx, pte, last);
  if (arch.isNone(pte, last)) return doPteMissing(m, vmf);
  if (m.swap.totalSwapPages && isSwapPte(m, pte)) {
    m.trace.enter('do_swap_page');
    try {
      return doSwapPage(m, vmf);
    } finally {
      m.trace.leave();
    }
  }
  const f = arch.flags(pte, last);
  const write = (vmf.flags & FAULT_FLAG.WRITE) !== 0;
  if ((write || vmf.flags & FAULT_FLAG.UNSHARE) && !(f & PTE.WRITE)) {
    m.trace.enter('do_wp_page');
    try {
      return doWpPage(m, vmf);
    } finally {
      m.trace.leave();
    }
  }
  // A spurious fault (another CPU fixed it, or only A/D were missing): mark young, dirty on write.
  arch.mkLeaf(arch.pfn(pte), f | PTE.YOUNG | (write ? PTE.DIRTY : 0), last, N);
  writeEntry(m, vmf.pteTable, vmf.pteIdx, N, last);
  return 'ok';
}

/** do_pte_missing(): anonymous memory gets do_anonymous_page, shmem do_fault. */
function doPteMissing(m: Machine, vmf: VmFault): FaultResult {
  // do_anonymous_page(): userfaultfd_missing(vma) → handle_userfault(); the model's contexts have
  // UFFD_FEATURE_SIGBUS (no thread to wait for), so the fault is SIGBUS
  if (vmf.vma.flags & VM.UFFD_MISSING && !vmf.vma.shmem)
    return m.trace.call('handle_userfault', () => 'sigbus');
  const name = vmf.vma.shmem ? 'do_fault' : 'do_anonymous_page';
  m.trace.enter(name);
  try {
    return vmf.vma.shmem ? doShmemFault(m, vmf) : doAnonymousPage(m, vmf);
  } finally {
    m.trace.leave();
  }
}

/**
 * do_anonymous_page(): first touch of anonymous memory. A read maps the shared zero page with a
 * special, read-only PTE and touches no counter at all; a write allocates a zeroed page.
 */
function doAnonymousPage(m: Machine, vmf: VmFault): FaultResult {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const vma = vmf.vma;
  if (!(vmf.flags & FAULT_FLAG.WRITE)) {
    // vm_page_prot of a private mapping never has the write bit, so this PTE is read-only by
    // construction and the first write will come to do_wp_page.
    arch.mkLeaf(m.myZeroPfn(vmf.address), vma.pageProt | PTE.SPECIAL, last, N);
    writeEntry(m, vmf.pteTable, vmf.pteIdx, N, last);
    return 'ok';
  }
  if (!vma.anonVma) vma.anonVma = m.nextAnonVma++; // vmf_anon_prepare() → anon_vma_prepare()
  let pfn: number;
  m.trace.enter('alloc_anon_folio'); // enter/leave, not call(): no closure per fault
  try {
    pfn = m.alloc.allocPages(GFP_USER_ZERO, 0, vmf.cpu);
  } finally {
    m.trace.leave();
  }
  if (pfn < 0) return 'oom';
  m.trace.enter('folio_add_new_anon_rmap');
  folioAddNewAnonRmap(m, pfn);
  m.trace.leave();
  addMmCounter(m, vmf.task, vmf.task.mm!, MM_ANONPAGES, 1);
  folioAddLruVma(m, pfn, vma.flags, vmf.cpu);
  arch.mkLeaf(pfn, vma.pageProt | PTE.YOUNG | (vma.flags & VM.WRITE ? PTE.WRITE | PTE.DIRTY : 0), last, N);
  writeEntry(m, vmf.pteTable, vmf.pteIdx, N, last);
  return 'ok';
}

/**
 * do_wp_page(): a write to a present, read-only PTE (vmf->orig_pte). An exclusive anon page is
 * reused in place; a page only this mm still references is reused after the LRU batch lets go of
 * it (wp_can_reuse_anon_folio); anything else — a page shared after fork, or the zero page — is
 * replaced by a copy (wp_page_copy).
 */
function doWpPage(m: Machine, vmf: VmFault): FaultResult {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const orig = vmf.origPte;
  if (vmf.vma.shmem && vmf.vma.flags & VM.SHARED) {
    // wp_page_shared(): shmem keeps writable PTEs (no write-notify), so only after mprotect; a
    // disk file's shared mapping is write-notified (read-only PTEs until written, and again after
    // writeback): the write dirties the page-cache page (fault_dirty_shared_page)
    if (vmf.vma.shmem.kind === 'disk')
      m.trace.call('wp_page_shared', () => folioMarkDirty(m, arch.pfn(orig)));
    arch.mkLeaf(arch.pfn(orig), arch.flags(orig, last) | PTE.WRITE | PTE.DIRTY | PTE.YOUNG, last, N);
    writeEntry(m, vmf.pteTable, vmf.pteIdx, N, last);
    return 'ok';
  }
  const page = vmNormalPage(m, orig, last);
  const p = m.pages;
  // an unshare fault (break_ksm) only replaces a KSM page or KSM's zero page: any other page is
  // left as it is
  if (vmf.flags & FAULT_FLAG.UNSHARE && page >= 0 && !(p.flags[page]! & PG.ksm)) return 'ok';
  if (page >= 0 && p.flags[page]! & PG.anon) {
    let reuse = (p.flags[page]! & PG.anonExclusive) !== 0;
    if (!reuse && wpCanReuseAnonFolio(m, vmf, page)) {
      p.flags[page] = p.flags[page]! | PG.anonExclusive; // SetPageAnonExclusive(vmf->page)
      reuse = true;
    }
    if (reuse) {
      m.vmstat.inc('pgreuse');
      m.trace.enter('wp_page_reuse');
      arch.mkLeaf(page, arch.flags(orig, last) | PTE.YOUNG | PTE.DIRTY | PTE.WRITE, last, N);
      writeEntry(m, vmf.pteTable, vmf.pteIdx, N, last);
      m.trace.leave();
      return 'ok';
    }
  }
  // a KSM page is never reused (wp_can_reuse_anon_folio refuses folio_test_ksm): it is copied
  if (page >= 0 && p.flags[page]! & PG.ksm) m.vmstat.inc('cow_ksm');
  m.trace.enter('wp_page_copy');
  try {
    return wpPageCopy(m, vmf, page);
  } finally {
    m.trace.leave();
  }
}

/**
 * wp_can_reuse_anon_folio(): may a write reuse this anonymous page in place? A small folio: only
 * our mapping may hold a reference; a page still waiting in the LRU batch holds one more, so drain
 * the batch and look again. A large folio (a THP after its PMD was split) goes to
 * __wp_can_reuse_large_anon_folio.
 */
function wpCanReuseAnonFolio(m: Machine, vmf: VmFault, page: number): boolean {
  const p = m.pages;
  const folio = compoundHead(m, page);
  if (p.flags[folio]! & PG.head) return __wpCanReuseLargeAnonFolio(m, vmf, folio, page);
  if (p.flags[folio]! & PG.ksm || p.refcount[folio]! > 3) return false;
  if (!(p.flags[folio]! & PG.lru)) lruAddDrainCpu(m, vmf.cpu);
  return p.refcount[folio] === 1; // then folio_move_anon_rmap()
}

/**
 * __wp_can_reuse_large_anon_folio() (CONFIG_MM_ID): reuse when every reference to the folio comes
 * from a mapping (folio_large_mapcount == folio_ref_count) and all mappings are in this mm (not
 * folio_test_large_maybe_mapped_shared). A folio with a single page mapped is not reused: copying
 * lets the large folio go. Large folios never wait in an LRU batch (folio_may_be_lru_cached), so
 * nothing is drained.
 *
 * The kernel knows "mapped by one mm" from the two mm_id slots kept in the folio; this model
 * counts the mappings in this mm's page table at the folio's place instead (anonymous folios are
 * mapped at one address per mm: nothing here moves them), which is the same answer whenever at
 * most two mms ever mapped the folio.
 */
function __wpCanReuseLargeAnonFolio(m: Machine, vmf: VmFault, folio: number, page: number): boolean {
  const p = m.pages;
  const nr = 1 << p.order[folio]!;
  // folio_large_mapcount(): one per PTE mapping of any page, one per PMD mapping
  let mapcount = (m.entireMapcount.get(folio) ?? -1) + 1;
  for (let i = 0; i < nr; i++) mapcount += p.mapcount[folio + i]! + 1;
  if (mapcount <= 1) return false;
  if (mapcount !== p.refcount[folio]) return false;
  // folio_test_large_maybe_mapped_shared(): how many of those mappings are this mm's
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const base = vmf.address - (page - folio) * m.pageSize;
  const table = walkTable(m, vmf.task.mm!, base);
  if (table < 0) return false;
  const first = pgtableIndex(arch, base, last);
  let mine = 0;
  for (let i = 0; i < nr; i++) {
    readEntry(m, table, first + i, N, last);
    if (arch.isNone(N, last) || !(arch.flags(N, last) & (PTE.PRESENT | PTE.PROTNONE))) continue;
    const pfn = arch.pfn(N);
    if (pfn >= folio && pfn < folio + nr) mine++;
  }
  return mine === mapcount;
}

/** wp_page_copy(): a new page; zeroed without copying when the old one is the zero page. */
function wpPageCopy(m: Machine, vmf: VmFault, oldPage: number): FaultResult {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const task = vmf.task;
  const vma = vmf.vma;
  const oldPfn = arch.pfn(vmf.origPte);
  const pfnIsZero = m.isZeroPfn(oldPfn);
  let pfn: number;
  // do_wp_page holds a reference on the old folio across the copy: reclaim, which the allocation
  // may run, must not free it meanwhile (__remove_mapping's refcount freeze fails on it)
  if (oldPage >= 0) folioGet(m, oldPage);
  m.trace.enter('folio_prealloc');
  try {
    pfn = m.alloc.allocPages(pfnIsZero ? GFP_USER_ZERO : GFP_USER_PAGE, 0, vmf.cpu);
  } finally {
    m.trace.leave();
    if (oldPage >= 0) folioPut(m, oldPage, vmf.cpu);
  }
  if (pfn < 0) return 'oom';
  if (!pfnIsZero) {
    m.trace.enter('__wp_page_copy_user');
    m.ram.copyPage(pfn * m.pageSize, oldPfn * m.pageSize, m.pageSize);
    m.trace.leave();
  }
  if (oldPage < 0)
    addMmCounter(m, task, task.mm!, MM_ANONPAGES, 1); // the zero page was not counted
  else if (!(m.pages.flags[oldPage]! & PG.anon)) {
    // a private file mapping's page-cache page replaced by an anonymous copy (RssFile/RssShmem → RssAnon)
    addMmCounter(m, task, task.mm!, mmCounterFile(m, oldPage), -1);
    addMmCounter(m, task, task.mm!, MM_ANONPAGES, 1);
  }
  if (pfnIsZero && m.ksm.zeroPages) ksmMightUnmapZeroPage(m, task.mm!, vmf.origPte, last);
  if (!vma.anonVma) vma.anonVma = m.nextAnonVma++;
  m.trace.enter('folio_add_new_anon_rmap');
  folioAddNewAnonRmap(m, pfn);
  m.trace.leave();
  folioAddLruVma(m, pfn, vma.flags, vmf.cpu);
  // ptep_clear_flush() then the new writable, dirty PTE; an unshare fault maps the copy with the
  // VMA's own protection, clean (no maybe_mkwrite(pte_mkdirty()))
  const unshare = (vmf.flags & FAULT_FLAG.UNSHARE) !== 0;
  arch.mkLeaf(pfn, vma.pageProt | PTE.YOUNG | (unshare ? 0 : PTE.DIRTY | PTE.WRITE), last, N);
  writeEntry(m, vmf.pteTable, vmf.pteIdx, N, last);
  // ptep_clear_flush(): the faulting address's old translation goes from the TLBs (only that one:
  // the mm's other zero-page translations stay)
  flushTlbMmRange(m, task.mm!, vmf.address, vmf.address + 1);
  if (oldPage >= 0) {
    folioRemoveRmap(m, oldPage);
    munlockVmaFolio(m, vma.flags, compoundHead(m, oldPage), vmf.cpu); // __folio_remove_rmap's end
    folioPut(m, oldPage, vmf.cpu);
  }
  return 'ok';
}

/** mm_counter_file(): a shmem page counts in RssShmem, any other page-cache page in RssFile. */
function mmCounterFile(m: Machine, pfn: number): number {
  return m.pages.flags[pfn]! & PG.swapbacked ? MM_SHMEMPAGES : MM_FILEPAGES;
}

/**
 * do_fault(): a first touch of a file mapping (shmem, tmpfs or disk file). A read is
 * do_read_fault (fault-around first: the cached pages of the 64 KiB window; then ->fault), a
 * write to a private mapping do_cow_fault (an anonymous copy of the page-cache page, never the
 * zero page), a write to a shared one do_shared_fault (the page-cache page, dirtied).
 */
function doShmemFault(m: Machine, vmf: VmFault): FaultResult {
  const ps = m.pageSize;
  const vma = vmf.vma;
  const f = vma.shmem!;
  const write = (vmf.flags & FAULT_FLAG.WRITE) !== 0;
  const index = (vmf.address - vma.start) / ps + vma.pgoff;
  // shmem_fault / filemap_fault: a page wholly past i_size of a named file is VM_FAULT_SIGBUS
  if (f.path && index >= fileNrPages(m, f)) return 'sigbus';
  const name = !write ? 'do_read_fault' : vma.flags & VM.SHARED ? 'do_shared_fault' : 'do_cow_fault';
  m.trace.enter(name);
  try {
    if (!write && faultAround(m, vmf)) return 'ok';
    const { pfn: got, major } = vmaFault(m, vmf, f, index);
    if (got < 0) return 'oom';
    if (write && !(vma.flags & VM.SHARED)) return doCowFault(m, vmf, got);
    // a major fault was retried (VM_FAULT_RETRY after the read): the retry's fault-around maps
    // the window the read-around brought in (tools/oracle/file.c: 16 pages after one fault)
    if (!write && major && faultAround(m, vmf)) return 'ok';
    mapShmemPage(m, vmf.task, vma, vmf.pteTable, vmf.pteIdx, got, write, true, vmf.cpu);
    if (write && f.kind === 'disk') folioMarkDirty(m, got); // fault_dirty_shared_page()
    return 'ok';
  } finally {
    m.trace.leave();
  }
}

/**
 * __do_fault() → vma->vm_ops->fault: shmem_fault (find or allocate the page) or filemap_fault
 * (find the page, or read it and its read-around window from the disk: a major fault, counted
 * in maj_flt and pgmajfault instead of min_flt). Returns the pfn (-1 when memory ran out) and
 * whether the page was read from the disk (VM_FAULT_MAJOR).
 */
function vmaFault(m: Machine, vmf: VmFault, f: ShmemFile, index: number): { pfn: number; major: boolean } {
  if (f.kind !== 'disk') {
    m.trace.enter('shmem_fault');
    try {
      return { pfn: shmemGetFolio(m, f, index, vmf.cpu), major: false };
    } finally {
      m.trace.leave();
    }
  }
  m.trace.enter('filemap_fault');
  try {
    const r = filemapFault(m, f, index, vmf.cpu);
    if (r.major) {
      m.vmstat.inc('pgmajfault');
      vmf.task.majflt++;
      vmf.task.minflt--; // handle_mm_fault adds one back: mm_account_fault counts maj_flt instead
    }
    return r;
  } finally {
    m.trace.leave();
  }
}

/**
 * do_cow_fault(): a write to a private file mapping's empty PTE: a new anonymous page, a copy of
 * the page-cache page (copy_user_highpage), mapped writable; the page cache keeps its page.
 */
function doCowFault(m: Machine, vmf: VmFault, cachePfn: number): FaultResult {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const vma = vmf.vma;
  if (!vma.anonVma) vma.anonVma = m.nextAnonVma++; // vmf_anon_prepare()
  folioGet(m, cachePfn); // __do_fault's reference, held across the copy
  let pfn: number;
  try {
    pfn = m.alloc.allocPages(GFP_USER_PAGE, 0, vmf.cpu);
  } finally {
    folioPut(m, cachePfn, vmf.cpu);
  }
  if (pfn < 0) return 'oom';
  m.trace.enter('copy_user_highpage');
  m.ram.copyPage(pfn * m.pageSize, cachePfn * m.pageSize, m.pageSize);
  m.trace.leave();
  folioAddNewAnonRmap(m, pfn);
  addMmCounter(m, vmf.task, vmf.task.mm!, MM_ANONPAGES, 1);
  folioAddLruVma(m, pfn, vma.flags, vmf.cpu);
  arch.mkLeaf(pfn, vma.pageProt | PTE.YOUNG | PTE.DIRTY | PTE.WRITE, last, N);
  writeEntry(m, vmf.pteTable, vmf.pteIdx, N, last);
  return 'ok';
}

function mapShmemPage(
  m: Machine,
  task: Task,
  vma: Vma,
  table: number,
  idx: number,
  pfn: number,
  write: boolean,
  young: boolean,
  cpu: number,
): void {
  const arch = m.pgtableArch;
  folioGet(m, pfn);
  folioAddFileRmap(m, pfn);
  mlockVmaFolio(m, vma.flags, pfn, cpu); // __folio_add_file_rmap() ends with mlock_vma_folio()
  addMmCounter(m, task, task.mm!, mmCounterFile(m, pfn), 1);
  arch.mkLeaf(
    pfn,
    vma.pageProt | (young ? PTE.YOUNG : 0) | (write ? PTE.DIRTY | PTE.WRITE : 0),
    arch.levels - 1,
    N,
  );
  writeEntry(m, table, idx, N, arch.levels - 1);
}

/**
 * do_fault_around() → filemap_map_pages(): map the pages of the 64 KiB window around `va` that are
 * already in the page cache. Returns true if the faulting page itself got mapped.
 */
function faultAround(m: Machine, vmf: VmFault): boolean {
  const { task, vma, address: va } = vmf;
  const ps = m.pageSize;
  const arch = m.pgtableArch;
  const windowBytes = FAULT_AROUND_PAGES * ps;
  const tableSpan = 2 ** arch.levelShift[arch.levels - 2]!;
  const start = Math.max(
    Math.floor(va / windowBytes) * windowBytes,
    vma.start,
    Math.floor(va / tableSpan) * tableSpan,
  );
  const end = Math.min(start + windowBytes, vma.end, Math.floor(va / tableSpan) * tableSpan + tableSpan);
  const table = walkTable(m, task.mm!, va);
  if (table < 0) return false;
  let hit = false;
  m.trace.call('filemap_map_pages', () => {
    for (let a = start; a < end; a += ps) {
      const idx = pgtableIndex(arch, a, arch.levels - 1);
      readEntry(m, table, idx, E, arch.levels - 1);
      if (!arch.isNone(E, arch.levels - 1)) continue;
      const index = (a - vma.start) / ps + vma.pgoff;
      const pfn = vma.shmem!.pages.get(index);
      if (pfn === undefined || filemapReadaheadMarked(vma.shmem!, index)) continue;
      mapShmemPage(m, task, vma, table, idx, pfn, false, true, vmf.cpu);
      if (a === va) hit = true;
    }
  });
  return hit;
}

// --- teardown ---------------------------------------------------------------------------------

/**
 * zap_pte_range() over [start, end) of one VMA: clear the PTEs, uncount them, and drop the page
 * references after the TLB flush (the mmu_gather batch, which first drains the LRU batches).
 *
 * `reclaimPt` is MADV_DONTNEED's zap_details.reclaim_pt (CONFIG_PT_RECLAIM): a PTE table whose
 * whole PMD range this zap covers (reclaim_pt_is_enabled: end - start >= PMD_SIZE for the part of
 * the range inside that table) is left empty by the zap and freed with it (try_get_and_clear_pmd,
 * free_pte), so VmPTE shrinks. A table the range only partly covers stays, empty or not.
 */
export function zapRange(
  m: Machine,
  task: Task | null,
  mm: MmStruct,
  start: number,
  end: number,
  cpu: number,
  reclaimPt = false,
): void {
  // trace.enter/leave rather than trace.call's closure: this is exit's whole loop
  m.trace.enter('zap_pte_range');
  try {
    const arch = m.pgtableArch;
    const last = arch.levels - 1;
    const ps = m.pageSize;
    const span = 2 ** arch.levelShift[last - 1]!;
    // The pages whose references go after the TLB flush: a typed array grown by doubling, since
    // pushing 64 Ki numbers onto a JS array was two thirds of an exit's zap time; the one the last
    // zap grew is taken again (each exit of a 256 MiB process grew 8 arrays to 256 KiB: garbage).
    let toPut = zapPutSpare ?? new Int32Array(512);
    zapPutSpare = null; // a zap inside this one (none today) gets its own
    let nPut = 0;
    // munlock_vma_folio() at the end of __folio_remove_rmap(): pages unmapped from a VM_LOCKED VMA
    // (munmap, exit) are munlocked, once per folio run of PTEs (folio_remove_rmap_ptes' batch)
    const locked = ((vmaFind(mm, start, start + 1)?.flags ?? 0) & VM.LOCKED) !== 0;
    let lastMunlocked = -1;
    for (let a = start; a < end;) {
      const table = walkTable(m, mm, a);
      const tableEnd = Math.min(end, (Math.floor(a / span) + 1) * span);
      if (table === WALK_HUGE) {
        // zap_pmd_range(): a whole huge PMD goes at once; a part of one needs a split first.
        const pmdTable = walkTable(m, mm, a, last - 1);
        const pmdIdx = pgtableIndex(arch, a, last - 1);
        const haddr = Math.floor(a / span) * span;
        if (a === haddr && tableEnd === haddr + span) {
          zapHugePmd(m, task, mm, pmdTable, pmdIdx, cpu, locked);
          a = tableEnd;
        } else
          splitHugePmd(
            m,
            task,
            mm.vmas.find((v) => a >= v.start && a < v.end)!,
            haddr,
            pmdTable,
            pmdIdx,
          );
        continue;
      }
      if (table < 0) {
        a = tableEnd;
        continue;
      }
      const canReclaimPt = reclaimPt && tableEnd - a >= span;
      const tableStart = a;
      // Per PTE: the table read and cleared as words of its RAM block (TableWords), one decode of
      // the entry, the index stepped rather than recomputed, imported bindings read once per
      // table, and (with no trace sink, so no 'rss' event to emit) the RSS counters settled once
      // per table, as zap_pte_range's rss[] batch does.
      const traced = m.trace.on;
      const pg = m.pages; // its arrays read through it each time (see eslint.config.js)
      const F_MAPPED = PTE.PRESENT | PTE.PROTNONE;
      const F_SPECIAL = PTE.SPECIAL;
      const F_DIRTY = PTE.DIRTY;
      const PG_ANON = PG.anon;
      const PG_TAIL = PG.tail;
      const swapOn = m.swap.totalSwapPages !== 0;
      const t = new TableWords(m, table, last);
      arch.mkNone(last, NONE);
      let nAnon = 0;
      let nShmem = 0;
      let nFile = 0;
      for (let idx = pgtableIndex(arch, a, last); a < tableEnd; a += ps, idx++) {
        t.read(idx, E);
        if (arch.isNone(E, last)) continue;
        if (swapOn && isSwapPte(m, E)) {
          // zap_nonpresent_ptes(): a swap entry gives its slot reference back
          t.write(idx, NONE);
          freeSwapAndCache(m, task, mm, pteToSwpEntry(m, E), cpu);
          t.reset();
          continue;
        }
        const f = arch.flags(E, last);
        let page = -1;
        if (f & F_MAPPED) {
          // vm_normal_page()
          const pfn = arch.pfn(E);
          if (!(f & F_SPECIAL) && !m.isZeroPfn(pfn)) page = pfn;
        }
        t.write(idx, NONE);
        if (page < 0) {
          if (m.ksm.zeroPages) ksmMightUnmapZeroPage(m, mm, E, last); // zap_present_ptes()
          continue;
        }
        const anon = (pg.flags[page]! & PG_ANON) !== 0;
        // zap_present_folio_ptes(): a file/shmem page takes the PTE's dirty bit with it
        // (folio_mark_dirty); anon pages do not need up-to-date dirty bits.
        if (!anon && f & F_DIRTY) folioMarkDirty(m, page);
        const counter = anon ? MM_ANONPAGES : mmCounterFile(m, page);
        if (traced) addMmCounter(m, task, mm, counter, -1);
        else if (anon) nAnon++;
        else if (counter === MM_SHMEMPAGES) nShmem++;
        else nFile++;
        // folio_remove_rmap_pte(): a small page other PTEs still map only loses a count (the
        // common case at exit after fork, done here without the call)
        if (!(pg.flags[page]! & PG_TAIL) && pg.mapcount[page]! > 0) pg.mapcount[page]!--;
        else folioRemoveRmap(m, page);
        if (locked) {
          const head = compoundHead(m, page);
          if (head !== lastMunlocked) munlockFolio(m, head, cpu);
          lastMunlocked = head;
          t.reset();
        }
        if (nPut === toPut.length) {
          const grown = new Int32Array(nPut * 2);
          grown.set(toPut);
          toPut = grown;
        }
        toPut[nPut++] = page;
      }
      if (nAnon) mm.rss[MM_ANONPAGES] = mm.rss[MM_ANONPAGES]! - nAnon;
      if (nShmem) mm.rss[MM_SHMEMPAGES] = mm.rss[MM_SHMEMPAGES]! - nShmem;
      if (nFile) mm.rss[MM_FILEPAGES] = mm.rss[MM_FILEPAGES]! - nFile;
      if (canReclaimPt)
        m.trace.call('try_get_and_clear_pmd', () => {
          // every entry of the table was in the range and is none now: unhook it and free it
          // (free_pte → pte_free_tlb: after the TLB flush, through RCU; VmPTE drops at once)
          const pmdTable = walkTable(m, mm, tableStart, last - 1);
          clearEntry(m, pmdTable, pgtableIndex(arch, tableStart, last - 1), last - 1);
          pgtableFree(m, mm, table, last, cpu);
        });
    }
    // tlb_flush_mmu_tlbonly(): the TLB flush comes before the pages are freed.
    flushTlbMmRange(m, mm, start, end);
    if (nPut) {
      // tlb_finish_mmu → free_pages_and_swap_cache(): the references go, with no lru_add_drain()
      // first (6.18 dropped it; on this machine class a munmap or exit leaves the per-CPU LRU and
      // mlock batches as they were, tools/oracle/unevictable.c). A folio a batch still holds lives
      // on, unmapped, until that batch drains; so does a munlock waiting in the mlock batch.
      const swapCache = m.swap.folioSwap.size !== 0;
      const pg = m.pages;
      const PG_TAIL = PG.tail;
      for (let i = 0; i < nPut; i++) {
        const pfn = toPut[i]!;
        // free_swap_cache(): an unmapped swap-cache folio no swap PTE needs leaves the cache
        if (swapCache) freeSwapCache(m, pfn, cpu);
        // folio_put(): a small page that keeps other references only loses one (without the call)
        if (!(pg.flags[pfn]! & PG_TAIL) && pg.refcount[pfn]! > 1) pg.refcount[pfn]!--;
        else folioPut(m, pfn, cpu);
      }
    }
    zapPutSpare = toPut;
  } finally {
    m.trace.leave();
  }
}

/** zapRange()'s page array, kept between zaps (its contents mean nothing outside one). */
let zapPutSpare: Int32Array | null = null;

/**
 * free_pgtables() for a range whose VMAs are gone: free every table that no remaining VMA needs,
 * bottom-up (free_pte_range, free_pmd_range, free_pud_range). `floor`/`ceiling` bound what may be
 * freed: the neighbouring VMAs' ends.
 */
export function freePgtables(
  m: Machine,
  mm: MmStruct,
  start: number,
  end: number,
  cpu: number,
  all = false,
): void {
  m.trace.call('free_pgtables', () => {
    const arch = m.pgtableArch;
    const stillUsed = (lo: number, hi: number) => !all && mm.vmas.some((v) => v.start < hi && v.end > lo);
    const freeLevel = (table: number, level: number, base: number): boolean => {
      // Returns true if `table` ended up empty.
      const shift = arch.levelShift[level]!;
      const n = 2 ** arch.levelBits[level]!;
      const step = 2 ** shift;
      if (level === arch.levels - 1) {
        // a PTE table is empty when every entry is none: stop at the first one that is not
        return new TableWords(m, table, level).allNone(n);
      }
      let empty = true;
      for (let i = 0; i < n; i++) {
        const lo = base + i * step;
        const hi = lo + step;
        readEntry(m, table, i, E, level);
        if (arch.isNone(E, level)) continue;
        if (level === arch.levels - 1 || hi <= start || lo >= end || arch.flags(E, level) & PTE.HUGE) {
          empty = false;
          continue;
        }
        const child = arch.tablePfn(E, level);
        const childEmpty = freeLevel(child, level + 1, lo);
        if (childEmpty && !stillUsed(lo, hi)) {
          clearEntry(m, table, i, level);
          pgtableFree(m, mm, child, level + 1, cpu);
        } else empty = false;
      }
      return empty;
    };
    freeLevel(mm.pgd, 0, 0);
  });
}

/**
 * copy_page_range() for fork: copy one VMA's PTEs to the child. Anonymous pages become shared and
 * write-protected in both (copy_present_pte); the zero page is copied as it is.
 */
export function copyPageRange(
  m: Machine,
  child: Task,
  src: Vma,
  parentMm: MmStruct,
  cpu: number,
): FaultResult {
  m.trace.enter('copy_page_range');
  try {
    const arch = m.pgtableArch;
    const last = arch.levels - 1;
    const span = 2 ** arch.levelShift[last - 1]!;
    const cow = (src.flags & (VM.SHARED | VM.MAYWRITE)) === VM.MAYWRITE;
    for (let a = src.start; a < src.end;) {
      const sTable = walkTable(m, parentMm, a);
      const tableEnd = Math.min(src.end, (Math.floor(a / span) + 1) * span);
      if (sTable === WALK_HUGE) {
        const r = copyHugePmd(
          m,
          child,
          a,
          walkTable(m, parentMm, a, last - 1),
          pgtableIndex(arch, a, last - 1),
          cpu,
        );
        if (r !== 'ok') return r;
        a = tableEnd;
        continue;
      }
      if (sTable < 0) {
        a = tableEnd;
        continue;
      }
      const r = copyPteRange(m, child, src, sTable, a, tableEnd, cow, cpu);
      if (r !== 'ok') return r;
      a = tableEnd;
    }
    return 'ok';
  } finally {
    m.trace.leave();
  }
}

/**
 * copy_pte_range(): one PTE table's entries [addr, end) of the parent copied to the child. This
 * loop is the whole cost of fork, so it is kept tight: the tables are read and written as words of
 * their RAM block (TableWords), each entry decoded once, the index stepped rather than
 * recomputed, and the child's RSS counted in a local rss[] added once per table (add_mm_rss_vec)
 * when no trace sink wants an 'rss' event per page. The child's table is allocated at the first
 * entry to copy (the kernel allocates it before the loop, when the parent's PMD has a table).
 */
function copyPteRange(
  m: Machine,
  child: Task,
  src: Vma,
  sTable: number,
  addr: number,
  end: number,
  cow: boolean,
  cpu: number,
): FaultResult {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const ps = m.pageSize;
  const cmm = child.mm!;
  const traced = m.trace.on;
  const pg = m.pages; // its arrays read through it each time (see eslint.config.js)
  const F_WRITE = PTE.WRITE;
  const F_DIRTY = PTE.DIRTY;
  const F_YOUNG = PTE.YOUNG;
  const F_SPECIAL = PTE.SPECIAL;
  const PG_ANON = PG.anon;
  const PG_TAIL = PG.tail;
  const PG_ANON_EXCLUSIVE = PG.anonExclusive;
  const shared = (src.flags & VM.SHARED) !== 0;
  const swapOn = m.swap.totalSwapPages !== 0;
  const s = new TableWords(m, sTable, last);
  let d: TableWords | null = null;
  let nAnon = 0;
  let nShmem = 0;
  let nFile = 0;
  for (let idx = pgtableIndex(arch, addr, last); addr < end; addr += ps, idx++) {
    s.read(idx, E);
    if (arch.isNone(E, last)) continue;
    if (!d) {
      const dTable = walkAlloc(m, cmm, addr, cpu);
      if (dTable < 0) return 'oom';
      d = new TableWords(m, dTable, last);
      // the table's allocation may have reclaimed (the kernel allocates before it takes the
      // source PTE lock): read the entry again
      s.reset();
      s.read(idx, E);
      if (arch.isNone(E, last)) continue;
    }
    if (swapOn && isSwapPte(m, E)) {
      copyNonpresentPte(m, child, sTable, d.table, idx);
      s.reset();
      d.reset();
      continue;
    }
    let f = arch.flags(E, last);
    const pfn = arch.pfn(E);
    // vm_normal_page()
    const page = f & F_SPECIAL || m.isZeroPfn(pfn) ? -1 : pfn;
    if (page < 0) {
      if (m.ksm.zeroPages && isKsmZeroPte(m, E, last)) ksmCopyZeroPte(m, cmm);
    } else {
      // folio_get(): the reference is on the head page (compound_head only for a tail page)
      pg.refcount[pg.flags[page]! & PG_TAIL ? compoundHead(m, page) : page]!++;
      if (pg.flags[page]! & PG_ANON) {
        // folio_try_dup_anon_rmap_pte() (folioDupAnonRmap): one more mapping, not exclusive any more
        pg.mapcount[page]!++;
        pg.flags[page] = pg.flags[page]! & ~PG_ANON_EXCLUSIVE;
        if (traced) addMmCounter(m, child, cmm, MM_ANONPAGES, 1);
        else nAnon++;
      } else {
        folioAddFileRmap(m, page);
        const counter = mmCounterFile(m, page);
        if (traced) addMmCounter(m, child, cmm, counter, 1);
        else if (counter === MM_SHMEMPAGES) nShmem++;
        else nFile++;
      }
    }
    if (cow && f & F_WRITE) {
      // ptep_set_wrprotect() on the parent: the next write by either side faults.
      arch.mkLeaf(pfn, f & ~F_WRITE, last, N);
      s.write(idx, N);
      f &= ~F_WRITE;
    }
    if (shared) f &= ~F_DIRTY;
    f &= ~F_YOUNG; // pte_mkold(): the child has not used it yet
    arch.mkLeaf(pfn, f, last, N);
    d.write(idx, N);
  }
  // add_mm_rss_vec()
  if (nAnon) cmm.rss[MM_ANONPAGES] = cmm.rss[MM_ANONPAGES]! + nAnon;
  if (nShmem) cmm.rss[MM_SHMEMPAGES] = cmm.rss[MM_SHMEMPAGES]! + nShmem;
  if (nFile) cmm.rss[MM_FILEPAGES] = cmm.rss[MM_FILEPAGES]! + nFile;
  return 'ok';
}

/** Pages of a VMA range that are mapped, for views: calls fn(va, entry, page) per present PTE. */
export function forEachPte(
  m: Machine,
  mm: MmStruct,
  start: number,
  end: number,
  fn: (va: number, e: RawEntry, page: number, level: number) => void,
): void {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const ps = m.pageSize;
  const span = 2 ** arch.levelShift[last - 1]!;
  const e: RawEntry = { lo: 0, hi: 0 };
  for (let a = start; a < end;) {
    const table = walkTable(m, mm, a);
    const tableEnd = Math.min(end, (Math.floor(a / span) + 1) * span);
    if (table === WALK_HUGE) {
      // A huge PMD: one call per 4 KiB subpage, with the PMD entry and the subpage's pfn
      // (vm_normal_page_pmd() is NULL for the huge zero folio).
      readEntry(m, walkTable(m, mm, a, last - 1), pgtableIndex(arch, a, last - 1), e, last - 1);
      const head = arch.pfn(e);
      const base = Math.floor(a / span) * span;
      for (; a < tableEnd; a += ps) fn(a, e, isHugeZeroPfn(m, head) ? -1 : head + (a - base) / ps, last - 1);
      continue;
    }
    if (table < 0) {
      a = tableEnd;
      continue;
    }
    // the table read as words of its RAM block (TableWords), the index stepped: the process view
    // walks a shown region of up to 1M pages this way after every timeline move
    const t = new TableWords(m, table, last);
    for (let idx = pgtableIndex(arch, a, last); a < tableEnd; a += ps, idx++) {
      t.read(idx, e);
      if (arch.isNone(e, last)) continue;
      const f = arch.flags(e, last);
      fn(a, e, f & (PTE.PRESENT | PTE.PROTNONE) ? vmNormalPage(m, e, last) : -1, last);
    }
  }
}

/**
 * copy_nonpresent_pte() for a swap PTE: the child's PTE holds the same entry (swap_duplicate), and
 * neither side may assume the page is exclusively its own any more (pte_swp_clear_exclusive on the
 * parent's entry; the child's copy never has it).
 */
function copyNonpresentPte(m: Machine, child: Task, sTable: number, dTable: number, idx: number): void {
  const last = m.pgtableArch.levels - 1;
  const key = pteToSwpEntry(m, E);
  swapDuplicate(m, key);
  if (pteSwpExclusive(m, E)) {
    mkSwapPte(m, key, false, N);
    writeEntry(m, sTable, idx, N, last);
  }
  mkSwapPte(m, key, false, N);
  writeEntry(m, dTable, idx, N, last);
  addMmCounter(m, child, child.mm!, MM_SWAPENTS, 1);
}

/**
 * do_swap_page(): a fault on a swap PTE. The folio is found in the swap cache (another PTE of the
 * same entry brought it in: a minor fault) or read from the slot into a new folio added to the
 * cache (swapin_readahead without readahead: a major fault, pgmajfault). A zeromap slot is read as
 * a freshly zeroed page (swpin_zero). The PTE maps the folio — writable at once on a write fault
 * when the swap PTE was exclusive — and the slot loses this PTE's reference (swap_free). On a
 * write fault, when no other PTE refers to the slot, the folio leaves the swap cache and the slot
 * is freed (folio_free_swap); after a read fault both stay, as in the kernel (no readahead here).
 */
function doSwapPage(m: Machine, vmf: VmFault): FaultResult {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const task = vmf.task;
  const mm = task.mm!;
  const vma = vmf.vma;
  const key = pteToSwpEntry(m, vmf.origPte);
  const exclusive = pteSwpExclusive(m, vmf.origPte);
  const p = m.pages;
  let folio = swapCacheFolio(m, key);
  const cacheHit = folio >= 0;
  if (folio >= 0) {
    folioGet(m, folio); // the new mapping's reference
  } else {
    folio = m.alloc.allocPages(GFP_USER_PAGE, 0, vmf.cpu);
    if (folio < 0) return 'oom';
    // swapcache_prepare(): this folio is the slot's cache folio while it is read
    const si = swapInfo(m, key);
    si.swapMap[swpOffset(key)] = si.swapMap[swpOffset(key)]! | SWAP_HAS_CACHE;
    p.flags[folio] = p.flags[folio]! | PG.anon | PG.swapbacked | PG.uptodate;
    p.owner[folio] = Owner.Anon;
    addToSwapCache(m, folio, key);
    swapReadFolio(m, folio, key, vmf.cpu);
    // workingset_refault(): the folio was evicted by reclaim (its slot has no cache folio), and
    // its refault distance is taken as within the workingset (as in the record, where every
    // refaulted page came back active): it goes straight to the active list
    p.flags[folio] = p.flags[folio]! | PG.active;
    m.vmstat.inc('workingset_refault_anon');
    m.vmstat.inc('workingset_activate_anon');
    folioAddLru(m, folio, vmf.cpu);
    lruAddDrainCpu(m, vmf.cpu); // swap_cluster_readahead(): "Push any new pages onto the LRU now"
    // VM_FAULT_MAJOR: mm_account_fault() counts maj_flt instead of the min_flt handle_mm_fault
    // is about to add
    m.vmstat.inc('pgmajfault');
    task.majflt++;
    task.minflt--;
  }
  if (p.mapcount[folio]! < 0) {
    p.mapcount[folio] = 0; // folio_add_new_anon_rmap / folio_add_anon_rmap_ptes: first mapping
    m.vmstat.inc('nr_anon_pages');
    if (exclusive) p.flags[folio] = p.flags[folio]! | PG.anonExclusive;
    else p.flags[folio] = p.flags[folio]! & ~PG.anonExclusive;
  } else {
    p.mapcount[folio]!++;
    p.flags[folio] = p.flags[folio]! & ~PG.anonExclusive;
  }
  // A folio found in the swap cache is mapped by folio_add_anon_rmap_ptes(), which ends with
  // mlock_vma_folio(); a freshly read one by folio_add_new_anon_rmap(), which does not (reclaim
  // mlocks it later, if it ever looks)
  if (cacheHit) mlockVmaFolio(m, vma.flags, folio, vmf.cpu);
  if (!vma.anonVma) vma.anonVma = m.nextAnonVma++;
  addMmCounter(m, task, mm, MM_ANONPAGES, 1);
  addMmCounter(m, task, mm, MM_SWAPENTS, -1);
  const write = (vmf.flags & FAULT_FLAG.WRITE) !== 0;
  let f = vma.pageProt | PTE.YOUNG;
  const mkwrite = write && p.flags[folio]! & PG.anonExclusive && vma.flags & VM.WRITE;
  if (mkwrite) f |= PTE.WRITE | PTE.DIRTY;
  arch.mkLeaf(folio, f, last, N);
  writeEntry(m, vmf.pteTable, vmf.pteIdx, N, last);
  swapEntryPut(m, key, vmf.cpu); // swap_free_nr(): this PTE no longer refers to the slot
  // should_try_to_free_swap(): only a write fault (or a full swap, not modelled) lets the slot
  // go now; after a read fault the folio stays in the swap cache and the slot stays used
  const si = swapInfo(m, key);
  if (write && swapCount(si.swapMap[swpOffset(key)]!) === 0) deleteFromSwapCache(m, folio, vmf.cpu, true);
  if (write && !mkwrite) {
    // the fault wanted to write a page it may not reuse as it is: do_wp_page, as the kernel does
    readEntry(m, vmf.pteTable, vmf.pteIdx, vmf.origPte, last);
    m.trace.enter('do_wp_page');
    try {
      return doWpPage(m, vmf);
    } finally {
      m.trace.leave();
    }
  }
  return 'ok';
}
