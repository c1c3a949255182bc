/**
 * MIPS32 on a Malta board: RAM from physical 0 seen through KSEG0 (PAGE_OFFSET 0x80000000), the
 * kernel at 0x80100000, FLATMEM, and coloured zero pages: 8 pages when the CPU raises virtual
 * coherency exceptions (cpu_has_vce: R4000/R4400 SC/MC), else 1. ZERO_PAGE(vaddr) returns the page
 * whose colour matches vaddr: virt_to_page(empty_zero_page + (vaddr & zero_page_mask)).
 *
 * `vce=yes` is a what-if on this board: arch/mips/include/asm/mach-malta/cpu-feature-overrides.h
 * defines cpu_has_vce 0 for MIPS32, so a Malta kernel never takes the order-3 path. A board without
 * that override (an SGI IP22 Indigo2 with an R4400SC) does; the emulator keeps Malta's memory map and
 * says so wherever vce=yes shows.
 */
import { freeAreaInitStep, type BootStep } from '../../boot.ts';
import type { Machine } from '../../machine.ts';
import { placeZeroPages } from '../../mm/mm_init.ts';
import { ZONE_DMA, ZONE_MOVABLE, ZONE_NORMAL } from '../../mm/mmzone.ts';
import { Owner } from '../../phys/page.ts';
import type { ArchSpec, FirmwareRange } from '../arch.ts';
import { layoutImage } from '../image.ts';
import { reserveImage } from '../x86_64/setup.ts';
import { KSEG0, mipsPgtable } from './pgtable.ts';

const M = 1024 * 1024;
const SECTIONS = layoutImage(
  0x100000,
  { code: 7040, rodata: 1548, init: 1104, rwdata: 1412, bss: 1168 },
  4096,
);
/** invalid_pte_table: a page of the image (in .bss) that every empty PGD slot points at */
const INVALID_PTE_TABLE = SECTIONS.find((s) => s.memoryLine === 'bss')!.start;
const lin = (pa: number) => BigInt(KSEG0 + pa);
/** Said wherever vce=yes shows: the Malta kernel cannot take that path. */
export const MALTA_WHAT_IF =
  'A what-if on Malta: arch/mips/include/asm/mach-malta/cpu-feature-overrides.h defines cpu_has_vce 0; a board without that override (an SGI IP22 with an R4400SC) takes this path. The emulator keeps the Malta memory map.';

export const mips: ArchSpec = {
  name: 'mips',
  label: 'MIPS32 (R4000-style PTEs), 4 KiB pages, 2-level tables, Malta',
  pageShift: 12,
  maxPageOrder: 10,
  pageblockOrder: 10,
  pmdOrder: 0,
  pgtable: mipsPgtable(() => INVALID_PTE_TABLE),
  // CONFIG_HIGHMEM is dropped on CPUs with D-cache aliases: lowmem is all there is (512 MiB of KSEG0).
  zones: [ZONE_DMA, ZONE_NORMAL, ZONE_MOVABLE],
  zoneLimits: (maxPfn: number) => ({
    [ZONE_DMA]: (16 * M) / 4096,
    [ZONE_NORMAL]: Math.min(maxPfn, (512 * M) / 4096),
  }),
  sectionSizeBits: 0,
  structPageSize: 32,
  firmwareName: 'YAMON memory',
  firmwareMap: (ram: number): FirmwareRange[] => [{ base: 0, size: ram, type: 'usable' }],
  imageSections: () => SECTIONS,
  emptyZeroPagePhys: () => 0,
  imageVirt: lin,
  linearVirt: lin,
  pageOffset: BigInt(KSEG0),
  pfnToPagePtr: (m: Machine, pfn: number) => lin(m.memmapPhys?.base ?? 0) + BigInt(pfn) * 32n,
  mmapBase: 0x7fff8000 - 128 * M,
  highmem: false,
  colouredZero: {
    order: (m: Machine) => (m.cfg.vce && m.cfg.colouredZero ? 3 : 0),
    why: (m: Machine) =>
      !m.cfg.colouredZero
        ? 'what-if (coloured_zero=no): one zero page on a CPU that would need eight — every user colour but one now aliases it.'
        : m.cfg.vce
          ? `cpu_has_vce (arch/mips/mm/init.c, setup_zero_pages): an R4000/R4400 SC/MC raises a virtual coherency exception when a primary-cache miss finds the line in the secondary cache under another VA[14:12] (the 3-bit PIdx field), so one zero page per colour: order 3, 8 pages. ${MALTA_WHAT_IF}`
          : 'no virtual coherency exceptions on this CPU: one zero page (order 0).',
  },
  setupArch(m: Machine): BootStep[] {
    const steps: BootStep[] = [
      {
        phase: 'setup_arch',
        fn: 'prom_init',
        file: 'arch/mips/mti-malta/malta-init.c',
        why: 'YAMON, the Malta firmware, tells the kernel how much RAM there is; it starts at physical 0 and the kernel sees it through KSEG0 at 0x80000000.',
        run(m) {
          m.printk(`CPU0 revision is: ${m.cfg.vce ? '00000440 (R4400SC)' : '00019300 (MIPS 24Kc)'}`);
          if (m.cfg.vce) m.note(MALTA_WHAT_IF);
        },
      },
      {
        phase: 'setup_arch',
        fn: 'bootmem_init',
        file: 'arch/mips/kernel/setup.c',
        why: 'RAM becomes memblock.memory; the kernel image (from 1 MiB to _end) and the exception vectors at the bottom of RAM are reserved.',
        run(m) {
          for (const r of m.arch.firmwareMap(m.cfg.ram)) m.memblock.add(r.base, r.size);
          reserveImage(m, 'bootmem_init');
          m.memblock.reserve(0, 0x1000, Owner.Firmware, 'bootmem_init (exception vectors)');
        },
      },
    ];
    if (m.cfg.zeroPagePatch === 'before') steps.push(freeAreaInitStep('setup_arch'));
    return steps;
  },
  archSetupZeroPages(m: Machine): string {
    return setupColouredZeroPages(m);
  },
  simplifications: [
    'The TLB is refilled in software from these page tables; the emulator walks the tables directly and does not model the 48 TLB entry pairs.',
    'PTE bits are those of an R4000-class CPU (no RI/XI); a MIPS32 R2 CPU with RI/XI lays them out differently.',
    'The data cache is a toy (32 KiB, 2-way, 32-byte lines, plus the R4x00 secondary tag’s PIdx = VA[14:12] for VCEs) that shows aliases and VCEs; it does not change what a load returns.',
    'vce=yes is a what-if on Malta (its cpu-feature-overrides.h sets cpu_has_vce 0): an SGI IP22 with an R4400SC takes the order-3 path; the memory map stays Malta’s.',
  ],
};

/**
 * arch_setup_zero_pages() of MIPS and s390: memblock_alloc_or_panic(PAGE_SIZE << order, PAGE_SIZE)
 * (zeroed, never given to the buddy allocator), zero_page_mask = ((PAGE_SIZE << order) - 1) & PAGE_MASK.
 */
export function setupColouredZeroPages(m: Machine): string {
  const cz = m.arch.colouredZero!;
  const order = cz.order(m);
  const ps = m.pageSize;
  const size = ps * 2 ** order;
  const pa = m.memblock.alloc(size, ps, Owner.Memblock, 'arch_setup_zero_pages (memblock_alloc_or_panic)');
  m.ram.clear(pa, size);
  placeZeroPages(m, pa / ps, order);
  const mask = (size - 1) & ~(ps - 1);
  m.setVar('zero_page_mask', BigInt(mask));
  m.setVar('empty_zero_page', m.arch.linearVirt(pa));
  return `${2 ** order} zero page(s) from memblock at 0x${pa.toString(16)}, zero_page_mask = 0x${mask.toString(16)}: ${cz.why(m)}`;
}
