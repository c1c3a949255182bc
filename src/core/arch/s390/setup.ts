/**
 * s390: RAM from physical 0 with an identity-mapped kernel view (PAGE_OFFSET 0), the lowcore at the
 * bottom, and coloured zero pages whose number depends on memory size: start at order 7 (512 KiB)
 * and halve while order > 2 and (free pages >> 10) — free memory in 4 MiB units — is smaller than
 * 2^order: 7 from 512 MiB free, down to 2 below 32 MiB ("[S390] zero page cache synonyms"). Free
 * pages are memblock_estimated_nr_free_pages(), which in 6.18 subtracts only MEMBLOCK_RSRV_KERN
 * reservations (memblock's own allocations), not the image.
 * is_zero_pfn() accepts the whole range.
 */
import { freeAreaInitStep, type BootStep } from '../../boot.ts';
import type { Machine } from '../../machine.ts';
import { sparseInit } from '../../mm/mm_init.ts';
import { ZONE_DMA, ZONE_MOVABLE, ZONE_NORMAL } from '../../mm/mmzone.ts';
import { Owner } from '../../phys/page.ts';
import type { ArchSpec, FirmwareRange } from '../arch.ts';
import { layoutImage } from '../image.ts';
import { setupColouredZeroPages } from '../mips/setup.ts';
import { reserveImage } from '../x86_64/setup.ts';
import { s390Pgtable } from './pgtable.ts';

const M = 1024 * 1024;
const G = 1024 * M;
/** TEXT_OFFSET: without KASLR the image starts at 1 MiB (its physical placement varies with KASLR). */
const SECTIONS = layoutImage(
  0x100000,
  { code: 15360, rodata: 5700, init: 5632, rwdata: 3100, bss: 1430 },
  4096,
);
/** KERNEL_IMAGE_BASE without KASLR and KASAN */
const KERNEL_IMAGE_BASE = 0x3ffe0000000n;

/**
 * memblock_estimated_nr_free_pages() (mm/memblock.c): memory minus the MEMBLOCK_RSRV_KERN
 * reservations, i.e. what memblock allocated (the memmap). The lowcore and the kernel image are
 * reserved with a plain memblock_reserve() and still count as free here.
 */
function estimatedFreePages(m: Machine): number {
  return m.memblock.estimatedNrFreePages(m.pageSize);
}

export const s390: ArchSpec = {
  name: 's390',
  label: 's390x, 4 KiB pages, 3-level DAT tables (region third, segment, page)',
  pageShift: 12,
  maxPageOrder: 10,
  // HUGETLB_PAGE_ORDER = 8 (1 MiB segments)
  pageblockOrder: 8,
  pmdOrder: 8,
  pgtable: s390Pgtable,
  zones: [ZONE_DMA, ZONE_NORMAL, ZONE_MOVABLE],
  zoneLimits: (maxPfn: number) => ({ [ZONE_DMA]: (2 * G) / 4096, [ZONE_NORMAL]: maxPfn }),
  sectionSizeBits: 28,
  structPageSize: 64,
  firmwareName: 'SCLP storage',
  firmwareMap: (ram: number): FirmwareRange[] => [{ base: 0, size: ram, type: 'usable' }],
  imageSections: () => SECTIONS,
  emptyZeroPagePhys: () => 0,
  imageVirt: (pa: number) => KERNEL_IMAGE_BASE + BigInt(pa - 0x100000),
  linearVirt: (pa: number) => BigInt(pa),
  pageOffset: 0n,
  // vmemmap's address is chosen at boot (setup_kernel_memory_layout); an illustrative base
  pfnToPagePtr: (_m: Machine, pfn: number) => 0x3ffc0000000n + BigInt(pfn) * 64n,
  mmapBase: 2 ** 42 - 128 * M,
  highmem: false,
  colouredZero: {
    order(m: Machine) {
      const total = estimatedFreePages(m);
      let order = 7;
      while (order > 2 && Math.floor(total / 1024) < 1 << order) order--;
      return order;
    },
    why(m: Machine) {
      const mib = Math.floor((estimatedFreePages(m) * m.pageSize) / M);
      const pages = estimatedFreePages(m);
      return `memblock_estimated_nr_free_pages() = ${pages} pages (${mib} MiB: RAM minus memblock's own allocations; the image, reserved with memblock_reserve(), still counts): order ${s390.colouredZero!.order(m)} (7 from 512 MiB, one less per halving, 2 below 32 MiB) to avoid L1 cache synonyms (arch/s390/mm/init.c, setup_zero_pages).`;
    },
  },
  setupArch(m: Machine): BootStep[] {
    const steps: BootStep[] = [
      {
        phase: 'setup_arch',
        fn: 'setup_arch',
        file: 'arch/s390/kernel/setup.c',
        why: 'Online storage (from SCLP) becomes memblock.memory; the lowcore (the prefix area at the bottom) and the kernel image are reserved.',
        run(m) {
          for (const r of m.arch.firmwareMap(m.cfg.ram)) m.memblock.add(r.base, r.size);
          m.memblock.reserve(0, 0x2000, Owner.Firmware, 'setup_lowcore (lowcore)');
          reserveImage(m, 'setup_arch');
        },
      },
      {
        phase: 'setup_arch',
        fn: 'sparse_init',
        file: 'mm/sparse.c',
        why: 'paging_init() → sparse_init(): struct pages for each present 256 MiB section, from memblock.',
        run: sparseInit,
      },
    ];
    if (m.cfg.zeroPagePatch === 'before') steps.push(freeAreaInitStep('setup_arch'));
    return steps;
  },
  archSetupZeroPages(m: Machine): string {
    return setupColouredZeroPages(m);
  },
  simplifications: [
    'A process keeps 3 levels (4 TiB); the upgrade to 4 or 5 levels is not modelled.',
    'Referenced and changed bits live in storage keys on s390; Linux emulates young/dirty with INVALID/PROTECT and extra faults, the emulator sets them directly.',
    'No KASLR: the image is at 1 MiB physical, KERNEL_IMAGE_BASE virtual; the vmemmap base shown is illustrative.',
  ],
};
