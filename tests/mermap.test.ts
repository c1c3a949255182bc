/**
 * The mermap as in the __GFP_UNMAPPED series v2 (linux-mm/linux-mm@b7f5c72f mm/mermap.c,
 * @d7720e0f mm/tests/mermap_kunit.c): ports of the KUnit tests and the v2-specific behaviour.
 */
import { describe, expect, it } from 'vitest';
import { assertInvariants } from '../src/core/check.ts';
import { exitTask, spawnTask } from '../src/core/kernel/fork.ts';
import type { Machine } from '../src/core/machine.ts';
import { GFP, GFP_MASKS } from '../src/core/mm/gfp.ts';
import {
  MERMAP_BASE_ADDR,
  MERMAP_CPU_PAGES,
  MERMAP_NR_ALLOCS,
  MERMAP_SENTINEL,
  MermapOops,
  mermapGet,
  mermapGetReserved,
  mermapMmPrepare,
  mermapPut,
  preemptHolder,
  type MermapCpu,
} from '../src/core/mm/mermap.ts';
import type { MmStruct } from '../src/core/mm/mm_types.ts';
import { switchMm } from '../src/core/mm/tlb.ts';
import { runScenario } from '../src/core/scenario/run.ts';
import { booted, MiB } from './helpers/machine.ts';

const K = GFP_MASKS['GFP_KERNEL']!;
const UZERO = K | GFP.__GFP_UNMAPPED | GFP.__GFP_ZERO;

/** A machine with task A current on CPU 0; its mermap prepared unless asked not to. */
function machine(prepare = true): { m: Machine; mm: MmStruct } {
  const m = booted({ ram: 256 * MiB, cpus: 2, pageAllocUnmapped: true });
  const t = spawnTask(m, 'A', 0)!;
  switchMm(m, 0, t.mm!);
  if (prepare) mermapMmPrepare(m, t.mm!);
  return { m, mm: t.mm! };
}

function cpu0(m: Machine, mm: MmStruct): MermapCpu {
  return m.mermaps.get(mm)!.cpu[0]!;
}

function run(text: string): string {
  let out = '';
  runScenario(text, { out: (t) => (out += t) });
  return out;
}

describe('mermap geometry (v2 arch/x86/include/asm/pgtable_64_types.h)', () => {
  it('sits right after the LDT remap in the mm-local PGD slot -240, one PMD per CPU', () => {
    const PGDIR_SHIFT = 39n; // 4-level paging
    const PMD_SIZE = 1n << 21n;
    const ldtEnd = ((-240n << PGDIR_SHIFT) & ((1n << 64n) - 1n)) + PMD_SIZE; // LDT_END_ADDR
    expect(MERMAP_BASE_ADDR).toBe(ldtEnd);
    expect(MERMAP_BASE_ADDR).toBe(0xffff_8800_0020_0000n);
    expect(BigInt(MERMAP_CPU_PAGES) * 4096n).toBe(PMD_SIZE); // MERMAP_CPU_REGION_SIZE
    const out = run(`machine ram=256M cpus=2 page_alloc_unmapped=yes
boot
spawn A
show mermap
`);
    expect(out).toContain('cpu 0: base 0xffff880000200000');
    expect(out).toContain('cpu 1: base 0xffff880000400000');
  });

  it('the sentinel is pfn_pte(0, pgprot_nx(PAGE_NONE)) with the PFN inverted (L1TF)', () => {
    const v = MERMAP_SENTINEL;
    expect(v & 1n).toBe(0n); // not present
    expect(v & 0x100n).toBe(0x100n); // _PAGE_PROTNONE (= _PAGE_GLOBAL's bit)
    expect(v & 0x20n).toBe(0x20n); // _PAGE_ACCESSED
    expect(v >> 63n).toBe(1n); // NX
    expect(v).not.toBe(0n); // not pte_none(): apply_to_existing_page_range() visits it
    // pte_pfn() undoes protnone_mask(): the PFN reads back as 0
    const PTE_PFN_MASK = ((1n << 52n) - 1n) & ~0xfffn;
    expect(((v ^ ((1n << 64n) - 1n)) & PTE_PFN_MASK) >> 12n).toBe(0n);
    const { m, mm } = machine();
    expect(cpu0(m, mm).ptes.every((p) => p === MERMAP_SENTINEL)).toBe(true);
  });
});

describe('KUnit mermap_kunit.c (v2)', () => {
  it('test_size: 511 pages fit, 512 do not; 510 + 1, then no more; a reserved get still fits', () => {
    const { m, mm } = machine();
    let s = mermapGet(m, 0, 0, MERMAP_CPU_PAGES - 1, 'test');
    expect(s).toBeGreaterThanOrEqual(0);
    mermapPut(m, 0, s);
    expect(mermapGet(m, 0, 0, MERMAP_CPU_PAGES, 'test')).toBe(-1);
    const a = mermapGet(m, 0, 0, MERMAP_CPU_PAGES - 2, 'test');
    const b = mermapGet(m, 0, 0, 1, 'test');
    expect(a).toBeGreaterThanOrEqual(0);
    expect(b).toBeGreaterThanOrEqual(0);
    expect(mermapGet(m, 0, 0, 1, 'test')).toBe(-1);
    m.tlb.cpus[0]!.irqsOn = false;
    s = mermapGetReserved(m, 0, 0);
    expect(s).toBeGreaterThanOrEqual(0);
    expect(cpu0(m, mm).allocs[s]!.base).toBe(MERMAP_CPU_PAGES - 1); // the headroom page
  });

  it('test_tlb_flushed: no flush until an address is reused, then exactly one', () => {
    const { m, mm } = machine();
    const mc = cpu0(m, mm);
    for (let i = 0; i < MERMAP_CPU_PAGES - 1; i++) {
      mermapPut(m, 0, mermapGet(m, 0, 0, 1, 'test'));
      expect(mc.localFlushes).toBe(0);
    }
    mermapPut(m, 0, mermapGet(m, 0, 0, 1, 'test'));
    expect(mc.localFlushes).toBe(1);
    expect(mc.next).toBe(1); // back at the start of the slice
  });

  it('test_multiple_allocs: 4 one-page gets, each inside the slice; a fifth has no slot', () => {
    const { m, mm } = machine();
    const slots = Array.from({ length: MERMAP_NR_ALLOCS }, (_, i) => mermapGet(m, 0, 100 + i, 1, 'test'));
    expect(new Set(slots).size).toBe(MERMAP_NR_ALLOCS);
    const mc = cpu0(m, mm);
    for (const [i, s] of slots.entries()) {
      const a = mc.allocs[s]!;
      expect(a.base).toBeGreaterThanOrEqual(0);
      expect(a.end).toBeLessThanOrEqual(MERMAP_CPU_PAGES);
      expect((mc.ptes[a.base]! & 0x000f_ffff_ffff_f000n) >> 12n).toBe(BigInt(100 + i)); // the page asked for
    }
    expect(mermapGet(m, 0, 0, 1, 'test')).toBe(-1);
  });
});

describe('v2 behaviour the emulator used to get wrong', () => {
  it('mermap_get_reserved takes one of the 4 slots: 4 preempted holders make the slow path oops', () => {
    const { m, mm } = machine();
    for (let i = 0; i < MERMAP_NR_ALLOCS; i++) expect(preemptHolder(m, 0, 1)).toBeGreaterThanOrEqual(0);
    expect(mermapGetReserved(m, 0, 0)).toBe(-1);
    expect(cpu0(m, mm).reservedFailures).toBe(1);
    // clear_page_mermap(): the fast path finds no slot, the slow path's mermap_get_reserved NULL
    expect(() => m.alloc.allocPages(UZERO, 0, 0)).toThrow(MermapOops);
    expect(() => m.alloc.allocPages(UZERO, 0, 0)).toThrow(/all 4 mermap slots are held.*v3/);
    expect(m.log.join('\n')).toContain('BUG: kernel NULL pointer dereference, address: 0000000000000008');
    expect(m.tlb.cpus[0]!.irqsOn).toBe(true); // the oops path restored the IRQ state
    assertInvariants(m); // the pages the dying task had allocated are leaked, not corrupted
  });

  it('the scenario reports the oops and carries on', () => {
    const out = run(`machine ram=256M cpus=2 page_alloc_unmapped=yes
boot
spawn A
preempt pages=1
preempt pages=1
preempt pages=1
preempt pages=1
alloc k1 order=0 gfp=GFP_KERNEL|__GFP_UNMAPPED|__GFP_ZERO
resume
alloc k2 order=0 gfp=GFP_KERNEL|__GFP_UNMAPPED|__GFP_ZERO
print mermap_fast_runs
`);
    expect(out).toContain('alloc k1: clear_page_mermap: kernel oops on CPU 0');
    expect(out).toContain('resume: cpu 0: 4 preempted holders put their mappings');
    expect(out).toContain('mermap_fast_runs = 0x1');
  });

  it('the slow path flushes the whole local TLB once per 512 - h pages after a holder of h', () => {
    const { m, mm } = machine();
    const h = 500;
    expect(preemptHolder(m, 0, h)).toBeGreaterThanOrEqual(0);
    const mc = cpu0(m, mm);
    const flushes = mc.localFlushes;
    // 16 pages do not fit in the 11 left below the headroom page: the slow path, page by page.
    const pfn = m.alloc.allocPages(UZERO, 4, 0);
    expect(pfn).toBeGreaterThanOrEqual(0);
    expect(m.mermapStats.slowPages).toBe(16);
    // pages 0-11 take offsets 500-511 (the headroom page included), page 12 wraps: one flush
    expect(mc.localFlushes - flushes).toBe(1);
    expect(mc.next).toBe(h + 4);
    assertInvariants(m);
  });

  it('nothing prepares the mermap on demand: an unprepared mm WARNs and gets NULL, without OOM', () => {
    const { m, mm } = machine(false);
    const b = spawnTask(m, 'B', 0)!;
    switchMm(m, 0, mm);
    expect(m.mermaps.has(mm)).toBe(false);
    expect(mermapGet(m, 0, 0, 1, 'test')).toBe(-1);
    expect(m.log.join('\n')).toContain('mermap_mm_prepare() was not called for this mm');
    expect(() => m.allocNamed('u', 0, K | GFP.__GFP_UNMAPPED, 0)).toThrow(/page allocation failure/);
    const log = m.log.join('\n');
    expect(log).toContain('prepare_alloc_pages: WARN_ON(!mermap_ready())');
    // prepare_alloc_pages() fails before the slow path: no warn_alloc report, no OOM kill
    expect(log).not.toContain('page allocation failure');
    expect(log).not.toContain('Out of memory');
    expect(b.state).toBe('R');
    expect(m.mermaps.has(mm)).toBe(false);
  });

  it('exit tears the mermap down, WARNing about a slot still in use', () => {
    const { m } = machine();
    const t = spawnTask(m, 'C', 1)!;
    switchMm(m, 1, t.mm!);
    const mm = t.mm!;
    mermapMmPrepare(m, mm);
    expect(preemptHolder(m, 1, 3)).toBeGreaterThanOrEqual(0);
    exitTask(m, t, 'exit', 1);
    expect(m.mermaps.has(mm)).toBe(false);
    expect(m.log.join('\n')).toContain('mermap_mm_teardown: WARN_ON_ONCE(mc->allocs[i].in_use)');
  });
});
