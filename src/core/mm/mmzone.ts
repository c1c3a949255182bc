/**
 * Zones, free areas and per-CPU page lists (include/linux/mmzone.h).
 */

/** enum migratetype, for a kernel without CONFIG_CMA (as the reference machine: no "CMA" row). */
export const MIGRATE_UNMOVABLE = 0;
export const MIGRATE_MOVABLE = 1;
export const MIGRATE_RECLAIMABLE = 2;
export const MIGRATE_PCPTYPES = 3;
export const MIGRATE_HIGHATOMIC = 3;
export const MIGRATE_ISOLATE = 4;
export const MIGRATE_TYPES = 5;
/** Display names, as /proc/pagetypeinfo prints them (migratetype_names[]). */
export const MIGRATETYPE_NAMES = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'Isolate'] as const;

/**
 * Free lists are indexed by freetype (include/linux/freetype.h, __GFP_UNMAPPED series): a migratetype
 * plus flags. Without flags the index is the migratetype; UNMOVABLE|UNMAPPED gets one extra list.
 */
export const NR_FREETYPE_IDXS = MIGRATE_TYPES + 1;
/** FREETYPE_UNMAPPED = BIT(0) (with CONFIG_PAGE_ALLOC_UNMAPPED): the pages are not in the direct map. */
export const FREETYPE_UNMAPPED = 1;
/** freetype_idx(UNMOVABLE | UNMAPPED) = MIGRATE_TYPES: the one extra free list per order. */
export const FREETYPE_IDX_UNMAPPED = MIGRATE_TYPES;

/**
 * freetype_idx(): the free list of a freetype (migratetype + flags). No flags: the migratetype;
 * UNMAPPED|UNMOVABLE: MIGRATE_TYPES; any other UNMAPPED combination: -1 (no list).
 */
export function freetypeIdx(migratetype: number, flags: number): number {
  if (!(flags & FREETYPE_UNMAPPED)) return migratetype;
  return migratetype === MIGRATE_UNMOVABLE ? FREETYPE_IDX_UNMAPPED : -1;
}

/** PAGE_ALLOC_COSTLY_ORDER: orders above this are "costly" and, but for THP, bypass the pcp lists. */
export const PAGE_ALLOC_COSTLY_ORDER = 3;
/** NR_LOWORDER_PCP_LISTS = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1). */
export const NR_LOWORDER_PCP_LISTS = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1);
/** NR_PCP_THP: one list for movable and one for other THP-order pages. */
export const NR_PCP_THP = 2;
export const NR_PCP_LISTS = NR_LOWORDER_PCP_LISTS + NR_PCP_THP;

/**
 * enum zone_type. An architecture compiles in only some of these (x86-64: DMA, DMA32, Normal,
 * Movable, Device; 32-bit arm: Normal, HighMem, Movable); the model keeps a slot for each and marks
 * which are configured, since /proc/zoneinfo lists exactly the configured ones.
 */
export const ZONE_DMA = 0;
export const ZONE_DMA32 = 1;
export const ZONE_NORMAL = 2;
export const ZONE_HIGHMEM = 3;
export const ZONE_MOVABLE = 4;
export const ZONE_DEVICE = 5;
export const MAX_NR_ZONES = 6;
export const ZONE_NAMES = ['DMA', 'DMA32', 'Normal', 'HighMem', 'Movable', 'Device'] as const;

/** sysctl_lowmem_reserve_ratio[] defaults (mm/page_alloc.c). */
export const LOWMEM_RESERVE_RATIO = [256, 256, 32, 0, 0, 0];

export const WMARK_MIN = 0;
export const WMARK_LOW = 1;
export const WMARK_HIGH = 2;
export const WMARK_PROMO = 3;

/** struct per_cpu_pages: the per-CPU cache of free pages of one zone. */
export interface PerCpuPages {
  cpu: number;
  /** pages (not blocks) on the lists */
  count: number;
  high: number;
  highMin: number;
  highMax: number;
  batch: number;
  /** consecutive pages freed without an allocation, drives how much a drain frees */
  freeCount: number;
  /** list head index (in PageArray next/prev) of lists[0] */
  listBase: number;
}

export class Zone {
  readonly idx: number;
  readonly name: string;
  zoneStartPfn = 0;
  spannedPages = 0;
  presentPages = 0;
  managedPages = 0;
  /** _watermark[WMARK_MIN..WMARK_PROMO] */
  readonly watermark = [0, 0, 0, 0];
  watermarkBoost = 0;
  readonly lowmemReserve = new Array<number>(MAX_NR_ZONES).fill(0);
  /** NR_FREE_PAGES: pages in the buddy free lists (not the pcp lists) */
  nrFreePages = 0;
  /** NR_FREE_PAGES_BLOCKS: free pages in blocks of pageblock order or more */
  nrFreePagesBlocks = 0;
  /** free_area[order].nr_free, counting blocks */
  readonly nrFree: Int32Array;
  /** list head index of free_area[0].free_list[0]; head(order, ft) = base + order*NR_FREETYPE_IDXS + ft */
  readonly freeListBase: number;
  readonly pcp: PerCpuPages[] = [];
  /** compiled into this architecture's kernel */
  configured = true;
  /** vm_stat[] items this model keeps, by name, as /proc/zoneinfo prints them */
  readonly stat = new Map<string, number>();

  constructor(idx: number, nrOrders: number, freeListBase: number) {
    this.idx = idx;
    this.name = ZONE_NAMES[idx]!;
    this.nrFree = new Int32Array(nrOrders);
    this.freeListBase = freeListBase;
  }

  freeList(order: number, freetype: number): number {
    return this.freeListBase + order * NR_FREETYPE_IDXS + freetype;
  }

  get endPfn(): number {
    return this.zoneStartPfn + this.spannedPages;
  }

  populated(): boolean {
    return this.presentPages > 0;
  }

  contains(pfn: number): boolean {
    return pfn >= this.zoneStartPfn && pfn < this.zoneStartPfn + this.spannedPages;
  }

  minWmark(): number {
    return this.watermark[WMARK_MIN]! + this.watermarkBoost;
  }

  lowWmark(): number {
    return this.watermark[WMARK_LOW]! + this.watermarkBoost;
  }

  highWmark(): number {
    return this.watermark[WMARK_HIGH]! + this.watermarkBoost;
  }
}

/** order_to_pindex(): which pcp list holds pages of this migratetype and order. */
export function orderToPindex(migratetype: number, order: number): number {
  if (order > PAGE_ALLOC_COSTLY_ORDER)
    return NR_LOWORDER_PCP_LISTS + (migratetype === MIGRATE_MOVABLE ? 1 : 0);
  return MIGRATE_PCPTYPES * order + migratetype;
}

/** pindex_to_order(). */
export function pindexToOrder(pindex: number, thpOrder: number): number {
  if (pindex >= NR_LOWORDER_PCP_LISTS) return thpOrder;
  return Math.floor(pindex / MIGRATE_PCPTYPES);
}
