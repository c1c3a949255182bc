/**
 * arm64 on a QEMU "virt" machine: RAM at 0x40000000 described by the device tree, the Image loaded
 * at 0x40200000, the linear map at PAGE_OFFSET and the kernel image in its own region at
 * KIMAGE_VADDR — outside the linear map, which is why arm64 cannot use virt_to_page() on
 * empty_zero_page and overrides arch_setup_zero_pages() with phys_to_page(__pa_symbol(...)).
 */
import { freeAreaInitStep, type BootStep } from '../../boot.ts';
import type { Machine } from '../../machine.ts';
import { placeZeroPages, sparseInit } from '../../mm/mm_init.ts';
import { ZONE_DEVICE, ZONE_DMA, ZONE_DMA32, ZONE_MOVABLE, ZONE_NORMAL } from '../../mm/mmzone.ts';
import { Owner } from '../../phys/page.ts';
import type { ArchSpec, FirmwareRange, ImageSection } from '../arch.ts';
import { bssStart, layoutImage } from '../image.ts';
import { reserveImage } from '../x86_64/setup.ts';
import { arm64Geometry, arm64Pgtable, type Granule } from './pgtable.ts';

const M = 1024 * 1024;
const G = 1024 * M;
const RAM_BASE = 0x40000000;
/** QEMU loads an Image with text_offset 0 at RAM base + 2 MiB. */
const IMAGE_BASE = 0x40200000;
const DTB_SIZE = 0x100000;

export function arm64(granule: Granule): ArchSpec {
  const shift = granule === 4 ? 12 : granule === 16 ? 14 : 16;
  const ps = 1 << shift;
  const geo = arm64Geometry(granule);
  const va = BigInt(geo.vaBits);
  // memory.h: PAGE_OFFSET = -(1 << VA_BITS); PAGE_END = -(1 << (VA_BITS_MIN - 1));
  // KIMAGE_VADDR = MODULES_END = PAGE_END + 2 GiB; VMEMMAP_END = -1 GiB, VMEMMAP_START below it.
  const wrap = (x: bigint) => BigInt.asUintN(64, x);
  const PAGE_OFFSET = wrap(-(1n << va));
  const PAGE_END = wrap(-(1n << (va - 1n)));
  const KIMAGE_VADDR = PAGE_END + 0x80000000n;
  const vmemmapSize = ((PAGE_END - PAGE_OFFSET) >> BigInt(shift)) * 64n;
  const VMEMMAP_START = wrap(-(1n << 30n) - vmemmapSize);
  // memstart_addr: the start of DRAM rounded down to ARM64_MEMSTART_ALIGN (1 GiB, or 512 MiB on 64K)
  const memstart = Math.floor(RAM_BASE / (granule === 64 ? 512 * M : G)) * (granule === 64 ? 512 * M : G);
  const memstartPfn = memstart / ps;
  const sections: ImageSection[] = layoutImage(
    IMAGE_BASE,
    { code: 16192, rodata: 10932, init: 10624, rwdata: 4602, bss: 1061 },
    ps,
  );
  const ezp = bssStart(sections);
  const pfnToPagePtr = (pfn: number) => VMEMMAP_START + BigInt(pfn - memstartPfn) * 64n;
  const imageVirt = (pa: number) => KIMAGE_VADDR + BigInt(pa - IMAGE_BASE);

  const spec: ArchSpec = {
    name: 'arm64',
    label: `arm64, ${granule}K granule, ${geo.vaBits}-bit VA (${geo.shifts.length} levels), QEMU virt`,
    pageShift: shift,
    maxPageOrder: granule === 4 ? 10 : granule === 16 ? 11 : 13,
    pageblockOrder: granule === 4 ? 9 : granule === 16 ? 11 : 13,
    pmdOrder: granule === 4 ? 9 : granule === 16 ? 11 : 13,
    pgtable: arm64Pgtable(granule),
    zones: [ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_MOVABLE, ZONE_DEVICE],
    zoneLimits(maxPfn: number) {
      // zone_dma_limit: DRAM starts below 4 GiB, so ZONE_DMA covers it up to 4 GiB; DMA32 is empty.
      const fourG = (4 * G) / ps;
      return { [ZONE_DMA]: fourG, [ZONE_DMA32]: fourG, [ZONE_NORMAL]: maxPfn };
    },
    sectionSizeBits: granule === 64 ? 29 : 27,
    structPageSize: 64,
    firmwareName: 'DT /memory',
    firmwareMap: (ram: number): FirmwareRange[] => [{ base: RAM_BASE, size: ram, type: 'usable' }],
    imageSections: () => sections,
    emptyZeroPagePhys: () => ezp,
    imageVirt,
    linearVirt: (pa: number) => PAGE_OFFSET + BigInt(pa - memstart),
    pageOffset: PAGE_OFFSET,
    pfnToPagePtr: (_m: Machine, pfn: number) => pfnToPagePtr(pfn),
    mmapBase: 2 ** geo.vaBits - 128 * M,
    highmem: false,
    setupArch(m: Machine): BootStep[] {
      const steps: BootStep[] = [
        {
          phase: 'setup_arch',
          fn: 'setup_machine_fdt',
          file: 'arch/arm64/kernel/setup.c',
          why: 'The device tree passed by the boot loader says where RAM is: one /memory node on QEMU virt, at 0x40000000.',
          run(m) {
            m.printk('Machine model: linux,dummy-virt');
            for (const r of m.arch.firmwareMap(m.cfg.ram))
              m.printk(
                `OF: memory: [mem 0x${r.base.toString(16).padStart(16, '0')}-0x${(r.base + r.size - 1).toString(16).padStart(16, '0')}]`,
              );
          },
        },
        {
          phase: 'setup_arch',
          fn: 'arm64_memblock_init',
          file: 'arch/arm64/mm/init.c',
          why: 'RAM becomes memblock.memory; memstart_addr (PHYS_OFFSET) is the start of DRAM rounded down, and the kernel image (_stext to _end, BSS included) and the device tree are reserved.',
          run(m) {
            for (const r of m.arch.firmwareMap(m.cfg.ram)) m.memblock.add(r.base, r.size);
            reserveImage(m, 'arm64_memblock_init');
            m.memblock.reserve(
              RAM_BASE,
              DTB_SIZE,
              Owner.Firmware,
              'early_init_fdt_reserve_self (device tree)',
            );
            placeZeroPages(m, ezp / ps, 0);
          },
        },
        {
          phase: 'setup_arch',
          fn: 'paging_init',
          file: 'arch/arm64/mm/mmu.c',
          why: 'map_mem() builds the linear map of all RAM in swapper_pg_dir, taking page-table pages from memblock (early_pgtable_alloc). The image itself stays mapped at KIMAGE_VADDR, apart from the linear map.',
          run(m) {
            // One table page per GiB of RAM is about what block mappings need; an approximation.
            const n = Math.max(1, Math.ceil(m.cfg.ram / G));
            for (let i = 0; i < n; i++)
              m.memblock.alloc(ps, ps, Owner.Memblock, 'early_pgtable_alloc (linear map)');
          },
        },
        {
          phase: 'setup_arch',
          fn: 'sparse_init',
          file: 'mm/sparse.c',
          why: 'bootmem_init() → sparse_init(): the struct pages of every present memory section come from memblock; vmemmap maps them at VMEMMAP_START.',
          run: sparseInit,
        },
      ];
      if (m.cfg.zeroPagePatch === 'before') steps.push(freeAreaInitStep('setup_arch'));
      return steps;
    },
    archSetupZeroPages(m: Machine): string {
      // arm64 override: __zero_page = phys_to_page(__pa_symbol(empty_zero_page)).
      m.setVar('__zero_page', pfnToPagePtr(ezp / ps));
      const naive = spec.naiveZeroPage!(m);
      return (
        `empty_zero_page at 0x${imageVirt(ezp).toString(16)} (image VA), phys 0x${ezp.toString(16)}: ` +
        `__zero_page = phys_to_page(__pa_symbol(empty_zero_page)) = 0x${pfnToPagePtr(ezp / ps).toString(16)}; ` +
        `virt_to_page() would have given 0x${naive.ptr.toString(16)}`
      );
    },
    naiveZeroPage(m: Machine) {
      // virt_to_page(x) = VMEMMAP_START + ((x - PAGE_OFFSET) / PAGE_SIZE) * sizeof(struct page):
      // linear-map arithmetic applied to an image address.
      const x = imageVirt(m.arch.emptyZeroPagePhys());
      const idx = (x - PAGE_OFFSET) / BigInt(ps);
      return {
        ptr: BigInt.asUintN(64, VMEMMAP_START + idx * 64n),
        why: 'empty_zero_page is an image address (KIMAGE_VADDR), not a linear-map address: virt_to_page() on it computes a struct page far outside the memmap.',
      };
    },
    simplifications: [
      'No KASLR: the image is at KIMAGE_VADDR and loaded at 0x40200000, as QEMU does for a text_offset-0 Image.',
      'The linear map’s page tables are approximated (one page per GiB of RAM).',
      'Hardware access and dirty flags (FEAT_HAFDBS) are assumed: a store to a writable-clean entry clears RDONLY instead of faulting.',
    ],
  };
  return spec;
}
