/**
 * sparc64 (sun4u/sun4v): 8 KiB pages, RAM from physical 0 as OpenBoot describes it, and a kernel
 * image linked at KERNBASE (0x400000) but loaded wherever the PROM put it (kern_base). __pa() only
 * understands linear-map addresses, so the zero page's struct page must be computed from kern_base:
 * phys_to_page(kern_base + (&empty_zero_page[0] - KERNBASE)).
 */
import { freeAreaInitStep, type BootStep } from '../../boot.ts';
import type { Machine } from '../../machine.ts';
import { GFP, GFP_MASKS } from '../../mm/gfp.ts';
import { placeZeroPages, sparseInit } from '../../mm/mm_init.ts';
import { ZONE_MOVABLE, ZONE_NORMAL } from '../../mm/mmzone.ts';
import { Owner, PG } from '../../phys/page.ts';
import type { ArchSpec, FirmwareRange } from '../arch.ts';
import { bssStart, layoutImage } from '../image.ts';
import { reserveImage } from '../x86_64/setup.ts';
import { sparc64Pgtable } from './pgtable.ts';

const M = 1024 * 1024;
const PS = 8192;
/** KERNBASE: where the image is linked (arch/sparc/include/asm/page_64.h) */
export const KERNBASE = 0x400000;
/**
 * kern_base: where OpenBoot loaded it (prom_boot_mapping_phys_low rounded down to 4 MiB). Machines
 * differ; the lab uses 28 MiB so that KERNBASE and kern_base visibly disagree.
 */
export const KERN_BASE = 0x1c00000;
/** PAGE_OFFSET on sun4u "spitfire" (sparc64_va_hole_top, max_phys_bits 40) */
const PAGE_OFFSET = 0xfffff80000000000n;
/** VMEMMAP_BASE = VMALLOC_END on spitfire */
const VMEMMAP_BASE = 0x60000000000n;
const SECTIONS = layoutImage(KERN_BASE, { code: 7216, rodata: 2424, init: 1280, rwdata: 1736, bss: 592 }, PS);
const EZP = bssStart(SECTIONS);

export const sparc64: ArchSpec = {
  name: 'sparc64',
  label: 'sparc64 (sun4u), 8 KiB pages, 4-level tables',
  pageShift: 13,
  maxPageOrder: 12,
  pageblockOrder: 10,
  // HPAGE_SHIFT 23 (8 MiB, two 4 MiB hardware pages): order 10 with 8 KiB pages
  pmdOrder: 10,
  pgtable: sparc64Pgtable,
  zones: [ZONE_NORMAL, ZONE_MOVABLE],
  zoneLimits: (maxPfn: number) => ({ [ZONE_NORMAL]: maxPfn }),
  sectionSizeBits: 30,
  structPageSize: 64,
  firmwareName: 'OBP /memory',
  firmwareMap: (ram: number): FirmwareRange[] => [{ base: 0, size: ram, type: 'usable' }],
  imageSections: () => SECTIONS,
  emptyZeroPagePhys: () => EZP,
  imageVirt: (pa: number) => BigInt(KERNBASE + (pa - KERN_BASE)),
  linearVirt: (pa: number) => PAGE_OFFSET + BigInt(pa),
  pageOffset: PAGE_OFFSET,
  pfnToPagePtr: (_m: Machine, pfn: number) => VMEMMAP_BASE + BigInt(pfn) * 64n,
  mmapBase: 2 ** 43 - 128 * M,
  highmem: false,
  setupArch(m: Machine): BootStep[] {
    const steps: BootStep[] = [
      {
        phase: 'setup_arch',
        fn: 'paging_init',
        file: 'arch/sparc/mm/init_64.c',
        why: 'setup_page_offset() picks PAGE_OFFSET for this CPU; the PROM’s /memory ranges become memblock.memory; kern_base..kern_base+kern_size (the image, linked at KERNBASE) is reserved.',
        run(m) {
          m.printk(`PAGE_OFFSET is 0x${PAGE_OFFSET.toString(16)} (max_phys_bits == 40)`);
          for (const r of m.arch.firmwareMap(m.cfg.ram)) m.memblock.add(r.base, r.size);
          reserveImage(m, 'paging_init');
          if (m.cfg.zeroPagePatch === 'after') placeZeroPages(m, EZP / PS, 0);
          m.note(
            `kern_base = 0x${KERN_BASE.toString(16)}, KERNBASE = 0x${KERNBASE.toString(16)}: an image address x is at physical kern_base + (x - KERNBASE)`,
          );
        },
      },
      {
        phase: 'setup_arch',
        fn: 'sparse_init',
        file: 'mm/sparse.c',
        why: 'bootmem_init() → sparse_init(): struct pages for every present 1 GiB section, from memblock.',
        run: sparseInit,
      },
    ];
    if (m.cfg.zeroPagePatch === 'before') steps.push(freeAreaInitStep('setup_arch'));
    return steps;
  },
  archSetupZeroPages(m: Machine): string {
    if (m.cfg.zeroPagePatch === 'before') {
      // mem_init(): mem_map_zero = alloc_pages(GFP_KERNEL | __GFP_ZERO, 0); mark_page_reserved()
      const pfn = m.alloc.allocPages(GFP_MASKS['GFP_KERNEL']! | GFP.__GFP_ZERO, 0, 0);
      if (pfn < 0) throw new Error('mem_init: cannot allocate the zero page');
      m.pages.flags[pfn] = m.pages.flags[pfn]! | PG.reserved;
      m.pages.owner[pfn] = Owner.KernelAlloc;
      m.alloc.zoneOf(pfn).managedPages--; // mark_page_reserved() → adjust_managed_page_count(-1)
      placeZeroPages(m, pfn, 0);
      m.setVar('mem_map_zero', m.arch.pfnToPagePtr(m, pfn));
      return `mem_map_zero = alloc_pages(GFP_KERNEL|__GFP_ZERO, 0) = pfn 0x${pfn.toString(16)}, marked reserved`;
    }
    // the override: phys_to_page(kern_base + (&empty_zero_page[0] - KERNBASE))
    const va = KERNBASE + (EZP - KERN_BASE);
    m.setVar('__zero_page', m.arch.pfnToPagePtr(m, EZP / PS));
    return `&empty_zero_page = 0x${va.toString(16)} (linked at KERNBASE); phys = kern_base + (0x${va.toString(16)} - KERNBASE) = 0x${EZP.toString(16)}; __zero_page = 0x${m.arch.pfnToPagePtr(m, EZP / PS).toString(16)}`;
  },
  naiveZeroPage(m: Machine) {
    const va = BigInt(KERNBASE + (EZP - KERN_BASE));
    const idx = BigInt.asUintN(64, va - PAGE_OFFSET) / BigInt(PS);
    return {
      ptr: BigInt.asUintN(64, VMEMMAP_BASE + idx * 64n),
      why: `__pa() subtracts PAGE_OFFSET, which means nothing for an address linked at KERNBASE: virt_to_page(empty_zero_page) lands far outside the memmap (${m.pages.nrPages} frames).`,
    };
  },
  simplifications: [
    'PAGE_OFFSET is the sun4u spitfire value; it depends on the CPU.',
    'kern_base is fixed at 28 MiB; the PROM decides it on real machines.',
    'TSBs (the translation storage buffers) and the 4 MiB locked TLB entries for the image are not modelled: the MMU walks the Linux page tables.',
  ],
};
