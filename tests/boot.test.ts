import { describe, expect, it } from 'vitest';
import { assertInvariants } from '../src/core/check.ts';
import { Machine } from '../src/core/machine.ts';
import { readProc } from '../src/core/proc/index.ts';
import { FrameState } from '../src/core/shared/frame_state.ts';
import { booted, GiB, reference } from './helpers/machine.ts';

/** A line with every number replaced by N: the format without the values. */
const shape = (line: string) => line.replace(/\d+/g, 'N');
/** For fixed-width columns (%6lu): each number with its padding becomes <width>. */
const widthShape = (line: string) => line.replace(/ *\d+/g, (m) => `<${m.length}>`);

describe('x86-64 boot', () => {
  it('prints the Memory: line worked out by hand for a 1 GiB machine', () => {
    const m = booted({ ram: 1 * GiB });
    // present: DMA pfns 1..158 and 256..4095 (3998) + DMA32 4096..262111 (258016) = 262014 pages.
    // reserved: pfns 1..158 of the first MiB (158) + the image 16 MiB..0x3e8f000 (11919)
    //           + the memmap, 8 sections x 2 MiB (4096) = 16173 pages = 64692K.
    // free at page_alloc_init_late: nothing allocated yet, so present - reserved = 245841 pages.
    expect(m.log).toContain(
      'Memory: 983364K/1048056K available (16384K kernel code, 2452K rwdata, 6608K rodata, 2792K init, 3372K bss, 64692K reserved, 0K cma-reserved)',
    );
    expect(m.log).toContain('Built 1 zonelists, mobility grouping on.  Total pages: 262014');
    // min_free_kbytes: int_sqrt(245841 pages x 4 KiB x 16) = 3966, then khugepaged's recommendation
    // 512 x 2 zones x (2 + 9) = 11264 pages = 45056 kB.
    expect(m.log).toContain(
      'raising min_free_kbytes from 3966 to 45056 to help transparent hugepage allocations',
    );
    expect(m.log).toContain('Freeing unused kernel image (initmem) memory: 2792K');
  });

  it('puts empty_zero_page in BSS and sets zero_page_pfn and __zero_page in mm_core_init (after the patch)', () => {
    const m = new Machine({ ram: 1 * GiB });
    m.boot('init_zero_page_pfn');
    expect(m.vars.get('zero_page_pfn')).toBe(0n);
    m.bootStep();
    expect(m.vars.get('zero_page_pfn')).toBe(15156n); // 0x3b34000 >> 12, the first page of .bss
    expect(m.vars.get('__zero_page')).toBe(0xffffea0000000000n + 15156n * 64n);
    expect(m.steps.findIndex((s) => s.fn === 'init_zero_page_pfn')).toBeLessThan(
      m.steps.findIndex((s) => s.fn === 'memblock_free_all'),
    );
    m.boot();
    const st = new Uint8Array(1);
    m.frameStates(st, 15156, 15157);
    expect(st[0]).toBe(FrameState.ZeroPage);
    expect(m.zeroPageCalls).toBe(0);
  });

  it('sets zero_pfn only in the early initcalls before the patch, with one ZERO_PAGE() call', () => {
    const m = new Machine({ ram: 1 * GiB, zeroPagePatch: 'before' });
    m.boot('memblock_free_all');
    expect(m.vars.get('zero_page_pfn')).toBe(0n); // 0 all through mm_core_init
    m.boot('init_zero_pfn');
    expect(m.vars.get('zero_page_pfn')).toBe(0n);
    m.bootStep();
    expect(m.vars.get('zero_page_pfn')).toBe(15156n);
    expect(m.zeroPageCalls).toBe(1); // init_zero_pfn(): zero_pfn = page_to_pfn(ZERO_PAGE(0))
    // my_zero_pfn() (the fault path) reads zero_pfn; ZERO_PAGE() itself still computes
    expect(m.myZeroPfn(0x1000)).toBe(15156);
    expect(m.zeroPageCalls).toBe(1);
    expect(m.zeroPfn(0)).toBe(15156);
    expect(m.zeroPageCalls).toBe(2);
  });

  it('has the DMA zone of the reference machine: start_pfn 1, spanned 4095, present 3998, managed 3840', () => {
    const m = booted({ ram: 1 * GiB });
    const zi = readProc(m, '/proc/zoneinfo');
    const dma = zi.slice(zi.indexOf('Node 0, zone      DMA'), zi.indexOf('Node 0, zone    DMA32'));
    for (const l of [
      'pages free     3840',
      'spanned  4095',
      'present  3998',
      'managed  3840',
      'start_pfn:           1',
    ])
      expect(dma).toContain(l);
    const ref = reference('buddyinfo.txt').split('\n')[0];
    expect(readProc(m, '/proc/buddyinfo').split('\n')[0]).toBe(ref); // "... 0 0 1 1 3": same as the real machine
    // 1 GiB: no Normal zone, as on a real machine; it appears in zoneinfo, empty, but not in buddyinfo.
    expect(readProc(m, '/proc/buddyinfo')).not.toContain('Normal');
    expect(zi).toContain('Node 0, zone   Normal\n  pages free     0');
  });

  it('computes watermarks as __setup_per_zone_wmarks does, by hand for DMA', () => {
    const m = booted({ ram: 1 * GiB });
    const dma = m.alloc.zones[0]!;
    // pages_min 11264 shared by managed pages: 11264 x 3840 / 245841 = 175; delta max(175/4, 3) = 43.
    expect(dma.watermark).toEqual([175, 218, 261, 304]);
    // protection: DMA32 managed / 256 at the initcalls, before free_initmem: (245841 - 3840) / 256
    expect(dma.lowmemReserve[1]).toBe(945);
    // The movable and device zones are empty: min 32 for movable (SWAP_CLUSTER_MAX), 0 for device.
    expect(m.alloc.zones[4]!.watermark).toEqual([32, 32, 32, 32]);
    expect(m.alloc.zones[5]!.watermark).toEqual([0, 0, 0, 0]);
  });

  it('prints every /proc file in the shape of the real Linux 6.18 files', () => {
    const m = booted({ ram: 4 * GiB });
    // buddyinfo and pagetypeinfo: identical line shapes, zone by zone.
    for (const f of ['buddyinfo.txt', 'pagetypeinfo.txt']) {
      const ours = readProc(m, `/proc/${f.replace('.txt', '')}`)
        .split('\n')
        .map(widthShape);
      const ref = reference(f).split('\n').map(widthShape);
      expect(ours).toEqual(ref);
    }
    // zoneinfo: same sequence of line shapes (a 4 GiB machine has DMA, DMA32 and Normal like the reference).
    expect(readProc(m, '/proc/zoneinfo').split('\n').map(shape)).toEqual(
      reference('zoneinfo.txt').split('\n').map(shape),
    );
    // meminfo and vmstat: the same names in the same order, the same column layout.
    for (const f of ['meminfo', 'vmstat']) {
      const ours = readProc(m, `/proc/${f}`).trimEnd().split('\n');
      const ref = reference(`${f}.txt`).trimEnd().split('\n');
      expect(ours.map((l) => l.split(/\s+/)[0])).toEqual(ref.map((l) => l.split(/\s+/)[0]));
      // meminfo: a 16-column label, the value right-aligned to column 24, then " kB" or nothing.
      const cols = (l: string) => [
        l.slice(0, 16),
        /\d$|\d kB$/.test(l),
        Math.max(24, l.replace(/ kB$/, '').length),
        l.endsWith(' kB'),
      ];
      if (f === 'meminfo') expect(ours.map(cols)).toEqual(ref.map(cols));
    }
  });

  it('boots machines from 128 MiB to 16 GiB with the invariants holding', () => {
    for (const ram of [128 * 1024 * 1024, 3.5 * GiB, 16 * GiB]) {
      const m = new Machine({ ram, cpus: 4 });
      m.boot();
      assertInvariants(m);
      const total = m.alloc.zones.reduce((s, z) => s + z.presentPages, 0);
      // e820 usable: 639 KiB below 1 MiB minus page 0, and RAM above it minus 128 KiB of firmware.
      const usableBelow1M = 158;
      expect(total).toBe(usableBelow1M + (ram - 0x100000 - 0x20000 * (ram < 0xe0000000 ? 1 : 1)) / 4096);
    }
  });

  it('rejects an impossible machine with the reason', () => {
    expect(() => new Machine({ ram: 64 * 1024 * 1024 })).toThrow(/ram=64M is too small/);
    expect(() => new Machine({ cpus: 0 })).toThrow(/cpus=0/);
    expect(() => new Machine({ ram: 1 * GiB + 4096 })).toThrow(/multiple of 2M/);
  });

  it('walks every boot step in order, each with a source file and a reason', () => {
    const m = new Machine();
    const seen: string[] = [];
    while (!m.booted) {
      const s = m.bootStep()!;
      expect(s.file).toMatch(/\.(c|S)$/);
      expect(s.why.length).toBeGreaterThan(40);
      seen.push(s.fn);
      assertInvariants(m);
    }
    expect(seen.slice(0, 7)).toEqual([
      'e820__memory_setup',
      'early_reserve_memory',
      'e820__memblock_setup',
      'reserve_real_mode',
      'init_mem_mapping',
      'sparse_init',
      'free_area_init',
    ]);
    expect(seen.indexOf('memblock_free_all')).toBeLessThan(seen.indexOf('page_alloc_init_late'));
  });
});
