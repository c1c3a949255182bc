/**
 * MachineConfig: the emulated machine and its kernel knobs, as data (DESIGN.md "Config is data").
 */
export type ArchName = 'x86_64' | 'arm64' | 'arm' | 'sparc64' | 'mips' | 's390';
export const ARCH_NAMES: readonly ArchName[] = ['x86_64', 'arm64', 'arm', 'sparc64', 'mips', 's390'];

export interface MachineConfig {
  arch: ArchName;
  /** arm64 translation granule in KiB (4, 16 or 64); 4 elsewhere */
  granule: 4 | 16 | 64;
  /** MIPS: the CPU raises virtual coherency exceptions (R4000/R4400 SC/MC): 8 coloured zero pages */
  vce: boolean;
  /**
   * MIPS what-if: false forces a single zero page even on a VCE CPU, to show what the colouring
   * prevents (Linux always colours when cpu_has_vce).
   */
  colouredZero: boolean;
  /** bytes of RAM */
  ram: number;
  cpus: number;
  /** transparent_hugepage=: decides khugepaged's min_free_kbytes at boot (and THP faults, later) */
  thp: 'never' | 'madvise' | 'always';
  /** /sys/kernel/mm/transparent_hugepage/use_zero_page: read faults map the huge zero folio */
  useZeroPage: boolean;
  /**
   * How the huge zero folio lives: dynamic (refcounted, freed by the thp-zero shrinker: 6.18's
   * default), persistent (CONFIG_PERSISTENT_HUGE_ZERO_FOLIO, merged in 6.18: allocated once, never
   * freed) or static_pmd (the seed's STATIC_PMD_ZERO_PAGE proposal: from memblock at boot).
   */
  hugeZero: 'dynamic' | 'persistent' | 'static_pmd';
  /**
   * /sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none: a THP with more zero-filled
   * subpages than this is underused and the deferred split shrinker splits it. Default (undefined)
   * HPAGE_PMD_NR - 1, at which thp_underused() never says yes.
   */
  maxPtesNone?: number;
  /** /sys/kernel/mm/transparent_hugepage/shrink_underused (default true): queue THPs at fault */
  shrinkUnderused?: boolean;
  /** init_on_alloc=1: zero every allocated page */
  initOnAlloc: boolean;
  /** init_on_free=1: zero every freed page */
  initOnFree: boolean;
  /**
   * "mm: cache struct page for empty_zero_page and return it from ZERO_PAGE()": before it, ZERO_PAGE()
   * computes virt_to_page() on every call and zero_pfn is set by an early_initcall; after it,
   * __zero_page and zero_page_pfn are set in mm_core_init().
   */
  zeroPagePatch: 'before' | 'after';
  /**
   * x86 PCID: address spaces tag their TLB entries, so a switch keeps them (default true); false
   * makes every CR3 write drop all non-global entries.
   */
  pcid?: boolean;
  /**
   * CONFIG_PAGE_ALLOC_UNMAPPED (the __GFP_UNMAPPED series v2, not merged): freetypes with an UNMAPPED
   * flag, __GFP_UNMAPPED and the mermap. x86-64 only. Default off: nothing changes.
   */
  pageAllocUnmapped?: boolean;
  /**
   * How kernel_init_pages() clears unmapped pageblocks: per_block (the per-block count, default) or
   * as_posted (v2 20/22 as posted: the remaining page count, clearing more than needed).
   */
  unmappedZeroing?: 'as_posted' | 'per_block';
}

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** The smallest machine that boots: the kernel image ends near 63 MiB and needs room above it. */
export const MIN_RAM = 128 * MiB;
/** The largest: 64 GiB is 16M frames, ~350 MB of struct page arrays in a browser tab. */
export const MAX_RAM = 64 * GiB;
export const MAX_CPUS = 64;

export const DEFAULT_CONFIG: MachineConfig = {
  arch: 'x86_64',
  granule: 4,
  vce: false,
  colouredZero: true,
  ram: 1 * GiB,
  cpus: 2,
  thp: 'madvise',
  useZeroPage: true,
  hugeZero: 'dynamic',
  initOnAlloc: false,
  initOnFree: false,
  zeroPagePatch: 'after',
};

export class ConfigError extends Error {}

/** Reject a configuration the machine cannot have, saying which key and why. */
/** RAM each machine can have: the image must fit with room to spare, and the board has limits. */
export const RAM_LIMITS: Record<ArchName, { min: number; max: number; why: string }> = {
  x86_64: { min: 128 * MiB, max: MAX_RAM, why: 'the kernel image ends near 63 MiB' },
  arm64: { min: 128 * MiB, max: MAX_RAM, why: 'the kernel image ends near 44 MiB into RAM' },
  arm: { min: 64 * MiB, max: 2 * GiB, why: 'a 32-bit BeagleBone-like board: 64M to 2G' },
  sparc64: { min: 128 * MiB, max: MAX_RAM, why: 'the kernel image is loaded at 28 MiB' },
  mips: { min: 32 * MiB, max: 256 * MiB, why: 'a Malta board maps at most 256 MiB of RAM low' },
  s390: { min: 64 * MiB, max: MAX_RAM, why: 'the kernel image ends near 33 MiB' },
};

/** RAM when the config does not say: the board's usual size. */
export const DEFAULT_RAM: Record<ArchName, number> = {
  x86_64: GiB,
  arm64: GiB,
  arm: 512 * MiB,
  sparc64: GiB,
  mips: 256 * MiB,
  s390: GiB,
};

/** A full config from a partial one: defaults, with the RAM default of the chosen arch. */
export function completeConfig(c: Partial<MachineConfig>): MachineConfig {
  const arch = c.arch ?? DEFAULT_CONFIG.arch;
  return { ...DEFAULT_CONFIG, ram: DEFAULT_RAM[arch] ?? DEFAULT_CONFIG.ram, ...c };
}

export function validateConfig(c: MachineConfig): void {
  if (!ARCH_NAMES.includes(c.arch))
    throw new ConfigError(`arch=${c.arch}: supported: ${ARCH_NAMES.join(', ')}`);
  if (![4, 16, 64].includes(c.granule))
    throw new ConfigError(`granule=${c.granule}K: arm64 granules are 4K, 16K and 64K`);
  if (c.granule !== 4 && c.arch !== 'arm64')
    throw new ConfigError(`granule=${c.granule}K: only arm64 has a choice of granule`);
  if (c.vce && c.arch !== 'mips')
    throw new ConfigError('vce=yes: virtual coherency exceptions are a MIPS (R4000/R4400) feature');
  const lim = RAM_LIMITS[c.arch];
  if (!Number.isInteger(c.ram) || c.ram < lim.min)
    throw new ConfigError(
      `ram=${fmtSize(c.ram)} is too small for ${c.arch}: ${lim.why}; use ram=${fmtSize(lim.min)} or more`,
    );
  if (c.ram > lim.max)
    throw new ConfigError(
      `ram=${fmtSize(c.ram)} is too large for ${c.arch}: at most ram=${fmtSize(lim.max)} (${lim.why})`,
    );
  if (c.ram % (2 * MiB) !== 0) throw new ConfigError(`ram=${fmtSize(c.ram)} must be a multiple of 2M`);
  if (c.pcid === false && c.arch !== 'x86_64')
    throw new ConfigError('pcid=no: PCIDs are an x86-64 feature (the TLB model is x86-64 only)');
  if (!c.colouredZero && c.arch !== 'mips')
    throw new ConfigError('coloured_zero=no: a MIPS what-if (only MIPS colours its zero pages by cache)');
  if (c.pageAllocUnmapped && c.arch !== 'x86_64')
    throw new ConfigError('page_alloc_unmapped=yes: the series (and this model) is x86-64 only');
  if (!Number.isInteger(c.cpus) || c.cpus < 1 || c.cpus > MAX_CPUS)
    throw new ConfigError(`cpus=${c.cpus}: must be 1..${MAX_CPUS}`);
  // khugepaged_max_ptes_none_store(): at most HPAGE_PMD_NR - 1 (a PTE table's entries, less one)
  const ptesPerTable = (c.granule * 1024) / 8;
  if (
    c.maxPtesNone !== undefined &&
    (!Number.isInteger(c.maxPtesNone) || c.maxPtesNone < 0 || c.maxPtesNone >= ptesPerTable)
  )
    throw new ConfigError(
      `max_ptes_none=${c.maxPtesNone}: must be 0..${ptesPerTable - 1} (HPAGE_PMD_NR - 1)`,
    );
}

export function fmtSize(bytes: number): string {
  if (bytes % GiB === 0) return `${bytes / GiB}G`;
  if (bytes % MiB === 0) return `${bytes / MiB}M`;
  if (bytes % 1024 === 0) return `${bytes / 1024}K`;
  return String(bytes);
}
