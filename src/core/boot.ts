/**
 * Boot as a sequence of explicit steps (init/main.c start_kernel() and friends).
 *
 * Each step is one kernel function with its source location and a sentence of why. The machine runs
 * them one at a time, so a host can stop anywhere (`boot until=<fn>`), show the state there, and
 * step again. The per-arch boot stepper (a later issue) extends this list per architecture.
 */
import { formatE820 } from './arch/x86_64/setup.ts';
import type { Machine } from './machine.ts';
import {
  freeAreaInit,
  memblockFreeAll,
  memInitPrintInfo,
  sparseInit,
  VMEMMAP_START,
  STRUCT_PAGE_SIZE,
} from './mm/mm_init.ts';
import { Owner } from './phys/page.ts';

export interface BootStep {
  phase: 'setup_arch' | 'mm_core_init_early' | 'mm_core_init' | 'start_kernel' | 'initcalls';
  fn: string;
  file: string;
  why: string;
  run(m: Machine): void;
}

const MiB = 1 << 20;

/** arch_setup_zero_pages() (weak default): __zero_page = virt_to_page(empty_zero_page). */
function archSetupZeroPages(m: Machine): void {
  m.trace.call('arch_setup_zero_pages', () => {
    m.setVar(
      '__zero_page',
      VMEMMAP_START + BigInt(m.virtToPfn(m.emptyZeroPageVirt())) * BigInt(STRUCT_PAGE_SIZE),
    );
  });
}

export function bootSteps(m: Machine): BootStep[] {
  const after = m.cfg.zeroPagePatch === 'after';
  const steps: BootStep[] = [
    {
      phase: 'setup_arch',
      fn: 'e820__memory_setup',
      file: 'arch/x86/kernel/e820.c',
      why: 'The firmware (BIOS e820) says which physical ranges are RAM. Linux prints that map first and trusts nothing else.',
      run(m) {
        for (const r of m.arch.firmwareMap(m.cfg.ram)) m.printk(formatE820(r));
      },
    },
    {
      phase: 'setup_arch',
      fn: 'early_reserve_memory',
      file: 'arch/x86/kernel/setup.c',
      why: 'Before any allocation can happen, memblock must know that the kernel image (text to brk, which includes the BSS where empty_zero_page lives) is in use.',
      run(m) {
        // memblock_reserve_kern(_text, __end_of_kernel_reserve - _text): one range, gaps included.
        const secs = m.arch.imageSections();
        const start = Math.min(...secs.map((s) => s.start));
        const end = Math.max(...secs.map((s) => s.start + s.size));
        m.memblock.reserve(start, end - start, Owner.KernelData, 'early_reserve_memory (kernel image)');
        // Label each section (memblock=debug would only show the one range).
        for (const s of secs)
          m.memblock.reserve(s.start, s.size, s.owner, `early_reserve_memory (${s.name})`);
        // "Reserve the first 64K": BIOSes are known to corrupt it.
        m.memblock.reserve(0, 0x10000, Owner.Firmware, 'early_reserve_memory (first 64K)');
        // reserve_bios_regions(): the EBDA and BIOS ROM, from min(EBDA, BIOS_START_MAX) up to 1 MiB.
        m.memblock.reserve(0x9f000, 0x100000 - 0x9f000, Owner.Firmware, 'reserve_bios_regions');
      },
    },
    {
      phase: 'setup_arch',
      fn: 'e820__memblock_setup',
      file: 'arch/x86/kernel/e820.c',
      why: 'Every usable e820 range becomes a memblock.memory region. trim_bios_range() has already taken the first 4 KiB away from RAM: it belongs to the BIOS.',
      run(m) {
        for (const r of m.arch.firmwareMap(m.cfg.ram)) {
          if (r.type !== 'usable') continue;
          const base = r.base === 0 ? 0x1000 : r.base;
          m.memblock.add(base, r.size - (base - r.base));
        }
      },
    },
    {
      phase: 'setup_arch',
      fn: 'reserve_real_mode',
      file: 'arch/x86/realmode/init.c',
      why: 'The trampoline that starts the other CPUs must run in real mode, below 1 MiB. Then the whole first 1 MiB is reserved unconditionally: BIOSes corrupt it.',
      run(m) {
        m.memblock.alloc(0x6000, 0x1000, Owner.Firmware, 'reserve_real_mode (trampoline)', 0, MiB);
        m.memblock.reserve(0, MiB, Owner.Firmware, 'reserve_real_mode (first 1 MiB)');
      },
    },
    {
      phase: 'setup_arch',
      fn: 'sparse_init',
      file: 'mm/sparse.c',
      why: 'struct page for every frame must live somewhere before the page allocator exists: memblock gives the memmap, top-down, one PMD-sized chunk per 128 MiB section.',
      run: sparseInit,
    },
    {
      phase: 'setup_arch',
      fn: 'free_area_init',
      file: 'mm/mm_init.c',
      why: 'Zones get their spans (DMA below 16 MiB, DMA32 below 4 GiB, Normal above) and every struct page is initialised; every pageblock starts MOVABLE. The buddy lists are still empty.',
      run: freeAreaInit,
    },
  ];
  if (after) {
    steps.push({
      phase: 'mm_core_init',
      fn: 'init_zero_page_pfn',
      file: 'mm/mm_init.c',
      why: 'With the zero-page patch, mm_core_init() computes the zero page once: arch_setup_zero_pages() caches its struct page in __zero_page and zero_page_pfn follows at once, before memblock_free_all(), while memblock can still be used.',
      run(m) {
        archSetupZeroPages(m);
        m.setVar('zero_page_pfn', BigInt(m.zeroPageStructToPfn()));
      },
    });
  }
  steps.push({
    phase: 'mm_core_init',
    fn: 'build_all_zonelists',
    file: 'mm/page_alloc.c',
    why: 'An allocation that may use Normal falls back to DMA32 then DMA: the zonelist is that order.',
    run(m) {
      // vm_total_pages = nr_free_zone_pages(): managed pages above the high watermark (both still
      // at their free_area_init values: managed = present, watermarks 0).
      const total = m.alloc.zones.reduce((s, z) => s + Math.max(0, z.managedPages - z.highWmark()), 0);
      m.printk(`Built 1 zonelists, mobility grouping on.  Total pages: ${total}`);
    },
  });
  steps.push(
    {
      phase: 'mm_core_init',
      fn: 'memblock_free_all',
      file: 'mm/memblock.c',
      why: 'Boot is over for memblock: every range it did not hand out goes to the buddy allocator in naturally aligned blocks, and reserved pages keep PG_reserved for good.',
      run(m) {
        memblockFreeAll(m);
      },
    },
    {
      phase: 'start_kernel',
      fn: 'setup_per_cpu_pageset',
      file: 'mm/page_alloc.c',
      why: 'Each CPU gets its own small cache of free pages per zone (pcp lists), so most order-0 allocations never touch the zone lock.',
      run(m) {
        m.alloc.setupPagesets();
      },
    },
  );
  if (!after) {
    steps.push({
      phase: 'initcalls',
      fn: 'init_zero_pfn',
      file: 'mm/memory.c',
      why: 'Before the zero-page patch, zero_pfn is set by an early_initcall: it is 0 all through mm_core_init(), and ZERO_PAGE() recomputes virt_to_page(empty_zero_page) on every call.',
      run(m) {
        m.setVar('zero_page_pfn', BigInt(m.zeroPagePfnSlow()));
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
        if (m.cfg.thp === 'never') return;
        m.trace.call('set_recommended_min_free_kbytes', () => setRecommendedMinFreeKbytes(m));
      },
    },
    {
      phase: 'initcalls',
      fn: 'free_initmem',
      file: 'arch/x86/mm/init.c',
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

/** set_recommended_min_free_kbytes() (mm/khugepaged.c). */
function setRecommendedMinFreeKbytes(m: Machine): void {
  const a = m.alloc;
  const pb = 1 << m.arch.pageblockOrder;
  let nrZones = 0;
  for (const z of a.zones) if (z.populated() && z.idx <= 2) nrZones++;
  let rec = pb * nrZones * 2;
  rec += pb * nrZones * 3 * 3; // MIGRATE_PCPTYPES * MIGRATE_PCPTYPES
  rec = Math.min(rec, Math.floor(a.nrFreeBufferPages() / 20));
  rec <<= m.arch.pageShift - 10;
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
