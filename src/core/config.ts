/**
 * MachineConfig: the emulated machine and its kernel knobs, as data (DESIGN.md "Config is data").
 */
export type ArchName = 'x86_64';
export const ARCH_NAMES: readonly ArchName[] = ['x86_64'];

export interface MachineConfig {
  arch: ArchName;
  /** bytes of RAM */
  ram: number;
  cpus: number;
  /** transparent_hugepage=: decides khugepaged's min_free_kbytes at boot (and THP faults, later) */
  thp: 'never' | 'madvise' | 'always';
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
  ram: 1 * GiB,
  cpus: 2,
  thp: 'madvise',
  initOnAlloc: false,
  initOnFree: false,
  zeroPagePatch: 'after',
};

export class ConfigError extends Error {}

/** Reject a configuration the machine cannot have, saying which key and why. */
export function validateConfig(c: MachineConfig): void {
  if (!ARCH_NAMES.includes(c.arch))
    throw new ConfigError(`arch=${c.arch}: supported: ${ARCH_NAMES.join(', ')}`);
  if (!Number.isInteger(c.ram) || c.ram < MIN_RAM)
    throw new ConfigError(
      `ram=${fmtSize(c.ram)} is too small: the ${c.arch} kernel image ends near 63 MiB; use ram=128M or more`,
    );
  if (c.ram > MAX_RAM) throw new ConfigError(`ram=${fmtSize(c.ram)} is too large: at most ram=64G`);
  if (c.ram % (2 * MiB) !== 0) throw new ConfigError(`ram=${fmtSize(c.ram)} must be a multiple of 2M`);
  if (!Number.isInteger(c.cpus) || c.cpus < 1 || c.cpus > MAX_CPUS)
    throw new ConfigError(`cpus=${c.cpus}: must be 1..${MAX_CPUS}`);
}

export function fmtSize(bytes: number): string {
  if (bytes % GiB === 0) return `${bytes / GiB}G`;
  if (bytes % MiB === 0) return `${bytes / MiB}M`;
  if (bytes % 1024 === 0) return `${bytes / 1024}K`;
  return String(bytes);
}
