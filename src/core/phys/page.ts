/**
 * struct page as structure-of-arrays typed arrays indexed by pfn.
 *
 * A 4 GiB machine has 1M frames; per-frame JS objects would cost ~100 B each and stall the GC, so each
 * field of struct page is one typed array. Free lists are intrusive doubly linked lists over the
 * `next`/`prev` arrays, exactly like the `list_head` inside struct page (buddy_list / pcp_list share
 * it in the kernel too). List heads live in the same arrays, at indices past the last pfn, so that a
 * list head and a page's list node are the same kind of thing, as in C.
 *
 * Bytes per frame: flags 4 + _refcount 4 + _mapcount 4 + order 1 + owner 1 + next 4 + prev 4 = 22.
 */

/** Page flags (PG_*) and page types. Bit numbers are ours; the names are the kernel's. */
export const PG = {
  locked: 1 << 0,
  referenced: 1 << 1,
  uptodate: 1 << 2,
  dirty: 1 << 3,
  lru: 1 << 4,
  active: 1 << 5,
  slab: 1 << 6,
  /** PG_reserved: never handed to the buddy allocator (firmware, kernel image, memmap, holes). */
  reserved: 1 << 7,
  writeback: 1 << 8,
  /** PG_head: first page of a compound page (folio). */
  head: 1 << 9,
  swapbacked: 1 << 10,
  /** PG_anon_exclusive: this anon page is mapped by one process only and may be reused on a write fault. */
  anonExclusive: 1 << 11,
  /** PageAnon: in the kernel, the low bit of page->mapping; a flag here. */
  anon: 1 << 12,
  /** PageBuddy page type: the head of a free block in the buddy allocator, order in `order`. */
  buddy: 1 << 13,
  /** PageTable page type: a page-table page. */
  pgtable: 1 << 14,
  /** Compound tail page (the kernel encodes it in compound_head's low bit). */
  tail: 1 << 15,
  mappedtodisk: 1 << 16,
  /**
   * On a per-CPU (pcp) free list. The kernel has no flag for this (the page is simply on
   * pcp->lists[]); the emulator keeps one so the invariant checker and the frame grid can tell.
   */
  pcp: 1 << 17,
  /** PG_mlocked: a VM_LOCKED mapping holds this folio in memory (NR_MLOCK counts it: Mlocked). */
  mlocked: 1 << 18,
  /** PG_unevictable: on the unevictable LRU list (mlocked), hidden from reclaim's scans. */
  unevictable: 1 << 19,
  /** PageKsm (folio->mapping's PAGE_MAPPING_KSM): a KSM page, shared by every mapping of its content */
  ksm: 1 << 20,
} as const;

export type PageFlagName = keyof typeof PG;
export const PAGE_FLAG_NAMES = Object.keys(PG) as PageFlagName[];

/**
 * What a frame is used for, like CONFIG_PAGE_OWNER's record of who allocated a page. The kernel's
 * struct page has no such field; the emulator keeps one byte so views can say "kernel code" or
 * "memmap" rather than only "reserved".
 */
export const enum Owner {
  None = 0,
  Firmware = 1,
  KernelText = 2,
  KernelRodata = 3,
  KernelData = 4,
  KernelInit = 5,
  KernelBss = 6,
  Memmap = 7,
  Memblock = 8,
  KernelAlloc = 9,
  PageTable = 10,
  Anon = 11,
  Shmem = 12,
  /** a regular file's page-cache page (mm/filemap.ts) */
  File = 13,
}

export const OWNER_NAMES: readonly string[] = [
  'none',
  'firmware',
  'kernel code',
  'kernel rodata',
  'kernel rwdata',
  'kernel init',
  'kernel bss',
  'memmap',
  'memblock',
  'kernel allocation',
  'page table',
  'anon',
  'shmem',
  'page cache',
];

export const NIL = -1;

export class PageArray {
  readonly nrPages: number;
  readonly flags: Uint32Array;
  /** _refcount */
  readonly refcount: Int32Array;
  /** _mapcount, stored as mapcount - 1: -1 means unmapped, as in the kernel. */
  readonly mapcount: Int32Array;
  /** buddy order of a free block head (PageBuddy), or compound order of a head page. */
  readonly order: Uint8Array;
  readonly owner: Uint8Array;
  /** list_head next/prev; indices >= nrPages are list heads. */
  readonly next: Int32Array;
  readonly prev: Int32Array;

  constructor(nrPages: number, nrListHeads: number) {
    this.nrPages = nrPages;
    this.flags = new Uint32Array(nrPages);
    this.refcount = new Int32Array(nrPages);
    this.mapcount = new Int32Array(nrPages).fill(-1);
    this.order = new Uint8Array(nrPages);
    this.owner = new Uint8Array(nrPages);
    this.next = new Int32Array(nrPages + nrListHeads).fill(NIL);
    this.prev = new Int32Array(nrPages + nrListHeads).fill(NIL);
    // INIT_LIST_HEAD for every head.
    for (let h = nrPages; h < nrPages + nrListHeads; h++) {
      this.next[h] = h;
      this.prev[h] = h;
    }
  }

  /** Index of list head number `i` (0-based) in next/prev. */
  head(i: number): number {
    return this.nrPages + i;
  }

  has(pfn: number, flag: number): boolean {
    return (this.flags[pfn]! & flag) !== 0;
  }

  /** Bytes of metadata held per frame (the benchmark reports this). */
  static bytesPerFrame(): number {
    return 4 + 4 + 4 + 1 + 1 + 4 + 4;
  }

  // --- list_head operations (include/linux/list.h) -------------------------------------------

  /** list_add(): insert `entry` right after `head` (at the front of the list). */
  listAdd(entry: number, head: number): void {
    const first = this.next[head]!;
    this.next[entry] = first;
    this.prev[entry] = head;
    this.prev[first] = entry;
    this.next[head] = entry;
  }

  /** list_add_tail(): insert `entry` right before `head` (at the back of the list). */
  listAddTail(entry: number, head: number): void {
    const last = this.prev[head]!;
    this.next[entry] = head;
    this.prev[entry] = last;
    this.next[last] = entry;
    this.prev[head] = entry;
  }

  /** list_del(): unlink `entry`; its links are poisoned (NIL) as LIST_POISON would. */
  listDel(entry: number): void {
    const n = this.next[entry]!;
    const p = this.prev[entry]!;
    this.next[p] = n;
    this.prev[n] = p;
    this.next[entry] = NIL;
    this.prev[entry] = NIL;
  }

  listEmpty(head: number): boolean {
    return this.next[head] === head;
  }

  /** First entry of a non-empty list (list_first_entry). */
  listFirst(head: number): number {
    return this.next[head]!;
  }

  /** Last entry of a non-empty list (list_last_entry). */
  listLast(head: number): number {
    return this.prev[head]!;
  }

  /** Entries of a list in order (for views and checks, not hot paths). */
  listEntries(head: number): number[] {
    const out: number[] = [];
    for (let e = this.next[head]!; e !== head; e = this.next[e]!) out.push(e);
    return out;
  }
}
