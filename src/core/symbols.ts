/**
 * The kernel symbols `print` and `expect` know, by era and architecture.
 *
 * The machine emulates one kernel: Linux 6.18 (`zero_page_patch=before`) or the same tree after the
 * "arch, mm: consolidate empty_zero_page" series (`after`). Names follow that kernel: in 6.18 the
 * variable is `zero_pfn` and the helper `my_zero_pfn()` (include/linux/pgtable.h, mm/memory.c); the
 * series renamed them `zero_page_pfn` and `zero_pfn()` ("mm: rename my_zero_pfn() to zero_pfn()")
 * and added `__zero_page`. A symbol that does not exist in the machine's configuration (era or
 * architecture) says so instead of printing 0.
 *
 * The machine keeps the pfn under one internal key ('zero_page_pfn' in Machine.vars) whatever the era;
 * only the names shown here change.
 */
import type { MachineConfig } from './config.ts';
import type { Machine } from './machine.ts';
import { directMapCounts } from './mm/direct_map.ts';

export type Era = MachineConfig['zeroPagePatch'];

/** Which kernel each era is. */
export const ERA_KERNEL: Readonly<Record<Era, string>> = {
  before: 'Linux 6.18',
  after: 'Linux 6.18 + the "arch, mm: consolidate empty_zero_page" series (v3)',
};

/** The era's names for the zero page's pfn variable and the helper that maps a user address to it. */
export const ERA_NAMES: Readonly<Record<Era, { pfnVar: string; pfnHelper: string; initFn: string }>> = {
  before: { pfnVar: 'zero_pfn', pfnHelper: 'my_zero_pfn', initFn: 'init_zero_pfn' },
  after: { pfnVar: 'zero_page_pfn', pfnHelper: 'zero_pfn', initFn: 'init_zero_page_pfn' },
};

export function eraOf(m: Machine): Era {
  return m.cfg.zeroPagePatch;
}

interface Symbol {
  read(m: Machine): bigint;
  /** why the symbol does not exist on this machine, or undefined when it does */
  absent?(m: Machine): string | undefined;
}

const coloured = (m: Machine) => m.arch.colouredZero !== undefined;
const internal = (name: string) => (m: Machine) => m.vars.get(name) ?? 0n;

const SYMBOLS: Record<string, Symbol> = {
  zero_pfn: {
    read: internal('zero_page_pfn'),
    absent: (m) =>
      eraOf(m) === 'after'
        ? 'after "mm: rename my_zero_pfn() to zero_pfn()" the variable is zero_page_pfn and zero_pfn() is the helper function'
        : undefined,
  },
  zero_page_pfn: {
    read: internal('zero_page_pfn'),
    absent: (m) =>
      eraOf(m) === 'before'
        ? 'in Linux 6.18 the variable is zero_pfn (mm/memory.c, set by the early_initcall init_zero_pfn); zero_page_pfn is the series’ name'
        : undefined,
  },
  __zero_page: {
    read: internal('__zero_page'),
    absent: (m) =>
      eraOf(m) === 'before'
        ? 'the "arch, mm: consolidate empty_zero_page" series adds __zero_page; 6.18 has no cached struct page pointer (ZERO_PAGE() is arithmetic on x86-64 and arm64)'
        : coloured(m)
          ? `${m.arch.name} keeps several coloured zero pages (empty_zero_page + zero_page_mask), not one __zero_page`
          : undefined,
  },
  zero_page_mask: {
    read: internal('zero_page_mask'),
    absent: (m) =>
      coloured(m)
        ? undefined
        : `only arches with coloured zero pages (MIPS, s390) have zero_page_mask, not ${m.arch.name}`,
  },
  empty_zero_page: {
    // arm in 6.18: a struct page *, NULL until paging_init() sets it from its early_alloc() page
    read: (m) =>
      m.arch.name === 'arm' && eraOf(m) === 'before' && !m.zeroPages
        ? 0n
        : (m.vars.get('empty_zero_page') ?? 0n),
    absent: (m) =>
      m.arch.name === 'sparc64' && eraOf(m) === 'before'
        ? 'sparc64 in 6.18 has no empty_zero_page: its zero page is mem_map_zero, allocated in mem_init() (arch/sparc/mm/init_64.c)'
        : undefined,
  },
  mem_map_zero: {
    read: internal('mem_map_zero'),
    absent: (m) =>
      m.arch.name !== 'sparc64'
        ? 'mem_map_zero is sparc64’s (arch/sparc/mm/init_64.c)'
        : eraOf(m) === 'after'
          ? 'the series removed sparc64’s mem_map_zero: empty_zero_page is in BSS and __zero_page caches its struct page'
          : undefined,
  },
  zero_page: {
    read: internal('zero_page'),
    absent: () =>
      'zero_page is a local variable of arm’s paging_init() (arch/arm/mm/mmu.c, before the series), not a kernel symbol: see empty_zero_page',
  },
  // how many zero pages there are (8 on a MIPS CPU with VCEs, up to 128 on s390; 0 before boot sets them)
  zero_pages: {
    read: (m) => (m.zeroPages ? 1n << BigInt(m.zeroPages.order) : m.vars.get('zero_page_pfn') ? 1n : 0n),
  },
  min_free_kbytes: { read: (m) => BigInt(m.alloc.minFreeKbytes) },
  totalreserve_pages: { read: (m) => BigInt(m.alloc.totalreservePages) },
  nr_free_pages: { read: (m) => BigInt(m.alloc.nrFreePages()) },
  nr_pcp_pages: { read: (m) => BigInt(m.alloc.nrPcpPages()) },
  pages_zeroed: { read: (m) => BigInt(m.alloc.pagesZeroed) },
  // ZERO_PAGE() calls that computed a struct page (not a kernel variable: the emulator counts them)
  zero_page_calls: { read: (m) => BigInt(m.zeroPageCalls) },
  max_pfn: { read: (m) => BigInt(m.pages.nrPages) },
  // huge_zero_pfn starts as ~0UL: "no huge zero folio yet"
  huge_zero_pfn: {
    read: (m) => (m.hugeZeroPfn < 0 ? (1n << 64n) - 1n : BigInt(m.hugeZeroPfn)),
    absent: (m) =>
      m.arch.pmdOrder ? undefined : `${m.arch.name} has no PMD-sized pages (no huge zero folio)`,
  },
  huge_zero_refcount: {
    read: (m) => BigInt(m.hugeZeroRefcount),
    absent: (m) =>
      m.arch.pmdOrder ? undefined : `${m.arch.name} has no PMD-sized pages (no huge zero folio)`,
  },
  // direct_pages_count[]: leaf entries of the direct map by size (x86-64)
  direct_map_pages_4k: { read: (m) => BigInt(directMapCounts(m).k4) },
  direct_map_pages_2m: { read: (m) => BigInt(directMapCounts(m).m2) },
  direct_map_pages_1g: { read: (m) => BigInt(directMapCounts(m).g1) },
  swapper_pg_dir: {
    read: (m) => (m.directMap.pgd < 0 ? 0n : m.arch.imageVirt(m.directMap.pgd * m.pageSize)),
  },
  tlb_entries: { read: (m) => BigInt(m.tlb.cpus.reduce((s, t) => s + t.count(), 0)) },
  tlb_shootdowns: { read: (m) => BigInt(m.tlb.shootdowns) },
  tlb_local_flushes: { read: (m) => BigInt(m.tlb.localFlushes) },
  // CONFIG_PAGE_ALLOC_UNMAPPED (the __GFP_UNMAPPED series v2)
  mermap_pages_cleared: { read: (m) => BigInt(m.alloc.mermapPagesCleared) },
  mermap_fast_runs: { read: (m) => BigInt(m.mermapStats.fastRuns) },
  mermap_fast_pages: { read: (m) => BigInt(m.mermapStats.fastPages) },
  mermap_slow_pages: { read: (m) => BigInt(m.mermapStats.slowPages) },
  direct_map_flips_out: { read: (m) => BigInt(m.alloc.directMapFlipsOut) },
  direct_map_flips_in: { read: (m) => BigInt(m.alloc.directMapFlipsIn) },
  // MIPS: the toy VIPT data cache's counters
  cache_aliases: {
    read: (m) => BigInt(m.cache?.stats.aliases ?? 0),
    absent: (m) => (m.cache ? undefined : 'only the MIPS machine models its data cache'),
  },
  cache_vces: {
    read: (m) => BigInt(m.cache?.stats.vces ?? 0),
    absent: (m) => (m.cache ? undefined : 'only the MIPS machine models its data cache'),
  },
};

/** Every name `print` knows in some configuration. */
export const SYMBOL_NAMES: readonly string[] = Object.keys(SYMBOLS);

/** The names that exist on this machine. */
export function symbolNames(m: Machine): string[] {
  return SYMBOL_NAMES.filter((n) => !SYMBOLS[n]!.absent?.(m));
}

/** A `print`/`expect` name that cannot be read here; `message` says why. */
export class SymbolError extends Error {}

function configName(m: Machine): string {
  return `arch=${m.cfg.arch} zero_page_patch=${m.cfg.zeroPagePatch}: ${ERA_KERNEL[eraOf(m)]}`;
}

/**
 * Read a symbol by name. Throws SymbolError when the name is unknown, or known but absent from this
 * configuration (the message names the configuration and why).
 */
export function readSymbol(m: Machine, name: string): bigint {
  // own keys only: `print __proto__` or `print constructor` is an unknown name (issue #13)
  const sym = Object.hasOwn(SYMBOLS, name) ? SYMBOLS[name] : undefined;
  if (sym) {
    const why = sym.absent?.(m);
    if (why)
      throw new SymbolError(`'${name}' does not exist in this configuration (${configName(m)}): ${why}`);
    return sym.read(m);
  }
  const v = m.vars.get(name);
  if (v !== undefined) return v;
  throw new SymbolError(`unknown variable '${name}' (known here: ${symbolNames(m).join(', ')})`);
}
