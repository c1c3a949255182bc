/**
 * What an architecture tells the generic mm code: page geometry, zone limits, where RAM and the kernel
 * image sit, and its setup_arch() boot steps. One object per arch lives in arch/<arch>/.
 */
import type { Owner } from '../phys/page.ts';

export interface FirmwareRange {
  base: number;
  size: number;
  type: 'usable' | 'reserved' | 'ACPI data';
}

export interface ImageSection {
  /** linker symbol pair, e.g. "_text/_etext" */
  name: string;
  /** physical start */
  start: number;
  size: number;
  owner: Owner;
  /** which count of the boot "Memory:" line it adds to, if any */
  memoryLine?: 'code' | 'rwdata' | 'rodata' | 'init' | 'bss';
}

export interface ArchSpec {
  name: string;
  pageShift: number;
  maxPageOrder: number;
  pageblockOrder: number;
  /** HPAGE_PMD_ORDER */
  pmdOrder: number;
  /** The zone types this architecture configures (ZONE_* of mm/mmzone.ts), in order. */
  zones: readonly number[];
  /**
   * max_zone_pfn[]: the exclusive upper pfn of each memory zone this arch has (DMA, DMA32,
   * Normal, HighMem), as its zone_sizes_init()/arch_zone_limits_init() sets them.
   */
  zoneLimits(maxPfn: number): Partial<Record<number, number>>;
  /** The firmware memory map (x86: e820) for a machine with `ramSize` bytes of RAM. */
  firmwareMap(ramSize: number): FirmwareRange[];
  /** Kernel image sections in physical memory. */
  imageSections(): ImageSection[];
  /** Physical address of empty_zero_page (in BSS). */
  emptyZeroPagePhys(): number;
  /** PAGE_OFFSET: base of the direct map. */
  pageOffset: bigint;
  /** __START_KERNEL_map: virtual base the image is linked at. */
  kernelMapBase: bigint;
  /** Physical load address of the image (virtual = kernelMapBase + phys - loadPhys... as the arch defines). */
  imagePhysBase: number;
}
