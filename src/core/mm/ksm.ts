/**
 * Kernel samepage merging (mm/ksm.c) with use_zero_pages, the part of KSM that leads to the zero
 * page. MADV_MERGEABLE sets VM_MERGEABLE and enters the mm on ksmd's list (__ksm_enter); each
 * full scan (ksm_do_scan) drains the per-CPU LRU batches, then visits every present, order-0
 * anonymous page of every VM_MERGEABLE VMA (scan_get_next_rmap_item) and runs
 * cmp_and_merge_page(): a page whose checksum changed since the last scan only records the new
 * one (so nothing merges before the second scan); an unchanged, zero-filled page is replaced by
 * the zero page (try_to_merge_with_zero_page → try_to_merge_one_page → replace_page) when
 * use_zero_pages is on. Its PTE is then the zero page marked dirty and special — a "KSM zero
 * page" (is_ksm_zero_pte), counted in mm->ksm_zero_pages and the global ksm_zero_pages until a
 * write (wp_page_copy), MADV_UNMERGEABLE (break_ksm's unshare fault) or a zap takes it away
 * (ksm_might_unmap_zero_page).
 *
 * Simplified: pages that are equal but not zero are not merged (no stable or unstable tree, no
 * KSM folios: pages_shared/pages_sharing stay 0); large folios are skipped rather than split;
 * ksmd runs only when a scenario says `ksm scan`, synchronously, one full scan at a time.
 */
import { PTE, type RawEntry } from '../arch/pgtable.ts';
import type { Machine } from '../machine.ts';
import { PG } from '../phys/page.ts';
import { addMmCounter, FAULT_FLAG, handleMmFault } from './memory.ts';
import { MM_ANONPAGES, VM, type MmStruct, type Task, type Vma } from './mm_types.ts';
import { readEntry, walkPteRange, writeEntry } from './pgtable.ts';
import { compoundHead, folioPut, folioRemoveRmap, lruAddDrainAll } from './rmap.ts';
import { flushTlbMmRange } from './tlb.ts';

/** ksmd's state: the sysfs knobs the model has, its counters, and the rmap items' checksums. */
export interface KsmState {
  /** /sys/kernel/mm/ksm/use_zero_pages */
  useZeroPages: boolean;
  /** /sys/kernel/mm/ksm/full_scans */
  fullScans: number;
  /** /sys/kernel/mm/ksm/ksm_zero_pages: KSM zero pages mapped in every mm */
  zeroPages: number;
  /** the mms on ksmd's list (MMF_VM_MERGEABLE), in the order they entered */
  mms: MmStruct[];
  /** rmap_item->oldchecksum per mm and page address (an rmap item exists for every page scanned) */
  items: Map<MmStruct, Map<number, number>>;
}

export function newKsmState(): KsmState {
  return { useZeroPages: false, fullScans: 0, zeroPages: 0, mms: [], items: new Map() };
}

/**
 * is_ksm_zero_pte(): the zero page, dirty — replace_page marked it so; a fault never maps it
 * dirty. Present or PROT_NONE (pte_present() is both on x86 and arm64): mprotect keeps the mark.
 */
export function isKsmZeroPte(m: Machine, e: RawEntry, level: number): boolean {
  const arch = m.pgtableArch;
  const f = arch.flags(e, level);
  return (f & (PTE.PRESENT | PTE.PROTNONE)) !== 0 && (f & PTE.DIRTY) !== 0 && m.isZeroPfn(arch.pfn(e));
}

/** ksm_might_unmap_zero_page(): a KSM zero PTE going away (zap, COW) leaves both counters. */
export function ksmMightUnmapZeroPage(m: Machine, mm: MmStruct, e: RawEntry, level: number): void {
  if (!isKsmZeroPte(m, e, level)) return;
  mm.ksmZeroPages--;
  m.ksm.zeroPages--;
}

/** A fork copied a KSM zero PTE: the child's mm counts it too, as does the global counter. */
export function ksmCopyZeroPte(m: Machine, child: MmStruct): void {
  child.ksmZeroPages++;
  m.ksm.zeroPages++;
}

/** vma_ksm_compatible(): shared memory (and mappings the model does not have) never merges. */
function vmaKsmCompatible(vma: Vma): boolean {
  return !(vma.flags & (VM.SHARED | VM.MAYSHARE)) && !vma.shmem;
}

/**
 * ksm_madvise(MADV_MERGEABLE): VM_MERGEABLE on a compatible VMA, the mm on ksmd's list
 * (__ksm_enter). Returns the new flags (unchanged for an incompatible VMA: no error).
 */
export function ksmMadviseMergeable(m: Machine, mm: MmStruct, vma: Vma): number {
  if (vma.flags & VM.MERGEABLE || !vmaKsmCompatible(vma)) return vma.flags;
  if (!m.ksm.mms.includes(mm)) m.ksm.mms.push(mm);
  return vma.flags | VM.MERGEABLE;
}

/**
 * unmerge_ksm_pages() → break_ksm() over [start, end) of one VMA: every KSM zero PTE is unshared
 * by an unshare fault (FAULT_FLAG_UNSHARE | FAULT_FLAG_REMOTE: wp_page_copy gives a fresh zeroed
 * page, mapped with the VMA's protection and clean — a read-only VMA stays read-only), which takes
 * it out of ksm_zero_pages. mm_account_fault() counts each in the task's minflt (since 5.9 a
 * remote fault is counted too).
 */
export function unmergeKsmPages(
  m: Machine,
  task: Task,
  vma: Vma,
  start: number,
  end: number,
  cpu: number,
): void {
  m.trace.call('unmerge_ksm_pages', () => {
    const last = m.pgtableArch.levels - 1;
    const found: number[] = [];
    walkPteRange(m, task.mm!, start, end, (_t, _i, va, e) => {
      if (isKsmZeroPte(m, e, last)) found.push(va);
    });
    for (const va of found)
      handleMmFault(m, task, vma, va, false, cpu, FAULT_FLAG.REMOTE | FAULT_FLAG.UNSHARE);
  });
}

/** A simple checksum of a page's bytes (calc_checksum: xxhash in the kernel; only equality matters). */
function calcChecksum(m: Machine, pfn: number): { sum: number; zero: boolean } {
  const bytes = m.ram.read(pfn * m.pageSize, m.pageSize);
  let h = 0x811c9dc5;
  let zero = true;
  for (let i = 0; i < bytes.length; i += 4) {
    const w = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    if (w) zero = false;
    h = Math.imul(h ^ w, 0x01000193);
  }
  return { sum: h >>> 0, zero };
}

/**
 * try_to_merge_one_page(page, ZERO_PAGE) → write_protect_page + replace_page: only a page whose
 * every reference is a mapping (no LRU batch, no swap cache, no pin) may be replaced. The PTE
 * becomes the zero page, dirty and special; the page loses this mapping and a reference.
 */
function replaceWithZeroPage(
  m: Machine,
  mm: MmStruct,
  task: Task | null,
  vma: Vma,
  table: number,
  idx: number,
  va: number,
  page: number,
  cpu: number,
): boolean {
  const p = m.pages;
  if (p.refcount[page] !== p.mapcount[page]! + 1 || m.swap.folioSwap.has(page)) return false;
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const e: RawEntry = { lo: 0, hi: 0 };
  arch.mkLeaf(m.myZeroPfn(va), (vma.pageProt | PTE.SPECIAL | PTE.DIRTY) & ~PTE.WRITE, last, e);
  writeEntry(m, table, idx, e, last);
  flushTlbMmRange(m, mm, va, va + m.pageSize); // ptep_clear_flush()
  mm.ksmZeroPages++;
  m.ksm.zeroPages++;
  if (task) addMmCounter(m, task, mm, MM_ANONPAGES, -1);
  else mm.rss[MM_ANONPAGES] = mm.rss[MM_ANONPAGES]! - 1;
  folioRemoveRmap(m, page);
  folioPut(m, page, cpu);
  return true;
}

/** The task that owns an mm (a thread-group leader), for its RSS events. */
function ownerOf(m: Machine, mm: MmStruct): Task | null {
  for (const t of m.tasks.values()) if (t.mm === mm) return t;
  return null;
}

/** ksm_do_scan() for one full scan of every mm on ksmd's list. Returns the pages merged with the zero page. */
export function ksmDoScan(m: Machine, cpu: number): number {
  return m.trace.call('ksm_do_scan', () => {
    // scan_get_next_rmap_item() at the start of a scan: pages waiting in per-CPU LRU batches hold
    // a reference write_protect_page() would refuse, so lru_add_drain_all() first
    lruAddDrainAll(m);
    const arch = m.pgtableArch;
    const last = arch.levels - 1;
    let merged = 0;
    m.ksm.mms = m.ksm.mms.filter((mm) => mm.users > 0); // ksm_exit(): a dead mm leaves the list
    for (const mm of m.ksm.mms) {
      const task = ownerOf(m, mm);
      let items = m.ksm.items.get(mm);
      if (!items) m.ksm.items.set(mm, (items = new Map()));
      const seen = new Set<number>();
      const mergedNow = new Set<number>();
      for (const vma of [...mm.vmas]) {
        if (!(vma.flags & VM.MERGEABLE)) continue;
        walkPteRange(m, mm, vma.start, vma.end, (table, idx, va) => {
          const e: RawEntry = { lo: 0, hi: 0 };
          readEntry(m, table, idx, e, last);
          if (!(arch.flags(e, last) & PTE.PRESENT) || arch.flags(e, last) & PTE.SPECIAL) return;
          const page = arch.pfn(e);
          if (m.isZeroPfn(page)) return;
          const f = m.pages.flags[page]!;
          if (!(f & PG.anon) || f & (PG.head | PG.tail) || compoundHead(m, page) !== page) return;
          seen.add(va);
          m.trace.enter('cmp_and_merge_page');
          try {
            const { sum, zero } = calcChecksum(m, page);
            // a page that changed since the last scan only gets its new checksum recorded
            if (items.get(va) !== sum) {
              items.set(va, sum);
              return;
            }
            if (
              m.ksm.useZeroPages &&
              zero &&
              replaceWithZeroPage(m, mm, task, vma, table, idx, va, page, cpu)
            ) {
              merged++;
              mergedNow.add(va);
            }
          } finally {
            m.trace.leave();
          }
        });
      }
      // get_next_rmap_item() frees the items of pages the walk no longer finds — gone, or merged
      // with the zero page (folio_walk_start() never returns it): a merged page keeps its item
      // until the next scan
      for (const va of items.keys()) if (!seen.has(va) && !mergedNow.has(va)) items.delete(va);
    }
    m.ksm.fullScans++;
    return merged;
  });
}

/**
 * echo 2 > /sys/kernel/mm/ksm/run (unmerge_and_remove_all_rmap_items): every KSM zero page of
 * every mm on the list is unshared and the rmap items go; the VMAs stay VM_MERGEABLE.
 */
export function ksmUnmergeAll(m: Machine, cpu: number): void {
  m.trace.call('unmerge_and_remove_all_rmap_items', () => {
    for (const mm of m.ksm.mms) {
      const task = ownerOf(m, mm);
      if (!task) continue;
      for (const vma of [...mm.vmas])
        if (vma.flags & VM.MERGEABLE) unmergeKsmPages(m, task, vma, vma.start, vma.end, cpu);
    }
    m.ksm.items.clear();
    m.ksm.mms = [];
  });
}

/** /proc/<pid>/ksm_stat (fs/proc/base.c proc_pid_ksm_stat). */
export function ksmStat(m: Machine, mm: MmStruct | null): string {
  const items = mm ? (m.ksm.items.get(mm)?.size ?? 0) : 0;
  const zero = mm?.ksmZeroPages ?? 0;
  // ksm_process_mergeable(): some VMA of the mm is VM_MERGEABLE
  const mergeable = mm ? mm.vmas.some((v) => v.flags & VM.MERGEABLE) : false;
  return (
    `ksm_rmap_items ${items}\n` +
    `ksm_zero_pages ${zero}\n` +
    `ksm_merging_pages 0\n` +
    // ksm_process_profit(): zero pages saved, minus what the rmap items cost
    `ksm_process_profit ${zero * m.pageSize - items * 64}\n` +
    `ksm_merge_any: no\n` +
    `ksm_mergeable: ${mergeable ? 'yes' : 'no'}\n`
  );
}
