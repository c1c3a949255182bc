/**
 * What an architecture tells the generic mm code: page geometry, zone limits, where RAM and the kernel
 * image sit, how virtual addresses map, how its zero page is set up, and its setup_arch() boot steps.
 * One object per arch lives in arch/<arch>/; arch/index.ts picks one from the MachineConfig.
 */
import type { BootStep } from '../boot.ts';
import type { Machine } from '../machine.ts';
import type { Owner } from '../phys/page.ts';
import type { PgtableArch } from './pgtable.ts';

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

/** Coloured zero pages (MIPS, s390): several physically contiguous zero pages, one per cache colour. */
export interface ColouredZeroPages {
  /** log2 of the number of zero pages, decided at boot */
  order(m: Machine): number;
  /** one or two sentences: why this order */
  why(m: Machine): string;
}

export interface ArchSpec {
  /** config name: x86_64, arm64, arm, sparc64, mips, s390 */
  name: string;
  /** what the lab models, e.g. "arm64, 16K granule, 47-bit VA, QEMU virt" */
  label: string;
  pageShift: number;
  maxPageOrder: number;
  pageblockOrder: number;
  /** HPAGE_PMD_ORDER (0 where there is no PMD-sized page) */
  pmdOrder: number;
  pgtable: PgtableArch;
  /** The zone types this architecture configures (ZONE_* of mm/mmzone.ts), in order. */
  zones: readonly number[];
  /** max_zone_pfn[] of each memory zone the arch has, as its zone_sizes_init() sets them. */
  zoneLimits(maxPfn: number): Partial<Record<number, number>>;
  /** SECTION_SIZE_BITS for SPARSEMEM; 0 = FLATMEM (one memmap for the node). */
  sectionSizeBits: number;
  /** sizeof(struct page): 64 on 64-bit, 32 on 32-bit */
  structPageSize: number;
  /** How firmware describes RAM, and the ranges it describes for `ramSize` bytes. */
  firmwareName: string;
  firmwareMap(ramSize: number): FirmwareRange[];
  /** Kernel image sections in physical memory. */
  imageSections(): ImageSection[];
  /** Physical address of empty_zero_page (a page in BSS) for arches with one zero page. */
  emptyZeroPagePhys(): number;
  /** Kernel virtual address of an image symbol at physical address `pa`. */
  imageVirt(pa: number): bigint;
  /** __va(): the linear-map address of physical address `pa`. */
  linearVirt(pa: number): bigint;
  /** PAGE_OFFSET */
  pageOffset: bigint;
  /** The struct page pointer of a pfn (vmemmap + pfn, or mem_map + pfn). */
  pfnToPagePtr(m: Machine, pfn: number): bigint;
  /** Top of the mmap area for a new process without randomisation. */
  mmapBase: number;
  /** Coloured zero pages, or undefined for a single page in BSS. */
  colouredZero?: ColouredZeroPages;
  /** CONFIG_HIGHMEM: the Memory: line has a highmem field. */
  highmem: boolean;
  /** setup_arch() and friends, in boot order, for the chosen era of the zero-page patch. */
  setupArch(m: Machine): BootStep[];
  /**
   * arch_setup_zero_pages() after the patch: sets __zero_page (one page) or allocates coloured pages.
   * Returns a sentence the boot stepper shows.
   */
  archSetupZeroPages(m: Machine): string;
  /**
   * What the weak default virt_to_page(empty_zero_page) computes, where that is not the zero page
   * (arm64, sparc64): the bogus struct page pointer and why.
   */
  naiveZeroPage?(m: Machine): { ptr: bigint; why: string };
  /** Notes on what the emulator simplifies for this architecture, shown in the UI and docs. */
  simplifications: readonly string[];
}
