/**
 * shmem (mm/shmem.c): the memory behind MAP_SHARED|MAP_ANONYMOUS. Its pages live in a page cache
 * keyed by index, so every process that maps the object sees the same frames. A read of a hole
 * allocates a real zeroed page — shared memory never maps the zero page, because a later write
 * through any mapping must land in the one shared copy.
 */
import type { Machine } from '../machine.ts';
import { Owner, PG } from '../phys/page.ts';
import { GFP_MASKS } from './gfp.ts';
import type { ShmemFile } from './mm_types.ts';
import { folioAddLru, folioPut } from './rmap.ts';

/** shmem_zero_setup(): a new object for a shared anonymous mapping ("/dev/zero (deleted)"). */
export function shmemZeroSetup(m: Machine, size: number): ShmemFile {
  return { ino: m.nextShmemIno++, size, pages: new Map(), users: 0 };
}

/** shmem_get_folio(): the page at `index`, allocating and zeroing it for a hole. Returns pfn or -1. */
export function shmemGetFolio(m: Machine, f: ShmemFile, index: number, cpu: number): number {
  const have = f.pages.get(index);
  if (have !== undefined) return have;
  const pfn = m.alloc.allocPages(GFP_MASKS['GFP_HIGHUSER_MOVABLE']!, 0, cpu);
  if (pfn < 0) return -1;
  m.trace.call('clear_highpage', () => m.ram.clearPage(pfn * m.pageSize, m.pageSize));
  const p = m.pages;
  p.flags[pfn] = p.flags[pfn]! | PG.uptodate | PG.swapbacked;
  p.owner[pfn] = Owner.Shmem;
  // the page cache holds the allocation's reference
  f.pages.set(index, pfn);
  m.vmstat.inc('nr_shmem');
  m.vmstat.inc('nr_file_pages');
  folioAddLru(m, pfn, cpu);
  return pfn;
}

/** The last mapping is gone: truncate the object and free its pages (shmem_evict_inode). */
export function shmemRelease(m: Machine, f: ShmemFile, cpu: number): void {
  for (const pfn of f.pages.values()) {
    m.vmstat.add('nr_shmem', -1);
    m.vmstat.add('nr_file_pages', -1);
    folioPut(m, pfn, cpu);
  }
  f.pages.clear();
}
