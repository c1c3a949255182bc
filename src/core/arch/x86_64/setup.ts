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

export const x86_64: ArchSpec = {
  name: 'x86_64',
  pageShift: 12,
  maxPageOrder: 10,
  pageblockOrder: 9,
  pmdOrder: 9,
  pageOffset: 0xffff888000000000n,
  kernelMapBase: 0xffffffff80000000n,
  imagePhysBase: 0,

  zones: [ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_MOVABLE, ZONE_DEVICE],

  zoneLimits(maxPfn: number): Partial<Record<number, number>> {
    return { [ZONE_DMA]: MAX_DMA_PFN, [ZONE_DMA32]: MAX_DMA32_PFN, [ZONE_NORMAL]: maxPfn };
  },

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

  imageSections(): ImageSection[] {
    return SECTIONS;
  },

  emptyZeroPagePhys(): number {
    return 0x3b34000;
  },
};

/** "BIOS-e820: [mem 0x...-0x...] usable", as the kernel prints its firmware map. */
export function formatE820(r: FirmwareRange): string {
  const hex = (n: number) => '0x' + n.toString(16).padStart(16, '0');
  return `BIOS-e820: [mem ${hex(r.base)}-${hex(r.base + r.size - 1)}] ${r.type}`;
}
