/**
 * Kernel samepage merging (mm/ksm.c): equal pages merged into KSM pages and, with
 * use_zero_pages, zero-filled ones with the zero page. MADV_MERGEABLE sets VM_MERGEABLE and enters the mm on ksmd's list (__ksm_enter); each
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
 * Equal pages merge through the two trees, as cmp_and_merge_page() does: a page first searches
 * the stable tree (KSM pages, one per content) and, if it finds its content there, its PTE is
 * replaced by the KSM page (replace_page: read-only, the old page freed). Otherwise, once its
 * checksum held still for a scan, it searches the unstable tree (this scan's candidates): an
 * equal page there makes the two one KSM page — this page becomes it (write-protected, PageKsm),
 * the tree's page is replaced by it — and a new stable node; no equal page puts it into the
 * unstable tree (pages_unshared), which is rebuilt every full scan. A KSM page is never reused by
 * a write: the fault copies it (cow_ksm). pages_shared / pages_sharing / pages_unshared /
 * pages_volatile and ksm_merging_pages count the rmap items in each tree, which change only when
 * ksmd next visits an item (a write or munmap shows at the next scan), as in the kernel.
 *
 * Simplified: the trees are maps keyed by a checksum of the content (equality still checked byte
 * by byte), not rbtrees ordered by memcmp; no stable_node chains (max_page_sharing), no smart
 * scan (pages_skipped), no NUMA; KSM pages are never swapped out (reclaim keeps them); large
 * folios are skipped rather than split; ksmd runs only when a scenario says `ksm scan`,
 * synchronously, one full scan at a time.
 */
import { PTE, type RawEntry } from '../arch/pgtable.ts';
import type { Machine } from '../machine.ts';
import { PG } from '../phys/page.ts';
import { addMmCounter, FAULT_FLAG, handleMmFault } from './memory.ts';
import { MM_ANONPAGES, VM, type MmStruct, type Task, type Vma } from './mm_types.ts';
import { readEntry, walkPteRange, writeEntry } from './pgtable.ts';
import { folioGet, folioPut, folioRemoveRmap, lruAddDrainAll } from './rmap.ts';
import { freeSwapCache } from './swapfile.ts';
import { flushTlbMmRange } from './tlb.ts';

/** An rmap item: ksmd's record of one page address of one mm (struct ksm_rmap_item). */
export interface KsmRmapItem {
  /** oldchecksum (undefined until the first visit computed one) */
  sum: number | undefined;
  /** which tree holds the item: none, unstable (UNSTABLE_FLAG) or stable (STABLE_FLAG) */
  tree: 'none' | 'unstable' | 'stable';
  /** in the stable tree: its stable node's id */
  node: number;
}

/** A stable node: one KSM page, its content's checksum, and how many rmap items it holds. */
export interface KsmStableNode {
  id: number;
  kpfn: number;
  sum: number;
  items: number;
  /** the KSM page was freed (every mapping gone): found stale at the next lookup, as ksm_get_folio does */
  stale: boolean;
}

/** One unstable-tree entry: the rmap item and where its page was mapped. */
interface UnstableEntry {
  mm: MmStruct;
  va: number;
  item: KsmRmapItem;
}

/** ksmd's state: the sysfs knobs the model has, its counters, the rmap items and the two trees. */
export interface KsmState {
  /** /sys/kernel/mm/ksm/use_zero_pages */
  useZeroPages: boolean;
  /** /sys/kernel/mm/ksm/full_scans */
  fullScans: number;
  /** /sys/kernel/mm/ksm/ksm_zero_pages: KSM zero pages mapped in every mm */
  zeroPages: number;
  /** the mms on ksmd's list (MMF_VM_MERGEABLE), in the order they entered */
  mms: MmStruct[];
  /** the rmap items per mm and page address (one exists for every page scanned) */
  items: Map<MmStruct, Map<number, KsmRmapItem>>;
  /** the stable tree's nodes by id (a stale node keeps its id after its pfn is reused) */
  stable: Map<number, KsmStableNode>;
  /** page_stable_node(): the node of each live KSM page, by pfn */
  kpfnNode: Map<number, number>;
  nextNodeId: number;
  /** the unstable tree of this full scan, by content checksum */
  unstable: Map<number, UnstableEntry[]>;
}

export function newKsmState(): KsmState {
  return {
    useZeroPages: false,
    fullScans: 0,
    zeroPages: 0,
    mms: [],
    items: new Map(),
    stable: new Map(),
    kpfnNode: new Map(),
    nextNodeId: 1,
    unstable: new Map(),
  };
}

/** The sysfs counters, from the rmap items in each tree (mm/ksm.c keeps them as running counts). */
export function ksmCounters(m: Machine): {
  pages_shared: number;
  pages_sharing: number;
  pages_unshared: number;
  pages_volatile: number;
  rmap_items: number;
} {
  let shared = 0;
  let sharing = 0;
  for (const n of m.ksm.stable.values())
    if (n.items > 0) {
      shared++;
      sharing += n.items - 1;
    }
  let unshared = 0;
  let total = 0;
  for (const items of m.ksm.items.values())
    for (const it of items.values()) {
      total++;
      if (it.tree === 'unstable') unshared++;
    }
  return {
    pages_shared: shared,
    pages_sharing: sharing,
    pages_unshared: unshared,
    pages_volatile: total - shared - sharing - unshared,
    rmap_items: total,
  };
}

/** How many stable nodes an outline lists (the counts are always whole). */
export const KSM_NODES_LISTED = 16;

/** KSM's trees in outline, for the Swap panel: the counters and the first stable nodes. */
export interface KsmOutline {
  useZeroPages: boolean;
  fullScans: number;
  zeroPages: number;
  counters: ReturnType<typeof ksmCounters>;
  /** live stable nodes (KSM pages), most shared first: pfn, rmap items, PTEs mapping it now */
  stable: { kpfn: number; items: number; mapped: number }[];
  /** stable nodes whose KSM page is gone (kept until ksmd next visits their items) */
  stale: number;
  /** processes on ksmd's list */
  mms: number;
}

export function describeKsm(m: Machine): KsmOutline {
  const live = [...m.ksm.stable.values()].filter((n) => !n.stale);
  live.sort((a, b) => b.items - a.items || a.kpfn - b.kpfn);
  return {
    useZeroPages: m.ksm.useZeroPages,
    fullScans: m.ksm.fullScans,
    zeroPages: m.ksm.zeroPages,
    counters: ksmCounters(m),
    stable: live
      .slice(0, KSM_NODES_LISTED)
      .map((n) => ({ kpfn: n.kpfn, items: n.items, mapped: m.pages.mapcount[n.kpfn]! + 1 })),
    stale: m.ksm.stable.size - live.length,
    mms: m.ksm.mms.filter((mm) => mm.users > 0).length,
  };
}

/** mm->ksm_merging_pages: this mm's rmap items in the stable tree. */
function ksmMergingPages(m: Machine, mm: MmStruct): number {
  let n = 0;
  for (const it of m.ksm.items.get(mm)?.values() ?? []) if (it.tree === 'stable') n++;
  return n;
}

/**
 * A KSM page is being freed (its last reference went): its stable node goes stale, found so by the
 * next lookup; one that no rmap item refers to any more is gone at once.
 */
export function ksmFolioFreed(m: Machine, pfn: number): void {
  m.pages.flags[pfn] = m.pages.flags[pfn]! & ~PG.ksm;
  const id = m.ksm.kpfnNode.get(pfn);
  if (id === undefined) return;
  m.ksm.kpfnNode.delete(pfn);
  const node = m.ksm.stable.get(id)!;
  node.stale = true;
  if (!node.items) m.ksm.stable.delete(id);
}

/** remove_rmap_item_from_tree(): the item leaves whichever tree holds it. */
function removeRmapItemFromTree(m: Machine, item: KsmRmapItem): void {
  if (item.tree === 'stable') {
    const node = m.ksm.stable.get(item.node)!;
    node.items--;
    if (!node.items && node.stale) m.ksm.stable.delete(item.node);
  }
  item.tree = 'none';
  item.node = 0;
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

/**
 * vma_ksm_compatible(): shared mappings (shmem, a shared file mapping) never merge; a private file
 * mapping does — its anonymous (COW) pages, not the page cache's.
 */
function vmaKsmCompatible(vma: Vma): boolean {
  return !(vma.flags & (VM.SHARED | VM.MAYSHARE));
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
 * unmerge_ksm_pages() → break_ksm() over [start, end) of one VMA: every KSM page and KSM zero PTE is unshared
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
      const page = mergeableOrder0Page(m, e);
      if (isKsmZeroPte(m, e, last) || (page >= 0 && m.pages.flags[page]! & PG.ksm)) found.push(va);
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
 * write_protect_page(): only a page whose every reference is a mapping or the swap cache (no LRU
 * batch, no pin) may be merged. Its PTE at `va` becomes read-only and clean (the dirty bit moves
 * to the folio) and the page stops being exclusive (folio_try_share_anon_rmap_pte).
 */
function writeProtectPage(
  m: Machine,
  mm: MmStruct,
  table: number,
  idx: number,
  va: number,
  page: number,
): boolean {
  const p = m.pages;
  // folio_mapcount + swapped == folio_ref_count (the kernel's +1 is its own reference)
  if (p.refcount[page] !== p.mapcount[page]! + 1 + (m.swap.folioSwap.has(page) ? 1 : 0)) return false;
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const e: RawEntry = { lo: 0, hi: 0 };
  readEntry(m, table, idx, e, last);
  const f = arch.flags(e, last);
  if (f & (PTE.WRITE | PTE.DIRTY)) {
    if (f & PTE.DIRTY) p.flags[page] = p.flags[page]! | PG.dirty; // folio_mark_dirty()
    arch.mkLeaf(page, f & ~(PTE.WRITE | PTE.DIRTY), last, e);
    writeEntry(m, table, idx, e, last);
    flushTlbMmRange(m, mm, va, va + m.pageSize); // ptep_clear_flush()
  }
  p.flags[page] = p.flags[page]! & ~PG.anonExclusive;
  return true;
}

/**
 * replace_page(): the PTE at `va` maps `kpage` instead of `page` — the zero page (dirty and
 * special: a KSM zero page, and the page leaves MM_ANONPAGES) or a KSM page (read-only, one more
 * mapping and reference; RSS stays). The old page loses this mapping and a reference.
 */
function replacePage(
  m: Machine,
  mm: MmStruct,
  task: Task | null,
  vma: Vma,
  table: number,
  idx: number,
  va: number,
  page: number,
  kpage: number,
  cpu: number,
): void {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const e: RawEntry = { lo: 0, hi: 0 };
  if (kpage < 0) {
    arch.mkLeaf(m.myZeroPfn(va), (vma.pageProt | PTE.SPECIAL | PTE.DIRTY) & ~PTE.WRITE, last, e);
    mm.ksmZeroPages++;
    m.ksm.zeroPages++;
    if (task) addMmCounter(m, task, mm, MM_ANONPAGES, -1);
    else mm.rss[MM_ANONPAGES] = mm.rss[MM_ANONPAGES]! - 1;
  } else {
    folioGet(m, kpage);
    m.pages.mapcount[kpage]!++; // folio_add_anon_rmap_pte()
    arch.mkLeaf(kpage, vma.pageProt & ~PTE.WRITE, last, e);
  }
  writeEntry(m, table, idx, e, last);
  flushTlbMmRange(m, mm, va, va + m.pageSize); // ptep_clear_flush()
  folioRemoveRmap(m, page);
  // an unmapped swap-cache folio whose slot no PTE needs leaves the cache (folio_free_swap)
  if (m.pages.mapcount[page]! < 0) freeSwapCache(m, page, cpu);
  folioPut(m, page, cpu);
}

/**
 * try_to_merge_one_page(): `page` (mapped at `va`) merges with `kpage` — the zero page (-1), a
 * KSM page, or itself, which turns it into a KSM page (PageKsm; the caller gives it a stable node).
 */
function tryToMergeOnePage(
  m: Machine,
  mm: MmStruct,
  task: Task | null,
  vma: Vma,
  table: number,
  idx: number,
  va: number,
  page: number,
  kpage: number,
  cpu: number,
): boolean {
  if (page === kpage) return true; // ksm page forked
  if (!writeProtectPage(m, mm, table, idx, va, page)) return false;
  if (kpage === KPAGE_NEW) {
    m.pages.flags[page] = m.pages.flags[page]! | PG.ksm; // folio_set_stable_node()
    return true;
  }
  replacePage(m, mm, task, vma, table, idx, va, page, kpage, cpu);
  return true;
}

/** try_to_merge_one_page(page, NULL): the page itself becomes the KSM page. */
const KPAGE_NEW = -2;

/**
 * The page a PTE maps, if ksmd may look at it: present or PROT_NONE (folio_walk_start() takes
 * pte_present()), a normal page (not the zero page, not special), anonymous, order-0. Else -1.
 */
function mergeableOrder0Page(m: Machine, e: RawEntry): number {
  const arch = m.pgtableArch;
  const f = arch.flags(e, arch.levels - 1);
  if (!(f & (PTE.PRESENT | PTE.PROTNONE)) || f & PTE.SPECIAL) return -1;
  const page = arch.pfn(e);
  if (m.isZeroPfn(page)) return -1;
  const pf = m.pages.flags[page]!;
  if (!(pf & PG.anon) || pf & (PG.head | PG.tail)) return -1;
  return page;
}

/** Where an rmap item's page is now: its PTE and page, if still an order-0 anon page (get_mergeable_page). */
function mergeablePage(
  m: Machine,
  mm: MmStruct,
  va: number,
): { vma: Vma; table: number; idx: number; page: number } | null {
  const vma = mm.vmas.find((v) => va >= v.start && va < v.end);
  if (!vma || !(vma.flags & VM.MERGEABLE)) return null;
  let found: { vma: Vma; table: number; idx: number; page: number } | null = null;
  walkPteRange(m, mm, va, va + m.pageSize, (table, idx, _va, e) => {
    const page = mergeableOrder0Page(m, e);
    if (page >= 0) found = { vma, table, idx, page };
  });
  return found;
}

function pagesIdentical(m: Machine, a: number, b: number): boolean {
  const ps = m.pageSize;
  const x = m.ram.read(a * ps, ps);
  const y = m.ram.read(b * ps, ps);
  for (let i = 0; i < ps; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** stable_tree_search(): the live KSM page with this page's content, or -1. */
function stableTreeSearch(m: Machine, page: number, sum: number): number {
  const own = m.ksm.kpfnNode.get(page);
  if (own !== undefined) return page;
  for (const node of m.ksm.stable.values())
    if (!node.stale && node.sum === sum && pagesIdentical(m, node.kpfn, page)) return node.kpfn;
  return -1;
}

/** stable_tree_append(): the item joins the KSM page's node (pages_sharing, ksm_merging_pages). */
function stableTreeAppend(m: Machine, item: KsmRmapItem, kpfn: number): void {
  const id = m.ksm.kpfnNode.get(kpfn)!;
  m.ksm.stable.get(id)!.items++;
  item.tree = 'stable';
  item.node = id;
}

/** stable_tree_insert(): a new stable node for a new KSM page. */
function stableTreeInsert(m: Machine, kpfn: number, sum: number): void {
  const id = m.ksm.nextNodeId++;
  m.ksm.stable.set(id, { id, kpfn, sum, items: 0, stale: false });
  m.ksm.kpfnNode.set(kpfn, id);
}

/**
 * unstable_tree_search_insert(): an equal page of another item in this scan's unstable tree, or
 * null after inserting this item (pages_unshared). Entries whose page went or changed are dropped.
 */
function unstableTreeSearchInsert(
  m: Machine,
  mm: MmStruct,
  va: number,
  item: KsmRmapItem,
  page: number,
  sum: number,
): { entry: UnstableEntry; where: NonNullable<ReturnType<typeof mergeablePage>> } | null {
  const list = m.ksm.unstable.get(sum) ?? [];
  for (let i = 0; i < list.length; i++) {
    const c = list[i]!;
    const where = mergeablePage(m, c.mm, c.va);
    if (!where || c.item.tree !== 'unstable' || m.pages.flags[where.page]! & PG.ksm) {
      list.splice(i--, 1);
      continue;
    }
    if (where.page === page) return null; // the same page through a fork: nothing to merge
    if (pagesIdentical(m, where.page, page)) return { entry: c, where };
  }
  list.push({ mm, va, item });
  m.ksm.unstable.set(sum, list);
  item.tree = 'unstable';
  return null;
}

/** The task that owns an mm (a thread-group leader), for its RSS events. */
function ownerOf(m: Machine, mm: MmStruct): Task | null {
  for (const t of m.tasks.values()) if (t.mm === mm) return t;
  return null;
}

/** What one full scan did: pages merged with the zero page and with KSM pages. */
export interface KsmScanResult {
  zero: number;
  ksm: number;
}

/** ksm_do_scan() for one full scan of every mm on ksmd's list. */
export function ksmDoScan(m: Machine, cpu: number): KsmScanResult {
  return m.trace.call('ksm_do_scan', () => {
    // scan_get_next_rmap_item() at the start of a scan: pages waiting in per-CPU LRU batches hold
    // a reference write_protect_page() would refuse, so lru_add_drain_all() first; the unstable
    // tree starts empty every full scan (root_unstable_tree = RB_ROOT)
    lruAddDrainAll(m);
    m.ksm.unstable.clear();
    const arch = m.pgtableArch;
    const last = arch.levels - 1;
    const res: KsmScanResult = { zero: 0, ksm: 0 };
    m.ksm.mms = m.ksm.mms.filter((mm) => mm.users > 0); // ksm_exit(): a dead mm leaves the list
    for (const mm of [...m.ksm.items.keys()])
      if (mm.users <= 0) {
        for (const it of m.ksm.items.get(mm)!.values()) removeRmapItemFromTree(m, it);
        m.ksm.items.delete(mm);
      }
    for (const mm of m.ksm.mms) {
      const task = ownerOf(m, mm);
      let items = m.ksm.items.get(mm);
      if (!items) m.ksm.items.set(mm, (items = new Map()));
      const seen = new Set<number>();
      const mergedNow = new Set<number>();
      for (const vma of [...mm.vmas]) {
        if (!(vma.flags & VM.MERGEABLE)) continue;
        const pages: { table: number; idx: number; va: number }[] = [];
        walkPteRange(m, mm, vma.start, vma.end, (table, idx, va) => pages.push({ table, idx, va }));
        for (const { table, idx, va } of pages) {
          const e: RawEntry = { lo: 0, hi: 0 };
          readEntry(m, table, idx, e, last);
          const page = mergeableOrder0Page(m, e);
          if (page < 0) continue;
          seen.add(va);
          let item = items.get(va);
          if (!item) items.set(va, (item = { sum: undefined, tree: 'none', node: 0 }));
          m.trace.enter('cmp_and_merge_page');
          try {
            const r = cmpAndMergePage(m, mm, task, vma, table, idx, va, page, item, cpu);
            if (r === 'zero') {
              res.zero++;
              mergedNow.add(va);
            } else if (r === 'ksm') res.ksm++;
          } finally {
            m.trace.leave();
          }
        }
      }
      // get_next_rmap_item() frees the items of pages the walk no longer finds — gone, or merged
      // with the zero page (folio_walk_start() never returns it): a merged page keeps its item
      // until the next scan
      for (const [va, it] of items)
        if (!seen.has(va) && !mergedNow.has(va)) {
          removeRmapItemFromTree(m, it);
          items.delete(va);
        }
    }
    m.ksm.fullScans++;
    return res;
  });
}

/** cmp_and_merge_page(): one page of one rmap item. */
function cmpAndMergePage(
  m: Machine,
  mm: MmStruct,
  task: Task | null,
  vma: Vma,
  table: number,
  idx: number,
  va: number,
  page: number,
  item: KsmRmapItem,
  cpu: number,
): 'zero' | 'ksm' | null {
  // a KSM page this item is already in the stable tree for: nothing to do
  const own = m.ksm.kpfnNode.get(page);
  if (own !== undefined && item.tree === 'stable' && item.node === own) return null;
  const { sum, zero } = calcChecksum(m, page);
  const kpage = stableTreeSearch(m, page, sum);
  removeRmapItemFromTree(m, item);
  if (kpage >= 0) {
    // try_to_merge_with_ksm_page() with the KSM page found
    if (!tryToMergeOnePage(m, mm, task, vma, table, idx, va, page, kpage, cpu)) return null;
    stableTreeAppend(m, item, kpage);
    return kpage === page ? null : 'ksm';
  }
  // a page that changed since the last scan only gets its new checksum recorded (volatile)
  if (item.sum !== sum) {
    item.sum = sum;
    return null;
  }
  // try_to_merge_with_zero_page(): on failure the page still goes on to the unstable tree
  if (m.ksm.useZeroPages && zero && writeProtectPage(m, mm, table, idx, va, page)) {
    replacePage(m, mm, task, vma, table, idx, va, page, -1, cpu);
    return 'zero';
  }
  const tree = unstableTreeSearchInsert(m, mm, va, item, page, sum);
  if (!tree) return null;
  // try_to_merge_two_pages(): this page becomes the KSM page, the tree's page is replaced by it
  if (!tryToMergeOnePage(m, mm, task, vma, table, idx, va, page, KPAGE_NEW, cpu)) return null;
  const w = tree.where;
  const other = tree.entry.mm;
  if (
    !tryToMergeOnePage(m, other, ownerOf(m, other), w.vma, w.table, w.idx, tree.entry.va, w.page, page, cpu)
  ) {
    // break_cow(): the page just made KSM is unshared again by an unshare fault (a copy,
    // cow_ksm); the tree's item stays where it was
    if (task) handleMmFault(m, task, vma, va, false, cpu, FAULT_FLAG.REMOTE | FAULT_FLAG.UNSHARE);
    return null;
  }
  // try_to_merge_with_ksm_page() took the tree's item out of the unstable tree once merged
  removeRmapItemFromTree(m, tree.entry.item);
  stableTreeInsert(m, page, sum);
  stableTreeAppend(m, tree.entry.item, page);
  stableTreeAppend(m, item, page);
  return 'ksm';
}

/**
 * echo 2 > /sys/kernel/mm/ksm/run (unmerge_and_remove_all_rmap_items): every KSM page and KSM
 * zero page of every mm on the list is unshared and the rmap items go; the VMAs stay
 * VM_MERGEABLE and the mms on ksmd's list, so a later scan merges them again.
 */
export function ksmUnmergeAll(m: Machine, cpu: number): void {
  m.trace.call('unmerge_and_remove_all_rmap_items', () => {
    for (const mm of m.ksm.mms) {
      const task = ownerOf(m, mm);
      if (!task) continue;
      for (const vma of [...mm.vmas])
        if (vma.flags & VM.MERGEABLE) unmergeKsmPages(m, task, vma, vma.start, vma.end, cpu);
    }
    for (const items of m.ksm.items.values()) for (const it of items.values()) removeRmapItemFromTree(m, it);
    m.ksm.items.clear();
    m.ksm.unstable.clear();
    // a slot goes only with its exiting mm (ksm_test_exit): the others stay on ksmd's list
    m.ksm.mms = m.ksm.mms.filter((mm) => mm.users > 0);
  });
}

/** /proc/<pid>/ksm_stat (fs/proc/base.c proc_pid_ksm_stat). */
export function ksmStat(m: Machine, mm: MmStruct | null): string {
  const items = mm ? (m.ksm.items.get(mm)?.size ?? 0) : 0;
  const zero = mm?.ksmZeroPages ?? 0;
  const merging = mm ? ksmMergingPages(m, mm) : 0;
  // ksm_process_mergeable(): some VMA of the mm is VM_MERGEABLE
  const mergeable = mm ? mm.vmas.some((v) => v.flags & VM.MERGEABLE) : false;
  return (
    `ksm_rmap_items ${items}\n` +
    `ksm_zero_pages ${zero}\n` +
    `ksm_merging_pages ${merging}\n` +
    // ksm_process_profit(): pages merged (KSM and zero), minus what the rmap items cost
    `ksm_process_profit ${(merging + zero) * m.pageSize - items * 64}\n` +
    `ksm_merge_any: no\n` +
    `ksm_mergeable: ${mergeable ? 'yes' : 'no'}\n`
  );
}
