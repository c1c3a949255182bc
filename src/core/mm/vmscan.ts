/**
 * Page reclaim (mm/vmscan.c), the classic two-list LRU (this machine class is built without
 * CONFIG_LRU_GEN, so there is no MGLRU): shrink_node → shrink_lruvec → shrink_list →
 * shrink_active_list (age: active folios move to the inactive list, their PTE Accessed bits
 * cleared) and shrink_inactive_list (isolate from the tail, folio_check_references' second
 * chance, shrink_folio_list). Three callers drive it: kswapd (mm/kswapd.ts: balance_pgdat),
 * direct reclaim from the allocator's slow path (try_to_free_pages), and proactive reclaim
 * (`reclaim <size>`: the node's /sys/devices/system/node/node0/reclaim); MADV_PAGEOUT's
 * reclaim_pages() runs shrink_folio_list on the folios madvise isolated, ignoring references.
 *
 * shrink_folio_list for an anonymous folio: add_to_swap() (a slot, the swap cache, dirty),
 * try_to_unmap() (each PTE becomes a swap PTE: swap_duplicate, MM_SWAPENTS), pageout() →
 * swap_writeout(). A zero-filled folio only sets its zeromap bit and __remove_mapping() frees it
 * at once; a written folio is under writeback and stays in the swap cache on the inactive list
 * until a later pass frees it (its write has "completed" by then). A lazyfree folio (MADV_FREE:
 * anon with PG_swapbacked clear) takes no slot: discarded when clean (pglazyfreed), reactivated
 * as swap-backed anon when written since.
 *
 * The model has no anon_vma chains: reclaim finds each folio's mappings in a reverse map built by
 * walking every process's page tables (buildRmapIndex), which finds the same set rmap_walk_anon
 * would; it is kept between calls, each entry checked before use, and built again (at most once
 * per call) when it has fallen behind a folio's mapcount.
 * A disk file's clean page-cache folio is unmapped and dropped from the cache; a dirty one is
 * activated (reclaim leaves file writeback to the flushers: `sync` here).
 * Simplified (docs/ACCURACY.md): large folios (THPs) and shmem folios are kept, not split or
 * swapped; get_scan_count scans every evictable list by size >> priority (anon only with swap
 * space), without swappiness costs or refault-driven balancing; no workingset shadow entries.
 */
import { mlockFolio } from './mlock.ts';
import { PTE, type RawEntry } from '../arch/pgtable.ts';
import type { Machine } from '../machine.ts';
import { Owner, PG } from '../phys/page.ts';
import { filemapRemoveFolio, folioMarkDirty } from './filemap.ts';
import { addMmCounter } from './memory.ts';
import {
  EVICTABLE_LRUS,
  folioNrPages,
  folioPutbackLru,
  isActiveLru,
  isFileLru,
  lruHead,
  lruvecAddFolioTail,
  lruvecDelFolio,
  type LruList,
} from './mm_inline.ts';
import { vmaFind } from './mmap.ts';
import {
  MM_ANONPAGES,
  MM_FILEPAGES,
  MM_SWAPENTS,
  VM,
  type MmStruct,
  type ShmemFile,
  type Task,
} from './mm_types.ts';
import { swapWriteout } from './page_io.ts';
import { clearEntry, readEntry, walkTable, WALK_HUGE, writeEntry } from './pgtable.ts';
import { folioPut, folioRemoveRmap, lruAddDrainCpu } from './rmap.ts';
import { getSwapSlot, swapDuplicate } from './swapfile.ts';
import { addToSwapCache, deleteFromSwapCache, folioTestSwapcache } from './swap_state.ts';
import { mkSwapPte } from './swapops.ts';
import { flushTlbMmRange } from './tlb.ts';
import { pgtableIndex } from '../arch/pgtable.ts';

/** SWAP_CLUSTER_MAX: folios one shrink_list call takes, and direct reclaim's target. */
export const SWAP_CLUSTER_MAX = 32;
/** DEF_PRIORITY: the first pass scans lru_size >> 12; each harder pass halves the shift. */
export const DEF_PRIORITY = 12;

/**
 * An isolated folio and where its one mapping is: MADV_PAGEOUT's walk found the PTE and hands it
 * over (madvise only takes folios one process maps).
 */
export interface IsolatedFolio {
  pfn: number;
  task: Task;
  va: number;
  table: number;
  idx: number;
}

/** One PTE mapping a folio, as rmap_walk would visit it. */
export interface FolioMapping {
  task: Task;
  va: number;
  table: number;
  idx: number;
  /** the VMA is VM_LOCKED (mlock): reclaim must not take the folio */
  locked: boolean;
}

/** Who is reclaiming: reclaimer_offset() picks the pgscan_ / pgsteal_ counter by it. */
export type Reclaimer = 'kswapd' | 'direct' | 'proactive' | 'madvise';

/** struct scan_control, the parts the model uses. */
export interface ScanControl {
  nrToReclaim: number;
  nrReclaimed: number;
  nrScanned: number;
  priority: number;
  reclaimer: Reclaimer;
  /** DEACTIVATE_ANON (1) | DEACTIVATE_FILE (2): prepare_scan_control's may_deactivate */
  mayDeactivate: number;
  cpu: number;
  /** the reverse map was built during this call (mappingsOf builds it at most once per call) */
  rmapBuilt: boolean;
  /**
   * prepare_scan_control()'s cache_trim_mode: plenty of inactive file pages (and the file list
   * not being aged), so get_scan_count scans the file lists only (SCAN_FILE), anon left alone
   */
  cacheTrimMode: boolean;
}

export function newScanControl(reclaimer: Reclaimer, nrToReclaim: number, cpu: number): ScanControl {
  return {
    nrToReclaim,
    nrReclaimed: 0,
    nrScanned: 0,
    priority: DEF_PRIORITY,
    reclaimer,
    mayDeactivate: 0,
    cpu,
    rmapBuilt: false,
    cacheTrimMode: false,
  };
}

const E: RawEntry = { lo: 0, hi: 0 };

/**
 * The reverse map the kernel reaches through folio->mapping (anon_vma): here one walk over every
 * address space's PTE tables (each mm once), pfn → its PTE mappings. Huge PMDs are skipped:
 * reclaim keeps large folios.
 */
export function buildRmapIndex(m: Machine): Map<number, FolioMapping[]> {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const ps = m.pageSize;
  const span = 2 ** arch.levelShift[last - 1]!;
  const esize = m.entrySize[last]!;
  const e: RawEntry = { lo: 0, hi: 0 };
  const index = new Map<number, FolioMapping[]>();
  const seen = new Set<MmStruct>();
  for (const t of m.tasks.values()) {
    const mm = t.mm;
    if (!mm || t.state !== 'R' || seen.has(mm)) continue;
    seen.add(mm);
    for (const v of mm.vmas) {
      const locked = (v.flags & VM.LOCKED) !== 0;
      for (let a = v.start; a < v.end;) {
        const tableEnd = Math.min(v.end, (Math.floor(a / span) + 1) * span);
        const table = walkTable(m, mm, a);
        if (table >= 0 && table !== WALK_HUGE) {
          const n = (tableEnd - a) / ps;
          const first = pgtableIndex(arch, a, last);
          const raw = m.ram.read(table * ps + first * esize, n * esize);
          const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
          for (let k = 0; k < n; k++) {
            e.lo = dv.getUint32(k * esize, true);
            e.hi = esize === 8 ? dv.getUint32(k * esize + 4, true) : 0;
            if (arch.isNone(e, last) || !(arch.flags(e, last) & PTE.PRESENT)) continue;
            const pfn = arch.pfn(e);
            // anonymous pages and disk files' page-cache pages (isolated ones too: PG_lru is
            // clear while reclaim holds them); shmem is not reclaimed
            if (
              pfn >= m.pages.nrPages ||
              !(m.pages.flags[pfn]! & PG.anon || m.pages.owner[pfn] === Owner.File)
            )
              continue;
            let list = index.get(pfn);
            if (!list) index.set(pfn, (list = []));
            list.push({ task: t, va: a + k * ps, table, idx: first + k, locked });
          }
        }
        a = tableEnd;
      }
    }
  }
  return index;
}

/**
 * The last reverse map built for each machine (a derived cache, never saved: a restored copy is
 * a new Machine and starts without one). Entries are checked before use, and the map is built
 * again, at most once per reclaim call, when a folio's checked mappings fall short of its
 * mapcount (it was mapped, or mapped again, since).
 */
const rmapCache = new WeakMap<Machine, Map<number, FolioMapping[]>>();

/** The cached mappings of pfn that still hold: the task alive, the PTE in its tables mapping pfn. */
function validMappings(m: Machine, pfn: number, cached: FolioMapping[] | undefined): FolioMapping[] {
  if (!cached) return [];
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const out: FolioMapping[] = [];
  for (const mp of cached) {
    const mm = mp.task.mm;
    if (!mm || mp.task.state !== 'R' || walkTable(m, mm, mp.va) !== mp.table) continue;
    readEntry(m, mp.table, mp.idx, E, last);
    if (arch.isNone(E, last) || !(arch.flags(E, last) & PTE.PRESENT) || arch.pfn(E) !== pfn) continue;
    const v = vmaFind(mm, mp.va, mp.va + 1);
    if (!v) continue;
    mp.locked = (v.flags & VM.LOCKED) !== 0;
    out.push(mp);
  }
  return out;
}

/**
 * rmap_walk(): the PTEs that map pfn, from the cached reverse map, built again once per reclaim
 * call when it has fallen behind.
 */
function mappingsOf(m: Machine, sc: ScanControl, pfn: number): FolioMapping[] {
  const want = m.pages.mapcount[pfn]! + 1;
  if (want <= 0) return [];
  const idx = rmapCache.get(m);
  if (idx) {
    const v = validMappings(m, pfn, idx.get(pfn));
    if (v.length === want || sc.rmapBuilt) return v;
  }
  const fresh = buildRmapIndex(m);
  rmapCache.set(m, fresh);
  sc.rmapBuilt = true;
  return validMappings(m, pfn, fresh.get(pfn));
}

/** The folio was unmapped: its cached mappings are gone. */
function forgetMappings(m: Machine, pfn: number): void {
  rmapCache.get(m)?.delete(pfn);
}

/**
 * folio_referenced(): how many of the folio's PTEs were accessed since the last look; each
 * Accessed (young) bit is cleared as it is counted (ptep_clear_flush_young) and its translation
 * flushed, so the next access walks the page table and sets it again. `locked` reports a VM_LOCKED mapping (vm_flags).
 */
export function folioReferenced(
  m: Machine,
  maps: readonly FolioMapping[],
  pfn: number,
  cpu: number,
): { referenced: number; locked: boolean } {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  let referenced = 0;
  for (const mp of maps) {
    if (mp.locked) {
      // folio_referenced_one(): "Restore the mlock which got missed" (a page swapped back in
      // fresh, say): mlock_vma_folio(), so the folio ends on the unevictable list
      mlockFolio(m, pfn, cpu);
      return { referenced: referenced + 1, locked: true };
    }
    readEntry(m, mp.table, mp.idx, E, last);
    const f = arch.flags(E, last);
    if (!(f & PTE.PRESENT) || !(f & PTE.YOUNG)) continue;
    arch.mkLeaf(arch.pfn(E), f & ~PTE.YOUNG, last, E);
    writeEntry(m, mp.table, mp.idx, E, last);
    // The model's TLBs never evict, so a translation left cached would hide every later use
    // from this bit: flush it, as ptep_clear_flush_young() does everywhere but x86 (whose small
    // TLBs lose the entry soon enough that Linux skips the flush there).
    flushTlbMmRange(m, mp.task.mm!, mp.va, mp.va + m.pageSize);
    referenced++;
  }
  return { referenced, locked: false };
}

type FolioRef = 'activate' | 'keep' | 'reclaim' | 'reclaim_clean';

/**
 * folio_check_references(): the second chance. A folio whose PTEs were used since the last look
 * is marked PG_referenced and kept on the inactive list once; used again (or by more than one
 * PTE) it is activated. Unused, it is reclaimed.
 */
function folioCheckReferences(m: Machine, pfn: number, maps: readonly FolioMapping[], cpu: number): FolioRef {
  const p = m.pages;
  const { referenced, locked } = m.trace.call('folio_referenced', () => folioReferenced(m, maps, pfn, cpu));
  const referencedFolio = (p.flags[pfn]! & PG.referenced) !== 0;
  p.flags[pfn] = p.flags[pfn]! & ~PG.referenced; // folio_test_clear_referenced
  if (locked) return 'activate';
  if (referenced) {
    p.flags[pfn] = p.flags[pfn]! | PG.referenced; // folio_set_referenced
    if (referencedFolio || referenced > 1) return 'activate';
    return 'keep';
  }
  if (referencedFolio && !(p.flags[pfn]! & PG.swapbacked)) return 'reclaim_clean';
  return 'reclaim';
}

/** try_to_unmap_one() for one PTE of an anonymous folio: it becomes a swap PTE for `key`. */
function tryToUnmapOne(m: Machine, pfn: number, mp: FolioMapping, key: number, cpu: number): void {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const p = m.pages;
  const mm = mp.task.mm!;
  readEntry(m, mp.table, mp.idx, E, last);
  // ptep_clear_flush(): the TLB must not keep the old translation
  flushTlbMmRange(m, mm, mp.va, mp.va + m.pageSize);
  if (arch.flags(E, last) & PTE.DIRTY) p.flags[pfn] = p.flags[pfn]! | PG.dirty;
  const exclusive = (p.flags[pfn]! & PG.anonExclusive) !== 0;
  swapDuplicate(m, key); // folio_dup_swap(): the PTE's reference on the slot
  mkSwapPte(m, key, exclusive, E); // pte_swp_mkexclusive when PageAnonExclusive
  writeEntry(m, mp.table, mp.idx, E, last);
  p.flags[pfn] = p.flags[pfn]! & ~PG.anonExclusive;
  addMmCounter(m, mp.task, mm, MM_ANONPAGES, -1);
  addMmCounter(m, mp.task, mm, MM_SWAPENTS, 1);
  folioRemoveRmap(m, pfn);
  folioPut(m, pfn, cpu);
}

/**
 * try_to_unmap_one() for a lazyfree folio (anon, PG_swapbacked clear: MADV_FREE): each PTE is
 * cleared and flushed; a dirty PTE marks the folio dirty. A dirty folio was written since
 * MADV_FREE: the PTE is put back, PG_swapbacked set again, and the unmap fails (the data is kept).
 * A clean one is discarded: no swap slot, the PTE stays none, MM_ANONPAGES down. True when unmapped.
 */
function tryToUnmapLazyfree(m: Machine, pfn: number, mp: FolioMapping, cpu: number): boolean {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const p = m.pages;
  const mm = mp.task.mm!;
  readEntry(m, mp.table, mp.idx, E, last);
  clearEntry(m, mp.table, mp.idx, last);
  flushTlbMmRange(m, mm, mp.va, mp.va + m.pageSize);
  if (arch.flags(E, last) & PTE.DIRTY) p.flags[pfn] = p.flags[pfn]! | PG.dirty;
  if (p.flags[pfn]! & PG.dirty) {
    writeEntry(m, mp.table, mp.idx, E, last); // set_ptes(pteval): redirtied
    p.flags[pfn] = p.flags[pfn]! | PG.swapbacked;
    return false;
  }
  addMmCounter(m, mp.task, mm, MM_ANONPAGES, -1);
  folioRemoveRmap(m, pfn);
  folioPut(m, pfn, cpu);
  return true;
}

/** activate_locked: PG_active set and pgactivate counted; the caller puts the folio back. */
function activateLocked(m: Machine, pfn: number): void {
  m.pages.flags[pfn] = m.pages.flags[pfn]! | PG.active;
  m.vmstat.add('pgactivate', folioNrPages(m, pfn));
}

/** Back on its LRU list, the isolation reference dropped (move_folios_to_lru / folio_putback_lru). */
function putback(m: Machine, pfn: number, cpu: number): void {
  folioPutbackLru(m, pfn);
  folioPut(m, pfn, cpu);
}

/**
 * shrink_folio_list(): try to free each isolated folio (oldest first); what cannot be freed goes
 * back on its list (activated or kept). Returns the pages reclaimed. `ignoreReferences` is
 * reclaim_pages' (MADV_PAGEOUT): no second chance.
 */
export function shrinkFolioList(
  m: Machine,
  folios: readonly number[],
  sc: ScanControl,
  ignoreReferences: boolean,
  mappings: (pfn: number) => FolioMapping[] = (pfn) => mappingsOf(m, sc, pfn),
): number {
  return m.trace.call('shrink_folio_list', () => {
    const p = m.pages;
    const cpu = sc.cpu;
    let reclaimed = 0;
    for (const pfn of folios) {
      const f = p.flags[pfn]!;
      // !folio_evictable(): an mlocked folio (isolated through a mapping that is not VM_LOCKED,
      // a fork child's, say) is never reclaimed: activate_locked, then back through lru_add(),
      // which puts it on the unevictable list
      if (f & PG.mlocked) {
        putback(m, pfn, cpu);
        continue;
      }
      if (p.owner[pfn] === Owner.File) {
        if (shrinkFileFolio(m, pfn, sc, ignoreReferences, mappings)) reclaimed++;
        continue;
      }
      // Large folios and shmem are kept: the kernel splits a THP (or swaps it whole) and writes
      // shmem through shmem_writeout, neither of which the model does.
      if (f & (PG.head | PG.ksm) || !(f & PG.anon)) {
        putback(m, pfn, cpu);
        continue;
      }
      const maps = mappings(pfn);
      // __remove_mapping()'s folio_ref_freeze() fails on any reference beyond the mappings, the
      // swap cache's and ours (a fault in progress holds one, so do per-CPU batches): checked
      // up front here, where the kernel finds out after unmapping and keeps the folio
      const expected = maps.length + 1 + (folioTestSwapcache(m, pfn) ? 1 : 0);
      if (p.refcount[pfn]! > expected || maps.length !== p.mapcount[pfn]! + 1) {
        putback(m, pfn, cpu);
        continue;
      }
      if (!ignoreReferences) {
        const ref = folioCheckReferences(m, pfn, maps, cpu);
        if (ref === 'activate') {
          activateLocked(m, pfn);
          putback(m, pfn, cpu);
          continue;
        }
        if (ref === 'keep') {
          putback(m, pfn, cpu);
          continue;
        }
      }
      if (!(p.flags[pfn]! & PG.swapbacked)) {
        // a lazyfree folio needs no swap: discarded if still clean (pglazyfreed), else
        // activate_locked: back on the active anon list, its data kept
        let unmapped = true;
        for (const mp of maps) if (!tryToUnmapLazyfree(m, pfn, mp, cpu)) unmapped = false;
        if (unmapped) {
          m.vmstat.add('pglazyfreed', 1);
          forgetMappings(m, pfn);
          folioPut(m, pfn, cpu); // the isolation reference was the last: free_unref_folios
          reclaimed++;
        } else {
          activateLocked(m, pfn);
          putback(m, pfn, cpu);
        }
        continue;
      }
      if (!folioTestSwapcache(m, pfn)) {
        // add_to_swap(): folio_alloc_swap + the swap cache; the folio is dirty from now on
        const key = m.swap.totalSwapPages ? getSwapSlot(m) : -1;
        if (key < 0) {
          activateLocked(m, pfn);
          putback(m, pfn, cpu);
          continue;
        }
        m.trace.call('add_to_swap', () => addToSwapCache(m, pfn, key));
        p.flags[pfn] = p.flags[pfn]! | PG.dirty;
      }
      const key = m.swap.folioSwap.get(pfn)!;
      if (maps.length)
        m.trace.call('try_to_unmap', () => {
          for (const mp of maps) tryToUnmapOne(m, pfn, mp, key, cpu);
        });
      forgetMappings(m, pfn);
      // pageout() → folio_clear_dirty_for_io() → swap_writeout()
      if (p.flags[pfn]! & PG.dirty) {
        p.flags[pfn] = p.flags[pfn]! & ~PG.dirty;
        const r = m.trace.call('swap_writeout', () => swapWriteout(m, pfn, key, cpu));
        if (r === 'written') {
          // PAGE_SUCCESS with the folio under writeback (PG_reclaim set): it stays in the swap
          // cache until the write ends; then folio_rotate_reclaimable() moves it to the tail of
          // the inactive list, where the next scan frees it. The model's write ends at once:
          // the folio goes straight to the tail. SwapCached shows it meanwhile; a fault on it
          // before then is minor.
          lruvecAddFolioTail(m, pfn);
          folioPut(m, pfn, cpu);
          continue;
        }
      }
      // __remove_mapping(): out of the swap cache (the slot keeps the PTEs' references), then
      // the isolation reference was the last one: free_unref_folios
      m.trace.call('__remove_mapping', () => deleteFromSwapCache(m, pfn, cpu, false));
      folioPut(m, pfn, cpu);
      reclaimed++;
    }
    return reclaimed;
  });
}

/**
 * The page cache's owner of each cached page of the disk files (folio->mapping, folio->index),
 * for one reclaim pass: built when the pass meets its first file folio.
 */
const pageCacheOwners = new WeakMap<ScanControl, Map<number, [ShmemFile, number]>>();

function pageCacheOwner(m: Machine, sc: ScanControl, pfn: number): [ShmemFile, number] | undefined {
  let idx = pageCacheOwners.get(sc);
  if (!idx) {
    idx = new Map();
    for (const f of m.files.values()) if (f.kind === 'disk') for (const [i, p] of f.pages) idx.set(p, [f, i]);
    pageCacheOwners.set(sc, idx);
  }
  return idx.get(pfn);
}

/**
 * shrink_folio_list() for a disk file's page-cache folio: the second chance as for anon; then
 * try_to_unmap() clears every PTE (a dirty PTE dirties the folio: RssFile down, nr_mapped down
 * with the last). A dirty folio is not written by reclaim (only kswapd under dirty pressure
 * writes file folios; no flusher thread here: `sync` does): it is activated, counted in
 * nr_vmscan_immediate_reclaim. A clean one leaves the page cache (__remove_mapping) and is freed.
 * True when it was reclaimed.
 */
function shrinkFileFolio(
  m: Machine,
  pfn: number,
  sc: ScanControl,
  ignoreReferences: boolean,
  mappings: (pfn: number) => FolioMapping[],
): boolean {
  const p = m.pages;
  const cpu = sc.cpu;
  const owner = pageCacheOwner(m, sc, pfn);
  const maps = mappings(pfn);
  // references: the mappings, the page cache's, ours
  if (!owner || p.refcount[pfn]! > maps.length + 2 || maps.length !== p.mapcount[pfn]! + 1) {
    putback(m, pfn, cpu);
    return false;
  }
  if (!ignoreReferences) {
    const ref = folioCheckReferences(m, pfn, maps, cpu);
    if (ref === 'activate') {
      activateLocked(m, pfn);
      putback(m, pfn, cpu);
      return false;
    }
    if (ref === 'keep') {
      putback(m, pfn, cpu);
      return false;
    }
  }
  if (maps.length)
    m.trace.call('try_to_unmap', () => {
      const arch = m.pgtableArch;
      const last = arch.levels - 1;
      for (const mp of maps) {
        const mm = mp.task.mm!;
        readEntry(m, mp.table, mp.idx, E, last);
        clearEntry(m, mp.table, mp.idx, last);
        flushTlbMmRange(m, mm, mp.va, mp.va + m.pageSize);
        if (arch.flags(E, last) & PTE.DIRTY) folioMarkDirty(m, pfn);
        addMmCounter(m, mp.task, mm, MM_FILEPAGES, -1);
        folioRemoveRmap(m, pfn);
        folioPut(m, pfn, cpu);
      }
    });
  forgetMappings(m, pfn);
  if (p.flags[pfn]! & (PG.dirty | PG.writeback)) {
    m.vmstat.inc('nr_vmscan_immediate_reclaim');
    activateLocked(m, pfn);
    putback(m, pfn, cpu);
    return false;
  }
  m.trace.call('__remove_mapping', () => filemapRemoveFolio(m, owner[0], owner[1], pfn, cpu));
  pageCacheOwners.get(sc)!.delete(pfn);
  folioPut(m, pfn, cpu); // the isolation reference was the last: free_unref_folios
  return true;
}

/**
 * reclaim_pages() (MADV_PAGEOUT): shrink_folio_list with ignore_references on the folios
 * madvise isolated, each with the one mapping the walk found. Returns the number reclaimed.
 */
export function reclaimPages(m: Machine, list: IsolatedFolio[], cpu: number): number {
  return m.trace.call('reclaim_pages', () => {
    const sc = newScanControl('madvise', list.length, cpu);
    const maps = new Map<number, FolioMapping[]>();
    for (const f of list)
      maps.set(f.pfn, [{ task: f.task, va: f.va, table: f.table, idx: f.idx, locked: false }]);
    return shrinkFolioList(
      m,
      list.map((f) => f.pfn),
      sc,
      true,
      (pfn) => maps.get(pfn) ?? [],
    );
  });
}

/** reclaimer_offset(): pgscan_kswapd / _direct / _proactive (MADV_PAGEOUT counts none). */
function countReclaim(
  m: Machine,
  sc: ScanControl,
  what: 'pgscan' | 'pgsteal',
  n: number,
  file: boolean,
): void {
  if (sc.reclaimer === 'madvise' || !n) return;
  m.vmstat.add(`${what}_${sc.reclaimer}`, n);
  m.vmstat.add(`${what}_${file ? 'file' : 'anon'}`, n);
}

/**
 * isolate_lru_folios(): up to nrToScan folios from the tail of `lru` (the oldest), each taken off
 * the list with a reference; returned oldest first. `scanned` counts pages.
 */
function isolateLruFolios(m: Machine, nrToScan: number, lru: LruList): { folios: number[]; scanned: number } {
  return m.trace.call('isolate_lru_folios', () => {
    const p = m.pages;
    const h = lruHead(m, lru);
    const folios: number[] = [];
    let scanned = 0;
    while (scanned < nrToScan && !p.listEmpty(h)) {
      const pfn = p.listLast(h);
      scanned += folioNrPages(m, pfn);
      p.refcount[pfn]!++;
      lruvecDelFolio(m, pfn);
      folios.push(pfn);
    }
    return { folios, scanned };
  });
}

/**
 * shrink_active_list(): age the active list. Its oldest folios are isolated (pgrefill), their
 * PTE Accessed bits read and cleared (folio_referenced), and all but file-backed executable ones
 * that were used move to the inactive list (pgdeactivate): an anonymous folio's use while active
 * does not keep it active, it only gets its second chance on the inactive list.
 */
export function shrinkActiveList(m: Machine, nrToScan: number, sc: ScanControl, lru: LruList): void {
  m.trace.call('shrink_active_list', () => {
    lruAddDrainCpu(m, sc.cpu);
    const { folios, scanned } = isolateLruFolios(m, nrToScan, lru);
    m.vmstat.add('pgrefill', scanned);
    let deactivated = 0;
    const p = m.pages;
    for (const pfn of folios) {
      // !folio_evictable(): back where it belongs (lru_add puts an mlocked folio on the unevictable list)
      if (p.flags[pfn]! & PG.mlocked) {
        putback(m, pfn, sc.cpu);
        continue;
      }
      const maps = mappingsOf(m, sc, pfn);
      m.trace.call('folio_referenced', () => folioReferenced(m, maps, pfn, sc.cpu));
      // (VM_EXEC file folios that were referenced stay active: the model maps no executable files)
      p.flags[pfn] = p.flags[pfn]! & ~PG.active;
      deactivated += folioNrPages(m, pfn);
      putback(m, pfn, sc.cpu);
    }
    if (deactivated) m.vmstat.add('pgdeactivate', deactivated);
  });
}

/**
 * shrink_inactive_list(): isolate the oldest inactive folios (pgscan_*), shrink_folio_list them
 * with the second chance, count what was freed (pgsteal_*). Returns pages reclaimed.
 */
function shrinkInactiveList(m: Machine, nrToScan: number, sc: ScanControl, lru: LruList): number {
  return m.trace.call('shrink_inactive_list', () => {
    lruAddDrainCpu(m, sc.cpu);
    const { folios, scanned } = isolateLruFolios(m, nrToScan, lru);
    sc.nrScanned += scanned;
    countReclaim(m, sc, 'pgscan', scanned, isFileLru(lru));
    const reclaimed = shrinkFolioList(m, folios, sc, false);
    countReclaim(m, sc, 'pgsteal', reclaimed, isFileLru(lru));
    return reclaimed;
  });
}

/** shrink_list(): an active list is only aged when prepare_scan_control allowed it. */
function shrinkList(m: Machine, lru: LruList, nrToScan: number, sc: ScanControl): number {
  if (isActiveLru(lru)) {
    if (sc.mayDeactivate & (isFileLru(lru) ? 2 : 1)) shrinkActiveList(m, nrToScan, sc, lru);
    return 0;
  }
  return shrinkInactiveList(m, nrToScan, sc, lru);
}

/**
 * inactive_is_low(): the inactive list is short of its share. inactive_ratio is
 * int_sqrt(10 * gigabytes) of the two lists together, or 1 below a gigabyte.
 */
export function inactiveIsLow(m: Machine, inactive: LruList): boolean {
  const active: LruList = inactive === 'inactive_anon' ? 'active_anon' : 'active_file';
  const ni = m.vmstat.get(`nr_${inactive}`);
  const na = m.vmstat.get(`nr_${active}`);
  const gb = Math.floor(((ni + na) * m.pageSize) / 2 ** 30);
  const ratio = gb ? Math.floor(Math.sqrt(10 * gb)) : 1;
  return ni * ratio < na;
}

/** can_reclaim_anon_pages(): anonymous folios can only go to swap. */
function canReclaimAnon(m: Machine): boolean {
  return m.swap.nrSwapPages > 0;
}

/**
 * shrink_lruvec(): get_scan_count (each evictable list's size >> priority; anon lists only with
 * free swap space and not in cache_trim_mode), then SWAP_CLUSTER_MAX at a time from each list in turn until the targets are
 * scanned or enough was reclaimed; last, age the active anon list if the inactive one is low.
 */
function shrinkLruvec(m: Machine, sc: ScanControl): void {
  m.trace.call('shrink_lruvec', () => {
    const anon = canReclaimAnon(m);
    const nr = new Map<LruList, number>();
    for (const lru of EVICTABLE_LRUS) {
      if (!isFileLru(lru) && (!anon || sc.cacheTrimMode)) continue;
      nr.set(lru, Math.floor(m.vmstat.get(`nr_${lru}`) / 2 ** sc.priority));
    }
    let reclaimed = 0;
    const left = () =>
      (nr.get('inactive_anon') ?? 0) + (nr.get('active_file') ?? 0) + (nr.get('inactive_file') ?? 0) > 0;
    while (left()) {
      for (const lru of EVICTABLE_LRUS) {
        const n = nr.get(lru) ?? 0;
        if (!n) continue;
        const scan = Math.min(n, SWAP_CLUSTER_MAX);
        nr.set(lru, n - scan);
        reclaimed += shrinkList(m, lru, scan, sc);
      }
      // Direct reclaim's first pass scans every list in proportion; otherwise, once enough is
      // freed, the kernel scales the other lists' targets down: the model stops there.
      const proportional = sc.reclaimer === 'direct' && sc.priority === DEF_PRIORITY;
      if (reclaimed >= sc.nrToReclaim && !proportional) break;
    }
    sc.nrReclaimed += reclaimed;
    if (anon && inactiveIsLow(m, 'inactive_anon')) shrinkActiveList(m, SWAP_CLUSTER_MAX, sc, 'active_anon');
  });
}

/**
 * shrink_node() with prepare_scan_control(): the active lists may be aged (may_deactivate) when
 * their inactive lists are low.
 */
export function shrinkNode(m: Machine, sc: ScanControl): void {
  m.trace.call('shrink_node', () => {
    sc.mayDeactivate = 0;
    if (inactiveIsLow(m, 'inactive_anon')) sc.mayDeactivate |= 1;
    if (inactiveIsLow(m, 'inactive_file') || !m.vmstat.get('nr_inactive_file')) sc.mayDeactivate |= 2;
    // "If we have plenty of inactive file pages that aren't thrashing, try to reclaim those
    // first before touching anonymous pages" (no refault tracking here: never thrashing)
    sc.cacheTrimMode = !!(m.vmstat.get('nr_inactive_file') >> sc.priority) && !(sc.mayDeactivate & 2);
    shrinkLruvec(m, sc);
  });
}

/**
 * do_try_to_free_pages(): shrink the node at falling priority (12 down to 0: each pass scans
 * twice as much) until nr_to_reclaim pages are freed. Returns the pages reclaimed.
 */
export function doTryToFreePages(m: Machine, sc: ScanControl): number {
  return m.trace.call('do_try_to_free_pages', () => {
    do {
      shrinkNode(m, sc);
      if (sc.nrReclaimed >= sc.nrToReclaim) break;
    } while (--sc.priority >= 0);
    return sc.nrReclaimed;
  });
}

/**
 * try_to_free_pages(): direct reclaim by the allocating task, SWAP_CLUSTER_MAX pages
 * (allocstall_<zone> counts the stall). Returns the pages reclaimed.
 */
export function tryToFreePages(m: Machine, zoneName: string, cpu: number): number {
  return m.trace.call('try_to_free_pages', () => {
    m.vmstat.inc(`allocstall_${zoneName.toLowerCase()}`);
    const sc = newScanControl('direct', SWAP_CLUSTER_MAX, cpu);
    return doTryToFreePages(m, sc);
  });
}

/** MAX_RECLAIM_RETRIES: passes in a row that may free nothing before proactive reclaim gives up. */
export const MAX_RECLAIM_RETRIES = 16;

/**
 * user_proactive_reclaim() for a node (6.17+: echo <size> > /sys/devices/system/node/node0/reclaim;
 * a cgroup's memory.reclaim runs the same loop over the cgroup): __node_reclaim in
 * batches of a quarter of what is left (at least SWAP_CLUSTER_MAX) until `nrPages` are reclaimed;
 * MAX_RECLAIM_RETRIES batches that free nothing end it with -EAGAIN. Returns the pages reclaimed
 * and whether it met the target.
 */
export function userProactiveReclaim(
  m: Machine,
  nrPages: number,
  cpu: number,
): { reclaimed: number; ok: boolean } {
  return m.trace.call('user_proactive_reclaim', () => {
    let reclaimed = 0;
    let retries = MAX_RECLAIM_RETRIES;
    while (reclaimed < nrPages) {
      const batch = Math.max(Math.floor((nrPages - reclaimed) / 4), SWAP_CLUSTER_MAX);
      const sc = newScanControl('proactive', batch, cpu);
      const got = m.trace.call('__node_reclaim', () => doTryToFreePages(m, sc));
      reclaimed += got;
      if (!got && !retries--) return { reclaimed, ok: false };
    }
    return { reclaimed, ok: true };
  });
}
