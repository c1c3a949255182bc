/**
 * The page cache of named files (mm/filemap.c, mm/readahead.c, mm/page-writeback.c): a tmpfs file
 * (shmem: its pages are swap-backed, created by writing the file, or zeroed on a fault in a hole)
 * and a regular file on an emulated disk, whose pages are read from the disk on a fault that misses
 * the cache (a major fault, with the mmap read-around of do_sync_mmap_readahead; a fault on the
 * page marked PG_readahead reads the next window ahead: do_async_mmap_readahead), dirtied through
 * shared writable mappings (folio_mark_dirty: nr_dirty, nr_dirtied) and written back by `sync`
 * (nr_writeback while the write is under way, nr_written, the page clean again and its PTEs
 * write-protected by folio_mkclean so the next write faults and dirties it again).
 *
 * Simplified (docs/ACCURACY.md): no filesystem (a file is a name, a size and its pages), no block
 * I/O timing (a read or a writeback completes inside the statement), one PG_readahead mark per file
 * (kept as an index, not a page flag), no mmap_miss accounting, order-0 folios only.
 */
import type { Machine } from '../machine.ts';
import { pgtableIndex, PTE } from '../arch/pgtable.ts';
import { Owner, PG } from '../phys/page.ts';
import { GFP_MASKS } from './gfp.ts';
import { VM, type MmStruct, type ShmemFile } from './mm_types.ts';
import { readEntry, walkTable, writeEntry } from './pgtable.ts';
import { folioAddLru, folioPut } from './rmap.ts';
import { flushTlbMmRange } from './tlb.ts';

/** VM_READAHEAD_PAGES: a new block device's read_ahead_kb, 128 KiB. */
export const DEFAULT_READ_AHEAD_KB = 128;

/** Where the model puts named files, as /proc/<pid>/maps prints their paths. */
export function filePath(kind: 'tmpfs' | 'disk', name: string): string {
  return kind === 'tmpfs' ? `/dev/shm/${name}` : `/mnt/disk/${name}`;
}

/**
 * A new named file of `size` bytes. A disk file starts on the disk only (as after
 * POSIX_FADV_DONTNEED: nothing cached), every page holding `fill`. A tmpfs file with a nonzero
 * fill was written (write(2)): its pages are in the cache, dirty and swap-backed; with fill 0 it
 * is sparse (ftruncate), and a fault allocates zeroed pages.
 */
export function fileCreate(
  m: Machine,
  name: string,
  size: number,
  kind: 'tmpfs' | 'disk',
  fill: number,
  readAheadKb: number,
  cpu: number,
): ShmemFile | undefined {
  const f: ShmemFile = {
    ino: m.nextShmemIno++,
    size,
    pages: new Map(),
    users: 0,
    path: filePath(kind, name),
    kind,
  };
  if (kind === 'disk') {
    f.fill = fill;
    f.disk = new Map();
    f.raPages = Math.max(1, Math.floor((readAheadKb * 1024) / m.pageSize));
    f.ra = { start: 0, size: 0, asyncSize: 0 };
    f.raMark = -1;
  }
  m.files.set(name, f);
  if (kind === 'tmpfs' && fill) {
    const nr = fileNrPages(m, f);
    for (let index = 0; index < nr; index++) {
      const pfn = shmemWritePage(m, f, index, fill, cpu);
      if (pfn < 0) return undefined;
    }
  }
  return f;
}

/** Pages the file spans: DIV_ROUND_UP(i_size, PAGE_SIZE). */
export function fileNrPages(m: Machine, f: ShmemFile): number {
  return Math.ceil(f.size / m.pageSize);
}

/** A tmpfs page written by write(2): shmem_get_folio(SGP_WRITE), filled, dirty. */
function shmemWritePage(m: Machine, f: ShmemFile, index: number, fill: number, cpu: number): number {
  const pfn = m.alloc.allocPages(GFP_MASKS['GFP_HIGHUSER_MOVABLE']!, 0, cpu);
  if (pfn < 0) return -1;
  fillPage(m, f, index, pfn, fill);
  const p = m.pages;
  p.flags[pfn] = p.flags[pfn]! | PG.uptodate | PG.swapbacked | PG.dirty;
  p.owner[pfn] = Owner.Shmem;
  f.pages.set(index, pfn);
  m.vmstat.inc('nr_shmem');
  m.vmstat.inc('nr_file_pages');
  folioAddLru(m, pfn, cpu);
  return pfn;
}

/** The page's bytes: `fill` up to i_size, zero past it (the tail of the last page). */
function fillPage(m: Machine, f: ShmemFile, index: number, pfn: number, fill: number): void {
  const ps = m.pageSize;
  const base = pfn * ps;
  m.ram.clearPage(base, ps);
  if (!fill) return;
  const n = Math.min(ps, f.size - index * ps);
  writeBytes(m, base, new Uint8Array(n).fill(fill));
}

/** Bytes into RAM, a 32-bit word at a time (PhysicalRam has no bulk write; a page is 1,024 words). */
function writeBytes(m: Machine, addr: number, bytes: Uint8Array): void {
  const words = bytes.length >> 2;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < words; i++) m.ram.writeU32(addr + i * 4, dv.getUint32(i * 4, true));
  for (let i = words * 4; i < bytes.length; i++) m.ram.writeU8(addr + i, bytes[i]!);
}

/**
 * filemap_add_folio() + the read (mpage_readahead → the bio's completion: folio_mark_uptodate):
 * a page of a disk file read into the cache, on the inactive file LRU through the add batch.
 * pgpgin counts the KiB read. Returns the pfn, or -1 when no memory is left.
 */
function readDiskPage(m: Machine, f: ShmemFile, index: number, cpu: number): number {
  const pfn = m.alloc.allocPages(GFP_MASKS['GFP_HIGHUSER_MOVABLE']!, 0, cpu);
  if (pfn < 0) return -1;
  const written = f.disk!.get(index);
  if (written) writeBytes(m, pfn * m.pageSize, written);
  else fillPage(m, f, index, pfn, f.fill!);
  const p = m.pages;
  p.flags[pfn] = p.flags[pfn]! | PG.uptodate | PG.mappedtodisk;
  p.owner[pfn] = Owner.File;
  f.pages.set(index, pfn);
  m.vmstat.inc('nr_file_pages');
  m.vmstat.add('pgpgin', m.pageSize / 1024);
  folioAddLru(m, pfn, cpu);
  return pfn;
}

/**
 * do_sync_mmap_readahead()'s read-around (no VM_RAND_READ / VM_SEQ_READ hint): ra_pages pages
 * starting ra_pages/2 before the faulting index (ra->start, ra->size = ra_pages, ra->async_size =
 * ra_pages/4), read by page_cache_ra_order. Returns false when memory ran out.
 */
function syncMmapReadahead(m: Machine, f: ShmemFile, index: number, cpu: number): boolean {
  return m.trace.call('do_sync_mmap_readahead', () => {
    const ra = f.raPages!;
    f.ra = { start: Math.max(0, index - Math.floor(ra / 2)), size: ra, asyncSize: Math.floor(ra / 4) };
    return raRead(m, f, cpu) || f.pages.has(index);
  });
}

/**
 * page_cache_ra_unbounded() over the window in f.ra: every page of it not yet cached is read
 * (stopping at i_size), and the page async_size before the window's end is marked PG_readahead
 * when it is among those read (a page already cached is not marked). False when memory ran out.
 */
function raRead(m: Machine, f: ShmemFile, cpu: number): boolean {
  const { start, size, asyncSize } = f.ra!;
  const end = Math.min(start + size, fileNrPages(m, f));
  const mark = start + size - asyncSize;
  for (let i = start; i < end; i++) {
    if (f.pages.has(i)) continue;
    if (readDiskPage(m, f, i, cpu) < 0) return false;
    if (i === mark) f.raMark = i;
  }
  return true;
}

/** get_next_ra_size(): the next async window: x4 while small, x2 up to half the maximum, then the maximum. */
function getNextRaSize(cur: number, max: number): number {
  if (cur < max / 16) return 4 * cur;
  if (cur <= max / 2) return 2 * cur;
  return max;
}

/**
 * do_async_mmap_readahead() → page_cache_async_ra(): a fault reached the page marked
 * PG_readahead: the mark is cleared and, the reader being where the window expected it, the next
 * window is read ahead of it (start moved past the current one, get_next_ra_size, all of it the
 * async part: its first page gets the next mark). A minor fault: the page itself was cached.
 */
function asyncMmapReadahead(m: Machine, f: ShmemFile, index: number, cpu: number): void {
  m.trace.call('do_async_mmap_readahead', () => {
    f.raMark = -1;
    const ra = f.ra!;
    if (index !== ra.start + ra.size - ra.asyncSize) return;
    ra.start += ra.size;
    ra.size = getNextRaSize(ra.size, f.raPages!);
    ra.asyncSize = ra.size;
    raRead(m, f, cpu);
  });
}

/**
 * filemap_map_pages()' next_uptodate_folio() skips a PG_readahead folio: fault-around leaves it
 * unmapped, so the access to it comes to filemap_fault and starts the next window.
 */
export function filemapReadaheadMarked(f: ShmemFile, index: number): boolean {
  return f.raMark === index;
}

/**
 * filemap_fault() for a disk file: the cached page, or — a miss — the read-around and then the
 * page (VM_FAULT_MAJOR). Returns the pfn (-1: out of memory) and whether it was major.
 */
export function filemapFault(
  m: Machine,
  f: ShmemFile,
  index: number,
  cpu: number,
): { pfn: number; major: boolean } {
  const have = f.pages.get(index);
  if (have !== undefined) {
    if (f.raMark === index) asyncMmapReadahead(m, f, index, cpu);
    return { pfn: have, major: false };
  }
  if (!syncMmapReadahead(m, f, index, cpu)) return { pfn: -1, major: true };
  const pfn = f.pages.get(index);
  if (pfn !== undefined) return { pfn, major: true };
  // the window missed it (a tiny ra_pages): read the page alone
  return { pfn: readDiskPage(m, f, index, cpu), major: true };
}

/**
 * folio_mark_dirty(): a page-cache page written through a shared mapping. A disk file's page is
 * accounted (filemap_dirty_folio → folio_account_dirtied: nr_dirty, nr_dirtied) the first time;
 * shmem's noop_dirty_folio only sets PG_dirty.
 */
export function folioMarkDirty(m: Machine, pfn: number): void {
  const p = m.pages;
  const fl = p.flags[pfn]!;
  if (fl & PG.dirty) return;
  p.flags[pfn] = fl | PG.dirty;
  if (fl & PG.swapbacked) return;
  m.vmstat.inc('nr_dirty');
  m.vmstat.inc('nr_dirtied');
}

/**
 * folio_mkclean() → page_mkclean_one() over every mapping of the page: its PTEs lose the dirty
 * and write bits (and the TLB entries go), so the next write through a shared mapping faults and
 * dirties the page again (wp_page_shared). The mappings are found by walking the VMAs that map
 * the file (the kernel walks mapping->i_mmap). Returns how many PTEs were cleaned.
 */
function folioMkclean(m: Machine, f: ShmemFile, index: number): number {
  const last = m.pgtableArch.levels - 1;
  const e = { lo: 0, hi: 0 };
  let n = 0;
  for (const t of m.tasks.values()) {
    const mm = t.mm;
    if (!mm || t.tgid !== t.pid) continue;
    for (const v of mm.vmas) {
      if (v.shmem !== f || !(v.flags & VM.SHARED)) continue;
      const va = v.start + (index - v.pgoff) * m.pageSize;
      if (va < v.start || va >= v.end) continue;
      n += mkcleanPte(m, mm, va, e, last);
    }
  }
  return n;
}

function mkcleanPte(
  m: Machine,
  mm: MmStruct,
  va: number,
  e: { lo: number; hi: number },
  last: number,
): number {
  const arch = m.pgtableArch;
  const table = walkTable(m, mm, va);
  if (table < 0) return 0;
  const idx = pgtableIndex(arch, va, last);
  readEntry(m, table, idx, e, last);
  if (arch.isNone(e, last)) return 0;
  const fl = arch.flags(e, last);
  if (!(fl & PTE.PRESENT) || !(fl & (PTE.WRITE | PTE.DIRTY))) return 0;
  arch.mkLeaf(arch.pfn(e), fl & ~(PTE.WRITE | PTE.DIRTY), last, e);
  writeEntry(m, table, idx, e, last);
  flushTlbMmRange(m, mm, va, va + 1);
  return 1;
}

/**
 * The dirty bits PTEs still hold go to their pages first (the kernel's msync/fsync path finds
 * them in folio_mkclean; a PTE dirtied without a fault — its write bit was already set — has
 * only the hardware bit): any dirty PTE mapping a page of `f` marks the page dirty.
 */
function collectPteDirty(m: Machine, f: ShmemFile): void {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const e = { lo: 0, hi: 0 };
  for (const t of m.tasks.values()) {
    const mm = t.mm;
    if (!mm || t.tgid !== t.pid) continue;
    for (const v of mm.vmas) {
      if (v.shmem !== f || !(v.flags & VM.SHARED)) continue;
      for (let va = v.start; va < v.end; va += m.pageSize) {
        const table = walkTable(m, mm, va);
        if (table < 0) continue;
        readEntry(m, table, pgtableIndex(arch, va, last), e, last);
        if (arch.isNone(e, last)) continue;
        const fl = arch.flags(e, last);
        if (fl & PTE.PRESENT && fl & PTE.DIRTY) folioMarkDirty(m, arch.pfn(e));
      }
    }
  }
}

/**
 * Writeback of a disk file (fsync / msync(MS_SYNC) → filemap_write_and_wait →
 * write_cache_pages): each dirty page is cleaned for I/O (folio_clear_dirty_for_io:
 * folio_mkclean, nr_dirty down), under writeback (PG_writeback, nr_writeback up) while its bytes
 * go to the disk, then done (folio_end_writeback: nr_writeback down, nr_written up, pgpgout).
 * Returns the pages written.
 */
export function filemapWriteAndWait(m: Machine, f: ShmemFile): number {
  if (f.kind !== 'disk') return 0;
  return m.trace.call('filemap_write_and_wait_range', () => {
    collectPteDirty(m, f);
    const p = m.pages;
    const ps = m.pageSize;
    let n = 0;
    const dirty = [...f.pages].filter(([, pfn]) => p.flags[pfn]! & PG.dirty).sort((a, b) => a[0] - b[0]);
    for (const [index, pfn] of dirty) {
      m.trace.call('folio_clear_dirty_for_io', () => folioMkclean(m, f, index));
      p.flags[pfn] = (p.flags[pfn]! & ~PG.dirty) | PG.writeback;
      m.vmstat.add('nr_dirty', -1);
      m.vmstat.inc('nr_writeback');
      // ext4_bio_write_folio(): the part of the last page past i_size is zeroed, in the page too,
      // and never reaches the disk
      const valid = f.size - index * ps;
      if (valid < ps) m.ram.clear(pfn * ps + Math.max(0, valid), ps - Math.max(0, valid));
      f.disk!.set(index, m.ram.read(pfn * ps, ps).slice());
      m.trace.call('folio_end_writeback', () => {
        p.flags[pfn] = p.flags[pfn]! & ~PG.writeback;
        m.vmstat.add('nr_writeback', -1);
        m.vmstat.inc('nr_written');
        m.vmstat.add('pgpgout', ps / 1024);
      });
      n++;
    }
    return n;
  });
}

/**
 * invalidate_mapping_pages() (drop_caches' drop_pagecache_sb, POSIX_FADV_DONTNEED): every clean,
 * unmapped page of a disk file leaves the cache and is freed. Returns the pages dropped.
 */
export function invalidateMappingPages(m: Machine, f: ShmemFile, cpu: number): number {
  if (f.kind !== 'disk') return 0;
  const p = m.pages;
  let n = 0;
  for (const [index, pfn] of [...f.pages]) {
    const fl = p.flags[pfn]!;
    // mapping_evict_folio(): only a folio nobody else holds (not mapped, not in an LRU batch:
    // the caller drains those first) is dropped
    if (fl & (PG.dirty | PG.writeback) || p.mapcount[pfn]! >= 0 || p.refcount[pfn] !== 1) continue;
    filemapRemoveFolio(m, f, index, pfn, cpu);
    n++;
  }
  return n;
}

/** filemap_remove_folio() and the page cache's reference put: the page leaves the file's cache. */
export function filemapRemoveFolio(m: Machine, f: ShmemFile, index: number, pfn: number, cpu: number): void {
  f.pages.delete(index);
  m.vmstat.add('nr_file_pages', -1);
  if (m.pages.flags[pfn]! & PG.swapbacked) m.vmstat.add('nr_shmem', -1);
  folioPut(m, pfn, cpu);
}
