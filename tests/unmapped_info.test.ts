/**
 * The worker's `unmappedInfo` command (src/worker/unmapped_info.ts), through the real client and
 * host in-process: pageblock freetypes and direct-map coverage, per-CPU TLBs and mermap slices, and
 * the zeroing steps of the last kernel_init_pages() call.
 */
import { describe, expect, it } from 'vitest';
import { MachineClient } from '../src/worker/client.ts';
import { inProcessTransport } from '../src/worker/in_process.ts';
import { DM_ABSENT, DM_NONE, DM_PARTIAL, DM_PRESENT, DM_SPLIT } from '../src/worker/protocol.ts';
import { Machine } from '../src/core/machine.ts';
import { kernelPagePresent, lookupAddress } from '../src/core/mm/direct_map.ts';
import { GFP_MASKS } from '../src/core/mm/gfp.ts';

const UNMAPPED = 5; // FREETYPE_IDX_UNMAPPED = MIGRATE_TYPES

async function machine(zeroing: 'per_block' | 'as_posted' = 'per_block') {
  const c = new MachineClient(inProcessTransport());
  await c.init({ ram: 2 ** 30, cpus: 4, pageAllocUnmapped: true, unmappedZeroing: zeroing });
  return c;
}

describe('unmappedInfo', () => {
  it('a slow-path __GFP_UNMAPPED|__GFP_ZERO allocation: one step per page, blocks unmapped and absent', async () => {
    const c = await machine();
    const r = await c.run(
      ['spawn A', 'preempt', 'alloc k1 order=9 gfp=GFP_KERNEL|__GFP_UNMAPPED|__GFP_ZERO'].join('\n'),
    );
    expect(r.errors).toEqual([]);
    const k1 = r.allocations.find((a) => a.name === 'k1')!;
    const { info } = await c.unmappedInfo();
    expect(info.enabled).toBe(true);
    const z = info.lastZeroing!;
    expect(z.label).toBe('alloc k1 order=9 gfp=GFP_KERNEL|__GFP_UNMAPPED|__GFP_ZERO');
    expect(z.blocks).toEqual([{ pfn: k1.pfn, nrPages: 512, unmapped: true, path: 'slow', slot: -1 }]);
    expect(z.steps.length).toBe(512);
    expect(z.steps.every((s, i) => s.via === 'slow' && s.pfn === k1.pfn + i)).toBe(true);
    const block = k1.pfn / info.pageblockPages;
    expect(new Uint8Array(info.freetypes)[block]).toBe(UNMAPPED);
    expect(new Uint8Array(info.directMap)[block]).toBe(DM_ABSENT);
    expect(info.counters.unmappedBlocks).toBe(1);
    expect(info.counters.slowPages).toBe(512);
    // the preempted holder keeps slot 0 of A's slice on CPU 0
    const slice = info.mermaps.find((x) => x.mm === 'A')!.cpus[0]!;
    expect(slice.slots[0]).toMatchObject({ inUse: true, holder: 'preempted task', base: 0, end: 511 });
    expect(slice.slots.slice(1).every((s) => !s.inUse)).toBe(true);
    // every other pageblock with RAM is still mapped
    const dm = new Uint8Array(info.directMap);
    expect(dm.filter((d) => d === DM_ABSENT).length).toBe(1);
    expect(dm.filter((d) => d === DM_PRESENT).length).toBeGreaterThan(400);
    c.close();
  });

  it('each slice names its PTE table: a page-table frame of the process, sentinel PTEs, a get’s mapping', async () => {
    const c = await machine();
    await c.run('spawn A\npreempt pages=2');
    const { info } = await c.unmappedInfo();
    const slices = info.mermaps.find((x) => x.mm === 'A')!.cpus;
    expect(slices.length).toBe(4);
    expect(new Set(slices.map((s) => s.ptePfn)).size).toBe(4); // one table per CPU
    const f = await c.inspectFrame(slices[0]!.ptePfn);
    expect(f.kpageflagNames.map((n) => n.name)).toContain('KPF_PGTABLE');
    const pte = new BigUint64Array(f.bytes);
    // the preempted holder maps 2 pages (pfn 0 and 1 stand in) with PAGE_KERNEL_NOGLOBAL; the rest: the sentinel
    expect(pte[0]).toBe(0x8000000000000063n);
    expect(pte[1]).toBe(0x8000000000001063n);
    expect(pte[2]).toBe(0x800ffffffffff120n);
    expect(pte[511]).toBe(0x800ffffffffff120n);
    const other = new BigUint64Array((await c.inspectFrame(slices[3]!.ptePfn)).bytes);
    expect(other.every((v) => v === 0x800ffffffffff120n)).toBe(true);
    // the process's VmPTE counts them: its stack's PTE, PMD and PUD tables + PUD, PMD and 4 PTE tables
    const status = (await c.run('show /proc/A/status')).output;
    expect(status).toMatch(/VmPTE:\s+36 kB/);
    c.close();
  });

  it('fast path: one mermap slot for the run, its entries non-global and tagged with the PCID', async () => {
    const c = await machine();
    await c.run('spawn A\nalloc k1 order=3 gfp=GFP_KERNEL|__GFP_UNMAPPED|__GFP_ZERO');
    const { info } = await c.unmappedInfo();
    const z = info.lastZeroing!;
    expect(z.blocks.map((b) => [b.path, b.slot])).toEqual([['fast', 0]]);
    expect(z.steps.map((s) => s.via)).toEqual(Array(8).fill('fast'));
    const cpu0 = info.cpus[0]!;
    expect(cpu0.mm).toBe('A');
    const mer = cpu0.entries.filter((e) => e.kind === 'mermap');
    expect(mer.length).toBe(8);
    expect(mer.every((e) => !e.global && e.pcid === cpu0.pcid)).toBe(true);
    c.close();
  });

  it('as posted, an order-10 allocation clears 1024 + 512 pages; without the option there is no run', async () => {
    const c = await machine('as_posted');
    await c.run('spawn A\nalloc k1 order=10 gfp=GFP_KERNEL|__GFP_UNMAPPED|__GFP_ZERO');
    const z = (await c.unmappedInfo()).info.lastZeroing!;
    expect(z.mode).toBe('as_posted');
    expect(z.blocks.map((b) => b.nrPages)).toEqual([1024, 512]);
    expect(z.totalSteps).toBe(1536);
    c.close();

    const off = new MachineClient(inProcessTransport());
    await off.init({ ram: 2 ** 30 });
    await off.run('alloc k1 order=3 gfp=GFP_KERNEL|__GFP_ZERO');
    const info = (await off.unmappedInfo()).info;
    expect(info.enabled).toBe(false);
    expect(info.lastZeroing).toBeNull();
    off.close();
  });

  it('the direct-map strip matches a page-by-page walk: a block with 4K pages partly absent', async () => {
    const c = await machine();
    const r = await c.run('alloc k1 order=3\ndirect_map k1 invalid flush');
    expect(r.errors).toEqual([]);
    const k1 = r.allocations.find((a) => a.name === 'k1')!;
    const { info } = await c.unmappedInfo();
    const dm = new Uint8Array(info.directMap);
    expect(dm[k1.pfn / 512]).toBe(DM_PARTIAL);
    // the same machine rebuilt in the test, walked page by page
    const m = new Machine({ ram: 2 ** 30, cpus: 4, pageAllocUnmapped: true });
    m.boot();
    m.allocNamed('k1', 3, GFP_MASKS['GFP_KERNEL']!);
    expect(m.named.get('k1')!.pfn).toBe(k1.pfn);
    for (let b = 0; b < dm.length; b++) {
      let present = 0;
      let none = 0;
      const split = !!lookupAddress(m, b * 512) && lookupAddress(m, b * 512)!.level === 3;
      for (let p = b * 512; p < (b + 1) * 512; p++) {
        if (p >= k1.pfn && p < k1.pfn + 8) continue; // invalid on the worker's machine only
        if (!lookupAddress(m, p)) none++;
        else if (kernelPagePresent(m, p)) present++;
      }
      if (b === k1.pfn / 512) continue;
      const want =
        none === 512 ? DM_NONE : present === 512 - none ? (split ? DM_SPLIT : DM_PRESENT) : DM_PARTIAL;
      expect([b, dm[b]]).toEqual([b, want]);
    }
    c.close();
  });
});
