/**
 * Memory-map and zone initialisation (mm/mm_init.c), memblock_free_all (mm/memblock.c), the zero
 * page (init_zero_page_pfn, arch_setup_zero_pages) and the boot "Memory:" line.
 */
import type { Machine } from '../machine.ts';
import { ERA_NAMES } from '../symbols.ts';
import { Owner, PG } from '../phys/page.ts';
import { MIGRATE_MOVABLE, ZONE_HIGHMEM } from './mmzone.ts';

/** Sparse memory sections: 128 MiB on x86-64 (SECTION_SIZE_BITS 27). */
export const SECTION_SIZE_BITS = 27;
/** sizeof(struct page) */
export const STRUCT_PAGE_SIZE = 64;
/** VMEMMAP_START on x86-64 (4-level): struct page *p = vmemmap + pfn. */
export const VMEMMAP_START = 0xffffea0000000000n;

/** memblock pfn ranges of RAM: PFN_UP(base) .. PFN_DOWN(end), as for_each_mem_pfn_range(). */
export function memPfnRanges(m: Machine): [number, number][] {
  const shift = m.arch.pageShift;
  const ps = 1 << shift;
  const out: [number, number][] = [];
  for (const r of m.memblock.memory.regions) {
    const s = Math.ceil(r.base / ps);
    const e = Math.floor((r.base + r.size) / ps);
    if (e > s) out.push([s, e]);
  }
  return out;
}

/**
 * sparse_init() → sparse_buffer_init(): one memblock allocation holds the struct pages of every
 * present memory section. On x86-64 each section's share is rounded to PMD_SIZE (vmemmap is mapped
 * with 2 MiB pages); elsewhere the emulator rounds to a page (vmemmap_populate_basepages). Top-down,
 * so the memmap sits at the end of RAM. FLATMEM arches (32-bit arm) allocate one mem_map in
 * free_area_init() instead (alloc_node_mem_map).
 */
export function sparseInit(m: Machine): void {
  const arch = m.arch;
  if (!arch.sectionSizeBits) return;
  const shift = arch.pageShift;
  const ps = 1 << shift;
  const pagesPerSection = 2 ** (arch.sectionSizeBits - shift);
  const present = new Set<number>();
  for (const [s, e] of memPfnRanges(m))
    for (let p = s; p < e; p += pagesPerSection - (p % pagesPerSection))
      present.add(Math.floor(p / pagesPerSection));
  const round = arch.name === 'x86_64' ? 1 << (shift + 9) : ps;
  const sectionMapSize = Math.ceil((arch.structPageSize * pagesPerSection) / round) * round;
  const size = present.size * sectionMapSize;
  m.trace.call('sparse_buffer_init', () => {
    m.memmapPhys = {
      base: m.memblock.alloc(
        size,
        Math.min(sectionMapSize, 1 << (shift + 9)),
        Owner.Memmap,
        'sparse_buffer_init',
      ),
      size,
    };
  });
  m.printk(
    `sparse_init: ${present.size} present sections, memmap ${size / 1024}K at 0x${m.memmapPhys!.base.toString(16)}`,
  );
}

/** The zero page(s) exist from now on: where they are (display, ZERO_PAGE()) — not yet zero_page_pfn. */
export function placeZeroPages(m: Machine, basePfn: number, order: number): void {
  m.zeroPages = { basePfn, order };
}

/**
 * zero_pfn = page_to_pfn(ZERO_PAGE(0)) (6.18: init_zero_pfn(), mm/memory.c) or zero_page_pfn = ...
 * (after the series: init_zero_page_pfn(), mm/mm_init.c): the kernel now knows its zero page. The
 * machine stores it under one key, 'zero_page_pfn'; the trace and `print` use the era's name.
 */
export function setZeroPagePfn(m: Machine): void {
  const shown = ERA_NAMES[m.cfg.zeroPagePatch].pfnVar;
  if (!m.zeroPages) throw new Error(`${shown}: no zero page has been set up`);
  m.setVar('zero_page_pfn', BigInt(m.zeroPfn(0)), shown);
}

/**
 * free_area_init(): zone spans from the arch limits, present pages from memblock, then memmap_init()
 * gives every pfn its struct page and every pageblock MIGRATE_MOVABLE. Holes inside a zone get
 * reserved struct pages (init_unavailable_range()).
 */
export function freeAreaInit(m: Machine): void {
  const ranges = memPfnRanges(m);
  const nodeStart = ranges[0]![0];
  const nodeEnd = ranges[ranges.length - 1]![1];
  const limits = m.arch.zoneLimits(nodeEnd);
  // Each memory zone runs from the previous zone's limit to its own, clipped to the node's RAM
  // (zone_spanned_pages_in_node); present pages are the memblock pages inside (absent = holes).
  let low = 0;
  const memoryZones = m.arch.zones.filter((z) => limits[z] !== undefined);
  for (const idx of memoryZones) {
    const zone = m.alloc.zones[idx]!;
    const high = Math.max(limits[idx]!, low);
    const start = Math.min(Math.max(nodeStart, low), high);
    const end = Math.min(Math.max(nodeEnd, low), high);
    zone.zoneStartPfn = end > start ? start : 0;
    zone.spannedPages = Math.max(0, end - start);
    let present = 0;
    for (const [s, e] of ranges) present += Math.max(0, Math.min(e, end) - Math.max(s, start));
    zone.presentPages = present;
    // free_area_init_core() starts managed_pages at present_pages; memblock_free_all() resets it
    // to 0 and counts up as it frees (reset_all_zones_managed_pages).
    zone.managedPages = present;
    low = high;
  }
  const ps = 1 << m.arch.pageShift;
  m.printk('Zone ranges:');
  for (const idx of memoryZones) {
    const z = m.alloc.zones[idx]!;
    const hex = (n: number) => '0x' + n.toString(16).padStart(16, '0');
    if (z.spannedPages)
      m.printk(`  ${z.name.padEnd(8)} [mem ${hex(z.zoneStartPfn * ps)}-${hex(z.endPfn * ps - 1)}]`);
    else m.printk(`  ${z.name.padEnd(8)} empty`);
  }

  if (!m.arch.sectionSizeBits) {
    // alloc_node_mem_map(): FLATMEM has one struct page array for the node's whole pfn range.
    const size = Math.ceil(((nodeEnd - nodeStart) * m.arch.structPageSize) / ps) * ps;
    m.trace.call('alloc_node_mem_map', () => {
      m.memmapPhys = { base: m.memblock.alloc(size, ps, Owner.Memmap, 'alloc_node_mem_map'), size };
    });
  }
  const p = m.pages;
  m.trace.call('memmap_init', () => {
    // Every pfn below the end of RAM gets a struct page; pfns with no RAM are holes, reserved
    // (init_unavailable_range()). RAM pages get no PG_reserved here: memmap_init_range() sets it only
    // for hotplugged memory (MEMINIT_HOTPLUG); at boot memmap_init_reserved_pages() marks the reserved
    // memblock ranges later.
    for (let pfn = 0; pfn < p.nrPages; pfn++) {
      p.flags[pfn] = PG.reserved;
      p.owner[pfn] = Owner.None;
      p.refcount[pfn] = 1;
      p.mapcount[pfn] = -1;
    }
    for (const [s, e] of ranges) {
      // __init_single_page(): refcount 1 (init_page_count), mapcount -1, no flags.
      p.flags.fill(0, s, e);
      const zone = m.alloc.zoneOf(s);
      if (m.trace.on) m.trace.emit({ type: 'memmap_init', startPfn: s, nrPages: e - s, zone: zone.name });
    }
    // memmap_init_range() sets MIGRATE_MOVABLE on every pageblock it initialises.
    m.pageblocks.initRange(0, p.nrPages, MIGRATE_MOVABLE);
  });
  m.memmapReady = true;
}

/** memmap_init_reserved_pages() → reserve_bootmem_region(): reserved memblock ranges get PG_reserved. */
function memmapInitReservedPages(m: Machine): void {
  const p = m.pages;
  const shift = m.arch.pageShift;
  const ps = 1 << shift;
  for (const r of m.memblock.reserved.regions) {
    const s = Math.floor(r.base / ps);
    const e = Math.min(Math.ceil((r.base + r.size) / ps), p.nrPages);
    for (let pfn = s; pfn < e; pfn++) p.flags[pfn] = p.flags[pfn]! | PG.reserved;
    if (m.trace.on && e > s)
      m.trace.emit({ type: 'page_reserved', startPfn: s, nrPages: e - s, before: false, after: true });
  }
  // Label what each reserved frame holds (page_owner-like): later labels win, like later reservations.
  for (const l of m.memblock.labels) {
    const s = Math.floor(l.base / ps);
    const e = Math.min(Math.ceil((l.base + l.size) / ps), p.nrPages);
    for (let pfn = s; pfn < e; pfn++) p.owner[pfn] = l.owner;
  }
}

/**
 * memblock_free_all(): hand every free memblock range to the buddy allocator in naturally aligned
 * blocks (__free_pages_memory): at pfn s, order = min(MAX_PAGE_ORDER, ctz(s)), shrunk until the
 * block fits before the range end.
 */
export function memblockFreeAll(m: Machine): number {
  return m.trace.call('memblock_free_all', () => {
    m.trace.call('memmap_init_reserved_pages', () => memmapInitReservedPages(m));
    const shift = m.arch.pageShift;
    const ps = 1 << shift;
    const maxOrder = m.arch.maxPageOrder;
    let freed = 0;
    for (const z of m.alloc.zones) z.managedPages = 0;
    m.trace.call('free_low_memory_core_early', () => {
      for (const [base, end] of m.memblock.freeRanges()) {
        let start = Math.ceil(base / ps);
        const endPfn = Math.min(Math.floor(end / ps), m.pages.nrPages);
        m.trace.call('__free_pages_memory', () => {
          while (start < endPfn) {
            let order = start === 0 ? maxOrder : Math.min(maxOrder, ctz(start));
            while (start + (1 << order) > endPfn) order--;
            m.trace.call('__free_pages_core', () => m.alloc.freePagesCore(start, order));
            freed += 1 << order;
            start += 1 << order;
          }
        });
      }
    });
    return freed;
  });
}

function ctz(n: number): number {
  if (n === 0) return 32;
  let c = 0;
  while ((n & 1) === 0 && c < 53) {
    n /= 2;
    c++;
  }
  return c;
}

/** mem_init_print_info(): the boot "Memory:" line. */
export function memInitPrintInfo(m: Machine): string {
  // Page and byte counts exceed 2^31 on big machines: multiply and divide, never shift.
  const kb = (pages: number) => (pages * (1 << m.arch.pageShift)) / 1024;
  const k = (bytes: number) => Math.floor(bytes / 1024);
  let physpages = 0;
  let totalram = 0;
  for (const z of m.alloc.zones) {
    physpages += z.presentPages;
    totalram += z.managedPages;
  }
  const sizes = { code: 0, rwdata: 0, rodata: 0, init: 0, bss: 0 };
  for (const s of m.arch.imageSections()) if (s.memoryLine) sizes[s.memoryLine] += s.size;
  const line =
    `Memory: ${kb(m.alloc.nrFreePages())}K/${kb(physpages)}K available (${k(sizes.code)}K kernel code, ` +
    `${k(sizes.rwdata)}K rwdata, ${k(sizes.rodata)}K rodata, ${k(sizes.init)}K init, ${k(sizes.bss)}K bss, ` +
    `${kb(physpages - totalram)}K reserved, 0K cma-reserved` +
    (m.arch.highmem ? `, ${kb(m.alloc.zones[ZONE_HIGHMEM]!.managedPages)}K highmem)` : ')');
  m.printk(line);
  return line;
}
