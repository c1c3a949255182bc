/**
 * x86-64 (arch/x86): the PC memory map, the kernel image, and zone limits.
 *
 * The RAM map is the one QEMU's "pc" machine gives Linux: low RAM up to 3 GiB (all of it below
 * 3.5 GiB), the rest above 4 GiB, the legacy hole 640 KiB–1 MiB and a little firmware at the top of
 * low RAM. The kernel image is loaded at 16 MiB (CONFIG_PHYSICAL_START) without KASLR; section sizes
 * are those of a distribution kernel, placed so that empty_zero_page — the first page of BSS, put
 * there by head_64.S's __PAGE_ALIGNED_BSS — is pfn 15156, as on the reference machine (reference/).
 */
import { Owner } from '../../phys/page.ts';
import { ZONE_DEVICE, ZONE_DMA, ZONE_DMA32, ZONE_MOVABLE, ZONE_NORMAL } from '../../mm/mmzone.ts';
import type { ArchSpec, FirmwareRange, ImageSection } from '../arch.ts';
import { freeAreaInitStep, type BootStep } from '../../boot.ts';
import type { Machine } from '../../machine.ts';
import { placeZeroPages, sparseInit } from '../../mm/mm_init.ts';
import { x86_64_pgtable } from './pgtable.ts';
import { initMemMapping } from '../../mm/direct_map.ts';

const K = 1024;
const M = 1024 * K;
const G = 1024 * M;

/** MAX_DMA_PFN: ISA DMA reaches the first 16 MiB. */
export const MAX_DMA_PFN = (16 * M) >> 12;
/** MAX_DMA32_PFN: 32-bit DMA reaches the first 4 GiB. */
export const MAX_DMA32_PFN = (4 * G) / 4096;

const SECTIONS: ImageSection[] = [
  { name: '_text/_etext', start: 0x1000000, size: 16384 * K, owner: Owner.KernelText, memoryLine: 'code' },
  {
    name: '__start_rodata/__end_rodata',
    start: 0x2000000,
    size: 6608 * K,
    owner: Owner.KernelRodata,
    memoryLine: 'rodata',
  },
  { name: '_sdata/_edata', start: 0x2800000, size: 2452 * K, owner: Owner.KernelData, memoryLine: 'rwdata' },
  {
    name: '__init_begin/__init_end',
    start: 0x3600000,
    size: 2792 * K,
    owner: Owner.KernelInit,
    memoryLine: 'init',
  },
  // .data..percpu, .smp_locks and alignment padding between init and bss: reserved with the image.
  {
    name: '__init_end/__bss_start',
    start: 0x3600000 + 2792 * K,
    size: 0x3b34000 - (0x3600000 + 2792 * K),
    owner: Owner.KernelData,
  },
  {
    name: '__bss_start/__bss_stop',
    start: 0x3b34000,
    size: 3372 * K,
    owner: Owner.KernelBss,
    memoryLine: 'bss',
  },
  // The brk area follows bss: early page tables for the direct map come from here.
  { name: '__brk_base/__brk_limit', start: 0x3b34000 + 3372 * K, size: 64 * K, owner: Owner.KernelBss },
];

/** __START_KERNEL_map: the image is linked here; __pa() of an image address subtracts it (phys_base 0). */
export const START_KERNEL_MAP = 0xffffffff80000000n;
export const PAGE_OFFSET = 0xffff888000000000n;
/** VMEMMAP_START (4-level paging, no KASLR): struct page *p = vmemmap + pfn. */
export const VMEMMAP_START = 0xffffea0000000000n;

function setupArch(m: Machine): BootStep[] {
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
        reserveImage(m, 'early_reserve_memory');
        // "Reserve the first 64K": BIOSes are known to corrupt it.
        m.memblock.reserve(0, 0x10000, Owner.Firmware, 'early_reserve_memory (first 64K)');
        // reserve_bios_regions(): the EBDA and BIOS ROM, from min(EBDA, BIOS_START_MAX) up to 1 MiB.
        m.memblock.reserve(0x9f000, 0x100000 - 0x9f000, Owner.Firmware, 'reserve_bios_regions');
        // empty_zero_page is a BSS page: it exists (and is zero) from the moment the image runs.
        placeZeroPages(m, m.arch.emptyZeroPagePhys() / m.pageSize, 0);
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
        m.memblock.alloc(0x6000, 0x1000, Owner.Firmware, 'reserve_real_mode (trampoline)', 0, 0x100000);
        m.memblock.reserve(0, 0x100000, Owner.Firmware, 'reserve_real_mode (first 1 MiB)');
      },
    },
    {
      phase: 'setup_arch',
      fn: 'init_mem_mapping',
      file: 'arch/x86/mm/init.c',
      why: 'The kernel reaches every byte of RAM through the direct map at PAGE_OFFSET (0xffff888000000000): init_top_pgt (swapper_pg_dir) gets PAGE_KERNEL | _PAGE_GLOBAL entries, 1 GiB where a whole aligned gigabyte is RAM (gbpages), 2 MiB where a 2 MiB chunk is, 4 KiB at the edges and for the ISA range. The first tables come from the brk area, as memblock cannot be trusted with them yet.',
      run(m) {
        initMemMapping(m);
      },
    },
    {
      phase: 'setup_arch',
      fn: 'sparse_init',
      file: 'mm/sparse.c',
      why: 'struct page for every frame must live somewhere before the page allocator exists: memblock gives the memmap, top-down, one PMD-sized chunk per 128 MiB section (paging_init → sparse_init).',
      run: sparseInit,
    },
  ];
  if (m.cfg.zeroPagePatch === 'before') steps.push(freeAreaInitStep('setup_arch'));
  return steps;
}

/** memblock_reserve_kern(_text, __end_of_kernel_reserve - _text): one range, gaps included. */
export function reserveImage(m: Machine, caller: string): void {
  const secs = m.arch.imageSections();
  const start = Math.min(...secs.map((s) => s.start));
  const end = Math.max(...secs.map((s) => s.start + s.size));
  m.memblock.reserve(start, end - start, Owner.KernelData, `${caller} (kernel image)`);
  // Label each section (memblock=debug would only show the one range).
  for (const s of secs) m.memblock.reserve(s.start, s.size, s.owner, `${caller} (${s.name})`);
}

export const x86_64: ArchSpec = {
  name: 'x86_64',
  label: 'x86-64, 4 KiB pages, 4-level paging, a QEMU pc machine',
  pageShift: 12,
  maxPageOrder: 10,
  pageblockOrder: 9,
  pmdOrder: 9,
  pgtable: x86_64_pgtable,
  zones: [ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_MOVABLE, ZONE_DEVICE],
  zoneLimits(maxPfn: number): Partial<Record<number, number>> {
    return { [ZONE_DMA]: MAX_DMA_PFN, [ZONE_DMA32]: MAX_DMA32_PFN, [ZONE_NORMAL]: maxPfn };
  },
  sectionSizeBits: 27,
  structPageSize: 64,
  firmwareName: 'BIOS-e820',
  firmwareMap(ramSize: number): FirmwareRange[] {
    const lowmem = ramSize < 0xe0000000 ? ramSize : 0xc0000000;
    const map: FirmwareRange[] = [
      { base: 0, size: 0x9fc00, type: 'usable' },
      { base: 0x9fc00, size: 0x400, type: 'reserved' },
      { base: 0xf0000, size: 0x10000, type: 'reserved' },
      { base: 0x100000, size: lowmem - 0x20000 - 0x100000, type: 'usable' },
      { base: lowmem - 0x20000, size: 0x20000, type: 'reserved' },
      { base: 0xfeffc000, size: 0x4000, type: 'reserved' },
      { base: 0xfffc0000, size: 0x40000, type: 'reserved' },
    ];
    if (ramSize > lowmem) map.push({ base: 4 * G, size: ramSize - lowmem, type: 'usable' });
    return map;
  },
  imageSections: () => SECTIONS,
  emptyZeroPagePhys: () => 0x3b34000,
  // x86-64's __pa() handles image addresses too: __START_KERNEL_map + phys_base.
  imageVirt: (pa: number) => START_KERNEL_MAP + BigInt(pa),
  linearVirt: (pa: number) => PAGE_OFFSET + BigInt(pa),
  pageOffset: PAGE_OFFSET,
  pfnToPagePtr: (_m: Machine, pfn: number) => VMEMMAP_START + BigInt(pfn) * 64n,
  // TASK_SIZE (2^47 - 4K) minus a 128 MiB gap: no randomisation
  mmapBase: 2 ** 47 - 4096 - 128 * M,
  highmem: false,
  setupArch,
  archSetupZeroPages(m: Machine): string {
    // The weak default: __zero_page = virt_to_page(empty_zero_page). x86's __pa() understands
    // __START_KERNEL_map addresses, so this is the right page.
    const pfn = m.arch.emptyZeroPagePhys() / m.pageSize;
    m.setVar('__zero_page', m.arch.pfnToPagePtr(m, pfn));
    return `empty_zero_page at 0x${m.arch.emptyZeroPagePhys().toString(16)} (BSS), __zero_page = virt_to_page(empty_zero_page)`;
  },
  simplifications: [
    "The RAM map is a QEMU pc machine's e820; no KASLR, no EFI, no initrd, one NUMA node.",
    'The direct map (init_mem_mapping) is modelled with gbpages: 1G, 2M and 4K leaves in init_top_pgt; the kernel image mapping at __START_KERNEL_map, KASLR of PAGE_OFFSET and 5-level paging are not.',
  ],
};

/** "BIOS-e820: [mem 0x...-0x...] usable", as the kernel prints its firmware map. */
export function formatE820(r: FirmwareRange): string {
  const hex = (n: number) => '0x' + n.toString(16).padStart(16, '0');
  return `BIOS-e820: [mem ${hex(r.base)}-${hex(r.base + r.size - 1)}] ${r.type}`;
}
