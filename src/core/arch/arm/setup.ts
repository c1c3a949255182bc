/**
 * 32-bit arm on a BeagleBone Black (AM335x): 512 MiB of DDR at 0x80000000 (the kernel sees
 * 0x80000000-0x9fdfffff), a 3G/1G split with PAGE_OFFSET 0xC0000000, FLATMEM, and — before 2026 —
 * a zero page taken from memblock with early_alloc() inside paging_init(). Section sizes are those
 * of a real BeagleBone boot log (multi_v7_defconfig).
 */
import { freeAreaInitStep, type BootStep } from '../../boot.ts';
import type { Machine } from '../../machine.ts';
import { placeZeroPages } from '../../mm/mm_init.ts';
import { ZONE_HIGHMEM, ZONE_MOVABLE, ZONE_NORMAL } from '../../mm/mmzone.ts';
import { Owner } from '../../phys/page.ts';
import type { ArchSpec, FirmwareRange } from '../arch.ts';
import { bssStart, layoutImage } from '../image.ts';
import { reserveImage } from '../x86_64/setup.ts';
import { armPgtable } from './pgtable.ts';

const M = 1024 * 1024;
const PHYS_OFFSET = 0x80000000;
const PAGE_OFFSET = 0xc0000000n;
/** lowmem ends where the vmalloc area must start: VMALLOC_END - 240 MiB - 8 MiB = 0xF0000000 (VA). */
const LOWMEM_LIMIT = PHYS_OFFSET + 768 * M;
const SECTIONS = layoutImage(
  PHYS_OFFSET + 0x8000,
  { code: 11264, rodata: 4924, init: 2048, rwdata: 1659, bss: 383 },
  4096,
);
const EZP = bssStart(SECTIONS);

function lin(pa: number): bigint {
  return PAGE_OFFSET + BigInt(pa - PHYS_OFFSET);
}

export const arm: ArchSpec = {
  name: 'arm',
  label: 'arm (32-bit), 4 KiB pages, 2-level tables, BeagleBone Black (AM335x)',
  pageShift: 12,
  // ARCH_FORCE_MAX_ORDER is 11 on AM33XX kernels; no huge pages with short descriptors
  maxPageOrder: 11,
  pageblockOrder: 11,
  pmdOrder: 0,
  pgtable: armPgtable,
  zones: [ZONE_NORMAL, ZONE_HIGHMEM, ZONE_MOVABLE],
  zoneLimits(maxPfn: number) {
    return { [ZONE_NORMAL]: Math.min(maxPfn, LOWMEM_LIMIT / 4096), [ZONE_HIGHMEM]: maxPfn };
  },
  sectionSizeBits: 0,
  structPageSize: 32,
  firmwareName: 'DT /memory',
  // The 512 MiB board; 2 MiB at the top are carved out by a reserved-memory node.
  firmwareMap: (ram: number): FirmwareRange[] => [{ base: PHYS_OFFSET, size: ram - 2 * M, type: 'usable' }],
  imageSections: () => SECTIONS,
  emptyZeroPagePhys: () => EZP,
  imageVirt: lin,
  linearVirt: lin,
  pageOffset: PAGE_OFFSET,
  // mem_map (FLATMEM) is an ordinary lowmem allocation; it starts at the first pfn of RAM.
  pfnToPagePtr: (m: Machine, pfn: number) =>
    lin(m.memmapPhys?.base ?? PHYS_OFFSET) + BigInt(pfn - PHYS_OFFSET / 4096) * 32n,
  mmapBase: 0xbf000000 - 128 * M,
  highmem: true,
  setupArch(m: Machine): BootStep[] {
    const before = m.cfg.zeroPagePatch === 'before';
    const steps: BootStep[] = [
      {
        phase: 'setup_arch',
        fn: 'setup_machine_fdt',
        file: 'arch/arm/kernel/devtree.c',
        why: 'The device tree from U-Boot names the board and its RAM: 512 MiB of DDR3 at 0x80000000.',
        run(m) {
          m.printk('OF: fdt: Machine model: TI AM335x BeagleBone Black');
        },
      },
      {
        phase: 'setup_arch',
        fn: 'arm_memblock_init',
        file: 'arch/arm/mm/init.c',
        why: 'RAM from the device tree becomes memblock.memory; the kernel image and the 16 KiB swapper_pg_dir below it are reserved.',
        run(m) {
          for (const r of m.arch.firmwareMap(m.cfg.ram)) m.memblock.add(r.base, r.size);
          reserveImage(m, 'arm_memblock_init');
          m.memblock.reserve(
            PHYS_OFFSET + 0x4000,
            0x4000,
            Owner.KernelData,
            'arm_memblock_init (swapper_pg_dir)',
          );
          if (!before) placeZeroPages(m, EZP / 4096, 0);
        },
      },
      {
        phase: 'setup_arch',
        fn: 'paging_init',
        file: 'arch/arm/mm/mmu.c',
        why: 'map_lowmem() maps RAM up to arm_lowmem_limit and sets the memblock limit there; devicemaps_init() takes the vectors page, kmap_init() the PKMAP table, all with early_alloc() (memblock, size-aligned, zeroed).',
        run(m) {
          m.memblock.currentLimit = LOWMEM_LIMIT;
          m.memblock.alloc(8192, 8192, Owner.Memblock, 'devicemaps_init (vectors, early_alloc)');
          m.memblock.alloc(4096, 4096, Owner.PageTable, 'kmap_init (PKMAP page table, early_alloc)');
        },
      },
    ];
    if (before) {
      steps.push(
        {
          phase: 'setup_arch',
          fn: 'early_alloc',
          file: 'arch/arm/mm/mmu.c',
          why: 'Before 2026, paging_init() took the zero page from memblock: zero_page = early_alloc(PAGE_SIZE). The memory map does not exist yet, so its struct page must wait for bootmem_init().',
          run(m) {
            const pa = m.memblock.alloc(4096, 4096, Owner.Memblock, 'paging_init (zero_page = early_alloc)');
            m.zeroPageEarly = pa;
            m.setVar('zero_page', lin(pa));
            m.note(
              `zero_page = early_alloc(PAGE_SIZE) = 0x${lin(pa).toString(16)} (phys 0x${pa.toString(16)})`,
            );
          },
        },
        freeAreaInitStep('setup_arch'),
        {
          phase: 'setup_arch',
          fn: '__flush_dcache_folio',
          file: 'arch/arm/mm/flush.c',
          why: 'Now that bootmem_init() created struct pages, empty_zero_page = virt_to_page(zero_page); the D-cache is flushed so that user mappings through aliasing caches see the zeros.',
          run(m) {
            const pfn = m.zeroPageEarly! / 4096;
            placeZeroPages(m, pfn, 0);
            m.setVar('empty_zero_page', m.arch.pfnToPagePtr(m, pfn));
            m.note(
              `empty_zero_page = virt_to_page(zero_page) = 0x${m.arch.pfnToPagePtr(m, pfn).toString(16)} (pfn 0x${pfn.toString(16)}); D-cache flushed`,
            );
          },
        },
      );
    }
    return steps;
  },
  archSetupZeroPages(m: Machine): string {
    // The weak default: arm's BSS is in the linear map, so virt_to_page() is right.
    m.setVar('__zero_page', m.arch.pfnToPagePtr(m, EZP / 4096));
    return `empty_zero_page at 0x${lin(EZP).toString(16)} (BSS, phys 0x${EZP.toString(16)}): __zero_page = virt_to_page(empty_zero_page)`;
  },
  simplifications: [
    'The hardware copy of each PTE (the second half of every PTE page) is not written; the MMU walk reads the Linux PTEs.',
    'The PKMAP and vectors allocations stand for paging_init()’s other early_alloc() users.',
  ],
};
