/**
 * The LRU lists (include/linux/mm_inline.h, mmzone.h): each node's lruvec keeps its folios on
 * inactive/active × anon/file lists. The model keeps list membership as page flags (PG_lru, with
 * PG_active choosing the list) and the lruvec's sizes as the node and zone counters the kernel
 * keeps beside them (NR_INACTIVE_ANON + lru, NR_ZONE_INACTIVE_ANON + lru): reclaim here walks page
 * tables (MADV_PAGEOUT), never the lists themselves, so the lists' order is not kept. One node.
 */
import type { Machine } from '../machine.ts';
import { PG } from '../phys/page.ts';

/** enum lru_list names, as the node counters spell them. */
export type LruList = 'inactive_anon' | 'active_anon' | 'inactive_file' | 'active_file' | 'unevictable';

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

/** lruvec_add_folio(): PG_lru set, the folio counted on the list its PG_active picks. */
export function lruvecAddFolio(m: Machine, head: number): void {
  m.pages.flags[head] = m.pages.flags[head]! | PG.lru;
  updateLruSize(m, head, folioLruList(m, head), folioNrPages(m, head));
}

/** lruvec_del_folio() + folio_clear_lru(): off its list (PG_unevictable stays: the caller decides). */
export function lruvecDelFolio(m: Machine, head: number): void {
  updateLruSize(m, head, folioLruList(m, head), -folioNrPages(m, head));
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

/** folio_putback_lru(): back on its list, the isolation reference dropped by the caller. */
export function folioPutbackLru(m: Machine, head: number): void {
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
