/**
 * The Swap panel's data (src/core/inspect_swap.ts): slot classes as runs, the zeromap as runs of set
 * bits, the swap cache, counters and zone pressure, one slot's swap PTEs, the process view's swap
 * state — for the lesson's scenario (half zero-filled, half written, MADV_PAGEOUT, read back).
 */
import { describe, expect, it } from 'vitest';
import {
  describeSwap,
  describeSwapPte,
  describeSwapSlot,
  slotClass,
  type SwapDeviceInfo,
} from '../src/core/inspect_swap.ts';
import { SWAP_HAS_CACHE, zeromapSet, zeromapTest } from '../src/core/mm/swapfile.ts';
import { processPageStates } from '../src/core/inspect.ts';
import { parseScenario } from '../src/core/scenario/parse.ts';
import { Session } from '../src/core/scenario/run.ts';
import { VPageState } from '../src/core/shared/page_state.ts';
import { SlotClass } from '../src/core/shared/swap_slot.ts';

function session(text: string): Session {
  const s = new Session({ out: () => {} });
  for (const st of parseScenario(text)) s.exec(st);
  return s;
}

/** The class of each slot, expanded from the runs (small devices only). */
function classes(d: SwapDeviceInfo): number[] {
  const out: number[] = [];
  for (let i = 0; i < d.runStarts.length; i++) {
    const end = i + 1 < d.runStarts.length ? d.runStarts[i + 1]! : d.max;
    for (let off = d.runStarts[i]!; off < end; off++) out.push(d.runClasses[i]!);
  }
  return out;
}

const SETUP = `machine arch=x86_64 ram=256M cpus=2
boot
swapon 1M
spawn A
A mmap r 64K rw
A write r 0 32K 4K 0
A write r 32K 32K 4K 0xab
A madvise r 0 64K pageout
`;

describe('describeSwap', () => {
  it('shows zero-filled slots in the zeromap and written ones in the swap cache after MADV_PAGEOUT', () => {
    const s = session(SETUP);
    const info = describeSwap(s.machine!);
    expect(info.devices).toHaveLength(1);
    const d = info.devices[0]!;
    expect(d.max).toBe(256);
    expect(d.inuse).toBe(16);
    const c = classes(d);
    expect(c[0]).toBe(SlotClass.Bad);
    // slots 1-8: the zero-filled pages, freed at once (swap PTE only); 9-16: written, still cached
    expect(c.slice(1, 9)).toEqual(Array(8).fill(SlotClass.Zero));
    expect(c.slice(9, 17)).toEqual(Array(8).fill(SlotClass.Cached));
    expect(c.slice(17).every((x) => x === SlotClass.Free)).toBe(true);
    expect([...d.zeroRuns]).toEqual([1, 9]);
    expect(d.zeroSlots).toBe(8);
    expect(info.cacheSize).toBe(8);
    expect(info.cache.map((e) => e.offset)).toEqual([9, 10, 11, 12, 13, 14, 15, 16]);
    expect(info.vmstat).toMatchObject({ pswpout: 8, swpout_zero: 8, pswpin: 0, swpin_zero: 0 });
    expect(info.meminfo).toEqual({ SwapTotal: 1020, SwapFree: 1020 - 64, SwapCached: 32 });
    const dma32 = info.zones.find((z) => z.name === 'DMA32')!;
    expect(dma32.min).toBeLessThan(dma32.low);
    expect(dma32.low).toBeLessThan(dma32.high);
    expect(dma32.lru.inactive_anon).toBeGreaterThanOrEqual(8); // the written folios, back on the list
    expect(info.kswapd.state).toBe('sleeping');
    expect(info.kswapd.runs).toBe(0);
  });

  it('reading back: the zeromap slots come back zeroed (swpin_zero); only the swap cache holds each slot now', () => {
    const s = session(SETUP + 'A read r 0 64K 4K\n');
    const info = describeSwap(s.machine!);
    expect(info.vmstat).toMatchObject({ swpin_zero: 8, pswpin: 0 });
    const c = classes(info.devices[0]!);
    // each fault mapped the folio and dropped its PTE's reference (swap_free): SWAP_HAS_CACHE alone
    expect(c.slice(1, 17)).toEqual(Array(16).fill(SlotClass.CacheOnly));
    expect([...info.devices[0]!.zeroRuns]).toEqual([1, 9]);
  });

  it('the runs match the swap_map and zeromap slot by slot, with holes and unaligned runs', () => {
    // pages 0-3 and 12 read back and written again: their slots free up (holes between used ones)
    const s = session(
      SETUP +
        'A write r 4K 12K 4K 1\nA write r 48K 4K 4K 2\nA mmap q 200K rw\nA write q 0 100K 4K 0\nA write q 100K 100K 4K 7\nA madvise q 0 200K pageout\n',
    );
    const m = s.machine!;
    const si = m.swap.devices[0]!;
    const d = describeSwap(m).devices[0]!;
    const c = classes(d);
    const zero: boolean[] = [];
    for (let i = 0; i < d.zeroRuns.length; i += 2)
      for (let off = d.zeroRuns[i]!; off < d.zeroRuns[i + 1]!; off++) zero[off] = true;
    for (let off = 0; off < si.max; off++) {
      const z = zeromapTest(si, off);
      expect(c[off], `slot ${off}`).toBe(slotClass(si.swapMap[off]!, z));
      expect(zero[off] ?? false, `zeromap ${off}`).toBe(z);
    }
    expect(new Set(c).size).toBeGreaterThanOrEqual(4);
    expect(d.zeroSlots).toBe(zero.filter(Boolean).length);
  });

  it('the runs match a hand-made swap_map around the 8-slot fast path', () => {
    const m = session('machine arch=x86_64 ram=256M\nboot\nswapon 1M').machine!;
    const si = m.swap.devices[0]!;
    for (const off of [8, 40, 47, 48, 100, 101, 102, 103, 200, 255]) si.swapMap[off] = 1;
    si.swapMap[41] = SWAP_HAS_CACHE | 1;
    si.swapMap[64] = SWAP_HAS_CACHE;
    for (const off of [100, 101, 102, 103, 255]) zeromapSet(si, off, true);
    const d = describeSwap(m).devices[0]!;
    const c = classes(d);
    for (let off = 0; off < si.max; off++)
      expect(c[off], `slot ${off}`).toBe(slotClass(si.swapMap[off]!, zeromapTest(si, off)));
    expect([...d.zeroRuns]).toEqual([100, 104, 255, 256]);
  });

  it('a free device of 4M slots is one run after the header', () => {
    const s = session('machine arch=x86_64 ram=256M\nboot\nswapon 16G');
    const d = describeSwap(s.machine!).devices[0]!;
    expect(d.max).toBe(4 * 1024 * 1024);
    expect([...d.runStarts]).toEqual([0, 1]);
    expect([...d.runClasses]).toEqual([SlotClass.Bad, SlotClass.Free]);
    expect(d.zeroRuns.length).toBe(0);
  });
});

describe('describeSwapSlot and the process view', () => {
  it("finds the PTE holding a slot's entry, with the zeromap bit", () => {
    const s = session(SETUP);
    const m = s.machine!;
    const p = s.procs.get('A')!;
    const start = p.regions.get('r')!.start;
    const zero = describeSwapSlot(m, 0, 1);
    expect(zero).toMatchObject({ count: 1, hasCache: false, zeromap: true, written: false, cachePfn: null });
    expect(zero.ptes).toEqual([{ pid: p.task.pid, name: 'A', va: start }]);
    const written = describeSwapSlot(m, 0, 9);
    expect(written).toMatchObject({ count: 1, hasCache: true, zeromap: false, written: true });
    expect(written.cachePfn).not.toBeNull();
    expect(written.ptes[0]!.va).toBe(start + 8 * 4096);
    expect(() => describeSwapSlot(m, 0, 256)).toThrow(/outside swap device 0/);
    expect(() => describeSwapSlot(m, 3, 1)).toThrow(/no swap device of type 3/);
  });

  it('swap PTEs are their own page state, with no pfn; the tooltip reads type, offset and zeromap', () => {
    const s = session(SETUP);
    const m = s.machine!;
    const p = s.procs.get('A')!;
    const start = p.regions.get('r')!.start;
    const pfns = new Float64Array(16);
    const states = processPageStates(m, p.task, start, 16, pfns);
    expect([...states]).toEqual(Array(16).fill(VPageState.Swapped));
    expect([...pfns]).toEqual(Array(16).fill(-1));
    expect(describeSwapPte(m, p.task, start + 4096)).toEqual({
      type: 0,
      offset: 2,
      exclusive: true,
      zeromap: true,
      zswap: false,
      cachePfn: null,
    });
    expect(describeSwapPte(m, p.task, start + 9 * 4096)).toMatchObject({ offset: 10, zeromap: false });
    s.exec(parseScenario('A read r 0 4K 4K')[0]!);
    expect(processPageStates(m, p.task, start, 1)[0]).toBe(VPageState.Private);
    expect(describeSwapPte(m, p.task, start)).toBeNull();
  });
});

describe('the zone gauge reports kswapd', () => {
  it('after writing more than RAM holds: kswapd ran, reclaimed pages, and sleeps again', () => {
    const s = session(
      'machine arch=x86_64 ram=128M cpus=1 thp=never\nboot\nswapon 256M\nspawn A\nA mmap r 160M rw\nA write r 0 160M 4K 7\n',
    );
    const info = describeSwap(s.machine!);
    expect(info.kswapd.state).toBe('sleeping');
    expect(info.kswapd.runs).toBeGreaterThan(0);
    expect(info.kswapd.last!.reclaimed).toBeGreaterThan(0);
    // pages went to the device: the panel's slot grid has written slots
    expect(info.vmstat.pswpout).toBeGreaterThan(0);
  });
});
