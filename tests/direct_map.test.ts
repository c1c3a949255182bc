import { describe, expect, it } from 'vitest';
import { booted } from './helpers/machine.ts';
import { assertInvariants } from '../src/core/check.ts';
import {
  directMapCounts,
  directMapWalkEnd,
  kernelPagePresent,
  lookupAddress,
  pageAddress,
  setDirectMapDefaultNoflush,
  setDirectMapInvalidNoflush,
  virtToPage,
} from '../src/core/mm/direct_map.ts';
import { flushTlbKernelRange, TlbShootdownRefused } from '../src/core/mm/tlb.ts';
import { GFP_MASKS } from '../src/core/mm/gfp.ts';
import { spawnTask } from '../src/core/kernel/fork.ts';
import { doMmap } from '../src/core/mm/mmap.ts';
import { userAccess } from '../src/core/mmu.ts';
import { runScenario } from '../src/core/scenario/run.ts';
import { meminfo } from '../src/core/proc/meminfo.ts';
import { describeArch } from '../src/core/inspect.ts';
import type { Machine } from '../src/core/machine.ts';

const GFP_KERNEL = GFP_MASKS['GFP_KERNEL']!;
const PAGE_OFFSET = 0xffff888000000000n;

/** The 64-bit value of a direct-map entry. */
function entryOf(m: Machine, pfn: number): { value: bigint; level: number } {
  const l = lookupAddress(m, pfn)!;
  return { value: (BigInt(l.entry.hi >>> 0) << 32n) | BigInt(l.entry.lo >>> 0), level: l.level };
}

// arch/x86/include/asm/pgtable_types.h
const _PAGE_PRESENT = 1n << 0n;
const _PAGE_RW = 1n << 1n;
const _PAGE_USER = 1n << 2n;
const _PAGE_ACCESSED = 1n << 5n;
const _PAGE_DIRTY = 1n << 6n;
const _PAGE_PSE = 1n << 7n;
const _PAGE_GLOBAL = 1n << 8n;
const _PAGE_NX = 1n << 63n;
const FLAGS_MASK = _PAGE_NX | 0xfffn;

function run(text: string): string {
  let out = '';
  const r = runScenario(text, { out: (t) => (out += t) });
  expect(r.exitCode, out).toBe(0);
  return out;
}

describe('the x86-64 direct map', () => {
  it('maps every RAM page after boot, and page_address() round-trips', () => {
    const m = booted({ ram: 4 * 1024 ** 3 });
    for (const r of m.memblock.memory.regions) {
      const s = Math.ceil(r.base / 4096);
      const e = Math.floor((r.base + r.size) / 4096);
      for (let pfn = s; pfn < e; pfn++) {
        if (!kernelPagePresent(m, pfn)) throw new Error(`pfn ${pfn} not in the direct map`);
      }
      for (let pfn = s; pfn < e; pfn += 997) {
        const va = pageAddress(m, pfn);
        expect(va).toBe(PAGE_OFFSET + BigInt(pfn) * 4096n);
        expect(virtToPage(m, va)).toBe(pfn);
      }
    }
    assertInvariants(m);
  });

  it('uses 1G, 2M and 4K leaves as split_mem_range() does, and meminfo reads them', () => {
    const m = booted({ ram: 16 * 1024 ** 3 });
    const c = directMapCounts(m);
    // 0-2M in 4K (ISA range + head), 2M-1G in 2M, 1G-2G in 1G, 2G-(3G-2M) in 2M, the last
    // 2M-128K of low RAM in 4K; 4G-17G (13 GiB above 4G) in 1G.
    expect(c).toEqual({ k4: 512 + 480, m2: 511 + 511, g1: 1 + 13 });
    const mi = meminfo(m);
    expect(mi).toMatch(/DirectMap4k:\s+3968 kB/);
    expect(mi).toMatch(/DirectMap2M:\s+2093056 kB/);
    expect(mi).toMatch(/DirectMap1G:\s+14680064 kB/);
    // the boot tables fit in brk's pgt_buf: PUD, PMD for 0-1G and 2G-3G, PTE for 0-2M and the tail
    expect(m.directMap.pgtBufUsed).toBe(5);
  });

  it('writes PAGE_KERNEL | _PAGE_GLOBAL entries in the x86 bit layout', () => {
    const m = booted({ ram: 4 * 1024 ** 3 });
    const want = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_GLOBAL | _PAGE_NX;
    // PTE (4K, pfn 0x100 = 1 MiB): __PAGE_KERNEL = 0x8000000000000163
    const pte = entryOf(m, 0x100);
    expect(pte.level).toBe(3);
    expect(pte.value & FLAGS_MASK).toBe(want);
    expect(want).toBe(0x8000000000000163n);
    expect(pte.value & ~FLAGS_MASK).toBe(0x100000n);
    // PMD (2M, pfn 0x200 = 2 MiB): PAGE_KERNEL_LARGE adds _PAGE_PSE
    const pmd = entryOf(m, 0x200);
    expect(pmd.level).toBe(2);
    expect(pmd.value & FLAGS_MASK).toBe(want | _PAGE_PSE);
    expect(pmd.value & ~FLAGS_MASK).toBe(0x200000n);
    // PUD (1G at 1 GiB)
    const pud = entryOf(m, 0x40000);
    expect(pud.level).toBe(1);
    expect(pud.value & FLAGS_MASK).toBe(0x80000000000001e3n);
    expect(pud.value & ~FLAGS_MASK).toBe(0x40000000n);
    // no kernel entry is user-accessible, not even the table entries (_KERNPG_TABLE)
    expect(pud.value & _PAGE_USER).toBe(0n);
  });

  it('splits a 2M leaf to clear one 4K page, and restores it', () => {
    const m = booted({ ram: 1024 ** 3 });
    const pfn = m.allocNamed('k', 0, GFP_KERNEL).pfn;
    const base = pfn - (pfn % 512);
    expect(entryOf(m, pfn).level).toBe(2);
    const before = directMapCounts(m);
    expect(setDirectMapInvalidNoflush(m, pfn, 1)).toBe(true);
    expect(entryOf(m, pfn).level).toBe(3);
    let present = 0;
    for (let i = 0; i < 512; i++) if (kernelPagePresent(m, base + i)) present++;
    expect(present).toBe(511);
    expect(kernelPagePresent(m, pfn)).toBe(false);
    // set_direct_map_invalid_noflush clears P and RW only: A, D, G and NX stay
    expect(entryOf(m, pfn).value & FLAGS_MASK).toBe(0x8000000000000160n);
    const after = directMapCounts(m);
    expect(after.m2).toBe(before.m2 - 1);
    expect(after.k4).toBe(before.k4 + 512);
    flushTlbKernelRange(m, pfn, 1, 0);
    assertInvariants(m);
    expect(setDirectMapDefaultNoflush(m, pfn, 1)).toBe(true);
    expect(kernelPagePresent(m, pfn)).toBe(true);
    expect(entryOf(m, pfn).value & FLAGS_MASK).toBe(0x8000000000000163n);
    // CPA does not merge the split table back
    expect(directMapCounts(m)).toEqual(after);
    flushTlbKernelRange(m, pfn, 1, 0);
    assertInvariants(m);
  });

  it('clears a whole 2M leaf in place without splitting', () => {
    const m = booted({ ram: 1024 ** 3 });
    const pfn = m.allocNamed('k', 9, GFP_KERNEL).pfn;
    const before = directMapCounts(m);
    setDirectMapInvalidNoflush(m, pfn, 512);
    expect(directMapCounts(m)).toEqual(before);
    expect(kernelPagePresent(m, pfn + 17)).toBe(false);
  });
});

describe('per-CPU TLBs', () => {
  it('keeps a global entry across an address-space switch and drops a non-global one', () => {
    // pcid=no: every switch drops all non-global entries
    const m = booted({ ram: 1024 ** 3, pcid: false });
    const a = spawnTask(m, 'A', 0)!;
    const b = spawnTask(m, 'B', 0)!;
    const r = doMmap(m, a, 4096, 'rw', false, false, 0);
    userAccess(m, a, r.addr, true, 0); // fault: zeroes a page through the direct map, fills both
    const t = m.tlb.cpus[0]!;
    const user = () => t.entries.filter((e) => e && !e.kernel).length;
    const glob = () => t.entries.filter((e) => e && e.global).length;
    expect(user()).toBe(1);
    expect(glob()).toBeGreaterThan(0);
    const g = glob();
    const rb = doMmap(m, b, 4096, 'r', false, false, 0);
    userAccess(m, b, rb.addr, false, 0); // switch_mm to B
    expect(glob()).toBeGreaterThanOrEqual(g);
    expect(t.entries.filter((e) => e && !e.kernel && e.pfn !== m.zeroPfn(0)).length).toBe(0);
    assertInvariants(m);
  });

  it('a COW fault flushes only the faulting address: the other zero-page translations stay', () => {
    const m = booted({ ram: 1024 ** 3 });
    const a = spawnTask(m, 'A', 0)!;
    const r = doMmap(m, a, 4 * 4096, 'rw', false, false, 0);
    for (let i = 0; i < 4; i++) userAccess(m, a, r.addr + i * 4096, false, 0); // 4 zero-page reads
    const t = m.tlb.cpus[0]!;
    const zeroVas = () =>
      t.entries
        .filter((e) => e && !e.kernel && e.pfn === m.zeroPfn(0))
        .map((e) => e!.vpn * 4096 - r.addr)
        .sort((x, y) => x - y);
    expect(zeroVas()).toEqual([0, 4096, 8192, 12288]);
    userAccess(m, a, r.addr + 4096, true, 0); // wp_page_copy of page 1 (ptep_clear_flush)
    expect(zeroVas()).toEqual([0, 8192, 12288]);
    assertInvariants(m);
  });

  it('with PCID keeps the tagged entries of the previous mm', () => {
    const m = booted({ ram: 1024 ** 3 });
    const a = spawnTask(m, 'A', 0)!;
    const b = spawnTask(m, 'B', 0)!;
    const r = doMmap(m, a, 4096, 'rw', false, false, 0);
    userAccess(m, a, r.addr, true, 0);
    const rb = doMmap(m, b, 4096, 'rw', false, false, 0);
    userAccess(m, b, rb.addr, true, 0);
    const t = m.tlb.cpus[0]!;
    const pcids = new Set(t.entries.filter((e) => e && !e.kernel).map((e) => e!.pcid));
    expect([...pcids].sort()).toEqual([1, 2]);
  });

  it('leaves no CPU with a translation to a page taken out of the direct map and flushed', () => {
    const m = booted({ ram: 1024 ** 3, cpus: 4 });
    // touch the same page from every CPU through the direct map (zeroing it)
    const pfns: number[] = [];
    for (let cpu = 0; cpu < 4; cpu++) {
      const p = m.alloc.allocPages(GFP_KERNEL | 0x100 /* __GFP_ZERO */, 0, cpu);
      pfns.push(p);
    }
    const pfn = pfns[0]!;
    m.alloc.onKernelAccess!(pfn, 1, 1);
    m.alloc.onKernelAccess!(pfn, 1, 3);
    const mapping = () =>
      m.tlb.cpus.filter((c) => c.entries.some((e) => e && e.kernel && pfn >= e.pfn && pfn < e.pfn + e.pages))
        .length;
    expect(mapping()).toBeGreaterThanOrEqual(3);
    setDirectMapInvalidNoflush(m, pfn, 1);
    expect(mapping()).toBeGreaterThanOrEqual(3); // stale until the flush
    flushTlbKernelRange(m, pfn, 1, 0);
    expect(mapping()).toBe(0);
    assertInvariants(m);
  });

  it('refuses a shootdown with IRQs off', () => {
    const m = booted({ ram: 1024 ** 3 });
    const pfn = m.allocNamed('k', 0, GFP_KERNEL).pfn;
    m.tlb.cpus[0]!.irqsOn = false;
    expect(() => flushTlbKernelRange(m, pfn, 1, 0)).toThrow(TlbShootdownRefused);
    expect(() => flushTlbKernelRange(m, pfn, 1, 0)).toThrow(/IRQs are off on CPU 0/);
    expect(m.log.join('\n')).toContain('smp_call_function_many_cond');
  });
});

describe('scenario statements', () => {
  it('irqs, direct_map, show tlb, print and expect', () => {
    const out = run(`machine ram=1G cpus=2
boot
alloc k1 order=0 gfp=GFP_KERNEL|__GFP_ZERO
print direct_map_pages_1g
expect direct_map_present(k1) == 1
expect tlb_maps(k1) == 1
irqs off
direct_map k1 invalid flush
irqs on
expect tlb_maps(k1) == 1
flush_tlb_kernel_range k1
expect tlb_maps(k1) == 0
expect direct_map_present(k1) == 0
expect direct_map_pages_4k > 1000
direct_map k1 default flush
expect direct_map_present(k1) == 1
spawn A
A mmap r 8K rw
A write r 0 8K 4K 1
show tlb
`);
    expect(out).toContain('direct_map_pages_1g = 0x0');
    expect(out).toContain('flush_tlb_kernel_range: refused: IRQs are off on CPU 0');
    expect(out).toContain('==> tlb <==');
    expect(out).toMatch(/cpu 0: irqs on, mm A, pcid 1, \d+\/64 entries/);
    expect(out).toMatch(/0xffff8880[0-9a-f]{8} (4K|2M) -> pfn 0x[0-9a-f]+ rw global/);
    expect(out).toMatch(/0x00007ffff7ff[ef]000 4K -> pfn 0x[0-9a-f]+ rw pcid 1/);
  });

  it('other architectures say the direct map is not modelled', () => {
    const m = booted({ arch: 'arm64' });
    expect(describeArch(m).directMap).toContain('not modelled on this arch');
    expect(directMapCounts(m)).toEqual({ k4: 0, m2: 0, g1: 0 });
  });

  it('directMapWalkEnd agrees with lookup_address and kernel_page_present, and its span covers the leaf', () => {
    const m = booted({ ram: 2 * 2 ** 30 });
    const pfn = m.alloc.allocPages(GFP_KERNEL, 3, 0);
    expect(setDirectMapInvalidNoflush(m, pfn, 8)).toBe(true); // splits the 2M leaf around it
    const max = m.pages.nrPages;
    const probes = [0, 1, 255, 256, pfn - 1, pfn, pfn + 7, pfn + 8, 0xbffff, 0xc0000, 0x100000, max - 1];
    for (let p = 0; p < max; p += 4093) probes.push(p);
    for (const p of probes) {
      const w = directMapWalkEnd(m, p);
      const l = lookupAddress(m, p);
      expect(w.none).toBe(!l);
      expect(w.present).toBe(kernelPagePresent(m, p));
      if (l) expect(w.level).toBe(l.level);
      expect(w.span).toBe(w.level === 0 ? 2 ** 27 : [0, 1 << 18, 1 << 9, 1][w.level]);
    }
    expect(directMapWalkEnd(m, pfn)).toEqual({ level: 3, span: 1, none: false, present: false });
  });
});
