/**
 * The frame inspector's view of one pfn: what /proc/kpageflags and /proc/kpagecount say about it,
 * who maps it (a reverse map found by walking every process's page tables), the buddy block or
 * compound folio it belongs to and which free list holds it, its pageblock and zone, and its bytes
 * in emulated RAM. Read-only and plain data (the bytes excepted: the host transfers them).
 */
import { vmaName } from './proc/pid.ts';
import type { MmStruct } from './mm/mm_types.ts';
import type { Machine } from './machine.ts';
import { describePfn, findFreeBlock, type PageInfo } from './inspect.ts';
import { PTE } from './arch/pgtable.ts';
import type { RawEntry } from './arch/pgtable.ts';
import type { Task, Vma } from './mm/mm_types.ts';
import { readEntry, walkTable, WALK_HUGE } from './mm/pgtable.ts';
import { pgtableIndex } from './arch/pgtable.ts';
import {
  FREETYPE_IDX_UNMAPPED,
  MIGRATETYPE_NAMES,
  MIGRATE_MOVABLE,
  NR_FREETYPE_IDXS,
  NR_LOWORDER_PCP_LISTS,
  NR_PCP_LISTS,
  MAX_NR_ZONES,
  pindexToOrder,
  type Zone,
} from './mm/mmzone.ts';
import { compoundHead } from './mm/rmap.ts';
import { isHugeZeroPfn } from './mm/huge_memory.ts';
import { kpagecount, kpageflags } from './proc/page.ts';
import { PG } from './phys/page.ts';

/**
 * KPF_* bit names as Linux 6.18 defines them: include/uapi/linux/kernel-page-flags.h (0–26) and the
 * "kernel hacking assistance" bits of include/linux/kernel-page-flags.h (32–42). Bit 34 is
 * KPF_OWNER_2 (it was KPF_MAPPEDTODISK before PG_mappedtodisk became PG_owner_2); on an anonymous
 * folio it is PG_anon_exclusive.
 */
export const KPF_BIT_NAMES: Readonly<Record<number, string>> = {
  0: 'LOCKED',
  1: 'ERROR',
  2: 'REFERENCED',
  3: 'UPTODATE',
  4: 'DIRTY',
  5: 'LRU',
  6: 'ACTIVE',
  7: 'SLAB',
  8: 'WRITEBACK',
  9: 'RECLAIM',
  10: 'BUDDY',
  11: 'MMAP',
  12: 'ANON',
  13: 'SWAPCACHE',
  14: 'SWAPBACKED',
  15: 'COMPOUND_HEAD',
  16: 'COMPOUND_TAIL',
  17: 'HUGE',
  18: 'UNEVICTABLE',
  19: 'HWPOISON',
  20: 'NOPAGE',
  21: 'KSM',
  22: 'THP',
  23: 'OFFLINE',
  24: 'ZERO_PAGE',
  25: 'IDLE',
  26: 'PGTABLE',
  32: 'RESERVED',
  33: 'MLOCKED',
  34: 'OWNER_2',
  35: 'PRIVATE',
  36: 'PRIVATE_2',
  37: 'OWNER_PRIVATE',
  38: 'ARCH',
  39: 'UNCACHED',
  40: 'SOFTDIRTY',
  41: 'ARCH_2',
  42: 'ARCH_3',
};

/** A /proc/kpageflags value decoded: `KPF_<name>` per set bit (`bit<n>` for a bit with no name). */
export function decodeKpageflags(v: bigint): { bit: number; name: string }[] {
  const out: { bit: number; name: string }[] = [];
  for (let b = 0; b < 64; b++)
    if ((v >> BigInt(b)) & 1n) out.push({ bit: b, name: `KPF_${KPF_BIT_NAMES[b] ?? `bit${b}`}` });
  return out;
}

/** One mapping of a frame in some process: the rmap as page_vma_mapped_walk() would find it. */
export interface RmapEntry {
  pid: number;
  comm: string;
  /** the virtual address this frame is mapped at (the subpage's address inside a PMD mapping) */
  va: number;
  /** the VMA's name as /proc/<pid>/maps prints it ('' for plain anonymous memory) */
  vma: string;
  /** the entry that maps it: a PTE, or a PMD leaf (a THP or the huge zero folio) */
  via: 'PTE' | 'PMD';
  writable: boolean;
}

/** The most mappings an inspection lists (the zero page is mapped by every untouched read). */
export const MAX_RMAP_ENTRIES = 256;

/** Thrown inside forEachPte to end a walk early. */
const STOP = Symbol('stop');

/**
 * Every mapping of `pfn` across the live processes, lowest pid and address first; at most `limit`
 * listed, `total` counts what was found. The walk ends once `stopAfter` mappings are found: the
 * caller knows how many there are from kpagecount, except for the zero pages, which nothing
 * counts; their walk ends just past `limit` and `complete` says whether it saw everything. The
 * kernel walks anon_vma / the file's i_mmap tree from the folio; the emulator keeps no such tree,
 * so it walks each process's page tables, which finds the same set (and the zero page's mappings).
 */
export function rmapOf(
  m: Machine,
  pfn: number,
  limit = MAX_RMAP_ENTRIES,
  stopAfter = Infinity,
): { entries: RmapEntry[]; total: number; complete: boolean } {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const ps = m.pageSize;
  const span = 2 ** arch.levelShift[last - 1]!;
  const esize = m.entrySize[last]!;
  const e: RawEntry = { lo: 0, hi: 0 };
  const entries: RmapEntry[] = [];
  let total = 0;
  const found = (t: Task, v: Vma, va: number, f: number, via: 'PTE' | 'PMD') => {
    total++;
    if (entries.length < limit)
      entries.push({
        pid: t.pid,
        comm: t.comm,
        va,
        vma: vmaName(t.mm!, v) ?? '',
        via,
        writable: (f & PTE.WRITE) !== 0,
      });
    if (total >= stopAfter) throw STOP;
  };
  // each address space once, under its lowest pid (the threads of a process share theirs)
  const seen = new Set<MmStruct>();
  const tasks = [...m.tasks.values()]
    .filter((t) => t.mm)
    .sort((a, b) => a.pid - b.pid)
    .filter((t) => !seen.has(t.mm!) && seen.add(t.mm!));
  try {
    for (const t of tasks) {
      const mm = t.mm!;
      for (const v of mm.vmas) {
        // One PTE table (or huge PMD) at a time, as forEachPte walks, but each table's entries are
        // read in one copy: a region of a million zero-page PTEs is scanned in tens of milliseconds.
        for (let a = v.start; a < v.end;) {
          const tableEnd = Math.min(v.end, (Math.floor(a / span) + 1) * span);
          const table = walkTable(m, mm, a);
          if (table === WALK_HUGE) {
            readEntry(m, walkTable(m, mm, a, last - 1), pgtableIndex(arch, a, last - 1), e, last - 1);
            const f = arch.flags(e, last - 1);
            const first = arch.pfn(e) + (a - Math.floor(a / span) * span) / ps;
            if (f & (PTE.PRESENT | PTE.PROTNONE) && pfn >= first && pfn < first + (tableEnd - a) / ps)
              found(t, v, a + (pfn - first) * ps, f, 'PMD');
          } else if (table >= 0) {
            const n = (tableEnd - a) / ps;
            const raw = m.ram.read(table * ps + pgtableIndex(arch, a, last) * esize, n * esize);
            const dv = new DataView(raw.buffer);
            for (let k = 0; k < n; k++) {
              e.lo = dv.getUint32(k * esize, true);
              e.hi = esize === 8 ? dv.getUint32(k * esize + 4, true) : 0;
              if (arch.isNone(e, last)) continue;
              const f = arch.flags(e, last);
              if (f & (PTE.PRESENT | PTE.PROTNONE) && arch.pfn(e) === pfn) found(t, v, a + k * ps, f, 'PTE');
            }
          }
          a = tableEnd;
        }
      }
    }
  } catch (err) {
    if (err !== STOP) throw err;
    // Stopped at the count the caller expected: complete, unless that count was only a bound.
    return { entries, total, complete: total <= limit };
  }
  return { entries, total, complete: true };
}

/** Where a free block is queued: a zone's free_area[order].free_list[freetype], or a CPU's pcp list. */
export interface FreeListRef {
  zone: string;
  order: number;
  /** the freetype's name: a migratetype (`Movable`), `Unmapped`, or for a pcp list its migratetype or `THP` */
  freetype: string;
  /** null for the buddy free lists */
  cpu: number | null;
  /** the block's position on the list, 0 = first (list_first_entry) */
  position: number;
}

/** The free block a pfn is in, or the allocation (compound folio or plain page) it belongs to. */
export type BlockInfo =
  | { kind: 'free'; headPfn: number; order: number; where: 'buddy' | 'pcp'; list: FreeListRef | null }
  | { kind: 'allocated'; headPfn: number; order: number; compound: boolean };

/**
 * Which list a free block is on: follow the list links from the block to the list head (heads sit
 * past the last pfn in the PageArray), then name the head.
 */
export function freeListOf(m: Machine, headPfn: number): FreeListRef | null {
  const p = m.pages;
  let position = 0;
  let e = p.prev[headPfn]!;
  // walk backwards: the number of steps is the block's position on its list
  while (e < p.nrPages) {
    if (e < 0) return null;
    position++;
    e = p.prev[e]!;
  }
  return nameListHead(m, e, position);
}

function nameListHead(m: Machine, head: number, position: number): FreeListRef | null {
  const a = m.alloc;
  for (const z of a.zones) {
    const i = head - z.freeListBase;
    if (i >= 0 && i < a.nrOrders * NR_FREETYPE_IDXS) {
      const order = Math.floor(i / NR_FREETYPE_IDXS);
      return { zone: z.name, order, freetype: freetypeName(i % NR_FREETYPE_IDXS), cpu: null, position };
    }
    for (const pcp of z.pcp) {
      const pindex = head - pcp.listBase;
      if (pindex >= 0 && pindex < NR_PCP_LISTS)
        return {
          zone: z.name,
          order: pindexToOrder(pindex, m.alloc.cfg.thpOrder),
          freetype: pcpListName(pindex),
          cpu: pcp.cpu,
          position,
        };
    }
  }
  return null;
}

/** The free-list name of a freetype index (MIGRATETYPE_NAMES, plus the __GFP_UNMAPPED list). */
export function freetypeName(ft: number): string {
  return ft === FREETYPE_IDX_UNMAPPED ? 'Unmapped' : (MIGRATETYPE_NAMES[ft] ?? `freetype ${ft}`);
}

/** A pcp list's name: its migratetype for orders 0–3, `THP movable` / `THP` for the two THP lists. */
export function pcpListName(pindex: number): string {
  if (pindex >= NR_LOWORDER_PCP_LISTS)
    return pindex - NR_LOWORDER_PCP_LISTS === 1 ? `THP ${MIGRATETYPE_NAMES[MIGRATE_MOVABLE]}` : 'THP';
  return MIGRATETYPE_NAMES[pindex % 3]!;
}

export function blockOf(m: Machine, pfn: number): BlockInfo | null {
  const free = findFreeBlock(m, pfn);
  if (free)
    return {
      kind: 'free',
      headPfn: free.pfn,
      order: free.order,
      where: free.where,
      list: freeListOf(m, free.pfn),
    };
  const p = m.pages;
  if (p.refcount[compoundHead(m, pfn)]! <= 0 && !(p.flags[pfn]! & (PG.tail | PG.head))) return null;
  const head = compoundHead(m, pfn);
  if (p.flags[head]! & PG.head)
    return { kind: 'allocated', headPfn: head, order: p.order[head]!, compound: true };
  // A named non-compound allocation (alloc k1 order=3 without __GFP_COMP) is 2^order plain pages.
  for (const a of m.named.values())
    if (pfn >= a.pfn && pfn < a.pfn + 2 ** a.order)
      return { kind: 'allocated', headPfn: a.pfn, order: a.order, compound: false };
  return { kind: 'allocated', headPfn: pfn, order: 0, compound: false };
}

/** Everything the frame inspector shows about one pfn. */
export interface FrameInspection {
  page: PageInfo;
  /** /proc/kpageflags, hex, and its bits by name */
  kpageflags: string;
  kpageflagNames: { bit: number; name: string }[];
  kpagecount: number;
  rmap: RmapEntry[];
  /** mappings found (rmap may list fewer) */
  rmapTotal: number;
  /** false when the walk ended before finding them all (the zero page: more than rmapTotal - 1) */
  rmapComplete: boolean;
  block: BlockInfo | null;
  pageblock: { index: number; pfn: number; migratetype: string };
  /** the page size, and the frame's bytes (length pageSize) */
  pageSize: number;
  bytes: Uint8Array;
  /**
   * a page of a file's page cache (folio->mapping, folio->index): the file's path, the page's
   * index in it, and whether it is dirty (written, not yet written back); null otherwise
   */
  pageCache: { path: string; index: number; dirty: boolean } | null;
}

/** The named file whose page cache holds pfn, and its index there (looked up file by file). */
function pageCacheOf(m: Machine, pfn: number): FrameInspection['pageCache'] {
  for (const f of m.files.values())
    for (const [index, p] of f.pages)
      if (p === pfn) return { path: f.path!, index, dirty: (m.pages.flags[pfn]! & PG.dirty) !== 0 };
  return null;
}

export function inspectFrame(m: Machine, pfn: number): FrameInspection {
  const page = describePfn(m, pfn); // validates pfn
  const kpf = kpageflags(m, pfn);
  // kpagecount is how many mappings there are: none means no walk at all, else the walk ends at the
  // last one. The zero pages are not counted, so their walk ends just past what is listed.
  const count = kpagecount(m, pfn);
  const zero = m.isZeroPfn(pfn) || isHugeZeroPfn(m, pfn);
  const rmap = zero
    ? rmapOf(m, pfn, MAX_RMAP_ENTRIES, MAX_RMAP_ENTRIES + 1)
    : count > 0
      ? rmapOf(m, pfn, MAX_RMAP_ENTRIES, count)
      : { entries: [], total: 0, complete: true };
  return {
    page,
    kpageflags: '0x' + kpf.toString(16).padStart(16, '0'),
    kpageflagNames: decodeKpageflags(kpf),
    kpagecount: kpagecount(m, pfn),
    rmap: rmap.entries,
    rmapTotal: rmap.total,
    rmapComplete: rmap.complete,
    block: blockOf(m, pfn),
    pageblock: {
      index: pfn >> m.arch.pageblockOrder,
      pfn: page.pageblock.pfn,
      migratetype: page.pageblock.migratetype,
    },
    pageSize: m.pageSize,
    bytes: m.ram.read(pfn * m.pageSize, m.pageSize),
    pageCache: pageCacheOf(m, pfn),
  };
}

// --- the free lists ---------------------------------------------------------------------------------

/** The first blocks of each list a free-list view lists (the rest are counted). */
export const FREE_LIST_FIRST = 8;

export interface FreeListInfo {
  order: number;
  freetype: string;
  /** blocks on the list (pagetypeinfo prints the same number, or ">100000" beyond that) */
  count: number;
  /** head pfns of the first blocks, list order */
  first: number[];
}

export interface PcpListInfo {
  cpu: number;
  /** pcp->count: pages (not blocks) on this CPU's lists */
  count: number;
  high: number;
  batch: number;
  lists: (FreeListInfo & { pindex: number })[];
}

export interface ZoneFreeLists {
  zone: string;
  startPfn: number;
  endPfn: number;
  /** free_area[order].nr_free, as /proc/buddyinfo prints */
  nrFree: number[];
  /** one entry per (order, freetype) list, non-empty ones and empty ones alike, order-major */
  lists: FreeListInfo[];
  pcp: PcpListInfo[];
}

function walkList(m: Machine, head: number, firstN: number): { count: number; first: number[] } {
  const p = m.pages;
  const first: number[] = [];
  let count = 0;
  for (let e = p.next[head]!; e !== head; e = p.next[e]!) {
    if (count < firstN) first.push(e);
    count++;
  }
  return { count, first };
}

/**
 * Every populated zone's buddy free lists (per order, per freetype: the migratetypes, and UNMAPPED
 * when __GFP_UNMAPPED is configured) and per-CPU lists, with counts and the first blocks of each.
 */
export function describeFreeLists(m: Machine, firstN = FREE_LIST_FIRST): ZoneFreeLists[] {
  const a = m.alloc;
  const nFt = m.cfg.pageAllocUnmapped ? NR_FREETYPE_IDXS : NR_FREETYPE_IDXS - 1;
  const thpOrder = a.cfg.thpOrder;
  return a.zones
    .filter((z: Zone) => z.populated() && z.idx < MAX_NR_ZONES)
    .map((z) => {
      const lists: FreeListInfo[] = [];
      for (let o = 0; o < a.nrOrders; o++)
        for (let ft = 0; ft < nFt; ft++)
          lists.push({ order: o, freetype: freetypeName(ft), ...walkList(m, z.freeList(o, ft), firstN) });
      const pcp = z.pcp.map((c) => ({
        cpu: c.cpu,
        count: c.count,
        high: c.high,
        batch: c.batch,
        lists: Array.from({ length: NR_PCP_LISTS }, (_, pindex) => ({
          pindex,
          order: pindexToOrder(pindex, thpOrder),
          freetype: pcpListName(pindex),
          ...walkList(m, c.listBase + pindex, firstN),
        })),
      }));
      return {
        zone: z.name,
        startPfn: z.zoneStartPfn,
        endPfn: z.endPfn,
        nrFree: Array.from(z.nrFree),
        lists,
        pcp,
      };
    });
}
