/**
 * The LRU lists (include/linux/mm_inline.h, mmzone.h): each node's lruvec keeps its folios on
 * ordered lists, inactive/active × anon/file plus the unevictable list (enum lru_list). As in the
 * kernel a folio's list_head (page->lru) links it into its list — the same `next`/`prev` links the
 * buddy free lists use, since a folio on an LRU list is never free — newest at the head
 * (lruvec_add_folio: list_add), reclaim taking from the tail. PG_lru says a folio is on a list and
 * PG_active which one; the lruvec's sizes are the node and zone counters the kernel keeps beside
 * them (NR_INACTIVE_ANON + lru, NR_ZONE_INACTIVE_ANON + lru), in pages. One node, one lruvec (no
 * memcg: the root lruvec).
 */
import type { Machine } from '../machine.ts';
import { PG } from '../phys/page.ts';

/** enum lru_list names, as the node counters spell them, in the enum's order. */
export type LruList = 'inactive_anon' | 'active_anon' | 'inactive_file' | 'active_file' | 'unevictable';

/** enum lru_list: LRU_INACTIVE_ANON = 0 ... LRU_UNEVICTABLE = 4 (the list heads' order). */
export const LRU_LISTS: readonly LruList[] = [
  'inactive_anon',
  'active_anon',
  'inactive_file',
  'active_file',
  'unevictable',
];

/** NR_LRU_LISTS: list heads the Machine reserves past the allocator's (PageArray heads). */
export const NR_LRU_LISTS = LRU_LISTS.length;

/** for_each_evictable_lru(): every list but the unevictable one. */
export const EVICTABLE_LRUS: readonly LruList[] = LRU_LISTS.slice(0, 4);

/** The list head of `lru` in the PageArray's next/prev arrays. */
export function lruHead(m: Machine, lru: LruList): number {
  return m.pages.head(m.lruHeadBase + LRU_LISTS.indexOf(lru));
}

/** is_file_lru() */
export function isFileLru(lru: LruList): boolean {
  return lru === 'inactive_file' || lru === 'active_file';
}

/** is_active_lru() */
export function isActiveLru(lru: LruList): boolean {
  return lru === 'active_anon' || lru === 'active_file';
}

/** folio_nr_pages() */
export function folioNrPages(m: Machine, head: number): number {
  return m.pages.flags[head]! & PG.head ? 1 << m.pages.order[head]! : 1;
}

/**
 * folio_lru_list(): which list the folio belongs on: LRU_UNEVICTABLE when PG_unevictable (an
 * mlocked folio), else by PG_active and the anon/file type. Only swap-backed folios and lazyfree
 * ones (anon with PG_swapbacked cleared by MADV_FREE, counted as file) exist here.
 */
export function folioLruList(m: Machine, head: number): LruList {
  const f = m.pages.flags[head]!;
  if (f & PG.unevictable) return 'unevictable';
  const file = !(f & PG.swapbacked);
  return f & PG.active ? (file ? 'active_file' : 'active_anon') : file ? 'inactive_file' : 'inactive_anon';
}

/** update_lru_size(): the node's lruvec counter and the zone's. */
function updateLruSize(m: Machine, head: number, lru: LruList, nr: number): void {
  m.vmstat.add(`nr_${lru}`, nr);
  const z = m.alloc.zoneOf(head);
  z.stat.set(`nr_zone_${lru}`, (z.stat.get(`nr_zone_${lru}`) ?? 0) + nr);
}

/** lruvec_add_folio(): PG_lru set, at the head of the list its flags pick (the newest end). */
export function lruvecAddFolio(m: Machine, head: number): void {
  m.pages.flags[head] = m.pages.flags[head]! | PG.lru;
  const lru = folioLruList(m, head);
  m.pages.listAdd(head, lruHead(m, lru));
  updateLruSize(m, head, lru, folioNrPages(m, head));
}

/**
 * lruvec_add_folio_tail(): at the tail, the end reclaim takes from next (lru_deactivate_file,
 * folio_rotate_reclaimable).
 */
export function lruvecAddFolioTail(m: Machine, head: number): void {
  m.pages.flags[head] = m.pages.flags[head]! | PG.lru;
  const lru = folioLruList(m, head);
  m.pages.listAddTail(head, lruHead(m, lru));
  updateLruSize(m, head, lru, folioNrPages(m, head));
}

/** lruvec_del_folio() + folio_clear_lru(): off its list (PG_unevictable stays: the caller decides). */
export function lruvecDelFolio(m: Machine, head: number): void {
  updateLruSize(m, head, folioLruList(m, head), -folioNrPages(m, head));
  m.pages.listDel(head);
  m.pages.flags[head] = m.pages.flags[head]! & ~PG.lru;
}

/**
 * folio_isolate_lru(): take the folio off its list for reclaim, with a reference (the caller's
 * list now holds it). False when it is not on an LRU list (still in a per-CPU batch).
 */
export function folioIsolateLru(m: Machine, head: number): boolean {
  if (!(m.pages.flags[head]! & PG.lru)) return false;
  m.pages.refcount[head]!++;
  lruvecDelFolio(m, head);
  return true;
}

/**
 * lru_add()'s evictability check, as a folio joins the LRU (folio_add_lru's batch, and
 * folio_putback_lru, which goes through it): an evictable folio that was PG_unevictable is rescued;
 * one that is not evictable (PG_mlocked) goes on the unevictable list, PG_active cleared,
 * mlock_count 0, unevictable_pgs_culled unless it was there already.
 */
export function lruAddCheckEvictable(m: Machine, head: number): void {
  const p = m.pages;
  const f = p.flags[head]!;
  const was = (f & PG.unevictable) !== 0;
  if (!(f & PG.mlocked)) {
    p.flags[head] = f & ~PG.unevictable;
    if (was) m.vmstat.add('unevictable_pgs_rescued', folioNrPages(m, head));
    return;
  }
  p.flags[head] = (f & ~PG.active) | PG.unevictable;
  m.mlockCount.delete(head);
  if (!was) m.vmstat.add('unevictable_pgs_culled', folioNrPages(m, head));
}

/** folio_putback_lru(): back on its list (through lru_add()), the isolation reference dropped by the caller. */
export function folioPutbackLru(m: Machine, head: number): void {
  lruAddCheckEvictable(m, head);
  lruvecAddFolio(m, head);
}

/**
 * lru_deactivate() (mm/swap.c, through folio_deactivate's batch, run at once here): an active
 * folio moves to the inactive list with PG_active and PG_referenced cleared; pgdeactivate counts
 * its pages. A folio not on an LRU list, or already inactive, is left alone.
 */
export function folioDeactivate(m: Machine, head: number): void {
  const f = m.pages.flags[head]!;
  if (!(f & PG.lru) || !(f & PG.active)) return;
  lruvecDelFolio(m, head);
  m.pages.flags[head] = m.pages.flags[head]! & ~(PG.active | PG.referenced);
  lruvecAddFolio(m, head);
  m.vmstat.add('pgdeactivate', folioNrPages(m, head));
}

/** folio_activate() → lru_activate(): an inactive, evictable LRU folio moves to the active list. */
export function folioActivate(m: Machine, head: number): void {
  const f = m.pages.flags[head]!;
  if (!(f & PG.lru) || f & (PG.active | PG.unevictable)) return;
  lruvecDelFolio(m, head);
  m.pages.flags[head] = m.pages.flags[head]! | PG.active;
  lruvecAddFolio(m, head);
  m.vmstat.add('pgactivate', folioNrPages(m, head));
}

/**
 * lru_lazyfree() (mm/swap.c): a MADV_FREE'd clean anonymous folio leaves its anon list for the
 * inactive file list, PG_active, PG_referenced and PG_swapbacked cleared (so reclaim may discard
 * it without swap); pglazyfree counts its pages.
 */
export function lruLazyfree(m: Machine, head: number): void {
  lruvecDelFolio(m, head);
  m.pages.flags[head] = m.pages.flags[head]! & ~(PG.active | PG.referenced | PG.swapbacked);
  lruvecAddFolio(m, head);
  m.vmstat.add('pglazyfree', folioNrPages(m, head));
}

/** One LRU list for views: its size and the folios at each end. */
export interface LruListView {
  lru: LruList;
  /** the lruvec counter (pages) */
  pages: number;
  /** folios on the list */
  folios: number;
  /** head pfns from the list's head (newest) */
  newest: number[];
  /** head pfns from the list's tail (oldest: reclaim takes these next), oldest first */
  oldest: number[];
}

/**
 * The node's LRU lists as a view shows them: for each list (enum lru_list order) its size in
 * pages and folios and up to `firstN` folios from each end.
 */
export function describeLruLists(m: Machine, firstN = 16): LruListView[] {
  const p = m.pages;
  return LRU_LISTS.map((lru) => {
    const h = lruHead(m, lru);
    const newest: number[] = [];
    const oldest: number[] = [];
    let folios = 0;
    for (let e = p.next[h]!; e !== h; e = p.next[e]!) {
      if (newest.length < firstN) newest.push(e);
      folios++;
    }
    for (let e = p.prev[h]!; e !== h && oldest.length < firstN; e = p.prev[e]!) oldest.push(e);
    return { lru, pages: m.vmstat.get(`nr_${lru}`), folios, newest, oldest };
  });
}
