/**
 * Boot as a sequence of explicit steps (init/main.c start_kernel() and friends).
 *
 * Each step is one kernel function with its source location and a sentence of why. The machine runs
 * them one at a time, so a host can stop anywhere (`boot until=<fn>`), show the state there, step
 * again, or go back (replay from the start: the core is deterministic). The architecture supplies its
 * setup_arch() steps; the generic mm steps follow in the order of the chosen era of the zero-page
 * series ("arch, mm: consolidate empty_zero_page", 2026, whose "mm: cache struct page for
 * empty_zero_page" patch gives ZERO_PAGE() its cached __zero_page):
 *
 *   before: setup_arch ends with free_area_init(); each arch sets its zero page its own way
 *           (x86/arm64: a BSS page, found by arithmetic on every ZERO_PAGE(); arm: early_alloc in
 *           paging_init; sparc64: the buddy allocator in mem_init; MIPS/s390: memblock in
 *           arch_mm_preinit, since 6.15), and zero_pfn is set by an early_initcall (Linux 6.18).
 *   after:  mm_core_init_early() runs free_area_init(); mm_core_init() calls init_zero_page_pfn()
 *           → arch_setup_zero_pages() right after arch_mm_preinit(), and zero_page_pfn follows
 *           (the "arch, mm: consolidate empty_zero_page" series; the toggle also carries arm's move
 *           of its zero page to BSS and the free_area_init() move, which came with it).
 *
 * Names follow the era (symbols.ts): zero_pfn / my_zero_pfn() / init_zero_pfn before, zero_page_pfn
 * / zero_pfn() / init_zero_page_pfn after.
 */
import type { Machine } from './machine.ts';
import { freeAreaInit, memblockFreeAll, memInitPrintInfo, setZeroPagePfn } from './mm/mm_init.ts';
import { hugeZeroAtBoot, markStaticHugeZero } from './mm/huge_memory.ts';

export interface BootStep {
  phase: 'setup_arch' | 'mm_core_init_early' | 'mm_core_init' | 'start_kernel' | 'initcalls';
  fn: string;
  file: string;
  why: string;
  run(m: Machine): void;
}

/** free_area_init(): the step every arch has, placed by era. */
export function freeAreaInitStep(phase: BootStep['phase']): BootStep {
  return {
    phase,
    fn: 'free_area_init',
    file: 'mm/mm_init.c',
    why:
      phase === 'setup_arch'
        ? 'Zones get their spans and every struct page is initialised; every pageblock starts MOVABLE. In 6.18 each architecture calls this from its own setup code (the series’ toggle also moves it to mm_core_init_early()). The buddy lists are still empty.'
        : 'mm_core_init_early() creates the memory map: zones get their spans, every struct page is initialised, every pageblock starts MOVABLE (since the 2026 hugetlb series, no longer from setup_arch). The buddy lists are still empty.',
    run: freeAreaInit,
  };
}

export function bootSteps(m: Machine): BootStep[] {
  const after = m.cfg.zeroPagePatch === 'after';
  const arch = m.arch;
  const steps: BootStep[] = [...arch.setupArch(m)];
  if (after) steps.push(freeAreaInitStep('mm_core_init_early'));
  if (!after && arch.colouredZero) {
    steps.push({
      phase: 'mm_core_init',
      fn: 'arch_mm_preinit',
      file: `arch/${arch.name}/mm/init.c`,
      why: 'In 6.18 MIPS and s390 set up their coloured zero pages from arch_mm_preinit() with memblock (since 6.15: setup_zero_pages() in arch/mips/mm/init.c, arch/s390/mm/init.c), so they never reach the buddy allocator. zero_pfn stays 0 until the early initcall init_zero_pfn().',
      run(m) {
        m.trace.call('setup_zero_pages', () => m.note(arch.archSetupZeroPages(m)));
      },
    });
  }
  if (after) {
    steps.push({
      phase: 'mm_core_init',
      fn: 'init_zero_page_pfn',
      file: 'mm/mm_init.c',
      why: 'With the series, mm_core_init() (mm/mm_init.c) calls init_zero_page_pfn() → arch_setup_zero_pages() right after arch_mm_preinit(): after free_area_init() (struct pages exist) and before memblock_free_all() (memblock can still be used). zero_page_pfn (6.18’s zero_pfn, renamed) follows at once, and on arches with one zero page ZERO_PAGE() becomes one load of the cached __zero_page.',
      run(m) {
        m.trace.call('arch_setup_zero_pages', () => m.note(arch.archSetupZeroPages(m)));
        setZeroPagePfn(m);
      },
    });
  }
  if (m.cfg.hugeZero === 'static_pmd' && arch.pmdOrder) {
    steps.push({
      phase: 'mm_core_init',
      fn: 'static_pmd_zero_page_init',
      file: 'mm/huge_memory.c',
      why: 'The seed proposal (STATIC_PMD_ZERO_PAGE): take the PMD-sized zero page from memblock while it still exists, and pin it for good — the same pointer then serves as huge_zero_folio and as largest_zero_folio().',
      run(m) {
        m.note(hugeZeroAtBoot(m, true));
        markStaticHugeZero(m);
      },
    });
  }
  steps.push(
    {
      phase: 'mm_core_init',
      fn: 'build_all_zonelists',
      file: 'mm/page_alloc.c',
      why: 'An allocation that may use Normal falls back to the lower zones: the zonelist is that order.',
      run(m) {
        // vm_total_pages = nr_free_zone_pages(): managed pages above the high watermark (both still
        // at their free_area_init values: managed = present, watermarks 0).
        const total = m.alloc.zones.reduce((s, z) => s + Math.max(0, z.managedPages - z.highWmark()), 0);
        m.printk(`Built 1 zonelists, mobility grouping on.  Total pages: ${total}`);
      },
    },
    {
      phase: 'mm_core_init',
      fn: 'memblock_free_all',
      file: 'mm/memblock.c',
      why: 'Boot is over for memblock: mm_core_init() calls memblock_free_all() itself (since 6.15), then mem_init(). memmap_init_reserved_pages() marks reserved ranges PG_reserved, and every range memblock did not hand out goes to the buddy allocator in naturally aligned blocks.',
      run(m) {
        memblockFreeAll(m);
      },
    },
  );
  if (!after && arch.name === 'sparc64') {
    steps.push({
      phase: 'mm_core_init',
      fn: 'mem_init',
      file: 'arch/sparc/mm/init_64.c',
      why: 'Before the patch, sparc64 took its zero page from the buddy allocator in mem_init(): alloc_pages(GFP_KERNEL|__GFP_ZERO, 0), then mark_page_reserved(). ZERO_PAGE() returns the cached mem_map_zero.',
      run(m) {
        m.trace.call('mem_init', () => m.note(arch.archSetupZeroPages(m)));
      },
    });
  }
  steps.push({
    phase: 'start_kernel',
    fn: 'setup_per_cpu_pageset',
    file: 'mm/page_alloc.c',
    why: 'Each CPU gets its own small cache of free pages per zone (pcp lists), so most order-0 allocations never touch the zone lock.',
    run(m) {
      m.alloc.setupPagesets();
    },
  });
  if (!after) {
    steps.push({
      phase: 'initcalls',
      fn: 'init_zero_pfn',
      file: 'mm/memory.c',
      why: 'In 6.18 zero_pfn = page_to_pfn(ZERO_PAGE(0)) is set by an early_initcall (mm/memory.c, init_zero_pfn(); run by do_pre_smp_initcalls()): it is 0 all through mm_core_init(). The fault path then uses my_zero_pfn(), which on x86-64 and arm64 just returns zero_pfn; only coloured arches call ZERO_PAGE(addr) per fault.',
      run(m) {
        setZeroPagePfn(m);
      },
    });
  }
  steps.push(
    {
      phase: 'initcalls',
      fn: 'page_alloc_init_late',
      file: 'mm/mm_init.c',
      why: 'Once the early initcalls ran and the other CPUs are up, accounting of total and free memory is stable: mem_init_print_info() prints the Memory: line. The init sections still count as reserved here.',
      run(m) {
        m.trace.call('mem_init_print_info', () => memInitPrintInfo(m));
      },
    },
    {
      phase: 'initcalls',
      fn: 'init_per_zone_wmark_min',
      file: 'mm/page_alloc.c',
      why: 'min_free_kbytes = sqrt(16 × lowmem KiB) is shared among zones by size; kswapd wakes below the low watermark, and allocations without __GFP_HIGH fail below min.',
      run(m) {
        m.alloc.calculateMinFreeKbytes();
        m.alloc.setupPerZoneWmarks();
        m.alloc.setupPerZoneLowmemReserve();
        m.alloc.setupPagesets();
      },
    },
    {
      phase: 'initcalls',
      fn: 'hugepage_init',
      file: 'mm/huge_memory.c',
      why: 'With THP enabled, khugepaged raises min_free_kbytes (set_recommended_min_free_kbytes) so that free pageblocks stay available for huge pages.',
      run(m) {
        if (!m.arch.pmdOrder) return;
        // thp_shrinker_init(): the persistent folio is taken first, from the buddy allocator...
        if (m.cfg.hugeZero === 'persistent') m.note(hugeZeroAtBoot(m, false));
        // ...and only then does THP switch itself off on small machines.
        const totalram = m.alloc.zones.reduce((s, z) => s + z.managedPages, 0);
        if (totalram * m.pageSize < 512 * 1024 * 1024) {
          m.thpDisabledAtBoot = true;
          m.note('less than 512 MiB of RAM: transparent_hugepage_flags = 0 (THP off)');
          return;
        }
        if (m.cfg.thp === 'never') return;
        m.trace.call('set_recommended_min_free_kbytes', () => setRecommendedMinFreeKbytes(m));
      },
    },
    {
      phase: 'initcalls',
      fn: 'free_initmem',
      file: `arch/${archDir(arch.name)}/mm/init.c`,
      why: 'Code and data marked __init are needed only during boot: once the initcalls ran, their pages go to the buddy allocator.',
      run(m) {
        const init = m.arch.imageSections().find((s) => s.memoryLine === 'init');
        if (!init) return;
        m.freeReservedArea(init.start, init.start + init.size, 'unused kernel image (initmem)');
      },
    },
  );
  return steps;
}

export function archDir(name: string): string {
  return name === 'x86_64' ? 'x86' : name === 'sparc64' ? 'sparc' : name;
}

/** set_recommended_min_free_kbytes() (mm/khugepaged.c). */
function setRecommendedMinFreeKbytes(m: Machine): void {
  const a = m.alloc;
  const pb = 1 << m.arch.pageblockOrder;
  let nrZones = 0;
  for (const z of a.zones) if (z.populated() && z.idx <= 2) nrZones++;
  let rec = pb * nrZones * 2;
  rec += pb * nrZones * 3 * 3; // MIGRATE_PCPTYPES * MIGRATE_PCPTYPES
  rec = Math.min(rec, Math.floor(a.nrFreeBufferPages() / 20));
  rec *= m.pageSize / 1024;
  if (rec > a.minFreeKbytes) {
    if (a.minFreeKbytes)
      m.printk(
        `raising min_free_kbytes from ${a.minFreeKbytes} to ${rec} to help transparent hugepage allocations`,
      );
    a.minFreeKbytes = rec;
  }
  a.setupPerZoneWmarks();
  a.setupPerZoneLowmemReserve();
  a.setupPagesets();
}
