import { describe, expect, it } from 'vitest';
import { assertInvariants } from '../src/core/check.ts';
import type { MachineConfig } from '../src/core/config.ts';
import { describeWalk } from '../src/core/inspect.ts';
import { Machine } from '../src/core/machine.ts';
import { pagemapEntry } from '../src/core/proc/page.ts';
import { readEntry, walkTable } from '../src/core/mm/pgtable.ts';
import { pgtableIndex } from '../src/core/arch/pgtable.ts';
import { runScenario } from '../src/core/scenario/run.ts';
import { readSymbol } from '../src/core/symbols.ts';
import { entryValue } from '../src/core/arch/x86_64/pgtable.ts';
import { SETS, ViptCache, WAYS, WAY_SIZE } from '../src/core/arch/mips/cache.ts';

const MiB = 1024 * 1024;
const REGION = 0x200000000; // 8 GiB: an address every 64-bit arch's user space has

function run(text: string) {
  let out = '';
  const r = runScenario(text, { out: (s) => (out += s) });
  if (r.error) throw new Error(`${r.error.line}:${r.error.col}: ${r.error.message}`);
  assertInvariants(r.machine!);
  return { ...r, out, m: r.machine! };
}

/** The 64-bit value of the PTE mapping `va` for process A. */
function pte(
  m: Machine,
  task: ReturnType<typeof run>['session']['procs'] extends Map<string, infer P> ? P : never,
  va: number,
): bigint {
  const mm = task.task.mm!;
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const table = walkTable(m, mm, va);
  const e = { lo: 0, hi: 0 };
  readEntry(m, table, pgtableIndex(arch, va, last), e, last);
  return entryValue(e);
}

const ARCHES: [string, Partial<MachineConfig>, number][] = [
  ['x86_64', {}, REGION],
  ['arm64 4K', { arch: 'arm64', granule: 4 }, REGION],
  ['arm64 16K', { arch: 'arm64', granule: 16 }, REGION],
  ['arm64 64K', { arch: 'arm64', granule: 64, ram: 2048 * MiB }, REGION],
  ['arm', { arch: 'arm' }, 0x40000000],
  ['sparc64', { arch: 'sparc64' }, REGION],
  ['mips', { arch: 'mips', vce: true }, 0x40000000],
  ['s390', { arch: 's390' }, REGION],
];

function machineLine(cfg: Partial<MachineConfig>): string {
  const parts = [`arch=${cfg.arch ?? 'x86_64'}`];
  if (cfg.granule) parts.push(`granule=${cfg.granule}K`);
  if (cfg.vce) parts.push('vce=yes');
  if (cfg.ram) parts.push(`ram=${cfg.ram / MiB}M`);
  return `machine ${parts.join(' ')}`;
}

/**
 * PTE values worked out by hand from each architecture's headers, for the zero page after a read
 * fault and for a fresh anonymous page after a write fault (pfn shifted to its place, then bits).
 */
const EXPECTED: Record<string, { shift: bigint; zero: bigint; written: bigint; levels: number }> = {
  // P|US|A|SPECIAL|NX = 0x8000000000000225; P|RW|US|A|D|NX = 0x8000000000000067
  x86_64: { shift: 12n, zero: 0x8000000000000225n, written: 0x8000000000000067n, levels: 4 },
  // PAGE_READONLY 0x0060000000000fc3 | PTE_SPECIAL (bit 56); written: PAGE_COPY + DBM (51) + DIRTY (55), RDONLY cleared
  'arm64 4K': { shift: 12n, zero: 0x0160000000000fc3n, written: 0x00e8000000000f43n, levels: 4 },
  'arm64 16K': { shift: 14n, zero: 0x0160000000000fc3n, written: 0x00e8000000000f43n, levels: 3 },
  'arm64 64K': { shift: 16n, zero: 0x0160000000000fc3n, written: 0x00e8000000000f43n, levels: 3 },
  // PRESENT|YOUNG|MT_WRITEBACK|RDONLY|USER|XN = 0x38f; written: no RDONLY, + DIRTY = 0x34f
  arm: { shift: 12n, zero: 0x38fn, written: 0x34fn, levels: 2 },
  // VALID|ACCESSED|READ|SPECIAL in the high word, PRESENT|CP|CV|EXEC low = 0x9a00000000000690;
  // written: VALID|MODIFIED|ACCESSED|READ|WRITE, low + W = 0xbc000000000006d0
  sparc64: { shift: 13n, zero: 0x9a00000000000690n, written: 0xbc000000000006d0n, levels: 4 },
  // PRESENT|ACCESSED|SPECIAL|V|C=3 = 0x6a9; written: PRESENT|WRITE|ACCESSED|MODIFIED|V|D|C=3 = 0x79d
  mips: { shift: 12n, zero: 0x6a9n, written: 0x79dn, levels: 2 },
  // PRESENT|YOUNG|READ|SPECIAL|NOEXEC|PROTECT = 0x355; written: PRESENT|YOUNG|DIRTY|READ|WRITE|NOEXEC = 0x13d
  s390: { shift: 12n, zero: 0x355n, written: 0x13dn, levels: 3 },
};

describe('architectures', () => {
  for (const [name, cfg, at] of ARCHES) {
    it(`${name}: a read maps the zero page and a write a fresh page, with the PTE bits of its headers`, () => {
      const exp = EXPECTED[name]!;
      const r = run(
        `${machineLine(cfg)}\nboot\nspawn A\nA mmap r 1M rw at=0x${at.toString(16)}\nA read r 0 64K 16K\nA write r 0x20000 1 1 7\n`,
      );
      const m = r.m;
      const a = r.session.procs.get('A')!;
      const ps = m.pageSize;
      // every zero-mapped PTE: the zero page of the address's colour, read-only and special
      for (let va = at; va < at + 64 * 1024; va += 16 * 1024) {
        const zpfn = m.zeroPfn(va);
        expect(pte(m, a, va)).toBe((BigInt(zpfn) << exp.shift) | exp.zero);
      }
      const wva = at + 0x20000 - (0x20000 % ps);
      const pm = pagemapEntry(m, a.task.mm!, wva);
      const pfn = Number(pm & ((1n << 55n) - 1n));
      expect(m.isZeroPfn(pfn)).toBe(false);
      expect(pte(m, a, wva)).toBe((BigInt(pfn) << exp.shift) | exp.written);
      expect(describeWalk(m, a.task, wva)).toHaveLength(exp.levels);
      expect(m.ram.readU8(pfn * ps + (0x20000 % ps))).toBe(7);
    });
  }

  it('walks the levels with the index bits of each geometry', () => {
    const va = 0x200000000; // 2^33
    const idx = (cfg: Partial<MachineConfig>) => {
      const r = run(`${machineLine(cfg)}\nboot\nspawn A\nA mmap r 4K rw at=0x200000000\nA write r 0 1 1 1\n`);
      return describeWalk(r.m, r.session.procs.get('A')!.task, va).map((l) => l.index);
    };
    expect(idx({})).toEqual([0, 8, 0, 0]); // [47:39] [38:30] [29:21] [20:12]
    expect(idx({ arch: 'arm64', granule: 16 })).toEqual([0, 256, 0]); // [46:36] [35:25] [24:14]
    expect(idx({ arch: 'arm64', granule: 64, ram: 2048 * MiB })).toEqual([0, 16, 0]); // [47:42] [41:29] [28:16]
    expect(idx({ arch: 'sparc64' })).toEqual([0, 1, 0, 0]); // [52:43] [42:33] [32:23] [22:13]
    expect(idx({ arch: 's390' })).toEqual([4, 0, 0]); // R3 [41:31] SX [30:20] PX [19:12]
  });

  it('MIPS with VCEs has 8 coloured zero pages: each PTE points at the page of its colour', () => {
    const r = run(
      'machine arch=mips vce=yes\nboot\nspawn A\nA mmap r 64K r\nA read r 0 64K 4K\nprint zero_page_mask\n',
    );
    const m = r.m;
    expect(r.out).toContain('zero_page_mask = 0x7000');
    expect(m.zeroPages!.order).toBe(3);
    const a = r.session.procs.get('A')!;
    const base = Number(m.vars.get('zero_page_pfn'));
    const start = a.regions.get('r')!.start;
    for (let va = start; va < start + 64 * 1024; va += 4096) {
      const pfn = Number(pagemapEntry(m, a.task.mm!, va) & 0xffffffffn);
      expect(pfn).toBe(base + ((va >> 12) & 7));
      expect(m.isZeroPfn(pfn)).toBe(true);
    }
    // is_zero_pfn accepts exactly the 8 pages
    expect(m.isZeroPfn(base - 1)).toBe(false);
    expect(m.isZeroPfn(base + 8)).toBe(false);
    // no VCE and no alias: the user colour always matches the zero page's
    expect(m.cache!.stats.aliases).toBe(0);
  });

  it('MIPS: one zero page on a VCE CPU (the what-if) makes every other colour alias and trap', () => {
    const r = run(
      'machine arch=mips vce=yes coloured_zero=no\nboot\nspawn A\nA mmap r 64K r\nA read r 0 64K 4K\nA read r 0 64K 4K\n',
    );
    expect(r.m.zeroPages!.order).toBe(0);
    expect(r.m.cache!.stats.vces).toBeGreaterThan(0);
    const plain = run(
      'machine arch=mips\nboot\nspawn A\nA mmap r 64K r\nA read r 0 64K 4K\nA read r 0 64K 4K\n',
    );
    // without VCEs the CPU keeps both copies: aliases, and nothing traps
    expect(plain.m.cache!.stats.aliases).toBeGreaterThan(0);
    expect(plain.m.cache!.stats.vces).toBe(0);
  });

  it('MIPS VCE: the secondary tag keeps VA[14:12], so colours 0 and 4 (same primary index) still trap', () => {
    // Issue #17: the colour is the R4x00 secondary cache tag's PIdx, VA[14:12] (8 colours), not the
    // primary index bits VA[13:12] (4 colours with 16 KiB per way): that is why setup_zero_pages()
    // takes order 3 when cpu_has_vce.
    expect(WAY_SIZE).toBe(16 * 1024);
    expect([0, 1, 4, 7, 8].map((p) => ViptCache.colour(p * 4096, 4096))).toEqual([0, 1, 4, 7, 0]);
    const zero = 0x100000; // one physical zero page
    const c = new ViptCache(true);
    c.access(0x0000, zero); // colour 0: PIdx 0
    // two other physical lines in the same primary set evict it from the 2-way primary cache
    for (let i = 1; i <= WAYS; i++) c.access(i * WAY_SIZE * 2, zero + i * 0x10000);
    expect(c.stats.vces).toBe(0);
    // VA 0x4000: same primary set (VA[13:5]) as 0x0000 but VA[14:12] = 4: a primary miss that finds
    // the line in the secondary cache under PIdx 0 raises a VCE
    expect(Math.floor(0x4000 / 32) % SETS).toBe(0);
    c.access(0x4000, zero);
    expect(c.stats.vces).toBe(1);
    // the same access pattern at colour 8 (VA[14:12] = 0 again) does not
    const d = new ViptCache(true);
    d.access(0x0000, zero);
    for (let i = 1; i <= WAYS; i++) d.access(i * WAY_SIZE * 2, zero + i * 0x10000);
    d.access(0x8000, zero);
    expect(d.stats.vces).toBe(0);
  });

  it('MIPS vce=yes says it is a what-if on Malta (cpu-feature-overrides.h sets cpu_has_vce 0)', () => {
    const r = run('machine arch=mips vce=yes\nboot\n');
    expect(r.out).toContain('R4400SC');
    expect(r.out).toMatch(
      /what-if on Malta: arch\/mips\/include\/asm\/mach-malta\/cpu-feature-overrides\.h defines cpu_has_vce 0/,
    );
    expect(r.out).toContain('SGI IP22');
    expect(r.m.arch.simplifications.join('\n')).toMatch(/vce=yes is a what-if on Malta/);
    // without vce the board is the Malta the kernel supports: a 24Kc, one zero page, no what-if note
    const plain = run('machine arch=mips\nboot\n');
    expect(plain.out).not.toContain('what-if on Malta');
    expect(plain.m.zeroPages!.order).toBe(0);
  });

  it('s390 chooses the zero-page order from memory size (7 from 512 MiB estimated free)', () => {
    const order = (ram: string) => run(`machine arch=s390 ram=${ram}\nboot\n`).m.zeroPages!.order;
    expect(order('1G')).toBe(7);
    // memblock_estimated_nr_free_pages() subtracts only memblock's own allocations (MEMBLOCK_RSRV_KERN):
    // 512 MiB minus an 8 MiB memmap is 126 units of 4 MiB, < 128 → 6
    expect(order('512M')).toBe(6);
    expect(order('128M')).toBe(4);
    // 64 MiB minus a 4 MiB memmap: 15 units → 3 (the ~31 MiB image is a plain memblock_reserve)
    expect(order('64M')).toBe(3);
    // order 2 needs an estimate below 32 MiB: less RAM than this s390 image (≈ 33 MiB) needs to boot
    const m = run('machine arch=s390 ram=1G\nboot\n').m;
    const base = Number(m.vars.get('zero_page_pfn'));
    expect(m.isZeroPfn(base + 127)).toBe(true);
    expect(m.isZeroPfn(base + 128)).toBe(false);
  });

  it('arm64: the override finds the zero page; virt_to_page() on the image address would not', () => {
    const m = run('machine arch=arm64\nboot\n').m;
    const pfn = m.arch.emptyZeroPagePhys() / m.pageSize;
    expect(m.vars.get('__zero_page')).toBe(m.arch.pfnToPagePtr(m, pfn));
    const naive = m.arch.naiveZeroPage!(m);
    expect(naive.ptr).not.toBe(m.vars.get('__zero_page'));
    // the bogus struct page lies beyond the end of the memmap
    const memmapEnd = m.arch.pfnToPagePtr(m, m.pages.nrPages);
    expect(naive.ptr > memmapEnd).toBe(true);
  });

  it('sparc64: the zero page is found at kern_base + (&empty_zero_page - KERNBASE)', () => {
    const r = run('machine arch=sparc64\nboot\n');
    expect(r.out).toMatch(/phys = kern_base \+ \(0x[0-9a-f]+ - KERNBASE\) = 0x285c000/);
    expect(Number(r.m.vars.get('zero_page_pfn'))).toBe(0x285c000 / 8192);
  });
});

describe('boot, before and after the zero-page patch', () => {
  const fns = (cfg: Partial<MachineConfig>) => new Machine(cfg).steps.map((s) => s.fn);

  it('after: free_area_init in mm_core_init_early, init_zero_page_pfn in mm_core_init before memblock_free_all', () => {
    for (const cfg of [
      {},
      { arch: 'arm64' },
      { arch: 'arm' },
      { arch: 'sparc64' },
      { arch: 'mips' },
      { arch: 's390' },
    ] as Partial<MachineConfig>[]) {
      const m = new Machine(cfg);
      const steps = m.steps;
      const at = (fn: string) => steps.findIndex((s) => s.fn === fn);
      expect(steps[at('free_area_init')]!.phase).toBe('mm_core_init_early');
      expect(at('init_zero_page_pfn')).toBeGreaterThan(at('free_area_init'));
      expect(at('init_zero_page_pfn')).toBeLessThan(at('build_all_zonelists'));
      expect(at('build_all_zonelists')).toBeLessThan(at('memblock_free_all'));
      expect(at('init_zero_pfn')).toBe(-1);
      expect(steps.every((s) => s.file.length > 0 && s.why.length > 30)).toBe(true);
    }
  });

  it('before: free_area_init ends setup_arch, and each arch sets its zero page its own way', () => {
    expect(fns({ zeroPagePatch: 'before' }).slice(-10)).toEqual([
      'sparse_init', 'free_area_init', 'build_all_zonelists', 'memblock_free_all', 'setup_per_cpu_pageset',
      'init_zero_pfn', 'page_alloc_init_late', 'init_per_zone_wmark_min', 'hugepage_init', 'free_initmem',
    ]); // prettier-ignore
    const arm = fns({ arch: 'arm', zeroPagePatch: 'before' });
    expect(arm.indexOf('early_alloc')).toBeLessThan(arm.indexOf('free_area_init'));
    expect(arm.indexOf('__flush_dcache_folio')).toBe(arm.indexOf('free_area_init') + 1);
    const sparc = fns({ arch: 'sparc64', zeroPagePatch: 'before' });
    expect(sparc.indexOf('mem_init')).toBe(sparc.indexOf('memblock_free_all') + 1);
    for (const arch of ['mips', 's390'] as const) {
      const s = fns({ arch, zeroPagePatch: 'before' });
      expect(s.indexOf('arch_mm_preinit')).toBeLessThan(s.indexOf('memblock_free_all'));
    }
  });

  it('before: one ZERO_PAGE() call in 6.18 however many faults (my_zero_pfn() reads zero_pfn); after: none', () => {
    const calls = (patch: 'before' | 'after', arch: 'x86_64' | 'arm64' | 'arm' | 'mips' = 'x86_64') => {
      const r = run(
        `machine arch=${arch} zero_page_patch=${patch}${arch === 'mips' ? ' vce=yes' : ''}\nboot\nspawn A\nA mmap r 1M r\nA read r 0 1M 4K\nprint zero_page_calls\n`,
      );
      expect(r.out).toContain(`zero_page_calls = 0x${r.m.zeroPageCalls.toString(16)}`);
      return r.m.zeroPageCalls;
    };
    // x86-64 and arm64: init_zero_pfn()'s ZERO_PAGE(0) only; 256 read faults call my_zero_pfn(),
    // which returns the zero_pfn variable (include/linux/pgtable.h, !__HAVE_COLOR_ZERO_PAGE)
    expect(calls('before')).toBe(1);
    expect(calls('before', 'arm64')).toBe(1);
    expect(calls('after')).toBe(0);
    // arm stored a struct page * in paging_init: no arithmetic per call even before the patch
    expect(calls('before', 'arm')).toBe(0);
    // coloured: my_zero_pfn(addr) is page_to_pfn(ZERO_PAGE(addr)), one call per read fault
    expect(calls('before', 'mips')).toBe(1 + 256);
  });

  it('s390 with 544 MiB: the estimate keeps the image, so 128 zero pages and mask 0x7f000', () => {
    const r = run('machine arch=s390 ram=544M\nboot\nprint zero_pages\nprint zero_page_mask\n');
    expect(r.out).toContain('zero_pages = 0x80\nzero_page_mask = 0x7f000\n');
    // RAM minus the 12 MiB memmap (3 sections × 4 MiB): the image (~31 MiB) is not subtracted
    const est = r.m.memblock.memory.totalSize - 12 * MiB;
    expect(est / MiB).toBe(532);
  });

  it('print names each era’s symbols and says when one does not exist here', () => {
    const printed = (cfg: string, name: string) => {
      let out = '';
      const r = runScenario(`machine ${cfg}\nboot\nprint ${name}\n`, { out: (s) => (out += s) });
      return r.error ? `error: ${r.error.message}` : out.trim().split('\n').pop();
    };
    expect(printed('zero_page_patch=before', 'zero_pfn')).toBe('zero_pfn = 0x3b34');
    expect(printed('zero_page_patch=before', 'zero_page_pfn')).toMatch(
      /^error: 'zero_page_pfn' does not exist in this configuration .*Linux 6\.18.*the variable is zero_pfn/,
    );
    expect(printed('zero_page_patch=after', 'zero_page_pfn')).toBe('zero_page_pfn = 0x3b34');
    expect(printed('zero_page_patch=after', 'zero_pfn')).toMatch(/^error: 'zero_pfn' does not exist/);
    expect(printed('arch=mips vce=yes', '__zero_page')).toMatch(
      /^error: '__zero_page' does not exist.*coloured/,
    );
    expect(printed('arch=s390', '__zero_page')).toMatch(/^error: '__zero_page' does not exist/);
    expect(printed('zero_page_patch=before', '__zero_page')).toMatch(/^error: '__zero_page' does not exist/);
    expect(printed('arch=x86_64', 'zero_page_mask')).toMatch(
      /^error: 'zero_page_mask' does not exist.*MIPS, s390/,
    );
    expect(printed('arch=mips vce=yes', 'zero_page_mask')).toBe('zero_page_mask = 0x7000');
    expect(printed('arch=arm zero_page_patch=before', 'zero_page')).toMatch(
      /local variable of arm’s paging_init/,
    );
    expect(printed('arch=sparc64 zero_page_patch=before', 'mem_map_zero')).toMatch(/^mem_map_zero = 0x/);
    expect(printed('arch=sparc64 zero_page_patch=after', 'mem_map_zero')).toMatch(/^error: .*does not exist/);
    expect(printed('zero_page_patch=after', 'no_such_thing')).toMatch(
      /^error: unknown variable 'no_such_thing'/,
    );
    // arm in 6.18: empty_zero_page is a struct page *, NULL until paging_init() has the memmap
    const arm = new Machine({ arch: 'arm', zeroPagePatch: 'before' });
    arm.boot('__flush_dcache_folio');
    expect(readSymbol(arm, 'empty_zero_page')).toBe(0n);
    arm.bootStep();
    expect(readSymbol(arm, 'empty_zero_page')).toBe(arm.arch.pfnToPagePtr(arm, arm.zeroPages!.basePfn));
  });

  it('before: zero_page_pfn stays 0 through mm_core_init on every arch', () => {
    for (const arch of ['x86_64', 'arm64', 'arm', 'sparc64', 'mips', 's390'] as const) {
      const m = new Machine({ arch, zeroPagePatch: 'before' });
      m.boot('init_zero_pfn');
      expect(m.vars.get('zero_page_pfn')).toBe(0n);
      expect(m.zeroPages).not.toBeNull(); // the page exists; the kernel has not looked it up yet
      m.bootStep();
      expect(m.vars.get('zero_page_pfn')).toBe(BigInt(m.zeroPages!.basePfn));
      m.boot();
      assertInvariants(m);
    }
  });
});
